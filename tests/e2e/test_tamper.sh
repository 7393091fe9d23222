#!/bin/sh
# test_tamper.sh - someone who can write the database file, with sqlite3,
# against every table that holds patient data (patients, encounters,
# vitals, allergies, allergy_review, medications, problems, notes,
# encounter_dx, encounter_px, btg_queue, and the chart heads): a byte of a
# ciphertext flipped, a value swapped between two rows and between two
# patients, a row re-parented (prow, erow), each clear column edited, a row
# deleted, an old copy of a row put back after a legitimate change, a
# whole chart rolled back. Every one must make the chart read fail with
# exit 5 and a message naming the table and the record ("allergies record
# 12 ..."), never show a silently different chart; a deleted row also
# fails `audit verify`. Each case starts again from a copy of the same
# clean database.
. "$(dirname "$0")/lib.sh"
e2e_setup

F() { cli front "$PW_FRONT" "$@"; }
N() { cli nurse "$PW_NURSE" "$@"; }
P() { cli prov "$PW_PROV" "$@"; }
H() { cli him "$PW_HIM" "$@"; }
V() { cli priv "$PW_PRIV" "$@"; }
# The same with clinical free text as CSV on standard input (--from -):
# NC CSV ARGS... as the nurse, PC as the provider.
NC() { clin nurse "$PW_NURSE" "$@"; }
PC() { clin prov "$PW_PROV" "$@"; }

# ---- the charts -----------------------------------------------------------
# Three patients: A with two of everything, B with one, C confidential
# (its break-the-glass row) with "no known allergies".
cat > "$T/p.csv" <<CSV
last_name,first_name,dob,sex,confidential
Tamperly,Ann,1970-01-02,F,no
Swapwell,Bob,1980-03-04,M,no
Hiddenby,Cal,1990-05-06,X,yes
CSV
H import patients "$T/p.csv" >/dev/null 2>&1
mrn() { find_q him "$PW_HIM" "$1" 2>/dev/null | cut -f1; }
MA=$(mrn Tamperly)
MB=$(mrn Swapwell)
MC=$(mrn Hiddenby)
{ [ -n "$MA" ] && [ -n "$MB" ] && [ -n "$MC" ]; }; check "setup: three patients" [ $? -eq 0 ]
H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1
H codes import hcpcs "$ROOT/assets/codes/hcpcs-sample.txt" --version S --effective 2020-01-01 >/dev/null 2>&1

enc() { clin front "$PW_FRONT" "$(csv visit_reason="$3")" encounter add "$1" --type "office visit" --provider prov --location "$2" 2>/dev/null; }
E1=$(enc "$MA" "Room 1" "Cough for a week")
E2=$(enc "$MA" "Room 2" "Follow-up of the cough")
EB=$(enc "$MB" "Room 9" "Sprained wrist")
N vitals add "$E1" --bp 120/80 --pulse 72 --resp 16 --temp 98.6 --spo2 98 --height 66in --weight 150lb >/dev/null 2>&1
N vitals add "$E1" --bp 118/78 --pulse 70 --weight 149lb >/dev/null 2>&1
N vitals add "$EB" --bp 130/85 --pulse 80 >/dev/null 2>&1
NC "$(csv substance=Penicillin reaction=Hives)" allergy add "$MA" --severity severe >/dev/null 2>&1
NC "$(csv substance=Latex reaction=Rash)" allergy add "$MA" --severity mild >/dev/null 2>&1
NC "$(csv substance=Sulfa reaction=Nausea)" allergy add "$MB" --severity moderate >/dev/null 2>&1
P allergy nka "$MC" >/dev/null 2>&1
NC "$(csv name=Lisinopril dose="10 mg" frequency=daily)" med add "$MA" --route PO --start 2024-01-01 >/dev/null 2>&1
NC "$(csv name=Albuterol dose="2 puffs" frequency="q6h PRN")" med add "$MA" --route inhaled >/dev/null 2>&1
NC "$(csv name=Ibuprofen dose="400 mg" frequency="TID with food")" med add "$MB" --route PO >/dev/null 2>&1
PC "$(csv text="Essential hypertension")" problem add "$MA" --code I10 --onset 2020-05-01 >/dev/null 2>&1
PC "$(csv text=Asthma)" problem add "$MA" --code J45.909 >/dev/null 2>&1
PC "$(csv text="Type 2 diabetes")" problem add "$MB" --code E11.9 >/dev/null 2>&1
printf 'Cough, no fever. Lungs clear.\n' > "$T/n1.txt"
printf 'Signed assessment: viral bronchitis.\n' > "$T/n2.txt"
printf 'Wrist sprain, no fracture.\n' > "$T/nb.txt"
N1=$(N note add "$E1" --file "$T/n1.txt" 2>/dev/null)
N2=$(N note add "$E1" --file "$T/n2.txt" 2>/dev/null)
N note sign "$N2" >/dev/null 2>&1
NB=$(N note add "$EB" --file "$T/nb.txt" 2>/dev/null)
H coding add-dx "$E1" E11.9 >/dev/null 2>&1
H coding add-dx "$E1" I10 >/dev/null 2>&1
H coding add-px "$E1" G0008 --pointers 1,2 --modifiers 25 >/dev/null 2>&1
H coding add-dx "$EB" E11.65 >/dev/null 2>&1
NC "$(csv reason="urgent lab result to check")" patient show "$MC" >/dev/null 2>&1

