#!/bin/sh
# Runs every test: static checks, all Go tests (with a real site, SQLite,
# PostgreSQL, Xvfb, Chromium), short fuzzing of every parser, and one pass
# of every benchmark so they cannot rot. Installs missing packages first.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/check.sh

# Tests that need X, node, Chromium, PostgreSQL or the package tools skip
# only when these are unset.
export TETHER_REQUIRE_X=1 TETHER_REQUIRE_NODE=1 TETHER_REQUIRE_BROWSER=1 TETHER_REQUIRE_PG=1 TETHER_NO_DIALOG=1
export TETHER_REQUIRE_PKGTOOLS=1
# The MSI end-to-end test (e2e/msi_wine_test.go) installs jump clients from
# the site's MSI under Wine in a fresh prefix (about 45 s).
export TETHER_REQUIRE_WINE=1
go test -count=1 -timeout 15m ./...
# The concurrent core again under the race detector.
go test -race -count=1 -timeout 10m ./agent/ ./site/... ./stream/ ./wire/ ./embedcfg/ ./internal/...

# The Windows builds under Wine on Xvfb (wine.sh: prefix, ProcessPrng shim,
# Xvfb; it installs Wine and MinGW-w64 when missing), every package's whole
# test binary: the capture and input backends against real windows and
# Notepad, the clipboard through Notepad, the agent and installer with a
# real site in-process (support app, jump clients, reboot entries in the
# registry, the toolkit), the customer window, files, shell, system
# information. Tests that need Linux say so when they skip (docs/BENCHMARKS.md,
# "Windows (Wine)"). One pass of the Windows benchmarks keeps them from
# rotting.
./scripts/wine.sh test ./capture ./input ./internal/winapi ./internal/testdir ./internal/removeall ./embedcfg ./wire ./stream \
	./internal/cfb ./clipboard ./installer ./agent ./agent/ui ./agent/files ./agent/shell ./agent/sysinfo \
	./agent/desktop
WINE_BENCHTIME=1x ./scripts/wine.sh bench ./capture

# Short fuzzing of each parser (the seeds also run as plain tests above).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in $(grep -rl --include='*_test.go' --exclude-dir=node_modules '^func Fuzz' .); do
	pkg=./$(dirname "$f")
	for target in $(grep -h '^func Fuzz' "$f" | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
		# A number of executions rather than a time: the engine's own
		# deadline made busy machines fail with "context deadline exceeded".
		# A second try tells a flaky engine from a real crasher (which Go
		# saves in testdata/fuzz and replays first, so it fails again).
		if ! go test -run='^$' -fuzz="^$target\$" -fuzztime=25000x "$pkg" >"$log" 2>&1; then
			cat "$log"
			echo "fuzz $target: retrying once"
			go test -run='^$' -fuzz="^$target\$" -fuzztime=25000x "$pkg"
		fi
		echo "fuzz $target ($pkg): ok"
	done
done

# One pass of each benchmark so it cannot rot: the file transfer moves
# 256 MiB here (scripts/bench.sh runs its 2 GiB).
if ! TETHER_BENCH_BYTES=268435456 go test -run='^$' -bench=. -benchtime=1x ./... >"$log" 2>&1; then
	cat "$log"
	exit 1
fi
echo "test: all ok"
