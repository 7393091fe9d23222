#!/bin/sh
# test_cli_privacy.sh - who opened this chart (audit patient, audit user,
# audit list --newest and targets in words) and the break-the-glass review
# (btg list|show|review): answers, permissions, bad input, the reports
# audited, and the findings append-only and checked against sqlite3 edits.
. "$(dirname "$0")/lib.sh"
e2e_setup

FA() { clin front "$PW_FRONT" "$@"; }
PV() { cli priv "$PW_PRIV" "$@"; }

mrn=$(FA "$(csv last_name=Quarrington first_name=Ottilie dob=1971-04-04 sex=F)" patient add 2>/dev/null)
mc=$(FA "$(csv last_name=Vantablack first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
{ [ -n "$mrn" ] && [ -n "$mc" ]; }; check "two patients registered" [ $? -eq 0 ]
cli nurse "$PW_NURSE" chart show "$mrn" >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv reason="patient in triage with chest pain")" patient show "$mc" >/dev/null 2>&1
check "the nurse broke the glass" [ "$(sql "select count(*) from btg_queue")" = 1 ]
cli nurse "$PW_NURSE" vitals add "$mc" --from - >/dev/null 2>&1 </dev/null || true

# --- who opened this chart ----------------------------------------------------
out=$(PV audit patient "$mc" 2>"$T/err")
rc=$?
check "the privacy officer's access report runs" [ $rc -eq 0 ]
check "it shows the nurse's break-the-glass with the reason" sh -c "printf '%s' \"\$1\" | grep 'nurse' | grep 'broke the glass' | grep -q 'chest pain'" _ "$out"
check "with the role and the origin" sh -c "printf '%s' \"\$1\" | grep 'broke the glass' | grep -q 'nurse .*\[local\]'" _ "$out"
check "and the front desk's registration" sh -c "printf '%s' \"\$1\" | grep 'front' | grep -q 'registered the patient'" _ "$out"
first=$(printf '%s\n' "$out" | head -1)
check "newest first (the report's own view on top)" sh -c "printf '%s' \"\$1\" | grep -q 'viewed the access report'" _ "$first"
check "the summary names the patient" grep -q "Vantablack, Celeste" "$T/err"
check "the other patient's accesses are not in it" sh -c "! printf '%s' \"\$1\" | grep -q 'Quarrington'" _ "$out"
out=$(PV audit patient "$mc" --format csv)
check "csv has a header" sh -c "printf '%s' \"\$1\" | head -1 | grep -q '^time,user,role,what,reason,origin$'" _ "$out"
check "csv rows are quoted, one a line" sh -c "printf '%s' \"\$1\" | grep -q '\"nurse\",\"nurse\",\"broke the glass and opened the chart\",\"patient in triage with chest pain\",\"local\"\$'" _ "$out"
check "every csv row has the header's six fields" sh -c "printf '%s\\n' \"\$1\" | awk -F'\",\"' 'NR > 1 && NF != 6 { bad = 1 } END { exit bad }'" _ "$out"
out=$(cli nurse "$PW_NURSE" audit patient "$mc" --format csv 2>/dev/null)
check "a refused csv report prints nothing, not even the header" [ -z "$out" ]
out=$(PV audit patient "$mc" --since 2000-01-01 --until 2000-12-31)
rc=$?
{ [ $rc -eq 0 ] && [ -z "$out" ]; }; check "a range with no accesses shows none" [ $? -eq 0 ]
today=$(date -u +%Y-%m-%d)
out=$(PV audit patient "$mc" --since "$today" --until "$today")
check "today's range (until included) shows the break-the-glass" sh -c "printf '%s' \"\$1\" | grep -q 'broke the glass'" _ "$out"
check "viewing the report is audited" [ "$(audited access_report priv)" -ge 3 ]
out=$(cli him "$PW_HIM" audit patient "$mc" 2>&1)
check "HIM may read the access report" sh -c "printf '%s' \"\$1\" | grep -q 'broke the glass'" _ "$out"
for u in "front $PW_FRONT" "nurse $PW_NURSE"; do
	set -- $u
	out=$(cli "$1" "$2" audit patient "$mc" 2>&1)
	rc=$?
	check "$1 may not see who opened a chart (exit 4)" [ $rc -eq 4 ]
	check "$1 sees nothing of it" sh -c "! printf '%s' \"\$1\" | grep -q 'chest pain'" _ "$out"
