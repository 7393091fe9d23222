#!/bin/sh
# test_cli_options.sh - command-line habits (getopt_long, ui/cli_args.c):
# --NAME=VALUE and --NAME VALUE, global options before or after the
# command, a command's options anywhere among its arguments, "--" ending
# the options, combined short options, unique prefixes, and errors that
# name the option, show the command's usage, exit 2 and change nothing
# (not even a password is read).
. "$(dirname "$0")/lib.sh"
e2e_setup

# state: what a refused command must not change (the trail, its journal,
# the users, failed sign-ons).
state() { echo "$(sql "select count(*) from audit"):$(sql "select count(*) from audit_pending"):$(sql "select count(*) from users"):$(wc -c < "$DB.audit-journal" 2>/dev/null)"; }

# refused "description" "message" ARGS...: exit 2, the message naming the
# option, a usage line, and nothing changed (the password on standard
# input is never read: no sign-on).
refused() {
	d=$1; msg=$2; shift 2
	before=$(state)
	out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qxF -- "chartroom: $msg" &&
		printf '%s\n' "$out" | grep -q '^usage: chartroom ' && [ "$(state)" = "$before" ]; then
		ok "$d"
	else
		not_ok "$d" "rc=$rc $(state) was $before: $out"
	fi
}

# -- the global options: --NAME=VALUE, before or after the command
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db="$DB" --user=admin --password-stdin audit anchor 2>&1)
check "--db=PATH and --user=NAME before the command" sh -c "printf '%s' \"\$1\" | grep -Eq '^[0-9]+:[0-9a-f]{64}\$'" _ "$out"
# anchored: an anchor (SEQ:MAC) and nothing else
anchored() { printf '%s' "$1" | grep -Eq '^[0-9]+:[0-9a-f]{64}$'; }
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" audit anchor --password-stdin --user admin --db "$DB" 2>&1)
check "--db PATH, --user NAME and --password-stdin after the command" anchored "$out"
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Optionsworth first_name=Greta dob=1966-06-06 sex=F)" patient add 2>/dev/null)
check "setup: a patient" sh -c "printf '%s' '$mrn' | grep -Eq '^CR[0-9]{8}$'"
out=$(printf '%s\n%s\n' "$PW_FRONT" "optionsw" | "$BIN" patient find - --db "$DB" --user front --password-stdin 2>/dev/null)
check "chartroom patient find - --db X (the issue's example)" sh -c "printf '%s' \"\$1\" | grep -q '^$mrn	Optionsworth	Greta'" _ "$out"
out=$(printf '%s\n' "$PW_FRONT" | "$BIN" patient find "$mrn" --db="$DB" -u front --password-stdin 2>/dev/null)
check "... and --db=X, -u NAME after the command's argument" sh -c "printf '%s' \"\$1\" | grep -q '^$mrn	Optionsworth'" _ "$out"

# -- short options: -d PATH, -dPATH, -u NAME; combined flags
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" -d "$DB" -uadmin --password-stdin audit anchor 2>&1)
check "-d PATH and -uNAME (the value joined)" anchored "$out"
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" -d"$DB" -u admin --password-stdin backup -o "$T/b1.db" 2>/dev/null)
check "backup -o FILE" sh -c "[ -s '$T/b1.db' ] && printf '%s' \"\$1\" | grep -Eq '^[0-9]+:'" _ "$out"
printf '%s\n' "$PW_ADMIN" | "$BIN" -d "$DB" -u admin --password-stdin backup -o "$T/b1.db" >/dev/null 2>&1
rc=$?
check "... again without -f: refused (the file exists)" test "$rc" -ne 0
before=$(stat -c %Y "$T/b1.db")
sleep 1.1 # a new mtime for the replaced file
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" -d "$DB" -u admin --password-stdin backup -fo "$T/b1.db" 2>&1)
rc=$?
check "backup -fo FILE: -f and -o combined replace it" sh -c "[ $rc -eq 0 ] && [ \$(stat -c %Y '$T/b1.db') -ne $before ]"
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin audit list -n 2 2>/dev/null)
check "audit list -n 2: the header and two entries" test "$(printf '%s\n' "$out" | wc -l)" -eq 3
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin audit list -n2 --limit=3 2>/dev/null)
check "the last of an option given twice counts (--limit=3 after -n2)" test "$(printf '%s\n' "$out" | wc -l)" -eq 4
out=$("$BIN" -hV 2>&1)
check "-hV: combined global flags (help wins)" sh -c "printf '%s' \"\$1\" | grep -q '^Commands'" _ "$out"

