#!/bin/sh
# The clinical chart on the command line: check-in by the front desk,
# vitals with plausibility limits, allergies and the banner, medications,
# problems, notes signed then amended, the front desk kept out, and no
# clinical text in the database file.
. "$(dirname "$0")/lib.sh"
e2e_setup
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Testa first_name=Rosalind dob=1960-01-01 sex=F)" patient add 2>/dev/null)
enc=$(clin front "$PW_FRONT" "$(csv visit_reason="persistent marmalade cough")" encounter add "$mrn" --type "office visit" --provider prov --location "Room 4" 2>/dev/null)
check "the front desk checks a patient in (prints the encounter number)" sh -c "[ -n '$enc' ] && [ '$enc' -gt 0 ]"
cli front "$PW_FRONT" encounter add "$mrn" --type "séance" --provider prov >/dev/null 2>&1
check "an unknown encounter type is refused" [ $? -eq 1 ]
cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider nurse >/dev/null 2>&1
check "a provider who is not a provider is refused" [ $? -eq 1 ]
out=$(cli front "$PW_FRONT" encounter list "$mrn" 2>&1)
check "the front desk cannot list encounters (exit 4)" sh -c "printf '%s' \"\$1\" | grep -qi 'permission denied'" _ "$out"
out=$(cli nurse "$PW_NURSE" encounter list "$mrn")
check "a nurse reads the reason for visit the front desk sealed" sh -c "printf '%s' \"\$1\" | grep -q 'persistent marmalade cough'" _ "$out"

# vitals
out=$(cli nurse "$PW_NURSE" vitals add "$enc" --bp 120/80 --pulse 700 2>&1)
rc=$?
check "a pulse of 700 is refused (exit 1)" [ $rc -eq 1 ]
check "with its reason" sh -c "printf '%s' \"\$1\" | grep -q 'Pulse 700 is not plausible'" _ "$out"
out=$(cli nurse "$PW_NURSE" vitals add "$enc" --temp 9 2>&1)
check "a temperature of 9 is refused with its reason" sh -c "printf '%s' \"\$1\" | grep -q 'Temperature 9F is not plausible'" _ "$out"
out=$(cli nurse "$PW_NURSE" vitals add "$enc" --bp 80/120 2>&1)
check "a diastolic above the systolic is refused" sh -c "printf '%s' \"\$1\" | grep -q 'diastolic must be below'" _ "$out"
check "nothing was saved by the refusals" [ "$(sql "select count(*) from vitals")" = 0 ]
cli nurse "$PW_NURSE" vitals add "$enc" --bp 128/84 --pulse 72 --resp 16 --temp 98.6 --spo2 98 --height "5'6\"" --weight 150 >/dev/null 2>&1
check "plausible vitals are saved" [ "$(sql "select count(*) from vitals where systolic = 128 and pulse = 72")" = 1 ]
check "temperature is stored in Celsius" [ "$(sql "select round(temp_c, 1) from vitals")" = "37.0" ]
check "BMI is computed" [ "$(sql "select bmi from vitals")" = "24.2" ]
cli nurse "$PW_NURSE" vitals add "$enc" --weight 70kg >/dev/null 2>&1
check "BMI uses the latest height when none is given" [ "$(sql "select bmi from vitals order by vrow desc limit 1")" = "24.9" ]
cli front "$PW_FRONT" vitals add "$enc" --pulse 80 >/dev/null 2>&1
check "the front desk cannot record vitals (exit 4)" [ $? -eq 4 ]

# allergies and the banner
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section allergies)
check "before anything is recorded the banner says allergies not recorded" sh -c "printf '%s' \"\$1\" | grep -q 'Allergies not recorded'" _ "$out"
cli nurse "$PW_NURSE" allergy nka "$mrn" >/dev/null 2>&1
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section allergies)
check "no known allergies is an explicit state" sh -c "printf '%s' \"\$1\" | grep -q 'NKA'" _ "$out"
a=$(clin nurse "$PW_NURSE" "$(csv substance=Penicillin reaction=hives)" allergy add "$mrn" --severity severe 2>/dev/null)
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section allergies)
check "an active allergy shows in the banner" sh -c "printf '%s' \"\$1\" | grep -q 'ALLERGIES: Penicillin (severe)'" _ "$out"
cli nurse "$PW_NURSE" allergy nka "$mrn" >/dev/null 2>&1
check "NKA is refused while an allergy is active" [ $? -eq 1 ]
cli nurse "$PW_NURSE" allergy status "$a" entered-in-error >/dev/null 2>&1
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section allergies)
check "an allergy entered in error leaves the banner" sh -c "! printf '%s' \"\$1\" | grep -q 'ALLERGIES:'" _ "$out"
clin nurse "$PW_NURSE" "$(csv substance=Latex)" allergy add "$mrn" --severity loud >/dev/null 2>&1
check "an unknown severity is refused" [ $? -eq 1 ]

