#!/bin/sh
# test_tui_report.sh - the Reports screen: the HIM clerk opens Reports from
# the menu, sees the visits table with a bar per row drawn with Unicode
# block elements (UTF-8 locale) and, with LANG=C or NO_COLOR, with '#';
# chooses another report and grouping with Tab and Left/Right and runs it
# with Enter; a time series (visits by day) is drawn above its table; the
# screen fits 80x24 and shows more columns on a wider terminal; the front
# desk has no Reports item; every run is audited.
. "$(dirname "$0")/lib.sh"
e2e_setup

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Chartwell first_name=Rae dob=1961-04-05 sex=F)" patient add 2>/dev/null)
check "setup: a patient" [ -n "$mrn" ]
# Encounters over the last weeks (the clear columns reports read; their
# integrity is not what this test is about).
pr=$(sql "select prow from patients limit 1")
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO encounters(id, prow, start, type, provider, location, status, coding_status, created, created_by)
SELECT 'r' || i, $pr, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (i * 13) || ' hours'),
CASE WHEN i % 3 = 0 THEN 'telephone' WHEN i % 5 = 0 THEN 'annual exam' ELSE 'office visit' END,
CASE i % 2 WHEN 0 THEN 'prov' ELSE 'nurse' END, '', 'closed', 'uncoded', '2026-01-01T00:00:00Z', 'front' FROM n"
check "setup: 120 encounters" [ "$(sql "select count(*) from encounters")" = 120 ]
office=$(sql "select count(*) from encounters where type = 'office visit'")

# start NAME COLS ROWS ENV...: the app under a given locale/environment.
start() {
	tui_keep
	name="cr-$$-$1"
	E2E_SESSIONS="$E2E_SESSIONS $name"
	cols=$2 rows=$3
	shift 3
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x "$cols" -y "$rows" \
		"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $* '$BIN' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
	tui_wait "Main menu for" 10 >/dev/null
}
line_no() { tui_screen | grep -nF -- "$1" | head -1 | cut -d: -f1; }
menu_open() {
	top=$(line_no "Main menu for")
	at=$(line_no "$1")
	tui_send Home
	i=$((top + 2))
	while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
	tui_send Enter
}

before=$(audited report_run him)
check "setup: runs counted" [ -n "$before" ]
start utf 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8
signon him "$PW_HIM"
expect "the menu offers Reports" "Reports"
menu_open "Reports"
expect "visits by type is shown" "visits by type, "
expect "its office-visit row holds the count" "office visit" 
row=$(tui_screen | grep -F "office visit" | head -1)
case "$row" in *" $office "*) ok "the office-visit count is the database's ($office)";; *) not_ok "office-visit count" "$row";; esac
case "$row" in *█*) ok "the bar is drawn with block elements";; *) not_ok "block bar" "$(tui_screen)";; esac
tele=$(tui_screen | grep -F "telephone" | head -1)
case "$tele" in *[▏▎▍▌▋▊▉]*) ok "a shorter bar ends in a partial block";; *█) ok "a shorter bar (whole blocks)";; *) not_ok "partial block" "$(tui_screen)";; esac
expect "keys are explained on screen" "next choice"
expect "80x24: the hint line is still on screen" "Enter run"
expect "80x24: and the status bar" "him (him)"
# Grouping by day: Tab to 'By', Right to provider, Right to day, Enter.
tui_send Tab
tui_send Right
tui_send Right
expect "a change waits for Enter" "press Enter to run"
tui_send Enter
tui_wait "Day " 5
scr=$(tui_screen)
case "$scr" in *[▁▂▃▄▅▆▇]*) ok "the time series uses eighth blocks";; *) not_ok "series blocks" "$scr";; esac
today=$(TZ=UTC date +%Y-%m-%d)
expect "the last period is today" "$today"
tui_screen > "${REPORT_SHOT:-/dev/null}"
check "still fits 80x24" [ "$(tui_screen | wc -l)" -le 24 ]
# Another report: back to Report, Right to diagnoses... to backlog.
tui_send BTab
tui_send Right
tui_send Right
tui_send Right
tui_send Enter
expect "the backlog report runs" "backlog by age"
expect "its buckets" "over 30 days"
# A custom range, typed: Range, Left twice (past the first preset to
# Custom), From and To.
tui_send Tab
tui_send Tab
tui_send Left
tui_send Left
expect "custom range offered" "< Custom >"
tui_send Tab
tui_type "2026-02-30"
tui_send Tab
tui_type "$today"
tui_send Enter
expect "a date that does not exist is refused on screen" "not a real date"
tui_send BTab
tui_send C-u
tui_type "02/01/2026"
tui_send Enter
expect "the typed range is run" "2026-02-01 to $today"
tui_send Escape
expect "back to the menu" "Main menu for"
tui_stop
# (the app may still be closing its database: asked again until it answers)
after=""
i=0
while [ -z "$after" ] && [ $i -lt 50 ]; do after=$(audited report_run him 2>/dev/null); i=$((i + 1)); [ -n "$after" ] || sleep 0.2; done
check "each run audited (4 runs)" [ "$after" -ge $((before + 4)) ]

# ASCII: the C locale.
start ascii 80 24 LANG=C LC_ALL=C
signon him "$PW_HIM"
menu_open "Reports"
expect "ASCII: visits shown" "office visit"
row=$(tui_screen | grep -F "office visit" | head -1)
case "$row" in *"#"*) ok "ASCII: bars are #";; *) not_ok "ASCII bars" "$(tui_screen)";; esac
expect_not "ASCII: no block elements" "█"
tui_stop

# NO_COLOR in a UTF-8 locale: ASCII too.
start nocolor 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8 NO_COLOR=1
signon him "$PW_HIM"
menu_open "Reports"
expect "NO_COLOR: visits shown" "office visit"
expect_not "NO_COLOR: no block elements" "█"
tui_stop

# A wide terminal: every column of backlog by provider.
start wide 160 40 LANG=C.UTF-8 LC_ALL=C.UTF-8
signon him "$PW_HIM"
menu_open "Reports"
tui_wait "office visit" 10
for k in Right Right Right; do tui_send $k; done
tui_send Tab
tui_send Right
tui_send Enter
expect "wide: backlog by provider" "15-30 days"
expect "wide: every bucket column" "over 30 days"
expect "wide: and the total" "Total"
tui_stop

# The front desk has no Reports.
start front 80 24 LANG=C.UTF-8 LC_ALL=C.UTF-8
signon front "$PW_FRONT"
expect_not "front desk: no Reports item" "Reports"
tui_stop
e2e_done
