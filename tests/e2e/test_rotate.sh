#!/bin/sh
# test_rotate.sh - `chartroom keys rotate` on a clinic with charts (reasons
# for visit, vitals, allergies, medications, problems, signed notes and
# addenda, coding), a break-the-glass opening and 300 synthetic patients:
# each of demo, clin, index and audit rotated, demo and index killed
# (kill -9, the test build's hook) between batches and run again; while a
# rotation is under way the front desk searches, reads and registers (and,
# for the audit key, searches at the same moment, their audit events
# waiting in the audit journal under either version); at
# the end every chart reads as before, searches find the same patients,
# `audit verify` passes (chart heads included, an anchor taken before
# still matches), nothing is left under the old versions and their wraps
# are gone; a user who did not sign on meanwhile signs on after (the
# grant path); the recovery key's rotation; the Argon2id cost raised at
# the next sign-on.
. "$(dirname "$0")/lib.sh"
e2e_setup
PW_HIM2=$PW_HIM
cli admin "$PW_ADMIN" roles grant nurse key_manage >/dev/null 2>&1

# ---- a clinic --------------------------------------------------------------
M1=$(clin front "$PW_FRONT" "$(csv last_name=Rotherby first_name=Ann dob=1980-02-03 sex=F phone_home=617-555-0142 ssn=123-45-6789 zip=02139)" patient add 2>/dev/null)
M2=$(clin front "$PW_FRONT" "$(csv last_name=Keyworth first_name=Bo dob=1966-06-16 sex=M)" patient add --confidential 2>/dev/null)
E1=$(clin front "$PW_FRONT" "$(csv visit_reason="Chest tightness on exertion")" encounter add "$M1" --type "office visit" --provider prov --location "Room 7" 2>/dev/null)
E2=$(clin front "$PW_FRONT" "$(csv visit_reason="Follow-up" reason="scheduled follow up visit")" encounter add "$M2" --type "office visit" --provider prov --location "Annex" --mrn "$M2" 2>/dev/null)
cli nurse "$PW_NURSE" vitals add "$E1" --bp 130/85 --pulse 77 --weight 160lb --height 65in >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv substance=Peanuts reaction=Anaphylaxis)" allergy add "$M1" --severity severe >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv name=Metformin dose="500 mg" frequency="twice daily")" med add "$M1" --route PO >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Prediabetes")" problem add "$M1" --code R73.03 >/dev/null 2>&1
printf 'Exertional chest tightness, resolves at rest.\n' > "$T/n1.txt"
printf 'Addendum: troponin negative.\n' > "$T/n2.txt"
N1=$(cli prov "$PW_PROV" note add "$E1" --file "$T/n1.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$N1" >/dev/null 2>&1
cli prov "$PW_PROV" note addendum "$N1" --file "$T/n2.txt" >/dev/null 2>&1
cli him "$PW_HIM" codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1
cli him "$PW_HIM" coding add-dx "$E1" E11.9 >/dev/null 2>&1
printf '%s\nreason\nreviewing the allergy list\n' "$PW_NURSE" | "$BIN" --db "$DB" --user nurse --password-stdin chart show "$M2" --from - >/dev/null 2>&1
cli him "$PW_HIM2" demo --patients 300 >/dev/null 2>&1
check "setup: charts, coding, break-the-glass and 302 patients" \
	[ "$(sql "select (select count(*) from patients) || ' ' || (select count(*) from notes) || ' ' || (select count(*) from encounter_dx) || ' ' || ((select count(*) from btg_queue) > 0)")" = "302 2 1 1" ]
show() { cli prov "$PW_PROV" chart show "$1" 2>&1; }
q_find() { find_q front "$PW_FRONT" "$1" 2>/dev/null; }
# What the front desk's searches find, one line per query.
finds() { printf '%s|%s|%s|%s|%s\n' "$(q_find smith | wc -l)" "$(q_find "rotherby, ann")" \
	"$(q_find 617-555-0142)" "$(q_find 1966-06-16)" "$(q_find "$M1")"; }
B1=$(show "$M1")
B2=$(printf '%s\nreason\nreviewing the record again\n' "$PW_NURSE" | "$BIN" --db "$DB" --user nurse --password-stdin chart show "$M2" --from - 2>&1 | grep -v '^$')
F=$(finds)
check "setup: the chart reads, the searches find" \
	sh -c 'printf "%s" "$1" | grep -q "Exertional chest tightness" && [ "$(printf "%s" "$2" | grep -o Rotherby | wc -l)" -eq 3 ] && printf "%s" "$2" | grep -q Keyworth && [ "${2%%|*}" -gt 1 ]' _ "$B1" "$F"
ANCHOR=$(cli admin "$PW_ADMIN" audit anchor 2>/dev/null)
heads=$(sql "select count(*) from chart_heads")
# The privacy officer does not sign on again until the end.

# ---- demo, killed between batches ----------------------------------------------
(printf '%s\n' "$PW_ADMIN" | CHARTROOM_TEST_ROTATE_KILL=2 "$TEST_BIN" --db "$DB" --user admin --password-stdin keys rotate demo --batch 40) >"$T/kill.out" 2>&1
rc=$?
check "demo: the test hook kills the rotation after its second batch (exit 137)" [ "$rc" -eq 137 ]
check "demo: killed half-way, both versions are in the file" \
	[ "$(sql "select (select count(*) from patients where substr(ident,2,1) = x'02') = 80 and (select count(*) from patients where substr(ident,2,1) = x'01') = 222")" = 1 ]
out=$(cli admin "$PW_ADMIN" keys status 2>&1)
rc=$?
check "demo: keys status shows the rotation in progress" \
	sh -c 'printf "%s" "$1" | grep -q "rotation in progress: demo 1 -> 2, patients up to row 80"' "$rc" "$out"
check "demo: meanwhile the front desk finds the same patients by name, phone, birth date, MRN" \
	[ "$(finds)" = "$F" ]
check "demo: meanwhile charts read whole" [ "$(show "$M1")" = "$B1" ]
M3=$(clin front "$PW_FRONT" "$(csv last_name=Midway first_name=Max dob=1991-01-01 sex=M)" patient add 2>/dev/null)
check "demo: a patient registered meanwhile is written under the new version" \
	[ "$(sql "select substr(ident,2,1) = x'02' from patients where prow = (select max(prow) from patients)")" = 1 ]
out=$(cli admin "$PW_ADMIN" keys rotate demo 2>&1)
rc=$?
check "demo: run again, it continues and finishes" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "continuing" && printf "%s" "$1" | grep -q "demo key rotated: version 1 -> 2.*version 1 destroyed"' "$rc" "$out"
check "demo: nothing is left under version 1 (values, MACs, heads)" \
	[ "$(sql "select (select count(*) from patients where substr(ident,2,1) <> x'02' or substr(details,2,1) <> x'02') + (select count(*) from encounters where substr(location_ct,2,1) <> x'02' or substr(mac,2,1) <> x'02' or substr(coding_mac,2,1) <> x'02') + (select count(*) from notes where substr(mac,2,1) <> x'02') + (select count(*) from btg_queue where substr(mac,2,1) <> x'02') + (select count(*) from chart_heads where substr(mac,2,1) <> x'02')")" = 0 ]
check "demo: its wraps and grants are gone for every holder and the recovery key; retired" \
	[ "$(sql "select (select count(*) from key_wraps where domain = 'demo' and version = 1) + (select count(*) from key_grants where domain = 'demo' and version = 1) + (select count(*) from key_wraps where holder = 'demo:1') + (select active from domain_keys where domain = 'demo' and version = 1)")" = 0 ]
check "demo: every chart re-sealed exactly once, in the trail (not twice after the kill)" \
	[ "$(sql "select count(*) from audit where action = 'key_rotate_chart'")" = "$heads" ]
check "demo: start and end audited" \
	[ "$(sql "select count(*) from audit where action in ('key_rotate_start', 'key_rotate_done') and target = 'demo'")" = 2 ]
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
rc=$?
check "demo: audit verify passes, chart heads included" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "chart heads OK: $2 charts"' "$rc" "$out" "$heads"
check "demo: the chart reads as before" [ "$(show "$M1")" = "$B1" ]

# ---- clin: by a holder, or with the recovery key ------------------------------
cli admin "$PW_ADMIN" keys rotate clin >"$T/o" 2>&1
check "clin: the administrator (no clin key) is refused, exit 4" \
	sh -c '[ $1 -eq 4 ] && grep -q "recovery key" "$2"' _ $? "$T/o"
printf '%s\n%s\n' "$PW_ADMIN" "$RECOVERY" | "$BIN" --db "$DB" --user admin --password-stdin keys rotate clin --recovery >"$T/o" 2>&1
check "clin: with the recovery key it is rotated" \
	sh -c '[ $1 -eq 0 ] && grep -q "clin key rotated: version 1 -> 2" "$2"' _ $? "$T/o"
check "clin: every clinical value and reason for visit under version 2; version 1 gone" \
	[ "$(sql "select (select count(*) from notes where substr(body,2,1) <> x'02') + (select count(*) from allergies where substr(substance,2,1) <> x'02') + (select count(*) from medications where substr(frequency_ct,2,1) <> x'02') + (select count(*) from encounters where reason is not null and substr(reason,1,2) <> x'0702') + (select count(*) from key_wraps where domain = 'clin' and version = 1) + (select count(*) from key_grants where domain = 'clin' and version = 1)")" = 0 ]
out=$(cli nurse "$PW_NURSE" keys rotate clin 2>&1)
rc=$?
check "clin: a nurse granted key_manage rotates it with her own keys" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "clin key rotated: version 2 -> 3"' "$rc" "$out"
check "clin: charts read as before (the signed note and its addendum too)" [ "$(show "$M1")" = "$B1" ]
out=$(printf '%s\nreason\nreviewing the record again\n' "$PW_NURSE" | "$BIN" --db "$DB" --user nurse --password-stdin chart show "$M2" --from - 2>&1 | grep -v '^$')
rc=$?
check "clin: the confidential chart too" [ "$out" = "$B2" ]

# ---- index, killed after its first batch ----------------------------------------
tokens=$(sql "select count(*) from patient_tokens")
(printf '%s\n' "$PW_ADMIN" | CHARTROOM_TEST_ROTATE_KILL=1 "$TEST_BIN" --db "$DB" --user admin --password-stdin keys rotate index --batch 100) >/dev/null 2>&1
check "index: killed after its first batch" [ $? -eq 137 ]
check "index: half-way, both index key versions are in use" \
	[ "$(sql "select count(*) from domain_keys where domain = 'index' and active = 1")" = 2 ]
check "index: meanwhile searches find the same patients (both token versions)" [ "$(finds)" = "$F" ]
check "index: a patient not re-tokenised yet is found by name" \
	sh -c 'printf "%s" "$1" | grep -q "$2"' _ "$(q_find midway)" "$M3"
out=$(clin front "$PW_FRONT" "$(csv last_name=Midway first_name=Max dob=1991-01-01 sex=M)" patient add 2>&1)
rc=$?
check "index: meanwhile the duplicate check finds her (old tokens) and re-made ones alike" \
	sh -c 'printf "%s" "$1" | grep -q "likely duplicate" && printf "%s" "$2" | grep -q "likely duplicate"' "$rc" "$out" \
	"$(clin front "$PW_FRONT" "$(csv last_name=Rotherby first_name=Ann dob=1980-02-03 sex=F)" patient add 2>&1)"
out=$(cli admin "$PW_ADMIN" keys rotate index 2>&1)
rc=$?
check "index: run again, it finishes" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "index key rotated: version 1 -> 2"' "$rc" "$out"
check "index: the old tokens are gone (as many index rows as before), every set re-made" \
	[ "$(sql "select (select count(*) from patient_tokens) = $tokens and (select count(*) from patients where match is null) = 0 and (select count(*) from key_wraps where domain = 'index' and version = 1) = 0")" = 1 ]
check "index: after it, searches find the same patients" [ "$(finds)" = "$F" ]

# ---- audit, while the front desk searches ---------------------------------------
# Each search is recorded in the audit journal (no write lock), under the
# audit key version its session holds: version 1 before the rotation, 2
# once it has begun. Every one reaches the trail, none is rejected.
cli admin "$PW_ADMIN" audit verify >/dev/null 2>&1 # chains what waits
searches0=$(sql "select count(*) from audit where action = 'patient_search' and user_name = 'front'")
: >"$T/reads"
(i=0; while [ $i -lt 12 ]; do
	if q_find rotherby | grep -q Rotherby; then echo ok; else echo FAILED; fi
	i=$((i + 1))
done >>"$T/reads") &
RPID=$!
while [ "$(wc -l <"$T/reads")" -lt 2 ]; do sleep 0.05; done
out=$(cli admin "$PW_ADMIN" keys rotate audit 2>&1)
rc=$?
wait $RPID
check "audit: the front desk's searches during the rotation all found the patient" \
	[ "$(grep -c '^ok$' "$T/reads")" = 12 ]
check "audit: rotated; version 1 kept only to verify older entries" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "version 1 retired (kept only to verify older entries)"' "$rc" "$out"
check "audit: no account or the recovery key holds version 1; it is kept under version 2" \
	[ "$(sql "select ((select count(*) from key_wraps where domain = 'audit' and version = 1 and holder <> 'audit:2') + (select count(*) from key_grants where domain = 'audit' and version = 1)) || ' ' || (select count(*) from key_wraps where holder = 'audit:2' and version = 1)")" = "0 1" ]
out=$(cli admin "$PW_ADMIN" audit verify --anchor "$ANCHOR" 2>&1)
rc=$?
check "audit: the chain verifies, older entries under version 1, and the anchor from before matches" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "^audit chain OK"' "$rc" "$out"
check "audit: entries are not rewritten: the old ones still name version 1" \
	[ "$(sql "select count(*) from audit where key_version = 1")" -gt 50 ]
check "audit: each of those searches is in the trail once (chained from the journal), none rejected" \
	[ "$(sql "select ((select count(*) from audit where action = 'patient_search' and user_name = 'front') - $searches0) || ' ' || (select count(*) from audit where action = 'audit_journal_rejected')")" = "12 0" ]

# ---- after everything ----------------------------------------------------------
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
rc=$?
check "a user who did not sign on during the rotations signs on (new versions granted)" \
	sh -c '[ "$0" -eq 0 ] && printf "%s" "$1" | grep -q "chart heads OK"' "$rc" "$out"
check "her grants became wraps of the new versions at that sign-on" \
	[ "$(sql "select (select count(*) from key_grants g join users u on u.id = g.user_id where u.name = 'priv') || ' ' || (select group_concat(w.domain || w.version, ',') from (select * from key_wraps order by domain) w join users u on u.id = w.holder where u.name = 'priv')")" = "0 audit2,demo2" ]
out=$(cli admin "$PW_ADMIN" keys status 2>&1)
rc=$?
check "keys status lists every version and no rotation in progress" \
	sh -c 'printf "%s" "$1" | grep -q "^demo.1.retired (destroyed)" && printf "%s" "$1" | grep -q "^clin.3.active" && printf "%s" "$1" | grep -q "rotation in progress: none"' "$rc" "$out"
check "every chart reads as before" [ "$(show "$M1")" = "$B1" ]
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "no name, note, allergy or reason in clear in the file after the rotations" \
	sh -c '! strings -n 5 "$1" "$1-wal" 2>/dev/null | grep -qiE "Rotherby|Keyworth|Exertional|Peanuts|troponin|tightness"' _ "$DB"

# ---- the recovery key ------------------------------------------------------------
printf '%s\n%s\n' "$PW_ADMIN" "$RECOVERY" | "$BIN" --db "$DB" --user admin --password-stdin keys rotate recovery --recovery >"$T/rec.out" 2>&1
check "recovery: a new recovery key is printed once" [ $? -eq 0 ]
NEWRK=$(sed -n 's/^    \([0-9A-Fa-f][0-9A-Fa-f-]*\)$/\1/p' "$T/rec.out")
printf '%s\n%s\n' "$RECOVERY" 'a-new-admin-password-for-tests' | "$BIN" --db "$DB" recover --admin admin2 --password-stdin >/dev/null 2>&1
check "recovery: the old recovery key opens nothing now (exit 3)" [ $? -eq 3 ]
printf '%s\n%s\n' "$NEWRK" 'a-new-admin-password-for-tests' | "$BIN" --db "$DB" recover --admin admin2 --password-stdin >/dev/null 2>&1
check "recovery: the new one does" [ $? -eq 0 ]
check "recovery: audited" [ "$(sql "select count(*) from audit where action = 'recovery_key_rotate'")" = 1 ]

# ---- the Argon2id cost raised in the policy ----------------------------------------
cli admin "$PW_ADMIN" policy set security.argon2_passes 3 >/dev/null 2>&1
before=$(sql "select kdf_ops || ' ' || hex(kdf_salt) from users where name = 'nurse'")
cli nurse "$PW_NURSE" keys waiting >/dev/null 2>&1
after=$(sql "select kdf_ops || ' ' || hex(kdf_salt) from users where name = 'nurse'")
check "kdf: the nurse's next sign-on re-derives with the raised cost (fresh salt)" \
	sh -c '[ "${1%% *}" = 2 ] && [ "${2%% *}" = 3 ] && [ "$1" != "$2" ]' _ "$before" "$after"
check "kdf: audited kdf_upgrade, once" \
	[ "$(sql "select count(*) from audit where action = 'kdf_upgrade' and user_name = 'nurse'")" = 1 ]
check "kdf: she signs on and reads as before" [ "$(cli nurse "$PW_NURSE" chart show "$M1" 2>&1 | head -3)" = "$(printf '%s\n' "$B1" | head -3)" ]
check "kdf: an account that has not signed on keeps its cost" \
	[ "$(sql "select kdf_ops from users where name = 'him'")" = 2 ]
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
rc=$?
check "audit verify passes at the end" [ $? -eq 0 ]
e2e_done
