#!/bin/sh
# test_tui_roles.sh - the main menu shows only what the user's role may do
# (core's session_can), and items not built yet say so without crashing.
. "$(dirname "$0")/lib.sh"
e2e_setup

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
}
signoff() {
	tui_send End
	tui_send Enter
	tui_wait "Password:" 10 >/dev/null
}
# has USER "item"... / hasnt USER "item"...: menu items present or absent
has() { u=$1; shift; for i in "$@"; do expect "$u sees '$i'" "$i"; done; }
hasnt() { u=$1; shift; for i in "$@"; do expect_not "$u does not see '$i'" "$i"; done; }

tui_start roles

signon front "$PW_FRONT"
expect "front desk menu" "Main menu for front (frontdesk)" 10
has front "Find a patient" "Register a patient" "Check a patient in" "Change my password" "Sign off"
hasnt front "Users" "Configuration" "Audit review" "Verify audit chain" "Coding queue" "Privacy review" "Reports"
# Second item: Register a patient opens the registration form; Esc with
# nothing typed goes straight back.
tui_send Down
tui_send Enter
expect "Register a patient opens the form" "New patient" 5
tui_send Escape
expect "Esc goes back to the menu" "Main menu for front" 5
signoff

signon admin "$PW_ADMIN"
expect "admin menu" "Main menu for admin (admin)" 10
has admin "Users" "Configuration" "Audit review" "Verify audit chain" "Change my password" "Sign off"
hasnt admin "Find a patient" "Register a patient" "Check a patient in" "Coding queue" "Privacy review"
signoff

signon priv "$PW_PRIV"
expect "privacy officer menu" "Main menu for priv (privacy)" 10
has priv "Audit review" "Verify audit chain" "Privacy review" "Reports" "Configuration"
hasnt priv "Users" "Find a patient" "Register a patient" "Coding queue"
# Privacy review: the Privacy menu (test_tui_privacy.sh works it).
tui_send Down
tui_send Down
tui_send Enter
expect "privacy review opens the Privacy menu" "Break-the-glass review" 5
expect "... with the access report" "Access report: who opened a chart"
tui_send Escape
expect "Esc goes back to the main menu" "Main menu for priv" 5
signoff

signon him "$PW_HIM"
expect "HIM menu" "Main menu for him (him)" 10
has him "Find a patient" "Register a patient" "Coding queue" "HIM work queue" "Reports"
# HIM reads the access report (audit_review), under Privacy review.
has him "Privacy review"
hasnt him "Users" "Audit review" "Check a patient in"
signoff

signon nurse "$PW_NURSE"
expect "nurse menu" "Main menu for nurse (nurse)" 10
has nurse "Find a patient" "Change my password"
hasnt nurse "Register a patient" "Users" "Configuration" "Audit review" "Coding queue" "Reports"
signoff

# A [roles] section in the user's own configuration changes nothing (issue
# 10): restart with one giving the nurse check-in.
tui_send Escape
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
tui_wait "[exit 0]" 10 >/dev/null
tui_stop
printf '[roles]\nnurse = +encounter_checkin\n' >> "$CONF"
tui_start roles2
signon nurse "$PW_NURSE"
expect "nurse menu with [roles] in the user's file" "Main menu for nurse (nurse)" 10
expect_not "... which grants nothing" "Check a patient in"
signoff
# An administrator's change in the database does: the nurse's next sign-on
# shows it.
cli admin "$PW_ADMIN" roles grant nurse encounter_checkin >/dev/null 2>&1
check "the admin grants the nurse check-in in the database" [ $? -eq 0 ]
signon nurse "$PW_NURSE"
expect "nurse menu after the database change" "Main menu for nurse (nurse)" 10
expect "nurse now sees 'Check a patient in'" "Check a patient in"
e2e_done
