#!/bin/sh
# test_cli_queue.sh - the HIM work queue on the command line (chartroom
# queue): every kind appears with its patient, sorted by due date (overdue
# first), --kind and --assignee filter, csv, which kinds each role sees
# (the front desk refused), bad options refused, opening audited, and a
# patients row tampered with sqlite3 reported instead of a wrong name.
. "$(dirname "$0")/lib.sh"
e2e_setup

FA() { clin front "$PW_FRONT" "$@"; }
H() { cli him "$PW_HIM" "$@"; }
has() { printf '%s' "$1" | grep -q -- "$2"; }

mrn=$(FA "$(csv last_name=Queuewood first_name=Ottoline dob=1955-02-03 sex=F)" patient add 2>/dev/null)
mrn2=$(FA "$(csv last_name=Backlogge first_name=Percival dob=1961-07-08 sex=M)" patient add 2>/dev/null)
mc=$(FA "$(csv last_name=Glassworth first_name=Celeste dob=1966-06-06 sex=F)" patient add --confidential 2>/dev/null)
check "setup: three patients" sh -c "[ -n '$mrn' ] && [ -n '$mrn2' ] && [ -n '$mc' ]"
# an encounter ten weeks old still open (a deficiency O, overdue), one
# closed today without a diagnosis (coding, and deficiency X)
old=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 2" --date 2026-01-05 2>/dev/null)
new=$(cli front "$PW_FRONT" encounter add "$mrn2" --type "follow-up" --provider prov --location "Room 3" 2>/dev/null)
cli nurse "$PW_NURSE" encounter close "$new" >/dev/null 2>&1
check "setup: encounters" sh -c "[ -n '$old' ] && [ -n '$new' ]"
due=$(date -u -d '+10 days' +%Y-%m-%d)
H chart-out "$mrn2" --to "Dr Quimby (Cardiology)" --due "$due" >/dev/null 2>&1
R=$(clin him "$PW_HIM" "$(csv recipient_name="Acme Insurance")" roi add "$mrn" --requester payer 2>/dev/null)
A=$(clin him "$PW_HIM" "$(csv request="Please correct my allergy list")" amendment add "$mrn2" --section allergies 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv reason="patient in triage with chest pain")" patient show "$mc" >/dev/null 2>&1
check "setup: ROI, amendment, break-the-glass" sh -c "[ -n '$R' ] && [ -n '$A' ] && [ \"\$(sqlite3 '$DB' 'select count(*) from btg_queue')\" = 1 ]"

# --- HIM sees coding, deficiencies, charts out, ROI, amendments ---------------
out=$(H queue 2>"$T/err")
check "queue runs for HIM (exit 0)" [ $? -eq 0 ]
check "a coding item with its patient" has "$out" "coding  *$new  *$mrn2  *Backlogge, Percival  *Code encounter $new"
check "the open encounter's deficiency, assigned to prov" has "$out" "deficiency O$old  *$mrn  *Queuewood, Ottoline .*Encounter still open.* prov "
check "the closed encounter without a diagnosis" has "$out" "deficiency X$new "
check "the chart out, due back on its date, the clerk's" has "$out" "^$due .*chart-out  *1  *$mrn2 .*Paper chart volume 1 due back.* him "
check "the ROI request" has "$out" "roi  *$R  *$mrn .*ROI request $R (awaiting_authorization)"
check "the amendment request" has "$out" "amendment  *$A  *$mrn2 .*Amendment request $A (pending)"
check "no break-the-glass reviews for HIM (the privacy officer's)" sh -c "! printf '%s' \"\$1\" | grep -q ' btg '" _ "$out"
check "the overdue deficiency comes first, marked" has "$(printf '%s\n' "$out" | sed -n 2p)" "OVERDUE.*deficiency O$old"
# sorted by due date
dues=$(printf '%s\n' "$out" | sed 1d | cut -c1-10)
check "rows sorted by due date" [ "$dues" = "$(printf '%s\n' "$dues" | sort)" ]
check "the summary counts each kind" has "$(cat "$T/err")" "6 items: 1 coding, 2 deficiencies, 1 chart due back, 1 ROI due, 1 amendment due"

