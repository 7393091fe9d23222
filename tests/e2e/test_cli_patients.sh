#!/bin/sh
# Front desk on the command line: registration with validation and the
# duplicate warning, lookup of every kind, edits and conflicts,
# confidential charts and break-the-glass, CSV import, and no PHI in the
# database file.
. "$(dirname "$0")/lib.sh"
e2e_setup
F() { cli front "$PW_FRONT" "$@"; }
# FA CSV ARGS...: the front desk runs a command with --from - (CSV after the password)
FA() { clin front "$PW_FRONT" "$@"; }
FQ() { find_q front "$PW_FRONT" "$1"; }

mrn=$(FA "$(csv last_name=Quibbleworth first_name=Zenobia middle_name=Ottoline \
	dob=03/14/1975 sex=F phone_mobile="(617) 555-0142" phone_home=508-555-0199 \
	ssn=123-45-6789 zip=02139 state=MA city=Cambridge address1="12 Elm St")" patient add 2>"$T/err")
check "registration prints an MRN with prefix and check digit" sh -c "printf '%s' '$mrn' | grep -Eq '^CR[0-9]{8}$'"

# --- lookup of every kind finds her ----------------------------------------
for q in "quib" "Quibbleworth, Zen" "quibbleworth,z" "$mrn" "1975-03-14" "03/14/1975" "617-555-0142" "(508) 555-0199" "0142"; do
	out=$(FQ "$q" 2>/dev/null)
	check "find '$q' returns the patient" sh -c "printf '%s' \"\$1\" | grep -q '^$mrn	Quibbleworth	Zenobia'" _ "$out"
done
out=$(FQ "zq" 2>&1)
check "a prefix that matches nobody says so" sh -c "printf '%s' \"\$1\" | grep -q 'No patient found'" _ "$out"
out=$(FQ "q" 2>&1)
check "a one-letter query asks for more" sh -c "printf '%s' \"\$1\" | grep -q 'at least 2 letters'" _ "$out"