# -- a command's options anywhere among its arguments
printf '%s\n%s\n' "$PW_ADMIN" "carl-password-for-tests" | "$BIN" --db "$DB" --user admin --password-stdin user --role nurse add carl 2>/dev/null
printf '%s\n%s\n' "$PW_ADMIN" "dora-password-for-tests" | "$BIN" --db "$DB" --user admin --password-stdin user add --role=him dora 2>/dev/null
printf '%s\n%s\n' "$PW_ADMIN" "emil-password-for-tests" | "$BIN" --db "$DB" --password-stdin user add emil -r frontdesk --user admin 2>/dev/null
out=$(cli admin "$PW_ADMIN" user list 2>/dev/null)
check "user --role nurse add carl: an option before the verb" sh -c "printf '%s\n' \"\$1\" | grep -q '^carl	nurse	active'" _ "$out"
check "user add --role=him dora: between the verb and its argument" sh -c "printf '%s\n' \"\$1\" | grep -q '^dora	him	active'" _ "$out"
check "user add emil -r frontdesk --user admin: short form, global option last" sh -c "printf '%s\n' \"\$1\" | grep -q '^emil	frontdesk	active'" _ "$out"
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --pass --user admin audit anchor 2>&1)
check "--pass: a unique prefix of --password-stdin" anchored "$out"

# -- audit list --user filters; elsewhere --user names who acts
printf '%s\n%s\n' "carl-password-for-tests" "carl-second-password-tests" | "$BIN" --db "$DB" --user carl --password-stdin user passwd carl >/dev/null 2>&1
printf '%s\n%s\n' "dora-password-for-tests" "dora-second-password-tests" | "$BIN" --db "$DB" --user dora --password-stdin user passwd dora >/dev/null 2>&1
out=$(printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit list --user carl 2>/dev/null | sed 1d | cut -f3 | sort -u)
check "audit list --user carl: only carl's entries (priv acts)" test "$out" = "carl"
out=$(printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --user priv --password-stdin audit list -u dora 2>/dev/null | sed 1d | cut -f3 | sort -u)
check "audit list -u dora: the short form filters too" test "$out" = "dora"
out=$(printf '%s\n' "$PW_PRIV" | "$BIN" --db "$DB" --password-stdin audit verify --user priv 2>&1)
check "audit verify --user priv: --user after the command names who acts" sh -c "printf '%s' \"\$1\" | grep -q '^audit chain OK'" _ "$out"

# -- "--" ends the options
out=$(cli admin "$PW_ADMIN" roles set nurse -patient_edit 2>&1)
rc=$?
check "roles set nurse -patient_edit: a list starting with '-' is taken as options (exit 2)" \
	sh -c "[ $rc -eq 2 ] && printf '%s\n' \"\$1\" | grep -q \"^chartroom: unknown option '-p'\"" _ "$out"
out=$(cli admin "$PW_ADMIN" roles set nurse -- -patient_edit 2>&1)
rc=$?
m=$(cli admin "$PW_ADMIN" roles 2>/dev/null | awk '$1 == "patient_edit" { print $3 }')
check "roles set nurse -- -patient_edit: after --, an argument (nurse loses patient_edit)" \
	sh -c "[ $rc -eq 0 ] && [ '$m' = '-' ]" 