done
out=$(PV audit patient NOPE999 2>&1)
check "an unknown MRN is an error naming it" sh -c "printf '%s' \"\$1\" | grep -qi 'mrn\|not'" _ "$out"
PV audit patient "$mc" --since 2024-13-45 >/dev/null 2>&1
check "a bad --since is a usage error (exit 2)" [ $? -eq 2 ]
PV audit patient "$mc" --format xml >/dev/null 2>&1
check "a bad --format is a usage error (exit 2)" [ $? -eq 2 ]
PV audit patient >/dev/null 2>&1
check "a missing MRN is a usage error (exit 2)" [ $? -eq 2 ]
PV audit patient "$mc" --until 2020-01-01 --since 2021-01-01 >/dev/null 2>&1
check "until before since is refused" [ $? -ne 0 ]

# --- the charts a user touched ------------------------------------------------
out=$(PV audit user nurse 2>&1)
check "audit user lists the nurse's charts with MRN and name" sh -c "printf '%s' \"\$1\" | grep \"$mc\" | grep -q 'Vantablack, Celeste'" _ "$out"
check "both charts the nurse opened" sh -c "printf '%s' \"\$1\" | grep -q 'Quarrington, Ottilie'" _ "$out"
check "a chart printed by 'chart show' is an export" sh -c "printf '%s' \"\$1\" | grep 'Quarrington, Ottilie' | grep -q 'exported: chart summary (chartroom chart show)'" _ "$out"
PV audit user nobody-here >/dev/null 2>&1
check "an unknown user is an error" [ $? -eq 1 ]
check "the user report is audited" [ "$(audited access_report_user priv)" -ge 1 ]
cli nurse "$PW_NURSE" audit user nurse >/dev/null 2>&1
check "a nurse may not run the user report (exit 4)" [ $? -eq 4 ]

# --- audit list --newest and targets in words ----------------------------------
out=$(PV audit list --newest --limit 3)
check "audit list --newest gives the newest first" sh -c "printf '%s' \"\$1\" | sed -n 2p | grep -q 'audit_view'" _ "$out"
out=$(PV audit list)
check "audit targets show the patient's MRN and name to the privacy officer" sh -c "printf '%s' \"\$1\" | grep 'break_the_glass' | grep -q \"$mc Vantablack, Celeste\"" _ "$out"
out=$(cli admin "$PW_ADMIN" audit list)
check "an administrator (no patient access) sees the id only" sh -c "printf '%s' \"\$1\" | grep 'break_the_glass' | grep -qv 'Vantablack'" _ "$out"

# --- break-the-glass review ------------------------------------------------------
out=$(PV btg list 2>"$T/err")
check "the queue lists the access" sh -c "printf '%s' \"\$1\" | grep '^1 ' | grep 'nurse' | grep \"$mc\" | grep -q 'unreviewed.*chest pain'" _ "$out"
check "with what the nurse did afterwards" sh -c "printf '%s' \"\$1\" | grep -q 'afterwards: '" _ "$out"
check "and the unreviewed count" grep -q '^1 unreviewed, 0 overdue' "$T/err"
for u in "front $PW_FRONT" "nurse $PW_NURSE" "him $PW_HIM"; do
	set -- $u
	cli "$1" "$2" btg list >/dev/null 2>&1
	check "$1 may not see the review queue (exit 4)" [ $? -eq 4 ]
	cli "$1" "$2" btg review 1 --finding appropriate >/dev/null 2>&1
	check "$1 may not record a finding (exit 4)" [ $? -eq 4 ]
