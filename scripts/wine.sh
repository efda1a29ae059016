#!/bin/sh
# Runs Windows builds of Go packages under Wine on an X display, so that the
# Windows capture and input backends are exercised on every CI run from a
# Linux machine (docs/BENCHMARKS.md, "Windows (Wine)", says what Wine can and
# cannot stand in for).
#
#   scripts/wine.sh setup                  install packages, create the prefix
#   scripts/wine.sh test PKG... [-- FLAGS] build each package's Windows test
#                                          binary and run it (FLAGS go to it,
#                                          e.g. -- -test.run Notepad)
#   scripts/wine.sh bench PKG [REGEX]      run a package's Windows benchmarks
#   scripts/wine.sh run X.exe [ARGS]       run any Windows program in the prefix
#
# Environment:
#   WINEPREFIX    the prefix (default: .cache/wine in the repository, which git
#                 ignores; one per worktree, so parallel checkouts never share
#                 a wineserver)
#   DISPLAY       X display to use; when unset an Xvfb is started for the run
#   WINE_SCREEN   size of that Xvfb (default 1280x800x24)
#   WINE_TIMEOUT  seconds one test binary may run (default 150)
#   WINE_BENCHTIME  -test.benchtime of the bench command (default 2s)
#
# Every step is idempotent: packages, prefix and shim are only installed when
# missing or out of date. CI runs as root; elsewhere apt-get goes via sudo.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${WINEPREFIX:=$repo/.cache/wine}"
: "${WINE_SCREEN:=1280x800x24}"
: "${WINE_TIMEOUT:=150}"
# fixme/err chatter from Wine drowns the test output; WINEDEBUG=+... to debug.
: "${WINEDEBUG:=-all}"
# mscoree/mshtml= stops wineboot from offering to download Mono and Gecko.
WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
WINEARCH=win64
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES WINEARCH
bindir=$repo/.cache/wine-bin
# Bump when setup_prefix changes the prefix's settings, so existing
# prefixes get them too.
prefix_config=1
shim_src=$repo/scripts/wine

log() { echo "wine.sh: $*" >&2; }

# install_packages installs what is missing: Debian 12's wine64 is the 64-bit
# loader (not on PATH; /usr/bin/wine finds it), the X libraries are those Wine
# loads at run time for monitors (RandR, Xinerama) and input (XInput2).
install_packages() {
	missing=
	command -v wine >/dev/null 2>&1 || missing="$missing wine"
	[ -x /usr/lib/wine/wine64 ] || missing="$missing wine64"
	command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
	command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing="$missing gcc-mingw-w64-x86-64"
	libs=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null)
	for lib in libXrandr.so.2:libxrandr2 libXinerama.so.1:libxinerama1 libXi.so.6:libxi6 \
		libXcursor.so.1:libxcursor1 libXfixes.so.3:libxfixes3 libXrender.so.1:libxrender1; do
		echo "$libs" | grep -q "${lib%%:*}" || missing="$missing ${lib#*:}"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# setup_prefix creates the prefix once and (re)installs the ProcessPrng shim
# when its source changed. Go 1.22+ programs import ProcessPrng from
# bcryptprimitives.dll, which Wine 8 lacks (see scripts/wine/bcp.c).
setup_prefix() {
	if [ ! -f "$WINEPREFIX/system.reg" ]; then
		log "creating prefix $WINEPREFIX"
		mkdir -p "$WINEPREFIX"
		wine wineboot -i >/dev/null 2>&1
		wineserver -w
	fi
	if [ "$(cat "$WINEPREFIX/.tether-config" 2>/dev/null)" != "$prefix_config" ]; then
		# A crashing test must fail, not wait for someone to close winedbg.
		wine reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null 2>&1
		# Xvfb has no window manager: a managed window makes Wine wait 2 s
		# for the WM on every hide/destroy.
		wine reg add 'HKCU\Software\Wine\X11 Driver' /v Managed /d N /f >/dev/null 2>&1
		wineserver -w
		echo "$prefix_config" >"$WINEPREFIX/.tether-config"
	fi
	dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
	if [ ! -f "$dll.tether" ] || [ "$shim_src/bcp.c" -nt "$dll.tether" ] || [ "$shim_src/bcp.def" -nt "$dll.tether" ]; then
		log "building the ProcessPrng shim"
		x86_64-w64-mingw32-gcc -shared -O2 -o "$dll.tmp" "$shim_src/bcp.c" "$shim_src/bcp.def" -ladvapi32
		mv "$dll.tmp" "$dll"
		touch "$dll.tether" # marks the shim as ours and when it was built
	fi
}