PA=$(sql "select prow from allergies group by prow order by count(*) desc limit 1")
PB=$(sql "select prow from encounters where erow = $EB")
PC=$(sql "select prow from btg_queue limit 1")
row() { sql "select $1 from $2 where $3"; }
V1=$(row "min(vrow)" vitals "prow = $PA"); V2=$(row "max(vrow)" vitals "prow = $PA"); VB=$(row "vrow" vitals "prow = $PB")
A1=$(row "min(arow)" allergies "prow = $PA"); A2=$(row "max(arow)" allergies "prow = $PA"); AB=$(row arow allergies "prow = $PB")
M1=$(row "min(mrow)" medications "prow = $PA"); M2=$(row "max(mrow)" medications "prow = $PA"); MEB=$(row mrow medications "prow = $PB")
R1=$(row "min(pbrow)" problems "prow = $PA"); R2=$(row "max(pbrow)" problems "prow = $PA"); RB=$(row pbrow problems "prow = $PB")
BT=$(row id btg_queue "prow = $PC")
check "setup: every table holds rows of these charts" \
	[ -n "$E1$E2$EB$V1$V2$VB$A1$A2$AB$M1$M2$MEB$R1$R2$RB$N1$N2$NB$BT" ] && \
	[ "$(sql "select count(*) from encounter_dx")" = 3 ] && [ "$(sql "select count(*) from encounter_px")" = 1 ] && \
	[ "$(sql "select count(*) from allergy_review")" = 3 ] && [ "$(sql "select status from notes where nrow = $N2")" = signed ]
check "setup: the clean charts read with exit 0" sh -c '
	for s in encounters vitals allergies medications problems notes; do
		printf "%s\n" "$1" | "$2" --db "$3" --user nurse --password-stdin chart show "$4" --section $s >/dev/null 2>&1 || exit 1
	done' _ "$PW_NURSE" "$BIN" "$DB" "$MA"
check "setup: every row carries its MAC and every chart its head" \
	[ "$(sql "select (select count(*) from encounters where mac is null or coding_mac is null) + (select count(*) from vitals where mac is null) + (select count(*) from allergies where mac is null) + (select count(*) from notes where mac is null) + (select count(*) from btg_queue where mac is null)")" = 0 ] && \
	[ "$(sql "select count(*) from chart_heads")" = 3 ]

sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$DB" "$T/clean.db"
restore() { rm -f "$DB-wal" "$DB-shm"; cp "$T/clean.db" "$DB"; }

# The readers, one per table.
read_enc() { N chart show "$1" --section encounters; }
read_vit() { N chart show "$1" --section vitals; }
read_alg() { N chart show "$1" --section allergies; }
read_med() { N chart show "$1" --section medications; }
read_pro() { N chart show "$1" --section problems; }
read_note() { N note show "$1"; }
read_notes() { N chart show "$1" --section notes; }
read_cod() { H coding show "$1"; }
read_pat() { F patient show "$1"; }
read_btg() { H patient show "$MC"; }

# tcase "what" "SQL" "expected text (ERE)" reader args...: from the clean
# copy, apply SQL (it must change something), run the reader: exit 5 and
# the expected table and record in what it says.
tcase() {
	d=$1; q=$2; want=$3; shift 3
	restore
	n=$(sqlite3 "$DB" "$q; SELECT total_changes();" 2>"$T/sql.err" | tail -1)
	if [ -s "$T/sql.err" ] || [ "${n:-0}" -eq 0 ]; then
		not_ok "$d (the tampering itself failed)" "$(cat "$T/sql.err") changes=$n"
		return
	fi
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 5 ] && printf '%s' "$out" | grep -qE -- "$want"; then
		ok "$d"
		# TAMPER_SHOW=1: what each case said
		[ -n "${TAMPER_SHOW:-}" ] && printf '%s\n' "$out" | grep -E -- "$want" | head -1 | sed 's/^/#   /'
	else
		not_ok "$d" "rc=$rc: $out"
	fi
	return 0
}

