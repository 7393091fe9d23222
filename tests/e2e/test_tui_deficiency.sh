#!/bin/sh
# test_tui_deficiency.sh - deficiencies and authentication on screen: a
# provider signs on and is told "You have N deficiencies" and HIM's
# reminder, lists them, opens the nurse's note that needs a
# countersignature, countersigns it (asked first) and the deficiency is
# gone; the reminder is shown once. A nurse signs her own note with the
# password asked again ([clinical] sign_password = yes): a wrong one is
# refused and counted, the right one signs.
. "$(dirname "$0")/lib.sh"
e2e_setup
# Read the file as an attacker would, waiting out the app's own writes.
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
pol() { printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin policy set "$@" >/dev/null 2>&1; }
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
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
quit_app() {
	tui_send F12
	tui_wait "Screen locked" 5 >/dev/null
	tui_send F2
	tui_wait "Password:" 10 >/dev/null
	tui_stop
}

pol clinical.countersign_roles nurse
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Abernathy first_name=Wilhelmina dob=1948-07-09 sex=F)" patient add 2>/dev/null)
old=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 1" --date 2026-01-05 2>/dev/null)
enc=$(cli front "$PW_FRONT" encounter add "$mrn" --type "office visit" --provider prov --location "Room 2" 2>/dev/null)
printf 'Nursing intake: steady gait.\n' > "$T/n.txt"
nn=$(cli nurse "$PW_NURSE" note add "$enc" --file "$T/n.txt" 2>/dev/null)
cli nurse "$PW_NURSE" note sign "$nn" >/dev/null 2>&1
cli him "$PW_HIM" deficiency remind "O$old" >/dev/null 2>&1
check "setup: a signed nursing note and a reminder from HIM" [ "$(sql "select count(*) from deficiency_reminders")" = 1 ]

# ---- the provider sees and clears a deficiency ----
tui_start prov
signon prov "$PW_PROV"
expect "at sign-on: You have N deficiencies" "You have 2 deficiencies, 1 delinquent" 10
expect "... and HIM's reminder" "HIM reminded you of: O$old"
check "the reminder is marked seen" [ "$(sql "select count(*) from deficiency_reminders where seen_at is not null")" = 1 ]
tui_send Enter
tui_wait "Main menu for prov" 10 >/dev/null
menu_open "Deficiencies"
expect "the deficiency list opens" "Your deficiencies: 2" 10
expect "... the countersignature the nurse's note needs" "C$nn"
expect "... with the patient's MRN" "$mrn"
expect "... and the encounter left open, delinquent" "O$old"
at=$(line_no "C$nn")
head=$(line_no " Id ")
tui_send Home
i=$((head + 1))
while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
tui_send Enter
expect "Enter opens the note" "SIGNED by nurse" 10
expect "... offering to countersign" "countersign"
tui_send s
expect "countersigning asks first" "Countersign note $nn as prov?" 5
tui_send y
expect "the provider countersigns" "countersigned by prov" 10
tui_send Escape
expect "back in the list, the deficiency is gone" "Your deficiencies: 1" 10
expect_not "... C$nn no longer listed" "C$nn "
quit_app
check "the countersignature is a signed addendum by prov" [ "$(sql "select count(*) from notes where addendum_of = $nn and status = 'signed' and author = 'prov'")" = 1 ]

tui_start prov2
signon prov "$PW_PROV"
expect "signing on again: one deficiency left" "You have 1 deficiency, 1 delinquent" 10
expect_not "... the reminder is not shown twice" "HIM reminded you"
tui_send Enter
quit_app

# ---- a nurse signs her own note, the password asked again ----
pol clinical.sign_password yes
printf 'Nursing note: wound dressed.\n' > "$T/n2.txt"
n2=$(cli nurse "$PW_NURSE" note add "$enc" --file "$T/n2.txt" 2>/dev/null)
tui_start nurse
signon nurse "$PW_NURSE"
tui_send Enter
tui_wait "Main menu for nurse" 10 >/dev/null
tui_send Home
tui_send Enter
tui_wait "Find:" 5 >/dev/null
tui_type "abernathy"
tui_wait "Abernathy, Wilhelmina" 5 >/dev/null
tui_send Enter
tui_wait "[Demographics]" 10 >/dev/null
i=0
while [ $i -lt 8 ] && ! tui_screen | grep -qF "[Notes]"; do tui_send Tab; sleep 0.2; i=$((i + 1)); done
at=$(line_no "Note $n2 ")
top=$(line_no "Encounter $enc ")
tui_send Home
i=$top
while [ "$i" -lt "$at" ]; do tui_send Down; i=$((i + 1)); done
tui_send Enter
expect "the nurse opens her draft" "DRAFT by nurse" 10
tui_send s
expect "signing asks for the password" "Your password to sign note $n2" 5
tui_type "not my password at all"
tui_send Enter
expect "a wrong password is refused" "Wrong password: not signed." 15
check "... the note is still a draft" [ "$(sql "select status from notes where nrow = $n2")" = draft ]
check "... and the failure counts toward the lockout" [ "$(sql "select failed_count from users where name = 'nurse'")" = 1 ]
tui_send Enter
tui_send s
tui_wait "Your password to sign note $n2" 5 >/dev/null
tui_type "$PW_NURSE"
tui_send Enter
expect "the right password signs her own note" "Note $n2 signed by nurse." 15
check "signed in the database by nurse" [ "$(sql "select status || ' ' || signed_by from notes where nrow = $n2")" = "signed nurse" ]
quit_app
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain still verifies" sh -c "printf '%s' \"\$1\" | grep -q 'OK'" _ "$out"
e2e_done