# --- validation: bad values refused with the reason -------------------------
bad() { # description expected-text KEY=VALUE...
	d=$1; e=$2; shift 2
	out=$(FA "$(csv "$@")" patient add 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s' "$out" | grep -qF -- "$e"; then ok "$d"; else not_ok "$d" "rc=$rc $out"; fi
}
base="last_name=Okafor first_name=Chidi sex=M"
bad "an impossible date is refused" "not a real date" $base dob=02/30/1990
bad "a date of birth in the future is refused" "in the future" $base dob=2090-01-01
bad "a malformed date is refused" "use YYYY-MM-DD or MM/DD/YYYY" $base dob=1990/01/01
bad "a short ZIP is refused" "ZIP '0213' must be 5 digits" $base dob=1990-01-01 zip=0213
bad "a phone without area code is refused" "10 digits" $base dob=1990-01-01 phone_mobile=555-0123
bad "an email without a domain is refused" "does not look like" $base dob=1990-01-01 email=chidi@
bad "an impossible SSN is refused" "cannot exist" $base dob=1990-01-01 ssn=666-12-3456
bad "digits in a name are refused" "only letters" last_name=Ok4for first_name=Chidi sex=M dob=1990-01-01
bad "a missing required field is named" "Date of birth is required" $base
bad "an unknown sex code is refused" "Sex must be F (female), M (male), X" last_name=Okafor first_name=Chidi sex=Q dob=1990-01-01
bad "an unknown state is refused" "not a US state" $base dob=1990-01-01 state=ZZ
m2=$(FA "$(csv last_name="Núñez-O'Connor" first_name="José Ángel" dob=1988-07-04 sex=M)" patient add 2>/dev/null)
check "UTF-8 letters, hyphens, apostrophes and spaces are accepted" [ -n "$m2" ]
out=$(FQ "nunez" 2>/dev/null)
check "an accented name is found typed without accents" sh -c "printf '%s' \"\$1\" | grep -q 'Núñez-O.Connor'" _ "$out"
out=$(FQ "oconnor" 2>/dev/null)
check "each part of a hyphenated name is searchable" sh -c "printf '%s' \"\$1\" | grep -q '$m2'" _ "$out"
n_before=$(sql "select count(*) from patients")

# --- duplicate warning -----------------------------------------------------
out=$(FA "$(csv last_name=Quibleworth first_name=Zenobia dob=1975-03-14 sex=F)" patient add 2>&1)
rc=$?
check "a likely duplicate stops registration (exit 1)" [ $rc -eq 1 ]
check "the warning shows the existing MRN and a score" sh -c "printf '%s' \"\$1\" | grep -q '$mrn .*score'" _ "$out"
check "nothing was saved" [ "$(sql "select count(*) from patients")" = "$n_before" ]
m3=$(FA "$(csv last_name=Quibleworth first_name=Zenobia dob=1975-03-14 sex=F)" patient add --register-anyway 2>/dev/null)
check "--register-anyway registers" [ -n "$m3" ]
out=$(cli admin "$PW_ADMIN" audit list)
check "registering despite the warning is audited" sh -c "printf '%s' \"\$1\" | grep -q 'patient_register_anyway'" _ "$out"
out=$(FA "$(csv last_name=Quibbleworth first_name=Bartholomew dob=2001-09-09 sex=M phone_mobile=617-555-0142 zip=02139)" patient add 2>&1)
check "a household member (same name, phone, ZIP) is not a duplicate" sh -c "printf '%s' \"\$1\" | grep -Eq '^CR[0-9]{8}$'" _ "$out"

# --- show, edit, conflict ----------------------------------------------------
out=$(F patient show "$mrn")
check "show masks the SSN but its last four" sh -c "printf '%s' \"\$1\" | grep -q '\*\*\*-\*\*-6789' && ! printf '%s' \"\$1\" | grep -q '123-45'" _ "$out"
check "show reports age" sh -c "printf '%s' \"\$1\" | grep -q 'Date of birth: *1975-03-14 (age'" _ "$out"
out=$(FA "$(csv city=Somerville)" patient edit "$mrn" --version 1)
check "an edit at the current version saves" sh -c "printf '%s' \"\$1\" | grep -q 'version 2'" _ "$out"
out=$(clin him "$PW_HIM" "$(csv city=Medford)" patient edit "$mrn" --version 1 2>&1)
rc=$?
check "a save over someone else's newer save is refused (exit 1)" [ $rc -eq 1 ]
check "the refusal names who saved and when" sh -c "printf '%s' \"\$1\" | grep -q 'front saved this record at'" _ "$out"
check "the other user's change was not overwritten" sh -c "'$BIN' --db '$DB' --user front --password-stdin patient show '$mrn' <<EOF2 | grep -q 'Somerville'
$PW_FRONT
EOF2"
out=$(FA "$(csv dob=13/45/1975)" patient edit "$mrn" 2>&1)
check "an edit with a bad value is refused with the reason" sh -c "printf '%s' \"\$1\" | grep -q 'not a real date\|is not a date'" _ "$out"

# --- permissions, confidential charts, break-the-glass -----------------------
clin nurse "$PW_NURSE" "$(csv last_name=Okafor first_name=Chidi dob=1990-01-01 sex=M)" patient add >/dev/null 2>&1
check "a nurse may not register patients (exit 4)" [ $? -eq 4 ]
mc=$(FA "$(csv last_name=Vantablack first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
out=$(cli nurse "$PW_NURSE" patient show "$mc" 2>&1)
rc=$?
check "a nurse opening a confidential chart is asked for a reason (exit 4)" [ $rc -eq 4 ]
check "the message explains break-the-glass" sh -c "printf '%s' \"\$1\" | grep -q 'confidential'" _ "$out"
check "and shows no demographics" sh -c "! printf '%s' \"\$1\" | grep -q 'Celeste'" _ "$out"
clin nurse "$PW_NURSE" "$(csv reason=x)" patient show "$mc" >/dev/null 2>&1
check "a one-word reason is not enough" [ $? -eq 4 ]
out=$(clin nurse "$PW_NURSE" "$(csv reason="patient in triage with chest pain")" patient show "$mc")
check "with a reason the chart opens" sh -c "printf '%s' \"\$1\" | grep -q 'Celeste'" _ "$out"
out=$(cli admin "$PW_ADMIN" audit list --by nurse)
check "break-the-glass is audited with its reason" sh -c "printf '%s' \"\$1\" | grep 'break_the_glass' | grep -q 'chest pain'" _ "$out"
check "the access waits in the privacy officer's queue" [ "$(sql "select count(*) from btg_queue where user_name = 'nurse' and reviewed = 0")" = 1 ]
check "every chart open is audited" [ "$(cli admin "$PW_ADMIN" audit list | grep -c 'chart_open')" -ge 4 ]
out=$(cli admin "$PW_ADMIN" audit list)
check "searches are audited by token, not by text" sh -c "printf '%s' \"\$1\" | grep 'patient_search' | grep -q 'name:' && ! printf '%s' \"\$1\" | grep -qi 'quib'" _ "$out"

# --- import ------------------------------------------------------------------
printf '\357\273\277last_name,first_name,dob,sex,address1,city,state,zip,confidential\n' > "$T/good.csv"
cat >> "$T/good.csv" <<'CSV'
Abernathy,Ruth,1950-02-02,F,"12 Main St, Apt 4",Boston,MA,02118,no
"Lindqvist","Åsa",07/30/1961,F,"Farm Rd
Unit 2",Worcester,MA,01602,yes
Zhao,Wei,1999-12-31,M,,,,,
CSV
n_before=$(sql "select count(*) from patients")
cli him "$PW_HIM" import patients "$T/good.csv" > "$T/out" 2>"$T/err"
check "import of a clean CSV (BOM, quotes, commas, newlines, UTF-8) succeeds" sh -c "grep -qx 3 '$T/out'"
check "three patients were added" [ "$(sql "select count(*) from patients")" = $((n_before + 3)) ]
out=$(FQ "lindqvist, å" 2>/dev/null)
check "an imported UTF-8 name is searchable" sh -c "printf '%s' \"\$1\" | grep -q 'Åsa.*confidential'" _ "$out"

cat > "$T/bad.csv" <<'CSV'
last_name,first_name,dob,sex,zip
Goodrow,Alan,1970-01-01,M,02118
Badrow,Bea,1970-02-31,F,02118
Goodrow,Carla,1971-01-01,F,02118
,Dan,1972-01-01,M,02118
Zed,Eve,1973-01-01,F,ABCDE
"Unclosed,Fay,1974-01-01,F,02118
CSV
n_before=$(sql "select count(*) from patients")
out=$(cli him "$PW_HIM" import patients "$T/bad.csv" 2>&1)
rc=$?
check "an import with bad rows fails (exit 1)" [ $rc -eq 1 ]
check "the bad date row is reported by line" sh -c "printf '%s' \"\$1\" | grep -q '^line 3: .*not a real date'" _ "$out"
check "the missing name row is reported by line" sh -c "printf '%s' \"\$1\" | grep -q '^line 5: Last name is required'" _ "$out"
check "the bad ZIP row is reported by line" sh -c "printf '%s' \"\$1\" | grep -q '^line 6: ZIP'" _ "$out"
check "the unclosed quote is reported by line" sh -c "printf '%s' \"\$1\" | grep -q '^line 7: .*never closed'" _ "$out"
check "nothing was imported" [ "$(sql "select count(*) from patients")" = "$n_before" ]
out=$(cli him "$PW_HIM" import patients "$T/bad.csv" --skip-bad 2>/dev/null)
check "--skip-bad imports the two good rows (the import's id first)" \
	sh -c 'printf "%s\n" "$1" | head -1 | grep -Eq "^Import ID: [0-9]+ \(2 patients\)$" && [ "$(printf "%s\n" "$1" | tail -1)" = 2 ]' _ "$out"
printf 'last_name,first_name,dob,sex,mrn\nA,B,1970-01-01,M,CR1\n' > "$T/mrn.csv"
out=$(cli him "$PW_HIM" import patients "$T/mrn.csv" 2>&1)
check "an MRN column is refused (Chartroom assigns them)" sh -c "printf '%s' \"\$1\" | grep -q 'assigns medical record numbers'" _ "$out"
cli front "$PW_FRONT" import patients "$T/good.csv" >/dev/null 2>&1
check "the front desk may not import (exit 4)" [ $? -eq 4 ]

cat > "$T/synthea.csv" <<'CSV'
Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME
1d604da9-9a81-4ba9-80c2-de3375d59b40,1989-05-25,,999-76-6866,S99984236,X19277260X,Mr.,José Eduardo181,,Gómez206,,,M,white,hispanic,M,Marigot  Saint Martin  MF,427 Balistreri Way Unit 19,Chicopee,Massachusetts,Hampden County,25013,01013,42.228,-72.562,9039.16,7964.12,3
8d4c4326-e9de-4f45-9a4c-f8c36bff89ae,1983-11-14,,999-48-4371,S99965442,X82817347X,Mrs.,Milo271,Amy,Feil794,,Jerde200,M,white,nonhispanic,F,Danvers  Massachusetts  US,422 Farrell Path Unit 69,West Springfield,Massachusetts,Hampden County,,,42.080,-72.710,40815.84,2023.12,12
CSV
out=$(cli him "$PW_HIM" import patients "$T/synthea.csv" 2>&1)
check "a Synthea patients.csv imports" sh -c "printf '%s' \"\$1\" | grep -qx 2" _ "$out"
out=$(FQ "gomez, jos" 2>/dev/null)
check "Synthea's digit suffixes are stripped from names" sh -c "printf '%s' \"\$1\" | grep -q 'Gómez	José Eduardo'" _ "$out"

# --- no PHI in the file --------------------------------------------------------
for f in "$DB" "$DB-wal" "$DB-shm"; do [ -f "$f" ] && cp "$f" "$T/copy-$(basename "$f")"; done
leak=""
for needle in Quibbleworth Zenobia Ottoline 1975-03-14 03/14/1975 617-555-0142 6175550142 508-555-0199 123-45-6789 123456789 Vantablack Celeste Lindqvist Abernathy; do
	if cat "$T"/copy-* | strings -n 4 | grep -qF "$needle"; then leak="$leak $needle"; fi
	if ls /tmp | grep -q "^etilqs_"; then for tf in /tmp/etilqs_*; do strings "$tf" | grep -qF "$needle" && leak="$leak tmp:$needle"; done; fi
done
check "strings on the database, WAL and SQLite temp files finds no name, DOB, phone or SSN" [ -z "$leak" ]
[ -n "$leak" ] && echo "# leaked:$leak"
e2e_done
