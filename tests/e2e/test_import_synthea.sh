#!/bin/sh
# test_import_synthea.sh - `import synthea DIR` (README "Importing a
# Synthea export"): the fixtures' patients, encounters, conditions,
# allergies, medications and vital signs come in with counts printed per
# file and show through the ordinary commands (encounter list, chart show,
# problems with their SNOMED CT codes); a re-run imports nothing new; a
# directory with bad rows is refused by FILE:LINE with nothing imported,
# and --skip-bad imports the rest; the permissions; the audit entry; no
# canary in the database file.
. "$(dirname "$0")/lib.sh"
e2e_setup
H() { cli him "$PW_HIM" "$@"; }
GOOD=$ROOT/tests/fixtures/synthea
BAD=$ROOT/tests/fixtures/synthea-bad
counts() { sql "select (select count(*) from patients) || '/' || (select count(*) from encounters) || '/' || (select count(*) from vitals) || '/' || (select count(*) from allergies) || '/' || (select count(*) from medications) || '/' || (select count(*) from problems)"; }
c0=$(counts)

# ---- permissions ----
out=$(cli front "$PW_FRONT" import synthea "$GOOD" 2>&1)
check "front desk may not import (patient_import), nothing written" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "Permission denied.*patient_import" && [ "$3" = "$4" ]' _ "$out" $? "$c0" "$(counts)"
out=$(H import synthea "$GOOD" 2>&1)
check "an HIM clerk without the recording actions is refused before anything is written" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "needs encounter_checkin.*nothing was imported" && [ "$3" = "$4" ]' _ "$out" $? "$c0" "$(counts)"
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
out=$(H import synthea "$GOOD" --provider nurse 2>&1)
check "--provider must name a provider user" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "not an active user with the provider role" && [ "$3" = "$4" ]' _ "$out" $? "$c0" "$(counts)"
H import fhir "$T/none.json" --provider prov > /dev/null 2>&1
check "--provider is refused by the other import verbs (usage, exit 2)" [ $? -eq 2 ]

# ---- [clinical] synthea_classes: a mapping to a type the clinic lacks
# stops the import before anything, naming it; the clinic's map is used ----
A() { cli admin "$PW_ADMIN" "$@"; }
A policy set clinical.synthea_classes "wellness = annual exam, hospice = hospice care, * = office visit" > /dev/null 2>&1
out=$(H import synthea "$GOOD" 2>&1)
check "a class mapped to an unknown encounter type: a clear error naming it, nothing written" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "synthea_classes: hospice = .hospice care. is not one of \[clinical\] encounter_types" && [ "$3" = "$4" ]' _ "$out" $? "$c0" "$(counts)"
A policy set clinical.synthea_classes "wellness = annual exam" > /dev/null 2>&1
out=$(A policy set clinical.synthea_classes "hospice" 2>&1)
check "a map entry without = TYPE is refused by policy set" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "is not CLASS = TYPE"' _ "$out" $?
A policy set clinical.synthea_classes "wellness = annual exam, hospice = Follow-up, * = office visit" > /dev/null 2>&1
A policy show > "$T/pol.out" 2>&1
check "the clinic's map is policy (policy set clinical.synthea_classes)" grep -q "hospice = Follow-up" "$T/pol.out"

# ---- a directory with bad rows: every one by FILE:LINE, nothing imported ----
H import synthea "$BAD" > "$T/bad.out" 2> "$T/bad.err"
rc=$?
check "bad rows: exit 1" [ $rc -eq 1 ]
check "each of the 12 bad rows is reported as FILE:LINE: reason" [ "$(grep -c '^[a-z]*\.csv:[0-9]*: ' "$T/bad.err")" -eq 12 ]
check "the reasons name the row's problem" sh -c 'grep -q "^patients.csv:5: Id .* is not a Synthea id" "$1" && grep -q "^encounters.csv:6: PATIENT .* is not in patients.csv" "$1" && grep -q "^observations.csv:14: UNITS .* expected Cel" "$1"' _ "$T/bad.err"
check "nothing was imported (and it says so)" sh -c 'grep -q "12 bad rows; nothing was imported" "$1" && [ "$2" = "$3" ]' _ "$T/bad.err" "$c0" "$(counts)"

