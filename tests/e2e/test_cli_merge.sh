#!/bin/sh
# Merging duplicate charts on the command line (issue 13 item 4): `merge
# KEEP RETIRE --reason` moves every clinical record of the retired chart to
# the kept one in one transaction and prints the merge's number; signed
# notes read the same; `unmerge ID --reason` puts back exactly what came
# from the retired chart: a dump of every non-audit table after the
# unmerge equals the dump before the merge, apart from the rows added in
# between (chart heads and the merge journal left out: the heads' counters
# move on with every change, and the journal is what was added). A record
# changed on the survivor after the merge goes back as it is now. HIM only;
# audited; `audit verify` passes after each step; the journal edited with
# sqlite3 is refused.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
reg() { clin front "$PW_FRONT" "$(csv "$@")" patient add --register-anyway 2>/dev/null; }
verify() { printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit verify >/dev/null 2>&1; }
# Every table but the audit trail's, chart heads and the merge journal, row
# by row, users without their sign-on bookkeeping.
dump() {
	for t in $(sql "select name from sqlite_master where type = 'table' and name not like 'sqlite%' and name not like 'audit%' and name not like 'code_fts%' and name not in ('chart_heads', 'merges', 'merge_rows', 'users', 'meta') order by name"); do
		sqlite3 -cmd ".mode quote" "$DB" "select '$t', * from $t order by 2, 3, 4"
	done
	sqlite3 -cmd ".mode quote" "$DB" "select 'users', id, name, role, disabled, public_key, secret_wrap from users order by rowid"
	sqlite3 -cmd ".mode quote" "$DB" "select 'meta', * from meta where key not like 'last%' order by key"
}

pa=$(reg last_name=Quillfeather first_name=Odalys dob=1979-03-14 sex=F phone_home=617-555-0161)
pb=$(reg last_name=Quillfeather first_name=Odalys dob=1979-03-14 sex=F)
check "two charts of one person registered" sh -c "[ -n '$pa' ] && [ -n '$pb' ]"
ea=$(clin front "$PW_FRONT" "$(csv visit_reason="kept chart visit")" encounter add "$pa" --type "office visit" --provider prov --location "Room 1" 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv substance=Latex reaction=rash)" allergy add "$pa" --severity mild >/dev/null 2>&1
eb=$(clin front "$PW_FRONT" "$(csv visit_reason="marmalade wheeze zq7")" encounter add "$pb" --type "office visit" --provider prov --location "Room 9" 2>/dev/null)
eb2=$(clin front "$PW_FRONT" "$(csv visit_reason="second visit")" encounter add "$pb" --type "office visit" --provider prov 2>/dev/null)
check "encounters on both charts" sh -c "[ -n '$ea' ] && [ -n '$eb' ] && [ -n '$eb2' ]"
cli nurse "$PW_NURSE" vitals add "$eb" --bp 128/84 --pulse 72 >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv substance=Penicillin reaction=hives)" allergy add "$pb" --severity severe >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv name=Lisinopril dose="10 mg" frequency=daily)" med add "$pb" --route PO --start 2024-01-01 >/dev/null 2>&1
clin prov "$PW_PROV" "$(csv text="Essential hypertension")" problem add "$pb" --code I10 >/dev/null 2>&1
printf 'Signed note text canary-merge-5521\n' > "$T/n1.txt"
n1=$(cli nurse "$PW_NURSE" note add "$eb" --file "$T/n1.txt" 2>/dev/null)
printf 'y\n' | cli nurse "$PW_NURSE" note sign "$n1" >/dev/null 2>&1
printf 'Draft note text canary-draft-7730\n' > "$T/n2.txt"
n2=$(cli nurse "$PW_NURSE" note add "$eb2" --file "$T/n2.txt" 2>/dev/null)
clin priv "$PW_PRIV" "$(csv recipient_name="County Health Dept" recipient_address="5 Main St" description="TB test result" purpose="public health reporting")" disclosure add "$pb" --category public_health >/dev/null 2>&1
check "a disclosure made from the retired chart" [ "$(sql "select count(*) from disclosures")" = 1 ]
# Append-only records of the retired chart that stay with it: an ROI
# request, an amendment request, a paper volume charged out, and the
# accesses to it (the access report).
roi=$(clin him "$PW_HIM" "$(csv requester_name="Zqroi Lawfirm" recipient_name="Zqroi Esq" recipient_address="1 Way" purpose="litigation")" roi add "$pb" --requester attorney --auth on_file --auth-signed 2026-01-02 --sections allergies 2>/dev/null)
amd=$(clin him "$PW_HIM" "$(csv request="Please correct my allergy list")" amendment add "$pb" --section allergies 2>/dev/null)
cli him "$PW_HIM" chart-out "$pb" --to "Zqtrack Cardiology" --due "$(date -u -d '+3 days' +%Y-%m-%d)" >/dev/null 2>&1
check "an ROI request, an amendment request and a paper volume out on the retired chart" sh -c "[ -n '$roi' ] && [ -n '$amd' ] && [ \"\$(sqlite3 '$DB' 'select count(*) from chart_tracking')\" -ge 1 ]"
check "the retired chart has records of every kind" [ "$(sql "select (select count(*) from encounters e join patients p using (prow)) || '/' || (select count(*) from vitals) || '/' || (select count(*) from allergies) || '/' || (select count(*) from medications) || '/' || (select count(*) from problems) || '/' || (select count(*) from notes)")" = "3/1/2/1/1/2" ]
check "the note is signed" [ "$(sql "select status from notes where body is not null order by nrow limit 1")" = signed ]
before_text=$(cli nurse "$PW_NURSE" note show "$n1" 2>/dev/null | grep canary)
check "audit verify passes before" verify
cli him "$PW_HIM" duplicates list >/dev/null 2>&1 # HIM's first sign-on takes up its key grants
dump > "$T/before.txt"

