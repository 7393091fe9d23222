#!/bin/sh
# test_degrade.sh - degrade, don't lock out (README "When the disk is full
# or the database is read-only"), with the real binary on real file
# systems:
#   a full disk (a small tmpfs, as root): sign-on read-only, search, audit
#     verify and backup work; a change is refused naming what was not
#     saved and nothing changes; the disk filling under an open connection
#     is found at the commit; the full-screen app shows READ-ONLY; once
#     there is room the journaled reads are chained into the trail;
#   a read-only file system (a read-only bind mount, as root): only audit
#     roles sign on, told they are not audited; backup works;
#   a database whose file mode forbids writing (as an unprivileged user):
#     anyone signs on read-only, their access journaled;
#   a copy kept as evidence (mode 0444 in a 0555 directory, no -wal or
#     -shm): audit verify and backup --verify work and change nothing.
# What needs root (mount) reports a skip without it; the rest runs as an
# unprivileged user (root drops to nobody with setpriv).
. "$(dirname "$0")/lib.sh"
e2e_setup

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
}
# at DB USER PASSWORD ARGS...: chartroom on database DB
at() { d=$1; u=$2; p=$3; shift 3; printf '%s\n' "$p" | "$BIN" --db "$d" --user "$u" --password-stdin "$@"; }
# patients in a database that may be on a full or read-only disk
patients() { sqlite3 "file:$1?immutable=1" "SELECT count(*) FROM patients"; }
NEWP=$(csv last_name=Stonebridge first_name=Barnaby dob=1971-07-02 sex=M)
REFUSED_FULL="chartroom: The disk is full: the patient was not registered; nothing was lost."

clin front "$PW_FRONT" "$(csv last_name=Quillfeather first_name=Ottoline dob=1975-03-14 sex=F)" \
	patient add >/dev/null 2>"$T/err" || not_ok "set-up: a patient" "$(cat "$T/err")"

ROOT_OK=0
[ "$(id -u)" -eq 0 ] && ROOT_OK=1
MNT=""
# unmount MOUNTPOINT: the app inside tmux may take a moment to let go.
unmount() {
	i=0
	while ! umount "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	mountpoint -q "$1" && umount -l "$1"
	MNT=""
}
cleanup_mounts() {
	for mp in $MNT; do unmount "$mp"; done
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
	[ -n "${W:-}" ] && rm -rf "$W"
}
trap cleanup_mounts EXIT

