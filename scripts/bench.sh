#!/bin/sh
# Runs the benchmarks whose results docs/BENCHMARKS.md records.
set -eu
cd "$(dirname "$0")/.."
go test -run='^$' -bench=. -benchmem -count=3 ./... | tee bench.out