# --- filters ------------------------------------------------------------------
out=$(H queue --kind coding 2>/dev/null)
check "--kind coding: only coding" sh -c "[ \"\$(printf '%s\n' \"\$1\" | sed 1d | grep -vc ' coding ')\" = 0 ] && printf '%s' \"\$1\" | grep -q 'coding  *$new '" _ "$out"
out=$(H queue --assignee prov 2>/dev/null)
check "--assignee prov: the two deficiencies only" [ "$(printf '%s\n' "$out" | sed 1d | grep -c ' prov ')" = 2 ]
check "--assignee prov shows nothing else" [ "$(printf '%s\n' "$out" | sed 1d | wc -l)" = 2 ]
out=$(H queue --assignee nobody 2>&1)
check "--assignee with no items: none, said so" has "$out" "0 items"
out=$(H queue --kind wizard 2>&1)
check "an unknown kind is refused, naming the kinds (exit 2)" sh -c "[ $? -eq 2 ] && printf '%s' \"\$1\" | grep -q 'coding, deficiency, chart-out, roi, amendment, btg'" _ "$out"
H queue --format xml >/dev/null 2>&1
check "an unknown format is refused (exit 2)" [ $? -eq 2 ]
H queue extra >/dev/null 2>&1
check "an extra argument is refused (exit 2)" [ $? -eq 2 ]
out=$(H queue --assignee "$(printf 'bad\033[2Jname')" 2>&1)
check "control characters in --assignee are refused" sh -c "[ $? -ne 0 ] && ! printf '%s' \"\$1\" | grep -q \"\$(printf '\033')\"" _ "$out"

# --- csv ------------------------------------------------------------------------
out=$(H queue --format csv)
check "csv has its header" [ "$(printf '%s\n' "$out" | head -1)" = "due,days_left,kind,ref,mrn,patient,what,assigned,since,age_days" ]
check "csv quotes the name with its comma" has "$out" ",coding,$new,$mrn2,\"Backlogge, Percival\",Code encounter $new"
check "csv: one line per item" [ "$(printf '%s\n' "$out" | sed 1d | wc -l)" = 6 ]

# --- roles --------------------------------------------------------------------
out=$(cli priv "$PW_PRIV" queue 2>&1)
check "the privacy officer sees the break-the-glass review with the patient" has "$out" "btg  *1  *$mc  *Glassworth, Celeste .*Review break-the-glass 1 by nurse"
check "and the amendment (amendment decisions are hers)" has "$out" "amendment  *$A "
check "but no coding, deficiencies, charts out or ROI" sh -c "! printf '%s' \"\$1\" | grep -Eq ' (coding|deficiency|chart-out|roi) '" _ "$out"
out=$(cli priv "$PW_PRIV" queue --kind coding 2>&1)
check "the privacy officer asking for coding is refused (exit 4)" sh -c "[ $? -eq 4 ] && printf '%s' \"\$1\" | grep -q 'may not see the work queue.s coding items'" _ "$out"
out=$(cli front "$PW_FRONT" queue 2>&1)
check "the front desk is refused (exit 4)" sh -c "[ $? -eq 4 ] && printf '%s' \"\$1\" | grep -q 'may not open the HIM work queue'" _ "$out"
cli nurse "$PW_NURSE" queue >/dev/null 2>&1
check "a nurse is refused (exit 4)" [ $? -eq 4 ]
cli admin "$PW_ADMIN" queue >/dev/null 2>&1
check "the administrator is refused (exit 4)" [ $? -eq 4 ]
check "each opening audited once, refusals before it not (HIM: 5)" [ "$(audited queue_view him)" = 5 ]

# --- the review done, the access leaves the queue --------------------------------
cli priv "$PW_PRIV" btg review 1 --finding appropriate >/dev/null 2>&1
out=$(cli priv "$PW_PRIV" queue 2>&1)
check "a reviewed access leaves the queue" sh -c "! printf '%s' \"\$1\" | grep -q ' btg '" _ "$out"
H roi update "$R" --status withdrawn >/dev/null 2>&1
out=$(H queue 2>&1)
check "a withdrawn ROI request leaves the queue" sh -c "! printf '%s' \"\$1\" | grep -q ' roi '" _ "$out"
H chart-in "$mrn2" >/dev/null 2>&1
out=$(H queue 2>&1)
check "a chart returned leaves the queue" sh -c "! printf '%s' \"\$1\" | grep -q ' chart-out '" _ "$out"

# --- tampering ----------------------------------------------------------------------
p2=$(sqlite3 "$DB" "select prow from encounters where erow = $new")
p1=$(sqlite3 "$DB" "select prow from encounters where erow = $old")
sqlite3 "$DB" "update patients set ident = (select ident from patients where prow = $p1) where prow = $p2"
out=$(H queue --kind coding 2>&1)
check "a patient's name moved to another row with sqlite3 is an integrity error (exit 5), no list" sh -c "[ $? -eq 5 ] && ! printf '%s' \"\$1\" | grep -q -e Queuewood -e DUE" _ "$out"
e2e_done