# refusals
cli nurse "$PW_NURSE" merge "$pa" "$pb" --reason "same person" >/dev/null 2>&1
check "a nurse may not merge (exit 4)" [ $? -eq 4 ]
cli him "$PW_HIM" merge "$pa" "$pb" >/dev/null 2>&1
check "merge without --reason is a usage error (exit 2)" [ $? -eq 2 ]
cli him "$PW_HIM" merge "$pa" "$pa" --reason "same person" >/dev/null 2>&1
check "a chart merged into itself is refused (exit 1)" [ $? -eq 1 ]
out=$(printf '%s\n%s\n' "$PW_HIM" "$(printf 'bad\033[31m')" | "$BIN" --db "$DB" --user him --password-stdin merge "$pa" "$pb" --reason - 2>&1)
check "a reason with an escape character is refused (exit 1)" [ $? -eq 1 ]
dump > "$T/refused.txt"
check "the refusals changed nothing" cmp -s "$T/before.txt" "$T/refused.txt"

# merge
id=$(cli him "$PW_HIM" merge "$pa" "$pb" --reason "Same person registered twice, ID card seen" 2>"$T/merge.err")
check "HIM merges (exit 0)" [ $? -eq 0 ]
check "and the merge's number is printed" sh -c "[ '$id' -ge 1 ]"
check "saying what moved" grep -q "MRN $pb merged into MRN $pa" "$T/merge.err"
check "every clinical record is on the kept chart" [ "$(sql "select (select count(*) from encounters where prow = (select prow from patients where prow not in (select retire_prow from merges))) || '/' || (select count(*) from encounters where prow in (select retire_prow from merges)) || '/' || (select count(*) from notes where prow in (select retire_prow from merges)) || '/' || (select count(*) from allergies where prow in (select retire_prow from merges)) || '/' || (select count(*) from vitals where prow in (select retire_prow from merges))")" = "3/0/0/0/0" ]
check "the journal lists the moved rows" [ "$(sql "select moved || '/' || (select count(*) from merge_rows) from merges")" = "8/8" ]
out=$(cli nurse "$PW_NURSE" encounter list "$pa" 2>/dev/null)
check "the kept chart lists the retired chart's encounters" [ "$(printf '%s\n' "$out" | grep -c 'office visit')" = 3 ]
check "the reason for visit reads the same" sh -c "printf '%s' \"\$1\" | grep -q 'marmalade wheeze zq7'" _ "$out"
check "the signed note reads the same" [ "$(cli nurse "$PW_NURSE" note show "$n1" 2>/dev/null | grep canary)" = "$before_text" ]
check "and is still signed" [ "$(sql "select status from notes where nrow = (select min(nrow) from notes)")" = signed ]
out=$(cli priv "$PW_PRIV" disclosures "$pa" 2>/dev/null)
check "the kept chart's accounting of disclosures includes the retired chart's (append-only, not moved)" sh -c "printf '%s' \"\$1\" | grep -q 'County Health Dept'" _ "$out"
check "naming the MRN it was made from" sh -c "printf '%s' \"\$1\" | grep -q 'From chart: MRN $pb (merged into this one)'" _ "$out"
check "the disclosure row itself is unchanged" [ "$(sql "select count(*) from disclosures where prow = (select retire_prow from merges)")" = 1 ]
out=$(cli him "$PW_HIM" roi list "$pa" 2>/dev/null)
check "the kept chart's ROI list includes the retired chart's request, marked (merged)" sh -c "printf '%s\n' \"\$1\" | grep -q \"^$roi	$pb (merged)	\"" _ "$out"
out=$(cli him "$PW_HIM" amendment list "$pa" 2>/dev/null)
check "the kept chart's amendment list includes the retired chart's request, marked (merged)" sh -c "printf '%s\n' \"\$1\" | grep -q \"^$amd	$pb (merged)	\"" _ "$out"
out=$(cli him "$PW_HIM" chart-history "$pa" 2>/dev/null)
check "the kept chart's paper-chart history includes the retired chart's volume, marked" sh -c "printf '%s\n' \"\$1\" | grep -q \"volume 1 of MRN $pb (merged)	out to	Zqtrack Cardiology\"" _ "$out"
n0=$(audited access_report priv)
out=$(cli priv "$PW_PRIV" audit patient "$pa" 2>/dev/null)
check "the kept chart's access report includes the accesses to the retired chart, marked" sh -c "printf '%s\n' \"\$1\" | grep -q \"(MRN $pb, merged into this chart)\"" _ "$out"
check "reading the merged-in chart is audited on it too (two access_report entries)" [ "$(audited access_report priv)" = "$((n0 + 2))" ]
check "the merge is audited on both charts" [ "$(audited chart_merge him)" = 2 ]
check "the reason is not in the file" sh -c "! sqlite3 '$DB' .dump | grep -q 'ID card seen'"
check "audit verify passes after the merge" verify
out=$(cli front "$PW_FRONT" patient show "$pb" 2>/dev/null)
check "the retired MRN still finds its chart, which says where it went" sh -c "printf '%s' \"\$1\" | grep -q \"Merged into MRN $pa (merge $id)\"" _ "$out"
out=$(cli front "$PW_FRONT" patient show "$pa" 2>/dev/null)
check "the kept chart says nothing of the kind" sh -c "! printf '%s' \"\$1\" | grep -q 'Merged into'" _ "$out"
cli him "$PW_HIM" merge "$pa" "$pb" --reason "again" >/dev/null 2>&1
check "merging the retired chart again is refused (exit 1 or 6)" [ $? -ne 0 ]

