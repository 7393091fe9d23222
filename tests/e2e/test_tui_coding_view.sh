#!/bin/sh
# test_tui_coding_view.sh - coding with the patient in view (issue 13 item
# 2), in tmux: an HIM clerk opens the coding queue (patient MRN and name,
# aging buckets counted), opens an encounter on a wide terminal and codes
# it with the patient's note, reason for visit, problems and vitals open
# beside the coding (each read audited); with [codes] verify_by_other on
# the same clerk is refused verifying and finalising from coded, naming the
# rule; a second HIM clerk (added with the admin command line) opens the
# same encounter at 80x24, where the chart is a panel toggled with t and
# scrolled, and verifies it. The chart's text never reaches the file.
. "$(dirname "$0")/lib.sh"
e2e_setup
PW_HIM2="second him clerk password"
cli him "$PW_HIM" codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S1 --effective 2020-01-01 >/dev/null 2>&1
check "setup: the ICD-10-CM sample is loaded" [ $? -eq 0 ]
printf '%s\n%s\n' "$PW_ADMIN" "$PW_HIM2" | "$BIN" --db "$DB" --user admin --password-stdin user add him2 --role him >/dev/null 2>&1
check "setup: a second HIM clerk, him2, added with the admin command line" [ $? -eq 0 ]
cli nurse "$PW_NURSE" keys grant >/dev/null 2>&1
printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set codes.verify_by_other yes >/dev/null 2>&1
check "setup: [codes] verify_by_other = yes (database policy)" [ $? -eq 0 ]

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Codewell first_name=Ada dob=1950-02-03 sex=F)" patient add 2>/dev/null)
E=$(clin front "$PW_FRONT" "$(csv visit_reason="Wheezing after a cold")" encounter add "$mrn" --type "office visit" --provider prov --date "2025-11-01 15:00" 2>/dev/null)
{
	printf 'Subjective: wheezing for three days after a cold.\n'
	printf 'Objective: scattered expiratory wheeze, Zanzibarcanary.\n'
	i=1; while [ $i -le 30 ]; do printf 'Line %d of the history.\n' $i; i=$((i + 1)); done
	printf 'Plan: albuterol as needed.\n'
} > "$T/note.txt"
n=$(cli nurse "$PW_NURSE" note add "$E" --file "$T/note.txt" 2>/dev/null)
cli nurse "$PW_NURSE" note sign "$n" >/dev/null 2>&1
cli nurse "$PW_NURSE" vitals add "$E" --bp 128/84 --pulse 88 --spo2 95 >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Mild intermittent asthma")" problem add "$mrn" --code J45.20 >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$E" >/dev/null 2>&1
check "setup: a closed encounter with a signed note, vitals and a problem" [ "$(sql "select count(*) from notes where erow = $E and status = 'signed'")" = 1 ]

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
	tui_wait "Main menu for" 10 >/dev/null
}
line_no() { tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
menu_open() { # by label, never by counting rows from a fixed place
	top=$(line_no "Main menu for")
	at=$(line_no "$1")
	tui_send Home
	i=$((top + 2))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
expect_re() {
	limit=$(( ${3:-5} * 10 )); i=0
	while [ $i -lt $limit ]; do
		tui_screen | grep -qE -- "$2" && { ok "$1"; return; }
		sleep 0.1; i=$((i + 1))
	done
	not_ok "$1" "$(tui_screen)"
}
views_before=$(audited chart_view him)

# ---- him, on a wide terminal: the chart beside the coding ----
tui_start him 160 40
signon him "$PW_HIM"
menu_open "Coding queue"
expect "the coding queue opens" "Chartroom | Coding queue" 10
expect "the queue counts per aging bucket from the date of service" "Aging from the date of service: 0-3 days 0 | 4-7 0 | 8-14 0 | 15-30 0 | >30 1"
expect_re "the row names the patient: MRN, name, DOB and sex on a wide terminal" "^!$E +2025-11-01 +[0-9]+ +>30 +$mrn +Codewell, Ada +1950-02-03 +F +prov +office visit +uncoded +LATE"
tui_send Enter
expect "the coding screen names the patient" "Patient Codewell, Ada   MRN $mrn   DOB 1950-02-03   Sex F" 10
expect "... and the encounter" "Encounter $E   Service 2025-11-01   Provider prov   Coding: uncoded"
expect "the chart opens beside the coding" "Chart, read-only: lines 1-"
expect "... with the reason for visit" "Reason for visit: Wheezing after a cold"
expect "... the nurse's note in full" "Objective: scattered expiratory wheeze, Zanzibarcanary."
expect_re "... beside the diagnoses" "Diagnoses \\(ICD-10-CM\\), 0 of 12 +. +"
tui_send NPage
expect "PgDn scrolls the chart to the problems" "J45.20     Mild intermittent asthma (active)"
expect "... and the vitals taken at the encounter" "BP 128/84 Pulse 88 SpO2 95%"
check "each section read is audited (encounters, notes, problems, vitals)" [ "$(( $(audited chart_view him) - views_before ))" -ge 4 ]
tui_send a
expect "a opens the diagnosis search, the chart stays held" "Add a diagnosis to encounter $E" 5
tui_type "J45.20"
expect "the code is found" "J45.20    Mild intermittent asthma" 5
tui_send Enter
expect "the diagnosis is added" "1. J45.20    (primary) Mild intermittent asthma" 5
tui_send Home
expect "the note is still beside it (Home: its top)" "Objective: scattered expiratory wheeze" 5
expect "the screen says who changed the coding" "Changed by him."
tui_send c
expect "c completes" "Encounter $E's coding is now coded." 5
expect "the screen says who coded it" "Coded by him. v verifies, f finalises"
tui_send v
expect "the coder's own verification is refused, naming the rule" "Refused by the rule [codes] verify_by_other: you coded" 5
expect "... and the coder" "encounter $E (coded by him since it was last verified)"
tui_send Enter
tui_send f
expect "f asks first" "Finalise the coding of encounter $E?" 5
tui_send y
expect "finalising from coded is refused to the coder too" "would skip the verification" 5
tui_send Enter
check "nothing changed: still coded" [ "$(sql "select coding_status from encounters where erow = $E")" = coded ]
tui_resize 80 24
expect "narrowed to 80x24, the coding comes first" "Diagnoses (ICD-10-CM), 1 of 12" 5
expect_gone "... the chart opened for the wide terminal steps aside" "Chart, read-only"
tui_resize 160 40
expect "widened again, the chart is back beside the coding" "Chart, read-only: lines" 5
tui_send t
expect_gone "t hides the chart" "Chart, read-only"
tui_send t
expect "t shows it again" "Chart, read-only: lines 1-"
tui_stop

# ---- him2 at 80x24: the chart is a panel toggled with t ----
tui_start him2 80 24
signon him2 "$PW_HIM2"
menu_open "Coding queue"
expect "him2's coding queue" "Chartroom | Coding queue" 10
expect_re "at 80 columns the row still shows MRN and name" "^!$E +2025-11-01 +[0-9]+ +>30 +$mrn +Codewell, Ada +coded +LATE"
tui_send Enter
expect "him2 opens the encounter; the patient above the coding" "Patient Codewell, Ada   MRN $mrn" 10
expect "at 80x24 the coding shows first" "1. J45.20    (primary) Mild intermittent asthma"
expect_not "... without the chart" "Chart, read-only"
tui_send t
expect "t shows the chart instead of the lists" "Chart, read-only: lines 1-" 5
expect "... the note" "Subjective: wheezing for three days after a cold."
expect "... with its keys" "t the coding   Up/Down PgUp/PgDn scroll"
tui_send End
expect "End scrolls to the vitals" "BP 128/84 Pulse 88 SpO2 95%"
expect_gone "... the top has scrolled away" "Reason for visit:"
tui_send Home
expect "Home goes back to the top" "Reason for visit: Wheezing after a cold"
tui_send d
expect "a line cannot be removed unseen" "Back to the coding first (t) to choose a line."
tui_send t
expect "t brings the coding back" "Diagnoses (ICD-10-CM), 1 of 12" 5
tui_send v
expect "him2, who did not code it, verifies it" "Encounter $E's coding is now verified." 5
tui_send Escape
expect "back to the queue" "Chartroom | Coding queue" 5
tui_send Escape
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit" "[exit 0]" 10

check "the database: verified" [ "$(sql "select coding_status from encounters where erow = $E")" = verified ]
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "audit: him completed it" sh -c "printf '%s\n' \"\$1\" | grep 'coding_complete' | grep -q '	him	'" _ "$out"
check "audit: him2 verified it" sh -c "printf '%s\n' \"\$1\" | grep 'coding_verify' | grep -q '	him2	'" _ "$out"
check "audit: him2's chart reads are recorded too" [ "$(audited chart_view him2)" -ge 4 ]
check "the note's text is not in the database file" sh -c "! grep -qa Zanzibarcanary '$DB'"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain verifies" sh -c "printf '%s\n' \"\$1\" | grep -q 'audit chain OK'" _ "$out"
e2e_done