done
PV btg review 1 --finding maybe >/dev/null 2>&1
check "an unknown finding is a usage error (exit 2)" [ $? -eq 2 ]
PV btg review 1 --finding inappropriate >/dev/null 2>&1
check "inappropriate needs a comment" [ $? -eq 1 ]
PV btg review 1 --finding follow-up --comment "$(printf 'bad\033[2Jtext')" >/dev/null 2>&1
check "a comment with a control character is refused" [ $? -eq 1 ]
PV btg review 99 --finding appropriate >/dev/null 2>&1
check "an unknown access number is an error" [ $? -eq 1 ]
PV btg review x1 --finding appropriate >/dev/null 2>&1
check "a bad access number is a usage error (exit 2)" [ $? -eq 2 ]
check "nothing was recorded by the refusals" [ "$(sql "select count(*) from btg_review")" = 0 ]
out=$(PV btg review 1 --finding follow-up --comment "CANARYCOMMENT ask the nurse's manager" 2>&1)
check "the privacy officer records a finding" sh -c "printf '%s' \"\$1\" | grep -q 'marked follow-up'" _ "$out"
out=$(PV btg list --all)
check "the queue shows the finding and comment" sh -c "printf '%s' \"\$1\" | grep -q 'follow-up by priv: CANARYCOMMENT'" _ "$out"
out=$(PV btg list --all --format csv)
check "btg list --format csv: a header and one row" [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ]
check "... the row ends with the comment" sh -c "printf '%s' \"\$1\" | tail -1 | grep -q '\"follow-up\",\"priv\",\"CANARYCOMMENT ask the nurse.s manager\"\$'" _ "$out"
out=$(PV btg list 2>"$T/err")
check "it leaves the unreviewed list" [ -z "$out" ]
check "the count is 0" grep -q '^0 unreviewed' "$T/err"
check "the comment is not in the database file in plaintext" sh -c "! grep -a -q CANARYCOMMENT \"$DB\" \"$DB-wal\" 2>/dev/null"
check "the finding is on the audit chain" [ "$(sql "select count(*) from audit where action = 'btg_review'")" = 1 ]

# --- findings are append-only and checked ----------------------------------------
sql "update btg_review set finding = 'appropriate'" 2>/dev/null
check "sqlite3 may not UPDATE a finding (trigger)" [ "$(sql "select finding from btg_review")" = follow-up ]
sql "delete from btg_review" 2>/dev/null
check "sqlite3 may not DELETE a finding (trigger)" [ "$(sql "select count(*) from btg_review")" = 1 ]
cp "$DB" "$T/saved.db"
sql "drop trigger btg_review_no_update; update btg_review set finding = 'appropriate'"
out=$(PV btg list --all 2>&1)
check "a finding edited past the trigger is an integrity error (exit 5)" sh -c "PV() { :; }; printf '%s' \"\$1\" | grep -q 'Integrity check failed: btg_review record 1'" _ "$out"
cp "$T/saved.db" "$DB"
sql "drop trigger btg_review_no_delete; delete from btg_review"
PV btg list --all >/dev/null 2>&1
check "a finding deleted past the trigger is an integrity error (exit 5)" [ $? -eq 5 ]
cp "$T/saved.db" "$DB"
out=$(PV btg list --all)
check "the restored database reads again" sh -c "printf '%s' \"\$1\" | grep -q 'follow-up by priv'" _ "$out"

# --- the origin: the SSH client's address -----------------------------------------
SSH_CONNECTION="203.0.113.9 50022 10.0.0.5 22" clin nurse "$PW_NURSE" "$(csv reason="night shift cover for the ward")" patient show "$mc" >/dev/null 2>&1
SSH_CLIENT="198.51.100.7 50023 22" clin nurse "$PW_NURSE" "$(csv reason="night shift cover for the ward")" patient show "$mc" >/dev/null 2>&1
out=$(PV audit patient "$mc")
check "an access over SSH shows the client's address" sh -c "printf '%s' \"\$1\" | grep 'nurse' | grep -q '\[203.0.113.9\]'" _ "$out"
check "... taken from SSH_CLIENT when that is all there is" sh -c "printf '%s' \"\$1\" | grep 'nurse' | grep -q '\[198.51.100.7\]'" _ "$out"

# --- overdue ---------------------------------------------------------------------
mc2=$(FA "$(csv last_name=Ashgrove first_name=Piet dob=1980-01-01 sex=M)" patient add --confidential 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv reason="covering for the front desk today")" patient show "$mc2" >/dev/null 2>&1
printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set privacy.btg_review_days 1 >/dev/null 2>&1
check "the review period is policy the administrator sets" [ $? -eq 0 ]
out=$(PV btg list 2>"$T/err")
check "a fresh access is not overdue" sh -c "printf '%s' \"\$1\" | grep \"$mc2\" | grep -q 'unreviewed'" _ "$out"
printf '[privacy]\nbtg_review_days = 30\n' >> "$CONF"
out=$(PV policy show 2>&1)
check "a user's own [privacy] is ignored, said so" sh -c "printf '%s' \"\$1\" | grep -q 'privacy: ignored: policy comes only'" _ "$out"
check "a user's own file cannot set the review period" sh -c "printf '%s' \"\$1\" | grep 'privacy.btg_review_days' | grep -q '= 1\|[^0-9]1[^0-9]'" _ "$out"

e2e_done
