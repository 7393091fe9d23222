#!/bin/sh
# test_listed.sh - "searched and listed" (issue 12 item 1): a front-desk
# search on screen lists patients; the privacy officer's access report of
# each listed patient shows the search (who, role, the kind of search,
# never what was typed, origin), on the command line and on screen, and
# the report of a patient the search did not list does not. The listed
# patients are on the audit chain: audit verify passes, and finds a pair
# of audit_listed removed, added or moved, and an entry's listing edited
# with sqlite3.
. "$(dirname "$0")/lib.sh"
e2e_setup
printf '[ui]\ncolor = never\n' >> "$CONF"

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
line_no() { tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
menu_open() {
	top=$(line_no "Main menu for")
	at=$(line_no "$1")
	tui_send Home
	i=$((top + 2))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}
PV() { cli priv "$PW_PRIV" "$@"; }
verify() { cli admin "$PW_ADMIN" audit verify >"$T/verify.out" 2>&1; }

m1=$(clin front "$PW_FRONT" "$(csv last_name=Quarrington first_name=Ottilie dob=1971-04-04 sex=F)" patient add 2>/dev/null)
m2=$(clin front "$PW_FRONT" "$(csv last_name=Quarry first_name=Bram dob=1980-02-02 sex=M)" patient add 2>/dev/null)
m3=$(clin front "$PW_FRONT" "$(csv last_name=Zeller first_name=Anke dob=1990-03-03 sex=F)" patient add 2>/dev/null)
{ [ -n "$m1" ] && [ -n "$m2" ] && [ -n "$m3" ]; }; check "setup: three patients" [ $? -eq 0 ]

# ---- the front desk searches on screen ----------------------------------------
tui_start front
signon front "$PW_FRONT"
menu_open "Find a patient"
tui_wait "Find:" 5 >/dev/null
tui_type "quarr"
expect "the front desk's search lists both Quarr patients" "Quarrington" 10
expect "... and Quarry" "Quarry"
quit_app

# ---- the privacy officer's report, command line ----------------------------------
out=$(PV audit patient "$m1" 2>"$T/err")
check "the access report of a listed patient runs" [ $? -eq 0 ]
check "it shows the front desk's search as searched and listed, by name" sh -c "printf '%s' \"\$1\" | grep 'front' | grep -q 'searched and listed (by name)'" _ "$out"
check "... with the role and the origin" sh -c "printf '%s' \"\$1\" | grep 'searched and listed' | grep -q 'frontdesk .*\[local'" _ "$out"
check "... and never the text typed" sh -c "! printf '%s' \"\$1\" | grep -qi 'quarr[^iy]'" _ "$out"
out2=$(PV audit patient "$m2" 2>/dev/null)
check "the other listed patient's report shows the same search" sh -c "printf '%s' \"\$1\" | grep 'front' | grep -q 'searched and listed'" _ "$out2"
out3=$(PV audit patient "$m3" 2>/dev/null)
check "a patient the search did not list: no search in the report" sh -c "! printf '%s' \"\$1\" | grep -q 'searched and listed'" _ "$out3"
out4=$(PV audit user front 2>/dev/null)
check "the front desk's own report (audit user) shows the search for each patient it listed" sh -c "printf '%s' \"\$1\" | grep 'searched and listed' | grep -q \"$m1\" && printf '%s' \"\$1\" | grep 'searched and listed' | grep -q \"$m2\"" _ "$out4"
check "... with the patients' names for the privacy officer" sh -c "printf '%s' \"\$1\" | grep 'searched and listed' | grep -q 'Quarrington'" _ "$out4"
check "... and not for a patient the search did not list" sh -c "! printf '%s' \"\$1\" | grep 'searched and listed' | grep -q \"$m3\"" _ "$out4"
p1=$(sql "select prow from patients where id = (select target from audit where action = 'patient_register' order by seq limit 1)")
check "the search's trail entry lists the patients by row number (no PHI)" [ "$(sql "select count(*) from audit where action = 'patient_search' and listed is not null and listed not glob '*[^0-9 ]*'")" -ge 1 ]
check "audit_listed indexes them by patient" [ "$(sql "select count(*) from audit_listed where prow = $p1")" -ge 1 ]
check "no plaintext name in the trail's listing" [ "$(sql "select count(*) from audit where listed like '%Quarr%'")" = 0 ]

# ---- on screen ---------------------------------------------------------------------
tui_start priv
signon priv "$PW_PRIV"
menu_open "Privacy review"
tui_wait "Access report: who opened" 5 >/dev/null
tui_send Home
tui_send Enter
tui_wait "Type the MRN" 5 >/dev/null
tui_type "$m1"
tui_send F10
expect "the report on screen names the patient" "Who opened the chart of $m1 Quarrington, Ottilie" 10
expect "... and shows the front desk's search" "searched and listed (by name)" 5
quit_app

# ---- the chain covers the listing ----------------------------------------------------
verify
check "audit verify passes with the listings" grep -q "audit chain OK" "$T/verify.out"
seq=$(sql "select seq from audit_listed where prow = $p1 order by seq desc limit 1")
sql "delete from audit_listed where prow = $p1 and seq = $seq"
verify
check "a listing removed from audit_listed is found" grep -q "no longer records" "$T/verify.out"
sql "insert into audit_listed(prow, seq) values ($p1, $seq)"
verify
check "put back, audit verify passes again" grep -q "audit chain OK" "$T/verify.out"
p3=$(sql "select prow from patients where prow not in (select prow from audit_listed) limit 1")
sql "insert into audit_listed(prow, seq) values ($p3, $seq)"
verify
check "a listing added to audit_listed (a forged search) is found" grep -q "audit chain BROKEN" "$T/verify.out"
sql "delete from audit_listed where prow = $p3"
sql "update audit_listed set prow = $p3 where prow = $p1 and seq = $seq"
verify
check "a listing moved to another patient is found" grep -q "audit chain BROKEN" "$T/verify.out"
sql "update audit_listed set prow = $p1 where prow = $p3 and seq = $seq"
old=$(sql "select listed from audit where seq = $seq")
sql "update audit set listed = '$p3' where seq = $seq"
verify
check "the entry's own listing edited breaks its MAC" grep -q "does not match its MAC" "$T/verify.out"
sql "update audit set listed = '$old' where seq = $seq"
verify
check "restored, the chain verifies" grep -q "audit chain OK" "$T/verify.out"
e2e_done
