#!/bin/sh
# test_tui_holds.sh - legal holds and destruction certificates on the
# Retention and destruction screen (issue 13 item 6, at 80x24; the test
# build's clock eleven years on). An HIM clerk places a legal hold on a
# chart by MRN (the reason is required; the question names the patient;
# n changes nothing), sees the hold's reason, who and when, and the chart
# due is marked ON HOLD and cannot be proposed (on screen, nor from the
# command line). The certificates list shows a destroyed chart's
# certificate (record id, dates, method, who proposed and approved) and
# never its name or MRN. The privacy officer lifts the hold (a reason and
# a question), after which the chart can be proposed.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
AHEAD=$((11 * 366))
# Tab through the lists until NAME's footer shows (at most 4)
to_list() {
	n=0
	while [ $n -lt 4 ] && ! tui_wait "$1: " 2; do tui_send Tab; n=$((n + 1)); done
}
fits() {
	ok_fit=1
	tui_screen | awk 'length > 80 { exit 1 }' || ok_fit=0
	[ "$ok_fit" = 1 ]
}

keep=$(clin front "$PW_FRONT" "$(csv last_name=Holdfast first_name=Henrietta dob=1950-04-05 sex=F)" patient add 2>/dev/null)
gone=$(clin front "$PW_FRONT" "$(csv last_name=Gonegood first_name=Gervase dob=1948-06-07 sex=M)" patient add 2>/dev/null)
both() { [ -n "$1" ] && [ -n "$2" ]; }
check "setup: two patients registered today" both "$keep" "$gone"
gone_id=$(sql "select id from patients where prow = (select max(prow) from patients)")
prop=$(cli_at $AHEAD him "$PW_HIM" retention propose "$gone" --reason "past retention" 2>&1 | sed -n 's/^Proposal \([0-9]*\):.*/\1/p')
cli_at2 $AHEAD priv "$PW_PRIV" "$gone" retention approve "$prop" >/dev/null 2>&1
check "setup: one chart destroyed, with its certificate" [ "$(sql "select count(*) from destruction_certificates")" = 1 ]
cert_id=$(sql "select patient_id from destruction_certificates")
check "setup: the certificate names the destroyed record's id" both "$cert_id" "$gone_id"
check "... the destroyed one" [ "$cert_id" = "$gone_id" ]

