#!/bin/sh
# test_chart_tracking.sh - paper-chart tracking: a volume's home, charged
# out to a person with a due date, refused while out, returned, the out and
# overdue lists (the test build's clock run days ahead), the full history,
# HIM only, bad input refused naming the field, who has it encrypted in the
# file, an event edited or moved with sqlite3 detected, every change
# audited; on screen, HIM sees where the paper chart is, OVERDUE.
. "$(dirname "$0")/lib.sh"
e2e_setup
# Read the file as an attacker would, waiting out the app's own writes.
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
ahead() { d=$1; u=$2; p=$3; shift 3; printf '%s\n' "$p" | CHARTROOM_TEST_DAYS_AHEAD=$d "$TEST_BIN" --db "$DB" --user "$u" --password-stdin "$@"; }
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Papyrus first_name=Hortensia dob=1961-05-06 sex=F)" patient add 2>/dev/null)
mrn2=$(clin front "$PW_FRONT" "$(csv last_name=Vellum first_name=Casimir dob=1972-08-09 sex=M)" patient add 2>/dev/null)
today=$(date -u +%Y-%m-%d)
due=$(date -u -d '+3 days' +%Y-%m-%d)

out=$(cli him "$PW_HIM" chart-home "$mrn" --home "File room B, shelf 12" 2>&1)
check "HIM registers the volume's home" sh -c "printf '%s' \"\$1\" | grep -q \"Volume 1's home is File room B, shelf 12\"" _ "$out"
out=$(cli him "$PW_HIM" chart-out "$mrn" --to "Dr Quimby (Cardiology)" --due "$due" 2>&1)
check "HIM charges it out to a person with a due date" sh -c "printf '%s' \"\$1\" | grep -q 'charged out to Dr Quimby (Cardiology), due $due'" _ "$out"
out=$(cli him "$PW_HIM" chart-out "$mrn" --to "Billing" --due "$due" 2>&1)
check "a volume already out is refused, naming who has it" sh -c "printf '%s' \"\$1\" | grep -q 'already out to Dr Quimby'" _ "$out"
cli him "$PW_HIM" chart-out "$mrn2" --to "Billing office" --due "$today" >/dev/null 2>&1
check "a volume never registered is charged out from the file room" [ "$(sql "select count(*) from chart_tracking where prow = (select max(prow) from patients)")" = 2 ]
out=$(cli him "$PW_HIM" chart-out "$mrn" --volume 2 --to "X" --due 2020-01-01 2>&1)
check "a due date in the past is refused, naming the field" sh -c "printf '%s' \"\$1\" | grep -q 'Due date'" _ "$out"
out=$(cli him "$PW_HIM" chart-out "$mrn" --volume 2 --to "$(printf 'Dr\033[2J')" --due "$due" 2>&1)
check "control characters in who are refused" [ $? -ne 0 ]
cli him "$PW_HIM" chart-out "$mrn" --volume 100 --to X --due "$due" >/dev/null 2>&1
check "a volume out of range is a usage error (exit 2)" [ $? -eq 2 ]
cli nurse "$PW_NURSE" chart-out "$mrn" --volume 3 --to X --due "$due" >/dev/null 2>&1
check "a nurse may not charge charts out (exit 4)" [ $? -eq 4 ]
cli nurse "$PW_NURSE" charts-out >/dev/null 2>&1
check "nor list them (exit 4)" [ $? -eq 4 ]

