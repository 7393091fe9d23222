#!/bin/sh
# test_tui_clinical.sh - the clinical chart in the full-screen app: the
# front desk checks a patient in and sees no clinical section; a nurse
# records vitals (an impossible value refused with its reason, the cursor on
# it), an allergy that then shows in the banner, and a draft note written in
# the editor (a long paste included; unsaved text saved as a draft at an idle
# lock); a provider signs it, is refused editing it and adds an addendum
# shown beneath it, and closes the encounter; the vitals trend in
# monochrome at 80x24 and after a resize. Checks the screen and the
# database, and that the audit chain is intact at the end.
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
# open_chart QUERY: from the main menu, find and open a chart
open_chart() {
	menu 0
	tui_wait "Find:" 5 >/dev/null
	tui_type "$1"
	tui_wait "Okafor, Chidi" 5 >/dev/null
	tui_send Enter
	tui_wait "[Demographics]" 10 >/dev/null
}
# section NAME: Tab to a chart section
section() {
	i=0
	while [ $i -lt 8 ] && ! tui_screen | grep -qF "[$1]"; do
		tui_send Tab
		sleep 0.2
		i=$((i + 1))
	done
}
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Okafor first_name=Chidi dob=1990-01-15 sex=M)" patient add 2>/dev/null)

# ---- the front desk checks the patient in -----------------------------------
tui_start front
signon front "$PW_FRONT"
menu 2
tui_wait "Check a patient in" 5 >/dev/null
tui_type "okafor"
tui_wait "Okafor, Chidi" 5 >/dev/null
tui_send Enter
expect "check-in form over the chart" "Check in: a new encounter" 10
tui_send Tab
tui_type "prov"
tabs() { i=0; while [ $i -lt "$1" ]; do tui_send Tab; i=$((i + 1)); done; }
tabs 2
tui_type "cough for three days"
tui_send Enter
expect "Enter on the last field checks in" "Checked in: encounter 1" 10
expect "the front desk's chart has Demographics" "[Demographics]"
expect_not "... no Encounters section" "Encounters"
expect_not "... no allergy line" "Allergies"
expect_not "... no Notes section" "Notes"
quit_app
out=$(cli front "$PW_FRONT" chart show "$mrn" --section notes 2>&1)
check "core refuses the front desk the notes (exit 4)" [ $? -eq 4 ]
out=$(cli front "$PW_FRONT" encounter list "$mrn" 2>&1)
check "... and the encounter list" [ $? -eq 4 ]

# ---- a nurse: vitals, an allergy, a draft note --------------------------------
tui_start nurse
signon nurse "$PW_NURSE"
open_chart okafor
expect "the nurse sees the clinical sections" "Encounters  Vitals  Allergies  Medications  Problems  Notes"
expect "the banner says allergies are not recorded" "Allergies not recorded"
section Encounters
expect "the encounter from check-in is listed" "office visit  prov" 5
tui_send Enter
expect "Enter shows the encounter" "Encounter 1" 5
expect "... with its reason for visit (read by the nurse)" "cough for three days"
tui_send Escape
section Vitals
expect "Vitals section" "Trend, oldest to newest" 5
tui_send a
expect "a opens the vitals form" "Record vitals (leave blank" 5
expect "... on the open encounter" "office visit (open)"
tui_send Tab
tui_type "128/82"
tui_send Tab
tui_type "700"
tui_send Tab
tui_type "16"
tui_send Tab
tui_type "98.6"
tabs 3
tui_type "180"
tui_send F10
expect "an impossible pulse is refused with the reason" "Pulse 700 is not plausible" 10
expect "... the cursor on the pulse, marked" "!  Pulse (/min)"
check "nothing was saved" [ "$(sql "select count(*) from vitals")" -eq 0 ]
tui_send C-u
tui_type "72"
tui_send F10
expect "good vitals are saved" "Vitals saved" 10
expect "... and listed" "128/82  72" 5
expect "... weight in the configured unit" "180.0lb"
for v in "132/84 184" "124/80 178"; do
	set -- $v
	tui_send a
	tui_wait "Record vitals (leave blank" 5 >/dev/null
	tui_send Tab
	tui_type "$1"
	tui_send PageDown
	tui_type "$2"
	tui_send F10
	tui_wait "Vitals saved" 10 >/dev/null
