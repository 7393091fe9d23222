#!/bin/sh
# test_cli_order.sh - issue 11 item 2 through the command line: `patient
# find -` lists in name order (last, first, middle, date of birth, MRN), the
# first page the alphabetically first matches; --page N and --after MRN
# give the next pages without a gap or a repeat, as a plaintext index
# would; bad --page/--after values are refused before sign-on and change
# nothing; the order rank holds no name in the clear.
. "$(dirname "$0")/lib.sh"
e2e_setup

# 450 patients of a few surnames starting "Pag", in a shuffled order (first
# names by a stride through the alphabet), imported; then a few registered.
{
	echo "last_name,first_name,dob,sex"
	i=0
	while [ $i -lt 450 ]; do
		j=$(( (i * 173) % 450 ))
		case $((j % 3)) in 0) l=Pagett ;; 1) l=Pagani ;; *) l=Page-Rowe ;; esac
		a=$(printf "\\$(printf '%03o' $((97 + j % 26)))")
		b=$(printf "\\$(printf '%03o' $((97 + j / 26 % 26)))")
		printf '%s,R%s%s,19%02d-%02d-%02d,F\n' "$l" "$a" "$b" $((40 + j % 50)) $((1 + j % 12)) $((1 + j % 28))
		i=$((i + 1))
	done
} > "$T/pag.csv"
cli him "$PW_HIM" import patients "$T/pag.csv" --register-anyway >"$T/import.out" 2>&1
check "450 patients imported" grep -q "Imported 450 patients" "$T/import.out"
FA() { clin front "$PW_FRONT" "$@"; }
A1=$(FA "$(csv last_name=Pagano first_name=Aldo dob=1950-01-01 sex=M)" patient add 2>/dev/null)
A2=$(FA "$(csv last_name=Pagzz first_name=Zed dob=1950-01-01 sex=M)" patient add 2>/dev/null)
check "two registered" sh -c '[ -n "$1" ] && [ -n "$2" ]' _ "$A1" "$A2"

# pg ARGS...: `patient find -` for "pag" with the options given.
pg() { printf '%s\n%s\n' "$PW_FRONT" pag | "$BIN" --db "$DB" --user front --password-stdin patient find - "$@"; }
pg >"$T/p1" 2>"$T/p1.err"
pg --page 2 >"$T/p2" 2>"$T/p2.err"
pg --page 3 >"$T/p3" 2>"$T/p3.err"
check "page 1 has 200 rows" [ "$(grep -c '^CR' "$T/p1")" = 200 ]
check "page 1 says there are more" grep -q "More than 200 matches" "$T/p1.err"
check "page 2 has 200 rows and says more follow" sh -c '[ "$(grep -c "^CR" "$1")" = 200 ] && grep -q "Page 2: 200 matches by name - more follow" "$2"' _ "$T/p2" "$T/p2.err"
check "page 3 has the last 52 and says so" sh -c '[ "$(grep -c "^CR" "$1")" = 52 ] && grep -q "the last of them" "$2"' _ "$T/p3" "$T/p3.err"
# The pages together: every patient once, in name order. The key as a
# plaintext index sorts: lowercase last, first, middle, then dob, MRN
# (these names are ASCII, so folding is lowercasing).
cat "$T/p1" "$T/p2" "$T/p3" | grep '^CR' >"$T/all"
check "452 rows, each once" sh -c '[ "$(wc -l <"$1")" = 452 ] && [ "$(cut -f1 "$1" | sort -u | wc -l)" = 452 ]' _ "$T/all"
awk -F'\t' '{ printf "%s %s %s\001%s\001%s\n", tolower($2), tolower($3), tolower($4), $5, $1 }' "$T/all" >"$T/keys"
check "in name order across the pages" env LC_ALL=C sort -c "$T/keys"
check "the alphabetically first is first (Pagani before Pagano)" sh -c 'head -1 "$1" | grep -q "	Pagani	"' _ "$T/p1"
check "Pagano after every Pagani" sh -c '[ "$(grep -n "^$2	" "$1" | cut -d: -f1)" = 151 ]' _ "$T/all" "$A1"
check "Pagzz last" sh -c 'tail -1 "$1" | grep -q "^$2	"' _ "$T/all" "$A2"
# --after the last MRN of page 1 is page 2.
LAST1=$(grep '^CR' "$T/p1" | tail -1 | cut -f1)
pg --after "$LAST1" >"$T/a2" 2>"$T/a2.err"
check "--after the last MRN of page 1 gives page 2" cmp -s "$T/a2" "$T/p2"
LASTALL=$(tail -1 "$T/all" | cut -f1)
pg --after "$LASTALL" >"$T/a9" 2>"$T/a9.err"
check "--after the very last: no more matches" sh -c '[ ! -s "$1" ] && grep -q "After it: no more matches" "$2"' _ "$T/a9" "$T/a9.err"
pg --page 9 >"$T/p9" 2>"$T/p9.err"
check "a page past the end is empty and says so" sh -c '[ ! -s "$1" ] && grep -q "Page 9: no more matches" "$2"' _ "$T/p9" "$T/p9.err"
# A later page is a search of its own: audited.
check "each page is audited" [ "$(audited patient_search front)" -ge 6 ]

# Bad values: refused before the password is read, exit 2.
bad() { # description expected-text args...
	d=$1; want=$2; shift 2
	printf '%s\n%s\n' "$PW_FRONT" pag | "$BIN" --db "$DB" --user front --password-stdin patient find - "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	if [ $rc = 2 ] && grep -q -- "$want" "$T/bad.err" && [ ! -s "$T/bad.out" ]; then ok "$d"; else not_ok "$d" "rc=$rc $(cat "$T/bad.err")"; fi
}
bad "--page 0 refused" "page number" --page 0
bad "--page x refused" "page number" --page x
bad "--after a name refused" "takes an MRN" --after Pagett
bad "--page and --after together refused" "not both" --page 2 --after "$A1"
printf '%s\n%s\n' "$PW_FRONT" pag | "$BIN" --db "$DB" --user front --password-stdin patient find - --after CR99999999 >"$T/nf.out" 2>"$T/nf.err"
rc=$?; if [ $rc != 0 ] && grep -q "^chartroom: --after: .*MRN" "$T/nf.err"; then ok "--after an MRN nobody has: a clear error"; else not_ok "--after an MRN nobody has: a clear error" "rc=$rc $(cat "$T/nf.err")"; fi

# The rank is a number; no name is in the clear in the database file.
check "ranks are numbers, distinct" [ "$(sql "select count(distinct sort_rank) = count(*) and min(sort_rank) > 0 from patients")" = 1 ]
check "no name in the clear in the file" sh -c '! grep -a -q -i "pagett\|pagani\|page-rowe" "$1"' _ "$DB"
e2e_done
