#!/bin/sh
# test_tui_lockout.sh - three wrong passwords lock the account (the test
# config has lockout_after = 3); then even the right password is refused,
# with the same answer as a wrong password (the reason is audited, not
# shown), until an administrator unlocks it; the banner then counts every
# failed attempt.
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
expect "1st wrong password: refused" "Sign-on failed." 15
check "not locked after one failure" test "$(sql "select locked from users where name='nurse'")" -eq 0
tui_type "wrong-password-number-2"
wait_gone "Sign-on failed." # typing clears the message
tui_send Enter
expect "2nd wrong password: refused" "Sign-on failed." 15
check "database: two failures counted" test "$(sql "select failed_count from users where name='nurse'")" -eq 2
tui_type "wrong-password-number-3"
wait_gone "Sign-on failed."
tui_send Enter
expect "3rd wrong password: refused alike" "Sign-on failed." 15
expect_not "... without saying the account is now locked" "locked"
check "database: nurse is locked" test "$(sql "select locked from users where name='nurse'")" -eq 1
check "database: three failures counted" test "$(sql "select failed_count from users where name='nurse'")" -eq 3

tui_type "$PW_NURSE"
wait_gone "Sign-on failed."
tui_send Enter
expect "4th attempt with the right password: the same answer" "Sign-on failed. Check the user name and password, or ask an administrator." 15
expect_not "... not that the account is locked" "locked"
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
expect "the banner counts all four failed attempts, the one while locked too" "4 failed sign-on attempts since then."
check "audit: the lockout is recorded" test "$(sql "select count(*) from audit where action='account_locked' and user_name='nurse'")" -eq 1
check "audit: the refused sign-on of the locked account is recorded with the reason" test "$(sql "select count(*) from audit where action='login_refused' and outcome='locked' and user_name='nurse'")" -eq 1
e2e_done
