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

# ---- a deceased patient in the list and the banner ---------------------------------
clin front "$PW_FRONT" "$(csv last_name=Mortlake first_name=Edith dob=1944-05-01 sex=F death_date=1980-06-15)" patient add >/dev/null 2>&1
clin front "$PW_FRONT" "$(csv last_name=Mortlake first_name=Alfred dob=1940-02-01 sex=M)" patient add --register-anyway >/dev/null 2>&1
tui_start list
signon front "$PW_FRONT"
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "mortlake"
expect "the search lists both" "Mortlake, Alfred" 5
check "the deceased one: age at death (36, not her age today) and DIED" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "Mortlake, Edith +1944-05-01 +36 +F +DIED"' _ "$(line_of "Mortlake, Edith")"
check "the living one: no mark" sh -c '! printf "%s\n" "$1" | grep -q DIED' _ "$(line_of "Mortlake, Alfred")"
out=$(find_q front "$PW_FRONT" "mortlake, edith" 2>/dev/null)
check "patient find: the age at death and the date of death" \
	sh -c 'printf "%s\n" "$1" | cut -f6,10 | grep -q "^36	1980-06-15$"' _ "$out"
tui_send Down
tui_send Enter
expect "her chart's banner: died at 36" "died 1980-06-15 at 36" 10
expect "... marked DECEASED" "DECEASED"
expect "... the chart says it too" "1980-06-15, at 36   DECEASED"
tui_send Escape
tui_send C-u

# ---- 60x20: the compact layout --------------------------------------------------------
tui_resize 60 20
tui_type "mortlake"
expect "60x20: the search works" "Mortlake, Edith" 5
expect_not "... not 'too small'" "Terminal too small"
check "... DIED still shown" sh -c 'printf "%s\n" "$1" | grep -q "DIED"' _ "$(line_of "Mortlake, Edith")"
check "... no line wider than 60" sh -c '! printf "%s\n" "$1" | grep -Eq "^.{61}"' _ "$(tui_screen)"
tui_send Escape
tui_wait "Main menu" 5 >/dev/null
menu 1
expect "60x20: the registration form" "New patient" 5
tui_type "Compactova"
tui_send Tab
tui_type "Ida"
tabs 3
tui_type "1977-07-07"
tui_send Tab
tui_type "f"
tabs 5
expect "... it scrolls to the fields below" "ZIP" 5
check "... the status bar on line 20" sh -c 'printf "%s\n" "$1" | sed -n 20p | grep -q "front (frontdesk)"' _ "$(tui_screen)"
tui_send F10
expect "... and registers" "Compactova, Ida" 10
tui_send Escape
tui_wait "Main menu" 5 >/dev/null

# ---- 200x50: the width is used ------------------------------------------------------
tui_resize 200 50
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "mortlake"
expect "200x50: the list splits the name into columns" "Last name" 5
expect "... first name" "First name"
expect "... and the date of death has a column" "Died"
check "... her row: last, first, DOB, age at death, date of death, mark" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "Mortlake +Edith +1944-05-01 +36 +F +1980-06-15 +DIED"' _ "$(line_of "Edith")"
tui_send Escape
tui_wait "Main menu" 5 >/dev/null
menu 1
tui_wait "New patient" 5 >/dev/null
check "200x50: the form in two columns (Patient beside Contact)" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "^ Patient +Contact"' _ "$(line_of "Patient")"
check "... Last name beside Home phone" sh -c 'printf "%s\n" "$1" | grep -Eq "Last name +Home phone"' _ "$(line_of "Last name")"
tui_type "Widefield"
tui_send Tab
tui_type "Una"
tabs 10
tui_type "(617) 555-0199"
tui_send Tab
expect "... Tab goes on to the second column" "617-555-0199" 5
check "... the cursor is on the Mobile phone line" sh -c 'printf "%s\n" "$1" | grep -q "Mobile phone"' _ "$(cursor_line)"
tui_send Escape
tui_wait "Cancel this registration" 5 >/dev/null
tui_send y
tui_stop
e2e_done
