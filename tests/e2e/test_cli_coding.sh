#!/bin/sh
# Coding on the command line, with the real ICD-10-CM files: versions by
# effective date, the rules a claim scrubber applies, status steps and the
# coding queue. Needs ../shared/data/icd10cm (says so and fails if absent).
. "$(dirname "$0")/lib.sh"
ICD=${CHARTROOM_DATA:-$ROOT/../shared/data}/icd10cm
if [ ! -r "$ICD/icd10cm_order_2026.txt" ] || [ ! -r "$ICD/icd10cm_order_2025.txt" ]; then
	not_ok "ICD-10-CM reference files present in $ICD (see ../shared/data/README.md)"
	e2e_done
fi
e2e_setup
H() { cli him "$PW_HIM" "$@"; }

out=$(H codes import icd10cm "$ICD/icd10cm_order_2025.txt" --version FY2025 --effective 2024-10-01 2>&1)
check "FY2025 imports" sh -c "printf '%s' \"\$1\" | grep -q '97584 codes (74260 billable, 23324 headers)'" _ "$out"
out=$(H codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version FY2026 --effective 2025-10-01 2>&1)
check "FY2026 imports" sh -c "printf '%s' \"\$1\" | grep -q '98186 codes (74719 billable, 23467 headers)'" _ "$out"
check "FY2025 counts in the database: 74260 billable, 23324 headers" \
	[ "$(sql "select billable || ' ' || (codes - billable) from code_versions where version = 'FY2025'")" = "74260 23324" ]
check "FY2026 counts in the database: 74719 billable, 23467 headers" \
	[ "$(sql "select billable || ' ' || (codes - billable) from code_versions where version = 'FY2026'")" = "74719 23467" ]
out=$(H codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version FY2026 --effective 2025-10-01 2>&1)
check "importing the same file again is a no-op" sh -c "printf '%s' \"\$1\" | grep -q 'already loaded'" _ "$out"
check "and adds nothing" [ "$(sql "select count(*) from codes")" = $((97584 + 98186)) ]
out=$(H codes import icd10cm "$ICD/icd10cm_order_2025.txt" --version FY2026 --effective 2025-10-01 2>&1)
check "a different file under a loaded version is refused" sh -c "printf '%s' \"\$1\" | grep -q 'different file'" _ "$out"
out=$(H codes list-versions)
check "list-versions shows FY2025 ending when FY2026 starts" sh -c "printf '%s' \"\$1\" | grep -q 'FY2025	2024-10-01	2025-10-01'" _ "$out"

head -100 "$ICD/icd10cm_order_2026.txt" > "$T/bad.txt"
printf '00101 E11X!!  1 Broken line\r\n' >> "$T/bad.txt"
n_before=$(sql "select count(*) from codes")
out=$(H codes import icd10cm "$T/bad.txt" --version BAD --effective 2026-10-01 2>&1)
check "a malformed file is refused as FILE:LINE" sh -c "printf '%s' \"\$1\" | grep -qF '$T/bad.txt:101: '" _ "$out"
check "and nothing changed" sh -c "[ '$(sql "select count(*) from codes")' = '$n_before' ] && [ '$(sql "select count(*) from code_versions where version = 'BAD'")' = 0 ]"
H codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version FY2027 --effective 2026/10/01 >/dev/null 2>&1
check "a malformed effective date is refused" [ $? -eq 1 ]
cli front "$PW_FRONT" codes import icd10cm "$ICD/icd10cm_order_2026.txt" --version X --effective 2026-10-01 >/dev/null 2>&1
check "the front desk may not import code sets (exit 4)" [ $? -eq 4 ]

# search
out=$(H codes search "diab 2 kidn" --date 2025-11-01)
check "words in any order, each a prefix: 'diab 2 kidn' finds E11.21" sh -c "printf '%s' \"\$1\" | grep -q '^E11.21	billable'" _ "$out"
out=$(H codes search "kidn diab 2" --date 2025-11-01)
check "the order of the words does not matter" sh -c "printf '%s' \"\$1\" | grep -q '^E11.21	billable'" _ "$out"
out=$(H codes search "e116" --date 2025-11-01)
check "a code prefix without the dot finds E11.6x" sh -c "printf '%s' \"\$1\" | grep -q '^E11.65	billable'" _ "$out"
out=$(H codes search "E11.6" --date 2025-11-01)
check "and with the dot" sh -c "printf '%s' \"\$1\" | grep -q '^E11.6	header'" _ "$out"

