#!/bin/sh
# test_cli_phi.sh - PHI never on the command line (any local user can read
# a process's arguments in /proc): every option that would carry PHI or
# clinical free text is refused with exit 2, a message saying how to give
# it, and nothing changed; patients are registered from --from FILE,
# --from - (after the password on standard input) and the prompt (driven
# through tmux); 'patient find' takes only an MRN as an argument.
. "$(dirname "$0")/lib.sh"
e2e_setup

MSG='PHI is not taken on the command line (others can read it in /proc): use --from FILE, --from -, or answer the prompts.'
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Quillfeather first_name=Odalys dob=1971-04-05 sex=F)" patient add 2>/dev/null)
check "setup: a patient registered with --from -" sh -c "printf '%s' '$mrn' | grep -Eq '^CR[0-9]{8}$'"
enc=$(clin front "$PW_FRONT" "$(csv visit_reason="annual physical")" encounter add "$mrn" --type "office visit" --provider prov 2>/dev/null)
check "setup: an encounter" [ -n "$enc" ]

state() { echo "$(sql "select count(*) from patients"):$(sql "select count(*) from audit"):$(sql "select count(*) from audit_pending"):$(sql "select count(*) from allergies"):$(sql "select count(*) from medications"):$(sql "select count(*) from problems"):$(sql "select count(*) from encounters"):$(sql "select max(version) from patients")"; }

