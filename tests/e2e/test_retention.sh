#!/bin/sh
# test_retention.sh - retention and destruction (issue 13 item 6): a chart
# past retention (the test build's clock run years ahead) is listed, a
# legal hold blocks its proposal, HIM proposes it, the proposer cannot
# approve it, the privacy officer approves it after typing its MRN back,
# and then its canaries (name, address, SSN, note text, reason for visit,
# the hold's reason) and its blind-index tokens are gone from the database
# file and its WAL (the file's bytes grepped), `audit verify` still passes,
# the MRN answers "destroyed on DATE, certificate N", and the certificate
# holds no PHI. The other chart, also due, is untouched.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
# Run the test binary with the clock YEARS ahead (in days).
AHEAD=$((11 * 366))
at() { d=$1; u=$2; p=$3; shift 3; printf '%s\n' "$p" | CHARTROOM_TEST_DAYS_AHEAD=$d "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@"; }
# Password then one more line (a reason or a confirmation) on stdin.
at2() { d=$1; u=$2; p=$3; l=$4; shift 4; printf '%s\n%s\n' "$p" "$l" | CHARTROOM_TEST_DAYS_AHEAD=$d "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@"; }
# Is the byte string (hex) anywhere in the database file or its WAL?
in_file() { for f in "$DB" "$DB-wal"; do [ -f "$f" ] && xxd -p "$f" | tr -d '\n' | grep -q "$1" && return 0; done; return 1; }
hex() { printf '%s' "$1" | xxd -p | tr -d '\n'; }

