#!/bin/sh
# test_hostile_text.sh - text that could attack a terminal (issue 10 items
# 5 and 9): escape sequences, C1 controls, bidi overrides and broken UTF-8
# written straight into the database's clear columns (as someone holding
# the file could, or as an old import could have) are shown escaped by the
# command line (checked byte by byte with od) and by the full-screen app
# (tmux capture-pane -e); error messages that quote input are escaped too;
# every input path refuses such text, a NUL byte in a code file or CSV
# refuses the row, and impossible dates (2025-02-30, 2023-02-29) are
# refused everywhere with a clear message.
. "$(dirname "$0")/lib.sh"
e2e_setup

ESC=$(printf '\033')
BEL=$(printf '\007')
RLO=$(printf '\342\200\256')  # U+202E RIGHT-TO-LEFT OVERRIDE
LRI=$(printf '\342\201\246')  # U+2066 LEFT-TO-RIGHT ISOLATE
C1CSI=$(printf '\302\233')    # U+009B, a C1 CSI encoded in UTF-8
H() { cli him "$PW_HIM" "$@"; }
N() { cli nurse "$PW_NURSE" "$@"; }
A() { cli admin "$PW_ADMIN" "$@"; }

# raw FILE: no C0 control but tab and newline, no DEL, no C1 control (raw
# or encoded), no bidi control, no byte that never occurs in UTF-8. The
# bytes are compared as hex (od), so nothing can hide in how a terminal
# draws them.
hexline() { od -An -v -tx1 "$1" | tr -s ' \n' '  '; echo; }
raw_free() {
	! hexline "$1" | grep -qE ' (0[0-8]|0b|0c|0d|0e|0f|1[0-9a-f]|7f|c0|c1|f[5-9a-f]) | c2 [89][0-9a-f] | e2 80 a[a-e] | e2 81 a[6-9] '
}
has() { grep -qF -- "$2" "$1"; }

# ---- a code set whose descriptions were changed in the file ----------------
H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S1 --effective 2024-10-01 >/dev/null 2>"$T/err" ||
	not_ok "sample code set loads" "$(cat "$T/err")"
sql "UPDATE codes SET long_desc = 'Type 2 diabetes' || char(27) || '[2J' || char(27) || ']0;owned' || char(7) || ' mel' || char(8238) || 'sutil' || char(9) || 'x' || char(155) || 'y' WHERE code = 'E119'"
sql "UPDATE codes SET long_desc = CAST(X'56697261C3209BFF' AS TEXT) WHERE code = 'B349'"
H codes search e119 --date 2025-06-01 >"$T/search.out" 2>"$T/search.err"
check "codes search: the changed description is listed" has "$T/search.out" "E11.9"
check "codes search: no raw control, C1 or bidi byte reaches the output" raw_free "$T/search.out"
check "codes search: the escape sequence and bell are shown escaped" has "$T/search.out" 'diabetes\x1b[2J\x1b]0;owned\x07 mel\u202esutil'
check "codes search: a tab inside the value is \\t, so the line keeps 3 columns" \
	sh -c '[ "$(grep E11.9 "$1" | awk -F "\t" "{print NF}")" = 3 ] && grep -qF "sutil\\tx\\u009by" "$1"' - "$T/search.out"
H codes check B34.9 --date 2025-06-01 >"$T/check.out" 2>&1
check "codes check: broken UTF-8 and raw C1 bytes shown as \\xHH" has "$T/check.out" 'Vira\xc3 \x9b\xff'
check "codes check: ... and never written raw" raw_free "$T/check.out"

# coding show prints the same description in a human line
printf 'last_name,first_name,dob,sex\nHostile,Hana,1970-01-01,F\n' >"$T/one.csv"
H import patients "$T/one.csv" >/dev/null 2>"$T/err" || not_ok "import one patient" "$(cat "$T/err")"
mrn=$(find_q him "$PW_HIM" hostile 2>/dev/null | cut -f1)
enc=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date 2025-06-01 2>/dev/null)
N encounter close "$enc" >/dev/null 2>&1
H coding add-dx "$enc" E11.9 >/dev/null 2>"$T/err" || not_ok "add-dx" "$(cat "$T/err")"
H coding show "$enc" >"$T/show.out" 2>&1
check "coding show: the description is escaped" has "$T/show.out" 'E11.9 Type 2 diabetes\x1b[2J'
check "coding show: no raw control, C1 or bidi byte" raw_free "$T/show.out"

