#!/bin/sh
# test_fhir.sh - FHIR R4 export and import (README "FHIR"): a chart with
# every section filled exported as a Bundle and as NDJSON, every resource
# checked against the FHIR R4 JSON schema (../shared/data/fhir, python3
# jsonschema; says so and fails if absent), the codes and units the issue
# names, consistent references, file modes, the permission and the audit;
# the round trip (export, import into a fresh database, export again: the
# same resources apart from ids and meta); bad input refused by place with
# nothing imported; no canary in the database file after an import.
. "$(dirname "$0")/lib.sh"
SCHEMA=${CHARTROOM_DATA:-$ROOT/../shared/data}/fhir/fhir.schema.json
FC="python3 $ROOT/tests/fhir_check.py"
if [ ! -r "$SCHEMA" ]; then
	not_ok "FHIR R4 schema present at $SCHEMA (see ../shared/data/README.md)"
	e2e_done
fi
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	not_ok "python3-jsonschema installed (make deps)"
	e2e_done
fi
e2e_setup
H() { cli him "$PW_HIM" "$@"; }
# What an importing clerk needs besides patient_import (README "FHIR").
IMPORT_GRANT="encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record note_write note_sign"

# A chart with every section filled: demographics, two encounters (one
# closed, coded), vitals twice, allergies (one inactive), medications (one
# stopped), problems (one resolved), a signed note with a signed addendum,
# a draft (not exported). A second, confidential chart with "no known
# allergies".
setup_codes() {
	H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1 &&
	H codes import hcpcs "$ROOT/assets/codes/hcpcs-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1
}
setup_codes || not_ok "setup: code sets load"
MRN=$(clin front "$PW_FRONT" "$(csv last_name=Quillfeather first_name=Ondine middle_name=Mae dob=1961-04-05 sex=F \
	address1="12 Canaryrow Street" city=Salem state=MA zip=01970 phone_home=617-555-0142 phone_mobile=617-555-0199 \
	email=ondine@example.org language=Portuguese emergency_name="Piet Quillfeather" emergency_relation=brother \
	emergency_phone=617-555-0177)" patient add 2>/dev/null)
ENC=$(clin front "$PW_FRONT" "$(csv visit_reason="Canaryreason wheezing since the ferry")" encounter add "$MRN" \
	--type "office visit" --provider prov --location "Room 4" --date "2025-11-03 09:15" 2>/dev/null)
ENC2=$(clin front "$PW_FRONT" "$(csv visit_reason="follow-up")" encounter add "$MRN" --type "office visit" \
	--provider prov --location "Room 2" 2>/dev/null)
