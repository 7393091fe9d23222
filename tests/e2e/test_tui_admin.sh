#!/bin/sh
# test_tui_admin.sh - the administrator's screens: the users list (with a
# locked account and a detail box), audit review (newest first, the
# sign-ons in it, scrolling), verifying the chain (OK, then BROKEN after
# the database is tampered with behind Chartroom's back).
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
# line_with "text": the screen line holding text
line_with() { tui_screen | grep -F -- "$1" | head -1; }

# Some history first: a failed sign-on for him, and him locked out.
for i in 1 2 3; do cli him "wrong-password-$i" user list >/dev/null 2>&1; done
check "setup: him is locked" test "$(sql "select locked from users where name='him'")" -eq 1

tui_start admin
signon admin "$PW_ADMIN"
expect "admin menu" "Main menu for admin (admin)" 10

# Users (third item: Audit review, Verify audit chain, Users).
tui_send Down
tui_send Down
tui_send Enter
expect "users list opens" "Last sign-on" 10
expect "title bar names the screen" "Chartroom | Users"
for u in admin front nurse prov him priv; do
	expect "users list shows $u" " $u "
done
check "admin's row: role admin, active, no clinical key (issue 10)" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *admin +admin +active +20.* demo,audit *$'" - "$(line_with ' admin ')"
check "front desk's row: never signed on, no clinical key" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *front +frontdesk +active +never +0 +demo,audit *$'" - "$(line_with ' front ')"
check "him's row: LOCKED with 3 failures" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^ *him +him +LOCKED +never +3 '" - "$(line_with ' him ')"
expect "row count shown" "rows 1-6 of 6"
tui_send End
tui_send Enter
expect "Enter shows the selected user in full" "Failed tries:" 5
expect "... the last user in the list is prov (sorted by name)" "User:          prov"
tui_send Escape
sleep 0.3
tui_send Escape
expect "Esc goes back to the menu" "Main menu for admin" 5

# Audit review (first item).
tui_send Home
tui_send Enter
expect "audit review opens" "Outcome  Target" 10
expect "the review itself is the newest entry, at the top" "audit_view"
check "newest first: the first row is the audit_view just made" sh -c "printf '%s\n' \"\$1\" | sed -n 3p | grep -q 'audit_view'" - "$(tui_screen)"
expect "admin's sign-on is listed" "login"
expect "failed sign-ons are listed" "login_failed"
expect "the lockout is listed" "account_locked"
first=$(tui_screen | sed -n 3p)
tui_send PPage
tui_send NPage
tui_send NPage
sleep 0.3
check "PgDn scrolls the list" test "$(tui_screen | sed -n 3p)" != "$first"
tui_send Home
tui_send Enter
expect "Enter shows the whole entry" "Sequence:" 5
expect "... with its detail" "Detail:"
tui_send Escape
sleep 0.3
# Find (/): type, Enter jumps to the next matching entry.
tui_send /
expect "/ opens a find field" "Find:" 5
tui_type "account_locked"
tui_send Enter
sleep 0.3
tui_send Enter
expect "Enter on the found row shows the matching entry" "Action:    account_locked" 5
tui_send Escape
sleep 0.3
tui_send /
tui_send C-u
tui_type "no-such-thing-q?"
expect "q and ? are typed into the find field" "Find: no-such-thing-q?" 5
tui_send Enter
expect "a search that finds nothing says so" 'No entry contains "no-such-thing-q?".' 5
tui_send Home
tui_send F5
expect "F5 reads the trail again (a second audit_view)" "rows 1-" 5
check "two reviews recorded" test "$(sql "select count(*) from audit where action='audit_view'")" -eq 2
tui_send q
expect "q closes the list" "Main menu for admin" 5

# Verify the chain (second item).
tui_send Down
tui_send Enter
n=$(sql "select count(*) from audit")
expect "verify shows the chain OK with the count" "audit chain OK: $n entries" 10
tui_send Escape
tui_wait "Main menu for admin" 5 >/dev/null

# Tamper with one entry behind the program's back: verify must name it.
sql "update audit set outcome='ok' where action='login_failed' and seq=(select min(seq) from audit where action='login_failed')"
bad=$(sql "select min(seq) from audit where action='login_failed'")
tui_send Enter
expect "a tampered trail is reported BROKEN" "audit chain BROKEN at sequence $bad" 10
expect "... with what to do" "tell your privacy officer"
tui_send Escape
tui_wait "Main menu for admin" 5 >/dev/null
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit" "[exit 0]" 10
e2e_done
