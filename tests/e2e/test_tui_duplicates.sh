#!/bin/sh
# test_tui_duplicates.sh - the duplicate-chart worklist on screen (HIM):
# the menu item, F5 scans every chart with a percentage shown, the pairs
# listed with both MRNs, Enter compares the two charts side by side with
# the differences marked, n asks why they are not the same person (an
# empty reason is refused naming the field), the pair leaves the list and
# is on the do-not-link list. Fits 80x24. A nurse has no such item.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
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
reg() { clin front "$PW_FRONT" "$(csv "$@")" patient add --register-anyway 2>/dev/null; }
pa=$(reg last_name=Quintrell first_name=Adabelle dob=1988-09-30 sex=F ssn=123-45-6789)
pb=$(reg last_name=Quintrel first_name=Adabelle dob=1988-09-03 sex=F ssn=123-45-6789)
pc=$(reg last_name=Osterhaus first_name=Lemuel dob=1961-02-14 sex=M)
check "setup: three patients" sh -c "[ -n '$pa' ] && [ -n '$pb' ] && [ -n '$pc' ]"

tui_start nurse
signon nurse "$PW_NURSE"
tui_wait "Main menu for nurse" 10 >/dev/null
expect_not "a nurse has no Duplicate charts item" "Duplicate charts"
quit_app

tui_start him
signon him "$PW_HIM"
expect "HIM's menu has Duplicate charts" "Duplicate charts" 10
menu_open "Duplicate charts"
expect "the worklist opens, empty before any scan" "No duplicate candidates. F5 scans every chart." 10
tui_send F5
expect "F5 scans and says what it found" "3 patients scanned: 1 duplicate candidate" 20
expect "the pair is listed with chart A's MRN" "$pa" 10
expect "... and chart B's" "$pb"
check "the scan is audited" [ "$(audited dup_scan him)" = 1 ]
check "the screen fits 80 columns" sh -c "[ \$(tmux -L '$TMUX_SOCK' capture-pane -p -t '$S' | awk '{ if (length > m) m = length } END { print m+0 }') -le 80 ]"
tui_send Enter
expect "Enter compares the charts side by side" "Chart A" 10
expect "... the birth dates of both" "1988-09-03"
expect "... what matched, on two lines at 80 columns" "SSN last 4"
expect "... differences marked" "* the two charts differ here."
expect "... and each chart's counts of records" "Encounters"
expect "... down to paper-chart events" "Paper-chart events"
check "viewing the pair is audited on both charts" [ "$(audited dup_view him)" = 2 ]
tui_send n
expect "n asks why they are not the same person" "Why are these not the same person?" 5
tui_send Enter
expect "an empty reason is refused naming the field" "Reason:" 5
tui_type "Twin sisters, seen together at the desk"
tui_send Enter
expect "saved: the pair leaves the worklist" "left the duplicate worklist" 10
expect "the list is empty again" "No duplicate candidates" 10
check "the pair is on the do-not-link list" [ "$(sql "select count(*) from dup_not_same")" = 1 ]
check "the reason is not in the file" sh -c "! sqlite3 '$DB' .dump | grep -q 'Twin sisters'"
out=$(cli him "$PW_HIM" duplicates not-same-list)
check "with its reason" sh -c "printf '%s' \"\$1\" | grep -q 'Twin sisters, seen together at the desk'" _ "$out"
tui_send Escape
tui_wait "Main menu for him" 10 >/dev/null
quit_app
e2e_done
