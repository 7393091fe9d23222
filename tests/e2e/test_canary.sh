#!/bin/sh
# test_canary.sh - a unique canary word in every free-text field a patient's
# record can hold (names, address, contacts, insurance; the encounter's
# location and reason for visit; allergy substance and reaction; medication
# name, dose and frequency; problem description; note and addendum; the
# break-the-glass reason and a coding reopen reason, which live in audit
# details), then `strings` over the database file and its WAL must show
# none of them, before and after a checkpoint. The location and the
# frequency were clear text before schema 007.
. "$(dirname "$0")/lib.sh"
e2e_setup

cat > "$T/p.csv" <<CSV
last_name,first_name,middle_name,dob,sex,address1,address2,city,state,zip,phone_home,email,language,payer,member_id,emergency_name,emergency_relation,emergency_phone,confidential
Canarylastname,Canaryfirstname,Canarymiddlename,1961-07-08,F,12 Canaryaddressone St,Apt Canaryaddresstwo,Canarycity,MA,02134,617-555-0142,canaryemail@example.org,Canarylanguage,Canarypayer,CANARYMEMBER77,Canaryecname Smith,Canaryrelation,617-555-0199,yes
CSV
cli him "$PW_HIM" import patients "$T/p.csv" >/dev/null 2>&1
check "setup: the patient is imported" [ "$(sql "select count(*) from patients")" = 1 ]
MRN=$(find_q him "$PW_HIM" Canarylastname 2>/dev/null | cut -f1)
ENC=$(clin front "$PW_FRONT" "$(csv visit_reason="Canaryreason cough" reason="Canarybtgreason checking in today")" \
	encounter add "$MRN" --type "office visit" --provider prov \
	--location "Canarylocation annex" --mrn "$MRN" 2>/dev/null)
check "setup: an encounter with a location and a reason" [ -n "$ENC" ]
clin nurse "$PW_NURSE" "$(csv substance=Canarysubstance reaction="Canaryreaction hives" reason="urgent review of allergies")" \
	allergy add "$MRN" --severity mild --mrn "$MRN" >/dev/null 2>&1
check "setup: an allergy (opened by break-the-glass with a reason)" [ "$(sql "select count(*) from allergies")" = 1 ]
clin nurse "$PW_NURSE" "$(csv name=Canarymedname dose="Canarydose 10 mg" frequency="Canaryfrequency daily" reason="second look at the chart")" \
	med add "$MRN" --route PO --mrn "$MRN" >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Canaryproblem description")" problem add "$MRN" >/dev/null 2>&1
printf 'Canarynote body text.\n' > "$T/note.txt"
printf 'Canaryaddendum text.\n' > "$T/add.txt"
NOTE=$(cli prov "$PW_PROV" note add "$ENC" --file "$T/note.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$NOTE" >/dev/null 2>&1
cli prov "$PW_PROV" note addendum "$NOTE" --file "$T/add.txt" >/dev/null 2>&1
cli him "$PW_HIM" codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv reason="closing after the visit")" encounter close "$ENC" --mrn "$MRN" >/dev/null 2>&1
cli him "$PW_HIM" coding add-dx "$ENC" I10 >/dev/null 2>&1
cli him "$PW_HIM" coding complete "$ENC" >/dev/null 2>&1
cli him "$PW_HIM" coding finalize "$ENC" >/dev/null 2>&1
clin him "$PW_HIM" "$(csv why="Canaryreopen wrong code chosen")" coding reopen "$ENC" >/dev/null 2>&1
check "setup: every row was written" \
	[ "$(sql "select (select count(*) from medications) || (select count(*) from problems) || (select count(*) from notes) || (select count(*) from btg_queue) || (select coding_status from encounters)")" = "1124coded" ]
# Everything readable again by those who may (the canaries are there).
out=$(cli prov "$PW_PROV" chart show "$MRN" 2>&1)
check "the chart shows every value" sh -c 'for w in Canarylocation Canaryreason Canarysubstance Canaryreaction Canarymedname Canarydose Canaryfrequency Canaryproblem Canarynote Canaryaddendum; do printf "%s" "$1" | grep -q "$w" || exit 1; done' _ "$out"

canaries() { # FILE...: every canary word found in the files' strings
	for f in "$@"; do [ -f "$f" ] && strings -n 5 "$f"; done | grep -io 'canary[a-z]*' | sort -u | tr '\n' ' '
}
found=$(canaries "$DB" "$DB-wal")
check "no canary in the database file or its WAL" [ -z "$found" ] || echo "# found: $found"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
found=$(canaries "$DB" "$DB-wal")
check "no canary in the database file after a checkpoint" [ -z "$found" ] || echo "# found: $found"
check "the location and frequency clear columns hold nothing" \
	[ "$(sql "select (select count(*) from encounters where location != '') + (select count(*) from medications where frequency != '')")" = 0 ]
e2e_done