# the acceptance facts
ok_on() { H codes check "$1" --date "$2" >/dev/null 2>&1; }
check "D71 is accepted for a 2025-06-01 encounter" ok_on D71 2025-06-01
out=$(H codes check D71 --date 2025-11-01 2>&1)
check "D71 is refused for 2025-11-01: a header in FY2026" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'billable code': D71 is a header in ICD-10-CM FY2026\"" _ "$out"
out=$(H codes check E11A --date 2025-06-01 2>&1)
check "E11A is refused before 2025-10-01" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'valid on the date of service'\"" _ "$out"
check "E11A is accepted after 2025-10-01" ok_on E11A 2025-10-02
check "I10 is accepted in FY2025" ok_on I10 2025-06-01
check "I10 is accepted in FY2026" ok_on I10 2025-11-01
out=$(H codes check E11 --date 2025-11-01 2>&1)
check "E11 is refused as a header, its children offered" sh -c "printf '%s' \"\$1\" | grep -q 'header' && printf '%s' \"\$1\" | grep -q 'E11.00, E11.01'" _ "$out"
out=$(H codes children E11.2 --date 2025-11-01)
check "a header's children are listed" sh -c "printf '%s' \"\$1\" | grep -q '^E11.21' && printf '%s' \"\$1\" | grep -q '^E11.29'" _ "$out"

# encounter coding
H codes import hcpcs "$ROOT/assets/codes/hcpcs-sample.txt" --version 2026 --effective 2025-01-01 >/dev/null 2>&1
printf 'code,description\n99213,Office visit (test fixture)\n9921X,Bad\n' > "$T/cpt.csv"
out=$(H codes import cpt "$T/cpt.csv" --version 2026 --effective 2025-01-01 2>&1)
check "a CPT CSV with a bad code is refused by FILE:LINE" sh -c "printf '%s' \"\$1\" | grep -qF '$T/cpt.csv:3: '" _ "$out"
printf 'code,description\n99213,"Office visit, established (test fixture)"\n' > "$T/cpt.csv"
H codes import cpt "$T/cpt.csv" --version 2026 --effective 2025-01-01 >/dev/null 2>&1
check "a clinic's CPT list imports from CSV" [ "$(sql "select codes from code_versions where system = 'cpt'")" = 1 ]

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Coda first_name=Carla dob=1966-06-06 sex=F)" patient add 2>/dev/null)
e_old=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date 2025-06-01 2>/dev/null)
e_new=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date "2025-11-01 10:30" 2>/dev/null)
cli nurse "$PW_NURSE" encounter close "$e_old" >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$e_new" >/dev/null 2>&1
out=$(H coding queue)
check "closed uncoded encounters are in the queue, oldest first" sh -c "printf '%s' \"\$1\" | head -1 | grep -q '^$e_old	2025-06-01'" _ "$out"

