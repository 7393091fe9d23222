#!/bin/sh
# test_cli_report.sh - `chartroom report` on the real binary: each report's
# CSV against the test's own sqlite3 queries over the raw tables; CSV that
# Python's csv module reads back with the same number of fields in every
# row; the table form; control characters in the data shown escaped, never
# sent to the terminal; bad input (unknown report, bad date, a range that
# ends before it starts, a grouping the report does not take, a bad
# --format, no name) refused with exit 2 before signing on; deficiencies
# refused (its rules are not built) with exit 1; permissions (front desk
# refused, the access report only for privacy and admin) with exit 4; each
# run audited; the report flags hold no value, only yes/no bits.
. "$(dirname "$0")/lib.sh"
e2e_setup

add() { clin front "$PW_FRONT" "$1" patient add 2>>"$T/err"; }
m1=$(add "$(csv last_name=Rowan first_name=Ivy dob=1970-01-02 sex=F phone_home=617-555-0142 address1='1 Elm St' city=Salem state=MA zip=01970)")
m2=$(add "$(csv last_name=Stone first_name=Ada dob=1980-03-04 sex=F address1='2 Oak St' city=Salem state=MA zip=00000)")
m3=$(add "$(csv last_name=Tate first_name=Bo dob=1990-05-06 sex=M phone_mobile=999-999-9999)")
{ [ -n "$m1" ] && [ -n "$m2" ] && [ -n "$m3" ]; }; check "setup: three patients" [ $? -eq 0 ]
e1=$(cli front "$PW_FRONT" encounter add "$m1" --type "office visit" --provider prov --date 2026-03-02 2>>"$T/err")
e2=$(cli front "$PW_FRONT" encounter add "$m2" --type telephone --provider prov --date 2026-03-03 2>>"$T/err")
printf '%s\n%s\n' "$PW_ADMIN" "prov2-long-test-password" | "$BIN" --db "$DB" --user admin --password-stdin user add prov2 --role provider >/dev/null 2>>"$T/err"
e3=$(cli front "$PW_FRONT" encounter add "$m3" --type "office visit" --provider prov2 --date 2026-03-03 2>>"$T/err")
{ [ -n "$e1" ] && [ -n "$e2" ] && [ -n "$e3" ]; }; check "setup: three encounters" [ $? -eq 0 ]
cli nurse "$PW_NURSE" encounter close "$e1" >/dev/null 2>>"$T/err"
cli nurse "$PW_NURSE" vitals add "$e1" --pulse 70 >/dev/null 2>>"$T/err"
# More rows straight into the clear columns (what reports read), one type
# holding control characters.
pr=$(sql "select min(prow) from patients")
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO encounters(id, prow, start, type, provider, location, status, coding_status, created, created_by, final_at, final_by)
SELECT 'x' || i, $pr, strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || (i * 631) || ' minutes'),
CASE WHEN i % 3 = 0 THEN 'telephone' WHEN i % 7 = 0 THEN char(27) || '[31mred' ELSE 'office visit' END,
CASE i % 2 WHEN 0 THEN 'prov' ELSE 'nurse' END, '', 'closed', CASE WHEN i % 4 = 0 THEN 'final' ELSE 'coded' END,
'2026-01-01T00:00:00Z', 'front',
CASE WHEN i % 4 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || (i * 631 + i * 97) || ' minutes') END,
CASE WHEN i % 4 = 0 THEN 'him' END FROM n;
INSERT INTO encounter_dx(erow, seq, code) SELECT erow, 1, CASE erow % 3 WHEN 0 THEN 'E119' WHEN 1 THEN 'I10' ELSE 'J069' END FROM encounters WHERE erow % 2 = 0;"

r() { cli him "$PW_HIM" report "$@"; }
# same CSV QUERY: the report's CSV rows (header dropped, key and the first
# value) equal sqlite3's rows (key|count), as sorted sets.
same() {
	desc=$1; shift
	q=$1; shift
	r "$@" --format csv 2>"$T/r.err" | sed 1d | python3 -c '
import csv, sys
for row in csv.reader(sys.stdin):
    print(row[0] + "|" + row[int(sys.argv[1])])' "${F:-1}" | sort > "$T/got"
	sql "$q" | sort > "$T/want"
	if [ -s "$T/want" ] && cmp -s "$T/got" "$T/want"; then ok "$desc"; else
		not_ok "$desc" "report: $(cat "$T/got" "$T/r.err")
sqlite3: $(cat "$T/want")"; fi
}
esc_type=$(printf '\\x1b[31mred')
same "visits by type = sqlite3 GROUP BY type (control characters shown escaped)" \
	"select replace(type, char(27), '\\x1b'), count(*) from encounters where date(start) between '2026-01-01' and '2026-03-31' group by type" \
	visits --from 2026-01-01 --to 2026-03-31