# ---- the good export ----
H import synthea "$GOOD" > "$T/imp.out" 2> "$T/imp.err"
check "import synthea succeeds" [ $? -eq 0 ] || sed 's/^/# /' "$T/imp.err"
row() { grep -q "^$1	$2$" "$T/imp.out"; }
check "counts per file: patients 3 read, 3 imported" row patients.csv "3	0	0	3"
check "encounters 5 imported (one of 1978: history, not refused)" row encounters.csv "5	0	0	5"
check "conditions 3, allergies 2, medications 2 imported" sh -c 'grep -q "^conditions.csv	3	0	0	3$" "$1" && grep -q "^allergies.csv	2	0	0	2$" "$1" && grep -q "^medications.csv	2	0	0	2$" "$1"' _ "$T/imp.out"
check "observations: 2 not vital signs skipped, the vital signs imported" row observations.csv "11	0	2	8"
check "procedures (SNOMED CT) imported as procedure history; providers imported as provider records" sh -c 'grep -q "^procedures.csv	2	0	0	2$" "$1" && grep -q "^providers.csv	2	0	0	2$" "$1"' _ "$T/imp.out" "$T/imp.err"
check "quiet when standard error is not a terminal (no progress bar)" sh -c '! grep -q "Importing \[" "$1"' _ "$T/imp.err"
check "the summary line" grep -q "Imported 27 resources (3 new charts, 0 updated; 0 already in them)" "$T/imp.err"
check "the rows are in the database (3 patients, 5 encounters, 2 vitals records, 2 allergies, 2 medications, 3 problems)" [ "$(counts)" = "3/5/2/2/2/3" ]
MRN=$(find_q him "$PW_HIM" Okonkwo-Reyes 2>/dev/null | cut -f1)
find_q him "$PW_HIM" Okonkwo-Reyes > "$T/find.out" 2>/dev/null
check "the patient is registered under her name without Synthea's digits" grep -q "^CR[0-9]*	Okonkwo-Reyes	Maria		1958-03-14	[0-9]*	F" "$T/find.out"
H encounter list "$MRN" > "$T/enc.out" 2>&1
check "encounter list: the wellness visit as an annual exam at its time, with its provider" grep -q "^2	2023-01-05T10:00:00+00:00	annual exam	prov	Synthea import	closed	uncoded	General examination of patient" "$T/enc.out"
check "encounter list: the ambulatory visit as an office visit" grep -q "^1	2022-07-20T07:13:00+00:00	office visit	prov	" "$T/enc.out"
MRN3=$(find_q him "$PW_HIM" Lindqvist 2>/dev/null | cut -f1)
H encounter list "$MRN3" > "$T/enc3.out" 2>&1
check "encounter list: a 1978 hospice visit is history: kept, at its time, as the clinic's map says (follow-up)" grep -q "^[0-9]*	1978-04-10T15:00:00+00:00	follow-up	prov	Synthea import	closed	" "$T/enc3.out"
check "an unlisted class (inpatient) takes the * entry (office visit)" grep -q "^[0-9]*	2023-12-01T09:00:00+00:00	office visit	" "$T/enc3.out"
cli prov "$PW_PROV" chart show "$MRN" > "$T/chart.out" 2>&1
check "problems with their SNOMED CT code and description" sh -c 'grep -q "Diabetes mellitus type 2 (disorder) | SNOMED 44054006 | onset 2022-07-20 | active" "$1" && grep -q "SNOMED 38341003" "$1"' _ "$T/chart.out"
check "the procedure with its SNOMED CT code, display and date, as history" grep -q "Assessment of health and social care needs (procedure) | SNOMED 710824005 | performed 2022-07-20 | completed" "$T/chart.out"
check "... and not as a coding line of the encounter (coding takes HCPCS/CPT)" [ "$(sql "select count(*) from encounter_px")" = 0 ]
check "procedure history rows are in their table, the description encrypted" [ "$(sql "select count(*) from procedure_history where code in ('710824005', '73761001') and typeof(description) = 'blob'")" = 2 ]
check "the allergy with its reaction and severity" grep -q "Penicillin V | reaction: Wheal (finding) | moderate | active" "$T/chart.out"
check "the medication without route or frequency, recorded elsewhere" grep -q "Metformin hydrochloride 500 MG .* other recorded elsewhere | from 2022-07-20 | active" "$T/chart.out"
check "the vital signs as one record, BMI computed" grep -q "BP 138/86 P 72 R 14 Ht 162.5cm Wt 71.2kg/157.0lb BMI 27.0" "$T/chart.out"
check "the address, the state as its code" sh -c 'grep -q "Address: 12 Harbor View Rd" "$1" && grep -q "State: MA" "$1"' _ "$T/chart.out"
check "the import is audited once (synthea_import)" [ "$(audited synthea_import him)" = 1 ]

