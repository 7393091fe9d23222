#!/bin/sh
# test_tui_users.sh - the administrator's work on screen (issue 16): on the
# Users screen the admin adds a user (the password policy's refusal shown,
# the password typed twice), changes their role (asked y/n first), disables
# them; the screen, the database (`user list`, the users table) and the
# audit trail (user_add, user_role, user_disable) agree, and the new user
# signs on before being disabled and not after. Then enabling with a new
# password, unlocking and a password reset; core's refusals on the message
# line; a non-admin sees no Users item, and an admin whose role was changed
# meanwhile gets core's refusal instead of a form. The Configuration screen
# shows a policy value and where it came from. All at 80x24.
. "$(dirname "$0")/lib.sh"
e2e_setup

PW_DANA='Maple-harbour-lantern-42'
PW_DANA2='Quiet-orchard-bicycle-77'
PW_DANA3='Copper-meadow-violin-19'
PW_ADMIN2='second-admin-password-for-tests'
printf '%s\n%s\n' "$PW_ADMIN" "$PW_ADMIN2" | "$BIN" --db "$DB" --user admin --password-stdin \
	user add admin2 --role admin 2>>"$T/init.err"
check "setup: a second administrator" [ $? -eq 0 ]

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
}
# line_with "text": the screen line holding text
line_with() { tui_screen | grep -F -- "$1" | head -1; }
# row_is USER 'ERE': the user's row on the Users screen matches
row_is() { printf '%s\n' "$(line_with " $1 ")" | grep -Eq "^ *$1 +$2"; }
# listed USER: the line of `user list` for USER (tab-separated)
listed() { cli admin "$PW_ADMIN" user list 2>/dev/null | awk -F '\t' -v u="$1" '$1 == u'; }
# signs_on USER PASSWORD: the password is accepted (a refusal of the
# command itself, exit 4, comes after the sign-on)
signs_on() { cli "$1" "$2" user list >/dev/null 2>&1; [ $? -eq 4 ]; }
# audit_of ACTION TARGET: entries of ACTION on TARGET by admin
audit_of() { sql "select count(*) from audit where action='$1' and target='$2' and user_name='admin'"; }

tui_start admin
S_ADMIN=$S
signon admin "$PW_ADMIN"
expect "admin menu" "Main menu for admin (admin)" 10
expect "the admin's menu offers Users" "Users"
expect "... and Configuration" "Configuration"

# Users: Audit review, Verify audit chain, Users.
tui_send Down
tui_send Down
tui_send Enter
expect "the Users screen opens" "Last sign-on" 10
for k in "a add" "r role" "x disable/enable" "u unlock" "w password"; do
	expect "the key bar offers '$k'" "$k"
done
expect "the key bar fits 80 columns (its last hint whole)" "w password   Enter details"
tui_send '?'
expect "? opens the help" "What it does" 5
tui_send End
expect "the help lists the role key" "r              role          Users: change the selected user's role" 5
expect "... the unlock key" "u              unlock        Users: unlock a locked-out account"
expect "... the new-password key" "w              new_password  Users: set a new password for the selected user"
tui_send Escape
expect "Esc: back to the list" "Last sign-on" 5

# --- add a user ---------------------------------------------------------
tui_send a
expect "a opens the form adding a user" "Add a user" 5
expect "... which says what the role chosen may do" "Front desk: registration, search, check-in. May:"
tui_type "dana"
tui_send Tab
tui_send Tab
tui_type "tiny9"
tui_send Tab
expect "a short first password: the password policy's message" "The password is too short: use at least 15 characters" 10
expect_not "the password is never shown" "tiny9"
tui_send C-u
tui_type "$PW_DANA"
tui_send Tab
tui_type "$PW_DANA-typo"
tui_send Enter
expect "two passwords that differ are refused" "The two passwords differ" 10
check "nothing was added yet" test "$(sql "select count(*) from users where name='dana'")" -eq 0
tui_type "$PW_DANA"
tui_send Tab
tui_type "$PW_DANA"
tui_send Enter
expect "the user is added" "User dana added with role frontdesk." 15
expect "the list is read again and shows the new user" " dana "
check "dana's row: frontdesk, active, never signed on" row_is dana "frontdesk +active +never +0 "
check "user list: dana, frontdesk, active" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^dana	frontdesk	active	never	0	'" _ "$(listed dana)"
check "audit: user_add of dana by admin" test "$(audit_of user_add dana)" -eq 1
check "the new user signs on" signs_on dana "$PW_DANA"

