#!/bin/sh
# Chart deficiencies on the command line: notes signed by their author
# only (a nurse signs her own; a provider cannot sign another's draft),
# countersignatures by role, the deficiency rules computed from the chart
# and resolved as soon as the cause is gone, HIM's reminders, the
# delinquency report, and a reminder row edited with sqlite3 refused.
. "$(dirname "$0")/lib.sh"
e2e_setup
# Read the file as an attacker would, waiting out the app's own writes.
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
pol() { printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set "$@" >/dev/null 2>&1; }
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Quill first_name=Ottoline dob=1955-02-03 sex=F)" patient add 2>/dev/null)
old=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 2" --date 2026-01-05 2>/dev/null)
new=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 3" 2>/dev/null)
check "two encounters checked in (one ten weeks ago)" sh -c "[ -n '$old' ] && [ -n '$new' ]"

# authentication: a note is signed by its author
printf 'Nursing assessment: calm.\n' > "$T/n.txt"
nn=$(cli nurse "$PW_NURSE" note add "$new" --file "$T/n.txt" 2>/dev/null)
out=$(cli prov "$PW_PROV" note sign "$nn" 2>&1)
check "a provider cannot sign the nurse's draft (exit 4)" [ $? -eq 4 ]
check "told whose it is and what to do" sh -c "printf '%s' \"\$1\" | grep -q 'Only nurse, who wrote note'" _ "$out"
out=$(cli prov "$PW_PROV" note edit "$nn" --file "$T/n.txt" --version 1 2>&1)
check "nor edit it (exit 4)" [ $? -eq 4 ]
cli nurse "$PW_NURSE" note sign "$nn" >/dev/null 2>&1
check "the nurse signs her own nursing note" [ "$(sql "select status || ' ' || signed_by from notes where nrow = $nn")" = "signed nurse" ]

# the rules
out=$(cli him "$PW_HIM" deficiency list)
check "the encounter open for weeks is the provider's deficiency" sh -c "printf '%s' \"\$1\" | grep -q \"^O$old .*Encounter still open.*prov\"" _ "$out"
check "the list shows the patient's MRN" sh -c "printf '%s' \"\$1\" | grep -q \"$mrn\"" _ "$out"
check "older than delinquent_days it is delinquent" sh -c "printf '%s' \"\$1\" | grep \"^O$old \" | grep -q DELINQUENT" _ "$out"
check "today's encounter is not one yet" sh -c "! printf '%s' \"\$1\" | grep -q \"^O$new \"" _ "$out"
check "no countersignature needed while countersign_roles is empty" sh -c "! printf '%s' \"\$1\" | grep -q \"^C$nn \"" _ "$out"
pol clinical.countersign_roles nurse
out=$(cli him "$PW_HIM" deficiency list --format csv)
check "with countersign_roles = nurse the nurse's note needs the provider's countersignature" sh -c "printf '%s' \"\$1\" | grep -q \"^C$nn,Countersignature needed,$mrn,.*,prov,\"" _ "$out"
check "csv has its header" sh -c "printf '%s' \"\$1\" | head -1 | grep -q '^id,kind,mrn,patient,encounter,note,assigned,since,age_days,delinquent,reminders$'" _ "$out"
pol clinical.countersign_roles "wizard"
check "an unknown role in countersign_roles is refused" [ $? -ne 0 ]

# a clinician sees only their own
out=$(cli prov "$PW_PROV" deficiency list)
check "the provider lists their deficiencies" sh -c "printf '%s' \"\$1\" | grep -q \"^O$old \"" _ "$out"
cli nurse "$PW_NURSE" deficiency list --provider prov >/dev/null 2>&1
check "a nurse may not list another's (exit 4)" [ $? -eq 4 ]
cli front "$PW_FRONT" deficiency list >/dev/null 2>&1
check "the front desk may not list deficiencies (exit 4)" [ $? -eq 4 ]
out=$(cli him "$PW_HIM" deficiency list --provider nurse)
check "--provider filters" sh -c "! printf '%s' \"\$1\" | grep -q \"^O$old \"" _ "$out"

