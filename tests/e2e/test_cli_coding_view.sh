#!/bin/sh
# Coding with the patient in view, on the command line (issue 13 item 2):
# the coding queue names the patient (MRN, name, DOB, sex) and counts the
# days from the date of service, not from closing, with DNFB aging
# buckets at their edges (the test build's clock, CHARTROOM_TEST_NOW);
# coding show names the patient and who coded it; [codes] verify_by_other
# (policy, off by default) refuses the coder's own verification, and
# finalising straight from coded, naming the rule, while a second HIM
# clerk (added with the admin command line) verifies; the queue view is
# audited.
. "$(dirname "$0")/lib.sh"
e2e_setup
H() { cli him "$PW_HIM" "$@"; }
H2() { cli him2 "$PW_HIM2" "$@"; }
# The queue as of a day (the test build's clock).
QAT() { printf '%s\n' "$PW_HIM" | CHARTROOM_TEST_NOW="$1" "$TEST_BIN" --db "$DB" --user him --password-stdin coding queue; }
PW_HIM2="second him clerk password"
pol() { printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set "$@"; }

H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S1 --effective 2020-01-01 >/dev/null 2>&1
check "setup: the ICD-10-CM sample is loaded" [ $? -eq 0 ]
printf '%s\n%s\n' "$PW_ADMIN" "$PW_HIM2" | "$BIN" --db "$DB" --user admin --password-stdin user add him2 --role him >/dev/null 2>&1
check "setup: a second HIM clerk is added with the admin command line" [ $? -eq 0 ]
cli nurse "$PW_NURSE" keys grant >/dev/null 2>&1

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Codewell first_name=Ada middle_name=Mae dob=1950-02-03 sex=F)" patient add 2>/dev/null)
# Seen on 2025-11-01, closed much later: the queue counts from the visit.
e1=$(clin front "$PW_FRONT" "$(csv visit_reason="wheezing after a cold")" encounter add "$mrn" --type "office visit" --provider prov --date "2025-11-01 15:00" 2>/dev/null)
e2=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date "2025-10-20 15:00" 2>/dev/null)
cli nurse "$PW_NURSE" encounter close "$e1" >/dev/null 2>&1
cli nurse "$PW_NURSE" encounter close "$e2" --date 2025-11-03 >/dev/null 2>&1
check "setup: two closed encounters" [ "$(sql "select count(*) from encounters where status = 'closed'")" = 2 ]

out=$(H coding queue 2>"$T/q.err")
row=$(printf '%s\n' "$out" | grep "^$e1	")
check "the queue row names the patient: MRN, name, DOB, sex" sh -c "printf '%s' \"\$1\" | grep -qF '	$mrn	Codewell, Ada Mae	1950-02-03	F	prov	office visit	uncoded'" _ "$row"
check "oldest date of service first (the October visit closed later is first)" [ "$(printf '%s\n' "$out" | head -1 | cut -f1)" = "$e2" ]
check "the counts per aging bucket are on standard error" grep -q 'Days since the date of service: 0-3: 0, 4-7: 0, 8-14: 0, 15-30: 0, >30: 2' "$T/q.err"

# Days from the date of service, at the buckets' edges.
bucket() { QAT "$1" 2>/dev/null | grep "^$e1	" | cut -f4,5; }
tab=$(printf '\t')
check "day 0 (the visit's day): 0, bucket 0-3" [ "$(bucket 2025-11-01T20:00:00Z)" = "0${tab}0-3" ]
check "day 3: bucket 0-3" [ "$(bucket 2025-11-04T20:00:00Z)" = "3${tab}0-3" ]
check "day 4: bucket 4-7" [ "$(bucket 2025-11-05T20:00:00Z)" = "4${tab}4-7" ]
check "day 7: bucket 4-7" [ "$(bucket 2025-11-08T20:00:00Z)" = "7${tab}4-7" ]
check "day 8: bucket 8-14" [ "$(bucket 2025-11-09T20:00:00Z)" = "8${tab}8-14" ]
check "day 14: bucket 8-14" [ "$(bucket 2025-11-15T20:00:00Z)" = "14${tab}8-14" ]
check "day 15: bucket 15-30" [ "$(bucket 2025-11-16T20:00:00Z)" = "15${tab}15-30" ]
check "day 30: bucket 15-30" [ "$(bucket 2025-12-01T20:00:00Z)" = "30${tab}15-30" ]
check "day 31: bucket >30" [ "$(bucket 2025-12-02T20:00:00Z)" = "31${tab}>30" ]
QAT 2025-11-05T20:00:00Z >/dev/null 2>"$T/q5.err"
check "the counts follow the clock: the October visit 16 days, the November one 4" grep -q '0-3: 0, 4-7: 1, 8-14: 0, 15-30: 1, >30: 0' "$T/q5.err"
out=$(QAT 2025-11-05T20:00:00Z 2>/dev/null | grep "^$e2	")
check "the October visit closed on 2025-11-03 counts 16 days, not 2" sh -c "printf '%s' \"\$1\" | cut -f3,4 | grep -q '^2025-11-03	16$'" _ "$out"

