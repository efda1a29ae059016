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
# capture loop alone. Prints one line per backend: CPU shares of one core.
set -eu
cd "$(dirname "$0")/.."
: "${WINE_SCREEN:=1280x800x24}"
: "${WINEPREFIX:=$(pwd)/.cache/wine}"
export WINEPREFIX
[ $# -gt 0 ] || set -- none gdi screenshot
./scripts/wine.sh setup >/dev/null

tmp=$(mktemp -d)
trap 'kill "$xvfb" 2>/dev/null; rm -rf "$tmp"' EXIT
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

for b in "$@"; do
	rm -f "$tmp/mark"
	TETHER_STATIC_LOAD=$b TETHER_STATIC_LOOP=${WINE_CPU_LOOP:-capture} TETHER_STATIC_SECONDS=25 TETHER_STATIC_MARK="Z:$(echo "$tmp/mark" | tr / '\\')" \
		./scripts/wine.sh test ./capture -- -test.run '^TestWindowsStaticLoad$' >"$tmp/log" 2>&1 &
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
	awk -v b="$b" -v s="$WINE_SCREEN" -v dt=$((t1 - t0)) -v a=$((a1 - a0)) -v x=$((x1 - x0)) -v w=$((s1 - s0)) \
		-v l="${WINE_CPU_LOOP:-capture}" 'BEGIN { printf "%s %s %-10s agent %5.2f %%  Xvfb %5.2f %%  wineserver %5.2f %%  (of one core)\n", s, l, b, 100*a/dt, 100*x/dt, 100*w/dt }'
done
