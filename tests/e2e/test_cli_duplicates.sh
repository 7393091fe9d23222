#!/bin/sh
# The duplicate-chart worklist on the command line (issue 13 item 4): a
# scan of every registered patient with the registration duplicate check
# finds the injected pairs and not the namesakes that share only a
# household; the list (table and csv), one pair side by side, the
# do-not-link list (the pair leaves the worklist and later scans skip it,
# reason encrypted), permissions (chart_merge, HIM only), audit, and rows
# edited, moved or forged with sqlite3 refused.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
reg() { clin front "$PW_FRONT" "$(csv "$@")" patient add --register-anyway 2>/dev/null; }
pa=$(reg last_name=Zebulon first_name=Marisol dob=1971-04-12 sex=F phone_home=617-555-0142)
pb=$(reg last_name=Zebulon first_name=Marisol dob=1971-04-12 sex=F)
pc=$(reg last_name=Quintrell first_name=Adabelle dob=1988-09-30 sex=F ssn=123-45-6789)
pd=$(reg last_name=Quintrel first_name=Adabelle dob=1988-09-03 sex=F ssn=123-45-6789)
pe=$(reg last_name=Farrowdale first_name=Theo dob=1950-01-01 sex=M phone_home=617-555-0199)
pf=$(reg last_name=Farrowdale first_name=Ingrid dob=1952-06-07 sex=F phone_home=617-555-0199)
check "six patients registered" sh -c "[ -n '$pa' ] && [ -n '$pb' ] && [ -n '$pc' ] && [ -n '$pd' ] && [ -n '$pe' ] && [ -n '$pf' ]"

out=$(cli nurse "$PW_NURSE" duplicates scan 2>&1)
check "a nurse may not scan (exit 4)" [ $? -eq 4 ]
check "and is told it is a permission" sh -c "printf '%s' \"\$1\" | grep -qi 'permission'" _ "$out"
out=$(cli front "$PW_FRONT" duplicates list 2>&1)
check "nor the front desk list (exit 4)" [ $? -eq 4 ]

out=$(cli him "$PW_HIM" duplicates scan 2>"$T/scan.err")
check "HIM scans (exit 0)" [ $? -eq 0 ]
check "the scan says what it did" sh -c "printf '%s' \"\$1\" | grep -q '^6 patients scanned in .*; 2 pairs found, 2 on the worklist (2 new), 0 marked'" _ "$out"
check "no progress bar when stderr is not a terminal" sh -c "! grep -q 'Scanning \[' '$T/scan.err'"
check "two pairs stored" [ "$(sql "select count(*) from dup_candidates")" = 2 ]
check "the exact twin pair is there" [ "$(sql "select count(*) from dup_candidates c join patients x on x.prow = c.prow_a join patients y on y.prow = c.prow_b")" = 2 ]
check "the scan is audited" [ "$(audited dup_scan him)" = 1 ]
check "nothing of the patients in the worklist table" sh -c "! sqlite3 '$DB' .dump | grep -i 'dup_candidates' | grep -qi 'zebulon\|quintrel\|marisol'"

out=$(cli him "$PW_HIM" duplicates list)
check "the list names both charts of a pair" sh -c "printf '%s' \"\$1\" | grep -q \"$pa .*$pb\"" _ "$out"
check "and the typo pair (DOB parts, SSN)" sh -c "printf '%s' \"\$1\" | grep -q \"$pc .*$pd\"" _ "$out"
check "not the household sharing a phone and last name" sh -c "! printf '%s' \"\$1\" | grep -q \"$pe\"" _ "$out"
check "shows what matched" sh -c "printf '%s' \"\$1\" | grep \"$pa\" | grep -q 'DOB'" _ "$out"
check "the list is audited" [ "$(audited dup_list him)" -ge 1 ]
out=$(cli him "$PW_HIM" queue --kind duplicate)
check "the work queue lists both pairs as possible duplicates" [ "$(printf '%s\n' "$out" | grep -c 'Possible duplicate chart')" = 2 ]
check "under the first chart's MRN" sh -c "printf '%s' \"\$1\" | grep 'Possible duplicate' | grep -q \"$pa\"" _ "$out"
out=$(cli priv "$PW_PRIV" queue --kind duplicate 2>&1)
check "the privacy officer's queue has no duplicate kind" sh -c "! printf '%s' \"\$1\" | grep -q 'Possible duplicate'" _ "$out"
out=$(cli him "$PW_HIM" duplicates list --format csv)
check "csv has its header" sh -c "printf '%s' \"\$1\" | head -1 | grep -q '^id,score,mrn_a,patient_a,dob_a,mrn_b,patient_b,dob_b,matched,age_days$'" _ "$out"
check "csv has the pairs" [ "$(printf '%s\n' "$out" | grep -c "^[0-9]*,[0-9]*,")" = 2 ]
cli him "$PW_HIM" duplicates list --format xml >/dev/null 2>&1
check "--format xml is a usage error (exit 2)" [ $? -eq 2 ]

id=$(sql "select crow from dup_candidates c join patients x on x.prow = c.prow_a where c.prow_b = (select max(prow_b) from dup_candidates)")
cli front "$PW_FRONT" encounter add "$pc" --type "office visit" --provider prov --location "Room 2" >/dev/null 2>&1
out=$(cli him "$PW_HIM" duplicates show "$id")
check "show counts each chart's records (an encounter on A, none on B)" sh -c "printf '%s' \"\$1\" | grep -q '^encounters  *1  *0\$'" _ "$out"
check "... and notes, disclosures, paper-chart events" sh -c "printf '%s' \"\$1\" | grep -q '^paper-chart events  *0  *0\$'" _ "$out"
check "show puts the two charts side by side" sh -c "printf '%s' \"\$1\" | grep -q \"^MRN .*$pc .*$pd\"" _ "$out"
check "with both birth dates" sh -c "printf '%s' \"\$1\" | grep -q '^born .*1988-09-30 .*1988-09-03'" _ "$out"
check "viewing a pair is audited on both charts" [ "$(audited dup_view him)" = 2 ]
cli him "$PW_HIM" duplicates show 999 >/dev/null 2>&1
check "an unknown pair is not found (exit 1)" [ $? -eq 1 ]

