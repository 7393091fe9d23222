#!/bin/sh
# test_ssh_session.sh - what a clinic server's SSH sessions rely on
# (chartroom-server(7)): the full-screen app refuses to start without a
# terminal (ssh -T, a ForceCommand session given a command) with a clear
# message and exit 1, before it touches the database; the SSH client's
# address (SSH_CONNECTION) and the Unix account are the source of every
# audit entry, from the command line and the full-screen app; a dropped
# connection (SIGHUP, or the terminal hung up) signs off cleanly, even from
# the lock screen.
. "$(dirname "$0")/lib.sh"
e2e_setup

CLIENT="203.0.113.9"
SSHC="$CLIENT 50022 192.0.2.1 22"
pane() { tmux -L "$TMUX_SOCK" display -p -t "$S" "$1"; }
app_pid() { pgrep -P "$(pane '#{pane_pid}')" -x chartroom; }
# tui_ssh NAME: the app in tmux as an SSH session would start it.
tui_ssh() {
	tui_keep
	name="cr-$$-$1"
	E2E_SESSIONS="$E2E_SESSIONS $name"
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x 80 -y 24 \
		"env TERM=xterm-256color SSH_CONNECTION='$SSHC' CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
}
audit_rows() { sql "select count(*) from audit"; }

# -- no terminal: refused before anything is opened
before=$(audit_rows)
"$BIN" --db "$DB" </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "no terminal (stdin and stdout not one): exit 1" test "$rc" -eq 1
check "... says it needs a terminal and how to get one" \
	grep -q "needs a terminal on standard input and output (over SSH: ssh -t)" "$T/err"
check "... prints nothing on standard output" test ! -s "$T/out"
echo | "$BIN" --db "$T/does-not-exist.db" >"$T/out" 2>"$T/err"
rc=$?
check "no terminal: refused before the database is opened (no database error)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'needs a terminal' '$T/err' && ! grep -qi 'database' '$T/err'"
check "no terminal: no database file created" test ! -e "$T/does-not-exist.db"
check "no terminal: nothing audited" test "$(audit_rows)" -eq "$before"

# stdin is a terminal but stdout is not (ssh host chartroom > file)
tui_keep
S="cr-$$-halftty"
E2E_SESSIONS="$E2E_SESSIONS $S"
tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 80 -y 24 \
	"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB' > '$T/half.out'; echo \"[exit \$?]\"; sleep 30"
expect "stdout not a terminal: the message on screen (stderr)" "needs a terminal" 10
expect "stdout not a terminal: exit 1" "[exit 1]" 10
tui_stop

# -- the SSH client's address in the audit trail
# chain_all: what waits in the audit journal (reads: sign-ons, sign-offs)
# into the trail, as any change does (the privacy officer's audit verify).
chain_all() { cli priv "$PW_PRIV" audit verify >/dev/null 2>&1; }
me=$(id -un)
printf '%s\n' "$PW_ADMIN" | SSH_CONNECTION="$SSHC" "$BIN" --db "$DB" --user admin --password-stdin user list >/dev/null 2>"$T/err"
chain_all
check "command line over SSH: the sign-on's source is the client address" \
	test "$(sql "select source from audit where action='login' and user_name='admin' order by seq desc limit 1")" = "$CLIENT"
check "... and its Unix account is recorded" \
	test "$(sql "select os_user from audit where action='login' and user_name='admin' order by seq desc limit 1")" = "$me"
check "... shown by audit list" sh -c "printf '%s\n' '$PW_ADMIN' | '$BIN' --db '$DB' --user admin --password-stdin audit list --user admin | grep -q '	$CLIENT	login	'"
printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin user list >/dev/null 2>&1
chain_all
check "a local session's source says local" \
	sh -c "sql() { sqlite3 '$DB' \"\$1\"; }; sql \"select source from audit where action='login' and user_name='admin' order by seq desc limit 1\" | grep -q '^local'"

# -- the full-screen app over SSH, and the connection dropped (SIGHUP)
tui_ssh hup
signon nurse "$PW_NURSE"
tui_wait "Main menu for nurse" 10 >/dev/null
chain_all
check "app over SSH: the sign-on's source is the client address" \
	test "$(sql "select source from audit where action='login' and user_name='nurse' order by seq desc limit 1")" = "$CLIENT"
before=$(audited logout nurse)
kill -s HUP "$(app_pid)"
expect "SIGHUP (connection dropped): the app ends with status 129" "[exit 129]" 10
check "SIGHUP: the sign-off is audited" test "$(audited logout nurse)" -eq $((before + 1))
chain_all
check "SIGHUP: the sign-off's source is the client address" \
	test "$(sql "select source from audit where action='logout' and user_name='nurse' order by seq desc limit 1")" = "$CLIENT"
check "SIGHUP: the terminal is left (main screen)" test "$(pane '#{alternate_on}')" = 0
tui_stop

# -- the terminal really goes away (what sshd does when the connection
# drops): the kernel hangs up the app's terminal.
tui_ssh hangup
signon him "$PW_HIM"
tui_wait "Main menu for him" 10 >/dev/null
pid=$(app_pid)
before=$(audited logout him)
tmux -L "$TMUX_SOCK" kill-session -t "$S"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "terminal hung up: the app exits" sh -c "! kill -0 $pid 2>/dev/null"
check "terminal hung up: the sign-off is audited" test "$(audited logout him)" -eq $((before + 1))

# -- SIGHUP on the lock screen: the keys are already wiped, so the
# sign-off waits with the failed sign-ons and is chained by the next change.
tui_ssh hup_locked
signon prov "$PW_PROV"
tui_wait "Main menu for prov" 10 >/dev/null
tui_send F12
expect "F12 locks the screen" "Screen locked for prov" 10
kill -s HUP "$(app_pid)"
expect "SIGHUP on the lock screen: status 129" "[exit 129]" 10
check "SIGHUP on the lock screen: the sign-off is recorded (pending)" \
	test "$(sql "select count(*) from audit_pending where action='logout' and user_name='prov' and source='$CLIENT'")" -eq 1
tui_stop
chain_all
check "... and chained into the audit trail by the next change" \
	test "$(sql "select count(*) from audit where action='logout' and user_name='prov' and outcome='locked'")" -eq 1
check "the audit chain verifies after all this" sh -c "printf '%s\n' '$PW_ADMIN' | '$BIN' --db '$DB' --user admin --password-stdin audit verify | grep -q 'audit chain OK'"
e2e_done
