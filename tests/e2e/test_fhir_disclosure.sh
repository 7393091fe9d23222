#!/bin/sh
# test_fhir_disclosure.sh - an export of a chart is a disclosure (README
# "FHIR", issue 14): `export fhir` records an entry in the patient's
# accounting of disclosures for each chart, source export, with what was
# disclosed in words; by default of category other (shown in the
# accounting, since Chartroom cannot know where the file goes), recipient
# and purpose "Not stated at export"; --category and --disclosure FILE|-
# (recipient_name, recipient_address, purpose: free text never on the
# command line) say otherwise; an unknown category is refused before
# anything is exported or recorded; --all records one per chart; the
# recipient is encrypted in the database file; the privacy officer sees
# each entry.
. "$(dirname "$0")/lib.sh"
e2e_setup
H() { cli him "$PW_HIM" "$@"; }
P() { cli priv "$PW_PRIV" "$@"; }
ndisc() { sql "select count(*) from disclosures"; }
MRN=$(clin front "$PW_FRONT" "$(csv last_name=Quillmere first_name=Ona dob=1961-04-05 sex=F)" patient add 2>/dev/null)
MRN2=$(clin front "$PW_FRONT" "$(csv last_name=Tarnwell first_name=Bo dob=1970-01-02 sex=M)" patient add 2>/dev/null)
ENC=$(clin front "$PW_FRONT" "$(csv visit_reason="cough")" encounter add "$MRN" --type "office visit" --provider prov --location "Room 1" 2>/dev/null)
check "setup: two charts, one with a visit" sh -c '[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ]' _ "$MRN" "$MRN2" "$ENC"
d0=$(ndisc)

# ---- the default entry ----
H export fhir "$MRN" --out "$T/a.json" 2> "$T/a.err"
check "export fhir MRN succeeds" [ $? -eq 0 ]
check "it records one disclosure" [ "$(ndisc)" = $((d0 + 1)) ]
P disclosures "$MRN" > "$T/acc.out" 2>&1
check "the patient's accounting shows it (category other: Chartroom cannot know where the file went)" sh -c 'grep -q "#1  Other disclosure" "$1" && grep -q "Recipient: Not stated at export" "$1" && grep -q "Purpose: Not stated at export" "$1"' _ "$T/acc.out"
check "what was disclosed, in words, with the count of each resource type" grep -q "Disclosed: FHIR R4 export of the chart: 2 resources (Patient 1, Encounter 1)" "$T/acc.out"
P disclosures "$MRN" --all > "$T/all.out" 2>&1
check "its source is export, recorded by the HIM clerk" grep -q "source export; recorded .* by him" "$T/all.out"
check "the export is still audited (export_fhir)" [ "$(audited export_fhir him)" = 1 ]

# ---- the exporter says to whom and why ----
printf 'recipient_name,recipient_address,purpose\n"Dr Canaryrecip, Salem Cardiology","1 Canarylane, Salem MA","continuing care"\n' > "$T/d.csv"
H export fhir "$MRN" --out "$T/b.json" --category treatment --disclosure "$T/d.csv" 2> "$T/b.err"
check "--category treatment --disclosure FILE succeeds" [ $? -eq 0 ] || sed 's/^/# /' "$T/b.err"
P disclosures "$MRN" --all > "$T/all.out" 2>&1
check "the entry names the recipient, address and purpose given" sh -c 'grep -q "#2  Treatment (excluded)" "$1" && grep -q "Recipient: Dr Canaryrecip, Salem Cardiology" "$1" && grep -q "Address: 1 Canarylane, Salem MA" "$1" && grep -q "Purpose: continuing care" "$1"' _ "$T/all.out"
P disclosures "$MRN" > "$T/acc.out" 2>&1
check "a treatment disclosure is kept but left out of the patient's accounting (164.528(a)(1))" sh -c '! grep -q "Canaryrecip" "$1" && grep -q "1 disclosure listed" "$1"' _ "$T/acc.out"
printf '%s\nrecipient_name,purpose\n"Ona Quillmere (the patient)","her own copy"\n' "$PW_HIM" |
	"$BIN" --db "$DB" --user him --password-stdin export fhir "$MRN" --out "$T/c.json" --category to_patient --disclosure - 2> "$T/c.err"
check "--disclosure - reads the CSV from standard input after the password" [ $? -eq 0 ]
P disclosures "$MRN" --all > "$T/all.out" 2>&1
check "... recorded to the patient, excluded" sh -c 'grep -q "#3  To the patient (excluded)" "$1" && grep -q "Recipient: Ona Quillmere (the patient)" "$1"' _ "$T/all.out"

# ---- refused before anything ----
d1=$(ndisc)
H export fhir "$MRN" --out "$T/x.json" --category nonsense > /dev/null 2> "$T/x.err"
check "an unknown category: usage error (exit 2) naming it, no file, nothing recorded" sh -c '[ $1 -eq 2 ] && grep -q "Category .nonsense. is not a disclosure category" "$2" && [ ! -e "$3" ] && [ "$4" = "$5" ]' _ $? "$T/x.err" "$T/x.json" "$d1" "$(ndisc)"
printf 'recipient_name\n"Dr \033[2J Canary"\n' > "$T/bad.csv"
H export fhir "$MRN" --out "$T/y.json" --disclosure "$T/bad.csv" > /dev/null 2> "$T/y.err"
check "a control character in the recipient: refused, no file, nothing recorded, not echoed" sh -c '[ $1 -ne 0 ] && [ "$2" = "$3" ] && ! grep -q "$(printf "\033")" "$4" && [ ! -e "$5" ]' _ $? "$d1" "$(ndisc)" "$T/y.err" "$T/y.json"
check "... and no export audited for it (still the three exports of this chart before)" [ "$(audited export_fhir him)" = 3 ]
cli front "$PW_FRONT" export fhir "$MRN" --out "$T/z.json" > /dev/null 2>&1
check "the front desk may not export (export_fhir): nothing recorded" sh -c '[ $1 -ne 0 ] && [ "$2" = "$3" ]' _ $? "$d1" "$(ndisc)"

# ---- every chart ----
H export fhir --all --out "$T/bulk" --category operations > /dev/null 2> "$T/bulk.err"
check "export fhir --all records one disclosure per chart" sh -c '[ $1 -eq 0 ] && [ "$(sqlite3 "$2" "select count(*) from disclosures")" = $(($3 + 2)) ]' _ $? "$DB" "$d1"
P disclosures "$MRN2" --all > "$T/b2.out" 2>&1
check "... in each patient's list, of the category given" grep -q "Health care operations (excluded)" "$T/b2.out"

sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
found=$(for f in "$DB" "$DB-wal"; do [ -f "$f" ] && strings -n 5 "$f"; done | grep -io 'canaryrecip\|canarylane\|continuing care\|quillmere' | sort -u | tr '\n' ' ')
check "no recipient, address, purpose or name in the database file" [ -z "$found" ] || echo "# found: $found"
e2e_done