# ---- HIM places a hold on screen -------------------------------------------
tui_start_ahead him "$AHEAD"
tui_signon him "$PW_HIM"
tui_menu_open "Retention and destruction"
expect "the charts due open" "Charts due:" 10
expect "... the chart is due" "$keep"
expect "... and says Tab goes to the next list" "Tab: next list"
tui_send Home
tui_send a
expect "a on a chart due opens the legal hold form" "Place a legal hold" 5
scr=$(tui_screen)
check "... with that chart's MRN filled in" sh -c "printf '%s' \"\$1\" | grep -q 'MRN *$keep'" _ "$scr"
tui_send Escape
expect "Esc leaves it, placing nothing" "Charts due:" 5
tui_send Tab
expect "Tab: the legal holds list" "Legal holds:" 10
expect "... empty, saying how to place one" "No chart is under a legal hold (a: place one)."
tui_send a
expect "a opens the legal hold form" "Place a legal hold" 5
expect "... which asks for the MRN" "MRN"
tui_type "CR99999999"
tui_send Tab
tui_type "test of a wrong MRN"
tui_send F10
expect "a wrong MRN is refused, saying so" "'CR99999999' is not an MRN" 5
expect_not "... and no question is asked" "(y/n)"
tui_send C-u
tui_type "$keep"
tui_send Tab
tui_send C-u
tui_send F10
expect "the reason is required" "The reason for the hold is required." 5
check "... nothing was placed" [ "$(sql "select count(*) from retention_events where kind = 'hold'")" = 0 ]
tui_send Tab
tui_type "litigation: Holdfast v. County, preserve everything"
tui_send F10
expect "the question names the MRN and patient" "Place a legal hold on MRN $keep (Holdfast, Henrietta)? (y/n)" 5
check "the hold form fits 80 columns" fits
tui_send n
expect "n changes nothing" "Nothing was changed." 5
check "... no hold in the file" [ "$(sql "select count(*) from retention_events where kind = 'hold'")" = 0 ]
tui_send F10
tui_wait "(y/n)" 5 >/dev/null
tui_send y
expect "y places the hold" "Legal hold" 10
expect "... and says so" "placed: the chart cannot be destroyed" 5
check "the hold is in the file" [ "$(sql "select count(*) from retention_events where kind = 'hold'")" = 1 ]
check "... its reason encrypted (not in the file in clear)" sh -c "! grep -aq 'Holdfast v. County' '$DB' '$DB-wal' 2>/dev/null"
expect "the holds list shows it with its chart" "$keep"
expect "... the patient" "Holdfast, Henrietta"
expect "... who placed it" "him"
check "the holds list fits 80 columns" fits
tui_send Enter
expect "Enter shows the hold's reason" "litigation: Holdfast v. County" 5
expect "... when and by whom" "by him"
expect "... and offers to lift it" "Lift the hold, with a reason"
tui_send Escape
tui_wait "Legal holds:" 5 >/dev/null
# the chart due is marked and cannot be proposed
to_list "Charts due"
expect "the chart due is marked ON HOLD" "ON HOLD" 5
tui_send Home
tui_send Enter
tui_wait "Record dates" 5 >/dev/null
tui_type "Past retention"
tui_send F10
expect "a held chart cannot be proposed on screen" "MRN $keep is under a legal hold" 5
expect_not "... and no question is asked" "for destruction? (y/n)"
tui_send Escape
out=$(cli_at $AHEAD him "$PW_HIM" retention propose "$keep" --reason "past retention" 2>&1)
check "... nor from the command line (core refuses)" sh -c "printf '%s' \"\$1\" | grep -q 'legal hold'" _ "$out"
check "... no proposal was made" [ "$(sql "select count(*) from retention_events where kind = 'propose' and prow = (select prow from patients)")" = 0 ]
# the certificates
to_list "Destruction certificates"
expect "the certificates list shows the destroyed record by id" "$(printf '%s' "$cert_id" | cut -c1-12)" 5
expect "... approved by the privacy officer" "priv"
expect_not "... never the destroyed patient's name" "Gonegood"
expect_not "... nor the MRN" "$gone"
check "the certificates list fits 80 columns" fits
tui_resize 60 20
# redrawn at 60 columns: the status bar's lock countdown moves left
tui_wait "clinic.db     lock" 10 >/dev/null
row=$(tui_screen | grep -n "$(printf '%s' "$cert_id" | cut -c1-12)" | head -1 | cut -d: -f1)
next=$(tui_screen | sed -n "$((row + 1))p")
check "at 60x20 the certificate's row is shown" [ -n "$row" ]
check "... cut, never wrapped onto the next line" [ -z "$(printf '%s' "$next" | tr -d ' ')" ]
tui_resize 80 24
tui_wait "Approved by" 5 >/dev/null
tui_send Enter
expect "Enter shows the certificate: its record id in full" "$cert_id" 5
expect "... the method" "Method"
expect "... who proposed it" "him,"
expect "... who approved it" "Approved by"
expect "... the record dates" "Record dates"
expect_not "... no name" "Gonegood"
expect_not "... no MRN" "$gone"
check "the certificate fits 80 columns" fits
tui_send Escape
expect "Esc goes back to the list" "Destruction certificates:" 5
tui_stop

# ---- the privacy officer lifts the hold ----------------------------------------
tui_start_ahead priv "$AHEAD"
tui_signon priv "$PW_PRIV"
tui_menu_open "Retention and destruction"
tui_wait "Proposals:" 10 >/dev/null
to_list "Legal holds"
expect "the privacy officer sees the hold" "$keep" 5
tui_send Home
tui_send Enter
expect "its detail" "Lift the hold, with a reason" 5
tui_send F10
expect "a reason to lift it is required" "The reason for the release is required." 5
tui_type "case settled; counsel released the hold"
tui_send F10
expect "asked first, naming the hold, the MRN and the patient" "Lift legal hold" 5
expect "... the MRN and patient" "on MRN $keep (Holdfast, Henrietta)?"
check "... the question fits 80 columns" fits
tui_send y
expect "y lifts it" "released." 10
expect "the holds list is empty again" "No chart is under a legal hold" 5
check "the release is in the file" [ "$(sql "select count(*) from retention_events where kind = 'release'")" = 1 ]
tui_stop
tui_ahead_end

out=$(cli_at $AHEAD him "$PW_HIM" retention propose "$keep" --reason "past retention, hold lifted" 2>&1)
check "once lifted, the chart can be proposed" sh -c "printf '%s' \"\$1\" | grep -q 'Proposal [0-9]*: MRN $keep proposed'" _ "$out"
check "placing the hold is audited (him)" [ "$(audited legal_hold him)" = 1 ]
check "... lifting it too (priv)" [ "$(audited legal_hold_release priv)" = 1 ]
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "audit verify passes" [ $? -eq 0 ]
e2e_done