# ---- Synthea's Id kept as an external identifier ----
check "each patient's Synthea Id is kept (3 identifiers, system Synthea's)" [ "$(sql "select count(*) from patient_identifiers where system = 'https://github.com/synthetichealth/synthea'")" = 3 ]
check "each bound to its chart with a MAC, the value encrypted" [ "$(sql "select count(*) from patient_identifiers where length(mac) = 34 and length(value_ct) > 36 and prow in (select prow from patients)")" = 3 ]
SCHEMA=${CHARTROOM_DATA:-$ROOT/../shared/data}/fhir/fhir.schema.json
H export fhir "$MRN" --out "$T/maria.json" 2> /dev/null
check "export fhir gives it back as Patient.identifier" python3 -c '
import json,sys
b = json.load(open(sys.argv[1]))
p = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"][0]
ids = {(i.get("system"), i.get("value")) for i in p["identifier"]}
sys.exit(not ("https://github.com/synthetichealth/synthea", "b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61") in ids)' "$T/maria.json"
check "export fhir gives the procedure back as a SNOMED CT Procedure" python3 -c '
import json,sys
b = json.load(open(sys.argv[1]))
p = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Procedure"]
sys.exit(not (len(p) == 1 and p[0]["code"]["coding"][0] == {"system": "http://snomed.info/sct", "code": "710824005"} and p[0]["status"] == "completed" and p[0]["performedDateTime"].startswith("2022-07-20")))' "$T/maria.json"
out=$(python3 "$ROOT/tests/fhir_check.py" validate "$SCHEMA" "$T/maria.json" 2>&1)
check "the export with its identifier is valid against the FHIR R4 schema" [ $? -eq 0 ] || echo "# $out"