cli nurse "$PW_NURSE" vitals add "$ENC" --bp 128/84 --pulse 72 --resp 16 --temp 98.6 --spo2 98 --height "5'6\"" --weight 150 >/dev/null 2>&1
cli nurse "$PW_NURSE" vitals add "$ENC2" --weight 70kg --temp 37.2C >/dev/null 2>&1
A=$(clin nurse "$PW_NURSE" "$(csv substance=Canarysubstance reaction=hives)" allergy add "$MRN" --severity severe 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv substance=Latex)" allergy add "$MRN" --severity moderate >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv substance=Sulfa reaction=rash)" allergy add "$MRN" --severity mild >/dev/null 2>&1
cli nurse "$PW_NURSE" allergy status "$A" inactive >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv name=Canarymedname dose="10 mg" frequency=daily)" med add "$MRN" --route PO --start 2024-01-01 >/dev/null 2>&1
M=$(clin nurse "$PW_NURSE" "$(csv name=Albuterol dose="2 puffs" frequency="q6h PRN")" med add "$MRN" --route inhaled 2>/dev/null)
cli nurse "$PW_NURSE" med status "$M" stopped >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Essential hypertension")" problem add "$MRN" --code I10 --onset 2019-06-01 >/dev/null 2>&1
P=$(clin prov "$PW_PROV" "$(csv text="Seasonal sneezing")" problem add "$MRN" 2>/dev/null)
cli prov "$PW_PROV" problem status "$P" resolved >/dev/null 2>&1
printf 'Canarynote wheezing after the ferry.\nLungs: scattered wheeze.\n' > "$T/note1.txt"
N=$(cli prov "$PW_PROV" note add "$ENC" --file "$T/note1.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$N" >/dev/null 2>&1
printf 'Addendum: peak flow 380.\n' > "$T/note2.txt"
N2=$(cli prov "$PW_PROV" note addendum "$N" --file "$T/note2.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$N2" >/dev/null 2>&1
printf 'Draftcanary not signed.\n' > "$T/note3.txt"
cli prov "$PW_PROV" note add "$ENC2" --file "$T/note3.txt" >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$ENC" --date "2025-11-03 10:05" >/dev/null 2>&1
H coding add-dx "$ENC" J45.909 >/dev/null 2>&1
H coding add-dx "$ENC" I10 >/dev/null 2>&1
H coding add-px "$ENC" G0008 --pointers 1,2 --system hcpcs >/dev/null 2>&1
MRNB=$(clin front "$PW_FRONT" "$(csv last_name=Brightwater first_name=Cass dob=1990-02-03 sex=M)" patient add --confidential 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv reason="checking allergies before a shot")" allergy nka "$MRNB" --mrn "$MRNB" >/dev/null 2>&1
check "setup: the chart has every section" sh -c '[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ -n "$4" ]' _ "$MRN" "$ENC" "$N2" "$MRNB"

# ---- export of one chart ----
H export fhir "$MRN" --out "$T/a.json" 2>"$T/err"
check "export fhir MRN --out FILE succeeds" [ $? -eq 0 ]
check "the file is mode 0600" [ "$(stat -c %a "$T/a.json")" = 600 ]
check "no temporary file is left" [ -z "$(ls "$T" | grep '\.part$')" ]
check "it is a Bundle of type collection" python3 -c '
import json,sys; b=json.load(open(sys.argv[1])); sys.exit(not (b["resourceType"]=="Bundle" and b["type"]=="collection"))' "$T/a.json"
for t in Patient:1 Encounter:2 Condition:4 AllergyIntolerance:3 MedicationStatement:2 Observation:11 Procedure:1 DocumentReference:2; do
	check "the Bundle has ${t#*:} ${t%:*}" [ "$($FC count "$T/a.json" "${t%:*}")" = "${t#*:}" ]
done
out=$($FC validate "$SCHEMA" "$T/a.json")
check "every resource of the Bundle is valid against the FHIR R4 schema" [ $? -eq 0 ] || echo "# $out"
check "every reference resolves to a resource of the Bundle" sh -c '! $1 normal "$2" | grep -q dangling' _ "$FC" "$T/a.json"
# The codes, systems and units the issue names.
check "vital signs: LOINC codes and UCUM units, category vital-signs" python3 - "$T/a.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
obs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]
want = {"85354-9": None, "8867-4": "/min", "9279-1": "/min", "8310-5": "Cel", "59408-5": "%",
        "8302-2": "cm", "29463-7": "kg", "39156-5": "kg/m2"}
seen = set()
for o in obs:
    assert o["category"][0]["coding"][0]["code"] == "vital-signs", o
    c = o["code"]["coding"][0]
    assert c["system"] == "http://loinc.org", c
    seen.add(c["code"])
    if c["code"] == "85354-9":
        comp = {x["code"]["coding"][0]["code"]: x["valueQuantity"] for x in o["component"]}
        assert comp["8480-6"]["value"] == 128 and comp["8462-4"]["value"] == 84, comp
        assert comp["8480-6"]["code"] == "mm[Hg]" and comp["8480-6"]["system"] == "http://unitsofmeasure.org"
    else:
        q = o["valueQuantity"]
        assert q["code"] == want[c["code"]] and q["system"] == "http://unitsofmeasure.org", (c, q)
    if c["code"] == "8310-5" and o["id"].startswith("vit-1"):
        assert abs(o["valueQuantity"]["value"] - 37.0) < 0.01, o
    if c["code"] == "39156-5" and o["id"].startswith("vit-1"):
        assert o["valueQuantity"]["value"] == 24.2, o
assert seen == set(want), seen
PY
check "conditions: problems and encounter diagnoses in ICD-10-CM" python3 - "$T/a.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
cs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Condition"]
cat = [c["category"][0]["coding"][0]["code"] for c in cs]
assert cat.count("problem-list-item") == 2 and cat.count("encounter-diagnosis") == 2, cat
dx = [c for c in cs if c["category"][0]["coding"][0]["code"] == "encounter-diagnosis"]
assert [d["code"]["coding"][0]["code"] for d in dx] == ["J45.909", "I10"], dx
assert all(d["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm" for d in dx)
assert all(d["encounter"]["reference"].startswith("Encounter/") for d in dx)
res = [c for c in cs if c.get("clinicalStatus", {}).get("coding", [{}])[0].get("code") == "resolved"]
assert len(res) == 1 and res[0]["code"]["text"] == "Seasonal sneezing", res
px = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Procedure"][0]
assert px["code"]["coding"][0]["code"] == "G0008" and px["code"]["coding"][0]["system"] == "urn:oid:2.16.840.1.113883.6.285", px
assert len(px["reasonReference"]) == 2, px
PY
check "allergies, medications and notes as the chart holds them" python3 - "$T/a.json" <<'PY'
import json, sys, base64
b = json.load(open(sys.argv[1]))
r = [e["resource"] for e in b["entry"]]
al = [x for x in r if x["resourceType"] == "AllergyIntolerance"]
st = sorted(a["clinicalStatus"]["coding"][0]["code"] for a in al)
assert st == ["active", "active", "inactive"], st
sev = [a["reaction"][0]["severity"] for a in al if "reaction" in a]
assert sorted(sev) == ["mild", "moderate", "severe"], sev
md = [x for x in r if x["resourceType"] == "MedicationStatement"]
assert sorted(m["status"] for m in md) == ["active", "stopped"], md
assert any(m["dosage"][0]["route"]["text"] == "PO" and m["dosage"][0]["timing"]["code"]["text"] == "daily" for m in md)
docs = [x for x in r if x["resourceType"] == "DocumentReference"]
bodies = [base64.b64decode(d["content"][0]["attachment"]["data"]).decode() for d in docs]
assert bodies[0].startswith("Canarynote") and bodies[1].startswith("Addendum"), bodies
assert docs[1]["relatesTo"][0]["code"] == "appends", docs[1]
assert not any("Draftcanary" in x for x in bodies)
pt = r[0]
assert pt["resourceType"] == "Patient" and pt["gender"] == "female" and pt["birthDate"] == "1961-04-05"
assert "ssn" not in json.dumps(pt).lower()
PY
H export fhir "$MRNB" --out "$T/b.json" 2>/dev/null
check "no known allergies is its own AllergyIntolerance (SNOMED 716186003)" python3 - "$T/b.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
al = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "AllergyIntolerance"]
assert len(al) == 1 and al[0]["code"]["coding"][0]["code"] == "716186003", al
assert b["entry"][0]["resource"]["meta"]["security"][0]["code"] == "R"
PY
out=$(H export fhir "$MRN" --out "$T/a.json" 2>&1)
check "an existing file is never replaced (exit 1, said so)" sh -c '[ $2 -eq 1 ] && printf %s "$1" | grep -q "exists: remove it"' _ "$out" $?
out=$(H export fhir "$MRN" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entry"]))')
check "without --out the Bundle goes to standard output" [ "$out" = 26 ]

# ---- the permission and the audit ----
n0=$(audited export_fhir him)
cli front "$PW_FRONT" export fhir "$MRN" --out "$T/f.json" >/dev/null 2>&1
check "the front desk may not export (exit 4)" [ $? -eq 4 ]
cli nurse "$PW_NURSE" export fhir "$MRN" --out "$T/f.json" >/dev/null 2>&1
check "nor may a nurse (exit 4)" [ $? -eq 4 ]
check "and no file is written" [ ! -e "$T/f.json" ]
check "each chart exported is audited (export_fhir)" [ "$(audited export_fhir him)" -eq 3 ]
H export fhir "$MRN" --out "$T/a2.json" >/dev/null 2>&1
check "one more export, one more audit entry" [ "$(audited export_fhir him)" -eq $((n0 + 1)) ]
check "the refusals are audited" [ "$(audited denied front)" -ge 1 ]
out=$(H export fhir CR99999999 2>&1)
check "an unknown MRN is an error without PHI" sh -c '[ "$(printf %s "$1" | grep -c Quillfeather)" = 0 ] && printf %s "$1" | grep -q chartroom:' _ "$out"

# ---- bulk export ----
H export fhir --all --out "$T/bulk" 2>"$T/bulk.err"
check "export fhir --all --out DIR succeeds" [ $? -eq 0 ]
check "one NDJSON file per resource type" sh -c 'cd "$1" && [ "$(ls | tr "\n" " ")" = "AllergyIntolerance.ndjson Condition.ndjson DocumentReference.ndjson Encounter.ndjson MedicationStatement.ndjson Observation.ndjson Patient.ndjson Procedure.ndjson " ]' _ "$T/bulk"
check "the files are mode 0600, the directory 0700" sh -c '[ "$(stat -c %a "$1"/*.ndjson | sort -u)" = 600 ] && [ "$(stat -c %a "$1")" = 700 ]' _ "$T/bulk"
check "Patient.ndjson holds both charts, one a line" [ "$(wc -l < "$T/bulk/Patient.ndjson")" = 2 ]
check "AllergyIntolerance.ndjson: 3 allergies and 1 NKA" [ "$(wc -l < "$T/bulk/AllergyIntolerance.ndjson")" = 4 ]
out=$($FC validate "$SCHEMA" "$T"/bulk/*.ndjson)
check "every NDJSON resource is valid against the FHIR R4 schema" [ $? -eq 0 ] || echo "# $out"
check "quiet when standard error is not a terminal (no progress bar)" sh -c '! grep -q "Exporting \[" "$1"' _ "$T/bulk.err"
check "the summary counts the resources" grep -q "Exported 2 charts, 28 resources" "$T/bulk.err"
printf '%s\n' "$PW_HIM" > "$T/pw"
script -qec "'$BIN' --db '$DB' --user him --password-stdin export fhir --all --out '$T/bulk2' < '$T/pw'" /dev/null > "$T/tty.out" 2>&1
check "a progress bar on a terminal" grep -q "Exporting \[#*\] 2/2 charts" "$T/tty.out"
n1=$(audited export_fhir him)
out=$(H export fhir --all --out "$T/bulk" 2>&1)
check "a bulk export into a directory holding one refuses before reading a chart" sh -c '[ $2 -eq 1 ] && printf %s "$1" | grep -q "Patient.ndjson exists" && [ "$3" = "$4" ]' _ "$out" $? "$n1" "$(audited export_fhir him)"
H export fhir "$MRN" --all --out "$T/x" >/dev/null 2>&1
check "--all with an MRN is a usage error (exit 2)" [ $? -eq 2 ]
H export fhir --all >/dev/null 2>&1
check "--all without --out is a usage error (exit 2)" [ $? -eq 2 ]

# ---- round trip: import into a fresh database, export again ----
T1=$T; DB1=$DB
e2e_setup
setup_codes || not_ok "setup: code sets load (second database)"
cli admin "$PW_ADMIN" roles grant him $IMPORT_GRANT >/dev/null 2>&1
H import fhir "$T1/a.json" > "$T/imp.out" 2>"$T/imp.err"
check "import fhir of the Bundle succeeds" [ $? -eq 0 ] || echo "# $(cat "$T/imp.err")"
check "it prints what it imported per type" grep -q "^Observation	11$" "$T/imp.out"
MRN2=$(find_q him "$PW_HIM" Quillfeather 2>/dev/null | cut -f1)
H export fhir "$MRN2" --out "$T/a2.json" >/dev/null 2>&1
$FC normal "$T1/a.json" > "$T/n1.json"
$FC normal "$T/a2.json" > "$T/n2.json"
check "round trip: the same resources apart from ids and meta" cmp -s "$T/n1.json" "$T/n2.json" || diff "$T/n1.json" "$T/n2.json" | head -20 | sed 's/^/# /'
check "the import is audited (fhir_import)" [ "$(audited fhir_import him)" = 1 ]
counts() { sql "select (select count(*) from patients) || '/' || (select count(*) from encounters) || '/' || (select count(*) from vitals) || '/' || (select count(*) from allergies) || '/' || (select count(*) from notes)"; }
c1=$(counts)
out=$(H import fhir "$T1/a.json" 2>&1)
check "the same Bundle again matches the chart by MRN and changes nothing (its demographics as they are)" sh -c '[ "$1" = "$2" ] && printf %s "$3" | grep -q "Imported 0 resources (0 new charts, 0 updated; 26 already in them)"' _ "$c1" "$(counts)" "$out"
python3 - "$T1/a.json" "$T/nomrn.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
del b["entry"][0]["resource"]["identifier"]
json.dump(b, open(sys.argv[2], "w"))
PY
out=$(H import fhir "$T/nomrn.json" 2>&1)
check "without its MRN the same patient is a likely duplicate, refused before anything is written" sh -c '[ $2 -eq 1 ] && printf %s "$1" | grep -q "entry\[0\]: Patient is a likely duplicate of $3 here" && [ "$4" = "$5" ]' _ "$out" $? "$MRN2" "$c1" "$(counts)"
H export fhir "$MRN2" --out "$T/a2b.json" >/dev/null 2>&1
check "and the chart exports as before" sh -c '$1 normal "$2" | cmp -s - "$3"' _ "$FC" "$T/a2b.json" "$T/n2.json"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
found=$(for f in "$DB" "$DB-wal"; do [ -f "$f" ] && strings -n 5 "$f"; done | grep -io 'canary[a-z]*\|quillfeather\|ondine' | sort -u | tr '\n' ' ')
check "no canary (names, address, reason, substance, drug, note) in the database file after the import" [ -z "$found" ] || echo "# found: $found"

# The bulk NDJSON files, all at once, into a third database: the same.
T2=$T; DB2=$DB
e2e_setup
setup_codes || not_ok "setup: code sets load (third database)"
cli admin "$PW_ADMIN" roles grant him $IMPORT_GRANT >/dev/null 2>&1
H import fhir "$T1"/bulk/*.ndjson > "$T/imp.out" 2>"$T/imp.err"
check "import fhir of the NDJSON files succeeds" [ $? -eq 0 ] || echo "# $(cat "$T/imp.err")"
check "both charts are registered" [ "$(sql "select count(*) from patients")" = 2 ]
MRN3=$(find_q him "$PW_HIM" Quillfeather 2>/dev/null | cut -f1)
H export fhir "$MRN3" --out "$T/a3.json" >/dev/null 2>&1
$FC normal "$T/a3.json" > "$T/n3.json"
check "round trip through NDJSON: the same resources" cmp -s "$T2/n1.json" "$T/n3.json"
MRNB3=$(find_q him "$PW_HIM" Brightwater 2>/dev/null | cut -f1)
H export fhir "$MRNB3" --out "$T/b3.json" >/dev/null 2>&1
check "the confidential chart stays confidential, with its NKA" sh -c '$1 normal "$2" > "$3/nb1"; $1 normal "$4" > "$3/nb3"; cmp -s "$3/nb1" "$3/nb3"' _ "$FC" "$T1/b.json" "$T" "$T/b3.json"

# ---- bad input: refused by place, nothing imported ----
before=$(sql "select (select count(*) from patients) || '/' || (select count(*) from encounters) || '/' || (select count(*) from vitals)")
unchanged() { [ "$(sql "select (select count(*) from patients) || '/' || (select count(*) from encounters) || '/' || (select count(*) from vitals)")" = "$before" ]; }
head -c 3000 "$T1/a.json" > "$T/trunc.json"
out=$(H import fhir "$T/trunc.json" 2>&1)
check "a truncated Bundle is refused (exit 1)" [ $? -eq 1 ]
check "naming the file and that it ends early" sh -c 'printf %s "$1" | grep -q "trunc.json: the JSON ends too early"' _ "$out"
check "and quoting none of it" sh -c '! printf %s "$1" | grep -qi "quillfeather\|canary"' _ "$out"
check "nothing was imported" unchanged
sed 's/"resourceType":"Encounter"/"resourceType":"Encounterx"/' "$T1/bulk/Encounter.ndjson" > "$T/Encounter.ndjson"
out=$(H import fhir "$T1/bulk/Patient.ndjson" "$T/Encounter.ndjson" 2>&1)
check "a wrong resourceType is refused (exit 1)" [ $? -eq 1 ]
check "by file:line with the reason" sh -c 'printf %s "$1" | grep -q "Encounter.ndjson:1: resourceType is missing or not one Chartroom imports"' _ "$out"
check "nothing was imported (its Patient neither)" unchanged
python3 - "$T1/a.json" "$T/huge.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for e in b["entry"]:
    if e["resource"]["resourceType"] == "DocumentReference":
        e["resource"]["content"][0]["attachment"]["size"] = 2147483648
json.dump(b, open(sys.argv[2], "w"))
PY
out=$(H import fhir "$T/huge.json" 2>&1)
check "an attachment claiming 2 GB is refused by its entry index" sh -c 'printf %s "$1" | grep -q "huge.json entry\[24\]: the attachment.s size is not a note.s"' _ "$out"
check "nothing was imported" unchanged
truncate -s 2G "$T/big.ndjson"
out=$(H import fhir "$T/big.ndjson" 2>&1)
check "a 2 GB file is refused before it is read" sh -c 'printf %s "$1" | grep -q "larger than 256 MiB"' _ "$out"
rm -f "$T/big.ndjson"
python3 - "$T1/a.json" "$T/ctl.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["entry"][0]["resource"]["name"][0]["family"] = "Quill\u001b[2Jfeather"
b["entry"][9]["resource"]["code"]["text"] = "Pen\u202eicillin"
json.dump(b, open(sys.argv[2], "w"))
PY
out=$(H import fhir "$T/ctl.json" 2>&1)
check "control characters and bidi overrides are refused" sh -c 'printf %s "$1" | grep -q "entry\[0\]: a value holds a control character" && printf %s "$1" | grep -q "entry\[9\]: a value holds a control character"' _ "$out"
check "the refused Patient's resources are refused with it" sh -c 'printf %s "$1" | grep -q "entry\[1\]: refers to a resource that is refused"' _ "$out"
check "no escape sequence reaches the terminal" sh -c '! printf %s "$1" | grep -q "$(printf "\033")"' _ "$out"
check "nothing was imported" unchanged
python3 - "$T1/a.json" "$T/badval.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["entry"][0]["resource"]["birthDate"] = "1961-02-30"
b["entry"][13]["resource"]["valueQuantity"]["code"] = "furlongs"
b["entry"][2]["resource"]["participant"][0]["individual"]["display"] = "nurse"
b["entry"][1]["resource"]["period"]["start"] = "2999-01-01T10:00:00Z"
b["entry"][5]["resource"]["code"]["coding"][0]["code"] = "J45"
json.dump(b, open(sys.argv[2], "w"))
PY
out=$(H import fhir "$T/badval.json" 2>&1)
check "an encounter in the future is refused" sh -c 'printf %s "$1" | grep -q "entry\[1\]: Encounter.period.start is before 1900-01-01 or in the future"' _ "$out"
check "an encounter whose provider is not a provider here is refused" sh -c 'printf %s "$1" | grep -q "entry\[2\]: Encounter.participant is not the user name of a provider here"' _ "$out"
check "a diagnosis code coding would refuse is refused with its rule" sh -c 'printf %s "$1" | grep -q "entry\[5\]: .*J45"' _ "$out"
check "a bad birth date is refused naming the field, not the value" sh -c 'printf %s "$1" | grep -q "entry\[0\]: Patient dob is not valid" && ! printf %s "$1" | grep -q 1961-02-30' _ "$out"
check "a unit Chartroom does not read is refused" sh -c 'printf %s "$1" | grep -q "entry\[13\]: Observation.valueQuantity needs a number in"' _ "$out"
check "nothing was imported" unchanged
# --skip-bad: the good chart comes in, the bad one (and its resources) not.
cat "$T1/bulk/Patient.ndjson" > "$T/mixed.ndjson"
printf '{"resourceType":"Patient","id":"zz","gender":"female"}\n{not json\n' >> "$T/mixed.ndjson"
out=$(H import fhir "$T/mixed.ndjson" 2>&1)
check "a bad line stops the whole import without --skip-bad" sh -c '[ $2 -eq 1 ] && printf %s "$1" | grep -q "mixed.ndjson:4: not valid JSON"' _ "$out" $?
check "nothing was imported" unchanged
out=$(H import fhir "$T/mixed.ndjson" --skip-bad 2>&1)
check "with --skip-bad the good ones are imported and the bad counted" sh -c 'printf %s "$1" | grep -q "2 resources refused and left out"' _ "$out"
check "the good charts matched by MRN update them (no new chart)" [ "$(sql "select count(*) from patients")" = 2 ]
out=$(cli nurse "$PW_NURSE" import fhir "$T1/a.json" 2>&1)
check "a nurse may not import (exit 4)" [ $? -eq 4 ]
rm -rf "$T1" "$T2"

# ---- provider records (not user accounts) as Practitioner ----
# A Synthea import names each visit's provider record; the export writes
# one Practitioner per record a visit names, referred to by
# Encounter.participant; the import reads them back as records.
e2e_setup
cli admin "$PW_ADMIN" roles grant him $IMPORT_GRANT >/dev/null 2>&1
H import synthea "$ROOT/tests/fixtures/synthea" > /dev/null 2>&1
MRNS=$(find_q him "$PW_HIM" Okonkwo-Reyes 2>/dev/null | cut -f1)
H export fhir "$MRNS" --out "$T/s.json" > /dev/null 2>&1
out=$($FC validate "$SCHEMA" "$T/s.json" 2>&1)
check "a chart with provider records exports valid against the FHIR R4 schema" [ $? -eq 0 ] || echo "# $out"
check "one Practitioner per record its visits name, each encounter's participant referring to its own" python3 -c '
import json, sys
b = [e["resource"] for e in json.load(open(sys.argv[1]))["entry"]]
pr = {"Practitioner/" + r["id"]: r for r in b if r["resourceType"] == "Practitioner"}
enc = [r for r in b if r["resourceType"] == "Encounter"]
names = sorted(r["name"][0]["text"] for r in pr.values())
refs = [[p["individual"] for p in e["participant"] if "reference" in p["individual"]] for e in enc]
ok = names == ["Alice Tran", "Omar Haddad"] and len(enc) == 2 and all(len(x) == 1 and x[0]["reference"] in pr and x[0]["display"] == pr[x[0]["reference"]]["name"][0]["text"] for x in refs)
ok = ok and all(p["identifier"][0]["system"] == "https://github.com/synthetichealth/synthea/provider" for p in pr.values())
ok = ok and all(e["participant"][0]["individual"] == {"display": "prov"} for e in enc)
sys.exit(not ok)' "$T/s.json"
$FC normal "$T/s.json" > "$T/ns1.json"
check "every reference of it resolves" sh -c '! grep -q dangling "$1"' _ "$T/ns1.json"
H export fhir --all --out "$T/sbulk" > /dev/null 2>&1
check "a bulk export writes each Practitioner once, however many charts name it" sh -c '[ "$(wc -l < "$1/Practitioner.ndjson")" -eq 2 ] && [ "$(grep -c "\"Practitioner/prv-" "$1/Encounter.ndjson")" -eq 5 ]' _ "$T/sbulk"
out=$($FC validate "$SCHEMA" "$T"/sbulk/*.ndjson 2>&1)
check "... valid against the FHIR R4 schema" [ $? -eq 0 ] || echo "# $out"
T3=$T
e2e_setup
cli admin "$PW_ADMIN" roles grant him $IMPORT_GRANT >/dev/null 2>&1
H import fhir "$T3/s.json" > "$T/si.out" 2> "$T/si.err"
check "import fhir of it succeeds" [ $? -eq 0 ] || sed 's/^/# /' "$T/si.err"
check "the Practitioners become provider records (not accounts), each encounter naming its own, marked imported (fhir)" sh -c '[ "$(sqlite3 "$1" "select group_concat(name, \",\") from (select name from providers order by name)")" = "Alice Tran,Omar Haddad" ] && [ "$(sqlite3 "$1" "select count(*) from encounters e join providers p on p.id = e.provider_ref where e.source = \"fhir\"")" = 2 ]' _ "$DB"
MRNS2=$(find_q him "$PW_HIM" Okonkwo-Reyes 2>/dev/null | cut -f1)
H export fhir "$MRNS2" --out "$T/s2.json" > /dev/null 2>&1
$FC normal "$T/s2.json" > "$T/ns2.json"
check "round trip with Practitioners: the same resources apart from ids and meta" cmp -s "$T3/ns1.json" "$T/ns2.json" || diff "$T3/ns1.json" "$T/ns2.json" | head -20 | sed 's/^/# /'
H import fhir "$T3/s.json" > "$T/si2.out" 2> "$T/si2.err"
check "imported again: no new provider record, nothing new" sh -c '[ $1 -eq 0 ] && [ "$(sqlite3 "$2" "select count(*) from providers")" = 2 ] && grep -q "Imported 0 resources" "$3"' _ $? "$DB" "$T/si2.err" || sed 's/^/# /' "$T/si2.err"
H import fhir "$T3"/sbulk/*.ndjson > "$T/sb.out" 2> "$T/sb.err"
check "the bulk NDJSON imports too: the other charts, the same two records" sh -c '[ $1 -eq 0 ] && [ "$(sqlite3 "$2" "select count(*) from providers")" = 2 ] && [ "$(sqlite3 "$2" "select count(*) from patients")" = 3 ] && [ "$(sqlite3 "$2" "select count(*) from encounters where provider_ref is not null")" = 5 ]' _ $? "$DB" || sed 's/^/# /' "$T/sb.err"
python3 - "$T3/s.json" "$T3/sbad.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for e in b["entry"]:
    r = e["resource"]
    if r["resourceType"] == "Practitioner" and r["name"][0]["text"] == "Alice Tran":
        r["name"][0]["text"] = ""
    if r["resourceType"] == "Encounter":
        r["participant"][1]["individual"]["reference"] = "Practitioner/nobody"
        break
json.dump(b, open(sys.argv[2], "w"))
PY
e2e_setup
cli admin "$PW_ADMIN" roles grant him $IMPORT_GRANT >/dev/null 2>&1
out=$(H import fhir "$T3/sbad.json" 2>&1)
check "a Practitioner without a name, an Encounter referring to none in the file: refused by entry, nothing imported" sh -c '[ $2 -eq 1 ] && printf %s "$1" | grep -q "entry\[[0-9]*\]: Practitioner: Name is empty" && printf %s "$1" | grep -q "entry\[[0-9]*\]: Encounter.participant must refer to one Practitioner in the file" && [ "$(sqlite3 "$3" "select count(*) from providers") $(sqlite3 "$3" "select count(*) from patients")" = "0 0" ]' _ "$out" $? "$DB" || echo "# $out"
rm -rf "$T3"
e2e_done