H coding add-dx "$e_old" D71 >/dev/null 2>&1
check "D71 is coded on the 2025-06-01 encounter" [ $? -eq 0 ]
out=$(H coding add-dx "$e_new" D71 2>&1)
check "D71 is refused on the 2025-11-01 encounter, naming the rule" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'billable code'\"" _ "$out"
out=$(H coding add-dx "$e_old" E11A 2>&1)
check "E11A is refused on the 2025-06-01 encounter" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'valid on the date of service'\"" _ "$out"
H coding add-dx "$e_new" E11A >/dev/null 2>&1
check "E11A is coded on the 2025-11-01 encounter" [ $? -eq 0 ]
out=$(H coding add-dx "$e_new" E11A 2>&1)
check "a duplicate diagnosis is refused" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'no duplicates'\"" _ "$out"
H coding add-dx "$e_new" I10 >/dev/null 2>&1
out=$(H coding add-px "$e_new" G0008 2>&1)
check "a procedure without a pointer is refused" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'procedure points to a diagnosis'\"" _ "$out"
out=$(H coding add-px "$e_new" G0008 --pointers 3 2>&1)
check "a pointer to a missing diagnosis is refused" sh -c "printf '%s' \"\$1\" | grep -q 'diagnosis number 1 to 2'" _ "$out"
out=$(H coding add-px "$e_new" G0008 --pointers 1 --modifiers 25,ZZZ 2>&1)
check "a malformed modifier is refused" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'modifiers'\"" _ "$out"
H coding add-px "$e_new" G0008 --pointers 2,1 --modifiers 25 >/dev/null 2>&1
H coding add-px "$e_new" 99213 --system cpt --pointers 1 >/dev/null 2>&1
H coding primary "$e_new" 2 >/dev/null 2>&1
out=$(H coding show "$e_new")
check "making I10 primary moves it first and the pointers follow" sh -c "printf '%s' \"\$1\" | grep -q 'dx 1 (primary) I10' && printf '%s' \"\$1\" | grep -q 'G0008-25 x1 -> 1 2'" _ "$out"
H coding complete "$e_new" >/dev/null 2>&1
H coding finalize "$e_new" >/dev/null 2>&1
check "complete then finalise" [ "$(sql "select coding_status from encounters where erow = $e_new")" = final ]
out=$(H coding add-dx "$e_new" E785 2>&1)
check "final coding refuses changes" sh -c "printf '%s' \"\$1\" | grep -q 'final: reopen it'" _ "$out"
out=$(H coding queue)
check "a final encounter leaves the queue" sh -c "! printf '%s' \"\$1\" | grep -q '^$e_new	'" _ "$out"
clin him "$PW_HIM" "$(csv why=x)" coding reopen "$e_new" >/dev/null 2>&1
check "reopening needs a real reason" [ $? -eq 1 ]
clin him "$PW_HIM" "$(csv why="payer asked for a different primary")" coding reopen "$e_new" >/dev/null 2>&1
check "reopening with a reason returns it to coded" [ "$(sql "select coding_status from encounters where erow = $e_new")" = coded ]
out=$(cli admin "$PW_ADMIN" audit list)
check "finalising is audited with the codes" sh -c "printf '%s' \"\$1\" | grep 'coding_finalize' | grep -q 'I10,E11.A'" _ "$out"
check "reopening is audited with its reason" sh -c "printf '%s' \"\$1\" | grep 'coding_reopen' | grep -q 'payer asked'" _ "$out"
check "every change is audited with before and after" sh -c "printf '%s' \"\$1\" | grep 'coding_change' | grep -q 'before \[dx: E11.A,I10 px: G0008-25,99213\] after \[dx: I10,E11.A px: G0008-25,99213\]'" _ "$out"
out=$(H coding complete "$e_old" 2>&1)
check "completing needs every procedure... and at least one diagnosis (here: D71 valid)" [ "$(sql "select coding_status from encounters where erow = $e_old")" = coded ]
e3=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date 2025-11-02 2>/dev/null)
out=$(H coding complete "$e3" 2>&1)
check "completing an encounter without a diagnosis is refused" sh -c "printf '%s' \"\$1\" | grep -q \"Rule 'at least one diagnosis'\"" _ "$out"
cli front "$PW_FRONT" coding queue >/dev/null 2>&1
check "the front desk has no coding queue (exit 4)" [ $? -eq 4 ]
out=$(cli prov "$PW_PROV" coding add-dx "$e3" I10 2>&1)
check "a provider codes their own encounter" [ "$(sql "select count(*) from encounter_dx where erow = $e3")" = 1 ]

# problems are now checked against the code set
out=$(clin prov "$PW_PROV" "$(csv text=Diabetes)" problem add "$mrn" --code E11 2>&1)
check "a problem code that is a header is refused" sh -c "printf '%s' \"\$1\" | grep -q 'header'" _ "$out"
clin prov "$PW_PROV" "$(csv text=Diabetes)" problem add "$mrn" --code E11.9 >/dev/null 2>&1
check "a billable problem code is accepted" [ $? -eq 0 ]
out=$(cli admin "$PW_ADMIN" audit verify)
check "the chain still verifies" sh -c "printf '%s' \"\$1\" | grep -q 'audit chain OK'" _ "$out"
e2e_done
