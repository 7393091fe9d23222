#!/bin/sh
# test_tui_lockout.sh - three wrong passwords lock the account (the test
# config has lockout_after = 3); then even the right password is refused
# with the reason, until an administrator unlocks it.
. "$(dirname "$0")/lib.sh"
e2e_setup

# wait_gone "text" [seconds]: wait until text is no longer on screen
wait_gone() {
	i=0
	while [ $i -lt $(( ${2:-5} * 10 )) ]; do
		tui_screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

tui_start lockout
tui_wait "Password:" 15 >/dev/null
tui_type nurse
tui_send Tab
tui_type "wrong-password-number-1"
tui_send Enter
expect "1st wrong password: refused" "Wrong user name or password." 15
check "not locked after one failure" test "$(sql "select locked from users where name='nurse'")" -eq 0
tui_type "wrong-password-number-2"
wait_gone "Wrong user name or password." # typing clears the message
tui_send Enter
expect "2nd wrong password: refused" "Wrong user name or password." 15
check "database: two failures counted" test "$(sql "select failed_count from users where name='nurse'")" -eq 2
tui_type "wrong-password-number-3"
tui_send Enter
expect "3rd wrong password locks the account and says so" "The account is now locked after 3 failed sign-ons" 15
check "database: nurse is locked" test "$(sql "select locked from users where name='nurse'")" -eq 1
check "database: three failures counted" test "$(sql "select failed_count from users where name='nurse'")" -eq 3

tui_type "$PW_NURSE"
tui_send Enter
expect "4th attempt with the right password says the account is locked" "This account is locked" 15
expect "... and whom to ask" "Ask your administrator"
expect_not "no sign-on with a locked account" "Welcome, nurse"
check "still locked" test "$(sql "select locked from users where name='nurse'")" -eq 1

# Another user is not affected.
tui_send C-u
tui_send BTab
tui_send C-u
tui_type prov
tui_send Tab
tui_type "$PW_PROV"
tui_send Enter
expect "another account still signs on" "Welcome, prov." 15
tui_send Enter
tui_send End
tui_send Enter
tui_wait "Password:" 10 >/dev/null

# An administrator unlocks nurse; the next sign-on shows the failures.
check "admin unlocks nurse from the command line" sh -c "printf '%s\n' '$PW_ADMIN' | '$BIN' --db '$DB' --user admin --password-stdin user unlock nurse 2>/dev/null"
tui_type nurse
tui_send Tab
tui_type "$PW_NURSE"
tui_send Enter
expect "unlocked account signs on" "Welcome, nurse." 15
check "audit: the lockout is recorded" test "$(sql "select count(*) from audit where action='account_locked' and user_name='nurse'")" -eq 1
check "audit: the refused sign-on of the locked account is recorded" test "$(sql "select count(*) from audit where action='login_refused' and user_name='nurse'")" -eq 1
e2e_done
