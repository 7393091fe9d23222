#!/bin/sh
# test_tui_retention.sh - retention and destruction on screen (the test
# build's clock eleven years on): HIM opens "Retention and destruction"
# from the main menu, sees the chart due with its rule and date, opens it,
# is told a reason is required, types one, is asked (naming the MRN) and
# proposes it; the privacy officer opens the same item, sees the proposal
# with who proposed it, answers n to the question (nothing changes), then
# y: the chart is destroyed and the certificate shown; a chart under a
# legal hold is marked and cannot be proposed; the screen fits
# 80x24 and `audit verify` passes afterwards.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
AHEAD=$((11 * 366))
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
start_ahead() { # NAME
	tui_keep
	tmux -L "$TMUX_SOCK" set-environment -g CHARTROOM_TEST_DAYS_AHEAD "$AHEAD"
	BIN_SAVED=$BIN
	BIN=$TEST_BIN
	tui_start "$1"
	BIN=$BIN_SAVED
}

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Oldfile first_name=Philippa dob=1950-02-03 sex=F)" patient add 2>/dev/null)
held=$(clin front "$PW_FRONT" "$(csv last_name=Heldback first_name=Harold dob=1949-02-03 sex=M)" patient add 2>/dev/null)
{ [ -n "$mrn" ] && [ -n "$held" ]; }; check "setup: two patients registered today" [ $? -eq 0 ]
printf '%s\n' "$PW_HIM" | CHARTROOM_TEST_DAYS_AHEAD=$AHEAD "$TEST_BIN" --db "$DB" --user him --password-stdin hold add "$held" --reason "litigation pending" >/dev/null 2>&1
check "setup: one under a legal hold" [ "$(sql "select count(*) from retention_events where kind = 'hold'")" = 1 ]

# ---- HIM proposes ----
start_ahead him
signon him "$PW_HIM"
expect "HIM's main menu has Retention and destruction" "Retention and destruction"
expect "the menu counts the retention decision waiting" "1 retention decision" 5
menu_open "HIM work queue"
expect "HIM's work queue lists the chart past retention" "Past retention: propose" 10
expect "... naming it" "$mrn"
expect_not "... not the held one" "$held"
tui_send Enter
expect "Enter on it opens the retention screen's charts due" "Charts due" 10
expect "... with the chart, its rule and due date" "$mrn"
expect "... the adult rule" "adult"
expect "... the patient's name" "Oldfile, Philippa"
expect "the held chart is marked ON HOLD" "ON HOLD"
tui_send Down
tui_send Enter
tui_wait "Record dates" 5 >/dev/null
tui_type "Past retention"
tui_send F10
expect "a held chart cannot be proposed, on screen" "MRN $held is under a legal hold" 5
expect_not "... and no question is asked" "for destruction? (y/n)"
tui_send Escape
tui_wait "Charts due" 5 >/dev/null
tui_send Home
tui_send Enter
expect "the chart's details open" "Record dates" 5
expect "... with the reason field" "Reason"
tui_send F10
expect "a reason is required" "The reason for the proposal is required" 5
tui_type "Past retention; no hold; checked with the file room"
tui_send F10
expect "the question names the MRN" "Propose MRN $mrn (Oldfile, Philippa) for destruction? (y/n)" 5
tui_send y
expect "proposed, waiting for the privacy officer" "waiting for the privacy officer" 10
expect "the list shows it proposed" "proposed" 5
check "the proposal is in the file" [ "$(sql "select count(*) from retention_events where kind = 'propose'")" = 1 ]
tui_stop

# ---- the privacy officer approves ----
start_ahead priv
signon priv "$PW_PRIV"
expect "the privacy officer's menu has it too" "Retention and destruction"
menu_open "Retention and destruction"
expect "the proposals open" "Proposals" 10
expect "... with the chart and who proposed it" "him"
expect "... the MRN" "$mrn"
tui_send Enter
expect "the proposal's details: why" "Past retention; no hold" 5
tui_send Enter
expect "asked first, naming the MRN" "DESTROY MRN $mrn (Oldfile, Philippa) for good?" 5
tui_send n
expect "n changes nothing" "Nothing was changed." 5
check "... the chart is still there" [ "$(sql "select count(*) from patients")" = 2 ]
tui_send Enter
tui_wait "DESTROY MRN" 5 >/dev/null
tui_send y
expect "y destroys it, with its certificate" "destroyed on" 10
expect "... certificate 1" "certificate 1"
expect "the proposals list is empty" "No proposal is waiting for approval." 5
ok_fit=1
tui_screen | awk 'length > 80 { exit 1 }' || ok_fit=0
check "the screen fits 80 columns" [ "$ok_fit" = 1 ]
tui_stop
tmux -L "$TMUX_SOCK" set-environment -g -u CHARTROOM_TEST_DAYS_AHEAD
check "the patient row is gone; the held one stays" [ "$(sql "select count(*) from patients")" = 1 ]
check "a certificate is kept" [ "$(sql "select approved_by from destruction_certificates")" = priv ]
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "audit verify passes after the destruction" [ $? -eq 0 ]
# ---- a merged survivor: the question says its merged chart goes with it ----
MA=$(clin front "$PW_FRONT" "$(csv last_name=Keepsake first_name=Mira dob=1951-05-06 sex=F)" patient add --register-anyway 2>/dev/null)
MB=$(clin front "$PW_FRONT" "$(csv last_name=Keepsake first_name=Mirah dob=1951-05-06 sex=F)" patient add --register-anyway 2>/dev/null)
MID=$(cli him "$PW_HIM" merge "$MA" "$MB" --reason "same person" 2>/dev/null)
out=$(cli_at $AHEAD him "$PW_HIM" retention propose "$MA" --reason "past retention" 2>&1)
MPROP=$(printf '%s' "$out" | sed -n 's/^Proposal \([0-9]*\):.*/\1/p')
{ [ -n "$MA" ] && [ -n "$MB" ] && [ -n "$MID" ] && [ -n "$MPROP" ]; }; check "setup: two charts merged, the survivor proposed" [ $? -eq 0 ]
start_ahead priv
signon priv "$PW_PRIV"
menu_open "Retention and destruction"
expect "the survivor's proposal is listed" "$MA" 10
tui_send Enter
expect "its details open" "past retention" 5
tui_send Enter
expect "asked first, naming the survivor" "DESTROY MRN $MA (Keepsake, Mira) for good?" 5
expect "... and saying the merged chart goes with it" "1 chart merged into it is destroyed with it" 5
tui_send n
expect "n changes nothing" "Nothing was changed." 5
check "... both charts are still there" [ "$(sql "select count(*) from patients where prow in (select keep_prow from merges union select retire_prow from merges)")" = 2 ]
tui_stop
tmux -L "$TMUX_SOCK" set-environment -g -u CHARTROOM_TEST_DAYS_AHEAD
e2e_done