# medications and problems
clin nurse "$PW_NURSE" "$(csv name=Lisinopril dose="10 mg" frequency=daily)" med add "$mrn" --route PO --start 2024-01-01 >/dev/null 2>&1
check "a nurse records a medication" [ "$(sql "select count(*) from medications where route = 'PO'")" = 1 ]
clin nurse "$PW_NURSE" "$(csv name=X frequency=daily)" med add "$mrn" --route intravenousish >/dev/null 2>&1
check "an unknown route is refused" [ $? -eq 1 ]
clin nurse "$PW_NURSE" "$(csv text="Essential hypertension")" problem add "$mrn" --code I10 >/dev/null 2>&1
check "a nurse may not maintain the problem list (exit 4)" [ $? -eq 4 ]
clin prov "$PW_PROV" "$(csv text="Essential hypertension")" problem add "$mrn" --code I10 --onset 2023-05-01 >/dev/null 2>&1
check "a provider adds a problem with its code" [ "$(sql "select code from problems")" = "I10" ]
clin prov "$PW_PROV" "$(csv text=Something)" problem add "$mrn" --code 123 >/dev/null 2>&1
check "a malformed ICD-10-CM code is refused" [ $? -eq 1 ]

# notes
printf 'Seen for cough.\nLungs clear.\nPlan: fluids.\n' > "$T/note.txt"
note=$(cli nurse "$PW_NURSE" note add "$enc" --file "$T/note.txt" 2>/dev/null)
check "a nurse saves a draft note" [ "$(sql "select status from notes where nrow = $note")" = draft ]
cli prov "$PW_PROV" note sign "$note" >/dev/null 2>&1
check "a provider cannot sign the nurse's note (exit 4)" [ $? -eq 4 ]
cli nurse "$PW_NURSE" note sign "$note" >/dev/null 2>&1
check "the nurse signs her own note" [ "$(sql "select status || ' ' || signed_by from notes where nrow = $note")" = "signed nurse" ]
out=$(cli nurse "$PW_NURSE" note edit "$note" --file "$T/note.txt" --version 1 2>&1)
check "editing the signed note is refused, pointing to an addendum" sh -c "printf '%s' \"\$1\" | grep -q 'add an addendum'" _ "$out"
sql "update notes set body = x'00' where nrow = $note" 2>/dev/null
check "even a raw SQL change of a signed note is refused by the database" [ "$(sql "select length(body) > 1 from notes where nrow = $note")" = 1 ]
printf 'Correction: plan is rest and fluids.\n' > "$T/add.txt"
add=$(cli prov "$PW_PROV" note addendum "$note" --file "$T/add.txt" 2>/dev/null)
check "an addendum links to the original" [ "$(sql "select addendum_of from notes where nrow = $add")" = "$note" ]
out=$(cli nurse "$PW_NURSE" note list "$enc")
check "the addendum is shown beneath the original" sh -c "printf '%s' \"\$1\" | awk '/--- note $note/{a=NR} /--- addendum $add to note $note/{b=NR} END{exit !(a && b > a)}'" _ "$out"
out=$(cli front "$PW_FRONT" note show "$note" 2>&1)
check "the front desk cannot read notes (exit 4)" sh -c "printf '%s' \"\$1\" | grep -qi 'permission denied'" _ "$out"
out=$(cli front "$PW_FRONT" chart show "$mrn" --section notes 2>&1)
check "the front desk cannot open any clinical section" sh -c "printf '%s' \"\$1\" | grep -q 'sees no clinical sections'" _ "$out"
cli nurse "$PW_NURSE" encounter close "$enc" >/dev/null 2>&1
check "a nurse closes the encounter" [ "$(sql "select status from encounters where erow = $enc")" = closed ]

out=$(cli admin "$PW_ADMIN" audit list)
for a in encounter_checkin vitals_record chart_add note_create note_sign chart_view encounter_close; do
	check "the audit trail records $a" sh -c "printf '%s' \"\$1\" | grep -q '	$a	'" _ "$out"
done
out=$(cli admin "$PW_ADMIN" audit verify)
check "the chain still verifies" sh -c "printf '%s' \"\$1\" | grep -q 'audit chain OK'" _ "$out"

leak=""
for needle in marmalade Penicillin hives Lisinopril "Essential hypertension" "Lungs clear" "rest and fluids" Rosalind; do
	cat "$DB" "$DB-wal" 2>/dev/null | strings -n 4 | grep -qF "$needle" && leak="$leak $needle"
done
check "no clinical free text in the database or WAL" [ -z "$leak" ]
[ -n "$leak" ] && echo "# leaked:$leak"
e2e_done
