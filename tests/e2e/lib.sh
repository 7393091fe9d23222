#!/bin/sh
# lib.sh - helpers for end-to-end tests: a fresh database with one user per
# role, the real binary run in tmux, keys typed with send-keys, the screen
# read with capture-pane, and TAP output ("ok N - ...", "not ok N - ...").
#
# Use: . "$(dirname "$0")/lib.sh"; e2e_setup; ...; e2e_done
set -u
BIN=${CHARTROOM_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/chartroom}
# The test build (-DCHARTROOM_TEST_HOOKS: the screen dump), for the tests
# that need a hook; next to BIN unless given.
TEST_BIN=${CHARTROOM_TEST_BIN:-$(dirname "$BIN")/chartroom-test}
ROOT=${CHARTROOM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
E2E_N=0
E2E_FAILED=0
E2E_SESSIONS=""
# A tmux server of this test's own: tests running at the same time (or a
# developer's tmux) never share or kill each other's sessions.
TMUX_SOCK="chartroom-e2e-$$"

# Passwords of the demo users created by e2e_setup (name = role word).
PW_ADMIN='admin-password-for-tests'
PW_FRONT='frontdesk-password-for-tests'
PW_NURSE='nurse-password-for-tests'
PW_PROV='provider-password-for-tests'
PW_HIM='him-clerk-password-for-tests'
PW_PRIV='privacy-password-for-tests'

ok() { E2E_N=$((E2E_N + 1)); echo "ok $E2E_N - $1"; }
not_ok() {
	E2E_N=$((E2E_N + 1))
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "not ok $E2E_N - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}
# check "description" command...: ok if the command succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# A scratch directory, a test configuration file of the user's own
# (preferences only: tests append [ui] lines), a database with admin
# "admin" plus one user per role: front (frontdesk), nurse, prov
# (provider), him, priv (privacy), and the tests' policy set in the
# database by the admin (short idle lock, lockout after 3). The nurse signs
# on once, granting the clinical key to prov and him (the admin holds none
# once the nurse has it).
e2e_setup() {
	e2e_setup_init
	e2e_setup_policy
	e2e_setup_users
	e2e_setup_keys
}
# Its steps. e2e_setup_init and e2e_setup_users use only commands every
# release has: test_reseal.sh runs them with an older binary, which has no
# policy in the database and no 'keys' command. The policy and the keys
# are this release's.
e2e_setup_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-e2e.XXXXXX")
	DB="$T/clinic.db"
	CONF="$T/chartroom.ini"
	printf '; the tests: preferences only (policy is in the database)\n' > "$CONF"
	chmod 0644 "$CONF"
	export CHARTROOM_CONFIG="$CONF"
	printf '%s\n' "$PW_ADMIN" | "$BIN" init --db "$DB" --admin admin --clinic "Harbor Family Clinic" --password-stdin >"$T/init.out" 2>"$T/init.err" || {
		not_ok "e2e setup: init" "$(cat "$T/init.err")"; e2e_done; }
	RECOVERY=$(sed -n 's/^    \([0-9A-Fa-f][0-9A-Fa-f-]*\)$/\1/p' "$T/init.out")
}
e2e_setup_policy() {
	for p in "security.lockout_after 3" "security.idle_lock_seconds ${E2E_IDLE:-600}"; do
		printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set $p 2>>"$T/init.err" || {
			not_ok "e2e setup: policy set $p" "$(cat "$T/init.err")"; e2e_done; }
	done
}
e2e_setup_users() {
	for u in "front frontdesk $PW_FRONT" "nurse nurse $PW_NURSE" "prov provider $PW_PROV" \
		"him him $PW_HIM" "priv privacy $PW_PRIV"; do
		set -- $u
		printf '%s\n%s\n' "$PW_ADMIN" "$3" | "$BIN" --db "$DB" --user admin --password-stdin user add "$1" --role "$2" 2>>"$T/init.err" || {
			not_ok "e2e setup: user add $1" "$(cat "$T/init.err")"; e2e_done; }
	done
}
e2e_setup_keys() {
	printf '%s\n' "$PW_NURSE" | "$BIN" --db "$DB" --user nurse --password-stdin keys grant 2>>"$T/init.err" || {
		not_ok "e2e setup: keys grant" "$(cat "$T/init.err")"; e2e_done; }
}

# cli USER PASSWORD ARGS...: run a command as USER, password on stdin.
cli() { u=$1; p=$2; shift 2; printf '%s\n' "$p" | "$BIN" --db "$DB" --user "$u" --password-stdin "$@"; }

# PHI and clinical free text never go on the command line: they are given
# as CSV (a header row, one row) with --from FILE or --from -.
# csv KEY=VALUE...: print that CSV, every value quoted.
csv() {
	_h=""
	_r=""
	for _kv in "$@"; do
		_v=$(printf '%s' "${_kv#*=}" | sed 's/"/""/g')
		_h="$_h${_h:+,}${_kv%%=*}"
		_r="$_r${_r:+,}\"$_v\""
	done
	printf '%s\n%s\n' "$_h" "$_r"
}
# clin USER PASSWORD CSV ARGS...: run a command as USER with --from -:
# standard input holds the password, then the CSV.
clin() { u=$1; p=$2; c=$3; shift 3; printf '%s\n%s' "$p" "$c" | "$BIN" --db "$DB" --user "$u" --password-stdin "$@" --from -; }
# find_q USER PASSWORD QUERY: patient find with the query on standard input.
find_q() { printf '%s\n%s\n' "$2" "$3" | "$BIN" --db "$DB" --user "$1" --password-stdin patient find -; }

# tui_start NAME [COLS ROWS]: start the app in a detached tmux session.
# tui_keep: a session that keeps this test's tmux server up between app
# sessions (killing the last session stops a tmux server, and a new one
# racing its shutdown fails).
tui_keep() {
	tmux -L "$TMUX_SOCK" has-session -t keeper 2>/dev/null ||
		tmux -L "$TMUX_SOCK" new-session -d -s keeper "sleep 3600"
}
tui_start() {
	tui_keep
	name="cr-$$-$1"
	E2E_SESSIONS="$E2E_SESSIONS $name"
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x "${2:-80}" -y "${3:-24}" \
		"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}
tui_send() { tmux -L "$TMUX_SOCK" send-keys -t "$S" "$@"; }
# type literal text (no key-name interpretation)
tui_type() { tmux -L "$TMUX_SOCK" send-keys -t "$S" -l "$1"; }
tui_screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t "$S"; }
tui_resize() { tmux -L "$TMUX_SOCK" resize-window -t "$S" -x "$1" -y "$2"; }
# tui_wait "text" [seconds]: wait until text is on screen; 0 if seen
tui_wait() {
	limit=$(( ${2:-5} * 10 ))
	i=0
	while [ $i -lt $limit ]; do
		tui_screen | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# expect "description" "text" [seconds]: a test that text appears
expect() {
	if tui_wait "$2" "${3:-5}"; then ok "$1"; else not_ok "$1" "$(tui_screen)"; fi
}
# tui_wait_gone "text" [seconds]: poll until text is no longer on screen
tui_wait_gone() {
	limit=$(( ${2:-5} * 10 ))
	i=0
	while [ $i -lt $limit ]; do
		tui_screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# expect_gone "description" "text" [seconds]: a test that text leaves the
# screen after a key (the redraw awaited, not assumed)
expect_gone() {
	if tui_wait_gone "$2" "${3:-5}"; then ok "$1"; else not_ok "$1" "$(tui_screen)"; fi
}
# expect_not "description" "text": a test that text is NOT on screen now
expect_not() {
	if tui_screen | grep -qF -- "$2"; then not_ok "$1" "$(tui_screen)"; else ok "$1"; fi
}
tui_stop() { tmux -L "$TMUX_SOCK" kill-session -t "$S" 2>/dev/null; }

# sql QUERY: read the test database directly (as an attacker would).
sql() { sqlite3 "$DB" "$1"; }
# kill_points W POINTS: where a crash test kills a command of W writes and
# syncs: every one when POINTS is 0, else POINTS spread over them plus the
# last two.
kill_points() {
	if [ "$2" -eq 0 ]; then
		seq 1 "$1"
	else
		_s=$(($1 / $2 > 0 ? $1 / $2 : 1))
		(seq "$_s" "$_s" "$1"; echo $(($1 - 1)); echo "$1") | sort -un
	fi
}

# How many audit events with action $1 (by user $2 if given) are recorded:
# in the trail, or waiting to be chained by the next change (failed
# sign-ons in audit_pending, the rest in the audit journal
# $DB.audit-journal, listed by the test binary's test-journal; those whose
# id is in audit_events are in the trail already).
audited() {
	_w="action = '$1'${2:+ and user_name = '$2'}"
	"$TEST_BIN" --db "$DB" test-journal > "$T/journal.tsv" || return 1
	sqlite3 -cmd ".mode tabs" -cmd "attach '$DB' as d" \
		-cmd "create table j(event_id, action, user_name, flags)" \
		-cmd ".import '$T/journal.tsv' j" :memory: \
		"select (select count(*) from d.audit where $_w) + (select count(*) from d.audit_pending where $_w) + (select count(*) from j where $_w and event_id not in (select event_id from d.audit_events));"
}

# cli_at DAYS USER PASSWORD ARGS...: the test build's command line with
# its clock DAYS on; cli_at2 DAYS USER PASSWORD LINE ARGS... also types
# LINE after the password (an MRN typed back, a reason).
cli_at() { _d=$1; _u=$2; _p=$3; shift 3; printf '%s\n' "$_p" | CHARTROOM_TEST_DAYS_AHEAD=$_d "$TEST_BIN" --db "$DB" --user "$_u" --password-stdin "$@"; }
cli_at2() { _d=$1; _u=$2; _p=$3; _l=$4; shift 4; printf '%s\n%s\n' "$_p" "$_l" | CHARTROOM_TEST_DAYS_AHEAD=$_d "$TEST_BIN" --db "$DB" --user "$_u" --password-stdin "$@"; }
# tui_signon USER PASSWORD: sign on at the sign-on screen and wait for
# the main menu.
tui_signon() {
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
	tui_wait "Main menu for $1" 10 >/dev/null
}
# tui_menu_open LABEL: open the main menu's item by its label (never by
# counting rows: other items come and go).
tui_menu_open() {
	_top=$(tui_screen | grep -nF -- "Main menu for" | head -1 | cut -d: -f1)
	_at=$(tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1)
	tui_send Home
	_i=$((_top + 2))
	while [ "$_i" -lt "$_at" ]; do tui_send Down; _i=$((_i + 1)); done
	tui_send Enter
}
# tui_start_ahead NAME DAYS: start the test build (test clock DAYS on).
# tui_ahead_end: the clock back for later sessions.
tui_start_ahead() {
	tui_keep
	tmux -L "$TMUX_SOCK" set-environment -g CHARTROOM_TEST_DAYS_AHEAD "$2"
	_bin=$BIN
	BIN=$TEST_BIN
	tui_start "$1"
	BIN=$_bin
}
tui_ahead_end() { tmux -L "$TMUX_SOCK" set-environment -g -u CHARTROOM_TEST_DAYS_AHEAD; }

e2e_done() {
	for s in $E2E_SESSIONS; do tmux -L "$TMUX_SOCK" kill-session -t "$s" 2>/dev/null; done
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
	echo "1..$E2E_N"
	[ "$E2E_FAILED" -eq 0 ] && exit 0
	exit 1
}