# coding show names the patient and, once coded, the coder.
H coding add-dx "$e1" J45.20 >/dev/null 2>&1
out=$(H coding show "$e1" 2>&1)
check "coding show names the patient" sh -c "printf '%s' \"\$1\" | grep -qF 'patient $mrn  Codewell, Ada Mae  DOB 1950-02-03  sex F'" _ "$out"
check "... and who coded it since it was last verified" sh -c "printf '%s' \"\$1\" | grep -q '^coded by him '" _ "$out"
check "opening the coding is audited on the chart" [ "$(audited coding_view him)" -ge 1 ]
check "the queue view is audited" [ "$(audited coding_queue_view him)" -ge 1 ]
cli front "$PW_FRONT" coding show "$e1" >/dev/null 2>&1
check "the front desk cannot open the coding (exit 4)" [ $? -eq 4 ]

# verify_by_other: off by default, the coder verifies their own.
out=$(cli admin "$PW_ADMIN" policy show 2>&1)
check "policy lists codes.verify_by_other, no by default" sh -c "printf '%s' \"\$1\" | grep -E 'codes[.:]verify_by_other' | grep -q 'no'" _ "$out"
H coding complete "$e2" >/dev/null 2>&1 || true
H coding add-dx "$e2" I10 >/dev/null 2>&1
H coding complete "$e2" >/dev/null 2>&1
H coding verify "$e2" >/dev/null 2>&1
check "with verify_by_other = no the coder may verify their own coding" [ "$(sql "select coding_status from encounters where erow = $e2")" = verified ]

pol codes.verify_by_other yes >/dev/null 2>&1
check "an administrator turns verify_by_other on (database policy)" [ $? -eq 0 ]
pol codes.verify_by_other maybe >/dev/null 2>&1
check "a value other than yes or no is refused" [ $? -ne 0 ]
H coding complete "$e1" >/dev/null 2>&1
check "him completes the coding" [ "$(sql "select coding_status from encounters where erow = $e1")" = coded ]
out=$(H coding verify "$e1" 2>&1)
rc=$?
check "the coder's own verification is refused (exit 4)" [ $rc -eq 4 ]
check "... naming the rule and the coder" sh -c "printf '%s' \"\$1\" | grep -q \"\[codes\] verify_by_other: you coded encounter $e1 (coded by him \"" _ "$out"
out=$(H coding finalize "$e1" 2>&1)
check "finalising straight from coded is refused to the coder too" sh -c "[ $? -eq 4 ] && printf '%s' \"\$1\" | grep -q 'would skip the verification'" _ "$out"
check "... and nothing changed" [ "$(sql "select coding_status from encounters where erow = $e1")" = coded ]
H2 coding verify "$e1" >/dev/null 2>&1
check "the second clerk verifies it" [ "$(sql "select coding_status from encounters where erow = $e1")" = verified ]
H coding finalize "$e1" >/dev/null 2>&1
check "the coder may finalise verified coding (two people have seen it)" [ "$(sql "select coding_status from encounters where erow = $e1")" = final ]
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "the verification is him2's in the audit trail" sh -c "printf '%s\n' \"\$1\" | grep 'coding_verify' | grep -q 'him2'" _ "$out"

# After a reopen the coders count again from the last verification.
clin him2 "$PW_HIM2" "$(csv why="payer asked for the primary")" coding reopen "$e1" >/dev/null 2>&1
out=$(H2 coding show "$e1" 2>&1)
check "reopened, nobody has coded it since it was verified" sh -c "! printf '%s' \"\$1\" | grep -q '^coded by'" _ "$out"
H2 coding add-dx "$e1" E11.9 >/dev/null 2>&1
H2 coding complete "$e1" >/dev/null 2>&1
out=$(H2 coding verify "$e1" 2>&1)
check "now him2 changed it: him2 may not verify" sh -c "printf '%s' \"\$1\" | grep -q 'verify_by_other'" _ "$out"
H coding verify "$e1" >/dev/null 2>&1
check "... and him, who did not change it since, may" [ "$(sql "select coding_status from encounters where erow = $e1")" = verified ]

# The coders come from the audit trail: still chained and verifiable.
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain verifies" sh -c "printf '%s' \"\$1\" | grep -q 'audit chain OK'" _ "$out"
check "no patient name in the database file" sh -c "! grep -qa 'Codewell' '$DB'"
e2e_done
