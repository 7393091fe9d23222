#!/bin/sh
# test_tui_idle.sh - the idle lock: the status bar counts down, the screen
# is cleared and locked after idle_lock_seconds (5 here), the password
# brings the user back where they were, F2 signs off for another user,
# wrong passwords on the lock screen count towards the lockout; all of it
# in the audit trail.
E2E_IDLE=5
export E2E_IDLE
. "$(dirname "$0")/lib.sh"
e2e_setup

expect_re() { # description ERE [seconds]
	i=0
	while [ $i -lt $(( ${3:-5} * 10 )) ]; do
		if tui_screen | grep -Eq -- "$2"; then ok "$1"; return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "$1" "$(tui_screen)"
}
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
}

tui_start idle
signon priv "$PW_PRIV"
expect "signed on" "Welcome, priv." 15
tui_send Enter
expect "main menu" "Main menu for priv (privacy)"
# Open a screen with data on it (the audit trail) and leave it idle.
tui_send Enter
expect "audit review open before the lock" "Audit review" 10
expect "audit entries visible before the lock" "login"
expect_re "status bar counts down to the lock" 'lock 0:0[1-4] *$' 5
expect "idle lock after 5 seconds" "Screen locked for priv" 10
expect "lock screen offers F2 for another user" "F2: sign on as a different user"
expect "status bar says locked" "locked"
expect_not "no audit data left on the locked screen" "login"
expect_not "no screen title of the hidden screen" "Audit review"
check "audit: idle_lock recorded" test "$(audited idle_lock priv)" -eq 1

tui_type "not-my-password-at-all"
expect_not "password typed on the lock screen is not shown" "not-my-password-at-all"
tui_send Enter
expect "wrong password on the lock screen is refused" "Wrong password" 15
expect "still locked after a wrong password" "Screen locked for priv"
tui_type "$PW_PRIV"
tui_send Enter
expect "right password unlocks: back where the user was" "Audit review" 15
expect "... with the audit data read again" "idle_lock"
check "audit: unlock recorded" test "$(audited unlock priv)" -eq 1
check "audit: the wrong unlock password counted as a failure" test "$(audited login_failed priv)" -eq 1

# F12 locks at once; F2 on the lock screen signs off.
tui_send F12
expect "F12 locks the screen now" "Screen locked for priv" 5
tui_send F2
expect "F2 signs off and shows the sign-on screen" "priv was signed off." 10
expect "sign-on screen" "Password:"
expect_not "no idle countdown without a session" "lock 0:"

# Wrong passwords on the lock screen lock the account (lockout_after = 3).
signon nurse "$PW_NURSE"
expect "nurse signed on" "Welcome, nurse." 15
tui_send Enter
expect "idle lock again" "Screen locked for nurse" 12
for n in 1 2; do
	tui_type "wrong-password-$n"
	tui_send Enter
	tui_wait "Wrong password" 15 >/dev/null
done
tui_type "wrong-password-3"
tui_send Enter
expect "3rd wrong unlock locks the account and goes to sign-on" "Sign-on failed. Check the user name and password" 15
expect_not "... without saying it is locked" "locked"
expect "... on the sign-on screen" "User:"
check "database: nurse is locked" test "$(sql "select locked from users where name='nurse'")" -eq 1

# The role changes while the screen is locked: after the unlock the menu
# follows the new role, and a screen the new role may not see is closed.
signon priv "$PW_PRIV"
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
tui_send Enter
expect "privacy officer in audit review again" "Outcome  Target" 10
tui_send F12
tui_wait "Screen locked for priv" 5 >/dev/null
check "admin changes priv's role to nurse meanwhile" sh -c "printf '%s\n' '$PW_ADMIN' | '$BIN' --db '$DB' --user admin --password-stdin user role priv nurse >/dev/null 2>&1"
tui_type "$PW_PRIV"
tui_send Enter
expect "after the unlock the audit review is refused" "Permission denied" 15
expect "... and closed: back on the menu, with the new role" "Main menu for priv (nurse)"
expect "the nurse's menu" "Find a patient"
expect_not "no audit review for a nurse" "Audit review"
expect "status bar shows the new role" "priv (nurse)"

tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit" "[exit 0]" 10

out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin audit verify 2>&1)
check "audit chain verifies after locks and unlocks" test "$out" != "${out#audit chain OK}"
list=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin audit list 2>&1)
for a in login logout idle_lock unlock login_failed account_locked; do
	check "audit trail has $a entries" sh -c "printf '%s\n' \"\$1\" | cut -f5 | grep -qx '$a'" - "$list"
done
e2e_done
