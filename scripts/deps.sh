#!/bin/sh
# Installs what the tests need on a fresh Debian machine: an X server and X
# clients for capture/input tests, Chromium for the console tests,
# PostgreSQL for the store tests, the package tools that check the .pkg,
# .deb and .rpm builders independently (bsdtar reads xar, GNU cpio, rpm,
# dpkg-deb, file), and the npm packages of the browser tests.
# Safe to run again.
set -eu
cd "$(dirname "$0")/.."

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

missing=
for pair in Xvfb:xvfb xterm:xterm xdotool:xdotool xclip:xclip xwininfo:x11-utils chromium:chromium node:nodejs npm:npm dash:dash \
	bsdtar:libarchive-tools cpio:cpio rpm:rpm dpkg-deb:dpkg file:file; do
	cmd=${pair%%:*}; pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
# The store tests run a private PostgreSQL server (internal/pgtest); Debian
# keeps its binaries off PATH, under /usr/lib/postgresql/VERSION/bin.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
	echo "installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing fonts-dejavu-core xauth >/dev/null
fi

if [ -f e2e/package.json ] && [ ! -d e2e/node_modules/playwright-core ]; then
	(cd e2e && npm install --no-audit --no-fund --loglevel=error)
fi