# ---- a full disk ---------------------------------------------------------
if [ $ROOT_OK -eq 1 ] && mkdir -p "$T/full" && mount -t tmpfs -o size=8m tmpfs "$T/full" 2>/dev/null; then
	MNT="$T/full"
	F=$T/full/c.db
	cp "$DB" "$F"
	at "$F" admin "$PW_ADMIN" audit verify >/dev/null 2>&1 # makes the journal, with room
	dd if=/dev/zero of="$T/full/fill" bs=64k 2>/dev/null
	check "the tmpfs is full" test "$(df --output=avail "$T/full" | tail -1 | tr -d ' ')" -eq 0
	n0=$(patients "$F")

	out=$(printf '%s\nquill\n' "$PW_FRONT" | "$BIN" --db "$F" --user front --password-stdin patient find - 2>"$T/err")
	rc=$?
	if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q Quillfeather; then
		ok "full disk: the front desk signs on and finds the patient"
	else
		not_ok "full disk: the front desk signs on and finds the patient" "rc=$rc $out $(cat "$T/err")"
	fi
	check "full disk: the command says READ-ONLY and why on stderr" grep -q "READ-ONLY: the disk is full" "$T/err"
	printf '%s\n%s' "$PW_FRONT" "$NEWP" | "$BIN" --db "$F" --user front --password-stdin patient add --from - >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qxF "$REFUSED_FULL" "$T/err"; then
		ok "full disk: registering is refused, naming what was not saved"
	else
		not_ok "full disk: registering is refused, naming what was not saved" "rc=$rc $(cat "$T/err")"
	fi
	check "full disk: the refusal speaks of the patient, not of keys" sh -c "! grep -qi 'key' '$T/err'"
	check "full disk: nothing was saved" test "$(patients "$F")" -eq "$n0"
	out=$(at "$F" priv "$PW_PRIV" audit verify 2>&1)
	check "full disk: audit verify works" sh -c "printf '%s' '$out' | grep -q 'audit chain OK'"
	at "$F" admin "$PW_ADMIN" backup --out "$T/full-backup.db" >"$T/anchor" 2>"$T/err"
	rc=$?
	check "full disk: a backup to another disk works" test $rc -eq 0 -a -s "$T/full-backup.db"
	check "full disk: the backup is mode 0600" test "$(stat -c %a "$T/full-backup.db")" = 600

	# The full-screen app: the banner on every screen.
	DB_SAVED=$DB
	DB=$F
	tui_start full
	expect "full disk: the sign-on screen already says READ-ONLY" "READ-ONLY: the disk is full" 15
	signon nurse "$PW_NURSE"
	expect "full disk: the nurse signs on; the banner says nothing can be saved" "Nothing can be saved." 15
	expect "full disk: ... and that the access is recorded" "Your access is recorded" 5
	tui_send x
	expect "full disk: the main menu keeps the READ-ONLY banner" "READ-ONLY: the disk is full" 10
	tui_stop
	# The administrator's Users screen: the list (a read) is shown, and a
	# change is refused before any form is typed into.
	tui_start full-users
	signon admin "$PW_ADMIN"
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
	tui_wait "Main menu for admin" 10 >/dev/null
	tui_send Down
	tui_send Down
	tui_send Enter
	expect "full disk: the Users list is shown" "Last sign-on" 10
	expect "full disk: ... saying no change can be saved" "Read-only: the disk is full; no change to a user can be saved now." 5
	tui_send a
	# On the message line (the 23rd of 24), not only the list's note.
	i=0
	until tui_screen | sed -n 23p | grep -qF "Read-only: the disk is full; no change to a user can be saved now." || [ $i -ge 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "full disk: a refuses to add a user up front, on the message line" [ $i -lt 50 ]
	expect_not "full disk: ... no form opened" "Add a user"
	tui_stop
	DB=$DB_SAVED

	# The disk fills under an open connection: found at the commit.
	rm -f "$T/full/fill"
	mkfifo "$T/hold"
	sqlite3 "$F" <"$T/hold" >/dev/null 2>&1 &
	HOLD_PID=$!
	exec 8>"$T/hold"
	echo "SELECT count(*) FROM users;" >&8
	i=0
	while [ ! -s "$F-shm" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	dd if=/dev/zero of="$T/full/fill" bs=16k 2>/dev/null
	printf '%s\n%s' "$PW_FRONT" "$NEWP" | "$BIN" --db "$F" --user front --password-stdin patient add --from - >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qxF "$REFUSED_FULL" "$T/err"; then
		ok "full disk under an open connection: refused at the commit, named"
	else
		not_ok "full disk under an open connection: refused at the commit, named" "rc=$rc $(cat "$T/err")"
	fi
	exec 8>&-
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=""

	# Room again: the next sign-on writes and chains what was journaled.
	rm -f "$T/full/fill"
	printf '%s\n%s' "$PW_FRONT" "$NEWP" | "$BIN" --db "$F" --user front --password-stdin patient add --from - >/dev/null 2>"$T/err"
	check "with room again the same registration is saved" test "$(patients "$F")" -eq $((n0 + 1))
	at "$F" priv "$PW_PRIV" audit list >"$T/trail" 2>/dev/null
	check "the front desk's read-only sign-on is in the trail" \
		grep -q "front.*login.*read-only: the disk is full; recorded while the database was read-only" "$T/trail"
	check "the read-only search is in the trail" \
		grep -q "front.*patient_search.*recorded while the database was read-only" "$T/trail"
	check "the nurse's read-only sign-on in the app is in the trail" \
		grep -q "nurse.*login.*recorded while the database was read-only" "$T/trail"
	out=$(at "$F" priv "$PW_PRIV" audit verify 2>&1)
	check "the chain verifies after the journal was chained" sh -c "printf '%s' '$out' | grep -q 'audit chain OK'"
	n1=$(grep -c "recorded while the database was read-only" "$T/trail")
	at "$F" priv "$PW_PRIV" audit list >"$T/trail" 2>/dev/null
	check "journaled entries are chained once, not again at the next sign-on" \
		test "$(grep -c "recorded while the database was read-only" "$T/trail")" -eq "$n1"
	unmount "$T/full"
else
	echo "ok $((E2E_N + 1)) - full disk # SKIP needs root and a tmpfs mount"
	E2E_N=$((E2E_N + 1))
fi

# ---- a read-only file system ---------------------------------------------
if [ $ROOT_OK -eq 1 ] && mkdir -p "$T/rw" "$T/ro" && cp "$DB" "$T/rw/c.db" &&
	mount --bind "$T/rw" "$T/ro" 2>/dev/null && mount -o remount,ro,bind "$T/ro" 2>/dev/null; then
	MNT="$T/ro"
	R=$T/ro/c.db
	out=$(at "$R" priv "$PW_PRIV" audit verify 2>"$T/err")
	check "read-only file system: the privacy officer verifies the trail" \
		sh -c "printf '%s' '$out' | grep -q 'audit chain OK'"
	check "read-only file system: ... told the access is not audited" \
		grep -q "READ-ONLY: read-only file system: nothing can be saved, and this access is NOT audited" "$T/err"
	printf '%s\nquill\n' "$PW_NURSE" | "$BIN" --db "$R" --user nurse --password-stdin patient find - >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "read-only (read-only file system) and your access cannot be recorded, so only the privacy officer or an administrator" "$T/err"; then
		ok "read-only file system: a nurse is refused, with the reason"
	else
		not_ok "read-only file system: a nurse is refused, with the reason" "rc=$rc $(cat "$T/err")"
	fi
	at "$R" admin "$PW_ADMIN" backup --out "$T/ro-backup.db" >/dev/null 2>"$T/err"
	check "read-only file system: the administrator backs it up" test $? -eq 0 -a -s "$T/ro-backup.db"
	DB_SAVED=$DB
	DB=$R
	tui_start rofs
	signon priv "$PW_PRIV"
	expect "read-only file system: the app says READ-ONLY and NOT AUDITED" "READ-ONLY: read-only file system, NOT AUDITED" 15
	expect "read-only file system: the welcome says the access could not be audited" "could NOT be audited" 5
	tui_stop
	DB=$DB_SAVED
	check "read-only file system: nothing was created beside the database" \
		test "$(ls -A "$T/rw")" = "c.db"
	unmount "$T/ro"
else
	echo "ok $((E2E_N + 1)) - read-only file system # SKIP needs root and a bind mount"
	E2E_N=$((E2E_N + 1))
fi

# ---- file mode and an evidence copy, as an unprivileged user -------------
W=$(mktemp -d /tmp/chartroom-degrade.XXXXXX)
chmod 0755 "$W"
cp "$CONF" "$W/chartroom.ini"
chmod 0644 "$W/chartroom.ini"
if [ $ROOT_OK -eq 1 ]; then
	as() { setpriv --reuid=65534 --regid=65534 --clear-groups env CHARTROOM_CONFIG="$W/chartroom.ini" "$@"; }
	OWN="chown 65534"
else
	as() { env CHARTROOM_CONFIG="$W/chartroom.ini" "$@"; }
	OWN=true
fi
as_at() { d=$1; u=$2; p=$3; shift 3; printf '%s\n' "$p" | as "$BIN" --db "$d" --user "$u" --password-stdin "$@"; }

mkdir "$W/mode"
cp "$DB" "$W/mode/c.db"
chmod 0444 "$W/mode/c.db"
$OWN "$W/mode"
out=$(printf '%s\nquill\n' "$PW_NURSE" | as "$BIN" --db "$W/mode/c.db" --user nurse --password-stdin patient find - 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q Quillfeather; then
	ok "file mode 0444: a nurse signs on read-only and finds the patient"
else
	not_ok "file mode 0444: a nurse signs on read-only and finds the patient" "rc=$rc $out $(cat "$T/err")"
fi
check "file mode 0444: the note names the cause and the journal" \
	grep -q "READ-ONLY: file mode: nothing can be saved; this access is recorded in the audit journal" "$T/err"
printf '%s\n%s' "$PW_FRONT" "$NEWP" | as "$BIN" --db "$W/mode/c.db" --user front --password-stdin patient add --from - >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && grep -qxF "chartroom: This database is read-only (file mode): the patient was not registered; nothing was lost." "$T/err"; then
	ok "file mode 0444: registering is refused, naming the cause"
else
	not_ok "file mode 0444: registering is refused, naming the cause" "rc=$rc $(cat "$T/err")"
fi
check "file mode 0444: the access went to the journal beside it" test -s "$W/mode/c.db.audit-journal"
out=$(as_at "$W/mode/c.db" admin "$PW_ADMIN" keys status 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "^demo.1.active" && printf '%s' "$out" | grep -q "rotation in progress: none"; then
	ok "file mode 0444: keys status still lists the key versions"
else
	not_ok "file mode 0444: keys status still lists the key versions" "rc=$rc $out $(cat "$T/err")"
fi
sum0=$(sha256sum "$W/mode/c.db")
as_at "$W/mode/c.db" admin "$PW_ADMIN" keys rotate demo >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && grep -qxF "chartroom: This database is read-only (file mode): the keys were not changed; nothing was lost." "$T/err" &&
	[ "$(sha256sum "$W/mode/c.db")" = "$sum0" ]; then
	ok "file mode 0444: keys rotate is refused before any work, naming the cause"
else
	not_ok "file mode 0444: keys rotate is refused before any work, naming the cause" "rc=$rc $(cat "$T/err")"
fi

mkdir "$W/evidence"
cp "$DB" "$W/evidence/c.db"
chmod 0444 "$W/evidence/c.db"
$OWN "$W/evidence" "$W/evidence/c.db"
chmod 0555 "$W/evidence"
sum0=$(sha256sum "$W/evidence/c.db")
out=$(as_at "$W/evidence/c.db" priv "$PW_PRIV" audit verify 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "audit chain OK"; then
	ok "evidence copy (0444 in 0555, no -wal/-shm): audit verify works"
else
	not_ok "evidence copy (0444 in 0555, no -wal/-shm): audit verify works" "rc=$rc $out $(cat "$T/err")"
fi
check "evidence copy: the note says the access is not audited" grep -q "NOT audited" "$T/err"
out=$(printf '%s\n' "$PW_ADMIN" | as "$BIN" --user admin --password-stdin backup --verify "$W/evidence/c.db" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -Eq '^[0-9]+:[0-9a-f]{64}$'; then
	ok "evidence copy: backup --verify checks it and prints its anchor"
else
	not_ok "evidence copy: backup --verify checks it and prints its anchor" "rc=$rc $out $(cat "$T/err")"
fi
printf '%s\nquill\n' "$PW_NURSE" | as "$BIN" --db "$W/evidence/c.db" --user nurse --password-stdin patient find - >/dev/null 2>"$T/err"
check "evidence copy: a nurse is refused (nothing could record the access)" test $? -eq 1
check "evidence copy: not a byte changed" test "$(sha256sum "$W/evidence/c.db")" = "$sum0"
check "evidence copy: nothing was created beside it" test "$(ls -A "$W/evidence")" = "c.db"
chmod 0755 "$W/evidence"

cleanup_mounts
e2e_done