# ---- providers.csv: provider records, not user accounts ----
prov_rows() { sql "select name || '|' || gender || '|' || speciality || '|' || location || '|' || value || '|' || length(mac) from providers order by name"; }
check "each provider of providers.csv is a provider record (name without Synthea's digits, gender, speciality, location, its Synthea Id, a MAC)" [ "$(prov_rows | tr '\n' ';')" = "Alice Tran|female|GENERAL PRACTICE|Boston, MA|e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94|33;Omar Haddad|male|INTERNAL MEDICINE|Boston, MA|f5b7a0e6-4182-40f9-9eb2-5d6b7a8f9ea5|33;" ]
check "... and not a user account" [ "$(sql "select count(*) from users where name like '%Tran%' or name like '%Haddad%'")" = 0 ]
check "each imported encounter names its provider's record and is marked imported (synthea)" [ "$(sql "select count(*) from encounters e join providers p on p.id = e.provider_ref where e.source = 'synthea'")" = 5 ]
check "encounter list: the provider record's name with the visit" sh -c 'grep -q "^2	2023-01-05T10:00:00+00:00	annual exam	prov	.*	Omar Haddad$" "$1" && grep -q "^1	2022-07-20T07:13:00+00:00	office visit	prov	.*	Alice Tran$" "$1"' _ "$T/enc.out"
H providers > "$T/prv.out" 2>&1
check "providers lists the records (HIM reads reports)" sh -c 'grep -q "^Alice Tran  *GENERAL PRACTICE  *female  *Boston, MA  *e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94$" "$1" && grep -q "^Omar Haddad  *INTERNAL MEDICINE" "$1" && grep -q "2 provider records" "$1"' _ "$T/prv.out"
H providers --format csv > "$T/prv.csv" 2>&1
check "providers --format csv: a header and one line per record" sh -c 'head -1 "$1" | grep -q "^name,speciality,gender,location,organization,system,identifier,created,created_by$" && grep -q "^Alice Tran,GENERAL PRACTICE,female,\"Boston, MA\",9e8d7c6b-5a49-4382-a716-151413121110,https://github.com/synthetichealth/synthea/provider,e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94," "$1" && [ $(wc -l < "$1") -eq 3 ]' _ "$T/prv.csv"
out=$(cli front "$PW_FRONT" providers 2>&1)
check "the front desk may not list them (reports_view)" sh -c '[ $2 -eq 4 ] && printf %s "$1" | grep -q "reports_view"' _ "$out" $?
out=$(H providers --format xml 2>&1)
check "providers --format other: a usage error" [ $? -eq 2 ]
H report visits --by provider --format csv > "$T/rv.csv" 2>&1
want=$(sql "select who || ',' || n from (select coalesce(p.name, e.provider) as who, count(*) as n from encounters e left join providers p on p.id = e.provider_ref group by who) order by n desc, who" | tr '\n' ';')
got=$(awk -F, 'NR > 1 { print $1 "," $2 }' "$T/rv.csv" | tr '\n' ';')
check "report visits --by provider groups the imported visits by the record's name, as independent SQL counts them" sh -c '[ -n "$1" ] && [ "$1" = "$2" ] && printf %s "$1" | grep -q "Omar Haddad,3;Alice Tran,2;"' _ "$got" "$want" || echo "# got $got want $want"

# ---- imported history is kept from its import: no chart is due for destruction at once ----
cli him "$PW_HIM" retention list > "$T/ret0.out" 2>&1
check "after the import: no chart is due for destruction (a visit of 1978, registered today)" grep -q "^0 charts due" "$T/ret0.out"
# ---- imported history raises no deficiency; a visit of our own still does ----
cli admin "$PW_ADMIN" deficiency list > "$T/def0.out" 2>&1
check "after the import: no deficiency for the imported visits (closed, no diagnosis, one of 1978)" grep -q "^0 deficiencies" "$T/def0.out" || sed 's/^/# /' "$T/def0.out"
H report deficiencies --from 2022-01-01 --to 2023-12-31 --format csv > "$T/rd.csv" 2>&1
check "... nor a discharge in the delinquency rate's denominator (report deficiencies over the imported years: no row)" sh -c '[ "$(wc -l < "$1")" -eq 1 ]' _ "$T/rd.csv" || sed 's/^/# /' "$T/rd.csv"
e=$(cli front "$PW_FRONT" encounter add "$MRN" --type "office visit" --provider prov 2>&1 | sed -n 's/.*encounter \([0-9]*\).*/\1/p')
cli nurse "$PW_NURSE" encounter close "$e" > /dev/null 2>&1
H queue --kind coding --format csv > "$T/q1.out" 2>&1
check "imported history is not in the coding queue; the visit closed here is, alone" sh -c '[ "$(grep -c ",coding," "$1")" -eq 1 ] && grep ",coding," "$1" | grep -q "^[^,]*,[^,]*,coding,$2,"' _ "$T/q1.out" "$e" || sed 's/^/# /' "$T/q1.out"
H report backlog --format csv > "$T/bl1.out" 2>&1
check "... nor in the backlog report (one encounter waiting, the one of our own)" sh -c '[ "$(awk -F, "NR > 1 { n += \$3 } END { print n + 0 }" "$1")" -eq 1 ]' _ "$T/bl1.out" || sed 's/^/# /' "$T/bl1.out"
H deficiency list > "$T/def1.out" 2>&1
check "a visit checked in here and closed without a diagnosis still raises one (X), the only one" sh -c 'grep -q "^X$2 .*Closed without a diagnosis" "$1" && grep -q "^1 deficiency" "$1"' _ "$T/def1.out" "$e" || sed 's/^/# /' "$T/def1.out"
cp "$DB" "$T/src.db"
sqlite3 "$DB" "update encounters set source = 'synthea' where erow = $e"
out=$(cli nurse "$PW_NURSE" encounter list "$MRN" 2>&1)
check "a visit marked imported with sqlite3 (to hide its deficiency): the chart's encounters are an integrity error" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "encounters record $3"' _ "$out" $? "$e" || echo "# $out"
out=$(cli prov "$PW_PROV" chart show "$MRN" 2>&1)
check "... and so is the chart, for its provider" sh -c '[ $2 -eq 5 ] && printf %s "$1" | grep -q "encounters record $3"' _ "$out" $? "$e" || echo "# $out"
cp "$T/src.db" "$DB"; rm -f "$DB-wal" "$DB-shm"