# work on the survivor in between: vital signs taken at its own visit
cli nurse "$PW_NURSE" vitals add "$ea" --bp 118/76 --pulse 64 >/dev/null 2>&1
check "a record added to the kept chart after the merge" [ "$(sql "select count(*) from vitals")" = 2 ]

# tampering with the journal
cp "$DB" "$T/keep.db"
sql "update merge_rows set row = row + 100 where tbl = 4"
out=$(cli him "$PW_HIM" unmerge "$id" --reason "undo" 2>&1)
check "a journal row edited with sqlite3 is an integrity error (exit 5)" [ $? -eq 5 ]
check "saying nothing was changed" sh -c "printf '%s' \"\$1\" | grep -q 'Nothing was changed'" _ "$out"
cp "$T/keep.db" "$DB"
sql "delete from merge_rows where tbl = 3"
cli him "$PW_HIM" unmerge "$id" --reason "undo" >/dev/null 2>&1
check "a journal row deleted is an integrity error (exit 5)" [ $? -eq 5 ]
cp "$T/keep.db" "$DB"
sql "update merges set retire_prow = keep_prow"
cli him "$PW_HIM" unmerge "$id" --reason "undo" >/dev/null 2>&1
check "a merge re-pointed is an integrity error (exit 5)" [ $? -eq 5 ]
cp "$T/keep.db" "$DB"

