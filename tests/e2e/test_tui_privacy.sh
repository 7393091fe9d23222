#!/bin/sh
# test_tui_privacy.sh - a nurse breaks the glass on a confidential chart in
# the full-screen app; the privacy officer sees it waiting on the main menu,
# finds who opened that chart in the access report (the nurse's access with
# the reason), and records a finding in the break-the-glass review; an HIM
# clerk reaches the access report from the chart (W); the screens refuse
# bad input. Checks the screen and the database.
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
menu() { tui_send Home; i=0; while [ $i -lt "$1" ]; do tui_send Down; i=$((i + 1)); done; tui_send Enter; }
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}

mc=$(clin front "$PW_FRONT" "$(csv last_name=Vantablack first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
check "a confidential patient is registered" [ -n "$mc" ]

# ---- the nurse breaks the glass ------------------------------------------------
tui_start nurse
signon nurse "$PW_NURSE"
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "$mc"
tui_wait "CONF" 5 >/dev/null
tui_send Enter
expect "the chart asks the nurse for a reason" "break the glass" 10
tui_type "patient in triage with chest pain"
tui_send Enter
expect "the nurse opens the chart with a reason" "Vantablack, Celeste" 10
quit_app

# ---- the privacy officer ---------------------------------------------------------
tui_start priv
signon priv "$PW_PRIV"
expect "the main menu shows the access waiting for review" "Privacy review (1 to review)" 5
tui_send Home
tui_send Down
tui_send Down
tui_send Enter
expect "the Privacy menu opens" "Access report: who opened a chart" 5
expect "... with the unreviewed count" "Break-the-glass review (1 unreviewed)"
tui_send Home
tui_send Enter
expect "the access report asks for the MRN" "Type the MRN" 5
tui_send F10
expect "running it with no MRN names the field" "MRN: type the patient's MRN." 5
tui_type "$mc"
tui_send F10
expect "the report names the patient" "Who opened the chart of $mc Vantablack, Celeste" 10
expect "... shows the nurse's break-the-glass with the reason" "BREAK-THE-GLASS: patient in triage" 5
expect "... with the nurse's role" "nurse      nurse"
expect "... and the front desk's registration" "registered the patient"
# Filter on the nurse: Tab goes to the filters (the MRN first).
tui_send Tab
tui_send Tab
tui_send Tab
tui_send Tab
tui_type "nurse"
tui_send F10
expect "filtering on the nurse still shows the access" "BREAK-THE-GLASS: patient in triage" 10
expect_not "... and not the others' accesses" "registered the patient"
# The oldest of the nurse's entries is now the search that listed the
# patient ("searched and listed"); the break-the-glass is the one above.
expect "... and the nurse's search that listed the patient" "searched and listed"
tui_send End
tui_send Up
tui_send Enter
expect "Enter shows the access in full, with its origin" "Origin:  local" 5
expect "... and its reason" "Reason:  patient in triage with chest pain"
tui_send Enter
tui_send Tab
tui_send Tab
tui_type "2024-13-45"
tui_send F10
expect "a bad date is refused naming the field" "Since" 5
tui_send Escape
expect "Esc (no report shown) goes back to the Privacy menu" "Access report: who opened a chart" 5
check "viewing the report is audited" [ "$(audited access_report priv)" -ge 2 ]

# The break-the-glass review: second in the Privacy menu.
tui_send Home
tui_send Down
tui_send Enter
expect "the queue lists the nurse's access" "unreviewed" 10
expect "... on that patient" "$mc Vantablack, Celeste"
tui_send Enter
expect "the detail shows the reason" "patient in triage with chest pain" 5
expect "... and what the nurse did afterwards" "opened the chart"
tui_send Right
tui_send F10
expect "inappropriate without a comment is refused" "Comment: say why the access is inappropriate" 5
tui_send Tab
tui_type "CANARYTUI nurse was not on the care team"
tui_send F10
expect "the finding is recorded" "Access 1 marked inappropriate." 10
expect "... and the queue shows it" "inappropriate"
check "the finding is in the database" [ "$(sql "select finding from btg_review where btg_id = 1")" = inappropriate ]
check "... its comment encrypted" sh -c "! grep -a -q CANARYTUI \"$DB\" \"$DB-wal\" 2>/dev/null"
tui_send Escape
expect "the Privacy menu shows nothing left to review" "Break-the-glass review (0 unreviewed)" 5
tui_send Escape
expect_not "... nor the main menu" "to review)"
quit_app

out=$(cli priv "$PW_PRIV" btg list --all 2>/dev/null)
check "the command line shows the same finding" sh -c "printf '%s' \"\$1\" | grep -q 'inappropriate by priv: CANARYTUI'" _ "$out"

# ---- an HIM clerk reaches the report from the chart ---------------------------------
tui_start him
signon him "$PW_HIM"
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "$mc"
tui_wait "CONF" 5 >/dev/null
tui_send Enter
expect "HIM opens the chart" "Vantablack, Celeste" 10
tui_send W
expect "W on the chart opens who opened it" "Who opened the chart of $mc Vantablack, Celeste" 10
expect "... with the nurse's break-the-glass" "BREAK-THE-GLASS: patient in triage"
tui_send Escape
expect "Esc goes back to the chart" "[Demographics]" 5
quit_app

# ---- a nurse has no report on the chart ------------------------------------------------
clin nurse "$PW_NURSE" "$(csv reason="follow up on the triage visit")" patient show "$mc" >/dev/null 2>&1
tui_start nurse2
signon nurse "$PW_NURSE"
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "$mc"
tui_wait "CONF" 5 >/dev/null
tui_send Enter
tui_wait "break the glass" 10 >/dev/null
tui_type "checking the allergy list again"
tui_send Enter
tui_wait "Vantablack, Celeste" 10 >/dev/null
tui_send W
expect "a nurse pressing W is refused" "Not for your role (nurse)" 5
expect_not "... and sees no report" "Who opened the chart"
quit_app

out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain is intact" sh -c "printf '%s' \"\$1\" | grep -q 'audit chain OK'" _ "$out"
e2e_done
