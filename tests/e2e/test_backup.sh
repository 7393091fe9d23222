#!/bin/sh
# test_backup.sh - the backup and restore commands end to end (README
# "Backups"): the anchor on standard output, file modes, no overwrite
# without --force, the check of a backup (a flipped byte fails with exit
# 5), restore into a new file and over an existing one (kept aside), a
# copy older than the anchor refused, who may, and usage errors.
. "$(dirname "$0")/lib.sh"
e2e_setup

B=$T/backups
mkdir "$B"
ANCHOR_RE='^[0-9]+:[0-9a-f]{64}$'
patients() { sqlite3 "$1" "SELECT count(*) FROM patients"; }
clin front "$PW_FRONT" "$(csv last_name=Quillfeather first_name=Ottoline dob=1975-03-14 sex=F)" \
	patient add >/dev/null 2>&1

# ---- taking one ----------------------------------------------------------
a1=$(cli admin "$PW_ADMIN" backup --out "$B/one.db" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$a1" | grep -Eq "$ANCHOR_RE"; then
	ok "backup --out prints the copy's anchor alone on standard output"
else
	not_ok "backup --out prints the copy's anchor alone on standard output" "rc=$rc $a1 $(cat "$T/err")"
fi
check "backup says what it checked" grep -q "integrity check ok, audit chain OK" "$T/err"
check "the backup is mode 0600" test "$(stat -c %a "$B/one.db")" = 600
check "its manifest is mode 0600 and names its checksum and anchor" \
	sh -c "test \"\$(stat -c %a '$B/one.db.manifest')\" = 600 && grep -q '^blake2b-256 [0-9a-f]\{64\}$' '$B/one.db.manifest' && grep -qx 'anchor $a1' '$B/one.db.manifest'"
check "the backup is a single file, no -wal beside it" test ! -e "$B/one.db-wal"
cli priv "$PW_PRIV" audit list >"$T/trail" 2>/dev/null
check "the backup is in the live audit trail, with its file and anchor" \
	grep -q "admin.*backup.*ok.*file=$B/one.db anchor=$a1" "$T/trail"

sum=$(sha256sum "$B/one.db")
cli admin "$PW_ADMIN" backup --out "$B/one.db" >/dev/null 2>"$T/err"
rc=$?
check "a second backup to the same file is refused (exit 1)" test $rc -eq 1
check "... saying --force replaces it" grep -q -- "--force" "$T/err"
check "... and the file is untouched" test "$(sha256sum "$B/one.db")" = "$sum"
a2=$(cli admin "$PW_ADMIN" backup --out "$B/one.db" --force 2>"$T/err")
check "--force replaces it with a newer checked copy" test $? -eq 0 -a "$a2" != "$a1"

cli front "$PW_FRONT" backup --out "$B/front.db" >/dev/null 2>"$T/err"
check "the front desk may not take a backup (exit 4)" test $? -eq 4 -a ! -e "$B/front.db"
check "'roles' lists the backup action for administrators only" \
	sh -c "'$BIN' roles | grep -Eq '^backup +- +- +- +- +- +yes '"
cli admin "$PW_ADMIN" backup >/dev/null 2>&1
check "backup with neither --out nor --verify is a usage error (exit 2)" test $? -eq 2
cli admin "$PW_ADMIN" backup --out "$B/x.db" --verify "$B/one.db" >/dev/null 2>&1
check "backup with both is a usage error (exit 2)" test $? -eq 2

# ---- checking one --------------------------------------------------------
sum=$(sha256sum "$B/one.db")
v=$(cli priv "$PW_PRIV" backup --verify "$B/one.db" 2>"$T/err")
rc=$?
check "backup --verify passes a good backup and prints its anchor (privacy officer)" test $rc -eq 0 -a "$v" = "$a2"
check "... comparing it with its manifest" grep -q "matches its manifest" "$T/err"
check "... and the check changed nothing in it" test "$(sha256sum "$B/one.db")" = "$sum"
cp "$B/one.db" "$B/flip.db"
cp "$B/one.db.manifest" "$B/flip.db.manifest"
python3 - "$B/flip.db" <<'PY' # one bit of one byte in the middle
import sys
p = sys.argv[1]
with open(p, 'r+b') as f:
    f.seek(0, 2); n = f.tell(); f.seek(n // 2 + 7); b = f.read(1); f.seek(n // 2 + 7)
    f.write(bytes([b[0] ^ 1]))
PY
cli admin "$PW_ADMIN" backup --verify "$B/flip.db" >/dev/null 2>"$T/err"
rc=$?
check "a backup with a flipped byte fails --verify with exit 5" test $rc -eq 5
check "... saying it does not match its manifest" grep -q "does not match its manifest" "$T/err"
cli admin "$PW_ADMIN" backup --verify "$B/one.db" --anchor "$a1" >/dev/null 2>&1
check "--verify --anchor with an anchor the backup holds passes" test $? -eq 0

# ---- restoring -----------------------------------------------------------
# Life goes on: another patient and a newer anchor.
clin front "$PW_FRONT" "$(csv last_name=Stonebridge first_name=Barnaby dob=1971-07-02 sex=M)" \
	patient add >/dev/null 2>&1
newer=$(cli admin "$PW_ADMIN" audit anchor 2>/dev/null)
live=$(patients "$DB")

r=$(cli admin "$PW_ADMIN" restore "$B/one.db" --db "$T/restored.db" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$r" | grep -Eq "$ANCHOR_RE"; then
	ok "restore into a new file prints the restored database's anchor"
else
	not_ok "restore into a new file prints the restored database's anchor" "rc=$rc $r $(cat "$T/err")"
fi
check "the restored database holds the backup's patients" test "$(patients "$T/restored.db")" -eq $((live - 1))
out=$(printf '%s\n' "$PW_PRIV" | "$BIN" --db "$T/restored.db" --user priv --password-stdin audit verify --anchor "$r" 2>&1)
check "its audit chain verifies, holding the printed anchor" sh -c "printf '%s' '$out' | grep -q 'audit chain OK'"
printf '%s\n' "$PW_PRIV" | "$BIN" --db "$T/restored.db" --user priv --password-stdin audit list >"$T/trail" 2>/dev/null
check "the restore is in the restored database's trail" grep -q "admin.*restore.*ok.*from=$B/one.db" "$T/trail"
check "the restored database is not open to others" test "$(($(stat -c %a "$T/restored.db") % 10))" -eq 0

cli admin "$PW_ADMIN" restore "$B/one.db" --db "$T/older.db" --anchor "$newer" >/dev/null 2>"$T/err"
rc=$?
check "a backup older than the anchor given is refused (exit 5)" test $rc -eq 5
check "... saying so, and that --force would restore it" sh -c "grep -q 'older' '$T/err' && grep -q -- '--force' '$T/err'"
check "... and nothing was made" sh -c "! ls '$T' | grep -q '^older.db'"

cli admin "$PW_ADMIN" restore "$B/one.db" --db "$DB" >/dev/null 2>"$T/err"
check "restoring over an existing database is refused without --force" test $? -eq 1
check "... and the database is untouched" test "$(patients "$DB")" -eq "$live"
cli admin "$PW_ADMIN" restore "$B/one.db" --db "$DB" --anchor "$newer" --force >/dev/null 2>"$T/err"
rc=$?
check "--force restores the older copy over it" test $rc -eq 0 -a "$(patients "$DB")" -eq $((live - 1))
aside=$(ls "$T" | grep '^clinic.db.replaced-' | grep -v -- '-wal$\|-shm$\|audit-journal$' | head -1)
check "the replaced database is kept aside, whole" test -n "$aside" -a "$(patients "$T/$aside")" -eq "$live"
check "... and the message says where" grep -q "kept as $T/$aside" "$T/err"
printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit list >"$T/trail" 2>/dev/null
check "the forced restore is recorded as such" grep -q "restore.*forced (older than the anchor)" "$T/trail"
cli front "$PW_FRONT" restore "$B/one.db" --db "$T/front.db" >/dev/null 2>&1
check "the front desk may not restore" test $? -ne 0 -a ! -e "$T/front.db"

# ---- the scheduled backup (packaging/chartroom-backup.sh) ------------------
printf '%s\n' "$PW_ADMIN" >"$T/pw"
chmod 0600 "$T/pw"
mkdir "$T/sched"
touch -d '40 days ago' "$T/sched/chartroom-20000101T000000Z.db" "$T/sched/chartroom-20000101T000000Z.db.manifest"
sh "$ROOT/packaging/chartroom-backup.sh" --dir "$T/sched" --db "$DB" --user admin \
	--password-file "$T/pw" --bin "$BIN" --keep 30 >/dev/null 2>"$T/err"
rc=$?
made=$(ls "$T/sched" | grep -E '^chartroom-[0-9]{8}T[0-9]{6}Z\.db$' | grep -v 20000101)
check "the scheduled backup script makes a dated backup (exit 0)" test $rc -eq 0 -a -n "$made"
check "... mode 0600, with its manifest" \
	sh -c "test \"\$(stat -c %a '$T/sched/$made')\" = 600 -a -f '$T/sched/$made.manifest'"
check "... logs its anchor in anchors.log" \
	grep -Eq "^[0-9]{8}T[0-9]{6}Z $T/sched/$made [0-9]+:[0-9a-f]{64}\$" "$T/sched/anchors.log"
check "... and removes backups older than --keep days, with their manifests" \
	test ! -e "$T/sched/chartroom-20000101T000000Z.db" -a ! -e "$T/sched/chartroom-20000101T000000Z.db.manifest"
cli admin "$PW_ADMIN" backup --verify "$T/sched/$made" >/dev/null 2>&1
check "... and the backup it made verifies" test $? -eq 0

e2e_done