# unmerge
cli nurse "$PW_NURSE" unmerge "$id" --reason "undo" >/dev/null 2>&1
check "a nurse may not unmerge (exit 4)" [ $? -eq 4 ]
cli him "$PW_HIM" unmerge "$id" --reason "Different people after all: mother and daughter" 2>"$T/unmerge.err"
check "HIM unmerges (exit 0)" [ $? -eq 0 ]
check "saying what went back" grep -q "Merge $id undone" "$T/unmerge.err"
dump > "$T/after.txt"
sort "$T/before.txt" > "$T/b.s"
sort "$T/after.txt" > "$T/a.s"
check "nothing of before the merge is missing or different after the unmerge" sh -c "[ -z \"\$(comm -23 '$T/b.s' '$T/a.s')\" ]"
comm -13 "$T/b.s" "$T/a.s" > "$T/added.txt"
check "the rows added are the vital signs taken in between" [ "$(grep -c "^'vitals'," "$T/added.txt")" = 1 ]
check "and the charts opened in between (recently opened list), nothing else" [ "$(grep -vc "^'vitals',\|^'recent_patients'," "$T/added.txt")" = 0 ]
check "the vital signs added stay with the kept chart" [ "$(sql "select count(*) from vitals where prow = (select keep_prow from merges)")" = 1 ]
check "the unmerge is audited on both charts" [ "$(audited chart_unmerge him)" = 2 ]
check "audit verify passes after the unmerge" verify
out=$(cli priv "$PW_PRIV" disclosures "$pa" 2>/dev/null)
check "after the unmerge the kept chart's accounting no longer has it" sh -c "! printf '%s' \"\$1\" | grep -q 'County Health Dept'" _ "$out"
out=$(cli priv "$PW_PRIV" disclosures "$pb" 2>/dev/null)
check "the retired chart's own accounting has it" sh -c "printf '%s' \"\$1\" | grep -q 'County Health Dept'" _ "$out"
out=$(cli him "$PW_HIM" roi list "$pa" 2>/dev/null)
check "after the unmerge the kept chart's ROI list no longer has the request" sh -c "! printf '%s' \"\$1\" | grep -q \"$pb\"" _ "$out"
out=$(cli him "$PW_HIM" roi list "$pb" 2>/dev/null)
check "the retired chart's own ROI list has it, unmarked" sh -c "printf '%s\n' \"\$1\" | grep -q \"^$roi	$pb	\"" _ "$out"
out=$(cli him "$PW_HIM" amendment list "$pa" 2>/dev/null)
check "after the unmerge the kept chart's amendment list no longer has it" sh -c "! printf '%s' \"\$1\" | grep -q \"$pb\"" _ "$out"
out=$(cli him "$PW_HIM" chart-history "$pa" 2>/dev/null)
check "after the unmerge the kept chart's paper-chart history no longer has the volume" sh -c "! printf '%s' \"\$1\" | grep -q Zqtrack" _ "$out"
out=$(cli him "$PW_HIM" chart-history "$pb" 2>/dev/null)
check "the retired chart's own history has it, unmarked" sh -c "printf '%s\n' \"\$1\" | grep -q \"volume 1	out to	Zqtrack Cardiology\"" _ "$out"
out=$(cli priv "$PW_PRIV" audit patient "$pa" 2>/dev/null)
check "after the unmerge the kept chart's access report has no merged-in entries" sh -c "! printf '%s' \"\$1\" | grep -q 'merged into this chart'" _ "$out"
out=$(cli front "$PW_FRONT" patient show "$pb" 2>/dev/null)
check "after the unmerge the retired MRN is its own chart again" sh -c "! printf '%s' \"\$1\" | grep -q 'Merged into'" _ "$out"
check "the signed note reads the same after" [ "$(cli nurse "$PW_NURSE" note show "$n1" 2>/dev/null | grep canary)" = "$before_text" ]
cli him "$PW_HIM" unmerge "$id" --reason "again" >/dev/null 2>&1
check "undoing it twice is refused (exit 6 conflict)" [ $? -ne 0 ]

