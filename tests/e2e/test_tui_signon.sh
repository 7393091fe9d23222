#!/bin/sh
# test_tui_signon.sh - the sign-on screen: the clinic's name, refusals with
# their reason, a password never shown, the banner with the last sign-on
# and the failures since, sign-off, and quitting with confirmation.
. "$(dirname "$0")/lib.sh"
e2e_setup

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
}

# expect_re "description" ERE [seconds]: a test that a line matches
expect_re() {
	i=0
	while [ $i -lt $(( ${3:-5} * 10 )) ]; do
		if tui_screen | grep -Eq -- "$2"; then ok "$1"; return 0; fi
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "$1" "$(tui_screen)"
}

tui_start signon
expect "sign-on screen shows the clinic's name from the database" "Harbor Family Clinic" 15
expect "sign-on screen has a user field" "User:"
expect "status bar says nobody is signed on" "not signed on"

tui_send Enter
expect "Enter with empty fields asks for the user name" "Enter your user name."

tui_type front
tui_send Tab
tui_type "not-the-password-at-all"
expect "typed password is echoed as stars" "***********************"
expect_not "typed password is never shown" "not-the-password-at-all"
tui_send Enter
expect "wrong password is refused with the reason" "Sign-on failed. Check the user name and password" 15
expect_not "a refused sign-on stays on the sign-on screen" "Main menu"

# The password field was wiped and has the focus: type only the password.
tui_type "$PW_FRONT"
tui_send Enter
expect "correct password signs on: welcome banner" "Welcome, front." 15
expect "banner counts the failed attempt before this sign-on" "1 failed sign-on attempt before this one."
expect "banner warns visibly about failed attempts" "WARNING: 1 failed sign-on attempt"
expect "status bar shows user and role" "front (frontdesk)"
expect "status bar shows the database file" "clinic.db"
expect_re "status bar shows the idle-lock countdown" 'lock (10:00|9:[45][0-9]) *$'
tui_send x
expect "any key goes on to the main menu" "Main menu for front (frontdesk)"

# Sign off from the menu (last item): back to the sign-on screen.
tui_send End
tui_send Enter
expect "Sign off returns to the sign-on screen" "front signed off." 10
expect "sign-on screen is shown again" "Password:"
expect_not "nothing of the session is left on screen" "Main menu"
check "sign-off is in the audit trail" test "$(audited logout front)" -ge 1

signon front "$PW_FRONT"
expect "second sign-on shows the last sign-on time and place" "Last sign-on 20" 15
expect "... from this terminal" "from local"
expect "... and no failures since" "No failed sign-on attempts since then."
expect_not "no warning without failures" "WARNING"
tui_send Enter
expect "menu again" "Main menu for front"

# Unknown user: same message as a wrong password (no user enumeration).
tui_send End
tui_send Enter
tui_wait "Password:" 10 >/dev/null
signon nosuchuser "$PW_FRONT"
expect "unknown user gets the same message as a wrong password" "Sign-on failed. Check the user name and password" 15

# Quit: Esc asks, n keeps the app, y quits with status 0.
tui_send C-u
tui_send Escape
expect "Esc on the sign-on screen asks before quitting" "Quit Chartroom? (y/n)"
tui_send n
sleep 0.3
expect_not "n keeps Chartroom running" "Quit Chartroom?"
expect "still on the sign-on screen" "Password:"
tui_send Escape
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "y quits with exit status 0" "[exit 0]" 10

check "audit trail has the sign-ons" test "$(audited login front)" -eq 2
check "audit trail has the failed sign-on" test "$(sql "select count(*) from audit where action='login_failed' and user_name='front'")" -eq 1
check "audit chain still verifies" sh -c "printf '%s\n' '$PW_ADMIN' | '$BIN' --db '$DB' --user admin --password-stdin audit verify | grep -q 'audit chain OK'"
e2e_done