# reminders
cli prov "$PW_PROV" deficiency remind "O$old" >/dev/null 2>&1
check "only HIM sends reminders (exit 4)" [ $? -eq 4 ]
out=$(cli him "$PW_HIM" deficiency remind "O$old" 2>&1)
check "HIM reminds the provider" sh -c "printf '%s' \"\$1\" | grep -q 'prov will be reminded of O$old'" _ "$out"
check "the reminder is stored for prov" [ "$(sql "select deficiency || ' ' || to_user || ' ' || sent_by from deficiency_reminders")" = "O$old prov him" ]
check "and audited" [ "$(audited deficiency_remind him)" = 1 ]
cli him "$PW_HIM" deficiency remind "O999999" >/dev/null 2>&1
check "a reminder about no deficiency is refused (exit 1)" [ $? -eq 1 ]
cli him "$PW_HIM" deficiency remind "';drop" >/dev/null 2>&1
check "a malformed id is refused (exit 1)" [ $? -eq 1 ]
out=$(cli him "$PW_HIM" deficiency show "O$old")
check "show names the reminders sent" sh -c "printf '%s' \"\$1\" | grep -q 'reminders  1'" _ "$out"

# the cause gone, the deficiency is gone
cli prov "$PW_PROV" encounter close "$old" >/dev/null 2>&1
out=$(cli him "$PW_HIM" deficiency list)
check "closing the encounter resolves 'still open'" sh -c "! printf '%s' \"\$1\" | grep -q \"^O$old \"" _ "$out"
check "a closed encounter without a diagnosis is a deficiency" sh -c "printf '%s' \"\$1\" | grep -q \"^X$old .*Closed without a diagnosis\"" _ "$out"
cli prov "$PW_PROV" coding add-dx "$old" I10 >/dev/null 2>&1 || cli him "$PW_HIM" coding add-dx "$old" I10 >/dev/null 2>&1
out=$(cli prov "$PW_PROV" note countersign "$nn" 2>&1)
check "the provider countersigns the nurse's note" sh -c "printf '%s' \"\$1\" | grep -q 'countersigned by prov'" _ "$out"
check "as a signed addendum" [ "$(sql "select count(*) from notes where addendum_of = $nn and status = 'signed' and author = 'prov'")" = 1 ]
out=$(cli nurse "$PW_NURSE" note countersign "$nn" 2>&1)
check "a nurse cannot countersign (exit 4)" [ $? -eq 4 ]
out=$(cli him "$PW_HIM" deficiency list)
check "the countersignature resolves it" sh -c "! printf '%s' \"\$1\" | grep -q \"^C$nn \"" _ "$out"

# delinquency report
out=$(cli him "$PW_HIM" deficiency report --months 1 --format csv)
check "the delinquency report has a row per provider" sh -c "printf '%s' \"\$1\" | grep -q '^prov,'" _ "$out"
# The same figures as the deficiencies report (report deficiencies, by
# provider over the last month; by month).
rep=$(cli him "$PW_HIM" report deficiencies --from "$(date -u -d '1 month ago' +%Y-%m-01)" --to "$(date -u -d '1 month ago' +%Y-%m-28)" --format csv)
check "report deficiencies: the same counts per provider as deficiency report" sh -c '
	a=$(printf "%s\n" "$1" | tail -n +2 | cut -d, -f1-3 | sort); b=$(printf "%s\n" "$2" | tail -n +2 | cut -d, -f1-3 | sort)
	[ -n "$a" ] && [ "$a" = "$b" ]' _ "$rep" "$out"
rep=$(cli him "$PW_HIM" report deficiencies --by month --format csv)
total=$(printf '%s\n' "$rep" | tail -n +2 | awk -F, '{s+=$2} END {print s+0}')
listed=$(cli him "$PW_HIM" deficiency list --format csv | tail -n +2 | grep -c .)
check "report deficiencies by month: every open deficiency counted once" [ "$total" = "$listed" ]
cli him "$PW_HIM" deficiency report --months 99 >/dev/null 2>&1
check "--months out of range is a usage error (exit 2)" [ $? -eq 2 ]
cli him "$PW_HIM" deficiency list --format xml >/dev/null 2>&1
check "an unknown --format is a usage error (exit 2)" [ $? -eq 2 ]

# a rotation of the demo key re-MACs the reminders
cli him "$PW_HIM" deficiency remind "X$old" >/dev/null 2>&1
cli admin "$PW_ADMIN" keys rotate demo >/dev/null 2>&1
check "the demo key rotates" [ $? -eq 0 ]
out=$(cli him "$PW_HIM" deficiency show "X$old" 2>&1)
check "after the rotation the reminders still verify" sh -c "printf '%s' \"\$1\" | grep -q 'reminders  1'" _ "$out"

# an attacker edits a reminder
sql "update deficiency_reminders set to_user = 'nurse'"
out=$(cli him "$PW_HIM" deficiency list 2>&1)
check "a reminder edited with sqlite3 is an integrity error" sh -c "printf '%s' \"\$1\" | grep -qi 'integrity'" _ "$out"
e2e_done
