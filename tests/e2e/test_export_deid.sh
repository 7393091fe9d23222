#!/bin/sh
# test_export_deid.sh - `export deid` (HIPAA Safe Harbor): a clinic full of
# canary identifiers (names, streets, phones, MRNs, SSNs, emails, full
# dates, free text in every clinical field) exported; every output file is
# searched for each of them; ages over 89 are 90+ with no birth year; a
# restricted ZIP3 is 000; study ids differ between two exports; files are
# 0600 in a new 0700 directory that is never overwritten; the permission
# is refused to other roles; the export and the refusals are audited; a
# code changed to text with sqlite3 is left blank, not exported.
. "$(dirname "$0")/lib.sh"
e2e_setup

cat > "$T/p.csv" <<CSV
last_name,first_name,middle_name,dob,sex,address1,address2,city,state,zip,phone_home,phone_mobile,email,ssn,payer,member_id,emergency_name,emergency_relation,emergency_phone
Canaryoldname,Canaryfirstold,Canarymiddle,1931-04-17,F,12 Canarystreet Road,Apt Canaryapt,Canarycity,NH,03601,617-555-0142,617-555-0177,canaryemail@example.org,456-78-9123,Canarypayer,CANARYMEMBER77,Canaryecname Smith,Canaryrelation,617-555-0199
Canarytwoname,Canaryfirsttwo,,1980-02-03,F,99 Canaryavenue,,Canarytown,MA,02139,508-555-0123,,canarytwo@example.org,321-54-9876,,,,,
Canarythree,Canaryfirstthree,,1975-06-30,M,7 Canarylane,,Canaryville,MA,02139-1234,781-555-0188,,,,,,,,
CSV
cli him "$PW_HIM" import patients "$T/p.csv" >"$T/imp.out" 2>&1
check "setup: three patients imported" [ "$(sql "select count(*) from patients")" = 3 ]
# Born over 89 years ago, died at 80: still 90+ (a birth year, or an age at
# death with the year of death, would say how old they would be now).
printf 'last_name,first_name,dob,sex,zip,state,death_date\nCanaryfourname,Canaryfirstfour,1920-01-01,M,10001,NY,2000-06-01\n' > "$T/p2.csv"
cli him "$PW_HIM" import patients "$T/p2.csv" >>"$T/imp.out" 2>&1
check "setup: a fourth, deceased, patient" [ "$(sql "select count(*) from patients")" = 4 ]
M1=$(find_q him "$PW_HIM" Canaryoldname 2>/dev/null | cut -f1)
M2=$(find_q him "$PW_HIM" Canarytwoname 2>/dev/null | cut -f1)
M3=$(find_q him "$PW_HIM" Canarythree 2>/dev/null | cut -f1)
check "setup: their MRNs" sh -c "[ -n '$M1' ] && [ -n '$M2' ] && [ -n '$M3' ]"
E1=$(clin front "$PW_FRONT" "$(csv visit_reason="Canaryreason cough")" encounter add "$M1" --type "office visit" \
	--provider prov --location "Canarylocation annex" --date "2024-03-15 10:00" 2>/dev/null)
E2=$(clin front "$PW_FRONT" "$(csv visit_reason="Canaryreason two")" encounter add "$M2" --type "office visit" \
	--provider prov --date "2024-06-20 09:30" 2>/dev/null)
E3=$(clin front "$PW_FRONT" "$(csv visit_reason="Canaryreason three")" encounter add "$M3" --type "office visit" \
	--provider prov --date "2025-08-11 11:00" 2>/dev/null)
check "setup: three encounters" sh -c "[ -n '$E1' ] && [ -n '$E2' ] && [ -n '$E3' ]"
cli nurse "$PW_NURSE" vitals add "$E1" --bp 142/88 --pulse 77 --temp 98.6 --weight 150 --height 64 >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv substance=Canarysubstance reaction="Canaryreaction hives")" allergy add "$M2" --severity severe >/dev/null 2>&1
cli nurse "$PW_NURSE" allergy nka "$M1" >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv name=Canarymedname dose="Canarydose 10 mg" frequency="Canaryfrequency daily")" med add "$M1" --route PO --start 2024-01-02 >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Canaryproblem description")" problem add "$M2" --code I10 --onset 2023-05-01 >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Canarysnomed diabetes")" problem add "$M3" --code 44054006 >/dev/null 2>&1
out=$(cli prov "$PW_PROV" chart show "$M3" --section problems 2>&1)
check "a problem coded in SNOMED CT is kept and shown with its code" sh -c "printf '%s' \"\$1\" | grep -q 'SNOMED 44054006' && printf '%s' \"\$1\" | grep -q 'Canarysnomed diabetes'" _ "$out"
clin prov "$PW_PROV" "$(csv text="Canarysnomed typo")" problem add "$M3" --code 44054007 >"$T/out" 2>&1
check "a SNOMED CT id with a wrong check digit is refused" sh -c "grep -q 'is not a SNOMED CT concept id' '$T/out'"
printf 'Canarynote body text.\n' > "$T/note.txt"
cli prov "$PW_PROV" note add "$E1" --file "$T/note.txt" >/dev/null 2>&1
cli him "$PW_HIM" codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$E1" --date "2024-03-15 11:00" >/dev/null 2>&1
cli him "$PW_HIM" coding add-dx "$E1" I10 >/dev/null 2>&1
check "setup: every row was written" \
	[ "$(sql "select (select count(*) from vitals) || (select count(*) from allergies) || (select count(*) from medications) || (select count(*) from problems) || (select count(*) from encounter_dx) || (select count(*) from allergy_review)")" = "111212" ]

