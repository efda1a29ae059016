#!/bin/sh
# Installs what the tests need on a fresh Debian machine: an X server and X
# clients for capture/input tests, the MinGW-w64 compiler (its headers check
# the Windows ABI mirrors in capture), Chromium for the console tests, and the
# npm packages of the browser tests. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

missing=
for pair in Xvfb:xvfb xterm:xterm xdotool:xdotool xwininfo:x11-utils x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64 chromium:chromium node:nodejs npm:npm dash:dash; do
	cmd=${pair%%:*}; pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing fonts-dejavu-core xauth >/dev/null
fi

if [ -f e2e/package.json ] && [ ! -d e2e/node_modules/playwright-core ]; then
	(cd e2e && npm install --no-audit --no-fund --loglevel=error)
fi
