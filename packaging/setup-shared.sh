#!/bin/sh
# setup-shared.sh - the system steps of a shared install (README "Two
# modes"), run as root by `make install-shared` or by a package's postinst:
#
#   1. the group (default chartroom) exists: groupadd --system if missing;
#   2. the binary belongs to root and that group, mode 2755 (setgid);
#   3. the data directory exists, root:GROUP mode 2770, and every file
#      already in it is GROUP's with mode 0660 (nothing for others).
#
# Idempotent: running it again changes nothing that is already right.
# Staff accounts must NOT be members of the group; the script warns if any
# account is.
#
# usage: setup-shared.sh [--group NAME] [--datadir DIR] [--bin PATH] [--keep-bin]
# --keep-bin leaves the binary's owner and mode alone: the Debian package's
# postinst sets them with dpkg-statoverride, which a local override changes.
set -eu

GROUP=chartroom
DATADIR=/var/lib/chartroom
BIN=/usr/local/bin/chartroom
KEEP_BIN=0

while [ $# -gt 0 ]; do
	case $1 in
	--group) GROUP=$2; shift 2 ;;
	--datadir) DATADIR=$2; shift 2 ;;
	--bin) BIN=$2; shift 2 ;;
	--keep-bin) KEEP_BIN=1; shift ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "setup-shared.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

die() { echo "setup-shared.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it creates a group and sets a setgid bit)"
case $DATADIR in /*) ;; *) die "--datadir must be an absolute path" ;; esac
[ -f "$BIN" ] || die "no binary at $BIN"

# 1. The group: a system group no person logs in with.
if ! getent group "$GROUP" >/dev/null; then
	groupadd --system "$GROUP"
	echo "created group $GROUP"
fi

# 2. The binary: chown first (it clears the setgid bit), then the mode.
if [ "$KEEP_BIN" -eq 0 ]; then
	chown "root:$GROUP" "$BIN"
	chmod 2755 "$BIN"
fi

# 3. The data directory and anything already in it. Every directory above
# it must be root's and writable by nobody else, or someone could swap it:
# the program refuses such a data directory, so say it here first.
d=$(dirname "$DATADIR")
while :; do
	if [ -e "$d" ]; then
		owner=$(stat -c %u "$d")
		mode=$(stat -c %a "$d")
		perm=$((0$mode & 022))
		sticky=$((0$mode & 01000))
		if [ "$owner" -ne 0 ] || { [ "$perm" -ne 0 ] && [ "$sticky" -eq 0 ]; }; then
			die "$d (above the data directory) must be owned by root and writable by no one else"
		fi
	fi
	[ "$d" = / ] && break
	d=$(dirname "$d")
done
mkdir -p "$DATADIR"
chown "root:$GROUP" "$DATADIR"
chmod 2770 "$DATADIR"
find "$DATADIR" -mindepth 1 -maxdepth 1 -type f -exec chgrp "$GROUP" {} + \
	-exec chmod u+rw,g+rw,o-rwx {} +

# Staff must reach the data only through the program.
members=$(getent group "$GROUP" | cut -d: -f4)
if [ -n "$members" ]; then
	echo "setup-shared.sh: warning: $members in group $GROUP; staff accounts must not be" \
		"members (they could open the database directly): gpasswd -d USER $GROUP" >&2
fi

echo "shared install ready: $BIN ($(stat -c '%U:%G %a' "$BIN")), $DATADIR (root:$GROUP 2770)"
if ! find "$DATADIR" -mindepth 1 -maxdepth 1 -type f -name '*.db' | grep -q .; then
	echo "next, as root: chartroom init --db chartroom.db --admin NAME"
fi
