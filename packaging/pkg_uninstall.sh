#!/bin/sh
# Removes the Tether jump client that the package in this folder installed,
# then the folder and the package receipt. Run it as an administrator:
#   sudo "/Library/Application Support/Tether/<installer>/uninstall"
# The jump client stays listed in the console (as uninstalled) until it is
# removed there.

STAGE=$(cd "$(dirname "$0")" && pwd -P) || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "Run this as root: sudo \"$STAGE/uninstall\"" >&2
	exit 1
fi
MODE= DIR= RUN_AS= PKGID=
# Written by the package's postinstall; only root can change $STAGE.
[ -f "$STAGE/install-info" ] && . "$STAGE/install-info"

status=0
if [ -n "$DIR" ] && [ -x "$DIR/tether" ]; then
	if [ "$MODE" = user ] && [ -n "$RUN_AS" ]; then
		# The user's jump client, removed as that user in their session.
		launchctl asuser "$(id -u "$RUN_AS")" sudo -H -u "$RUN_AS" "$DIR/tether" uninstall || status=$?
	else
		"$DIR/tether" uninstall || status=$?
	fi
	if [ "$status" != 0 ]; then
		echo "tether uninstall failed (exit status $status); $STAGE is kept so you can retry." >&2
		exit "$status"
	fi
fi
[ -n "$PKGID" ] && pkgutil --forget "$PKGID" >/dev/null 2>&1
cd / && rm -rf -- "$STAGE"
echo "Tether jump client removed."