# flip TABLE COLUMN WHERE: SQL that flips one bit of a byte inside a blob
flip() {
	h=$(sqlite3 "$T/clean.db" "select hex($2) from $1 where $3")
	pos=${4:-30}
	head=$(printf '%s' "$h" | cut -c1-$((pos * 2)))
	byte=$(printf '%s' "$h" | cut -c$((pos * 2 + 1))-$((pos * 2 + 2)))
	tail=$(printf '%s' "$h" | cut -c$((pos * 2 + 3))-)
	printf "UPDATE %s SET %s = x'%s%02X%s' WHERE %s" "$1" "$2" "$head" $((0x$byte ^ 4)) "$tail" "$3"
}
# swap TABLE COLUMN KEY ROW1 ROW2: SQL swapping a column's values (the
# old values kept aside first: an UPDATE's subqueries see rows it changed)
swap() {
	printf "CREATE TEMP TABLE sw AS SELECT %s AS k, %s AS v FROM %s WHERE %s IN (%s, %s); UPDATE %s SET %s = (SELECT v FROM sw WHERE k = CASE %s.%s WHEN %s THEN %s ELSE %s END) WHERE %s IN (%s, %s)" \
		"$3" "$2" "$1" "$3" "$4" "$5" "$1" "$2" "$1" "$3" "$4" "$5" "$4" "$3" "$4" "$5"
}
# edit TABLE COLUMN WHERE: SQL changing a clear column, keeping its type
edit() {
	case "$2" in
	status) case "$1" in
		encounters) v="CASE status WHEN 'open' THEN 'closed' ELSE 'open' END" ;;
		notes) v="'signed'" ;;
		medications) v="CASE status WHEN 'active' THEN 'stopped' ELSE 'active' END" ;;
		problems) v="CASE status WHEN 'active' THEN 'resolved' ELSE 'active' END" ;;
		*) v="CASE status WHEN 'active' THEN 'inactive' ELSE 'active' END" ;;
		esac ;;
	severity) v="CASE severity WHEN 'severe' THEN 'mild' ELSE 'severe' END" ;;
	coding_status) v="'final'" ;;
	system) v="'cpt'" ;;
	systolic|diastolic|pulse|resp|spo2|nka|reviewed|version|units|audit_seq|addendum_of|line)
		v="coalesce($2, 0) + 1" ;;
	mac|coding_mac) v="randomblob(34)" ;;
	temp_c|height_cm|weight_kg|bmi) v="coalesce($2, 1) + 0.5" ;;
	*) v="coalesce($2, '') || 'x'" ;;
	esac
	printf "UPDATE %s SET %s = %s WHERE %s" "$1" "$2" "$v" "$3"
}
# delete TABLE WHERE (triggers that refuse deletes are dropped first, as
# anyone with the file can)
delete() { printf "DROP TRIGGER IF EXISTS notes_never_deleted; DELETE FROM %s WHERE %s" "$1" "$2"; }

# replay "what" TABLE WHERE "expected" reader args -- legit command...:
# save the row, make a legitimate change through chartroom, put the saved
# row back.
replay() {
	d=$1; tb=$2; wh=$3; want=$4; r1=$5; r2=$6
	shift 7 # "--"
	restore
	saved=$(sqlite3 "$DB" ".mode insert $tb" "select * from $tb where $wh")
	if ! "$@" >/dev/null 2>&1; then
		not_ok "$d (the legitimate change failed)"
		return
	fi
	sqlite3 "$DB" "DROP TRIGGER IF EXISTS notes_never_deleted; DROP TRIGGER IF EXISTS notes_signed_are_final; DELETE FROM $tb WHERE $wh; $saved" 2>"$T/sql.err"
	out=$($r1 "$r2" 2>&1)
	rc=$?
	if [ $rc -eq 5 ] && printf '%s' "$out" | grep -qE -- "$want"; then
		ok "$d"
	else
		not_ok "$d" "rc=$rc: $out $(cat "$T/sql.err")"
	fi
}