out=$(cli him "$PW_HIM" charts-out)
check "charts-out lists both volumes out" [ "$(printf '%s\n' "$out" | grep -c "^CR")" = 2 ]
check "... with who has it and the home" sh -c "printf '%s' \"\$1\" | grep \"^$mrn\" | grep -q 'Dr Quimby (Cardiology).*File room B, shelf 12'" _ "$out"
out=$(cli him "$PW_HIM" charts-out --overdue)
check "nothing is overdue today" [ -z "$(printf '%s\n' "$out" | grep "^CR")" ]
out=$(ahead 2 him "$PW_HIM" charts-out --overdue)
check "two days on, the one due today is overdue" sh -c "printf '%s' \"\$1\" | grep -q \"^$mrn2	Vellum, Casimir	1	Billing office	$today	2	\"" _ "$out"
check "... the other not yet" sh -c "! printf '%s' \"\$1\" | grep -q \"^$mrn	\"" _ "$out"
out=$(ahead 10 him "$PW_HIM" charts-out --overdue)
check "ten days on, both are overdue, the most overdue first" sh -c "printf '%s\n' \"\$1\" | grep '^CR' | head -1 | grep -q \"^$mrn2\"" _ "$out"

out=$(cli him "$PW_HIM" chart-in "$mrn" 2>&1)
check "HIM checks it back in" sh -c "printf '%s' \"\$1\" | grep -q 'Volume 1 returned'" _ "$out"
cli him "$PW_HIM" chart-in "$mrn" >/dev/null 2>&1
check "checking in a volume that is home is refused" [ $? -eq 1 ]
out=$(cli him "$PW_HIM" chart-history "$mrn")
check "the full history: home, out, returned" sh -c "printf '%s\n' \"\$1\" | cut -f3 | tr '\n' ' ' | grep -q '^home out to returned \$'" _ "$out"
check "every change audited" [ "$(audited chart_out him)" = 2 ] 
check "... the return too" [ "$(audited chart_in him)" = 1 ]
check "who has it is not in the file in plaintext" sh -c "! grep -aq 'Quimby' '$DB' '$DB-wal' 2>/dev/null"

# on screen: HIM sees where the paper chart is, overdue (clock 10 days on)
tmux -L "$TMUX_SOCK" new-session -d -s keeper "sleep 3600" 2>/dev/null
tmux -L "$TMUX_SOCK" set-environment -g CHARTROOM_TEST_DAYS_AHEAD 10
BIN_SAVED=$BIN
BIN=$TEST_BIN
tui_start him
BIN=$BIN_SAVED
tui_wait "Password:" 15 >/dev/null
tui_type him
tui_send Tab
tui_type "$PW_HIM"
tui_send Enter
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
tui_wait "Main menu for him" 10 >/dev/null
tui_send Home
tui_send Enter
tui_wait "Find:" 5 >/dev/null
tui_type "vellum"
tui_wait "Vellum, Casimir" 5 >/dev/null
tui_send Enter
expect "the chart shows where the paper chart is, overdue" "vol 1 OUT to Billing office, due $today OVERDUE" 10
tui_stop
tmux -L "$TMUX_SOCK" set-environment -g -u CHARTROOM_TEST_DAYS_AHEAD

# a rotation of the demo key re-seals the events (and the old key is gone)
cli him "$PW_HIM" chart-out "$mrn" --to "Dr Rotwang" --due "$due" >/dev/null 2>&1
out=$(cli admin "$PW_ADMIN" keys rotate demo 2>&1)
check "the demo key rotates" [ $? -eq 0 ]
out=$(cli him "$PW_HIM" charts-out 2>&1)
check "after the rotation the register still reads" sh -c "printf '%s' \"\$1\" | grep -q 'Dr Rotwang'" _ "$out"
out=$(cli him "$PW_HIM" chart-history "$mrn" 2>&1)
check "... the whole history too" sh -c "printf '%s\n' \"\$1\" | cut -f3 | tr '\n' ' ' | grep -q '^home out to returned out to \$'" _ "$out"

# an attacker with sqlite3
sqlite3 "$DB" "drop trigger chart_tracking_append_only; update chart_tracking set due = '2099-01-01' where event = 'out' and prow = (select max(prow) from patients)"
out=$(cli him "$PW_HIM" charts-out 2>&1)
check "an event edited with sqlite3 is an integrity error (exit 5)" [ $? -eq 5 ]
check "... naming the table" sh -c "printf '%s' \"\$1\" | grep -q 'chart_tracking'" _ "$out"
e2e_done
