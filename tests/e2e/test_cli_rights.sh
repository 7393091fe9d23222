#!/bin/sh
# test_cli_rights.sh - patients' rights on the command line (issue 12
# items 3-6): release of information from logging to release (file 0600,
# sections, the disclosure recorded), the accounting of disclosures (six
# years, excluded kinds left out and said so, a strike, an oversight
# suspension), the disclosures table refusing UPDATE and DELETE, rows
# edited or moved with sqlite3 caught, amendment requests with their
# clock (the test binary's injected clock: day 59, 60, 91), denial with a
# disagreement and rebuttal that a later release carries, permissions, and
# canaries absent from the database file.
. "$(dirname "$0")/lib.sh"
e2e_setup
has() { printf '%s' "$1" | grep -q -- "$2"; }

MRN=$(clin front "$PW_FRONT" "$(csv last_name=Rightsly first_name=Harriet dob=1970-03-04 sex=F)" patient add 2>/dev/null)
MRN2=$(clin front "$PW_FRONT" "$(csv last_name=Otherton first_name=Paul dob=1980-01-01 sex=M)" patient add 2>/dev/null)
check "setup: two patients" sh -c "[ -n '$MRN' ] && [ -n '$MRN2' ]"
clin nurse "$PW_NURSE" "$(csv substance=Penicillin reaction=hives)" allergy add "$MRN" --severity severe >/dev/null 2>&1

# -- ROI: log, refuse bad input, release
R=$(clin him "$PW_HIM" "$(csv requester_name="Canaryrequester Lawfirm" recipient_name="Canaryrecipient Esq" recipient_address="1 Canaryaddress Way" purpose="Canarypurpose litigation")" \
	roi add "$MRN" --requester attorney --auth on_file --auth-signed 2026-01-02 --sections allergies,demographics --fee 12.50 2>/dev/null)