# ---- patients ---------------------------------------------------------------
tcase "patients: a flipped byte of the identity" "$(flip patients ident "prow = $PA")" "patients record $PA" read_pat "$MA"
tcase "patients: a flipped byte of the details" "$(flip patients details "prow = $PA")" "patients record $PA" read_pat "$MA"
tcase "patients: identities swapped between two patients" "$(swap patients ident prow "$PA" "$PB")" "patients record ($PA|$PB)" read_pat "$MA"
tcase "patients: details swapped between two patients" "$(swap patients details prow "$PA" "$PB")" "patients record ($PA|$PB)" read_pat "$MA"
tcase "patients: version edited" "$(edit patients version "prow = $PA")" "patients record $PA" read_pat "$MA"
tcase "patients: the confidential flag cleared (no silent skip of break-the-glass)" \
	"UPDATE patients SET confidential = 0 WHERE prow = $PC" "patients record $PC" read_pat "$MC"
tcase "patients: the confidential flag cleared, as the nurse's chart read sees it" \
	"UPDATE patients SET confidential = 0 WHERE prow = $PC" "patients record $PC" N chart show "$MC" --section allergies
tcase "patients: the id edited" "$(edit patients id "prow = $PA")" "patients record $PA|No patient" read_pat "$MA"
# A damaged identity is not "no such patient": the MRN lookup names it.
restore
sqlite3 "$DB" "$(flip patients ident "prow = $PA" 40)"
out=$(read_pat "$MA" 2>&1); rc=$?
check "patients: show MRN of a damaged identity is exit 5 naming the record, not 'No patient has MRN'" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "patients record $3" && ! printf "%s" "$2" | grep -q "No patient"' _ $rc "$out" "$PA"
check "patients: the failure is on record in the audit trail (integrity_fail)" \
	[ "$(sql "select count(*) from audit where action = 'integrity_fail'")" -ge 1 ]
# An old copy of the patients row (not confidential) after it was made confidential.
restore
saved=$(sqlite3 "$DB" ".mode insert patients" "select * from patients where prow = $PA")
clin front "$PW_FRONT" "$(csv confidential=yes)" patient edit "$MA" --version 1 >/dev/null 2>&1
check "patients: (setup) the chart was made confidential" [ "$(sql "select confidential from patients where prow = $PA")" = 1 ]
sqlite3 "$DB" "PRAGMA foreign_keys = OFF; DELETE FROM patients WHERE prow = $PA; $saved"
out=$(read_pat "$MA" 2>&1); rc=$?
check "patients: an old copy put back (before 'confidential') is caught" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -qE "chart_heads record $3|patients record $3"' _ $rc "$out" "$PA"

# ---- encounters -----------------------------------------------------------
tcase "encounters: a flipped byte of the location" "$(flip encounters location_ct "erow = $E1")" "encounters record $E1" read_enc "$MA"
tcase "encounters: a flipped byte of the reason" "$(flip encounters reason "erow = $E1")" "encounters record $E1" read_enc "$MA"
tcase "encounters: reasons swapped between two rows" "$(swap encounters reason erow "$E1" "$E2")" "encounters record ($E1|$E2)" read_enc "$MA"
tcase "encounters: reasons swapped between two patients" "$(swap encounters reason erow "$E1" "$EB")" "encounters record ($E1|$EB)" read_enc "$MA"
tcase "encounters: locations swapped between two patients" "$(swap encounters location_ct erow "$E1" "$EB")" "encounters record ($E1|$EB)" read_enc "$MB"
tcase "encounters: re-parented to another patient (read on the old chart)" "UPDATE encounters SET prow = $PB WHERE erow = $E2" "encounters record $E2" read_enc "$MA"
tcase "encounters: re-parented to another patient (read on the new chart)" "UPDATE encounters SET prow = $PB WHERE erow = $E2" "encounters record $E2" read_enc "$MB"
for col in start type provider location status closed_at closed_by coding_status created created_by id mac coding_mac; do
	tcase "encounters: $col edited" "$(edit encounters $col "erow = $E1")" "encounters record $E1" read_enc "$MA"
done
tcase "encounters: a row deleted" "$(delete encounters "erow = $E2")" "encounters record $E2 is missing" read_enc "$MA"
replay "encounters: an old copy put back after it was closed" encounters "erow = $E2" "encounters record $E2" \
	read_enc "$MA" -- N encounter close "$E2"

# ---- vitals -----------------------------------------------------------------
for col in taken systolic diastolic pulse resp temp_c spo2 height_cm weight_kg bmi recorded_by id mac; do
	tcase "vitals: $col edited" "$(edit vitals $col "vrow = $V1")" "vitals record $V1" read_vit "$MA"