# -- the permission: privacy and admin only
for u in "front $PW_FRONT" "nurse $PW_NURSE" "prov $PW_PROV" "him $PW_HIM"; do
	set -- $u
	cli "$1" "$2" export deid --out "$T/x-$1" >/dev/null 2>"$T/err"
	rc=$?
	check "$1 is refused (exit 4) and nothing is written" sh -c "[ $rc -eq 4 ] && [ ! -e '$T/x-$1' ]"
done
out=$(cli priv "$PW_PRIV" audit list 2>/dev/null | grep -c 'denied.*export_deid\|export_deid.*denied')
check "a refusal names export_deid in the audit trail" [ "$out" -ge 4 ]

# -- the export
cli priv "$PW_PRIV" export deid --out "$T/d1" >"$T/d1.out" 2>"$T/d1.err"
rc=$?
check "the privacy officer exports (exit 0)" [ $rc -eq 0 ] || cat "$T/d1.err"
check "counts per file are printed" grep -q "^patients.csv	4$" "$T/d1.out"
check "encounters counted" grep -q "^encounters.csv	3$" "$T/d1.out"
check "diagnoses: the coded one and the two problems" grep -q "^diagnoses.csv	3$" "$T/d1.out"
check "the re-identification warning is printed" grep -q "smallest group of patients sharing birth year, sex and ZIP3 has 1 patient" "$T/d1.err"
check "the 90+ patients are announced" grep -q "2 patients over 89 exported as 90+" "$T/d1.err"
check "the directory is new and 0700" [ "$(stat -c %a "$T/d1")" = 700 ]
for f in patients encounters diagnoses procedures vitals medications allergies; do
	check "$f.csv is there, mode 0600" [ "$(stat -c %a "$T/d1/$f.csv" 2>/dev/null)" = 600 ]
done

# -- no identifier anywhere
for w in Canary canary CANARY 617-555-0142 6175550142 617-555-0177 617-555-0199 508-555-0123 781-555-0188 \
	456-78-9123 456789123 321-54-9876 example.org "$M1" "$M2" "$M3" 03601 02139 \
	1931-04-17 04/17/1931 1980-02-03 1975-06-30 1920-01-01 2000-06-01 10001 2024-03-15 2024-06-20 2025-08-11 2024-01-02 2023-05-01 \
	03-15 06-20 08-11 hives cough "office visit.*prov" prov nurse front him admin Harbor; do
	if grep -rq -- "$w" "$T/d1"; then not_ok "no '$w' in any file" "$(grep -r -- "$w" "$T/d1")"; else ok "no '$w' in any file"; fi
