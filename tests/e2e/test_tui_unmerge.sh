#!/bin/sh
# test_tui_unmerge.sh - merging and undoing a merge on screen (issue 13
# item 4), at 80x24: an HIM clerk merges a compared pair of Duplicate
# charts; a nurse records vital signs and a note on the kept chart; the
# front desk finds the retired chart among its recent charts and by its
# MRN, each marked "merged into", and Enter opens the kept chart saying
# so, with the notice under the banner; the HIM clerk opens the list of
# merges (M), presses u, is refused an empty reason (naming the field),
# confirms a question naming both MRNs, and the merge is undone. A dump
# of every non-audit table after the unmerge equals the dump before the
# merge apart from the rows added in between (test_cli_merge.sh's dump);
# audit verify passes; the retired MRN's search no longer shows the
# notice. A nurse has no way to the merges. A merges row edited with
# sqlite3 is marked in the lookup and the list and leads nowhere.
. "$(dirname "$0")/lib.sh"
e2e_setup
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}
fits() { # the screen is at most 80 columns wide
	[ "$(tmux -L "$TMUX_SOCK" capture-pane -p -t "$S" | awk '{ if (length > m) m = length } END { print m+0 }')" -le 80 ]
}
# audited, polled while the app just stopped still holds the database
count_of() {
	i=0
	while [ $i -lt 50 ]; do
		n=$(audited "$@" 2>/dev/null) && [ -n "$n" ] && { echo "$n"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	echo 0
}
verify() { printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit verify >/dev/null 2>&1; }
reg() { clin front "$PW_FRONT" "$(csv "$@")" patient add --register-anyway 2>/dev/null; }
# Every table but the audit trail's, chart heads and the merge journal
# (as tests/e2e/test_cli_merge.sh), row by row.
dump() {
	for t in $(sql "select name from sqlite_master where type = 'table' and name not like 'sqlite%' and name not like 'audit%' and name not like 'code_fts%' and name not in ('chart_heads', 'merges', 'merge_rows', 'users', 'meta') order by name"); do
		sqlite3 -cmd ".mode quote" "$DB" "select '$t', * from $t order by 2, 3, 4"
	done
	sqlite3 -cmd ".mode quote" "$DB" "select 'users', id, name, role, disabled, public_key, secret_wrap from users order by rowid"
	sqlite3 -cmd ".mode quote" "$DB" "select 'meta', * from meta where key not like 'last%' order by key"
}

pa=$(reg last_name=Wrenfield first_name=Oriel dob=1984-06-21 sex=F ssn=321-54-9876)
pb=$(reg last_name=Wrenfeld first_name=Oriel dob=1984-06-12 sex=F ssn=321-54-9876)
ea=$(clin front "$PW_FRONT" "$(csv visit_reason="kept chart visit")" encounter add "$pa" --type "office visit" --provider prov 2>/dev/null)
eb=$(clin front "$PW_FRONT" "$(csv visit_reason="retired chart visit")" encounter add "$pb" --type "office visit" --provider prov 2>/dev/null)
clin nurse "$PW_NURSE" "$(csv substance=Penicillin reaction=hives)" allergy add "$pb" --severity severe >/dev/null 2>&1
cli nurse "$PW_NURSE" vitals add "$eb" --bp 122/80 --pulse 70 >/dev/null 2>&1
printf 'Retired chart note canary-unmerge-3381\n' > "$T/n1.txt"
cli nurse "$PW_NURSE" note add "$eb" --file "$T/n1.txt" >/dev/null 2>&1
check "setup: two charts, the second with a visit, vitals, a note and an allergy" sh -c "[ -n '$pa' ] && [ -n '$pb' ] && [ -n '$ea' ] && [ -n '$eb' ] && [ \"\$(sqlite3 '$DB' 'select count(*) from notes')\" = 1 ]"
cli front "$PW_FRONT" patient show "$pb" >/dev/null 2>&1 # among the front desk's recent charts
cli him "$PW_HIM" duplicates scan >/dev/null 2>&1 # HIM's first sign-on takes up its key grants; the worklist
check "the scan lists the pair" [ "$(sql "select count(*) from dup_candidates")" -ge 1 ]
check "audit verify passes before" verify
dump > "$T/before.txt"

# --- HIM merges on screen ---------------------------------------------------
tui_start him
tui_signon him "$PW_HIM"
tui_menu_open "Duplicate charts"
expect "the worklist lists the pair" "$pb" 10
expect "its footer offers the merges" "M: merges" 5
tui_send Enter
expect "Enter compares the charts" "m: merge B into A" 10
tui_send m
expect "m asks why, naming both MRNs" "Merge B ($pb) into A ($pa)?" 5
tui_type "Same patient, date of birth typed twice"
tui_send Enter
expect "merged on screen, with its number" "Merge 1: MRN $pb merged into MRN $pa" 15
check "the screen fits 80 columns" fits
quit_app
check "the merge is in force" [ "$(sql "select count(*) from merges where undone_at is null")" = 1 ]

# --- later work on the kept chart ------------------------------------------
cli nurse "$PW_NURSE" vitals add "$ea" --bp 118/76 --pulse 64 >/dev/null 2>&1
printf 'Kept chart note after the merge\n' > "$T/n2.txt"
cli nurse "$PW_NURSE" note add "$ea" --file "$T/n2.txt" >/dev/null 2>&1
check "vital signs and a note added to the kept chart after the merge" [ "$(sql "select (select count(*) from vitals) || '/' || (select count(*) from notes)")" = "2/2" ]

# --- the front desk finds the retired chart --------------------------------
tui_start front
tui_signon front "$PW_FRONT"
tui_menu_open "Find a patient"
expect "the recent charts list the retired chart marked merged" "merged into $pa" 10
expect "the message line names both MRNs and what Enter does" "MRN $pb was merged into MRN $pa (merge 1): Enter opens it." 5
check "the lookup fits 80 columns" fits
tui_send Enter
expect "Enter opens the kept chart, saying so" "Opened MRN $pa: MRN $pb was merged into it (merge 1)." 10
expect "the notice shows under the banner" "MRN $pb was merged into this chart on" 5
check "the banner is the kept chart's" sh -c "tmux -L '$TMUX_SOCK' capture-pane -p -t '$S' | sed -n 2p | grep -q '$pa'"
check "the chart fits 80 columns" fits
tui_send Escape
tui_wait "Find:" 5 >/dev/null
tui_type "$pb"
expect "a search by the retired MRN lists it marked merged" "merged into $pa" 10
expect "... and says where it went" "MRN $pb was merged into MRN $pa (merge 1)" 5
tui_send Enter
expect "Enter on it opens the kept chart too" "Opened MRN $pa: MRN $pb was merged into it" 10
quit_app
check "the kept chart's open is audited (chart_open by the front desk)" [ "$(count_of chart_open front)" -ge 2 ]

# --- a nurse has no way to the merges ---------------------------------------
tui_start nurse
tui_signon nurse "$PW_NURSE"
expect "the nurse's menu is up" "Find a patient" 5
expect_not "a nurse's menu has no Duplicate charts (the merges are behind it)" "Duplicate charts"
quit_app

# --- HIM undoes the merge on screen ----------------------------------------
tui_start him
tui_signon him "$PW_HIM"
tui_menu_open "Duplicate charts"
tui_wait "M: merges" 10 >/dev/null
tui_send M
expect "M opens the list of merges" "Kept MRN" 10
line=$(tui_screen | grep -F " $pa " | head -1)
check "the merge is listed: id, who, kept MRN, retired MRN, in force" sh -c "printf '%s' \"\$1\" | grep -qE '^ 1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ [A-Z+0-9-]+ +him +$pa +$pb +in force'" _ "$line"
expect "the selected merge in words" "Merge 1: MRN $pb into MRN $pa by him" 5
check "the list fits 80 columns" fits
check "the list is audited" [ "$(count_of merge_list him)" -ge 1 ]
tui_send u
expect "u asks why, naming both MRNs" "Why undo merge 1 (MRN $pb out of MRN $pa)?" 5
tui_send Enter
expect "an empty reason is refused, naming the field" "Reason: say why" 5
check "nothing was undone" [ "$(sql "select count(*) from merges where undone_at is null")" = 1 ]
tui_type "Different people after all: twins"
tui_send Enter
expect "a confirmation naming both MRNs" "Undo merge 1: its records go back from MRN $pa to MRN $pb?" 5
expect "... saying what stays" "Records added to MRN $pa since stay with it." 5
check "the question fits 80 columns" fits
tui_send n
expect "n undoes nothing" "Not undone: nothing was changed." 5
check "the merge is still in force" [ "$(sql "select count(*) from merges where undone_at is null")" = 1 ]
tui_send u
tui_wait "Why undo merge 1" 5 >/dev/null
tui_type "Different people after all: twins"
tui_send Enter
tui_wait "Undo merge 1: its records go back" 5 >/dev/null
tui_send y
expect "y undoes it and says so" "Merge 1 undone: MRN $pb is its own chart again" 15
expect "the merge is listed undone" "undone" 5
check "the merge is undone in the journal" [ "$(sql "select count(*) from merges where undone_at is not null and undone_by = 'him'")" = 1 ]
tui_send u
expect "an undone merge is not undone twice" "Merge 1 was undone already" 5
tui_send Escape
expect "Esc: back to the worklist, the pair on it again" "$pb" 10
check "the worklist fits 80 columns" fits
quit_app
check "the unmerge is audited on both charts" [ "$(count_of chart_unmerge him)" = 2 ]
check "the reasons are not in the file" sh -c "! sqlite3 '$DB' .dump | grep -q 'twins\|typed twice'"

dump > "$T/after.txt"
sort "$T/before.txt" > "$T/b.s"
sort "$T/after.txt" > "$T/a.s"
check "nothing of before the merge is missing or different after the unmerge" sh -c "[ -z \"\$(comm -23 '$T/b.s' '$T/a.s')\" ]"
comm -13 "$T/b.s" "$T/a.s" > "$T/added.txt"
check "the rows added are the vital signs and the note written in between" [ "$(grep -c "^'vitals',\|^'notes'," "$T/added.txt")" = 2 ]
check "and the charts opened (recently opened list), nothing else" [ "$(grep -vc "^'vitals',\|^'notes',\|^'recent_patients'," "$T/added.txt")" = 0 ]
check "what was added stays with the kept chart" [ "$(sql "select (select count(*) from vitals where erow = $ea) || '/' || (select count(*) from notes where erow = $ea)")" = "1/1" ]
check "audit verify passes after the unmerge" verify

# --- after the unmerge the retired MRN is its own chart --------------------
tui_start front2
tui_signon front "$PW_FRONT"
tui_menu_open "Find a patient"
tui_wait "Find:" 5 >/dev/null
tui_type "$pb"
expect "the retired MRN is found" "1 match by MRN" 10
expect_not "with no merged-into notice" "merged into"
tui_send Enter
expect "Enter opens the retired chart itself" "$pb  DOB" 10
expect_not "no notice under its banner" "was merged into"
quit_app

# --- a merges row edited with sqlite3 leads nowhere ---------------------------
id2=$(cli him "$PW_HIM" merge "$pa" "$pb" --reason "Merged again" 2>/dev/null)
check "merged again on the command line" [ "$id2" = 2 ]
sql "update merges set merged_by = 'front' where mrow = 2"
tui_start front3
tui_signon front "$PW_FRONT"
tui_menu_open "Find a patient"
tui_wait "Find:" 5 >/dev/null
tui_type "$pb"
expect "the altered merge is marked in the lookup" "MERGE RECORD ALTERED" 10
expect "... in words" "this chart's merge record fails its integrity check" 5
tui_send Enter
expect "Enter opens nothing: an integrity error naming the merge" "Integrity check failed: merges record 2" 10
expect_not "no chart was opened" "Opened MRN"
quit_app
tui_start him3
tui_signon him "$PW_HIM"
tui_menu_open "Duplicate charts"
tui_wait "M: merges" 10 >/dev/null
tui_send M
expect "the list of merges marks it ALTERED" "ALTERED" 10
tui_send Home
tui_send u
expect "u on it is refused with the integrity error" "Integrity check failed: merges record 2" 5
check "and it is still in force, unchanged" [ "$(sql "select count(*) from merges where mrow = 2 and undone_at is null")" = 1 ]
quit_app
check "the failure is in the audit trail" [ "$(count_of integrity_fail)" -ge 1 ]
e2e_done