# ---- a provider record edited with sqlite3 ----
cp "$DB" "$T/prv.db"
sqlite3 "$DB" "update providers set name = 'Dr Mallory' where value = 'e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94'"
out=$(H providers 2>&1)
check "a record renamed with sqlite3: providers stops with an integrity error naming it, listing none" sh -c '[ $2 -eq 5 ] && printf %s "$1" | grep -q "providers record 1" && ! printf %s "$1" | grep -q "Mallory\|Omar"' _ "$out" $? || echo "# $out"
out=$(cli nurse "$PW_NURSE" encounter list "$MRN" 2>&1)
check "... and the encounters naming it are an integrity error, not the forged name" sh -c '[ $2 -eq 5 ] && ! printf %s "$1" | grep -q Mallory' _ "$out" $? || echo "# $out"
cp "$T/prv.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sqlite3 "$DB" "update encounters set provider_ref = (select id from providers where prvrow = 2) where erow = 1"
out=$(cli nurse "$PW_NURSE" encounter list "$MRN" 2>&1)
check "an encounter re-pointed to another provider record with sqlite3: an integrity error" sh -c '[ $2 -eq 5 ] && printf %s "$1" | grep -q "encounters record 1"' _ "$out" $? || echo "# $out"
cp "$T/prv.db" "$DB"; rm -f "$DB-wal" "$DB-shm"

# ---- again: nothing new ----
c1=$(counts)
H import synthea "$GOOD" > "$T/imp2.out" 2> "$T/imp2.err"
check "a re-run succeeds, imports nothing new and says so" sh -c '[ $1 -eq 0 ] && grep -q "Imported 0 resources (0 new charts, 0 updated; 27 already in them)" "$2" && [ "$3" = "$4" ]' _ $? "$T/imp2.err" "$c1" "$(counts)"
check "its summary imports 0 of each file" [ "$(awk -F'\t' 'NR > 1 && $5 != 0' "$T/imp2.out" | wc -l)" -eq 0 ]
check "the re-run is audited too" [ "$(audited synthea_import him)" = 2 ]
check "the re-run makes no provider record and names the same ones" sh -c '[ "$(sqlite3 "$1" "select count(*) from providers")" = 2 ] && grep -q "^providers.csv	2	0	0	0$" "$2" && [ "$(sqlite3 "$1" "select count(distinct provider_ref) from encounters")" = 2 ]' _ "$DB" "$T/imp2.out"

