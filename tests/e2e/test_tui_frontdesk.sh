#!/bin/sh
# test_tui_frontdesk.sh - the front desk in the full-screen app: registering
# a patient through the form (bad values refused with their reason as the
# field is left), the duplicate warning and "register anyway" (audited),
# finding patients as one types (prefix, "last, first", MRN, DOB in both
# formats, phone and its last four), the chart banner, editing
# demographics and a save conflict from a second session, a nurse's
# break-the-glass, check-in, and what typed text survives an idle lock (a
# half-typed registration; not an unsaved edit). Checks the screen and the
# database.
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
# expect_gone "description" "text" [seconds]: text leaves the screen
expect_gone() {
	i=0
	while [ $i -lt $(( ${3:-5} * 10 )) ]; do
		tui_screen | grep -qF -- "$2" || { ok "$1"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "$1" "$(tui_screen)"
}
tabs() { i=0; while [ $i -lt "$1" ]; do tui_send Tab; i=$((i + 1)); done; }
# menu N: open the Nth item (0 = first) of the main menu
menu() { tui_send Home; i=0; while [ $i -lt "$1" ]; do tui_send Down; i=$((i + 1)); done; tui_send Enter; }
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}
F() { cli front "$PW_FRONT" "$@"; }

# ---- registration through the form -----------------------------------------
tui_start front
signon front "$PW_FRONT"
menu 1
expect "Register a patient opens the form" "New patient" 5
expect "required fields are marked" "* Last name"
tui_type "Ok4for"
tui_send Tab
expect "a name with digits is refused as the field is left" "Last name may contain only letters" 5
expect "... and the field is marked" "!* Last name"
tui_send C-u
tui_type "Quibbleworth"
tui_send Tab
expect_gone "a good name clears the refusal" "!* Last name"
tui_type "Zenobia"
tabs 1
tui_type "Ottoline"
tabs 2
tui_type "02/30/1990"
tui_send Tab
expect "an impossible date of birth is refused" "Date of birth: 02/30/1990 is not a real date." 5
tui_send C-u
tui_type "3/14/1975"
tui_send Tab
expect "a good date is put back normalised" "1975-03-14" 5
tui_type "f"
tui_send Tab
expect "sex is upper-cased when left" "Sex (F/M/X/U)       F" 5
tabs 4
tui_type "123"
tui_send Tab
expect "a short ZIP is refused" "ZIP '123' must be 5 digits" 5
tui_send C-u
tui_type "02139"
tui_send Tab
tui_type "555-0123"
tui_send Tab
expect "a phone without area code is refused" "must have 10 digits with the area code" 5
tui_send C-u
tui_type "(508) 555 0199"
tui_send Tab
expect "a phone is normalised" "508-555-0199" 5
tui_type "617.555.0142"
tabs 2
tui_type "123-45-6789"
tui_send Tab
expect "the form scrolls past the 24th line" "Preferred language" 5
expect "the SSN is masked once left" "***-**-6789"
expect_not "... never shown whole" "123-45-6789"
tui_send F10
expect "registering opens the new chart" "Chart" 10
expect "the banner shows the name" "Quibbleworth, Zenobia Ottoline" 5
expect "... the DOB and age" "DOB 1975-03-14 ("
mrn=$(find_q front "$PW_FRONT" "quibbleworth" 2>/dev/null | cut -f1 | head -1)
check "the patient is in the database with an MRN" sh -c "printf '%s' '$mrn' | grep -Eq '^CR[0-9]{8}$'"
expect "... shown in the banner" "$mrn"
out=$(F patient show "$mrn" 2>/dev/null)
check "what was typed was stored normalised" sh -c "printf '%s' \"\$1\" | grep -q 'Mobile phone: *617-555-0142' && printf '%s' \"\$1\" | grep -q 'ZIP: *02139'" _ "$out"
check "registration is audited" [ "$(sql "select count(*) from audit where action = 'patient_register'")" -eq 1 ]
tui_send Escape
tui_wait "Main menu" 5 >/dev/null