done
tcase "vitals: pulse swapped between two rows" "$(swap vitals pulse vrow "$V1" "$V2")" "vitals record ($V1|$V2)" read_vit "$MA"
tcase "vitals: systolic swapped between two patients" "$(swap vitals systolic vrow "$V1" "$VB")" "vitals record ($V1|$VB)" read_vit "$MA"
tcase "vitals: re-parented to another patient" "UPDATE vitals SET prow = $PB WHERE vrow = $V2" "vitals record $V2" read_vit "$MA"
tcase "vitals: moved under another encounter of the same chart" "UPDATE vitals SET erow = $E2 WHERE vrow = $V1" "vitals record $V1" read_vit "$MA"
tcase "vitals: moved under another patient's encounter" "UPDATE vitals SET erow = $EB WHERE vrow = $V1" "vitals record $V1" read_vit "$MA"
tcase "vitals: a value out of range that would read back cut" "UPDATE vitals SET pulse = 4294967368 WHERE vrow = $V1" "vitals record $V1" read_vit "$MA"
tcase "vitals: a row deleted" "$(delete vitals "vrow = $V2")" "vitals record $V2 is missing" read_vit "$MA"
tcase "vitals: a row added from another chart's copy" \
	"INSERT INTO vitals SELECT $VB + 100, erow, $PA, taken, systolic, diastolic, pulse, resp, temp_c, spo2, height_cm, weight_kg, bmi, recorded_by, 'ffff' || id, mac FROM vitals WHERE vrow = $VB" \
	"vitals record $((VB + 100))" read_vit "$MA"

# ---- allergies ---------------------------------------------------------------
tcase "allergies: a flipped byte of the substance" "$(flip allergies substance "arow = $A1")" "allergies record $A1" read_alg "$MA"
tcase "allergies: a flipped byte of the reaction" "$(flip allergies reaction "arow = $A1")" "allergies record $A1" read_alg "$MA"
tcase "allergies: substances swapped between two rows" "$(swap allergies substance arow "$A1" "$A2")" "allergies record ($A1|$A2)" read_alg "$MA"
tcase "allergies: substances swapped between two patients" "$(swap allergies substance arow "$A1" "$AB")" "allergies record ($A1|$AB)" read_alg "$MB"
tcase "allergies: severity swapped between two rows" "$(swap allergies severity arow "$A1" "$A2")" "allergies record ($A1|$A2)" read_alg "$MA"
tcase "allergies: re-parented to another patient (the old chart)" "UPDATE allergies SET prow = $PB WHERE arow = $A2" "allergies record $A2 is missing" read_alg "$MA"
tcase "allergies: re-parented to another patient (the new chart)" "UPDATE allergies SET prow = $PB WHERE arow = $A2" "allergies record $A2 does not belong to this chart" read_alg "$MB"
for col in severity status recorded recorded_by updated updated_by id mac; do
	tcase "allergies: $col edited" "$(edit allergies $col "arow = $A1")" "allergies record $A1" read_alg "$MA"
done
tcase "allergies: a row deleted" "$(delete allergies "arow = $A2")" "allergies record $A2 is missing" read_alg "$MA"
replay "allergies: an old copy put back after it was marked entered-in-error" allergies "arow = $A1" \
	"allergies record $A1 is an older" read_alg "$MA" -- N allergy status "$A1" entered-in-error
# A deleted row: audit verify fails too (with nobody reading the chart).
restore
sqlite3 "$DB" "DELETE FROM allergies WHERE arow = $A2"
out=$(V audit verify 2>&1); rc=$?
check "allergies: a deleted row fails audit verify (exit 5, record named)" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "allergies record $3 is missing"' _ $rc "$out" "$A2"

# ---- allergy_review ----------------------------------------------------------
for col in nka reviewed reviewed_by mac; do
	tcase "allergy_review: $col edited" "$(edit allergy_review $col "prow = $PC")" "allergy_review record $PC" \
		H chart show "$MC" --section allergies
done
tcase "allergy_review: 'no known allergies' re-parented to another chart" \
	"DELETE FROM allergy_review WHERE prow = $PB; UPDATE allergy_review SET prow = $PB WHERE prow = $PC" \
	"allergy_review record $PC is missing" H chart show "$MC" --section allergies
tcase "allergy_review: the statement deleted" "$(delete allergy_review "prow = $PC")" "allergy_review record $PC is missing" \
	H chart show "$MC" --section allergies
