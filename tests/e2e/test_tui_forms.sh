#!/bin/sh
# test_tui_forms.sh - forms that forgive, at the front desk: the sex field
# takes "female", the state field "Massachusetts"; a refused email keeps
# the cursor, names the field, and adds nothing typed after it to the
# email until the clerk edits it or moves on; a half-typed registration
# survives the idle lock for the same user (and is wiped for another);
# a deceased patient is marked in the list and the banner with the age at
# death; 60x20 is a usable compact layout and 200x50 uses the width.
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
	tui_wait "Main menu for $1" 10 >/dev/null
}
tabs() { i=0; while [ $i -lt "$1" ]; do tui_send Tab; i=$((i + 1)); done; }
menu() { tui_send Home; i=0; while [ $i -lt "$1" ]; do tui_send Down; i=$((i + 1)); done; tui_send Enter; }
# line_of TEXT: the screen line holding TEXT
line_of() { tui_screen | grep -F -- "$1" | head -1; }
# cursor_line: the screen line the terminal cursor is on
cursor_line() { y=$(tmux -L "$TMUX_SOCK" display -p -t "$S" '#{cursor_y}'); tui_screen | sed -n "$((y + 1))p"; }

# ---- the registration form ------------------------------------------------------
tui_start forms
signon front "$PW_FRONT"
menu 1
expect "the registration form" "New patient" 5
tui_type "Wrenfield"
tui_send Tab
tui_type "Odile"
tabs 3
tui_type "1961-04-05"
tui_send Tab
tui_type "female"
tui_send Tab
expect "sex 'female' is taken as F" "Sex (F/M/X/U)       F" 5
expect_not "... not refused as too long" "too long"
tabs 2
tui_type "Worcester"
tui_send Tab
tui_type "Massachusetts"
tui_send Tab
expect "state 'Massachusetts' is taken as MA" "State               MA" 5
expect_not "... not refused" "is not a US state"
tabs 3
tui_type "odile@example"
tui_send Tab
expect "an invalid email is refused, naming the field" "Email 'odile@example' does not look like name@example.org" 5
expect "... the form says the cursor is still in Email" "Still in Email: fix it, or Tab again to leave it for now." 5
check "... and the cursor is on the Email line" sh -c 'printf "%s\n" "$1" | grep -q "Email"' _ "$(cursor_line)"
# Typed without looking: the next field's value is not added to the email.
tui_type "508"
expect "typing after the refusal says the reason again" "Email 'odile@example' does not look like" 5
expect_not "... and adds nothing to the email" "odile@example508"
tui_send End
tui_type ".org"
tui_send Tab
expect "an edit fixes it: the email is taken" "odile@example.org" 5
expect_not "... no refusal left" "Still in Email"
check "... the cursor moved on to the SSN" sh -c 'printf "%s\n" "$1" | grep -q "SSN"' _ "$(cursor_line)"
tui_send BTab
tui_send C-u
tui_type "not-an-email"
tui_send Tab
expect "refused again" "Still in Email" 5
tui_send Tab
expect "Tab again moves on (the clerk's choice)" "Email still needs fixing; it is checked again on saving." 5
check "... the cursor is on the SSN now" sh -c 'printf "%s\n" "$1" | grep -q "SSN"' _ "$(cursor_line)"
expect "... the email stays marked" "!  Email"
tui_send F10
expect "saving stops at the email" "Email 'not-an-email' does not look like" 10
check "... with the cursor back in it" sh -c 'printf "%s\n" "$1" | grep -q "Email"' _ "$(cursor_line)"
check "nothing was registered" [ "$(sql "select count(*) from patients")" -eq 0 ]
tui_send C-u
tui_type "odile@example.org"

# ---- the idle lock keeps a half-typed registration --------------------------------
tui_send F12
expect "F12 locks the half-typed form" "Screen locked for front" 5
expect_not "... nothing typed is on the locked screen" "Wrenfield"
expect_not "... nor the email" "odile@example.org"
tui_type "$PW_FRONT"
tui_send Enter
expect "unlocked by the same user: back at the form" "New patient" 15
expect "... with what was typed" "Wrenfield" 5
expect "... all of it" "odile@example.org"
expect "... and says so" "what you typed was kept" 5
tui_send F10
expect "the kept form registers" "Wrenfield, Odile" 10
check "... one patient, sex F, state MA" sh -c '[ "$(sqlite3 "$1" "select count(*) from patients")" -eq 1 ]' _ "$DB"
mrn=$(find_q front "$PW_FRONT" "wrenfield" 2>/dev/null | cut -f1)
out=$(cli front "$PW_FRONT" patient show "$mrn" 2>/dev/null)
check "... stored as F and MA" sh -c 'printf "%s\n" "$1" | grep -q "Sex (F/M/X/U): *F" && printf "%s\n" "$1" | grep -q "State: *MA"' _ "$out"
tui_send Escape
tui_wait "Main menu" 5 >/dev/null

# Another user at the lock screen: what was typed is wiped, not shown.
menu 1
tui_wait "New patient" 5 >/dev/null
tui_type "Canarylastname"
tui_send F12
tui_wait "Screen locked for front" 5 >/dev/null
tui_send F2
tui_wait "Password:" 10 >/dev/null
signon him "$PW_HIM"
expect "another user signs on" "Main menu for him" 10
menu 1
expect "... and opens the form" "New patient" 5
expect_not "... empty: the first user's typing is gone" "Canarylastname"
tui_send Escape
tui_stop
e2e_done
