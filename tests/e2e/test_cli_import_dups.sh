#!/bin/sh
# test_cli_import_dups.sh - import runs the duplicate check: a row like a
# registered patient is reported by line with that patient's MRN, a row
# like an earlier row of the file with that line, and neither is imported;
# an import killed between batches and run again checks only the rows
# after those it went through (never its own saved rows against
# themselves); the same file again imports nothing, the same rows in
# another file neither, and says so; --register-anyway imports them, each
# audited.
. "$(dirname "$0")/lib.sh"
e2e_setup

patients() { sql "select count(*) from patients"; }
imp() { printf '%s\n' "$PW_HIM" | "$BIN" --db "$DB" --user him --password-stdin import patients "$@"; }

reg=$(clin front "$PW_FRONT" "$(csv last_name=Okafor first_name=Chidi dob=1980-03-04 sex=M ssn=123-45-6789)" patient add 2>/dev/null)
check "a patient is registered first" sh -c 'printf "%s" "$1" | grep -Eq "^CR[0-9]{8}$"' _ "$reg"

cat >"$T/f.csv" <<'CSV'
last_name,first_name,dob,sex,ssn
Aberdale,Ann,1960-01-02,F,
Birchmont,Bob,1961-02-03,M,
Cresswell,Carl,1962-03-04,M,
Okafor,Chidi,03/04/1980,male,123-45-6789
Dunmore,Dana,1963-04-05,F,
Everleigh,Eve,1964-05-06,female,
Fairhaven,Fritz,1965-06-07,M,
Birchmont,Bob,1961-02-03,M,
Greystoke,Gus,1966-07-08,M,
Hollister,Hal,1967-08-09,M,
Ivybridge,Ivy,1968-09-10,F,
Jarrow,Jude,1969-10-11,M,
CSV
base=$(patients)

# Batches of 3, killed after the second (rows 2-8 gone through, 6 saved).
printf '%s\n' "$PW_HIM" | CHARTROOM_TEST_IMPORT_BATCH=3 CHARTROOM_TEST_IMPORT_KILL_AFTER=2 \
	"$TEST_BIN" --db "$DB" --user him --password-stdin import patients "$T/f.csv" >"$T/i1.out" 2>"$T/i1.err"
check "the first run was killed after two batches" [ $? -eq 137 ]
check "... it reported the row like a registered patient, with the MRN" \
	grep -q "^line 5: likely duplicate of $reg Okafor, Chidi, born 1980-03-04 (score [0-9]*: .*SSN last 4); not imported$" "$T/i1.err"
check "... and the row like an earlier row, with that line" \
	grep -q "^line 9: likely duplicate of line 3 (score [0-9]*: .*first name.*); not imported$" "$T/i1.err"
check "... exactly those two" [ "$(grep -c "^line [0-9]*: likely duplicate" "$T/i1.err")" -eq 2 ]
check "... its id line says two are held back" \
	grep -Eq '^Import ID: [0-9]+ \(12 patients; 2 likely duplicates not imported\)$' "$T/i1.out"
check "... six were saved (the held-back row among them not)" [ "$(patients)" -eq $((base + 6)) ]
id=$(sed -n 's/^Import ID: \([0-9]*\).*/\1/p' "$T/i1.out")

imp "$T/f.csv" >"$T/i2.out" 2>"$T/i2.err"
check "run again: it finishes (exit 0)" [ $? -eq 0 ]
check "... the same import, after the 7 rows done" \
	grep -q "^Import ID: $id (12 patients; resuming after 7 done by an earlier run; 1 likely duplicate not imported)$" "$T/i2.out"
check "... the rows it saved are not taken for duplicates of themselves" \
	[ "$(grep -c "^line [0-9]*: likely duplicate" "$T/i2.err")" -eq 1 ]
check "... only line 9 is, now like the patient imported from line 3" \
	grep -q "^line 9: likely duplicate of CR[0-9]* Birchmont, Bob, born 1961-02-03 (score" "$T/i2.err"
check "... the other four were saved" grep -q "^Imported 4 patients (import $id; resumed; 1 likely duplicate not imported)" "$T/i2.err"
check "ten patients from twelve rows" [ "$(patients)" -eq $((base + 10)) ]
out=$(find_q him "$PW_HIM" "birchmont" 2>/dev/null)
check "... Birchmont once" [ "$(printf '%s\n' "$out" | grep -c Birchmont)" -eq 1 ]
out=$(find_q him "$PW_HIM" "okafor" 2>/dev/null)
check "... Okafor once (the registered one)" [ "$(printf '%s\n' "$out" | grep -c Okafor)" -eq 1 ]
out=$(find_q him "$PW_HIM" "everleigh" 2>/dev/null)
check "... a word for sex became its code" sh -c 'printf "%s\n" "$1" | cut -f7 | grep -qx F' _ "$out"

imp "$T/f.csv" >"$T/i3.out" 2>"$T/i3.err"
check "the same file again: exit 0" [ $? -eq 0 ]
check "... finished earlier, nothing imported again" grep -q "nothing was imported again" "$T/i3.err"
check "... no duplicate report (nothing was checked)" sh -c '! grep -q "likely duplicate" "$1"' _ "$T/i3.err"
check "... still ten" [ "$(patients)" -eq $((base + 10)) ]

# The same rows in another file (CRLF line ends): every row is like a
# registered patient now.
sed 's/$/\r/' "$T/f.csv" >"$T/g.csv"
held=$(audited patient_import_duplicates him)
imp "$T/g.csv" >"$T/i4.out" 2>"$T/i4.err"
check "the same rows in another file: exit 0" [ $? -eq 0 ]
check "... every row reported with a registered MRN" [ "$(grep -c "likely duplicate of CR" "$T/i4.err")" -eq 12 ]
check "... nothing imported, and it says so" grep -q "^Nothing was imported: all 12 rows are likely duplicates" "$T/i4.err"
check "... prints 0" [ "$(tail -1 "$T/i4.out")" = 0 ]
check "... still ten" [ "$(patients)" -eq $((base + 10)) ]
check "... the rows held back are audited" [ "$(audited patient_import_duplicates him)" -eq $((held + 1)) ]

anyway=$(audited patient_register_anyway him)
imp "$T/g.csv" --register-anyway >"$T/i5.out" 2>"$T/i5.err"
check "--register-anyway imports them" [ "$(tail -1 "$T/i5.out")" = 12 ]
check "... reporting each as imported anyway" [ "$(grep -c "; imported anyway$" "$T/i5.err")" -eq 12 ]
check "... each one audited" [ "$(audited patient_register_anyway him)" -eq $((anyway + 12)) ]
check "... twenty-two now" [ "$(patients)" -eq $((base + 22)) ]

out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain verifies" sh -c 'printf "%s" "$1" | grep -q "^audit chain OK"' _ "$out"
e2e_done