restore
saved=$(sqlite3 "$DB" ".mode insert allergy_review" "select * from allergy_review where prow = $PC")
PC "$(csv substance=Shellfish)" allergy add "$MC" --severity mild >/dev/null 2>&1
P allergy status "$(sql "select max(arow) from allergies where prow = $PC")" entered-in-error >/dev/null 2>&1
sqlite3 "$DB" "DELETE FROM allergy_review WHERE prow = $PC; $saved"
out=$(H chart show "$MC" --section allergies 2>&1); rc=$?
check "allergy_review: an old 'no known allergies' put back after an allergy was recorded" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "allergy_review record $3"' _ $rc "$out" "$PC"

# ---- medications ----------------------------------------------------------
tcase "medications: a flipped byte of the name" "$(flip medications name "mrow = $M1")" "medications record $M1" read_med "$MA"
tcase "medications: a flipped byte of the dose" "$(flip medications dose "mrow = $M1")" "medications record $M1" read_med "$MA"
tcase "medications: a flipped byte of the frequency" "$(flip medications frequency_ct "mrow = $M1")" "medications record $M1" read_med "$MA"
tcase "medications: names swapped between two rows" "$(swap medications name mrow "$M1" "$M2")" "medications record ($M1|$M2)" read_med "$MA"
tcase "medications: doses swapped between two patients" "$(swap medications dose mrow "$M1" "$MEB")" "medications record ($M1|$MEB)" read_med "$MA"
tcase "medications: re-parented to another patient" "UPDATE medications SET prow = $PB WHERE mrow = $M2" "medications record $M2" read_med "$MA"
for col in route frequency start stop status recorded recorded_by id mac; do
	tcase "medications: $col edited" "$(edit medications $col "mrow = $M1")" "medications record $M1" read_med "$MA"
done
tcase "medications: a row deleted" "$(delete medications "mrow = $M2")" "medications record $M2 is missing" read_med "$MA"
replay "medications: an old copy put back after it was stopped" medications "mrow = $M1" \
	"medications record $M1 is an older" read_med "$MA" -- N med status "$M1" stopped

# ---- problems ---------------------------------------------------------------
tcase "problems: a flipped byte of the description" "$(flip problems description "pbrow = $R1")" "problems record $R1" read_pro "$MA"
tcase "problems: descriptions swapped between two rows" "$(swap problems description pbrow "$R1" "$R2")" "problems record ($R1|$R2)" read_pro "$MA"
tcase "problems: codes swapped between two patients" "$(swap problems code pbrow "$R1" "$RB")" "problems record ($R1|$RB)" read_pro "$MB"
tcase "problems: re-parented to another patient" "UPDATE problems SET prow = $PB WHERE pbrow = $R2" "problems record $R2" read_pro "$MA"
# A MAC replaced by bytes that read as a format and a key version (151)
# the session does not hold: tampering (the chart head lists another
# MAC), not a missing key.
tcase "problems: a mac edited to look sealed under another key version" \
	"UPDATE problems SET mac = CAST(x'0197' || randomblob(32) AS BLOB) WHERE pbrow = $R1" "problems record $R1" read_pro "$MA"
for col in code onset status recorded recorded_by id mac; do
	tcase "problems: $col edited" "$(edit problems $col "pbrow = $R1")" "problems record $R1" read_pro "$MA"
done
tcase "problems: a row deleted" "$(delete problems "pbrow = $R2")" "problems record $R2 is missing" read_pro "$MA"
replay "problems: an old copy put back after it was resolved" problems "pbrow = $R1" \
	"problems record $R1 is an older" read_pro "$MA" -- P problem status "$R1" resolved

# ---- notes ------------------------------------------------------------------
tcase "notes: a flipped byte of a draft's text" "$(flip notes body "nrow = $N1")" "notes record $N1" read_note "$N1"
tcase "notes: a flipped byte of a signed note (its trigger dropped first)" \
	"DROP TRIGGER notes_signed_are_final; $(flip notes body "nrow = $N2")" "notes record $N2" read_note "$N2"
tcase "notes: texts swapped between two notes" "DROP TRIGGER notes_signed_are_final; $(swap notes body nrow "$N1" "$N2")" "notes record ($N1|$N2)" read_note "$N1"
tcase "notes: texts swapped between two patients" "$(swap notes body nrow "$N1" "$NB")" "notes record ($N1|$NB)" read_note "$NB"
tcase "notes: re-parented to another patient" "UPDATE notes SET prow = $PB WHERE nrow = $N1" "notes record $N1" read_note "$N1"
tcase "notes: moved to another encounter of the chart" "UPDATE notes SET erow = $E2 WHERE nrow = $N1" "notes record $N1" read_note "$N1"
tcase "notes: moved to another patient's encounter" "UPDATE notes SET erow = $EB WHERE nrow = $N1" "notes record $N1" read_note "$N1"
for col in author created updated status signed_by signed_at version id addendum_of mac; do
	tcase "notes: $col edited" "$(edit notes $col "nrow = $N1")" "notes record $N1" read_note "$N1"
