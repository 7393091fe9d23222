#!/bin/sh
# deps.sh [deb] - install the Debian packages Chartroom needs to build, test
# and run, but only those that are missing. As root it calls apt-get;
# otherwise sudo apt-get. Does nothing when everything is present.
# "deb" adds what building and checking the Debian package needs (make deb,
# tests/pkg/test_deb.sh): debhelper, lintian and their helpers, which
# make check does not need.
set -e
PKGS="build-essential pkg-config libncurses-dev libsqlite3-dev sqlite3 libsodium-dev
libiniparser-dev libcmocka-dev tmux libpwquality-dev cracklib-runtime john-data groff-base mandoc
tzdata libunistring-dev libjansson-dev python3-jsonschema"
if [ "${1:-}" = deb ]; then
	PKGS="$PKGS dpkg-dev debhelper fakeroot lintian"
fi
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "Installing missing packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps.sh: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing
