#!/bin/sh
# test_tui_providers.sh - an imported history's provider records on screen
# (issue 14 item 4): after a Synthea import, a provider opens the chart; the
# encounter list shows each visit's provider record by name, and the
# encounter screen says who saw the patient, that the visit was imported
# and which provider user answers for it here.
. "$(dirname "$0")/lib.sh"
e2e_setup
cli admin "$PW_ADMIN" roles grant him encounter_checkin encounter_close vitals_record allergy_record medication_record problem_record >/dev/null 2>&1
cli him "$PW_HIM" import synthea "$ROOT/tests/fixtures/synthea" > /dev/null 2>&1
check "setup: the Synthea fixture imported with its provider records" [ "$(sql "select count(*) from providers")" = 2 ]

# section NAME: Tab to a chart section, polling the screen
section() {
	i=0
	while [ $i -lt 8 ] && ! tui_screen | grep -qF "[$1]"; do
		tui_send Tab
		tui_wait "[$1]" 1 >/dev/null
		i=$((i + 1))
	done
}

tui_start prov
tui_signon prov "$PW_PROV"
tui_send Home
tui_send Enter
tui_wait "Find:" 5 >/dev/null
tui_type "okonkwo"
tui_wait "Okonkwo-Reyes, Maria" 5 >/dev/null
tui_send Enter
expect "the provider opens the imported chart" "[Demographics]" 10
section Encounters
expect "the encounter list names the visit's provider record" "Omar Haddad" 5
expect "... each its own" "Alice Tran"
expect_not "... not the provider user for these visits" "annual exam  prov"
tui_send Enter
expect "the encounter screen: the record's name, imported from Synthea, the user who answers for it" "Provider Omar Haddad (Synthea import; user prov)   Location Synthea import" 5
tui_send Escape
tui_stop
e2e_done
