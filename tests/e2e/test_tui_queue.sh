#!/bin/sh
# test_tui_queue.sh - the HIM work queue on screen: the main menu counts
# what waits at sign-on; an HIM clerk opens the work queue, sees a coding
# item and a deficiency with their patients (the overdue one first, marked
# in words), filters by kind (Tab) and by assignee (Shift-Tab), and Enter
# on the coding item opens the coding screen of that encounter; an ROI
# request opens its details. The privacy officer's queue holds the
# break-the-glass review; the front desk has no work queue. Opening is
# audited once per opening.
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
line_no() { tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
menu_open() {
	top=$(line_no "Main menu for")
	at=$(line_no "$1")
	tui_send Home
	i=$((top + 2))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
# the line of the screen holding text
row_of() { tui_screen | grep -F -- "$1" | head -1; }
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Queuewood first_name=Ottoline dob=1955-02-03 sex=F)" patient add 2>/dev/null)
mrn2=$(clin front "$PW_FRONT" "$(csv last_name=Backlogge first_name=Percival dob=1961-07-08 sex=M)" patient add 2>/dev/null)
mc=$(clin front "$PW_FRONT" "$(csv last_name=Glassworth first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
old=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 2" --date 2026-01-05 2>/dev/null)
new=$(cli front "$PW_FRONT" encounter add "$mrn2" --type "follow-up" --provider prov --location "Room 3" 2>/dev/null)
cli nurse "$PW_NURSE" encounter close "$new" >/dev/null 2>&1
R=$(clin him "$PW_HIM" "$(csv recipient_name="Acme Insurance")" roi add "$mrn" --requester payer 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv reason="patient in triage with chest pain")" patient show "$mc" >/dev/null 2>&1
# a second access (newer, so first in the review list): Enter on the
# first one's queue item must open that one, not the top of the list
mc2=$(clin front "$PW_FRONT" "$(csv last_name=Shardlake first_name=Imogen dob=1971-03-04 sex=F)" patient add --confidential 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv reason="covering the ward round for Dr Ames")" patient show "$mc2" >/dev/null 2>&1
check "setup: patients, an old open encounter, a closed one, an ROI request, a break-the-glass" \
	sh -c "[ -n '$mrn' ] && [ -n '$old' ] && [ -n '$new' ] && [ -n '$R' ]"

# ---- the HIM clerk ---------------------------------------------------------
tui_start him 120 30
signon him "$PW_HIM"
expect "the menu counts the work waiting at sign-on" "Work queue: 1 coding, 2 deficiencies, 1 ROI due" 5
menu_open "HIM work queue"
expect "the HIM work queue opens (no longer 'not yet available')" "Work queue: 4 items, every kind" 10
expect "a coding item with its patient's name" "Backlogge, Percival" 5
expect "... and its MRN" "$mrn2"
expect "the deficiency of the old open encounter" "Encounter still open (O$old)"
expect "the ROI request" "ROI request $R"
row=$(row_of "Encounter still open")
check "the overdue deficiency is marked in words, with its patient and assignee" sh -c "printf '%s' \"\$1\" | grep -q 'OVERDUE.*Deficiency.*$mrn.*Queuewood, Ottoline.*prov'" _ "$row"
tui_send Home
expect "the selected item is described in full (what, assignee)" "days: Encounter still open (O$old) - assigned to prov"
line=$(tui_screen | grep -F "Encounter still open (O$old) - assigned" | head -1)
check "... with the days overdue and its age" sh -c "printf '%s' \"\$1\" | grep -Eq 'OVERDUE by [0-9]+ days, waiting [0-9]+ days:'" _ "$line"
first=$(tui_screen | grep -n "Encounter still open" | head -1 | cut -d: -f1)
coding=$(tui_screen | grep -n "Code encounter $new" | head -1 | cut -d: -f1)
check "the overdue item is listed before the coding item (by due date)" [ "$first" -lt "$coding" ]
check "opening the queue is audited once" [ "$(audited queue_view him)" = 1 ]
# filter by kind: every kind -> Coding
tui_send Tab
expect "Tab filters by kind: coding" "Work queue: 1 item, Coding" 5
expect_not "... the deficiency is filtered out" "Encounter still open"
expect "... the coding item stays" "Code encounter $new"
check "filtering opened nothing new (no second audit event)" [ "$(audited queue_view him)" = 1 ]
tui_send Tab
expect "Tab again: deficiencies" "Work queue: 2 items, Deficiency" 5
tui_send Tab
tui_send Tab
expect "... then every kind again (no empty kinds offered)" "Work queue: 4 items, every kind" 5
# filter by assignee: anyone -> prov
tui_send BTab
expect "Shift-Tab filters by assignee" "assigned to prov" 5
expect_not "... the coding item (nobody's) is filtered out" "Code encounter $new"
tui_send BTab
expect "Shift-Tab again: anyone" "assigned to anyone" 5
# Enter on the coding item opens its coding screen
tui_send Tab
tui_wait "Work queue: 1 item, Coding" 5 >/dev/null
tui_send Home
tui_send Enter
expect "Enter on the coding item opens the coding screen of that encounter" "Encounter $new" 10
expect "... the coding screen itself" "Diagnoses" 5
tui_send Escape
expect "Esc goes back to the queue" "Work queue:" 5
# Enter on the ROI request opens its details
# Tab to the ROI requests (kinds with nothing waiting are skipped)
tabs=0
while [ $tabs -lt 6 ] && ! tui_wait "Work queue: 1 item, ROI" 2; do tui_send Tab; tabs=$((tabs + 1)); done
tui_send Home
tui_send Enter
expect "Enter on the ROI item opens the request's details" "Acme Insurance" 10
tui_send Escape
tui_send Escape
expect "back on the main menu" "Main menu for him" 5
quit_app

# ---- the privacy officer ------------------------------------------------------
tui_start priv
signon priv "$PW_PRIV"
# (80 columns: the selected item's line says what it is)
expect "the privacy officer's menu counts her queue" "Work queue: 2 BTG reviews" 5
menu_open "Privacy work queue"
expect "her queue opens with the break-the-glass review (80 columns)" "Review break-the-glass 1 by nurse" 10
expect "... naming the patient" "Glassworth, Celeste"
expect_not "... and no coding" "Code encounter"
# select access 1's item (the older access) whatever the order of ties
tui_send Home
downs=0
while [ $downs -lt 3 ] && ! tui_wait "days: Review break-the-glass 1 by nurse" 2; do tui_send Down; downs=$((downs + 1)); done
expect "access 1's item is selected" "days: Review break-the-glass 1 by nurse" 2
tui_send Enter
expect "Enter opens the break-the-glass review of that access" "Access 1: unreviewed" 10
expect "... its patient" "$mc Glassworth, Celeste"
expect "... its reason" "patient in triage with chest pain"
expect_not "... not the newer access at the top of the list" "covering the ward round"
expect "... with its finding form open" "Record the finding:"
# record a finding there: it lands on access 1
tui_send Right
tui_send Tab
tui_type "ward clerk confirmed triage"
tui_send F10
expect "the finding is saved" "inappropriate" 10
check "... on access 1, not the newer one" [ "$(sqlite3 -cmd ".timeout 10000" "$DB" "select group_concat(btg_id) from btg_review")" = 1 ]
expect "... and the review list is shown, positioned on it" "newest first" 5
tui_send Escape
tui_wait "Work queue:" 10 >/dev/null
tui_send F5
expect "... then to the work queue, now with one review" "Review break-the-glass 2 by nurse" 10
expect_not "... access 1 left the queue" "Review break-the-glass 1 by nurse"
quit_app

# ---- the front desk -----------------------------------------------------------
tui_start front
signon front "$PW_FRONT"
expect_not "the front desk has no work queue" "work queue"
expect_not "... and no counts" "Work queue:"
quit_app
e2e_done