xvfb_pid=
# ensure_display starts a private Xvfb unless DISPLAY is set. -displayfd
# lets the server pick a free display number (no race with other users).
ensure_display() {
	[ -n "${DISPLAY:-}" ] && return 0
	command -v Xvfb >/dev/null 2>&1 || { log "Xvfb missing"; exit 1; }
	fd=$(mktemp)
	# One screen: Wine 8 sees one monitor on Xvfb whatever we do (it reads
	# RandR outputs, not RandR 1.5 monitors, and Xvfb's Xinerama screens
	# all sit at 0,0), so multi-monitor layouts are unit-tested instead.
	Xvfb -displayfd 3 -screen 0 "$WINE_SCREEN" -nolisten tcp -noreset 3>"$fd" 2>/dev/null &
	xvfb_pid=$!
	n=0
	while [ ! -s "$fd" ]; do
		n=$((n + 1))
		if [ "$n" -gt 150 ] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
			log "Xvfb did not start"
			exit 1
		fi
		sleep 0.1
	done
	DISPLAY=:$(tr -d '\n' <"$fd")
	export DISPLAY
	rm -f "$fd"
	# A wineserver left from an earlier run would still serve its old
	# (dead) display's desktop: start from a clean one on ours.
	wineserver -k 2>/dev/null || true
	trap cleanup EXIT INT TERM
}

cleanup() {
	# Our prefix and our display: stop Wine before the X server goes away.
	wineserver -k 2>/dev/null || true
	if [ -n "$xvfb_pid" ]; then
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
	fi
}

# build PKG: compiles the package's Windows test binary and prints its path.
# The wine tag (with the linker check it needs) makes deletes in the test
# binary take Go's fallback that Wine implements (internal/testdir).
build() {
	mkdir -p "$bindir"
	exe=$bindir/$(echo "$1" | sed 's|^\./||; s|[/.]|_|g').test.exe
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go test -c -tags wine -ldflags=-checklinkname=0 -o "$exe" "$1"
	echo "$exe"
}

# run_test PKG FLAGS...: runs the package's binary in the package directory
# (as go test does, so testdata/ resolves) under a hard timeout.
run_test() {
	pkg=$1
	shift
	exe=$(build "$pkg")
	[ -f "$exe" ] || { log "$pkg: no test files"; return 0; }
	dir=$(go list -f '{{.Dir}}' "$pkg")
	log "running $pkg on $DISPLAY"
	# test.sh's TETHER_REQUIRE_* promise Linux programs (node, Chromium,
	# PostgreSQL, package tools) that a Windows test binary cannot run:
	# there those tests skip, as they say.
	(cd "$dir" && env -u TETHER_REQUIRE_NODE -u TETHER_REQUIRE_BROWSER -u TETHER_REQUIRE_PG \
		-u TETHER_REQUIRE_PKGTOOLS timeout -k 10 "$WINE_TIMEOUT" wine "$exe" -test.timeout "$((WINE_TIMEOUT - 10))s" "$@")
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
setup)
	install_packages
	ensure_display
	setup_prefix
	;;
test)
	pkgs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pkgs="$pkgs $1"
		shift
	done
	[ $# -gt 0 ] && shift # the --
	[ -n "$pkgs" ] || { log "usage: $0 test PKG... [-- FLAGS]"; exit 2; }
	install_packages
	ensure_display
	setup_prefix
	failed=
	for p in $pkgs; do
		if run_test "$p" -test.v "$@"; then
			log "$p: ok"
		else
			log "$p: FAILED"
			failed="$failed $p"
		fi
	done
	if [ -n "$failed" ]; then
		log "failed:$failed"
		exit 1
	fi
	log "all ok:$pkgs"
	;;
bench)
	[ $# -ge 1 ] || { log "usage: $0 bench PKG [REGEX]"; exit 2; }
	install_packages
	ensure_display
	setup_prefix
	run_test "$1" -test.run '^$' -test.bench "${2:-.}" -test.benchtime "${WINE_BENCHTIME:-2s}"
	;;
run)
	[ $# -ge 1 ] || { log "usage: $0 run X.exe [ARGS]"; exit 2; }
	install_packages
	ensure_display
	setup_prefix
	wine "$@"
	;;
*)
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