same "visits by provider, all time" "select provider, count(*) from encounters group by provider" visits --by provider
same "visits by month" "select strftime('%Y-%m', start), count(*) from encounters group by 1" visits --by month
F=2 same "diagnoses by code" "select code, count(*) from encounter_dx group by code" diagnoses
same "turnaround by coder (encounters counted)" "select final_by, count(*) from encounters where final_at is not null group by 1 union all select 'All', count(*) from encounters where final_at is not null" turnaround

r visits --format csv > "$T/v.csv" 2>"$T/v.err"
check "csv: exit 0" [ $? -eq 0 ]
check "csv: every row has the header's number of fields" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["Type", "Visits", "Closed", "Final coded"], rows[0]
assert len(rows) > 2 and all(len(r) == len(rows[0]) for r in rows), rows' "$T/v.csv"
check "csv: no raw escape character" sh -c '! grep -q "$(printf "\033")" "$1"' - "$T/v.csv"
r visits > "$T/v.txt" 2>&1
check "table: title and headings" grep -q "^Type  *Visits  *Closed  *Final coded" "$T/v.txt"
check "table: no raw escape character" sh -c '! grep -q "$(printf "\033")" "$1"' - "$T/v.txt"
check "table: the escaped type is shown" grep -qF '\x1b[31mred' "$T/v.txt"
r quality > "$T/q.txt" 2>&1
check "quality: one patient with no phone" grep -q "^Patients with no phone  *1  *3 " "$T/q.txt"
check "quality: one with an invalid ZIP (00000)" grep -q "^Patients with an invalid ZIP  *1  *3 " "$T/q.txt"
check "quality: one with an invalid phone (999-999-9999)" grep -q "^Patients with an invalid phone  *1  *3 " "$T/q.txt"
check "quality: one with no full address" grep -q "^Patients with no full address  *1  *3 " "$T/q.txt"
check "the flags column holds small numbers only" \
	[ "$(sql "select count(*) from patients where typeof(quality) != 'integer' or quality not between 0 and 15")" = 0 ]
r backlog --format csv > "$T/b.csv" 2>&1
check "backlog: the five buckets" [ "$(sed 1d "$T/b.csv" | cut -d, -f1 | tr '\n' ' ')" = "0-3 days 4-7 days 8-14 days 15-30 days over 30 days " ]
want=$(sql "select count(*) from encounters where status = 'closed' and coding_status != 'final' and source is null")
got=$(sed 1d "$T/b.csv" | awk -F, '{ s += $2 } END { print s }')
check "backlog: its total is sqlite3's ($want)" [ "$got" = "$want" ]

# Bad input: exit 2, before signing on (no password is read).
bad() {
	desc=$1; want=$2; shift 2
	"$BIN" --db "$DB" --user him report "$@" </dev/null >"$T/o" 2>"$T/e"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "$want" "$T/e"; then ok "$desc"; else not_ok "$desc" "rc=$rc $(cat "$T/e")"; fi
}
bad "an unknown report" "No report 'visit'" visit
bad "a date that does not exist" "not a real date" visits --from 2026-02-30
bad "a date that is not a date" "is not a date" visits --to soon
bad "a range that ends before it starts" "ends" visits --from 2026-03-01 --to 2026-02-01
bad "a grouping the report does not take" "cannot be grouped by 'code'" visits --by code
bad "a bad --format" "table or csv" visits --format xml
bad "no report named" "name a report" 
# deficiencies: a report too (its figures: test_cli_deficiency.sh; this
# database's rows were put in with sqlite3, which the deficiency rules,
# checking each chart whole, rightly refuse).
"$BIN" --db "$DB" --user him report deficiencies --by code </dev/null >/dev/null 2>"$T/e"
rc=$?
check "deficiencies: a grouping it does not take, exit 2" sh -c '[ "$1" -eq 2 ] && grep -q "provider month" "$2"' - "$rc" "$T/e"
cli front "$PW_FRONT" report visits >/dev/null 2>"$T/e"
check "front desk: exit 4" [ $? -eq 4 ]
cli him "$PW_HIM" report access >/dev/null 2>"$T/e"
check "HIM: the access report is refused, exit 4" [ $? -eq 4 ]
cli priv "$PW_PRIV" report access --format csv > "$T/a.csv" 2>"$T/e"
check "privacy officer: access report" [ $? -eq 0 ]
check "access: the two refusals, by user" grep -q "^front,0,1,0,1$" "$T/a.csv"
check "access: HIM's refusal too" grep -q "^him,0,1,0,1$" "$T/a.csv"
cli admin "$PW_ADMIN" report access --by day --format csv > "$T/a2.csv" 2>"$T/e"
check "admin: access by day" [ $? -eq 0 ]
n=$(audited report_run)
check "each of the 11 runs audited ($n)" [ "$n" -eq 11 ]
e2e_done