# The new user on screen: a front-desk menu, no Users (no add key).
tui_start dana
S_DANA=$S
signon dana "$PW_DANA"
expect "dana signs on on screen" "Main menu for dana (frontdesk)" 10
expect_not "a non-admin has no Users item" "Users"
expect_not "... nor Configuration" "Configuration"
tui_send a
sleep 0.3
expect_not "a on a non-admin's menu adds nobody" "Add a user"
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "dana quits" "[exit 0]" 10
S=$S_ADMIN

# --- change the role ----------------------------------------------------
# Sorted by name: admin, admin2, dana, ...
tui_send Home
tui_send Down
tui_send Down
tui_send r
expect "r opens the role chooser for the selected user" "New role for dana (now frontdesk)" 5
expect "... listing the roles" "Privacy officer: audit and disclosures review"
tui_send Down
expect "... and what the highlighted role may do" "nurse may:" 5
tui_send Enter
expect "the change is asked first, naming the user and both roles" "Change dana's role from frontdesk to nurse?" 5
tui_send n
expect "n changes nothing" "Nothing was changed." 5
check "... dana is still front desk" test "$(sql "select role from users where name='dana'")" = frontdesk
tui_send Enter
tui_wait "Change dana's role" 5 >/dev/null
tui_send y
expect "y changes it" "dana now has the role nurse." 15
expect "back on the list" "Last sign-on" 5
check "dana's row shows the new role" row_is dana "nurse +active "
check "user list: dana is a nurse" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^dana	nurse	active	'" _ "$(listed dana)"
check "audit: user_role of dana by admin" test "$(audit_of user_role dana)" -eq 1

# --- core's refusals on the message line --------------------------------
tui_send Home
tui_send x
expect "x on one's own account asks first" "Disable admin? They can no longer sign on" 5
tui_send y
expect "core refuses: one's own account" "You cannot disable your own account." 10
tui_send w
expect "w on oneself points to Change my password" "Change my password" 5

# --- disable ------------------------------------------------------------
tui_send Down
tui_send Down
tui_send x
expect "x asks before disabling, naming the user" "Disable dana? They can no longer sign on; their keys are removed. (y/n)" 5
tui_send Escape
expect "Esc answers no" "Nothing was changed." 5
check "... dana is still enabled" test "$(sql "select disabled from users where name='dana'")" -eq 0
tui_send x
tui_wait "Disable dana?" 5 >/dev/null
tui_send y
expect "dana is disabled" "User dana disabled; their keys were removed." 15
check "dana's row: disabled, no keys" row_is dana "nurse +disabled .* none *$"
check "user list: dana disabled" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^dana	nurse	disabled	'" _ "$(listed dana)"
check "users table: disabled = 1" test "$(sql "select disabled from users where name='dana'")" -eq 1
check "audit: user_disable of dana by admin" test "$(audit_of user_disable dana)" -eq 1
check "dana can no longer sign on (command line: exit 3)" sh -c "printf '%s\n' '$PW_DANA' | '$BIN' --db '$DB' --user dana --password-stdin user list >/dev/null 2>&1; [ \$? -eq 3 ]"
tui_start dana2
tui_wait "Password:" 15 >/dev/null
tui_type dana
tui_send Tab
tui_type "$PW_DANA"
tui_send Enter
expect "... nor on screen" "Sign-on failed." 15
tui_stop
S=$S_ADMIN
tui_send w
expect "w on a disabled user says how to enable them" "dana is disabled: x enables them with a new password." 5

# --- enable, with a new password ----------------------------------------
tui_send x
expect "x on a disabled user asks to enable" "Enable dana? Next you set a new password for them. (y/n)" 5
tui_send y
expect "... then asks the new password" "Enable dana: a new password" 5
tui_type "$PW_DANA2"
tui_send Tab
tui_type "$PW_DANA2"
tui_send Enter
expect "dana is enabled" "User dana enabled with a new password." 15
check "dana's row: active again" row_is dana "nurse +active "
check "audit: user_enable of dana" test "$(audit_of user_enable dana)" -eq 1
check "dana signs on with the new password" signs_on dana "$PW_DANA2"
check "... not the old one" sh -c "printf '%s\n' '$PW_DANA' | '$BIN' --db '$DB' --user dana --password-stdin user list >/dev/null 2>&1; [ \$? -eq 3 ]"

# --- unlock -------------------------------------------------------------
tui_send u
expect "u on an account not locked says so" "dana is not locked out." 5
for i in 1 2 3; do cli dana "wrong-password-$i" user list >/dev/null 2>&1; done
tui_send F5
expect "F5: dana LOCKED after 3 failures" "LOCKED" 10
tui_send u
expect "u asks first, naming the user" "Unlock dana (3 failed sign-ons)?" 5
tui_send y
expect "dana is unlocked" "User dana unlocked." 10
check "audit: user_unlock of dana" test "$(audit_of user_unlock dana)" -eq 1
check "dana signs on again" signs_on dana "$PW_DANA2"

