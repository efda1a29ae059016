#!/bin/sh
# Static checks: gofmt, go vet, and that every package that should build on
# Windows and macOS does (macOS without cgo: there is no SDK here).
set -eu
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...
# Vet for Windows too: it also compiles the _windows_test.go files, which no
# Linux build sees (they run under Wine in test.sh).
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go vet ./...
# The Wine test binaries are built with the wine tag (scripts/wine.sh):
# vet what only that tag compiles as well.
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go vet -tags wine ./internal/testdir
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build ./...
CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go build ./...
CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 go build ./...
# The macOS backends only run on a Mac: vet them for both architectures.
CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go vet ./capture/ ./input/ ./internal/quartz/ ./internal/macapp/ ./clipboard/
CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 go vet ./capture/ ./input/ ./internal/quartz/ ./internal/macapp/ ./clipboard/
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build ./...
echo "check: ok"