done
check "every cell is a code, number, year or status" sh -c "! cat '$T'/d1/*.csv | grep -q '[^A-Za-z0-9 .+/_,-]'"
p1=$(awk -F, '$5 == "000"' "$T/d1/patients.csv")
check "the patient over 89 is 90+ with no birth year" sh -c "[ -n '$p1' ] && [ \"\$(printf '%s' '$p1' | cut -d, -f3)\" = '' ]"
check "her restricted ZIP3 (036) is 000 and her state kept" sh -c "printf '%s' '$p1' | grep -q ',000,NH,'"
check "no birth year 1931 or 1920 in patients.csv" sh -c "! cut -d, -f3 '$T/d1/patients.csv' | grep -q '19[23]'"
check "born over 89 years ago, died at 80: 90+, no birth year, the year of death kept" grep -q ',M,,90+,100,NY,yes,2000$' "$T/d1/patients.csv"
check "the others' ZIP3 is 021 and their birth years kept" sh -c "grep -q ',F,1980,[0-9]*,021,MA,' '$T/d1/patients.csv' && grep -q ',M,1975,[0-9]*,021,MA,' '$T/d1/patients.csv'"
check "encounters carry the year only" sh -c "grep -q ',2024,90+,office visit,' '$T/d1/encounters.csv' && grep -q ',2024,44,office visit,' '$T/d1/encounters.csv'"
check "the coded diagnosis and the problem code are exported" sh -c "[ \$(grep -c ',icd10cm,I10,' '$T/d1/diagnoses.csv') -eq 2 ]"
check "a SNOMED CT problem is exported with its system" grep -q ',problem,,snomed,44054006,active$' "$T/d1/diagnoses.csv"
check "vitals: numbers (metric) and the year they were taken" grep -q ',20[0-9][0-9],142,88,77,,37.0,,162.6,68.0,25.7$' "$T/d1/vitals.csv"
check "medications: start year and route, no name" grep -q ',2024,,PO,active$' "$T/d1/medications.csv"
check "allergies: severity and status, and the NKA statement" sh -c "grep -q ',severe,active$' '$T/d1/allergies.csv' && grep -q ',no known allergies$' '$T/d1/allergies.csv'"
pid=$(awk -F, '$5 == "000" {print $1}' "$T/d1/patients.csv")
check "the patient's study id links her encounter" grep -q ",$pid,2024,90+," "$T/d1/encounters.csv"
out=$(cli priv "$PW_PRIV" audit list 2>/dev/null | grep '	export_deid	.*	ok	')
check "the export is audited with its counts" sh -c "printf '%s' \"\$1\" | grep -q '4 patients, 3 encounters, 3 diagnoses'" _ "$out"

# -- never overwritten; random study ids per export
ls -l "$T/d1" > "$T/before"
cli priv "$PW_PRIV" export deid --out "$T/d1" >/dev/null 2>"$T/err"
rc=$?
check "an existing directory is refused (exit 1)" sh -c "[ $rc -eq 1 ] && grep -q 'already exists' '$T/err'"
ls -l "$T/d1" > "$T/after"
check "and left as it was" cmp -s "$T/before" "$T/after"
cli admin "$PW_ADMIN" export deid --out "$T/d2" >/dev/null 2>&1
check "the administrator may export too" [ -s "$T/d2/patients.csv" ]
cut -d, -f1 "$T/d1/patients.csv" | sed 1d | sort > "$T/ids1"
cut -d, -f1 "$T/d2/patients.csv" | sed 1d | sort > "$T/ids2"
check "study ids differ between two exports" sh -c "[ \$(wc -l < '$T/ids1') -eq 4 ] && [ -z \"\$(comm -12 '$T/ids1' '$T/ids2')\" ]"
cut -d, -f1 "$T/d1/encounters.csv" | sed 1d | sort > "$T/e1"
cut -d, -f1 "$T/d2/encounters.csv" | sed 1d | sort > "$T/e2"
check "encounter ids too" sh -c "[ -z \"\$(comm -12 '$T/e1' '$T/e2')\" ]"

# -- a date range: encounters of 2024 and their patients
cli priv "$PW_PRIV" export deid --from 2024-01-01 --to 2024-12-31 --out "$T/d3" >"$T/d3.out" 2>&1
check "a range selects the encounters of 2024 and their two patients" sh -c "grep -q '^patients.csv	2$' '$T/d3.out' && grep -q '^encounters.csv	2$' '$T/d3.out'"
check "and no 2025 encounter" sh -c "! grep -q ',2025,' '$T/d3/encounters.csv'"
cli priv "$PW_PRIV" export deid --from 2024-13-01 --out "$T/d4" >/dev/null 2>"$T/err"
rc=$?
check "a bad date is refused naming it, nothing made" sh -c "[ $rc -eq 1 ] && grep -q 'From date' '$T/err' && [ ! -e '$T/d4' ]"
cli priv "$PW_PRIV" export deid --from 2025-01-01 --to 2024-01-01 --out "$T/d4" >/dev/null 2>&1
check "from after to is refused" sh -c "[ $? -ne 0 ] && [ ! -e '$T/d4' ]"
cli priv "$PW_PRIV" export deid >/dev/null 2>&1
check "--out is required (exit 2)" [ $? -eq 2 ]

# -- an attacker writes text where a code goes: it is not exported
sql "update problems set code = 'Canaryhack' where code = 'I10'"
cli priv "$PW_PRIV" export deid --out "$T/d5" >/dev/null 2>"$T/err"
check "a code changed to text with sqlite3 is left blank" sh -c "! grep -rqi canaryhack '$T/d5' && grep -q 'values left blank' '$T/err'"
e2e_done
