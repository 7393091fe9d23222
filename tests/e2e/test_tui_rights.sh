#!/bin/sh
# test_tui_rights.sh - patients' rights on screen (issue 12 acceptance):
# an HIM clerk logs an ROI request in the form, releases it to a file, and
# the disclosure appears in the patient's accounting on the Disclosures
# screen; a raw-SQL DELETE FROM or UPDATE of the disclosures table is
# refused; an amendment request is extended on day 59 and is overdue on
# day 91 (the test binary's injected clock, CHARTROOM_TEST_NOW), marked in
# words in monochrome, then denied on screen with a statement of
# disagreement that then shows on the chart.
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
# privacy_open LABEL: the Privacy menu from the main menu, then its entry
# LABEL (the entries are one a line, the access report first).
privacy_open() {
	menu_open "Privacy review"
	tui_wait "Access report: who opened" 5 >/dev/null
	privacy_pick "$1"
}
privacy_pick() {
	first=$(line_no "Access report: who opened")
	at=$(line_no "$1")
	tui_send Home
	i=$first
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
right() { i=0; while [ $i -lt "$1" ]; do tui_send Right; i=$((i + 1)); done; }
# tui_start_at NAME NOW: the test binary with its clock at NOW (UTC)
tui_start_at() {
	tui_keep
	name="cr-$$-$1"
	E2E_SESSIONS="$E2E_SESSIONS $name"
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x 80 -y 24 \
		"env TERM=xterm-256color CHARTROOM_TEST_NOW='$2' CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$TEST_BIN' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}

MRN=$(clin front "$PW_FRONT" "$(csv last_name=Screenwell first_name=Ida dob=1955-05-05 sex=F)" patient add 2>/dev/null)
check "setup: a patient" [ -n "$MRN" ]

# ---- an HIM clerk logs an ROI request and releases it ----
tui_start him
signon him "$PW_HIM"
privacy_open "Release of information"
expect "the ROI list opens (empty)" "No requests"
tui_send a
expect "a: the new request form" "Log a release-of-information request"
tui_type "$MRN"; tui_send Tab
right 5; tui_send Tab                       # requester: law_enforcement
tui_type "Det. Canarydetective"; tui_send Tab
tui_type "County Sheriff Office"; tui_send Tab
tui_type "9 Court Sq"; tui_send Tab
tui_type "Investigation"; tui_send Tab
right 2; tui_send Tab                       # authorization: not_required
tui_send Tab; tui_send Tab                  # signed, expires: none
tui_type "Court order 12-345"
tui_send F10
expect "saved: the request is logged with its due date" "ROI request 1 logged; due"
expect "the list shows it with its days left" "30 days left"
check "stored once, with the requester kind in the clear" [ "$(sql "select category from rights_requests where kind='roi' and req=1")" = law_enforcement ]
tui_send Enter
expect "Enter: its details" "Recipient: County Sheriff Office"
tui_send x
expect "x: the action form" "what to do"
tui_send Tab
tui_type "$T/released.txt"
tui_send F10
expect "release: the file is written and the disclosure recorded" "released to"
check "the released file exists, mode 0600" [ "$(stat -c %a "$T/released.txt" 2>/dev/null)" = 600 ]
check "it holds the chart" grep -q "Screenwell" "$T/released.txt"
tui_send Escape
tui_wait "Release of information:" 5 >/dev/null
tui_send Escape
tui_wait "Access report: who opened" 5 >/dev/null
privacy_pick "Disclosures"
expect "the Disclosures screen asks whose" "whose?"
tui_type "$MRN"
tui_send Enter
expect "the disclosure is in the patient's accounting" "County Sheriff Office"
expect "with its description" "Release of information, request 1"
expect "and the statement's note on excluded kinds" "are not shown"
tui_stop

# ---- the disclosures table refuses raw SQL ----
out=$(sqlite3 -cmd ".timeout 10000" "$DB" "DELETE FROM disclosures" 2>&1)
n=$(sqlite3 -cmd ".timeout 10000" "$DB" "select count(*) from disclosures")
if printf '%s' "$out" | grep -q 'append-only' && [ "$n" = 1 ]; then ok "raw-SQL DELETE FROM disclosures is refused"; else not_ok "raw-SQL DELETE FROM disclosures is refused" "$out / $n"; fi
out=$(sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE disclosures SET category = 'treatment'" 2>&1)
n=$(sqlite3 -cmd ".timeout 10000" "$DB" "select category from disclosures")
if printf '%s' "$out" | grep -q 'append-only' && [ "$n" = law_enforcement ]; then ok "raw-SQL UPDATE of disclosures is refused"; else not_ok "raw-SQL UPDATE of disclosures is refused" "$out / $n"; fi

# ---- an amendment: extended on day 59, overdue on day 91, denied ----
tbc() { u=$1; p=$2; now=$3; c=$4; shift 4; printf '%s\n%s' "$p" "$c" | CHARTROOM_TEST_NOW="$now" "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@" --from -; }
A=$(tbc him "$PW_HIM" 2026-01-10T15:00:00Z "$(csv request="The reaction recorded is wrong")" amendment add "$MRN" --section allergies --received 2026-01-10 2>/dev/null)
check "setup: an amendment request received on 2026-01-10" [ "$A" = 1 ]
tbc him "$PW_HIM" 2026-03-10T15:00:00Z "$(csv reason="Waiting for the allergist")" amendment extend "$A" >/dev/null 2>&1
check "extended on day 59" [ "$(sql "select due from rights_requests where kind='amendment' and req=$A order by seq desc limit 1")" = 2026-04-10 ]
tui_start_at priv 2026-04-11T15:00:00Z
signon priv "$PW_PRIV"
privacy_open "Amendment requests"
expect "day 91: the request is marked OVERDUE in words (monochrome)" "OVERDUE 1 day"
tui_send x
expect "the privacy officer's action form" "what to do"
tui_send Tab; right 3; tui_send Tab         # deny; reason accurate_complete
tui_type "Confirmed by skin testing"
tui_send F10
expect "a denial is asked once more before it is made" "save again to confirm"
check "not denied yet" [ "$(sql "select status from rights_requests where kind='amendment' and req=$A order by seq desc limit 1")" = pending ]
tui_send F10
expect "denied with the rule's reason" "denied (accurate_complete)"
tui_send Tab; tui_send Tab
expect "Tab cycles the filter to all requests (the decided one is no longer open)" "all requests (1)"
tui_send x
tui_wait "what to do" 5 >/dev/null
right 3; tui_send Tab; tui_send Tab         # statement of disagreement
tui_type "Canarystatement I never had a reaction"
tui_send F10
expect "the statement of disagreement is attached" "Statement of disagreement attached"
tui_send Enter
expect "the details show the statement" "Statement of disagreement: Canarystatement"
tui_stop

# ---- the chart shows it ----
tui_start nurse
signon nurse "$PW_NURSE"
tui_send Home; tui_send Enter
tui_wait "Find:" 5 >/dev/null
tui_type "screenwell"
tui_wait "Screenwell, Ida" 5 >/dev/null
tui_send Enter
expect "the chart marks the part with the disagreement" "DISAGREEMENT on file" 10
expect "naming the part" "allergies: DISAGREEMENT"
tui_stop
check "canaries are not in the database file" sh -c "sqlite3 '$DB' 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null; ! strings '$DB' | grep -q -e Canarydetective -e Canarystatement -e 'County Sheriff'"
e2e_done
