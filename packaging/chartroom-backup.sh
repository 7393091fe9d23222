#!/bin/sh
# chartroom-backup.sh - one scheduled backup of a Chartroom database: a
# dated file (mode 0600, with its manifest), its anchor appended to an
# anchors log and sent to syslog (so a copy of it leaves the machine with
# the logs), and backups older than --keep days removed. Run by cron or by
# packaging/chartroom-backup.timer; see README "Backups".
#
#   chartroom-backup.sh [--dir DIR] [--db PATH] [--user NAME]
#                       [--password-file FILE] [--keep DAYS] [--bin PATH]
#
# Defaults: --dir /var/backups/chartroom, --db chartroom.db (shared mode:
# in the data directory), --user backup (an account holding the backup
# permission), --password-file /etc/chartroom/backup.password (root, 0600:
# its first line is the account's password), --keep 30, --bin chartroom.
# Exit status: chartroom's (0 ok, 5 the copy failed its checks, ...).
set -eu
DIR=/var/backups/chartroom
DB=chartroom.db
ACCOUNT=backup
PWFILE=/etc/chartroom/backup.password
KEEP=30
BIN=chartroom
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || { echo "$0: $1 needs a value" >&2; exit 2; }
	case $1 in
	--dir) DIR=$2 ;;
	--db) DB=$2 ;;
	--user) ACCOUNT=$2 ;;
	--password-file) PWFILE=$2 ;;
	--keep) KEEP=$2 ;;
	--bin) BIN=$2 ;;
	*) echo "usage: $0 [--dir DIR] [--db PATH] [--user NAME] [--password-file FILE] [--keep DAYS] [--bin PATH]" >&2
	   exit 2 ;;
	esac
	shift 2
done
case $KEEP in '' | *[!0-9]*) echo "$0: --keep takes a number of days" >&2; exit 2 ;; esac
umask 077
mkdir -p "$DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$DIR/chartroom-$stamp.db"
# The anchor is chartroom's standard output; what it did goes to stderr
# (the journal, under systemd; mail, under cron).
anchor=$("$BIN" --db "$DB" --user "$ACCOUNT" --password-stdin backup --out "$out" <"$PWFILE")
printf '%s %s %s\n' "$stamp" "$out" "$anchor" >>"$DIR/anchors.log"
if command -v logger >/dev/null 2>&1; then
	logger -t chartroom-backup -p authpriv.notice "backup $out anchor $anchor" || true
fi
# Old backups go, each with its manifest; the anchors log stays.
find "$DIR" -maxdepth 1 -type f -name 'chartroom-*.db' -mtime +"$KEEP" -print |
	while read -r old; do rm -f "$old" "$old.manifest"; done
