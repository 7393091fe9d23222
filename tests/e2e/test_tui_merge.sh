#!/bin/sh
# test_tui_merge.sh - merging a duplicate chart on screen (issue 13 item 4):
# an HIM clerk scans, compares the pair, presses m, is refused without a
# reason (naming the field), types one and merges chart B into chart A;
# the pair leaves the worklist, every record of B is on A, audit verify
# passes; the merge is then undone on the command line (`unmerge`, the
# number the screen reported) and the pair is back on the worklist.
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
verify() { printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit verify >/dev/null 2>&1; }
reg() { clin front "$PW_FRONT" "$(csv "$@")" patient add --register-anyway 2>/dev/null; }
pa=$(reg last_name=Quintrell first_name=Adabelle dob=1988-09-30 sex=F ssn=123-45-6789)
pb=$(reg last_name=Quintrel first_name=Adabelle dob=1988-09-03 sex=F ssn=123-45-6789)
eb=$(clin front "$PW_FRONT" "$(csv visit_reason="screen merge visit")" encounter add "$pb" --type "office visit" --provider prov 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv substance=Penicillin reaction=hives)" allergy add "$pb" --severity severe >/dev/null 2>&1
check "setup: two charts, the second with an encounter and an allergy" sh -c "[ -n '$pa' ] && [ -n '$pb' ] && [ -n '$eb' ]"

tui_start him
signon him "$PW_HIM"
expect "HIM's menu has Duplicate charts" "Duplicate charts" 10
menu_open "Duplicate charts"
tui_wait "F5 scans" 10 >/dev/null
tui_send F5
expect "the scan finds the pair" "$pb" 20
tui_send Enter
expect "Enter compares the charts" "Chart A" 10
expect "the footer offers the merge" "m: merge B into A" 5
tui_send m
expect "m asks to confirm with a reason, naming both MRNs" "Merge B ($pb) into A ($pa)?" 5
tui_send Enter
expect "an empty reason is refused naming the field" "Reason:" 5
check "nothing was merged" [ "$(sql "select count(*) from merges")" = 0 ]
tui_type "Same patient, typo in the date of birth"
tui_send Enter
expect "the merge is reported with its number" "Merge 1: MRN $pb merged into MRN $pa" 15
expect "the pair leaves the worklist" "No duplicate candidates" 10
check "every record of B is on A" [ "$(sql "select count(*) from encounters where prow = (select keep_prow from merges)") / $(sql "select count(*) from allergies where prow = (select retire_prow from merges)")" = "1 / 0" ]
check "the merge is audited on both charts" [ "$(audited chart_merge him)" = 2 ]
check "the reason is not in the file" sh -c "! sqlite3 '$DB' .dump | grep -q 'typo in the date'"
check "the screen fits 80 columns" sh -c "[ \$(tmux -L '$TMUX_SOCK' capture-pane -p -t '$S' | awk '{ if (length > m) m = length } END { print m+0 }') -le 80 ]"
quit_app
check "audit verify passes after the merge" verify

cli him "$PW_HIM" unmerge 1 --reason "Merged by mistake" >/dev/null 2>&1
check "the merge is undone (unmerge 1)" [ $? -eq 0 ]
check "the records are back on B" [ "$(sql "select count(*) from allergies where prow = (select retire_prow from merges)")" = 1 ]
out=$(cli him "$PW_HIM" duplicates list 2>/dev/null)
check "and the pair is back on the worklist" sh -c "printf '%s' \"\$1\" | grep -q \"$pa .*$pb\"" _ "$out"
check "audit verify passes after the unmerge" verify
e2e_done