cli admin "$PW_ADMIN" roles reset nurse >/dev/null 2>&1
printf 'a draft\n' > "$T/--odd.txt"
e=$(clin front "$PW_FRONT" "$(csv visit_reason="options check")" encounter add "$mrn" --type "office visit" --provider prov 2>/dev/null)
n=$(cd "$T" && printf '%s\n' "$PW_PROV" | "$BIN" --db "$DB" --user prov --password-stdin note add "$e" --file ./--odd.txt 2>/dev/null)
check "--file ./--odd.txt: a value may start with --" sh -c "[ -n '$n' ] && printf '%s' '$n' | grep -Eq '^[0-9]+$'"

# -- errors: the option named, the command's usage, exit 2, nothing done
refused "an unknown long option" "unknown option '--bogus'" --db "$DB" --user admin --password-stdin user list --bogus
refused "an unknown option before the command" "unknown option '--bogus'" --bogus --db "$DB" --user admin --password-stdin user list
refused "an unknown short option" "unknown option '-x'" --db "$DB" --user admin --password-stdin audit list -x
refused "a value missing (the last argument)" "option '--limit' needs a value" --db "$DB" --user admin --password-stdin audit list --limit
refused "a short option's value missing" "option '-o' needs a value" --db "$DB" --user admin --password-stdin backup -fo
refused "a global option's value empty" "option '--db' needs a value" --db= --user admin --password-stdin user list
refused "a flag given a value" "option '--force' takes no value" --db "$DB" --user admin --password-stdin backup --out "$T/b2.db" --force=yes
refused "an option of another verb" "option '--role' does not go with 'user list'" --db "$DB" --user admin --password-stdin user list --role nurse
refused "a command's own --version with another verb is an error, not the program's version" "option '--version' does not go with 'note add'" --db "$DB" --user prov --password-stdin note add 1 --file "$T/--odd.txt" --version 2
out=$("$BIN" user list --version 2>&1)
check "... where the command has none, --version after it is the program's" sh -c "printf '%s\n' \"\$1\" | grep -q '^chartroom [0-9]'" _ "$out"
refused "an ambiguous prefix lists the candidates" "option '--con' is ambiguous: --confidential, --config" --db "$DB" --user front --password-stdin patient add --con
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin user list --role nurse 2>&1)
check "... the usage shown is the command's" sh -c "printf '%s\n' \"\$1\" | grep -q '^usage: chartroom \[--user ACTOR\] user add NAME --role ROLE'" _ "$out"
out=$(printf '%s\n' "$PW_ADMIN" | "$BIN" --db "$DB" --user admin --password-stdin keys rotate demo --bogus 2>&1)
check "keys rotate: the usage of the verb" sh -c "printf '%s\n' \"\$1\" | grep -q '^usage: chartroom \[--user ACTOR\] keys rotate demo'" _ "$out"
out=$("$BIN" --bogus 2>&1)
rc=$?
check "an unknown option before any command: exit 2, the usage lines, not the whole list" \
	sh -c "[ $rc -eq 2 ] && printf '%s\n' \"\$1\" | grep -q '^usage: chartroom' && ! printf '%s\n' \"\$1\" | grep -q '^Commands'" _ "$out"
out=$("$BIN" user "$(printf -- '--bad\033[2Jname')" 2>&1)
check "control characters in an unknown option are not echoed" sh -c "! printf '%s' \"\$1\" | grep -q \"\$(printf '\033')\"" _ "$out"
refused "PHI offered as an option is refused as PHI first, whatever else is wrong" \
	"--ssn: PHI is not taken on the command line (others can read it in /proc): use --from FILE, --from -, or answer the prompts." \
	--db "$DB" --user front --password-stdin patient add --bogus --ssn=123-45-6789

# -- -h anywhere after the command: the command's usage, nothing else
out=$("$BIN" user list -h 2>&1)
rc=$?
check "user list -h: the user command's usage, exit 0" sh -c "[ $rc -eq 0 ] && printf '%s\n' \"\$1\" | grep -q '^usage: chartroom \[--user ACTOR\] user add'" _ "$out"
check "... as 'help user' prints it" test "$out" = "$("$BIN" help user 2>&1)"
e2e_done