check "an HIM clerk logs an ROI request (prints its number)" [ "$R" = 1 ]
out=$(cli him "$PW_HIM" roi show "$R")
check "roi show gives the recipient, sections, due date and days left" sh -c "printf '%s' \"\$1\" | grep -q 'Recipient: Canaryrecipient Esq' && printf '%s' \"\$1\" | grep -q 'Sections: demographics,allergies' && printf '%s' \"\$1\" | grep -q 'days left'" _ "$out"
check "the fee is kept in cents" sh -c "printf '%s' \"\$1\" | grep -q 'Fee: 12.50'" _ "$out"
out=$(clin him "$PW_HIM" "$(csv recipient_name=X)" roi add "$MRN" --requester wizard 2>&1)
check "an unknown requester kind is refused with the list" sh -c "[ \$? -ne 0 ] || true; printf '%s' \"\$1\" | grep -q 'is not one of patient'" _ "$out"
out=$(clin him "$PW_HIM" "$(csv recipient_name=X)" roi add "$MRN" --requester payer --sections xrays 2>&1)
check "an unknown section is refused naming it" sh -c "printf '%s' \"\$1\" | grep -q \"'xrays' is not a section\"" _ "$out"
out=$(clin him "$PW_HIM" "$(csv recipient_name="Bad$(printf '\033')[31mName")" roi add "$MRN" --requester payer 2>&1)
check "a control character in a name is refused" sh -c "printf '%s' \"\$1\" | grep -q 'control character'" _ "$out"
out=$(cli him "$PW_HIM" roi add "$MRN" --requester payer --recipient-name Someone 2>&1)
check "a name on the command line is refused as PHI (exit 2)" sh -c "[ $? -eq 2 ] || printf '%s' \"\$1\" | grep -q 'not taken on the command line'" _ "$out"
check "nothing was stored by the refusals" [ "$(sql "select count(distinct req) from rights_requests where kind='roi'")" = 1 ]
out=$(cli front "$PW_FRONT" roi list 2>&1)
check "the front desk cannot see ROI requests (permission denied)" sh -c "printf '%s' \"\$1\" | grep -qi 'permission denied'" _ "$out"
clin him "$PW_HIM" "$(csv reason="Records are stored off site")" roi extend "$R" >/dev/null 2>&1
out=$(cli him "$PW_HIM" roi show $R 2>&1)
check "the ROI request is extended once with a reason" has "$out" 'extended'
out=$(clin him "$PW_HIM" "$(csv reason="again")" roi extend "$R" 2>&1)
check "a second extension is refused" sh -c "printf '%s' \"\$1\" | grep -q 'one extension only'" _ "$out"
cli him "$PW_HIM" roi release "$R" --out "$T/release.txt" >/dev/null 2>&1
check "release writes the file" [ -s "$T/release.txt" ]
check "the released file is mode 0600" [ "$(stat -c %a "$T/release.txt")" = 600 ]
check "it holds the sections asked for" sh -c "grep -q 'ALLERGIES' '$T/release.txt' && grep -q 'Penicillin' '$T/release.txt' && grep -q 'Rightsly' '$T/release.txt'"
check "and not the ones not asked for" sh -c "! grep -q 'MEDICATIONS' '$T/release.txt'"
out=$(cli him "$PW_HIM" roi show $R 2>&1)
check "the request is released" has "$out" 'Status: released'
check "a disclosure was recorded with it" [ "$(sql "select count(*) from disclosures where source='roi' and roi=$R")" = 1 ]
out=$(cli him "$PW_HIM" roi release "$R" --out "$T/again.txt" 2>&1)
check "a released request cannot be released again" sh -c "printf '%s' \"\$1\" | grep -q 'closed' && [ ! -e '$T/again.txt' ]" _ "$out"
R2=$(clin him "$PW_HIM" "$(csv recipient_name="Acme Insurance")" roi add "$MRN" --requester payer 2>/dev/null)
out=$(cli him "$PW_HIM" roi release "$R2" --out "$T/r2.txt" 2>&1)
check "a request awaiting authorization is not released" sh -c "printf '%s' \"\$1\" | grep -q 'awaiting authorization' && [ ! -e '$T/r2.txt' ]" _ "$out"
: > "$T/exists.txt"
cli him "$PW_HIM" roi update "$R2" --auth on_file --auth-signed 2026-01-01 >/dev/null 2>&1
out=$(cli him "$PW_HIM" roi release "$R2" --out "$T/exists.txt" 2>&1)
check "release never overwrites an existing file" sh -c "printf '%s' \"\$1\" | grep -q 'never overwrites' && [ ! -s '$T/exists.txt' ]" _ "$out"
clin him "$PW_HIM" "$(csv reason="Not a valid subpoena")" roi deny "$R2" >/dev/null 2>&1
out=$(cli him "$PW_HIM" roi show $R2 2>&1)
check "a request is denied with its reason" has "$out" 'Denial reason: Not a valid subpoena'
out=$(cli him "$PW_HIM" roi list --status open)
check "roi list --status open leaves closed requests out" sh -c "! printf '%s' \"\$1\" | grep -q 'released'" _ "$out"

# -- disclosures by hand, the accounting
D=$(clin priv "$PW_PRIV" "$(csv recipient_name="County Health Dept" recipient_address="5 Main St" description="TB test result" purpose="Canarydisclosurepurpose reporting")" disclosure add "$MRN" --category public_health 2>/dev/null)
check "the privacy officer records a disclosure made by phone" [ -n "$D" ]
clin priv "$PW_PRIV" "$(csv recipient_name="Dr Referral" description="Problem list" purpose="treatment")" disclosure add "$MRN" --category treatment >/dev/null 2>&1
clin priv "$PW_PRIV" "$(csv recipient_name="State Oversight Board" description="Chart audit" purpose="oversight")" disclosure add "$MRN" --category oversight --suspend-until 2099-12-31 >/dev/null 2>&1
clin priv "$PW_PRIV" "$(csv recipient_name="Old Recipient" description="Old report" purpose="public health")" disclosure add "$MRN" --category public_health --date 2015-01-01 >/dev/null 2>&1
W=$(clin priv "$PW_PRIV" "$(csv recipient_name="Wrong Patient Lab" description="Lab result" purpose="public health")" disclosure add "$MRN" --category public_health 2>/dev/null)
clin priv "$PW_PRIV" "$(csv reason="Entered on the wrong chart")" disclosure strike "$W" >/dev/null 2>&1
out=$(cli priv "$PW_PRIV" disclosures "$MRN")
check "the accounting lists the public health disclosure with recipient, address, description, purpose" sh -c "printf '%s' \"\$1\" | grep -q 'County Health Dept' && printf '%s' \"\$1\" | grep -q '5 Main St' && printf '%s' \"\$1\" | grep -q 'TB test result' && printf '%s' \"\$1\" | grep -q 'Canarydisclosurepurpose'" _ "$out"
check "the ROI release to the attorney is under an authorization: not in the accounting" sh -c "! printf '%s' \"\$1\" | grep -q 'Canaryrecipient'" _ "$out"
check "a treatment disclosure is left out" sh -c "! printf '%s' \"\$1\" | grep -q 'Dr Referral'" _ "$out"
check "and the statement says excluded kinds are not shown" sh -c "printf '%s' \"\$1\" | grep -q 'are not shown'" _ "$out"
check "an entry under an oversight suspension is hidden" sh -c "! printf '%s' \"\$1\" | grep -q 'Oversight Board'" _ "$out"
check "an entry older than six years is left out" sh -c "! printf '%s' \"\$1\" | grep -q 'Old Recipient'" _ "$out"
check "a struck entry is left out" sh -c "! printf '%s' \"\$1\" | grep -q 'Wrong Patient Lab'" _ "$out"
check "the statement counts one disclosure" sh -c "printf '%s' \"\$1\" | grep -q '1 disclosure listed'" _ "$out"
out=$(cli priv "$PW_PRIV" disclosures "$MRN" --all)
check "--all shows every entry kept, with why it is left out" sh -c "printf '%s' \"\$1\" | grep -q 'Oversight Board' && printf '%s' \"\$1\" | grep -q 'suspended until 2099-12-31' && printf '%s' \"\$1\" | grep -q 'struck' && printf '%s' \"\$1\" | grep -q 'Canaryrecipient'" _ "$out"
out=$(cli priv "$PW_PRIV" disclosures "$MRN2")
check "the other patient has none" sh -c "printf '%s' \"\$1\" | grep -q 'No disclosures'" _ "$out"
out=$(cli priv "$PW_PRIV" disclosures "$MRN" --since 2030-01-01)
check "--since later than today lists nothing" sh -c "printf '%s' \"\$1\" | grep -q '0 disclosures listed'" _ "$out"
out=$(clin priv "$PW_PRIV" "$(csv recipient_name=X description=Y)" disclosure add "$MRN" --category gossip 2>&1)
check "an unknown category is refused" sh -c "printf '%s' \"\$1\" | grep -q 'not a kind of disclosure'" _ "$out"
out=$(clin priv "$PW_PRIV" "$(csv recipient_name=X description=Y)" disclosure add "$MRN" --category other --date 2999-01-01 2>&1)
check "a disclosure in the future is refused" sh -c "printf '%s' \"\$1\" | grep -q 'in the future'" _ "$out"
check "audited: disclosure_add" [ "$(sql "select count(*) from audit where action='disclosure_add'")" -ge 5 ]
check "audited: the accounting viewed" [ "$(audited disclosures_view)" -ge 1 ]

# -- append-only, MACs
sql "DELETE FROM disclosures" 2>/dev/null
check "raw-SQL DELETE FROM disclosures is refused" [ "$(sql "select count(*) from disclosures")" -ge 6 ]
out=$(sqlite3 "$DB" "UPDATE disclosures SET category='treatment' WHERE n=$D" 2>&1)
check "raw-SQL UPDATE of a disclosure is refused by the trigger" sh -c "printf '%s' \"\$1\" | grep -q 'append-only'" _ "$out"
sql "DELETE FROM rights_requests" 2>/dev/null
check "raw-SQL DELETE FROM rights_requests is refused" [ "$(sql "select count(*) from rights_requests")" -ge 4 ]
cp "$DB" "$T/before.db"
sqlite3 "$DB" "DROP TRIGGER disclosures_no_update; UPDATE disclosures SET category='treatment' WHERE n=$D"
out=$(cli priv "$PW_PRIV" disclosures "$MRN" 2>&1)
check "an entry edited with sqlite3 (trigger dropped) is an integrity error" sh -c "printf '%s' \"\$1\" | grep -q 'Integrity check failed: disclosures record $D'" _ "$out"
cp "$T/before.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
P2=$(sql "select prow from patients where prow <> (select prow from disclosures where n=$D) limit 1")
sqlite3 "$DB" "DROP TRIGGER disclosures_no_update; UPDATE disclosures SET prow=$P2 WHERE n=$D"
out=$(cli priv "$PW_PRIV" disclosures "$MRN2" 2>&1)
check "an entry moved to another patient is an integrity error" sh -c "printf '%s' \"\$1\" | grep -q 'Integrity check failed'" _ "$out"
cp "$T/before.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
sqlite3 "$DB" "DROP TRIGGER rights_requests_no_update; UPDATE rights_requests SET due='2099-01-01' WHERE kind='roi' AND req=$R2"
out=$(cli him "$PW_HIM" roi show "$R2" 2>&1)
check "an ROI event edited with sqlite3 is an integrity error" sh -c "printf '%s' \"\$1\" | grep -q 'Integrity check failed: ROI request $R2'" _ "$out"
cp "$T/before.db" "$DB"; rm -f "$DB-wal" "$DB-shm"
out=$(cli him "$PW_HIM" roi show "$R2" 2>&1)
check "restored, it reads again" sh -c "printf '%s' \"\$1\" | grep -q 'Status: denied'" _ "$out"

# -- amendments, with the test binary's clock
tb() { u=$1; p=$2; now=$3; shift 3; printf '%s\n' "$p" | CHARTROOM_TEST_NOW="$now" "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@"; }
tbc() { u=$1; p=$2; now=$3; c=$4; shift 4; printf '%s\n%s' "$p" "$c" | CHARTROOM_TEST_NOW="$now" "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@" --from -; }
A=$(tbc him "$PW_HIM" 2026-01-10T15:00:00Z "$(csv request="Canaryamend The penicillin allergy is wrong" part="allergy list")" amendment add "$MRN" --section allergies --received 2026-01-10 2>/dev/null)
out=$(tb him "$PW_HIM" 2026-01-10T15:00:00Z amendment show $A 2>&1)
check "an amendment request is logged (due day 60)" has "$out" 'Decision due: 2026-03-11 (60 days left)'
out=$(tb him "$PW_HIM" 2026-03-10T15:00:00Z amendment list)
check "on day 59 it has one day left" sh -c "printf '%s' \"\$1\" | grep -q '1 day left'" _ "$out"
out=$(tbc him "$PW_HIM" 2026-03-10T15:00:00Z "$(csv reason="Awaiting the allergist's records")" amendment extend "$A" --days 31 2>&1)
check "an extension over 30 days is refused" sh -c "printf '%s' \"\$1\" | grep -q '1 to 30 days'" _ "$out"
tbc him "$PW_HIM" 2026-03-10T15:00:00Z "$(csv reason="Awaiting the allergist's records")" amendment extend "$A" >/dev/null 2>&1
out=$(tb him "$PW_HIM" 2026-03-10T15:00:00Z amendment show $A 2>&1)
check "extended on day 59: due on day 90" has "$out" 'Decision due: 2026-04-10 (31 days left) extended'
out=$(tb him "$PW_HIM" 2026-04-10T15:00:00Z amendment list --status overdue)
check "on day 90 it is not overdue" sh -c "! printf '%s' \"\$1\" | grep -q 'OVERDUE'" _ "$out"
out=$(tb him "$PW_HIM" 2026-04-11T15:00:00Z amendment list --status overdue)
check "on day 91 it is overdue" sh -c "printf '%s' \"\$1\" | grep -q 'OVERDUE 1 day'" _ "$out"
A2=$(tbc him "$PW_HIM" 2026-01-10T15:00:00Z "$(csv request="Change my name spelling")" amendment add "$MRN" --section demographics --received 2026-01-10 2>/dev/null)
out=$(tbc him "$PW_HIM" 2026-03-11T15:00:00Z "$(csv reason="late")" amendment extend "$A2" 2>&1)
check "an extension on day 60 is refused" sh -c "printf '%s' \"\$1\" | grep -q 'before day 60'" _ "$out"
out=$(tbc him "$PW_HIM" 2026-04-11T15:00:00Z "$(csv explanation="x")" amendment deny "$A" --reason-code accurate_complete 2>&1)
check "an HIM clerk cannot decide (amendment_decide is the privacy officer's)" sh -c "printf '%s' \"\$1\" | grep -qi 'permission denied'" _ "$out"
out=$(tbc priv "$PW_PRIV" 2026-04-11T15:00:00Z "$(csv explanation="x")" amendment deny "$A" --reason-code because 2>&1)
check "a denial reason outside the rule's list is refused" sh -c "printf '%s' \"\$1\" | grep -q \"not one of the rule's reasons\"" _ "$out"
tbc priv "$PW_PRIV" 2026-04-11T15:00:00Z "$(csv explanation="The allergy was confirmed by testing")" amendment deny "$A" --reason-code accurate_complete >/dev/null 2>&1
out=$(tb priv "$PW_PRIV" 2026-04-11T15:00:00Z amendment show $A 2>&1)
check "the privacy officer denies it as accurate and complete" has "$out" 'Denied: The record is accurate and complete'
out=$(tbc him "$PW_HIM" 2026-04-11T15:00:00Z "$(csv rebuttal="x")" amendment rebut "$A" 2>&1)
check "a rebuttal before a statement of disagreement is refused" sh -c "printf '%s' \"\$1\" | grep -q 'no statement of disagreement'" _ "$out"
tbc him "$PW_HIM" 2026-04-12T15:00:00Z "$(csv statement="Canarydisagree I have never reacted to penicillin")" amendment disagree "$A" >/dev/null 2>&1
tbc priv "$PW_PRIV" 2026-04-13T15:00:00Z "$(csv rebuttal="Skin testing in 2020 was positive")" amendment rebut "$A" >/dev/null 2>&1
out=$(tb priv "$PW_PRIV" 2026-04-13T15:00:00Z amendment show "$A" --history)
check "the disagreement and rebuttal are attached, with the history" sh -c "printf '%s' \"\$1\" | grep -q 'Statement of disagreement: Canarydisagree' && printf '%s' \"\$1\" | grep -q 'Rebuttal: Skin testing' && printf '%s' \"\$1\" | grep -q 'rebut'" _ "$out"
tbc priv "$PW_PRIV" 2026-04-13T15:00:00Z "$(csv amendment="Name is spelled Harriett" notify="Dr Jones; Acme Insurance")" amendment accept "$A2" >/dev/null 2>&1
out=$(tb priv "$PW_PRIV" 2026-04-13T15:00:00Z amendment show $A2 2>&1)
check "an accepted amendment records who to notify" has "$out" 'Notify: Dr Jones; Acme Insurance'
R3=$(clin him "$PW_HIM" "$(csv recipient_name="Harriet Rightsly")" roi add "$MRN" --requester patient --sections allergies,demographics 2>/dev/null)
cli him "$PW_HIM" roi release "$R3" --out "$T/r3.txt" >/dev/null 2>&1
check "a later release of the allergies carries the disagreement and rebuttal" sh -c "grep -q 'Statement of disagreement: Canarydisagree' '$T/r3.txt' && grep -q 'Rebuttal: Skin testing' '$T/r3.txt'"
check "and of demographics the accepted amendment" sh -c "grep -q 'AMENDED (request $A2' '$T/r3.txt' && grep -q 'Harriett' '$T/r3.txt'"
out=$(cli priv "$PW_PRIV" disclosures "$MRN" --all 2>&1)
check "a release to the patient is in the accounting's kept entries but excluded" has "$out" 'To the patient (excluded)'

# -- the same release as FHIR R4 (issue 12 item 3, once the exchange landed)
R4=$(clin him "$PW_HIM" "$(csv recipient_name="Harriet Rightsly")" roi add "$MRN" --requester patient --sections allergies 2>/dev/null)
out=$(cli him "$PW_HIM" roi release "$R4" --out "$T/r4.json" --format pdf 2>&1)
check "a release format other than text or fhir is refused (exit 2)" [ $? -eq 2 ]
check "and names the formats, writing nothing" sh -c "printf '%s' \"\$1\" | grep -q 'text or fhir' && [ ! -e '$T/r4.json' ]" _ "$out"
out=$(cli him "$PW_HIM" roi release "$R4" --out "$T/r4.json" --format fhir 2>&1)
check "release --format fhir says it released and recorded the disclosure" has "$out" 'released to .*r4.json; disclosure [0-9]* recorded'

check "release --format fhir writes the file, mode 0600" sh -c "[ -s '$T/r4.json' ] && [ \"\$(stat -c %a '$T/r4.json')\" = 600 ]"
fj() { python3 -c "import json,sys,base64; b=json.load(open(sys.argv[1])); r=[e['resource'] for e in b['entry']]; $1" "$T/r4.json"; }
check "it is a collection Bundle" [ "$(fj "print(b['resourceType'], b['type'])")" = "Bundle collection" ]
check "with the allergy asked for" [ "$(fj "print(sum(1 for x in r if x['resourceType']=='AllergyIntolerance' and 'Penicillin' in json.dumps(x)))")" = 1 ]
check "and no section not asked for" [ "$(fj "print(sum(1 for x in r if x['resourceType'] in ('MedicationStatement','Encounter','Observation','Condition')))")" = 0 ]
check "the Patient says whose record it is, no more (demographics not asked for)" [ "$(fj "p=[x for x in r if x['resourceType']=='Patient'][0]; print('Rightsly' in json.dumps(p['name']), 'gender' in p, 'address' in p)")" = "True False False" ]
check "the statement of disagreement and rebuttal go with the allergies" [ "$(fj "d=[x for x in r if x['id']=='amendments-allergies'][0]; t=base64.b64decode(d['content'][0]['attachment']['data']).decode(); print('Canarydisagree' in t and 'Skin testing' in t)")" = True ]
SCHEMA=${CHARTROOM_DATA:-$ROOT/../shared/data}/fhir/fhir.schema.json
if [ -r "$SCHEMA" ] && python3 -c 'import jsonschema' 2>/dev/null; then
	out=$(python3 "$ROOT/tests/fhir_check.py" validate "$SCHEMA" "$T/r4.json" 2>&1)
	check "every resource of the FHIR release is valid against the R4 schema" [ $? -eq 0 ]
else
	not_ok "the FHIR R4 schema and python3-jsonschema present to validate the release"
fi
out=$(cli priv "$PW_PRIV" disclosures "$MRN" --all 2>&1)
check "the FHIR release is in the accounting, saying so" has "$out" 'request '"$R4"' (FHIR R4)'

# -- a rotation of the demo key re-seals disclosures and requests
v1=$(sql "select count(*) from disclosures where substr(body, 2, 1) = x'01'")
check "setup: disclosures under demo key version 1" [ "$v1" -ge 6 ]
out=$(cli admin "$PW_ADMIN" keys rotate demo 2>&1)
check "the demo key rotation finishes with rights records present" [ $? -eq 0 ]
check "no disclosure is left under the old version" [ "$(sql "select count(*) from disclosures where substr(body, 2, 1) = x'01' or substr(mac, 2, 1) = x'01'")" = 0 ]
check "no request event is left under the old version" [ "$(sql "select count(*) from rights_requests where substr(body, 2, 1) = x'01' or substr(mac, 2, 1) = x'01'")" = 0 ]
out=$(cli priv "$PW_PRIV" disclosures "$MRN" 2>&1)
check "after the rotation the accounting reads the same" sh -c "printf '%s' \"\$1\" | grep -q 'County Health Dept' && printf '%s' \"\$1\" | grep -q '1 disclosure listed'" _ "$out"
out=$(cli priv "$PW_PRIV" amendment show "$A" 2>&1)
check "and the amendment's chain of events still verifies" sh -c "printf '%s' \"\$1\" | grep -q 'Statement of disagreement: Canarydisagree'" _ "$out"
out=$(sqlite3 "$DB" "UPDATE disclosures SET category = 'treatment'" 2>&1)
check "the append-only trigger holds again after the rotation" sh -c "printf '%s' \"\$1\" | grep -q 'append-only'" _ "$out"

# -- canaries
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
for w in Canaryrequester Canaryrecipient Canaryaddress Canarypurpose Canarydisclosurepurpose Canaryamend Canarydisagree "County Health" "Harriett"; do
	check "canary '$w' is not in the database file" sh -c "! strings '$DB' '$DB-wal' 2>/dev/null | grep -q '$w'"
done
e2e_done