# ---- a re-run links by the Id, not by the name ----
# The clinic corrected a name; the chart is still Synthea's patient.
clin front "$PW_FRONT" "$(csv last_name=Okonkwo first_name=Maria)" patient edit "$MRN" --version 1 > /dev/null 2>&1
c1=$(counts)
H import synthea "$GOOD" > "$T/imp3.out" 2> "$T/imp3.err"
check "a renamed patient is found again by her Synthea Id: no new chart, nothing else added" sh -c '[ $1 -eq 0 ] && grep -q "(0 new charts, 1 updated; 26 already in them)" "$2" && [ "$3" = "$4" ]' _ $? "$T/imp3.err" "$c1" "$(counts)" || sed 's/^/# /' "$T/imp3.err"
# A chart holding another Synthea Id is another patient, even by the same name.
D2=$(mktemp -d); cp "$GOOD"/*.csv "$D2/"
sed -i 's/^b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61/b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a62/; s/,b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61,/,b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a62,/' "$D2"/*.csv
H import synthea "$D2" > /dev/null 2> "$T/imp4.err"
check "a patient of another Id with her name, birth date and sex is not merged into her chart (refused as a likely duplicate, nothing written)" sh -c '[ $1 -ne 0 ] && grep -q "^patients.csv:2: " "$2" && [ "$3" = "$4" ]' _ $? "$T/imp4.err" "$c1" "$(counts)" || sed 's/^/# /' "$T/imp4.err"
rm -rf "$D2"

# ---- the identifiers tampered with sqlite3 ----
cp "$DB" "$T/keep.db"
sqlite3 "$DB" "update patient_identifiers set prow = (select prow from patient_identifiers where xrow = 2) where xrow = 1"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "an identifier moved to another patient: audit verify fails naming the table" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "patient_identifiers"' _ "$out" $? || echo "# $out"
H import synthea "$GOOD" > /dev/null 2> "$T/t.err"
check "... and the import that would read it stops with an integrity error" sh -c '[ $1 -ne 0 ] && grep -qi "integrity" "$2"' _ $? "$T/t.err"
cp "$T/keep.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sqlite3 "$DB" "update patient_identifiers set system = 'urn:x' where xrow = 1"
H export fhir "$MRN" --out "$T/t.json" > /dev/null 2> "$T/t.err"
check "an identifier edited: the export of its chart stops with an integrity error, no file" sh -c '[ $1 -ne 0 ] && grep -q "patient_identifiers record 1" "$2" && [ ! -e "$3" ]' _ $? "$T/t.err" "$T/t.json" || sed 's/^/# /' "$T/t.err"
cp "$T/keep.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sqlite3 "$DB" "create table saved as select * from patient_identifiers where xrow = 1; delete from patient_identifiers where xrow = 1; insert into patient_identifiers select 9, id || 'x', prow, system, value_ct, token, token_version, created, created_by, mac from saved; drop table saved"
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "an identifier replayed under another row number: audit verify fails" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "patient_identifiers"' _ "$out" $? || echo "# $out"
cp "$T/keep.db" "$DB"; rm -f "$DB-wal" "$DB-shm"

sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
found=$(for f in "$DB" "$DB-wal"; do [ -f "$f" ] && strings -n 5 "$f"; done | grep -io 'okonkwo\|mensah\|lindqvist\|harbor view\|diabetes mellitus\|metformin\|penicillin\|general examination\|colonoscopy\|b1f3c6a2\|c2e4d7b3\|d3f5e8c4' | sort -u | tr '\n' ' ')
check "no canary (names, street, problem, drug, substance, visit reason, Synthea Id) in the database file" [ -z "$found" ] || echo "# found: $found"

# ---- --skip-bad, into a fresh database ----
e2e_setup
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
H import synthea "$BAD" --skip-bad > "$T/skip.out" 2> "$T/skip.err"
check "--skip-bad imports the good rows" [ $? -eq 0 ] || sed 's/^/# /' "$T/skip.err"
check "--skip-bad still reports each bad row" [ "$(grep -c '^[a-z]*\.csv:[0-9]*: ' "$T/skip.err")" -eq 12 ]
check "--skip-bad: the bad patient row is counted and left out" grep -q "^patients.csv	4	1	0	3$" "$T/skip.out"
check "--skip-bad: the bad rows are not in the charts" [ "$(sql "select count(*) from patients")" = 3 ]

# ---- a progress bar on a terminal, into a fresh database ----
e2e_setup
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
printf '%s\n' "$PW_HIM" > "$T/pw"
script -qec "'$BIN' --db '$DB' --user him --password-stdin import synthea '$GOOD' < '$T/pw'" /dev/null > "$T/tty.out" 2>&1
check "a progress bar on a terminal" grep -q "Importing \[#*\] 27/27 records" "$T/tty.out"

# ---- what the clinic's rules refuse: a control character in an address
# (a column the first pass does not read), a visit before the patient's
# birth ----
mkdir "$T/x"; cp "$GOOD"/*.csv "$T/x/"
python3 - "$T/x" <<'PY'
import sys
d = sys.argv[1]
p = open(d + "/patients.csv").read().replace("45 Elm St", "45 Elm\x1b[2J St")
open(d + "/patients.csv", "w").write(p)
e = open(d + "/encounters.csv").read().replace("2023-01-05T10:00:00Z,2023-01-05T10:30:00Z", "1950-01-05T10:00:00Z,1950-01-05T10:30:00Z")
open(d + "/encounters.csv", "w").write(e)
PY
c2=$(counts)
H import synthea "$T/x" > /dev/null 2> "$T/x.err"
check "refused by the import's checks: exit 1, each as FILE:LINE with the reason, nothing written" sh -c '[ $1 -eq 1 ] && grep -q "^patients.csv:3: a value holds a control character" "$2" && grep -q "^encounters.csv:3: Encounter.period.start is before the patient.s birth date" "$2" && grep -q "nothing was imported" "$2" && [ "$3" = "$4" ]' _ $? "$T/x.err" "$c2" "$(counts)"
check "the control character is not echoed" sh -c '! grep -q "$(printf "\033")" "$1"' _ "$T/x.err"

# Two patients of one export alike enough to be one: the second is
# refused (with what it holds) before anything is written.
D=$(mktemp -d); cp "$GOOD"/*.csv "$D/"
sed -n 2p "$GOOD/patients.csv" | sed 's/^b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61/e1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a99/; s/Maria684/Maria12/; s/12 Harbor View Rd/9 Dock St/' >> "$D/patients.csv"
printf '%s\n' "e9e9e9e9-4e5f-4a6b-8c7d-8e9f0a1b2c99,2024-02-02T09:00:00Z,2024-02-02T09:20:00Z,e1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a99,9e8d7c6b-5a49-4382-a716-151413121110,e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94,,ambulatory,185349003,Check up,1,1,0,," >> "$D/encounters.csv"
e2e_setup
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
H import synthea "$D" > /dev/null 2> "$T/d.err"
check "a likely duplicate within the export is refused by FILE:LINE, with its encounter, nothing written" sh -c '[ $1 -eq 1 ] && grep -q "^patients.csv:5: a likely duplicate of the patient of patients.csv:2 in this export" "$2" && grep -q "^encounters.csv:7: its patient is refused" "$2" && grep -q "2 bad rows; nothing was imported" "$2" && [ "$(sqlite3 "$3" "select count(*) from patients")" = 0 ]' _ $? "$T/d.err" "$DB"
H import synthea "$D" --skip-bad > "$T/d.out" 2> "$T/d.err"
check "with --skip-bad the others are imported" sh -c '[ $1 -eq 0 ] && grep -q "^patients.csv	4	1	0	3$" "$2" && grep -q "^encounters.csv	6	1	0	5$" "$2"' _ $? "$T/d.out"
rm -rf "$D"

# ---- a providers.csv of our own (columns as Synthea's CSV data dictionary
# names them, in another order), with bad rows: each by FILE:LINE ----
P=$(mktemp -d); cp "$GOOD"/*.csv "$P/"
python3 - "$P" <<'PY'
import sys
d = sys.argv[1]
org = "9e8d7c6b-5a49-4382-a716-151413121110"
rows = [
    "SPECIALITY,LON,NAME,Id,CITY,GENDER,STATE,ORGANIZATION,ZIP,ADDRESS,LAT,ENCOUNTERS,PROCEDURES",
    "GENERAL PRACTICE,-71.13,Alice891 Tran263,e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94,Boston,F,MA,%s,02134,1 Main St,42.35,120,30" % org,
    "INTERNAL MEDICINE,-71.13,Omar52 Haddad7,f5b7a0e6-4182-40f9-9eb2-5d6b7a8f9ea5,Boston,M,MA,%s,02134,1 Main St,42.35,80,12" % org,
    "GENERAL PRACTICE,-71.1,Eve\x1b[2J Hack,a1a1a1a1-0000-4000-8000-000000000001,Boston,F,MA,%s,02134,1 Main St,42.3,1,1" % org,
    "GENERAL PRACTICE,-71.1,Quinn Lee,a1a1a1a1-0000-4000-8000-000000000002,Boston,Q,MA,%s,02134,1 Main St,42.3,1,1" % org,
    "GENERAL PRACTICE,-71.1,Ola Berg,a1a1a1a1-0000-4000-8000-000000000003,Boston,F,MA,not-an-id,02134,1 Main St,42.3,1,1",
    "GENERAL PRACTICE,-71.1,,a1a1a1a1-0000-4000-8000-000000000004,Boston,M,MA,%s,02134,1 Main St,42.3,1,1" % org,
    "GENERAL PRACTICE,-71.1,Ann Fox,12345,Boston,F,MA,%s,02134,1 Main St,42.3,1,1" % org,
]
open(d + "/providers.csv", "w").write("\n".join(rows) + "\n")
PY
e2e_setup
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
H import synthea "$P" > "$T/p.out" 2> "$T/p.err"
check "bad provider rows: exit 1, the 5 reported as FILE:LINE with the reason, nothing written" sh -c '[ $1 -eq 1 ] && [ "$(grep -c "^providers.csv:[0-9]*: " "$2")" -eq 5 ] && grep -q "^providers.csv:4: NAME contains a control character" "$2" && grep -q "^providers.csv:5: GENDER .Q. is not M or F" "$2" && grep -q "^providers.csv:6: ORGANIZATION .not-an-id. is not a Synthea id" "$2" && grep -q "^providers.csv:7: NAME is empty" "$2" && grep -q "^providers.csv:8: Id .12345. is not a Synthea id" "$2" && grep -q "5 bad rows; nothing was imported" "$2" && [ "$(sqlite3 "$3" "select count(*) from providers")" = 0 ] && [ "$(sqlite3 "$3" "select count(*) from patients")" = 0 ]' _ $? "$T/p.err" "$DB" || sed 's/^/# /' "$T/p.err"
check "the control character is not echoed" sh -c '! grep -q "$(printf "\033")" "$1"' _ "$T/p.err"
H import synthea "$P" --skip-bad > "$T/p.out" 2> "$T/p.err"
rc=$?
got=$(sql "select group_concat(name || '/' || gender || '/' || speciality || '/' || location || '/' || organization, ';') from (select * from providers order by name)")
check "--skip-bad: the two good providers become records, whatever the column order" sh -c '[ $1 -eq 0 ] && grep -q "^providers.csv	7	5	0	2$" "$2" && [ "$3" = "Alice Tran/female/GENERAL PRACTICE/Boston, MA/9e8d7c6b-5a49-4382-a716-151413121110;Omar Haddad/male/INTERNAL MEDICINE/Boston, MA/9e8d7c6b-5a49-4382-a716-151413121110" ]' _ $rc "$T/p.out" "$got" || { sed 's/^/# /' "$T/p.err"; echo "# $got"; }
H import synthea "$P" --skip-bad > "$T/p2.out" 2> "$T/p2.err"
check "... and again: nothing new (no record, no encounter)" sh -c '[ $1 -eq 0 ] && grep -q "^providers.csv	7	5	0	0$" "$2" && grep -q "^encounters.csv	5	0	0	0$" "$2" && [ "$(sqlite3 "$3" "select count(*) from providers")" = 2 ] && [ "$(sqlite3 "$3" "select count(*) from encounters")" = 5 ]' _ $? "$T/p2.out" "$DB"
rm -rf "$P"
e2e_done