cat > "$T/p.csv" <<CSV
last_name,first_name,dob,sex,address1,city,state,zip,ssn
Retcanarylast,Retcanaryfirst,1950-03-04,F,12 Retcanaryaddr Street,Boston,MA,02134,321-54-9876
Keepsake,Kept,1990-01-02,M,1 Kept Road,Boston,MA,02134,
CSV
cli him "$PW_HIM" import patients "$T/p.csv" >/dev/null 2>&1
MRN=$(find_q him "$PW_HIM" Retcanarylast 2>/dev/null | cut -f1)
KEEP=$(find_q him "$PW_HIM" Keepsake 2>/dev/null | cut -f1)
{ [ -n "$MRN" ] && [ -n "$KEEP" ]; }; check "setup: two patients" [ $? -eq 0 ]
ENC=$(clin front "$PW_FRONT" "$(csv visit_reason="Retcanaryreason cough")" encounter add "$MRN" --type "office visit" --provider prov --location "Room 4" 2>/dev/null)
printf 'Retcanarynote body text.\n' > "$T/note.txt"
NOTE=$(cli prov "$PW_PROV" note add "$ENC" --file "$T/note.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$NOTE" >/dev/null 2>&1
clin nurse "$PW_NURSE" "$(csv substance=Retcanarysubstance reaction=hives)" allergy add "$MRN" --severity mild >/dev/null 2>&1
cli him "$PW_HIM" chart-out "$MRN" --to "Retcanaryholder" --due "$(date -u -d '+3 days' +%Y-%m-%d)" >/dev/null 2>&1
check "setup: an encounter, a signed note, an allergy, a paper chart out" \
	[ "$(sql "select count(*) from notes") $(sql "select count(*) from allergies") $(sql "select count(*) from chart_tracking")" = "1 1 2" ]
PROW=$(sql "select prow from encounters where erow = $ENC")
TOKENS=$(sql "select printf('%016x', token) from patient_tokens where prow = $PROW")
check "setup: the chart has blind-index tokens" [ "$(printf '%s\n' "$TOKENS" | grep -c .)" -gt 5 ]

# The rules are policy: a user's own file cannot shorten them.
cp "$CONF" "$T/conf.saved"
printf '[retention]\nadult_years = 1\n' >> "$CONF"
out=$(at $AHEAD him "$PW_HIM" retention list 2>&1 >/dev/null)
check "a user's own file may not set [retention]" sh -c "printf '%s' \"\$1\" | grep -q 'retention: ignored: policy comes only'" _ "$out"
cp "$T/conf.saved" "$CONF"
out=$(cli admin "$PW_ADMIN" policy set retention.majority_age 12 2>&1)
check "a bad value is refused, naming the key" sh -c "printf '%s' \"\$1\" | grep -q 'retention:majority_age: 12 is out of range'" _ "$out"

# The list, today and years on.
out=$(cli him "$PW_HIM" retention list 2>&1)
check "nothing is due today" sh -c "printf '%s' \"\$1\" | grep -q '^0 charts due'" _ "$out"
out=$(at $AHEAD him "$PW_HIM" retention list 2>&1)
check "eleven years on, both charts are due (adult rule, 10 years)" sh -c "printf '%s' \"\$1\" | grep -q '^2 charts due'" _ "$out"
check "... each with its MRN, name, rule and due date" sh -c "printf '%s' \"\$1\" | grep -q \"^$MRN	Retcanarylast, Retcanaryfirst	adult	\"" _ "$out"
out=$(at $AHEAD him "$PW_HIM" retention list --format csv 2>&1)
check "the list as CSV" sh -c "printf '%s' \"\$1\" | head -1 | grep -q '^mrn,patient,rule,first,last,due,days_past,state$'" _ "$out"
at $AHEAD nurse "$PW_NURSE" retention list >/dev/null 2>&1
check "a nurse may not see the list (exit 4)" [ $? -eq 4 ]
out=$(at $AHEAD him "$PW_HIM" queue --kind retention --format csv 2>&1)
check "HIM's work queue lists both charts as retention decisions" [ "$(printf '%s\n' "$out" | grep -c 'Past retention: propose destruction or hold')" = 2 ]
check "... each with its MRN and name" sh -c "printf '%s' \"\$1\" | grep 'Past retention' | grep -q \"$MRN.*Retcanarylast, Retcanaryfirst\"" _ "$out"
out=$(cli him "$PW_HIM" queue --kind retention 2>&1)
check "... and none today" sh -c "! printf '%s' \"\$1\" | grep -q 'Past retention'" _ "$out"

# The registration time backdated with sqlite3 (to make a chart due now):
# an integrity error, never a chart listed or proposed.
sqlite3 "$DB" ".backup '$T/bd.db'"
sql "update patients set created = '2001-01-01T00:00:00Z'"
out=$(cli him "$PW_HIM" retention list 2>&1)
check "a backdated registration is an integrity error, not a chart due" sh -c "printf '%s' \"\$1\" | grep -q 'Integrity check failed: patients record' && ! printf '%s' \"\$1\" | grep -q 'charts due'" _ "$out"
out=$(cli him "$PW_HIM" retention propose "$MRN" --reason "past retention" 2>&1)
check "... and the chart cannot be proposed" sh -c "printf '%s' \"\$1\" | grep -q 'Integrity check failed' && [ \"\$(sqlite3 '$DB' \"select count(*) from retention_events where kind = 'propose'\")\" = 0 ]" _ "$out"
cp "$T/bd.db" "$DB"; rm -f "$DB-wal" "$DB-shm"

# A legal hold blocks the proposal.
out=$(at $AHEAD him "$PW_HIM" hold add "$MRN" --reason "Retcanaryhold litigation" 2>&1)
check "HIM places a legal hold" sh -c "printf '%s' \"\$1\" | grep -q 'Legal hold [0-9]* placed'" _ "$out"
HOLD=$(printf '%s' "$out" | sed -n 's/^Legal hold \([0-9]*\) placed.*/\1/p')
out=$(at $AHEAD him "$PW_HIM" retention propose "$MRN" --reason "past retention" 2>&1)
check "a held chart cannot be proposed" sh -c "printf '%s' \"\$1\" | grep -q 'legal hold'" _ "$out"
out=$(at $AHEAD him "$PW_HIM" hold list 2>&1)
check "the hold is listed with its reason" sh -c "printf '%s' \"\$1\" | grep -q \"^$HOLD	$MRN	.*Retcanaryhold litigation\"" _ "$out"
check "the hold's reason is not in the file in plaintext" sh -c "! grep -aq 'Retcanaryhold' '$DB' '$DB-wal' 2>/dev/null"
at2 $AHEAD priv "$PW_PRIV" "court case closed" hold release "$HOLD" >/dev/null 2>&1
check "the privacy officer releases it (the reason read from stdin)" [ $? -eq 0 ]
check "hold and release audited" [ "$(audited legal_hold him) $(audited legal_hold_release priv)" = "1 1" ]

# Two people.
out=$(at $AHEAD him "$PW_HIM" retention propose "$MRN" --reason "past retention, no hold" 2>&1)
check "HIM proposes the destruction" sh -c "printf '%s' \"\$1\" | grep -q 'Proposal [0-9]*: MRN $MRN proposed'" _ "$out"
PROP=$(printf '%s' "$out" | sed -n 's/^Proposal \([0-9]*\):.*/\1/p')
out=$(at $AHEAD priv "$PW_PRIV" queue --kind retention 2>&1)
check "the privacy officer's work queue lists the proposal to decide" sh -c "printf '%s' \"\$1\" | grep -q \"Approve or reject destruction proposal $PROP.*\" && printf '%s' \"\$1\" | grep 'proposal $PROP' | grep -q '$MRN'" _ "$out"
out=$(at $AHEAD him "$PW_HIM" queue --kind retention 2>&1)
check "... and HIM's no longer lists the proposed chart" sh -c "! printf '%s' \"\$1\" | grep 'Past retention' | grep -q '$MRN'" _ "$out"
at $AHEAD him "$PW_HIM" retention propose "$MRN" --reason again >/dev/null 2>&1
check "a second proposal of the same chart is refused" [ $? -ne 0 ]
out=$(at $AHEAD priv "$PW_PRIV" retention proposals 2>&1)
check "the privacy officer sees the proposal" sh -c "printf '%s' \"\$1\" | grep -q \"^$PROP	$MRN	\"" _ "$out"
out=$(at2 $AHEAD him "$PW_HIM" "$MRN" retention approve "$PROP" 2>&1)
check "HIM may not approve (exit 4)" [ $? -eq 4 ]
out=$(at2 $AHEAD priv "$PW_PRIV" "no" retention approve "$PROP" 2>&1)
check "approval not confirmed destroys nothing" sh -c "printf '%s' \"\$1\" | grep -q 'nothing was destroyed'" _ "$out"
check "... the chart is still there" [ "$(sql "select count(*) from patients where prow = $PROW")" = 1 ]
check "... the confirmation showed the chart" sh -c "printf '%s' \"\$1\" | grep -q \"MRN  *$MRN  Retcanarylast\"" _ "$out"

cp "$DB" "$T/before.db"
out=$(at2 $AHEAD priv "$PW_PRIV" "$MRN" retention approve "$PROP" 2>&1)
check "the privacy officer approves: destroyed, with a certificate" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MRN destroyed on .*: certificate 1 \"" _ "$out"
check "... the WAL is emptied" [ ! -s "$DB-wal" ]
left=""
for w in Retcanarylast Retcanaryfirst Retcanaryaddr Retcanaryreason Retcanarynote Retcanarysubstance Retcanaryholder Retcanaryhold 321-54-9876 "$MRN"; do
	in_file "$(hex "$w")" && left="$left $w"
done
check "no canary (name, address, SSN, reason, note, allergy, holder, hold reason, MRN) in the file or the WAL" [ -z "$left" ]
check "before destruction the tokens were in the file" sh -c "xxd -p '$T/before.db' | tr -d '\n' | grep -q '$(printf '%s\n' "$TOKENS" | head -1)'"
gone=0; left=""
for t in $TOKENS; do if in_file "$t"; then left="$left $t"; else gone=$((gone + 1)); fi; done
check "every blind-index token of the chart is gone from the file and the WAL" [ -z "$left" ]
check "no row of the chart is left in any table" [ "$(sql "select (select count(*) from patients where prow=$PROW)+(select count(*) from encounters where prow=$PROW)+(select count(*) from notes where prow=$PROW)+(select count(*) from allergies where prow=$PROW)+(select count(*) from chart_tracking where prow=$PROW)+(select count(*) from patient_tokens where prow=$PROW)+(select count(*) from chart_heads where prow=$PROW)+(select count(*) from retention_events where prow=$PROW)")" = 0 ]
out=$(cli him "$PW_HIM" patient show "$KEEP" 2>&1)
check "the other chart is untouched" sh -c "printf '%s' \"\$1\" | grep -q Keepsake" _ "$out"
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "audit verify passes after the destruction" [ $? -eq 0 ]
check "... chain and chart heads OK" sh -c "printf '%s' \"\$1\" | grep -q 'chart heads OK'" _ "$out"
out=$(cli him "$PW_HIM" patient show "$MRN" 2>&1)
check "the MRN answers destroyed on DATE, certificate 1" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MRN: this chart was destroyed on .* (destruction certificate 1)\"" _ "$out"
out=$(find_q him "$PW_HIM" "$MRN" 2>&1)
check "a search by the MRN says so too" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MRN: this chart was destroyed on\"" _ "$out"
out=$(at $AHEAD priv "$PW_PRIV" retention certificate 1 2>&1)
check "the certificate: record dates, method, who proposed and who approved" sh -c "printf '%s' \"\$1\" | grep -q 'proposed by    him' && printf '%s' \"\$1\" | grep -q 'approved by    priv' && printf '%s' \"\$1\" | grep -q 'secure_delete'" _ "$out"
check "... and no PHI (name, MRN)" sh -c "! printf '%s' \"\$1\" | grep -q -e Retcanary -e '$MRN'" _ "$out"
out=$(at $AHEAD him "$PW_HIM" retention certificates 2>&1)
check "certificates lists it" sh -c "printf '%s' \"\$1\" | grep -q '^1	[0-9a-f]\{32\}	'" _ "$out"
sql "update destruction_certificates set approved_by = 'him'" 2>/dev/null
check "a certificate cannot be changed (trigger)" [ "$(sql "select approved_by from destruction_certificates")" = priv ]
check "the destruction is audited" [ "$(audited chart_destroyed priv)" = 1 ]
out=$(cli priv "$PW_PRIV" btg list 2>&1)
check "the break-the-glass queue still reads" [ $? -eq 0 ]
out=$(cli him "$PW_HIM" charts-out 2>&1)
check "the paper-chart list still reads" [ $? -eq 0 ]

# A destroyed chart put back from the copy is caught by audit verify.
cp "$DB" "$T/after.db"
sqlite3 "$DB" "attach '$T/before.db' as b; insert into patients select * from b.patients where prow = $PROW; insert into chart_heads select * from b.chart_heads where prow = $PROW;"
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "a destroyed chart put back with sqlite3 fails audit verify" sh -c "printf '%s' \"\$1\" | grep -q 'destroyed'" _ "$out"
cp "$T/after.db" "$DB"; rm -f "$DB-wal" "$DB-shm"

# A demo key rotation re-seals a hold's reason and its chain.
at $AHEAD him "$PW_HIM" hold add "$KEEP" --reason "Keepsake estate dispute" >/dev/null 2>&1
check "setup: a hold on the other chart" [ "$(sql "select count(*) from retention_events")" = 1 ]
out=$(at $AHEAD admin "$PW_ADMIN" keys rotate demo 2>&1)
check "the demo key is rotated" sh -c "printf '%s' \"\$1\" | grep -q 'demo key rotated: version 1 -> 2'" _ "$out"
check "... the hold's reason and MAC are under version 2" [ "$(sql "select hex(substr(reason, 2, 1)) || hex(substr(mac, 2, 1)) from retention_events")" = 0202 ]
out=$(at $AHEAD him "$PW_HIM" hold list 2>&1)
check "... and the hold still reads" sh -c "printf '%s' \"\$1\" | grep -q \"$KEEP	.*Keepsake estate dispute\"" _ "$out"
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "audit verify passes after the rotation" [ $? -eq 0 ]

# A merged chart: destroyed only with its survivor, both charts' canaries
# and tokens gone, the merge no longer undoable.
MA=$(clin front "$PW_FRONT" "$(csv last_name=Mrgcanarykeep first_name=Mrgcanaryfirst dob=1951-05-06 sex=F address1="3 Mrgcanaryaddr Road")" patient add --register-anyway 2>/dev/null)
MB=$(clin front "$PW_FRONT" "$(csv last_name=Mrgcanaryold first_name=Mrgcanaryfirst dob=1951-05-06 sex=F address1="4 Mrgcanaryaddr Road")" patient add --register-anyway 2>/dev/null)
EB=$(clin front "$PW_FRONT" "$(csv visit_reason="Mrgcanaryreason wheeze")" encounter add "$MB" --type "office visit" --provider prov 2>/dev/null)
cli him "$PW_HIM" chart-out "$MB" --to "Mrgcanaryholder" --due "$(date -u -d '+3 days' +%Y-%m-%d)" >/dev/null 2>&1
PB=$(sql "select prow from encounters where erow = $EB")
PA=$(sql "select max(prow) from patients where prow < $PB")
MTOK=$(sql "select printf('%016x', token) from patient_tokens where prow in ($PA, $PB)")
MID=$(cli him "$PW_HIM" merge "$MA" "$MB" --reason "Mrgcanarywhy same person" 2>/dev/null)
check "setup: two charts merged" sh -c "[ -n '$MA' ] && [ -n '$MB' ] && [ -n '$EB' ] && [ '$MID' -ge 1 ]"
out=$(at $AHEAD him "$PW_HIM" retention propose "$MB" --reason "past retention" 2>&1)
check "the merged chart alone is refused, naming the survivor" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MB was merged into MRN $MA (merge $MID): destroy the survivor\"" _ "$out"
out=$(at $AHEAD him "$PW_HIM" retention propose "$MA" --reason "past retention" 2>&1)
MPROP=$(printf '%s' "$out" | sed -n 's/^Proposal \([0-9]*\):.*/\1/p')
check "the survivor is proposed" [ -n "$MPROP" ]
out=$(at2 $AHEAD priv "$PW_PRIV" "$MA" retention approve "$MPROP" 2>&1)
check "the privacy officer destroys the survivor, and the merged chart with it" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MA destroyed on .*With the chart merged into it (certificate 3\"" _ "$out"
check "... the WAL is emptied" [ ! -s "$DB-wal" ]
left=""
for w in Mrgcanarykeep Mrgcanaryold Mrgcanaryfirst Mrgcanaryaddr Mrgcanaryreason Mrgcanaryholder Mrgcanarywhy "$MA" "$MB"; do
	in_file "$(hex "$w")" && left="$left $w"
done
check "no canary of either chart in the file or the WAL" [ -z "$left" ]
left=""
for t in $MTOK; do in_file "$t" && left="$left $t"; done
check "every blind-index token of both charts is gone" sh -c "[ -n '$MTOK' ] && [ -z '$left' ]"
check "no row of either chart, nor the merge journal, is left" [ "$(sql "select (select count(*) from patients where prow in ($PA, $PB)) + (select count(*) from chart_tracking where prow in ($PA, $PB)) + (select count(*) from encounters where prow in ($PA, $PB)) + (select count(*) from merges) + (select count(*) from merge_rows)")" = 0 ]
out=$(cli priv "$PW_PRIV" audit verify 2>&1)
check "audit verify passes after destroying a merged survivor" [ $? -eq 0 ]
out=$(cli him "$PW_HIM" unmerge "$MID" --reason "undo" 2>&1)
check "the merge can no longer be undone, and the message says why" sh -c "printf '%s' \"\$1\" | grep -q \"Merge $MID cannot be undone: its charts were destroyed (destruction certificate\"" _ "$out"
out=$(cli him "$PW_HIM" patient show "$MB" 2>&1)
check "the merged chart's MRN answers destroyed" sh -c "printf '%s' \"\$1\" | grep -q \"MRN $MB: this chart was destroyed on\"" _ "$out"
e2e_done