done
tcase "notes: the signer of a signed note edited" "DROP TRIGGER notes_signed_are_final; $(edit notes signed_by "nrow = $N2")" "notes record $N2" read_note "$N2"
tcase "notes: a note deleted (the list of the chart's notes)" "$(delete notes "nrow = $N1")" "notes record $N1 is missing" read_notes "$MA"
restore
printf 'Edited draft text.\n' > "$T/n1b.txt"
saved=$(sqlite3 "$DB" ".mode insert notes" "select * from notes where nrow = $N1")
N note edit "$N1" --file "$T/n1b.txt" --version 1 >/dev/null 2>&1
sqlite3 "$DB" "DROP TRIGGER notes_never_deleted; DELETE FROM notes WHERE nrow = $N1; $saved"
out=$(read_note "$N1" 2>&1); rc=$?
check "notes: an old copy of a draft put back after it was edited" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "notes record $3 is an older"' _ $rc "$out" "$N1"

# ---- encounter_dx, encounter_px (one MAC over the encounter's coding) ----------
CW="encounter_dx, encounter_px\\) of encounters record"
tcase "encounter_dx: a code edited" "UPDATE encounter_dx SET code = 'I10' WHERE erow = $E1 AND seq = 1" "$CW $E1" read_cod "$E1"
tcase "encounter_dx: re-sequenced (primary swapped)" "UPDATE encounter_dx SET seq = seq + 10 WHERE erow = $E1; UPDATE encounter_dx SET seq = 13 - seq WHERE erow = $E1" "$CW $E1" read_cod "$E1"
tcase "encounter_dx: a diagnosis deleted" "DELETE FROM encounter_dx WHERE erow = $E1 AND seq = 2" "$CW $E1" read_cod "$E1"
tcase "encounter_dx: a diagnosis added" "INSERT INTO encounter_dx VALUES ($E1, 3, 'J45909')" "$CW $E1" read_cod "$E1"
tcase "encounter_dx: moved to another patient's encounter" "UPDATE encounter_dx SET erow = $EB, seq = 2 WHERE erow = $E1 AND seq = 2" "$CW ($E1|$EB)" read_cod "$EB"
tcase "encounter_dx: swapped between two patients" \
	"UPDATE encounter_dx SET code = CASE erow WHEN $E1 THEN 'E1165' ELSE 'E119' END WHERE (erow = $E1 AND seq = 1) OR erow = $EB" \
	"$CW ($E1|$EB)" read_cod "$E1"
for col in code system modifiers units pointers line; do
	tcase "encounter_px: $col edited" "$(edit encounter_px $col "erow = $E1")" "$CW $E1" read_cod "$E1"
done
tcase "encounter_px: a procedure deleted" "DELETE FROM encounter_px WHERE erow = $E1" "$CW $E1" read_cod "$E1"
tcase "encounter_px: moved to another patient's encounter" "UPDATE encounter_px SET erow = $EB WHERE erow = $E1" "$CW ($E1|$EB)" read_cod "$EB"
tcase "coding: the status edited (final without coding)" "$(edit encounters coding_status "erow = $EB")" "$CW $EB" read_cod "$EB"
restore
saved=$(sqlite3 "$DB" ".mode insert encounter_dx" "select * from encounter_dx where erow = $E1")
cm=$(sql "select coding_status || '|' || hex(coding_mac) from encounters where erow = $E1")
H coding remove-dx "$E1" 2 >/dev/null 2>&1
sqlite3 "$DB" "DELETE FROM encounter_dx WHERE erow = $E1; $saved; UPDATE encounters SET coding_status = '${cm%%|*}', coding_mac = x'${cm#*|}' WHERE erow = $E1"
out=$(read_cod "$E1" 2>&1); rc=$?
check "coding: an old copy of the coding put back after a change" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -qE "$3"' _ $rc "$out" "$CW $E1"

# ---- btg_queue ----------------------------------------------------------------
for col in audit_seq user_name ts reviewed reviewed_by reviewed_at mac; do
	tcase "btg_queue: $col edited" "$(edit btg_queue $col "id = $BT")" "btg_queue record $BT" read_btg