# refused "description" VALUE ARGS...: exit 2, the message, the value never
# echoed, nothing changed (not even a sign-on: the password is not read).
refused() {
	d=$1; v=$2; shift 2
	before=$(state)
	out=$(cli front "$PW_FRONT" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -qF -- "$MSG" &&
		! printf '%s' "$out" | grep -qF -- "$v" && [ "$(state)" = "$before" ]; then
		ok "$d"
	else
		not_ok "$d" "rc=$rc $(state) was $before: $out"
	fi
}

# Every patient field, as an option of add and of edit.
for f in last-name first-name middle-name suffix dob sex address1 address2 city state zip \
	phone-home phone-mobile email ssn language payer member-id emergency-name \
	emergency-relation emergency-phone death-date; do
	refused "patient add --$f is refused" "Zyxwvut-$f" patient add --$f "Zyxwvut-$f"
done
refused "patient edit --city is refused" "Zyxwvut" patient edit "$mrn" --city Zyxwvut --version 1
refused "the underscore spelling is refused too" "Zyxwvut" patient add --last_name Zyxwvut
refused "--ssn=VALUE is refused without echoing the value" "123-45-6789" patient add --ssn=123-45-6789
refused "patient show --reason is refused" "chest pains today" patient show "$mrn" --reason "chest pains today"
refused "encounter add --visit-reason is refused" "marmalade" encounter add "$mrn" --type "office visit" --provider prov --visit-reason "marmalade cough"
refused "allergy add --substance is refused" "Peanutine" allergy add "$mrn" --substance Peanutine
refused "allergy add --reaction is refused" "hivesish" allergy add "$mrn" --reaction hivesish
refused "med add --name is refused" "Zyxopril" med add "$mrn" --name Zyxopril --route PO
refused "med add --dose is refused" "17 mg" med add "$mrn" --dose "17 mg" --route PO
refused "med add --frequency is refused" "q7h" med add "$mrn" --frequency q7h --route PO
refused "problem add --text is refused" "Zyxitis" problem add "$mrn" --text Zyxitis --code I10
refused "coding reopen --why is refused" "payer asked" coding reopen "$enc" --why "payer asked again"
refused "chart show --reason is refused" "chest pains today" chart show "$mrn" --reason "chest pains today"
refused "vitals add --reason is refused" "chest pains today" vitals add "$enc" --pulse 70 --mrn "$mrn" --reason "chest pains today"
out=$(cli front "$PW_FRONT" patient add --ssn 1 2>&1)
check "the refusal names the option and shows the usage" sh -c "printf '%s' \"\$1\" | grep -q '^chartroom: --ssn: PHI' && printf '%s' \"\$1\" | grep -q '^usage: chartroom'" _ "$out"

# patient find: names, dates of birth, phones and SSNs are PHI; an MRN is not.
for q in "quillfeather" "Quillfeather, Od" "1971-04-05" "04/05/1971" "617-555-0142" "0142" "123-45-6789"; do
	before=$(state)
	out=$(cli front "$PW_FRONT" patient find "$q" 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "patient find -" && [ "$(state)" = "$before" ]; then
		ok "patient find '$q' as an argument is refused"
	else
		not_ok "patient find '$q' as an argument is refused" "rc=$rc $out"
	fi
done
out=$(cli front "$PW_FRONT" patient find "$mrn" 2>/dev/null)
check "patient find MRN as an argument works" sh -c "printf '%s' \"\$1\" | grep -q '^$mrn	Quillfeather	Odalys'" _ "$out"
out=$(find_q front "$PW_FRONT" "quillfeather, od" 2>/dev/null)
check "patient find - reads the query after the password" sh -c "printf '%s' \"\$1\" | grep -q '^$mrn	Quillfeather'" _ "$out"

# --from FILE
csv last_name=Fromfile first_name=Berenice dob=1980-02-03 sex=F phone_mobile=617-555-0177 confidential=yes > "$T/p.csv"
m1=$(cli front "$PW_FRONT" patient add --from "$T/p.csv" 2>/dev/null)
check "patient add --from FILE registers" sh -c "printf '%s' '$m1' | grep -Eq '^CR[0-9]{8}$'"
out=$(cli front "$PW_FRONT" patient find "$m1" 2>/dev/null)
check "... confidential as the file says" sh -c "printf '%s' \"\$1\" | grep -q '^$m1	Fromfile	Berenice.*	confidential	'" _ "$out"
out=$(cli him "$PW_HIM" patient show "$m1" 2>/dev/null)
check "... with every column of the file" sh -c "printf '%s' \"\$1\" | grep -q 'Fromfile' && printf '%s' \"\$1\" | grep -q '617-555-0177' && printf '%s' \"\$1\" | grep -q 'Confidential: *yes'" _ "$out"
printf 'city\nSalem\n' > "$T/e.csv"
out=$(cli him "$PW_HIM" patient edit "$m1" --from "$T/e.csv" --version 1 2>/dev/null)
check "patient edit --from FILE changes the fields given" sh -c "printf '%s' \"\$1\" | grep -q 'version 2'" _ "$out"
out=$(cli him "$PW_HIM" patient show "$m1" 2>/dev/null)
check "... and leaves the others" sh -c "printf '%s' \"\$1\" | grep -q 'City: *Salem' && printf '%s' \"\$1\" | grep -q '617-555-0177'" _ "$out"
printf 'phone_mobile\n""\n' > "$T/clear.csv"
cli him "$PW_HIM" patient edit "$m1" --from "$T/clear.csv" >/dev/null 2>&1
out=$(cli him "$PW_HIM" patient show "$m1" 2>/dev/null)
check "an empty value in the file clears a field" sh -c "printf '%s' \"\$1\" | grep -q 'Salem' && ! printf '%s' \"\$1\" | grep -q '617-555-0177'" _ "$out"

# --from - : the password line, then the CSV
m2=$(printf '%s\nlast_name,first_name,dob,sex\nStdinson,Casimir,1990-09-09,M\n' "$PW_FRONT" |
	"$BIN" --db "$DB" --user front --password-stdin patient add --from - 2>/dev/null)
check "patient add --from - registers (password first, then the CSV)" sh -c "printf '%s' '$m2' | grep -Eq '^CR[0-9]{8}$'"

# Bad input is refused with the reason, nothing saved.
before=$(state)
printf 'last_name,first_nam,dob,sex\nA,B,1970-01-01,M\n' > "$T/bad1.csv"
out=$(cli front "$PW_FRONT" patient add --from "$T/bad1.csv" 2>&1)
check "an unknown column is refused (exit 1)" [ $? -eq 1 ]
check "... naming it and the columns" sh -c "printf '%s' \"\$1\" | grep -q \"unknown column 'first_nam'\" && printf '%s' \"\$1\" | grep -q 'last_name,first_name'" _ "$out"
printf 'last_name,first_name,dob,sex\nA,B,1970-01-01,M\nC,D,1971-01-01,F\n' > "$T/bad2.csv"
out=$(cli front "$PW_FRONT" patient add --from "$T/bad2.csv" 2>&1)
check "two rows are refused (one patient at a time)" sh -c "printf '%s' \"\$1\" | grep -q 'one row of values is expected'" _ "$out"
printf 'last_name,first_name,dob,sex\n' > "$T/bad3.csv"
out=$(cli front "$PW_FRONT" patient add --from "$T/bad3.csv" 2>&1)
check "a header without a row is refused" sh -c "printf '%s' \"\$1\" | grep -q 'no row of values'" _ "$out"
out=$(cli front "$PW_FRONT" patient add --from "$T/missing.csv" 2>&1)
check "a missing file is refused (exit 1)" [ $? -eq 1 ]
check "... saying so" sh -c "printf '%s' \"\$1\" | grep -q 'Cannot open'" _ "$out"
check "... nothing was saved by any of them" [ "$(state)" = "$before" ]
out=$(cli front "$PW_FRONT" patient add 2>&1)
check "no --from and no terminal: exit 2" [ $? -eq 2 ]
check "... saying how to give the fields" sh -c "printf '%s' \"\$1\" | grep -q 'with --from FILE or --from -'" _ "$out"

# Clinical text from --from FILE.
csv substance=Quinolinium reaction="swelling of lips" > "$T/a.csv"
a=$(cli nurse "$PW_NURSE" allergy add "$mrn" --severity moderate --from "$T/a.csv" 2>/dev/null)
check "allergy add --from FILE records the allergy" [ -n "$a" ]
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section allergies 2>/dev/null)
check "... substance and reaction as given" sh -c "printf '%s' \"\$1\" | grep -q 'Quinolinium | reaction: swelling of lips'" _ "$out"

# The prompt, at a terminal (tmux): each field asked by name.
tui_keep
S="cr-$$-prompt"
E2E_SESSIONS="$E2E_SESSIONS $S"
tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 120 -y 40 \
	"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB' --user front patient add; echo \"[exit \$?]\"; sleep 30"
expect "the prompt asks for the password first" "Password for front:" 15
tui_type "$PW_FRONT"
tui_send Enter
expect "then each field by its name" "Last name:" 15
tui_type "Promptwell"
tui_send Enter
expect "... First name" "First name:" 5
tui_type "Ysolde"
tui_send Enter
expect "... Middle name (Enter leaves it blank)" "Middle name:" 5
tui_send Enter
expect "... Suffix" "Suffix:" 5
tui_send Enter
expect "... Date of birth" "Date of birth:" 5
tui_type "1955-05-06"
tui_send Enter
expect "... Sex" "Sex (F/M/X/U):" 5
tui_type "F"
tui_send Enter
for label in "Address:" "Address line 2:" "City:" "State:" "ZIP:" "Home phone:" "Mobile phone:" \
	"Email:" "SSN:" "Preferred language:" "Insurance payer:" "Member ID:" "Emergency contact:" \
	"Relation:" "Emergency phone:" "Date of death:"; do
	if tui_wait "$label" 5; then
		if [ "$label" = "City:" ]; then tui_type "Marblehead"; fi
		tui_send Enter
	else
		not_ok "prompt for $label" "$(tui_screen)"
	fi
done
expect "the prompted patient is registered" "[exit 0]" 15
pm=$(tui_screen | grep -Eo 'CR[0-9]{8}' | head -1)
out=$(cli front "$PW_FRONT" patient show "$pm" 2>/dev/null)
check "... with the answers given" sh -c "printf '%s' \"\$1\" | grep -q 'Promptwell' && printf '%s' \"\$1\" | grep -q 'City: *Marblehead' && printf '%s' \"\$1\" | grep -q '1955-05-06'" _ "$out"
tui_stop

# Editing at the prompt: Enter keeps a value, - clears it.
S="cr-$$-promptedit"
E2E_SESSIONS="$E2E_SESSIONS $S"
tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 120 -y 40 \
	"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB' --user front patient edit '$pm'; echo \"[exit \$?]\"; sleep 30"
tui_wait "Password for front:" 15 >/dev/null
tui_type "$PW_FRONT"
tui_send Enter
expect "edit shows the current value" "Last name [Promptwell]:" 15
tui_send Enter
for label in "First name" "Middle name:" "Suffix:" "Date of birth" "Sex" "Address:" "Address line 2:"; do
	tui_wait "$label" 5 >/dev/null
	tui_send Enter
done
expect "... City with its value" "City [Marblehead]:" 5
tui_type "-"
tui_send Enter
for label in "State:" "ZIP:" "Home phone:" "Mobile phone:" "Email:" "SSN:" "Preferred language:" \
	"Insurance payer:" "Member ID:" "Emergency contact:" "Relation:" "Emergency phone:"; do
	tui_wait "$label" 5 >/dev/null
	tui_send Enter
done
tui_wait "Date of death:" 5 >/dev/null
tui_send Enter
expect "the edit is saved" "version 2" 15
out=$(cli front "$PW_FRONT" patient show "$pm" 2>/dev/null)
check "- cleared the city, Enter kept the name" sh -c "! printf '%s' \"\$1\" | grep -q 'Marblehead' && printf '%s' \"\$1\" | grep -q 'Promptwell'" _ "$out"
tui_stop

# patient find - at a terminal asks for the query.
S="cr-$$-promptfind"
E2E_SESSIONS="$E2E_SESSIONS $S"
tmux -L "$TMUX_SOCK" new-session -d -s "$S" -x 120 -y 40 \
	"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' '$BIN' --db '$DB' --user front patient find -; echo \"[exit \$?]\"; sleep 30"
tui_wait "Password for front:" 15 >/dev/null
tui_type "$PW_FRONT"
tui_send Enter
expect "find - asks for the query" "Find (name" 15
tui_type "promptwell"
tui_send Enter
expect "... and lists the match" "1 match by name" 15
check "... the prompted patient" sh -c "printf '%s' \"\$1\" | grep -q '^$pm *Promptwell'" _ "$(tui_screen)"
tui_stop

# Nothing typed at the prompts or given in the files reached the audit
# trail or the database file in the clear.
check "no prompted or file value in the database file" sh -c "! strings -n 4 '$DB' '$DB-wal' 2>/dev/null | grep -qE 'Promptwell|Fromfile|Stdinson|Quinolinium|Marblehead'"
e2e_done
