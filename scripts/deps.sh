#!/bin/sh
# Installs what the tests need on a fresh Debian machine: an X server and X
# clients for capture/input tests, Chromium for the console tests,
# PostgreSQL for the store tests, the package tools that check the .pkg,
# .deb and .rpm builders independently (bsdtar reads xar, GNU cpio, rpm,
# dpkg-deb, file), what builds and tests the Windows packages (osslsigncode
# signs, wixl and msitools build the MSI, MinGW-w64 its custom-action DLL,
# Wine runs them), and the npm packages of the browser tests.
# Safe to run again.
set -eu
cd "$(dirname "$0")/.."

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

missing=
for pair in Xvfb:xvfb xterm:xterm xdotool:xdotool xclip:xclip xwininfo:x11-utils chromium:chromium node:nodejs npm:npm dash:dash \
	bsdtar:libarchive-tools cpio:cpio rpm:rpm dpkg-deb:dpkg file:file \
	osslsigncode:osslsigncode wixl:wixl msibuild:msitools x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64 wine:wine; do
	cmd=${pair%%:*}; pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
# Debian 12's 64-bit Wine loader is not on PATH (/usr/bin/wine finds it).
[ -x /usr/lib/wine/wine64 ] || missing="$missing wine64"
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