# a record changed on the survivor after a merge goes back as it is now
id2=$(cli him "$PW_HIM" merge "$pa" "$pb" --reason "Merged again for the test" 2>/dev/null)
check "merged again" sh -c "[ '$id2' -gt '$id' ]"
printf 'y\n' | cli nurse "$PW_NURSE" note sign "$n2" >/dev/null 2>&1
check "the retired chart's draft note signed on the kept chart" [ "$(sql "select status from notes where nrow = (select max(nrow) from notes)")" = signed ]
cli nurse "$PW_NURSE" vitals add "$eb" --bp 131/85 --pulse 70 >/dev/null 2>&1
check "vital signs taken at a visit that came from the retired chart" [ "$(sql "select count(*) from vitals where erow = (select erow from encounters where id <> '' order by erow limit 1 offset 1)")" -ge 1 ]
cli him "$PW_HIM" unmerge "$id2" --reason "Undone again" 2>"$T/unmerge2.err"
check "unmerged again (exit 0)" [ $? -eq 0 ]
check "saying one record had changed" grep -q "1 of them had changed" "$T/unmerge2.err"
check "the vital signs went back with their visit" grep -q "1 vital sign or note record added since to its visits went back" "$T/unmerge2.err"
check "every vital sign is on its encounter's chart" [ "$(sql "select count(*) from vitals v join encounters e using (erow) where v.prow <> e.prow")" = 0 ]
check "the signed note is back on the retired chart, signed" [ "$(sql "select status || '/' || (prow = (select retire_prow from merges where mrow = $id2)) from notes where nrow = (select max(nrow) from notes)")" = "signed/1" ]
out=$(cli nurse "$PW_NURSE" note show "$n2" 2>/dev/null)
check "and reads as written" sh -c "printf '%s' \"\$1\" | grep -q canary-draft-7730" _ "$out"
check "audit verify passes" verify

# a demo key rotation between a merge and its undoing re-seals the journal
id3=$(cli him "$PW_HIM" merge "$pa" "$pb" --reason "Merged before a key rotation" 2>/dev/null)
check "merged a third time" sh -c "[ '$id3' -gt '$id2' ]"
v0=$(sql "select hex(substr(mac, 2, 1)) from merges where mrow = $id3")
cli admin "$PW_ADMIN" keys rotate demo >/dev/null 2>&1
check "the demo key rotates" [ $? -eq 0 ]
check "the journal is under the new version" [ "$(sql "select count(*) from merges where hex(substr(mac, 2, 1)) = '$v0' or hex(substr(reason, 2, 1)) = '$v0'")" = 0 ]
check "its rows too" [ "$(sql "select count(*) from merge_rows where hex(substr(mac, 2, 1)) = '$v0'")" = 0 ]
check "audit verify passes after the rotation" verify
cli him "$PW_HIM" unmerge "$id3" --reason "Undone after the rotation" 2>"$T/unmerge3.err"
check "the merge is undone after the rotation (exit 0)" [ $? -eq 0 ]
check "every moved record re-bound as it is now (the rotation re-sealed them)" grep -q "^$(sql "select moved from merges where mrow = $id3") of them had changed" "$T/unmerge3.err"
check "the retired chart has its records back" [ "$(sql "select count(*) from encounters where prow = (select retire_prow from merges where mrow = $id3)")" = 2 ]
out=$(cli nurse "$PW_NURSE" note show "$n1" 2>/dev/null)
check "the signed note reads the same" sh -c "printf '%s' \"\$1\" | grep -q canary-merge-5521" _ "$out"
check "audit verify passes" verify
check "no canary in the file" sh -c "! grep -q 'canary-merge-5521\|canary-draft-7730\|marmalade wheeze' '$DB'"
e2e_done