# a rescan keeps numbers and first-found times
before=$(sql "select group_concat(crow || found_at) from dup_candidates order by crow")
out=$(cli him "$PW_HIM" duplicates scan 2>/dev/null)
check "a rescan finds the same pairs, none new" sh -c "printf '%s' \"\$1\" | grep -q '2 on the worklist (0 new)'" _ "$out"
check "and keeps their numbers and first-found times" [ "$(sql "select group_concat(crow || found_at) from dup_candidates order by crow")" = "$before" ]

# not the same person
cli him "$PW_HIM" duplicates not-same "$pc" "$pd" >/dev/null 2>&1
check "not-same without --reason is a usage error (exit 2)" [ $? -eq 2 ]
out=$(printf '%s\n%s\n' "$PW_HIM" "$(printf 'bad\033[31m')" | "$BIN" --db "$DB" --user him --password-stdin duplicates not-same "$pc" "$pd" --reason - 2>&1)
check "a reason with an escape character is refused (exit 1)" [ $? -eq 1 ]
check "naming the field" sh -c "printf '%s' \"\$1\" | grep -q 'Reason'" _ "$out"
cli him "$PW_HIM" duplicates not-same "$pc" "$pc" --reason "same one" >/dev/null 2>&1
check "a chart paired with itself is refused (exit 1)" [ $? -eq 1 ]
cli nurse "$PW_NURSE" duplicates not-same "$pc" "$pd" --reason "twins per mother" >/dev/null 2>&1
check "a nurse may not mark a pair (exit 4)" [ $? -eq 4 ]
out=$(printf '%s\n%s\n' "$PW_HIM" "Sisters: Vexbridge twins, different SSN cards seen" | "$BIN" --db "$DB" --user him --password-stdin duplicates not-same "$pd" "$pc" --reason - 2>&1)
check "HIM marks the typo pair not the same person" [ $? -eq 0 ]
check "and it leaves the worklist" sh -c "printf '%s' \"\$1\" | grep -q 'left the duplicate worklist'" _ "$out"
check "one pair left" [ "$(sql "select count(*) from dup_candidates")" = 1 ]
check "the reason is not in the file" sh -c "! sqlite3 '$DB' .dump | grep -q 'Vexbridge'"
check "marking is audited on both charts" [ "$(audited dup_not_same him)" = 2 ]
cli him "$PW_HIM" duplicates not-same "$pc" "$pd" --reason "again" >/dev/null 2>&1
check "marking it twice is refused (exit 1)" [ $? -eq 1 ]
out=$(cli him "$PW_HIM" duplicates not-same-list)
check "the do-not-link list shows the pair, who and the reason" sh -c "printf '%s' \"\$1\" | grep -q \"$pc.*$pd.*him.*Vexbridge twins\"" _ "$out"
out=$(cli him "$PW_HIM" duplicates scan 2>/dev/null)
check "a later scan skips the marked pair" sh -c "printf '%s' \"\$1\" | grep -q '2 pairs found, 1 on the worklist (0 new), 1 marked not the same person'" _ "$out"

# tampering
cp "$DB" "$T/keep.db"
sql "update dup_candidates set score = score + 5"
out=$(cli him "$PW_HIM" duplicates list 2>&1)
check "a worklist row edited with sqlite3 is an integrity error (exit 5)" [ $? -eq 5 ]
check "naming the row" sh -c "printf '%s' \"\$1\" | grep -q 'dup_candidates record'" _ "$out"
sql "update dup_candidates set score = score - 5"
out=$(cli him "$PW_HIM" duplicates list 2>&1)
check "put back, it lists again" [ $? -eq 0 ]
sql "update dup_candidates set prow_b = (select prow from patients where prow not in (select prow_a from dup_candidates) order by prow desc limit 1)"
cli him "$PW_HIM" duplicates list >/dev/null 2>&1
check "a worklist row moved to another chart is an integrity error (exit 5)" [ $? -eq 5 ]
cp "$T/keep.db" "$DB"
sql "update dup_not_same set set_by = 'admin'"
cli him "$PW_HIM" duplicates not-same-list >/dev/null 2>&1
check "a do-not-link row edited is an integrity error (exit 5)" [ $? -eq 5 ]
cp "$T/keep.db" "$DB"
sql "insert into dup_not_same select lrow + 1, (select prow from patients order by prow limit 1), (select prow from patients order by prow limit 1 offset 1), reason, set_at, set_by, mac from dup_not_same"
check "(the forged row is in)" [ "$(sql "select count(*) from dup_not_same")" = 2 ]
out=$(cli him "$PW_HIM" duplicates scan 2>/dev/null)
check "a forged do-not-link row (copied onto the first pair) silences nothing" sh -c "printf '%s' \"\$1\" | grep -q '2 pairs found, 1 on the worklist (0 new), 1 marked'" _ "$out"
cp "$T/keep.db" "$DB"
check "audit verify passes" sh -c "printf '%s\n' '$PW_PRIV' | '$BIN' --db '$DB' --user priv --password-stdin audit verify >/dev/null 2>&1"
e2e_done