done
expect "the weight trend runs oldest to newest" "178.0 lb (3)" 5
expect "the blood pressure trend too" "latest 124 mmHg (3)"
section Allergies
tui_send a
expect "a opens the allergy form" "New allergy" 5
tui_type "Penicillin"
tui_send Tab
tui_type "hives"
tui_send Tab
tui_type "s"
expect "typing a letter picks a severity" "< severe >" 5
tui_send F10
expect "the allergy shows in the banner" "ALLERGIES: Penicillin (severe)" 10
expect "... and in the list" "hives"
tui_send k
expect "no known allergies asks first" "no known allergies" 5
tui_send y
expect "... and core refuses it while an allergy is active" "active allergy" 10
tui_send Enter
section Medications
tui_send a
tui_wait "New medication" 5 >/dev/null
tui_type "Amoxicillin"
tui_send Tab
tui_type "500 mg"
tabs 2
tui_type "TID"
tui_send F10
expect "a medication is recorded" "Amoxicillin" 10
section Problems
tui_send a
expect "the nurse is not offered the problem list" "Not for your role (nurse)" 5
section Notes
expect "Notes lists the encounter" "Encounter 1" 5
tui_send a
expect "a starts a new note in the editor" "New note on encounter 1 (not saved yet)" 5
tui_type "Subjective: cough for three days, no fever. Canarynotetext."
tui_send Enter
# A long paste arrives as typed characters, line breaks included.
para="Objective: lungs clear on auscultation, no wheeze, no crackles; throat mildly erythematous; afebrile in clinic; vitals as recorded today. "
tui_type "$para$para$para$para$para
Plan: fluids, rest, return if worse or fever over three days."
expect "long text wraps in the editor" "Plan: fluids, rest, return if worse" 10
expect "... and is not saved yet" "not saved"
tui_send F10
expect "the draft is saved" "Note 1 saved as a draft." 10
check "the note text is not stored in clear" sh -c "! grep -aq Canarynotetext '$DB' '$DB-wal' 2>/dev/null"
tui_send Escape
expect "Esc leaves the editor for the saved note" "DRAFT by nurse" 5
tui_send s
expect "signing asks for confirmation first" "Sign note 1 as nurse? A signed note can never be changed." 10
tui_send n
expect "n leaves it unsigned" "Not signed." 5
check "... still a draft in the database" [ "$(sql "select status from notes where nrow = 1")" = draft ]
tui_send s
tui_wait "Sign note 1 as nurse?" 5 >/dev/null
tui_send y
expect "the nurse signs her own nursing note" "Note 1 signed by nurse." 10
expect "... shown as signed" "SIGNED by nurse"
tui_send Escape
expect "the note is listed as signed under the encounter" "Note 1  signed  nurse" 5
# Unsaved text is saved as a draft when the screen locks.
tui_send a
tui_wait "New note on encounter 1" 5 >/dev/null
tui_type "Nursing note: typed just before the lock."
tui_send F12
expect "F12 locks the editor" "Screen locked for nurse" 5
expect_not "... nothing of the note on the locked screen" "typed just before the lock"
tui_type "$PW_NURSE"
tui_send Enter
expect "after the unlock: the text was saved as a draft" "saved as draft 2 when the screen locked" 15
expect "... and is shown again" "typed just before the lock"
quit_app

# ---- a provider reads the nurse's signed note, is refused editing, adds an addendum
tui_start prov
signon prov "$PW_PROV"
open_chart "$mrn"
expect "the provider sees the allergy in the banner" "ALLERGIES: Penicillin (severe)"
section Notes
tui_send Down
tui_send Enter
expect "Enter reads the note" "SIGNED by nurse" 5
expect "... its text" "Canarynotetext"
tui_send e
expect "editing a signed note is refused with core's reason" "cannot be changed; add an addendum" 10
tui_send Enter
tui_send a
expect "a starts an addendum" "Addendum to note 1 (not saved yet)" 5
tui_type "Addendum: chest X-ray ordered after the exam."
tui_send F10
expect "the addendum is saved" "Addendum 3 saved as a draft." 10
tui_send Escape
tui_send Escape
tui_send Escape
tui_wait "Encounters newest first" 5 >/dev/null
check "the addendum is listed right beneath its note" sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t '$S' | grep -A1 'Note 1  signed' | grep -q '    Addendum 3'"
section Encounters
tui_send x
expect "closing an encounter asks first" "Close encounter 1?" 5
tui_send y
expect "the encounter is closed" "closed" 10
quit_app
out=$(cli prov "$PW_PROV" note list 1 2>/dev/null)
check "the database holds the signed note and the addendum" sh -c "printf '%s' \"\$1\" | grep -q 'signed by nurse' && printf '%s' \"\$1\" | grep -q 'addendum 3 to note 1'" _ "$out"

# ---- monochrome, 80x24 and a resize ---------------------------------------------
printf '[ui]\ncolor = never\n' >> "$CONF"
tui_start mono 80 24
signon nurse "$PW_NURSE"
open_chart okafor
section Vitals
expect "monochrome: the vitals table" "124/80" 5
expect "monochrome: the trend (blocks, no colour needed)" "Weight" 5
tui_resize 120 40
expect "bigger: still drawn" "Trend, oldest to newest" 5
tui_resize 60 20
expect "60x20: the chart in its compact layout" "ALLERGIES: Penicillin (severe)" 5
expect "... every section's tab (short names)" "Problems  Notes"
tui_resize 50 16
expect "too small says so" "Terminal too small" 5
tui_resize 80 24
expect "back to 80x24: the chart again" "ALLERGIES: Penicillin (severe)" 5
quit_app

out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "every clinical section shown was audited as viewed" sh -c "printf '%s' \"\$1\" | grep -c chart_view | grep -qv '^0$'" _ "$out"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain is still intact" sh -c "printf '%s' \"\$1\" | grep -q 'OK'" _ "$out"
e2e_done