# ---- the audit trail ----------------------------------------------------------
# A user name typed at sign-on: refused without echoing it raw (core
# records an unprintable name as "(unreadable name)").
evil=$(printf 'ev\033[2Jx%s' "$RLO")
printf 'not-the-password\n' | "$BIN" --db "$DB" --user "$evil" --password-stdin audit verify >/dev/null 2>"$T/login.err"
check "a failed sign-on with a hostile name: exit 3" [ $? -eq 3 ]
check "... its message writes nothing raw" raw_free "$T/login.err"
# audit list --user NAME is audited with the name as typed, in the detail.
cli priv "$PW_PRIV" audit list --user "$evil" >/dev/null 2>&1
cli priv "$PW_PRIV" audit list --user "$(printf 'a\tb\033c')" >/dev/null 2>&1
cli priv "$PW_PRIV" audit list --limit 400 >"$T/audit.out" 2>&1
check "audit list: the typed name is listed escaped" has "$T/audit.out" 'user=ev\x1b[2Jx\u202e since=*'
check "audit list: no raw control or bidi byte" raw_free "$T/audit.out"
check "audit list: a detail's tab is \\t in the TSV, its ESC \\x1b" has "$T/audit.out" 'user=a\tb\x1bc'
check "audit list: every line has 8 columns" sh -c '[ -z "$(awk -F "\t" "NF != 8" "$1")" ]' - "$T/audit.out"

# ---- messages that quote input ---------------------------------------------
cli front "$PW_FRONT" encounter add "$mrn" --type "$(printf 'x\033]52;c;AAAA\007')" --provider prov >/dev/null 2>"$T/msg.err"
check "an error quoting a typed value: shown escaped" has "$T/msg.err" "'x\\x1b]52;c;AAAA\\x07' is not an encounter type"
check "... nothing raw on stderr" raw_free "$T/msg.err"

# ---- inputs refuse them -----------------------------------------------------
before=$(sql "select count(*) from allergies")
clin nurse "$PW_NURSE" "$(csv substance="$(printf 'Latex\033[8m')")" allergy add "$mrn" >/dev/null 2>"$T/in.err"
check "allergy substance with ESC: exit 1" [ $? -eq 1 ]
check "... naming the field and the code point" has "$T/in.err" "Substance contains a control character (U+001B)."
clin nurse "$PW_NURSE" "$(csv substance=Latex reaction="hives$RLO")" allergy add "$mrn" >/dev/null 2>"$T/in.err"
check "reaction with a bidi override refused" has "$T/in.err" "Reaction contains a bidirectional control character (U+202E)."
check "... nothing stored" [ "$(sql "select count(*) from allergies")" = "$before" ]
clin nurse "$PW_NURSE" "$(csv name=Lisinopril frequency="daily$C1CSI")" med add "$mrn" --route PO >/dev/null 2>"$T/in.err"
check "medication frequency with a C1 control refused" has "$T/in.err" "Frequency contains a control character (U+009B)."
cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room$LRI 2" >/dev/null 2>"$T/in.err"
check "encounter location with a bidi isolate refused" has "$T/in.err" "Location contains a bidirectional control character (U+2066)."
printf 'Seen today.\n\033[2JAll well.\n' >"$T/note.txt"
cli prov "$PW_PROV" note add "$enc" --file "$T/note.txt" >/dev/null 2>"$T/in.err"
check "a note with an escape sequence refused" has "$T/in.err" "The note contains a control character (U+001B)."
printf 'S:\tcough\r\nP:\trest\r\n' >"$T/note.txt"
nrow=$(cli prov "$PW_PROV" note add "$enc" --file "$T/note.txt" 2>/dev/null)
cli prov "$PW_PROV" note show "$nrow" >"$T/note.out" 2>&1
check "a note's tabs and (CRLF) line breaks are kept" sh -c 'grep -q "^S:	cough$" "$1" && grep -q "^P:	rest$" "$1"' - "$T/note.out"
check "... and shown without raw controls" raw_free "$T/note.out"

# a NUL byte inside a code file line or CSV field refuses it
head -5 "$ROOT/assets/codes/icd10cm-sample.txt" >"$T/nul.txt"
sed -n 6p "$ROOT/assets/codes/icd10cm-sample.txt" | sed 's/^\(.\{85\}\)/\1@/' | tr '@' '\000' >>"$T/nul.txt"
n_before=$(sql "select count(*) from codes")
H codes import icd10cm "$T/nul.txt" --version NUL --effective 2025-10-01 >/dev/null 2>"$T/in.err"
check "a code file with a NUL byte in line 6: exit 1" [ $? -eq 1 ]
check "... refused as FILE:LINE" has "$T/in.err" "$T/nul.txt:6: contains a NUL byte (U+0000)"
check "... and nothing loaded" [ "$(sql "select count(*) from codes")" = "$n_before" ] 
printf 'code,description\n99213,Office visit\n99214,Office@visit, est\n' | tr '@' '\000' >"$T/nul.csv"
H codes import cpt "$T/nul.csv" --version C1 --effective 2025-01-01 >/dev/null 2>"$T/in.err"
check "a CPT CSV with a NUL byte in a field: refused by line" has "$T/in.err" "$T/nul.csv:3: field 2 contains a NUL byte"
check "... nothing loaded" [ "$(sql "select count(*) from code_versions where version = 'C1'")" = 0 ]
printf 'last_name,first_name,dob,sex\nNul@ler,Ned,1961-02-03,M\nOkafor,Ada,1960-01-02,F\n' | tr '@' '\000' >"$T/nul-patients.csv"
H import patients "$T/nul-patients.csv" >/dev/null 2>"$T/in.err"
check "a patient CSV with a NUL byte: exit 1" [ $? -eq 1 ]
check "... the row named, not cut at the NUL" has "$T/in.err" "line 2: field 1 contains a NUL byte (U+0000)"

