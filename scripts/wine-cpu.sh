#!/bin/sh
# Measures what a static screen costs the Windows capture backends under
# Wine, from the Linux side: the scheduler's exact run time (schedstat) of
# every thread of the agent's test process, of Xvfb and of wineserver,
# over 15 s of capture/TestWindowsStaticLoad (the stream's Wait/Grab loop
# on a screen where nothing moves). GetProcessTimes inside Wine is sampled
# at the scheduler tick and misjudges such a loop's short bursts.
#
#   scripts/wine-cpu.sh [BACKEND...]   (default: none gdi screenshot)
#
# WINE_SCREEN sets the Xvfb size (default 1280x800x24); WINE_CPU_LOOP=stream
# measures the whole stream loop (encoder, flow control) instead of the
# capture loop alone. WINE_CPU_BASELINE=REV (a git revision, e.g. main)
# also builds that revision's test binary and measures it right before the
# working tree's, backend by backend, so both share the machine's load;
# WINE_CPU_REPEAT=N repeats each measurement N times (default 1). Prints
# one line per measurement: CPU shares of one core.
set -eu
cd "$(dirname "$0")/.."
: "${WINE_SCREEN:=1280x800x24}"
: "${WINEPREFIX:=$(pwd)/.cache/wine}"
: "${WINE_CPU_REPEAT:=1}"
export WINEPREFIX
[ $# -gt 0 ] || set -- none gdi screenshot
./scripts/wine.sh setup >/dev/null

tmp=$(mktemp -d)
xvfb=
trap 'kill "$xvfb" 2>/dev/null; rm -rf "$tmp"' EXIT

# build DIR OUT: the capture package's Windows test binary from the tree
# in DIR, built as wine.sh builds it (its flags; named like its binaries,
# so the process is found the same way). An older tree ignores the tag.
build() {
	mkdir -p "$(dirname "$2")"
	(cd "$1" && CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go test -c -tags wine -ldflags=-checklinkname=0 -o "$2" ./capture)
}
builds="cur"
build . "$tmp/cur/capture.test.exe"
if [ -n "${WINE_CPU_BASELINE:-}" ]; then
	mkdir -p "$tmp/src"
	git archive --format=tar "$WINE_CPU_BASELINE" | tar -x -C "$tmp/src"
	build "$tmp/src" "$tmp/base/capture.test.exe"
	builds="base cur"
fi

Xvfb -displayfd 3 -screen 0 "$WINE_SCREEN" -nolisten tcp -noreset 3>"$tmp/display" 2>/dev/null &
xvfb=$!
while [ ! -s "$tmp/display" ]; do sleep 0.1; done
DISPLAY=:$(cat "$tmp/display")
export DISPLAY

# runtime PID...: summed schedstat run time (ns) of all threads.
runtime() {
	for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
# ours NAME: pids of processes called NAME running in our prefix.
ours() {
	for p in $(pgrep -x "$1" || true); do
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX"; then
			echo "$p"
		fi
	done
}

# measure BUILD BACKEND: one 15 s measurement of that build's loop.
measure() {
	rm -f "$tmp/mark"
	TETHER_STATIC_LOAD=$2 TETHER_STATIC_LOOP=${WINE_CPU_LOOP:-capture} TETHER_STATIC_SECONDS=25 TETHER_STATIC_MARK="Z:$(echo "$tmp/mark" | tr / '\\')" \
		./scripts/wine.sh run "$tmp/$1/capture.test.exe" -test.run '^TestWindowsStaticLoad$' >"$tmp/log" 2>&1 &
	run=$!
	n=0
	until [ -f "$tmp/mark" ]; do
		n=$((n + 1))
		[ "$n" -lt 600 ] || { cat "$tmp/log"; exit 1; }
		sleep 0.1
	done
	sleep 3 # let the plan settle into its idle rate
	agent=$(ours capture.test.ex)
	server=$(ours wineserver64)
	a0=$(runtime $agent) x0=$(runtime $xvfb) s0=$(runtime $server) t0=$(date +%s%N)
	sleep 15
	a1=$(runtime $agent) x1=$(runtime $xvfb) s1=$(runtime $server) t1=$(date +%s%N)
	wait "$run" || { cat "$tmp/log"; exit 1; }
	awk -v b="$2" -v s="$WINE_SCREEN" -v dt=$((t1 - t0)) -v a=$((a1 - a0)) -v x=$((x1 - x0)) -v w=$((s1 - s0)) \
		-v l="${WINE_CPU_LOOP:-capture}" -v build="$1" \
		'BEGIN { printf "%s %s %-4s %-10s agent %5.2f %%  Xvfb %5.2f %%  wineserver %5.2f %%  (of one core)\n", s, l, build, b, 100*a/dt, 100*x/dt, 100*w/dt }'
}

for b in "$@"; do
	i=0
	while [ "$i" -lt "$WINE_CPU_REPEAT" ]; do
		for build in $builds; do
			measure "$build" "$b"
		done
		i=$((i + 1))
	done
done
