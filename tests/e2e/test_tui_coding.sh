#!/bin/sh
# test_tui_coding.sh - the HIM clerk's coding screens on the real ICD-10-CM
# files (FY2025 and FY2026) and the HCPCS sample: the coding queue with the
# patient, the days since the date of service (not since closing) and
# their aging bucket, the late ones marked and counted; an encounter of 2025-11-01 coded by words
# (diab 2 kidn); a header refused with its rule and its codes offered (D71,
# a header in FY2026, and E11); an out-of-date code refused (E11A on a
# 2025-06-01 encounter); a procedure pointing to the diagnosis; complete,
# finalise (asked first), locked, reopened with a reason, finalised again;
# the encounter leaves the queue; the audit trail holds the before and
# after codes and still verifies. Also: idle lock over the search, and the
# front desk has no coding queue. Runs in monochrome (late rows must be
# marked in words, not only in colour).
. "$(dirname "$0")/lib.sh"
e2e_setup
printf '[ui]\ncolor = never\n' >> "$CONF"

ICD=${CHARTROOM_ICD10CM:-$ROOT/../shared/data/icd10cm}
[ -f "$ICD/icd10cm_order_2026.txt" ] || ICD=/work/shared/data/icd10cm
cli him "$PW_HIM" codes import icd10cm "$ICD/icd10cm_order_2025.txt" --version FY2025 --effective 2024-10-01 >/dev/null 2>"$T/imp.err"
check "setup: FY2025 imported" [ $? -eq 0 ]
cli him "$PW_HIM" codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version FY2026 --effective 2025-10-01 >/dev/null 2>>"$T/imp.err"
check "setup: FY2026 imported" [ $? -eq 0 ]
cli him "$PW_HIM" codes import hcpcs "$ROOT/assets/codes/hcpcs-sample.txt" --version 2025 --effective 2025-01-01 >/dev/null 2>>"$T/imp.err"
check "setup: HCPCS sample imported" [ $? -eq 0 ]

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Codewell first_name=Ada dob=1950-02-03 sex=F)" patient add 2>/dev/null)
enc() { cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date "$1" 2>/dev/null; }
E_JUNE=$(enc 2025-06-01)
E_NOV=$(enc 2025-11-01)
E_OTHER=$(enc 2025-11-03)
# Two of them closed weeks ago (late entries: an edit of closed_at in the
# file would now fail the encounter's integrity check).
cli nurse "$PW_NURSE" encounter close "$E_JUNE" --date "$(date -u -d '-45 days' +%Y-%m-%d)" >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$E_NOV" >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$E_OTHER" --date "$(date -u -d '-40 days' +%Y-%m-%d)" >/dev/null 2>&1
check "setup: three closed encounters" [ "$(sql "select count(*) from encounters where status='closed'")" = 3 ]

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
# line_no "text": the screen line number holding text (first one)
line_no() { tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
# menu_open "item": move the menu cursor to the item and press Enter
menu_open() {
	top=$(line_no "Main menu for")
	at=$(line_no "$1")
	tui_send Home
	i=$((top + 2))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
# queue_open ENC: move the queue cursor to encounter ENC and press Enter
queue_open() {
	head=$(line_no " Enc ")
	at=$(tui_screen | grep -nE "^[! ]$1 +[0-9]{4}-" | head -1 | cut -d: -f1)
	tui_send Home
	i=$((head + 1))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}
# expect_re "description" REGEX [seconds]
expect_re() {
	limit=$(( ${3:-5} * 10 )); i=0
	while [ $i -lt $limit ]; do
		tui_screen | grep -qE -- "$2" && { ok "$1"; return; }
		sleep 0.1; i=$((i + 1))
	done
	not_ok "$1" "$(tui_screen)"
}

# ---- the front desk has no coding queue ----
tui_start front
signon front "$PW_FRONT"
expect "front desk menu" "Main menu for front (frontdesk)"
expect_not "the front desk does not see the coding queue" "Coding queue"
tui_stop

# ---- the HIM clerk ----
tui_start him
signon him "$PW_HIM"
expect "HIM menu has the coding queue" "Coding queue"
menu_open "Coding queue"
expect "the coding queue opens" "Chartroom | Coding queue" 10
# Days since a date of service, as the clinic (UTC here) counts them.
days() { echo $(( ($(date -u +%s) - $(date -u -d "$1" +%s)) / 86400 )); }
expect "the heading counts the late ones (every visit is months old)" "3 encounters waiting for coding, oldest first; 3 waiting over 30 days"
expect "column headings, the patient's among them" "Enc     Service    Days Aging MRN          Patient               Coding"
order=$(tui_screen | grep -E '^[! ][0-9]+ +[0-9]{4}-' | awk '{print $1}' | tr -d '!' | tr '\n' ' ')
check "oldest date of service first: June, November 1, November 3" [ "$order" = "$E_JUNE $E_NOV $E_OTHER " ]
expect_re "the June encounter: its patient, days since the visit, >30, LATE in words" "^!$E_JUNE +2025-06-01 +$(days 2025-06-01) +>30 +$mrn +Codewell, Ada +uncoded +LATE"
expect_re "the November encounter closed today counts from its date of service" "^!$E_NOV +2025-11-01 +$(days 2025-11-01) +>30 +$mrn +Codewell, Ada +uncoded +LATE"

# Out of date: E11A is FY2026; the June encounter's code set is FY2025.
queue_open "$E_JUNE"
expect "Enter opens the encounter's coding" "Encounter $E_JUNE   Service 2025-06-01   Provider prov   Coding: uncoded" 10
tui_send a
expect "a opens the diagnosis search" "Add a diagnosis to encounter $E_JUNE (service 2025-06-01): ICD-10-CM"
tui_type "E11A"
expect "E11A is not in FY2025: no hit" "No code matches; Enter checks the typed code."
tui_send Enter
expect "an out-of-date code is refused with its rule" "Rule 'valid on the date of service': E11.A is not in ICD-10-CM FY2025"
expect "... saying where it is valid" "billable in FY2026 (from 2025-10-01)"
tui_send Escape
expect "Esc goes back to the coding screen" "Diagnoses (ICD-10-CM), 0 of 12"
tui_send Escape
expect "Esc goes back to the queue" "Chartroom | Coding queue"

# The November encounter.
queue_open "$E_NOV"
expect "the November encounter opens" "Encounter $E_NOV   Service 2025-11-01   Provider prov   Coding: uncoded" 10
expect "nothing coded yet" "No diagnoses yet."
tui_send a
tui_type "d71"
expect "D71 is listed as a header in FY2026" "D71       [header] Functional disorders"
tui_send Enter
expect "D71 (a header) is refused with its rule" "Rule 'billable code': D71 is a header in ICD-10-CM FY2026"
expect "... and its codes are offered" "Codes under D71"
expect "... D71.1 among them" "D71.1     Leukocyte adhesion deficiency"
tui_send Escape
expect "Esc closes the header, back to the search" "Code       Description"
tui_send C-u
tui_type "E11"
expect "E11 is a header" "E11       [header] Type 2 diabetes mellitus"
tui_send Enter
expect "E11 is refused with its rule, its codes offered" "Rule 'billable code': E11 is a header"
expect "... Codes under E11" "Codes under E11"
tui_send C-u
tui_type "diab 2 kidn"
expect "words in any order, each a prefix, find E11.21" "E11.21    Type 2 diabetes mellitus with diabetic nephropathy"
expect "... and E11.22" "E11.22    Type 2 diabetes mellitus with diabetic chronic kidney disease"
expect "typing a new text closes the header list" "Code       Description"
hit=$(tui_screen | grep -nE '^ E11\.21 ' | cut -d: -f1)
first=$(($(line_no "Code       Description") + 1))
i=$first
while [ "$i" -lt "$hit" ]; do tui_send Down; i=$((i + 1)); done
tui_send Enter
expect "Enter on a billable code adds it" "Diagnosis 1: E11.21" 5
expect "back on the coding screen, E11.21 is the primary" "1. E11.21    (primary) Type 2 diabetes mellitus with diabetic nephropathy"
tui_send a
tui_type "e11.21"
expect "code prefix with the dot finds it" "E11.21    Type 2"
tui_send Enter
expect "a duplicate is refused with its rule" "Rule 'no duplicates': E11.21 is already diagnosis 1."
tui_send Escape

# A procedure pointing to the diagnosis.
tui_send p
expect "p opens the procedure search" "Add a procedure to encounter $E_NOV (service 2025-11-01): HCPCS"
tui_type "influenza"
expect "HCPCS search by word" "G0008     Administration of influenza virus vaccine"
tui_send Enter
expect "Enter opens the procedure form" "HCPCS G0008  Administration of influenza virus vaccine"
expect "... listing the diagnoses to point to" "1. E11.21"
tui_send Tab
tui_send Tab
tui_send C-u
tui_type "5"
tui_send Enter
expect "a pointer to no diagnosis is refused with its rule" "Rule 'procedure points to a diagnosis'"
tui_send C-u
tui_type "1"
tui_send Enter
expect "the procedure is added" "Procedure line 1: G0008" 5
expect_re "the line shows code, units and pointer" "1\. G0008 +- +1 +1 +Administration of influenza"

# Finalise before completing: refused by core.
tui_send f
expect "f asks first" "Finalise the coding of encounter $E_NOV? Final coding is locked. (y/n)"
tui_send y
expect "finalising uncoded coding is refused" "coding is uncoded; it cannot become final"
tui_send x
tui_send c
expect "c completes (every rule checked)" "Encounter $E_NOV's coding is now coded." 5
tui_send f
expect "f asks again" "Finalise the coding of encounter $E_NOV?"
tui_send n
expect "n: nothing changed" "Nothing was changed."
expect "still coded" "Coding: coded"
tui_send f
tui_send y
expect "y finalises" "Encounter $E_NOV's coding is now final." 5
expect "final coding shows as locked" "FINAL: the coding is locked. o reopens it, with a reason."
tui_send a
expect "an edit on final coding is refused with core's message" "coding is final: reopen it" 5
tui_send x
tui_send d
expect "remove asks first" "Remove diagnosis 1, E11.21, and the pointers to it? (y/n)"
tui_send y
expect "... and core refuses it on final coding" "coding is final: reopen it" 5
tui_send x

# Reopen with a reason, then finalise again.
tui_send o
expect "o asks the reason" "Reopen the coding of encounter $E_NOV" 5
tui_type "oops"
tui_send Enter
expect "a one-word reason is refused" "Give the reason for reopening the coding (a few words)"
tui_send C-u
tui_type "payer query on the primary diagnosis"
tui_send Enter
expect "reopened with a reason" "Encounter $E_NOV's coding is now coded." 5
expect "back on the coding screen, coded" "Coding: coded"
tui_send f
tui_send y
expect "finalised again" "Encounter $E_NOV's coding is now final." 5

# Idle lock (F12 here) while typing a search: the text and hits go.
tui_send Escape
expect "back to the queue after finalising" "Chartroom | Coding queue" 5
expect "the finalised encounter has left the queue" "2 encounters waiting for coding, oldest first; 2 waiting over 30 days"
check "... its row is gone" sh -c "! printf '%s\n' \"\$1\" | grep -qE '^[! ]$E_NOV +[0-9]{4}-'" _ "$(tui_screen)"
queue_open "$E_OTHER"
expect "the other encounter opens" "Encounter $E_OTHER   Service 2025-11-03" 10
tui_send a
tui_type "diab 2 kidn"
expect "a search with hits" "E11.21    Type 2"
tui_send F1
expect "F1 opens the help over the search" "Chartroom | Help: keys" 5
tui_send End
expect "... listing the coding keys" "add_procedure"
tui_send Escape
expect "Esc: back to the search, text kept" "Search: diab 2 kidn" 5
tui_resize 58 18
expect "too small a terminal says so" "Terminal too small: need 60x20" 5
tui_resize 80 24
expect "back to 80x24: the search and its hits again" "E11.21    Type 2" 5
tui_send F12
expect "the screen locks" "Screen locked for him" 5
expect_not "the hits are not on the lock screen" "E11.21"
tui_type "$PW_HIM"
tui_send Enter
expect "unlocked, back on the search" "Add a diagnosis to encounter $E_OTHER" 10
expect_not "the typed search was wiped by the lock" "Search: diab"
tui_type "$(printf 'x%.0s' $(seq 1 200))"
expect "over-long input is stopped with a message" "That is as much as this field can hold." 5
tui_send Enter
expect "... and Enter has core say it is not a code" "Rule 'code exists'" 5
tui_send C-u
tui_type "essential hyp"
expect "the search works after the unlock" "I10       Essential (primary) hypertension"
tui_send Escape
tui_send Escape
expect "back to the queue" "Chartroom | Coding queue" 5
tui_send F5
expect "F5 reads the queue again" "2 encounters waiting for coding"
tui_send Escape
expect "Esc back to the menu" "Main menu for him" 5
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit" "[exit 0]" 10

# ---- the database afterwards ----
out=$(cli him "$PW_HIM" coding show "$E_NOV" 2>&1)
check "core: the November encounter's coding is final" sh -c "printf '%s\n' \"\$1\" | grep -q 'coding final'" _ "$out"
check "core: E11.21 is the primary diagnosis" sh -c "printf '%s\n' \"\$1\" | grep -q 'dx 1 (primary) E11.21'" _ "$out"
check "core: G0008 points to diagnosis 1" sh -c "printf '%s\n' \"\$1\" | grep -q 'px 1 hcpcs G0008 x1 -> 1'" _ "$out"
out=$(cli him "$PW_HIM" coding queue 2>/dev/null)
check "core: the queue no longer holds it" sh -c "! printf '%s\n' \"\$1\" | grep -q '^$E_NOV	'" _ "$out"
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "audit: coding_finalize with the before and after codes" sh -c "printf '%s\n' \"\$1\" | grep 'coding_finalize' | grep -q 'before \[dx: E11.21 px: G0008\] after \[dx: E11.21 px: G0008\]'" _ "$out"
check "audit: the reopen and its reason" sh -c "printf '%s\n' \"\$1\" | grep 'coding_reopen' | grep -q 'reason: payer query on the primary diagnosis'" _ "$out"
check "audit: the added diagnosis, before and after" sh -c "printf '%s\n' \"\$1\" | grep 'coding_change' | grep -q 'before \[dx: px:\] after \[dx: E11.21 px:\]'" _ "$out"
check "audit: nothing was changed by the refusals (one add-dx, one add-px)" [ "$(printf '%s\n' "$out" | grep -c 'coding_change')" = 2 ]
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "audit chain still verifies" sh -c "printf '%s\n' \"\$1\" | grep -q 'audit chain OK'" _ "$out"
e2e_done