# ---- one date parser ---------------------------------------------------------
H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S2 --effective 2025-02-30 >/dev/null 2>"$T/d.err"
check "codes import --effective 2025-02-30: exit 1" [ $? -eq 1 ]
check "... says it is not a real date" has "$T/d.err" "Effective date: 2025-02-30 is not a real date."
check "... and loads nothing" [ "$(sql "select count(*) from code_versions where version = 'S2'")" = 0 ]
H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S2 --effective 2023-02-29 >/dev/null 2>&1
check "codes import --effective 2023-02-29 (not a leap year): refused" [ $? -eq 1 ]
H codes import icd10cm "$ROOT/assets/codes/icd10cm-sample.txt" --version S3 --effective 02/29/2024 >/dev/null 2>&1
check "codes import --effective 02/29/2024 (MM/DD/YYYY, leap year): loaded" [ $? -eq 0 ]
check "... stored as ISO" [ "$(sql "select effective from code_versions where version = 'S3'")" = 2024-02-29 ]
cli priv "$PW_PRIV" audit list --since 2025-02-30 >/dev/null 2>"$T/d.err"
check "audit list --since 2025-02-30: exit 2 (a bad option value, before sign-on)" [ $? -eq 2 ]
check "... says it is not a real date" has "$T/d.err" "--since: 2025-02-30 is not a real date."
cli priv "$PW_PRIV" audit list --since 02/28/2023 >/dev/null 2>&1
check "audit list --since 02/28/2023: accepted" [ $? -eq 0 ]
H codes search diab --date 2025-02-30 >/dev/null 2>"$T/d.err"
check "codes search --date 2025-02-30: exit 1, not a real date" sh -c '[ $1 -eq 1 ] && grep -q "2025-02-30 is not a real date" "$2"' - $? "$T/d.err"
H codes check E11.9 --date 2023-02-29 >/dev/null 2>"$T/d.err"
check "codes check --date 2023-02-29: exit 1, not a real date" sh -c '[ $1 -eq 1 ] && grep -q "2023-02-29 is not a real date" "$2"' - $? "$T/d.err"
H codes check E11.9 --date 2024-02-29 >/dev/null 2>&1
check "codes check --date 2024-02-29: fine" [ $? -eq 0 ]
clin nurse "$PW_NURSE" "$(csv name=Metformin frequency=daily)" med add "$mrn" --route PO --start 2023-02-29 >/dev/null 2>"$T/d.err"
check "med add --start 2023-02-29 refused" has "$T/d.err" "Start date: 2023-02-29 is not a real date."
clin prov "$PW_PROV" "$(csv text=Asthma)" problem add "$mrn" --onset 02/30/2020 >/dev/null 2>"$T/d.err"
check "problem add --onset 02/30/2020 refused" has "$T/d.err" "Onset date: 02/30/2020 is not a real date."
cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --date "2025-02-30 10:00" >/dev/null 2>"$T/d.err"
check "encounter add --date '2025-02-30 10:00' refused" has "$T/d.err" "Date of service: 2025-02-30 is not a real date."

# ---- the full-screen app -----------------------------------------------------
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
	tui_wait "Main menu for $1" 10 >/dev/null
}
screen_e() { tmux -L "$TMUX_SOCK" capture-pane -p -e -t "$S"; }
no_raw_on_screen() { # the pane's cells hold no C1 or bidi control, no bell
	screen_e >"$T/pane"
	! hexline "$T/pane" | grep -qE ' 07 | c2 [89][0-9a-f] | e2 80 a[a-e] | e2 81 a[6-9] '
}
tui_start audit 100 30
signon admin "$PW_ADMIN"
tui_send Home
tui_send Enter
expect "audit review opens" "Outcome  Target" 10
tui_send /
tui_wait "Find:" 5 >/dev/null
tui_type "user=ev"
tui_send Enter
sleep 0.3
tui_send Enter
expect "the hostile detail is shown escaped on screen" 'user=ev\x1b[2Jx\u202e since=*' 10
check "no raw C1, bidi or bell in the pane" no_raw_on_screen
tui_send Escape
sleep 0.3
# Typed or pasted: a bidi override or C1 control is refused with a message.
tui_send /
tui_wait "Find:" 5 >/dev/null
tui_send C-u
tui_type "abc$RLO"
expect "typing U+202E into a field is refused with a message" "U+202E cannot be typed" 5
tui_type "$(printf '\302\205')"
expect "typing U+0085 (C1) is refused too" "U+0085 cannot be typed" 5
tui_type "d"
expect "the field holds only what was allowed (no invisible U+202E between c and d)" "Find: abcd" 5
tui_stop

e2e_done
