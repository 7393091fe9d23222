#!/bin/sh
# test_shared_mode.sh - a shared install end to end: `make install-shared`
# into a temporary prefix with a test group and a data directory compiled
# in, run as an unprivileged test user who is not in the group. The user
# cannot open, read or copy the database with sqlite3, cat or cp, but works
# through chartroom; --db outside the data directory is refused; the
# environment cannot move or weaken anything; a file the user cannot read
# is refused even though the group could read it; the database, -wal and
# -shm belong to the group and are closed to others; writes keep working
# after another process truncates the WAL; the last process out removes
# the -wal and -shm. Needs root (useradd, groupadd, chown): as another user
# it reports one skipped test.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v groupadd >/dev/null ||
	! command -v runuser >/dev/null; then
	echo "ok 1 - shared install # SKIP needs root, useradd, groupadd and runuser"
	echo "1..1"
	exit 0
fi

GRP=crgrp_$$
USR=crtest_$$
# mktemp under /tmp is 0700 root: the test user must reach the prefix.
T=$(mktemp -d /tmp/chartroom-shared.XXXXXX)
chmod 0755 "$T"
DATA=$T/data
PREFIX=$T/prefix
CR=$PREFIX/bin/chartroom
W=$T/work
cleanup() {
	[ -n "${apid:-}" ] && kill "$apid" 2>/dev/null
	runuser -u "$USR" -- tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	# userdel refuses while the user still has processes (the app inside
	# tmux may take a moment to go).
	i=0
	while ! userdel "$USR" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	groupdel "$GRP" 2>/dev/null
	groupdel "crnogrp_$$" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The TUI helpers of lib.sh drive tmux; here tmux runs as the test user.
tmux() { runuser -u "$USR" -- tmux "$@"; }
# as_user CMD...: run as the test user with a small, known environment.
as_user() {
	runuser -u "$USR" -- env -i PATH=/usr/bin:/bin HOME="$W" USER="$USR" LOGNAME="$USR" "$@"
}
# cr_user USER PASSWORD ARGS...: chartroom as the test user, signing on as USER.
cr_user() { u=$1; p=$2; shift 2; printf '%s\n' "$p" | as_user "$CR" --db c.db --user "$u" --password-stdin "$@"; }
mode_of() { stat -c '%U:%G %a' "$1"; }

# --- install ------------------------------------------------------------------
# A build of its own (plain, whatever suite runs this), with the data
# directory and system configuration of this test compiled in; none of the
# calling make's settings leak into it.
MK="env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C $ROOT BUILD=$T/build DATADIR=$DATA SYSCONFDIR=$T/etc"
if $MK -j2 "$T/build/chartroom" >"$T/make.log" 2>&1 &&
	$MK PREFIX="$PREFIX" GROUP="$GRP" install-shared >>"$T/make.log" 2>&1; then
	ok "make install-shared builds and installs into a temporary prefix"
else
	not_ok "make install-shared builds and installs into a temporary prefix" "$(tail -20 "$T/make.log")"
	e2e_done
fi
check "install-shared created the group" sh -c "getent group $GRP >/dev/null"
check "the binary is root:$GRP mode 2755 (setgid)" test "$(mode_of "$CR")" = "root:$GRP 2755"
check "the data directory is root:$GRP mode 2770" test "$(mode_of "$DATA")" = "root:$GRP 2770"

# A packager's staged install: files only, no group, no setgid bit.
$MK PREFIX=/usr DESTDIR="$T/stage" GROUP="crnogrp_$$" install-shared >"$T/stage.log" 2>&1
check "with DESTDIR the files are staged without setgid" test "$(stat -c %a "$T/stage/usr/bin/chartroom")" = 755
check "with DESTDIR no group is created" sh -c "! getent group crnogrp_$$ >/dev/null"
check "with DESTDIR the setup script is staged for the postinst" \
	test -x "$T/stage/usr/share/chartroom/setup-shared.sh"
check "with DESTDIR make says what the postinst must run" grep -q "setup-shared.sh --group crnogrp_$$" "$T/stage.log"

useradd -M -N -g nogroup -s /bin/sh -d "$W" "$USR"
mkdir -p "$W"
chown "$USR" "$W"
cd "$W" || exit 1
check "the test user is not in the group" sh -c "! id -nG $USR | grep -qw $GRP"

# --- init: root only ----------------------------------------------------------
out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" init --db x.db --admin admin --password-stdin 2>&1)
rc=$?
if [ $rc -eq 4 ] && [ ! -e "$DATA/x.db" ] && printf '%s' "$out" | grep -q "only root creates"; then
	ok "a staff account cannot create a database in the data directory"
else
	not_ok "a staff account cannot create a database in the data directory" "rc=$rc $out"
fi
umask 0
printf '%s\n' "$PW_ADMIN" | "$CR" init --db c.db --admin admin --clinic "Shared Clinic" --password-stdin >/dev/null 2>"$T/init.err"
rc=$?
umask 022
check "root creates the database in the data directory (a relative --db)" test $rc -eq 0 -a -f "$DATA/c.db"
check "the new database is root:$GRP 0660 even under umask 0" test "$(mode_of "$DATA/c.db")" = "root:$GRP 660"
check "after init no -wal or -shm is left behind" test ! -e "$DATA/c.db-wal" -a ! -e "$DATA/c.db-shm"
sh "$PREFIX/share/chartroom/setup-shared.sh" --group "$GRP" --datadir "$DATA" --bin "$CR" >/dev/null 2>&1
check "setup-shared.sh run again succeeds and changes nothing" \
	test "$(mode_of "$CR") $(mode_of "$DATA") $(mode_of "$DATA/c.db")" = "root:$GRP 2755 root:$GRP 2770 root:$GRP 660"

# --- the user works through chartroom -----------------------------------------
added=0
for u in "nurse nurse $PW_NURSE" "him him $PW_HIM" "priv privacy $PW_PRIV"; do
	set -- $u
	printf '%s\n%s\n' "$PW_ADMIN" "$3" | as_user "$CR" --db c.db --user admin --password-stdin \
		user add "$1" --role "$2" >/dev/null 2>>"$T/err" && added=$((added + 1))
done
check "the test user signs on as admin and adds three users through chartroom" \
	test $added -eq 3 -a "$(cr_user admin "$PW_ADMIN" user list 2>/dev/null | grep -cE '^(nurse|him|priv)	')" -eq 3

cat >"$W/p.csv" <<'CSV'
last_name,first_name,dob,sex
Quillfeather,Ottoline,1975-03-14,F
Quillfeather,Barnaby,1971-07-02,M
CSV
chown "$USR" "$W/p.csv"
cr_user him "$PW_HIM" import patients "$W/p.csv" >/dev/null 2>"$T/err"
check "the user imports a file of their own" test $? -eq 0
out=$(printf '%s\nquill\n' "$PW_HIM" | as_user "$CR" --db c.db --user him --password-stdin patient find - 2>&1)
check "the user finds patients through chartroom" sh -c 'printf "%s" "$1" | grep -q "Quillfeather	Ottoline"' _ "$out"
out=$(printf '%s\nquill\n' "$PW_HIM" | as_user "$CR" --db "$DATA/c.db" --user him --password-stdin patient find - 2>&1)
check "an absolute --db inside the data directory works too" sh -c 'printf "%s" "$1" | grep -q "Quillfeather"' _ "$out"

# --- ... but not around it ----------------------------------------------------
out=$(as_user cat "$DATA/c.db" 2>&1)
check "cat of the database: permission denied" sh -c '! printf "%s" "$1" | grep -q SQLite && printf "%s" "$1" | grep -q "Permission denied"' _ "$out"
out=$(as_user sqlite3 "$DATA/c.db" "SELECT count(*) FROM users" 2>&1)
rc=$?
check "sqlite3 cannot open the database" sh -c '[ "$1" -ne 0 ] && printf "%s" "$2" | grep -q "unable to open"' _ $rc "$out"
as_user cp "$DATA/c.db" "$W/copy.db" 2>/dev/null
check "cp of the database fails" test ! -s "$W/copy.db"
check "ls of the data directory is refused" sh -c "! runuser -u $USR -- ls $DATA >/dev/null 2>&1"

# --- --db outside the data directory ------------------------------------------
printf '%s\n' "$PW_ADMIN" | "$T/build/chartroom" init --db "$W/other.db" --admin admin --password-stdin >/dev/null 2>&1
chown "$USR" "$W/other.db"
refused() { # description path
	out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" --db "$2" --user admin --password-stdin user list 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "opens only databases in its data"; then ok "$1"; else not_ok "$1" "rc=$rc $out"; fi
}
refused "--db of the user's own database elsewhere is refused (exit 2)" "$W/other.db"
refused "--db /tmp/other.db is refused" /tmp/other.db
refused "--db ../ out of the data directory is refused" "../work/other.db"
ln -s "$W/other.db" "$DATA/escape.db"
refused "a symlink in the data directory leading out of it is refused" escape.db
ln -s "$DATA/c.db" "$W/mine.db"
refused "a symlink of the user's pointing at the database is refused" "$W/mine.db"
printf '[database]\ndata_dir = %s\npath = %s\n' "$W" "$W/other.db" >"$W/my.ini"
chown "$USR" "$W/my.ini"
out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" --config "$W/my.ini" --db "$W/other.db" --user admin --password-stdin user list 2>&1)
check "a user's config cannot move the data directory" test $? -ne 0
out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" --config "$W/my.ini" --user admin --password-stdin user list 2>&1)
check "a user's config cannot point the database out of it" test $? -ne 0

printf '[ui]\ndate_format = MM/DD/YYYY\n' >"$W/ui.ini"
chown "$USR" "$W/ui.ini"
out=$(as_user "$CR" --config "$W/ui.ini" config check 2>&1)
check "a user's own --config file is read (with the user's ids)" sh -c '[ "$1" -eq 0 ]' _ $?

# --- the data directory comes from the root-owned system file only ---------------
mkdir -p "$T/etc/chartroom"
sh "$PREFIX/share/chartroom/setup-shared.sh" --group "$GRP" --datadir "$T/data2" --bin "$CR" >/dev/null 2>&1
printf '[database]\ndata_dir = %s\n' "$T/data2" >"$T/etc/chartroom/chartroom.ini"
chmod 0644 "$T/etc/chartroom/chartroom.ini"
printf '%s\n' "$PW_ADMIN" | "$CR" init --db c2.db --admin admin --password-stdin >/dev/null 2>&1
check "[database] data_dir in the root-owned system file moves the data directory" test -f "$T/data2/c2.db"
refused "... and the compiled-in one is then outside it" "$DATA/c.db"
chmod 0664 "$T/etc/chartroom/chartroom.ini"
out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" --db c2.db --user admin --password-stdin user list 2>&1)
rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "writable by no one else"; then
	ok "a system file others may write is refused in shared mode"
else
	not_ok "a system file others may write is refused in shared mode" "rc=$rc $out"
fi
rm -rf "$T/etc" "$T/data2"

# --- the environment ------------------------------------------------------------
printf '[roles]\nnurse = +user_manage\n' >"$W/evil.ini"
chown "$USR" "$W/evil.ini"
out=$(printf '%s\n%s\n' "$PW_NURSE" "an-evil-admin-password-1" | as_user env CHARTROOM_CONFIG="$W/evil.ini" \
	"$CR" --db c.db --user nurse --password-stdin user add evil --role admin 2>&1)
rc=$?
check "CHARTROOM_CONFIG granting user_manage is ignored: nurse cannot add an admin (exit 4)" test $rc -eq 4
out=$(as_user env CHARTROOM_CONFIG="$W/evil.ini" "$CR" config check 2>&1)
check "CHARTROOM_CONFIG is not read at all" sh -c '! printf "%s" "$1" | grep -q evil.ini' _ "$out"

mkdir "$W/tmp" && chown "$USR" "$W/tmp"
out=$(printf '%s\nquill\n' "$PW_HIM" | as_user env TMPDIR=/nonexistent SQLITE_TMPDIR=/nonexistent \
	"$CR" --db c.db --user him --password-stdin patient find - 2>&1)
check "an unusable TMPDIR and SQLITE_TMPDIR change nothing" sh -c 'printf "%s" "$1" | grep -q Quillfeather' _ "$out"
printf 'last_name,first_name,dob,sex\nTempleton,Tam,1961-01-16,M\n' >"$W/p3.csv"
chown "$USR" "$W/p3.csv"
printf '%s\n' "$PW_HIM" | as_user env TMPDIR="$W/tmp" SQLITE_TMPDIR="$W/tmp" \
	"$CR" --db c.db --user him --password-stdin import patients "$W/p3.csv" >/dev/null 2>&1
check "nothing is written to the user's TMPDIR" test -z "$(ls -A "$W/tmp")"
out=$(printf '%s\nquill\n' "$PW_HIM" | as_user env LANG=../../../tmp/x LC_ALL=/etc/passwd TZ=/etc/shadow \
	"$CR" --db c.db --user him --password-stdin patient find - 2>&1)
check "locale and TZ naming files are replaced, not used" sh -c 'printf "%s" "$1" | grep -q Quillfeather' _ "$out"

printf '#include <stdio.h>\n__attribute__((constructor)) static void mark(void) { FILE *f = fopen("%s/preloaded", "w"); if (f) fclose(f); }\n' "$W" >"$T/evil.c"
if cc -shared -fPIC -o "$T/evil.so" "$T/evil.c" 2>/dev/null; then
	chmod 0755 "$T/evil.so"
	as_user env LD_PRELOAD="$T/evil.so" "$T/build/chartroom" --version >/dev/null 2>&1
	check "LD_PRELOAD works on the binary before it is setgid (control)" test -e "$W/preloaded"
	rm -f "$W/preloaded"
	as_user env LD_PRELOAD="$T/evil.so" "$CR" --version >/dev/null 2>&1
	check "LD_PRELOAD is ignored by the setgid binary" test ! -e "$W/preloaded"
fi

# --- user paths open with the user's ids ------------------------------------------
cp "$W/p.csv" "$T/group.csv"
chown "root:$GRP" "$T/group.csv"
chmod 0640 "$T/group.csv"
out=$(cr_user him "$PW_HIM" import patients "$T/group.csv" 2>&1)
rc=$?
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "Permission denied"; then
	ok "an import file the group could read but the user cannot is refused"
else
	not_ok "an import file the group could read but the user cannot is refused" "rc=$rc $out"
fi
printf 'A note the user may not read.\n' >"$T/group-note.txt"
chown "root:$GRP" "$T/group-note.txt"
chmod 0640 "$T/group-note.txt"
printf 'E11.9 Type 2 diabetes mellitus without complications\n' >"$T/group-codes.txt"
chown "root:$GRP" "$T/group-codes.txt"
chmod 0640 "$T/group-codes.txt"
out=$(printf '%s\n' "$PW_ADMIN" | as_user "$CR" --db c.db --user admin --password-stdin codes import cpt "$T/group-codes.txt" --version X --effective 2025-01-01 2>&1)
check "a code-set file the user cannot read is refused" sh -c 'printf "%s" "$1" | grep -q "Permission denied"' _ "$out"
out=$(as_user "$CR" --config "$T/group.csv" config check 2>&1)
check "a --config file the user cannot read is refused" sh -c 'printf "%s" "$1" | grep -q "Permission denied"' _ "$out"

# --- the -wal and -shm, a checkpoint by another process, the last one out ----------
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
# A: opens the database, then waits for its password.
runuser -u "$USR" -- env -i PATH=/usr/bin:/bin "$CR" --db c.db --user admin --password-stdin user list <"$T/fifo" >"$T/a.out" 2>"$T/a.err" &
apid=$!
i=0
while [ ! -e "$DATA/c.db-shm" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "while a session is open, the -wal is $GRP's and closed to others" test "$(stat -c '%G %a' "$DATA/c.db-wal" 2>&1)" = "$GRP 660"
check "while a session is open, the -shm is $GRP's and closed to others" test "$(stat -c '%G %a' "$DATA/c.db-shm" 2>&1)" = "$GRP 660"
as_user cat "$DATA/c.db-wal" >/dev/null 2>&1
check "the user cannot read the -wal" test $? -ne 0
check "the audit journal is $GRP's and closed to others" test "$(stat -c '%G %a' "$DATA/c.db.audit-journal" 2>&1)" = "$GRP 660"
as_user cat "$DATA/c.db.audit-journal" >/dev/null 2>&1
check "the user cannot read the audit journal" test $? -ne 0
# B: writes while A waits, so the WAL holds frames (a file not imported
# before: the same file again would be a no-op).
printf 'last_name,first_name,dob,sex\nWalframe,Bea,1966-06-06,F\n' >"$W/p2.csv"
chown "$USR" "$W/p2.csv"
cr_user him "$PW_HIM" import patients "$W/p2.csv" >/dev/null 2>&1
check "another session writes meanwhile" test "$(stat -c %s "$DATA/c.db-wal")" -gt 0
# Another process checkpoints and truncates the WAL under A.
ck=$(sqlite3 "$DATA/c.db" "PRAGMA wal_checkpoint(TRUNCATE);" 2>&1)
check "a checkpoint by another process truncates the WAL to 0 bytes" \
	test "$ck" = "0|0|0" -a "$(stat -c %s "$DATA/c.db-wal")" -eq 0
printf '%s\n' "$PW_ADMIN" >&3
wait $apid
rc=$?
exec 3>&-
check "A signs on and writes (audit) after the WAL was truncated under it" sh -c '[ "$1" -eq 0 ] && grep -q "^him" "$2"' _ $rc "$T/a.out"
check "the last session out removed the -wal and -shm (it held the group to close)" \
	test ! -e "$DATA/c.db-wal" -a ! -e "$DATA/c.db-shm"
out=$(cr_user priv "$PW_PRIV" audit verify 2>&1)
check "the audit chain is intact after all of it" sh -c 'printf "%s" "$1" | grep -q "audit chain OK"' _ "$out"

# --- backups: the user's own paths, restore by root only ------------------------------
check "the audit journal beside the database is $GRP's and closed to others" \
	test "$(stat -c '%G %a' "$DATA/c.db.audit-journal" 2>&1)" = "$GRP 660"
a=$(cr_user admin "$PW_ADMIN" backup --out "$W/b.db" 2>"$T/err")
if [ $? -eq 0 ] && [ "$(stat -c '%U %a' "$W/b.db")" = "$USR 600" ]; then
	ok "an administrator backs up to a file of their own: theirs, mode 0600"
else
	not_ok "an administrator backs up to a file of their own: theirs, mode 0600" "$(cat "$T/err"; ls -l "$W")"
fi
cr_user admin "$PW_ADMIN" backup --out "$DATA/stolen.db" >/dev/null 2>"$T/err"
check "a backup into the data directory (the group's, not the user's) is refused" \
	sh -c "grep -q 'Permission denied' '$T/err' && ! ls '$DATA' | grep -q stolen"
out=$(cr_user admin "$PW_ADMIN" backup --verify "$W/b.db" 2>/dev/null)
check "the user checks their backup" test "$out" = "$a"
cr_user admin "$PW_ADMIN" restore "$W/b.db" --db r.db >/dev/null 2>"$T/err"
check "a staff account cannot restore into the data directory" \
	sh -c "grep -q 'only root' '$T/err' && test ! -e '$DATA/r.db'"
printf '%s\n' "$PW_ADMIN" | "$CR" --user admin --password-stdin restore "$W/b.db" --db r.db >/dev/null 2>"$T/err"
check "root restores it: the group's, closed to others" \
	test "$(mode_of "$DATA/r.db" 2>&1)" = "root:$GRP 660"
rm -f "$DATA/r.db" "$DATA/r.db.audit-journal"

# --- the full-screen app as the test user ------------------------------------------
# A terminal description in the user's ~/.terminfo is never parsed by the
# setgid program (only the system's); the same binary not setgid finds it.
if command -v tic >/dev/null && command -v infocmp >/dev/null; then
	infocmp -x xterm 2>/dev/null | sed '1,/^xterm/s/^xterm[^,]*,/crtestterm|terminal of the test user,/' >"$T/term.src"
	runuser -u "$USR" -- tic -x -o "$W/.terminfo" "$T/term.src" 2>/dev/null
	tui_keep
	S=cr-$$-term
	E2E_SESSIONS="$E2E_SESSIONS $S"
	tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 80 -y 24 \
		"env -i TERM=crtestterm HOME=$W '$T/build/chartroom' --db '$W/other.db'; sleep 30"
	expect "control: the binary not setgid uses ~/.terminfo" "Password:" 15
	tui_stop
	S=cr-$$-term2
	E2E_SESSIONS="$E2E_SESSIONS $S"
	tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 80 -y 24 \
		"env -i TERM=crtestterm HOME=$W '$CR' --db c.db; sleep 30"
	expect "the setgid binary never reads the user's ~/.terminfo" "cannot drive this terminal" 15
	tui_stop
fi

BIN=$CR
DB=c.db
CONF=$W/evil.ini
tui_start app
expect "the full-screen app runs for the test user" "Password:" 15
tui_type nurse
tui_send Tab
tui_type "$PW_NURSE"
tui_send Enter
expect "nurse signs on in the app" "Welcome, nurse." 15
sqlite3 "$DATA/c.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null 2>&1
tui_send x
expect "main menu after a checkpoint truncated the WAL" "Main menu for nurse" 10
tui_send End
tui_send Enter
expect "sign-off (a write) works on the long-lived connection" "nurse signed off." 10
tui_stop
i=0
while [ -e "$DATA/c.db-shm" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "after the app quits, no -wal or -shm is left" test ! -e "$DATA/c.db-wal" -a ! -e "$DATA/c.db-shm"

e2e_done
