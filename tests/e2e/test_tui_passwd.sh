#!/bin/sh
# test_tui_passwd.sh - changing one's own password: typed twice, never
# shown, the policy's reason on refusal, and afterwards only the new
# password works (in the app and on the command line).
. "$(dirname "$0")/lib.sh"
e2e_setup
NEW='a brand new passphrase for the nurse'

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
}
wait_gone() {
	i=0
	while [ $i -lt $(( ${2:-5} * 10 )) ]; do
		tui_screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

tui_start passwd
signon nurse "$PW_NURSE"
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
expect "menu" "Main menu for nurse" 10
# "Change my password" is third from the end (then Lock, Sign off).
tui_send End
tui_send Up
tui_send Up
tui_send Enter
expect "change-password screen for the signed-on user" "New password for nurse" 5
expect "the policy is explained" "At least 15 characters"

expect "the current password is asked for first" "Current password:"
tui_send Enter
expect "empty: asks for the current password" "Type your current password." 5
tui_type "not-the-nurse-password"
tui_send Tab
tui_type "$NEW"
tui_send Tab
tui_type "$NEW"
tui_send Enter
expect "a wrong current password is refused" "The current password is wrong." 15
check "the wrong current password counts as a failed attempt" test "$(sql "select failed_count from users where name='nurse'")" -eq 1
tui_type "$PW_NURSE"
tui_send Tab
tui_type "$NEW"
tui_send Tab
tui_type "$NEW-but-different"
expect_not "new password is never shown" "$NEW"
tui_send Enter
expect "two different passwords are refused" "The two passwords differ; nothing was changed." 5

tui_type "$PW_NURSE"
tui_send Tab
tui_type "short"
tui_send Tab
tui_type "short"
wait_gone "The two passwords differ"
tui_send Enter
expect "a short password is refused with the policy's reason" "The password is too short: use at least 15" 15

tui_type "$PW_NURSE"
tui_send Tab
tui_type "passwordpassword"
tui_send Tab
tui_type "passwordpassword"
tui_send Enter
expect "a common password is refused" "That password is on the list of commonly used passwords" 15
check "nothing was changed by the refusals" test "$(sql "select count(*) from audit where action='user_passwd'")" -eq 0

tui_type "$PW_NURSE"
tui_send Tab
tui_type "$NEW"
tui_send Tab
tui_type "$NEW"
tui_send Enter
expect "the new password is accepted" "Password for nurse changed." 15
expect "back on the menu" "Main menu for nurse"
check "audit: own password change recorded" test "$(sql "select count(*) from audit where action='user_passwd' and user_name='nurse'")" -eq 1

# Esc leaves without changing anything (the menu cursor is still on
# "Change my password").
tui_send Enter
tui_wait "New password for nurse" 5 >/dev/null
tui_type "something typed then abandoned"
tui_send Escape
expect "Esc cancels" "Password not changed." 5

tui_send End
tui_send Enter
signon nurse "$PW_NURSE"
expect "the old password no longer works" "Sign-on failed. Check the user name and password" 15
tui_send C-u
tui_type "$NEW"
tui_send Enter
expect "the new password signs on" "Welcome, nurse." 15
check "the command line takes the new password" sh -c "printf '%s\n' '$NEW' | '$BIN' --db '$DB' --user nurse --password-stdin user list >/dev/null 2>&1; [ \$? -eq 4 ]"
check "... and refuses the old one" sh -c "printf '%s\n' '$PW_NURSE' | '$BIN' --db '$DB' --user nurse --password-stdin user list >/dev/null 2>&1; [ \$? -eq 3 ]"
e2e_done
