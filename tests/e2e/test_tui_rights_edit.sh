#!/bin/sh
# test_tui_rights_edit.sh - the patients'-rights screens' remaining
# actions (issue 12 item 7): an HIM clerk edits an ROI request on screen
# (what `roi update` changes; the patient stays); the privacy officer
# strikes a disclosure from a patient's accounting with a reason and a
# confirmation (a new entry; one of another patient's is refused); an
# amendment request is extended on screen by the number of days typed
# (1-30, with the written reason; other numbers refused), on day 59 with
# the test binary's injected clock.
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
privacy_open() {
	menu_open "Privacy review"
	tui_wait "Access report: who opened" 5 >/dev/null
	first=$(line_no "Access report: who opened")
	at=$(line_no "$1")
	tui_send Home
	i=$first
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
tui_start_at() {
	tui_keep
	name="cr-$$-$1"
	E2E_SESSIONS="$E2E_SESSIONS $name"
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x 80 -y 24 \
		"env TERM=xterm-256color CHARTROOM_TEST_NOW='$2' CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$TEST_BIN' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}
tbc() { u=$1; p=$2; now=$3; c=$4; shift 4; printf '%s\n%s' "$p" "$c" | CHARTROOM_TEST_NOW="$now" "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@" --from -; }

MRN=$(clin front "$PW_FRONT" "$(csv last_name=Editwell first_name=Iris dob=1961-06-01 sex=F)" patient add 2>/dev/null)
MRN2=$(clin front "$PW_FRONT" "$(csv last_name=Otherby first_name=Paul dob=1982-02-01 sex=M)" patient add 2>/dev/null)
{ [ -n "$MRN" ] && [ -n "$MRN2" ]; }; check "setup: two patients" [ $? -eq 0 ]
R=$(clin him "$PW_HIM" "$(csv requester_name="Lawfirm LLP" recipient_name="Old Recipient Esq" recipient_address="1 Old Way" purpose="litigation")" \
	roi add "$MRN" --requester attorney --auth on_file --auth-signed 2026-01-02 --sections allergies 2>/dev/null)
check "setup: an ROI request" [ "$R" = 1 ]

# ---- ROI: edit on screen ------------------------------------------------------
tui_start him
signon him "$PW_HIM"
privacy_open "Release of information"
expect "the ROI list shows the request" "Editwell" 10
tui_send Enter
expect "its details" "Recipient: Old Recipient Esq" 5
expect "the details say e edits" "e edit"
tui_send e
expect "e: the edit form, filled in" "Edit ROI request 1" 5
expect "... with the request's recipient" "Old Recipient Esq"
tui_send Tab; tui_send Tab                  # requester name, recipient name
tui_send C-u
tui_type "New Recipient Esq"
tui_send Tab
tui_send C-u
tui_type "22 New Street"
tui_send F10
expect "saved: back on the details, showing the change" "Recipient: New Recipient Esq" 10
expect "... and the new address" "Address: 22 New Street"
out=$(cli him "$PW_HIM" roi show "$R" 2>/dev/null)
check "roi show has the edit" sh -c "printf '%s' \"\$1\" | grep -q 'New Recipient Esq'" _ "$out"
check "the requester kind and the authorization are kept" sh -c "printf '%s' \"\$1\" | grep -q attorney && printf '%s' \"\$1\" | grep -q on_file" _ "$out"
check "the edit is audited" [ "$(audited roi_update him)" -ge 1 ]
check "the recipient is not in the file in plaintext" [ "$(grep -c 'New Recipient Esq' "$DB" 2>/dev/null || true)" = 0 ]
tui_send e
tui_wait "Edit ROI request 1" 5 >/dev/null
tui_send BTab                               # the patient's MRN
tui_send C-u
tui_type "$MRN2"
tui_send F10
expect "the patient cannot be changed" "a request stays with its patient" 5
tui_send Escape
expect "Esc leaves the request unchanged" "Not changed." 5
tui_stop

# ---- disclosures: strike on screen ------------------------------------------
D=$(clin priv "$PW_PRIV" "$(csv recipient_name="County Health Dept" recipient_address="5 Main St" description="TB test result" purpose="reporting")" disclosure add "$MRN" --category public_health 2>/dev/null)
D2=$(clin priv "$PW_PRIV" "$(csv recipient_name="Elsewhere Agency" description="Other chart" purpose="reporting")" disclosure add "$MRN2" --category public_health 2>/dev/null)
{ [ -n "$D" ] && [ -n "$D2" ]; }; check "setup: a disclosure for each patient" [ $? -eq 0 ]
tui_start priv
signon priv "$PW_PRIV"
privacy_open "Disclosures"
tui_wait "whose?" 5 >/dev/null
tui_type "$MRN"
tui_send Enter
expect "the accounting lists the disclosure" "County Health Dept" 10
expect "its footer offers to strike an entry" "strike an entry"
tui_send d
expect "d: the strike form" "Strike a disclosure recorded in error" 5
tui_type "$D2"
tui_send Tab
tui_type "Entered on the wrong chart"
tui_send F10
expect "a strike is asked once more before it is made" "save again to confirm" 5
tui_send F10
expect "another patient's entry is refused" "is not this patient's" 10
check "nothing was struck" [ "$(sql "select count(*) from disclosures where category = 'strike'")" = 0 ]
tui_send BTab
tui_send C-u
tui_type "$D"
tui_send F10
tui_wait "save again to confirm" 5 >/dev/null
tui_send F10
expect "struck: a correction entry" "struck by entry" 10
expect_not "the statement no longer lists it" "County Health Dept"
{ [ "$(sql "select count(*) from disclosures")" = 3 ] && [ "$(sql "select count(*) from disclosures where category = 'strike'")" = 1 ]; }; check "the strike is a new entry; the struck one is kept" [ $? -eq 0 ]
tui_send Tab
expect "every entry: the struck one marked, and the correction" "strikes entry $D" 5
tui_stop

# ---- amendments: extend on screen by N days ---------------------------------------
A=$(tbc him "$PW_HIM" 2026-01-10T15:00:00Z "$(csv request="The reaction recorded is wrong")" amendment add "$MRN" --section allergies --received 2026-01-10 2>/dev/null)
check "setup: an amendment request received on 2026-01-10" [ -n "$A" ]
tui_start_at priv2 2026-03-10T15:00:00Z
signon priv "$PW_PRIV"
privacy_open "Amendment requests"
expect "the request is listed" "Editwell" 10
tui_send x
expect "x: the action form asks for days" "Days (extend)" 5
tui_send Right; tui_send Right              # extend
tui_send Tab; tui_send Tab
tui_type "Waiting for the allergist"
tui_send Tab; tui_send Tab
tui_type "45"
tui_send F10
expect "more than 30 days is refused naming the field" "Days (extend): type the number of days, 1 to 30." 5
check "not extended" [ "$(sql "select extended from rights_requests where kind='amendment' and req=$A order by seq desc limit 1")" = 0 ]
tui_send C-u
tui_send F10
expect "no number of days is refused too (never a silent 30)" "Days (extend): type the number of days" 5
tui_type "12"
tui_send F10
expect "extended by the days typed, on day 59" "extended by 12 days; now due 2026-03-23" 10
check "due 72 days after receipt" [ "$(sql "select due from rights_requests where kind='amendment' and req=$A order by seq desc limit 1")" = 2026-03-23 ]
tui_stop
e2e_done