# A second, near-identical patient: the duplicate warning.
menu 1
tui_wait "New patient" 5 >/dev/null
tui_type "Quibleworth"
tui_send Tab
tui_type "Zenobia"
tabs 3
tui_type "1975-03-14"
tui_send Tab
tui_type "F"
tui_send F10
expect "a likely duplicate is shown before saving" "Possible duplicate" 10
expect "... with the first patient's MRN" "$mrn"
expect "... a score and what matched" "matched on: last name sound"
check "nothing was saved yet" [ "$(sql "select count(*) from patients")" -eq 1 ]
tui_send Escape
expect "Esc goes back to the form" "New patient" 5
expect "... with nothing lost" "Quibleworth"
tui_send F10
tui_wait "Possible duplicate" 10 >/dev/null
tui_send Enter
expect "Enter on a match opens that chart" "Quibbleworth, Zenobia Ottoline" 10
tui_send Escape
expect "Esc from that chart returns to the warning" "Possible duplicate" 5
tui_send a
expect "register anyway asks first" "Register as a new patient anyway?" 5
tui_send n
expect_gone "n: not registered" "Register as a new patient anyway?"
check "still only one patient" [ "$(sql "select count(*) from patients")" -eq 1 ]
tui_send a
tui_wait "Register as a new patient anyway?" 5 >/dev/null
tui_send y
expect "register anyway saves and opens the chart" "Quibleworth, Zenobia" 10
# The warning screen shows the new name too ("New: Quibleworth, Zenobia"):
# the save may still be under way, so the count is polled.
i=0
while [ $i -lt 100 ] && [ "$(sql "select count(*) from patients" 2>/dev/null)" != 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "now two patients" [ "$(sql "select count(*) from patients")" -eq 2 ]
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "registering despite the warning is audited" sh -c "printf '%s' \"\$1\" | grep -q 'patient_register_anyway'" _ "$out"
tui_send Escape
tui_wait "Main menu" 5 >/dev/null

# UTF-8 names and over-long input through the form.
menu 1
tui_wait "New patient" 5 >/dev/null
long=$(printf 'Verylongname%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
tui_type "$long"
expect "an over-long value stops at what the field holds" "That is as much as this field can hold" 5
tui_send Tab
expect "... and is refused as too long when left" "too long" 5
tui_send C-u
tui_type "Núñez-O'Connor"
tui_send Tab
tui_type "José Ángel"
tabs 3
tui_type "1988-07-04"
tui_send Tab
tui_type "M"
tui_send F10
expect "a UTF-8 name registers" "Núñez-O'Connor, José Ángel" 10
tui_send Escape
tui_wait "Main menu" 5 >/dev/null

# A half-typed registration is kept through an idle lock (F12 locks at
# once), out of sight, for the same user (test_tui_forms.sh: and wiped for
# another).
menu 1
tui_wait "New patient" 5 >/dev/null
tui_type "Canarylastname"
tui_send F12
expect "F12 locks the registration form" "Screen locked for front" 5
expect_not "nothing typed stays on the locked screen" "Canarylastname"
tui_type "$PW_FRONT"
tui_send Enter
expect "unlock: back at the form" "New patient" 15
expect "... with what was typed kept" "Canarylastname"
tui_send Escape
expect "Esc asks before forgetting it" "Cancel this registration" 5
tui_send y
tui_wait "Main menu" 5 >/dev/null

# ---- finding patients as one types -------------------------------------------
clin front "$PW_FRONT" "$(csv last_name=Smith first_name=John dob=1950-01-01 sex=M)" patient add >/dev/null 2>&1
clin front "$PW_FRONT" "$(csv last_name=Smithers first_name=Waylon dob=1960-02-02 sex=M)" patient add >/dev/null 2>&1
menu 0
expect "Find a patient opens with the search box" "Find:" 5
expect "an empty box lists recent charts" "Quibbleworth, Zenobia" 5
tui_type "s"
expect "one letter asks for more" "at least 2 letters" 5
tui_type "m"
expect "sm lists Smith" "Smith, John" 5
expect "... and Smithers" "Smithers, Waylon"
tui_type "ithe"
expect "the list follows each key: smithe" "Smithers, Waylon" 5
expect_gone "... Smith is gone" "Smith, John "
tui_send C-u
tui_type "quibbleworth, zen"
expect "last, first finds the patient" "Quibbleworth, Zenobia Ottoline" 5
expect_gone "... and not the other spelling" "Quibleworth"
tui_send C-u
tui_type "$mrn"
expect "an MRN finds the patient" "Quibbleworth, Zenobia Ottoline" 5
tui_send C-u
tui_type "1975-03-14"
expect "an ISO date of birth finds both patients born that day" "Quibleworth, Zenobia" 5
expect "... the first one too" "Quibbleworth, Zenobia Ottoline"
tui_send C-u
tui_type "03/14/1975"
expect "a US date of birth finds them" "Quibbleworth, Zenobia Ottoline" 5
tui_send C-u
tui_type "(617) 555-0142"
expect "a phone number finds the patient" "Quibbleworth, Zenobia Ottoline" 5
tui_send C-u
tui_type "0142"
expect "the last four digits of a phone find the patient" "Quibbleworth, Zenobia Ottoline" 5
tui_send C-u
tui_type "nunez"
expect "a UTF-8 name is found typed without accents" "Núñez-O'Connor" 5
tui_send C-u
tui_type "zzqq"
expect "nobody found says so" "No patient found" 5
tui_send C-u
tui_type "CR0"
expect "an MRN being typed lists no names: it says what an MRN is" "Keep typing: an MRN is CR" 5
expect_not "... (not the Craigs and Crosbys of 'cr')" "Quibbleworth"
tui_send C-u
wrong=$(printf '%s' "$mrn" | sed 's/.$//')$(( ( ${mrn#"${mrn%?}"} + 1 ) % 10 ))
tui_type "$wrong"
expect "a mistyped MRN is named as such" "is not valid here" 5
tui_send C-u
# Every search typed so far is recorded already (in the audit journal,
# before its results were shown), with the clerk still signed on.
check "the searches are recorded as they are shown" [ "$(audited patient_search front)" -gt 0 ]
check "... by token, never the text typed" [ "$(sql "select count(*) from audit where action = 'patient_search' and (instr(detail, 'zzqq') > 0 or instr(detail, 'nunez') > 0)")" -eq 0 ]
check "... not in the audit journal either" sh -c '! grep -aqE "zzqq|nunez|name:" "$1"' _ "$DB.audit-journal"
tui_type "$mrn"
tui_wait "Quibbleworth, Zenobia Ottoline" 5 >/dev/null
tui_send Enter
expect "Enter opens the chart" "Chart" 5
expect "... with the banner" "$mrn  DOB 1975-03-14" 5
expect "the front desk sees Demographics" "[Demographics]"
expect_not "... and no clinical section" "Vitals"
expect_not "... none at all" "Allergies"
tui_send Tab
tui_send a
sleep 0.5
expect_not "keys of clinical sections do nothing here" "Record vitals"
out=$(F chart show "$mrn" --section vitals 2>&1)
rc=$?
check "core refuses the front desk a clinical section (exit 4)" [ $rc -eq 4 ]
quit_app

# ---- editing demographics, and a save conflict from a second session --------
open_chart() { # USER PASSWORD MRN
	signon "$1" "$2"
	menu 0
	tui_wait "Find:" 5 >/dev/null
	tui_type "$3"
	tui_wait "$3" 5 >/dev/null
	tui_send Enter
	tui_wait "[Demographics]" 10 >/dev/null
}
tui_start edit1
S1=$S
open_chart front "$PW_FRONT" "$mrn"
tui_start edit2
S2=$S
open_chart him "$PW_HIM" "$mrn"
S=$S1
tui_send e
expect "e edits the demographics in place" "Editing:  F10 save" 5
tabs 8
tui_type "Somerville"
S=$S2
tui_send e
tui_wait "Editing:  F10 save" 5 >/dev/null
tabs 8
tui_type "Medford"
S=$S1
tui_send F10
expect "the first save is saved" "Saved: version 2" 10
expect "... and shown" "Somerville 02139"
S=$S2
tui_send F10
expect "the second save is refused, naming who saved" "front saved this record at" 10
tui_send Enter
expect "the refused edits stay on screen" "Medford" 5
expect "... still being edited" "Editing:  F10 save"
out=$(F patient show "$mrn" 2>/dev/null)
check "the first save was not overwritten" sh -c "printf '%s' \"\$1\" | grep -q 'City: *Somerville' && ! printf '%s' \"\$1\" | grep -q Medford" _ "$out"
check "the record is at version 2" sh -c "printf '%s' \"\$1\" | grep -q 'Version: *2'" _ "$out"
tui_send Escape
expect "Esc with changes asks before discarding" "Discard your changes" 5
tui_send y
tui_send F5
expect "F5 reads the chart again: the other save shows" "Somerville" 10
S=$S1
tui_send e
tui_wait "Editing:  F10 save" 5 >/dev/null
tabs 8
tui_send C-u
tui_type "Medford"
tui_send F12
expect "an idle lock during an edit" "Screen locked for front" 5
expect_not "... shows none of it" "Medford"
tui_type "$PW_FRONT"
tui_send Enter
expect "unlock: back at the chart" "[Demographics]" 15
expect_not "... the unsaved edit dropped" "Medford"
expect "... the record read again" "Somerville"
tui_stop
S=$S2
tui_stop

# ---- check-in -------------------------------------------------------------------
tui_start checkin
signon front "$PW_FRONT"
menu 2
expect "Check a patient in opens the search" "Check a patient in" 5
tui_type "$mrn"
tui_wait "Quibbleworth" 5 >/dev/null
tui_send Enter
expect "Enter opens the check-in form over the chart" "Check in: a new encounter" 10
expect "... with the patient's banner" "Quibbleworth, Zenobia Ottoline"
expect "... the configured visit types" "< office visit >"
tui_send Tab
tui_type "front"
tabs 2
tui_type "follow-up of cough"
tui_send F10
expect "a user who is not a provider is refused" "front is not an active provider" 10
tui_send C-u
tui_type "prov"
tui_send F10
expect "check-in saves" "Checked in: encounter" 10
expect "... back on the chart" "[Demographics]"
out=$(cli nurse "$PW_NURSE" encounter list "$mrn" 2>/dev/null)
check "the encounter is in the database" sh -c "printf '%s' \"\$1\" | grep -q 'office visit	prov	Main clinic	open'" _ "$out"
quit_app

# ---- break-the-glass ------------------------------------------------------------
mc=$(clin front "$PW_FRONT" "$(csv last_name=Vantablack first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
tui_start btg
signon nurse "$PW_NURSE"
menu 0
tui_wait "Find:" 5 >/dev/null
tui_type "$mc"
tui_wait "CONF" 5 >/dev/null
expect "a confidential patient is marked in the list" "CONF"
tui_send Enter
expect "a confidential chart asks for a reason" "break the glass" 10
expect_not "... and shows none of the chart" "1966-06-06"
tui_send Escape
expect "Esc cancels" "the chart was not opened" 5
check "... nothing was opened or audited" [ "$(sql "select count(*) from audit where user_name = 'nurse' and action in ('chart_open', 'break_the_glass')")" -eq 0 ]
tui_send Enter
tui_wait "break the glass" 10 >/dev/null
tui_type "x"
tui_send Enter
expect "a one-word reason is refused" "Reason not accepted" 10
tui_send Enter
expect_not "... and nothing opens" "CONFIDENTIAL"
tui_send C-u
tui_type "patient in triage with chest pain"
tui_send Enter
expect "with a reason the chart opens" "Vantablack, Celeste" 10
expect "... marked CONFIDENTIAL" "CONFIDENTIAL"
expect "... saying the access is recorded" "break-the-glass"
out=$(cli admin "$PW_ADMIN" audit list --by nurse 2>/dev/null)
check "break_the_glass is audited with the reason" sh -c "printf '%s' \"\$1\" | grep 'break_the_glass' | grep -q 'triage with chest pain'" _ "$out"
check "... and queued for the privacy officer" [ "$(sql "select count(*) from btg_queue where user_name = 'nurse'")" -eq 1 ]
quit_app

out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain is still intact" sh -c "printf '%s' \"\$1\" | grep -q 'OK'" _ "$out"
e2e_done