done
tcase "btg_queue: re-parented to another patient" "UPDATE btg_queue SET prow = $PA WHERE id = $BT" "btg_queue record $BT" read_btg
tcase "btg_queue: the row deleted (the access never reaches the privacy officer)" "DELETE FROM btg_queue WHERE id = $BT" "btg_queue record $BT is missing" read_btg
tcase "btg_queue: its number edited" "UPDATE btg_queue SET id = id + 7 WHERE id = $BT" "btg_queue record" read_btg

# ---- chart heads and whole charts -------------------------------------------------
tcase "chart_heads: the head deleted" "DELETE FROM chart_heads WHERE prow = $PA" "chart_heads record $PA" read_alg "$MA"
tcase "chart_heads: its counter edited" "UPDATE chart_heads SET seq = seq - 1 WHERE prow = $PA" "chart_heads record $PA" read_alg "$MA"
tcase "chart_heads: a flipped byte of its list" "$(flip chart_heads rows "prow = $PA" 5)" "chart_heads record $PA" read_alg "$MA"
tcase "chart_heads: heads swapped between two patients" "$(swap chart_heads rows prow "$PA" "$PB")" "chart_heads record ($PA|$PB)" read_alg "$MA"
# The whole chart rolled back to an older copy, its head included.
restore
cp "$T/clean.db" "$T/old.db"
N allergy status "$A1" inactive >/dev/null 2>&1
sqlite3 "$DB" "ATTACH '$T/old.db' AS o; DELETE FROM allergies WHERE prow = $PA; INSERT INTO allergies SELECT * FROM o.allergies WHERE prow = $PA; DELETE FROM chart_heads WHERE prow = $PA; INSERT INTO chart_heads SELECT * FROM o.chart_heads WHERE prow = $PA;"
out=$(read_alg "$MA" 2>&1); rc=$?
check "a whole chart rolled back (rows and head) is caught against the audit trail" \
	sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "chart_heads record $3 differs from the last change recorded"' _ $rc "$out" "$PA"
out=$(V audit verify 2>&1); rc=$?
check "... and by audit verify" sh -c '[ $1 -eq 5 ] && printf "%s" "$2" | grep -q "chart_heads record $3"' _ $rc "$out" "$PA"

# ---- the full-screen app: the failure in place of the rows ------------------
restore
sql "UPDATE allergies SET severity = 'mild' WHERE arow = $A1"
tui_start nurse 100 30
tui_wait "Password:" 15 >/dev/null
tui_type nurse
tui_send Tab
tui_type "$PW_NURSE"
tui_send Enter
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
tui_wait "Main menu for nurse" 10 >/dev/null
tui_send Home
tui_send Enter
tui_wait "Find:" 5 >/dev/null
tui_type "tamperly"
tui_wait "Tamperly, Ann" 5 >/dev/null
tui_send Enter
tui_wait "[Demographics]" 10 >/dev/null
i=0
while [ $i -lt 8 ] && ! tui_screen | grep -qF "[Allergies]"; do tui_send Tab; sleep 0.2; i=$((i + 1)); done
expect "the app shows the integrity failure in the allergies section, naming the record" \
	"Integrity check failed: allergies record $A1 was altered" 10
expect_not "... and none of the rows" "Penicillin"
expect_not "... (nor the other allergy)" "Latex"
expect "the banner says the allergies cannot be shown" "Allergies: not available (Integrity check failed"
tui_send F12
expect "the app did not crash: it still locks" "Screen locked" 5
# End it (SIGHUP, as a dropped connection) and let it sign off before the
# file is replaced under it: SQLite maps the -shm, and a file copied over
# one still in use is a SIGBUS (AddressSanitizer reports it).
app=$(pgrep -P "$(tmux -L "$TMUX_SOCK" display-message -p -t "$S" '#{pane_pid}')" -x chartroom)
[ -n "$app" ] && kill -s HUP "$app"
tui_wait "[exit" 10 >/dev/null
tui_stop

# The clean copy, for contrast: every read passes and audit verify is OK.
restore
out=$(V audit verify 2>&1); rc=$?
check "the untouched database verifies: chain and chart heads" \
	sh -c '[ $1 -eq 0 ] && printf "%s" "$2" | grep -q "^audit chain OK" && printf "%s" "$2" | grep -q "chart heads OK: 3 charts"' _ $rc "$out"
# A role without the clin key is told so, never "tampered".
out=$(F chart show "$MA" --section allergies 2>&1); rc=$?
check "a role without clinical access gets exit 4, not an integrity error" \
	sh -c '[ $1 -eq 4 ] && ! printf "%s" "$2" | grep -qi integrity' _ $rc "$out"
e2e_done