# --- a new password -----------------------------------------------------
tui_send w
expect "w asks first, naming the user" "Set a new password for dana? Their current one stops working." 5
tui_send y
expect "... then the form" "New password for dana" 5
tui_type "passwordpassword"
tui_send Tab
tui_type "passwordpassword"
tui_send Enter
expect "core's password policy refuses a common one, in full" "That password is on the list of commonly used passwords" 15
tui_type "$PW_DANA3"
tui_send Tab
tui_type "$PW_DANA3"
tui_send Enter
expect "the password is set" "Password for dana changed." 15
check "audit: user_passwd of dana (a reset)" test "$(audit_of user_passwd dana)" -eq 1
check "dana signs on with it" signs_on dana "$PW_DANA3"

# Nothing typed reached the screen dump, the database or the trail.
check "no password in the database file" sh -c "! grep -qa -e '$PW_DANA' -e '$PW_DANA2' -e '$PW_DANA3' '$DB' '$DB-wal' 2>/dev/null"

# --- the Configuration screen -------------------------------------------
tui_send Escape
tui_wait "Main menu for admin" 5 >/dev/null
tui_send Home
tui_send Down
tui_send Down
tui_send Down
tui_send Down # Audit review, Verify audit chain, Users, Reports, Configuration
tui_send Enter
expect "Configuration opens" "Policy setting" 10
expect "the title bar names it" "Chartroom | Configuration"
# The heading can show a moment before the rows under it (seen under load).
tui_wait "security.password_min_length" 5 >/dev/null
check "a value set in the database, with when (in the clinic's zone) and who set it" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *security\.lockout_after +3 +20[0-9-]+ [0-9:]+ UTC by admin *$'" _ "$(line_with 'security.lockout_after')"
check "a default value says so" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *security\.password_min_length +15 +default *$'" _ "$(line_with 'security.password_min_length')"
tui_send Down
tui_send Enter
expect "Enter shows where the value came from in full" "From:     the database: set by admin at" 5
tui_send Escape
sleep 0.3
tui_send End
expect "the list scrolls to the role matrix" "policy_manage" 5
check "the matrix row: only the admin may manage users" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *user_manage +- +- +- +- +- +yes *$'" _ "$(line_with 'user_manage')"
# PgUp until the matrix's heading shows (the matrix is longer than a page
# as the actions grow; each press is waited for).
for _ in 1 2 3 4 5; do
	tui_send PPage
	tui_wait "Action  " 2 >/dev/null && break
done
expect "PgUp: the matrix's heading" "Action " 5
# 80 columns: the last column is there whole.
check "the matrix's last column (admin) fits" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *Action +frontdesk +nurse +provider +him +privacy +admin *$'" _ "$(line_with 'Action ')"
tui_send Home
tui_wait "rows 1-" 2 >/dev/null
for _ in 1 2 3 4 5; do
	tui_wait "Its actions come from" 2 >/dev/null &&
		line_with ' frontdesk ' | grep -q default && break
	tui_send NPage
done
expect "... with where each role's actions come from" "Its actions come from" 5
check "a role's row: where its actions come from, how many" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *frontdesk +default +[0-9]+ of [0-9]+ actions *$'" _ "$(line_with ' frontdesk ')"
tui_send Home
expect "the settings' last column fits" "From (or when, by whom)" 5
tui_send Escape
tui_wait "Main menu for admin" 5 >/dev/null
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "admin quits" "[exit 0]" 10

# --- a privacy officer: Configuration, no Users --------------------------
tui_start priv
signon priv "$PW_PRIV"
expect "privacy officer's menu" "Main menu for priv (privacy)" 10
expect "the privacy officer sees Configuration" "Configuration"
expect_not "... and no Users" "Users"
tui_stop

# --- an admin whose role was changed meanwhile: core refuses -------------
tui_start admin2
signon admin2 "$PW_ADMIN2"
expect "admin2 signs on" "Main menu for admin2 (admin)" 10
tui_send Down
tui_send Down
tui_send Enter
expect "admin2's Users screen" "Last sign-on" 10
cli admin "$PW_ADMIN" user role admin2 privacy >/dev/null 2>&1
check "meanwhile the admin makes admin2 a privacy officer" [ $? -eq 0 ]
tui_send a
expect "a: core's refusal instead of the form" "Your role was changed by an administrator" 10
expect_not "... no form opened" "Add a user"
expect "... and admin2 must sign on again" "Password:" 10
check "admin2 added nobody" test "$(sql "select count(*) from audit where action='user_add' and user_name='admin2'")" -eq 0
e2e_done
