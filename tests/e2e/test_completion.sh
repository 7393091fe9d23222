#!/bin/sh
# test_completion.sh - bash completion (packaging/bash-completion/chartroom):
# commands, verbs, options and roles, read from the program's own help so
# they follow it; user names (the Unix users, as compgen -u lists them:
# Chartroom's users are named after them); --db=PATH and short options.
. "$(dirname "$0")/lib.sh"
if ! command -v bash >/dev/null 2>&1; then
	echo "ok 1 - bash completion # SKIP bash not installed"
	echo "1..1"
	exit 0
fi
# complete WORDS...: what bash completes for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));
		_chartroom; echo "${COMPREPLY[*]}"' - "$ROOT/packaging/bash-completion/chartroom" "$BIN" "$@"
}
commands=$("$BIN" --help | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | tr '\n' ' ')
check "chartroom <Tab>: every command" test "$(complete_words "")" = "${commands% }"
check "chartroom pa<Tab>: patient" test "$(complete_words pa)" = "patient"
check "chartroom --db x.db user <Tab>: the user verbs" \
	test "$(complete_words --db x.db user "")" = "add list disable enable unlock passwd role"
check "user add bob --role <Tab>: the roles" \
	test "$(complete_words user add bob --role "")" = "frontdesk nurse provider him privacy admin"
check "user role bob <Tab>: the roles" \
	test "$(complete_words user role bob pr)" = "provider privacy"
check "import patients --sk<Tab>: --skip-bad (from 'import -h')" \
	test "$(complete_words import patients --sk)" = "--skip-bad"
check "coding add-<Tab>: add-dx add-px" test "$(complete_words coding add-)" = "add-dx add-px"
check "keys <Tab>: its verbs, rotation and status too" \
	test "$(complete_words keys "")" = "waiting grant status rotate reindex"
check "keys rotate <Tab>: the keys that rotate" \
	test "$(complete_words keys rotate "")" = "demo clin index audit recovery"
check "keys rotate demo --<Tab>: its options (from 'keys rotate -h')" \
	sh -c 'printf "%s\n" "$1" | tr " " "\n" | grep -qx -- --batch && printf "%s\n" "$1" | tr " " "\n" | grep -qx -- --max-batches && printf "%s\n" "$1" | tr " " "\n" | grep -qx -- --recovery' _ "$(complete_words keys rotate demo --)"
check "--pass<Tab>: --password-stdin" test "$(complete_words --pass)" = "--password-stdin"
check "help <Tab>: the commands" test "$(complete_words help "")" = "${commands% }"
check "policy <Tab>: its verbs" test "$(complete_words policy "")" = "show set unset reset"
check "roles grant <Tab>: the roles" test "$(complete_words roles grant n)" = "nurse"
check "allergy add MRN --from <Tab>: file names" \
	test "$(cd "$ROOT/tests/e2e" && complete_words allergy add CR1 --from test_comp)" = "test_completion.sh"
check "a verb for every command that takes one" bash -c '
	. "$1"; COMP_WORDS=("$3"); for c in $2; do case $c in init|demo|recover|backup|restore|disclosures|chart-out|chart-in|chart-home|charts-out|chart-history|queue|merge|unmerge|providers) continue ;; esac
	[ -n "$(_chartroom_verbs "$c")" ] || { echo "no verbs for $c"; exit 1; }; done' - "$ROOT/packaging/bash-completion/chartroom" "$commands" "$BIN"
# -- user names: the Unix users (compgen -u), wherever a user is named
users_like() { bash -c 'compgen -u -- "$1" | sort -u | tr "\n" " "' _ "$1" | sed 's/ $//'; }
sorted() { printf '%s\n' "$1" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//'; }
check "the machine has a user starting 'ro' (root)" test -n "$(users_like ro)"
check "--user ro<Tab>: the Unix users (root)" test "$(sorted "$(complete_words --user ro)")" = "$(users_like ro)"
check "-u ro<Tab>: the same" test "$(sorted "$(complete_words -u ro)")" = "$(users_like ro)"
check "--user <Tab>: every Unix user" test "$(sorted "$(complete_words --user "")")" = "$(users_like "")"
check "audit list --user ro<Tab>: users" test "$(sorted "$(complete_words --db x.db audit list --user ro)")" = "$(users_like ro)"
check "user disable ro<Tab>: users" test "$(sorted "$(complete_words user disable ro)")" = "$(users_like ro)"
check "user role ro<Tab>: users, then its role" sh -c '[ "$1" = "$2" ] && [ "$3" = "nurse" ]' _ \
	"$(sorted "$(complete_words user role ro)")" "$(users_like ro)" "$(complete_words user role root nu)"
check "encounter add MRN --provider ro<Tab>: users" test "$(sorted "$(complete_words encounter add CR1 --provider ro)")" = "$(users_like ro)"
check "init --admin ro<Tab>: users" test "$(sorted "$(complete_words init --admin ro)")" = "$(users_like ro)"

# -- roles: --role, roles set/grant/revoke/reset
roles="frontdesk nurse provider him privacy admin"
check "--role <Tab>: every role" test "$(complete_words user add bob --role "")" = "$roles"
check "-r <Tab>: every role (user add's short form)" test "$(complete_words user add bob -r "")" = "$roles"
check "roles set <Tab>: every role" test "$(complete_words roles set "")" = "$roles"
check "roles revoke a<Tab>: admin" test "$(complete_words roles revoke a)" = "admin"
check "roles reset p<Tab>: provider privacy" test "$(complete_words roles reset p)" = "provider privacy"
check "roles grant nurse <Tab>: no role for the action" test -z "$(complete_words roles grant nurse "")"

# -- the option forms: --db=PATH (bash splits it at '='), -d PATH
check "--db=test_comp<Tab>: file names" \
	test "$(cd "$ROOT/tests/e2e" && complete_words --db = test_comp)" = "test_completion.sh"
check "--db=x.db user <Tab>: the command found after --db=PATH" \
	test "$(complete_words --db = x.db user "")" = "add list disable enable unlock passwd role"
check "-d x.db -u admin user <Tab>: after short global options" \
	test "$(complete_words -d x.db -u admin user "")" = "add list disable enable unlock passwd role"
check "backup -o test_comp<Tab>: file names" \
	test "$(cd "$ROOT/tests/e2e" && complete_words backup -o test_comp)" = "test_completion.sh"
check "roles --<Tab>: options, never a bare --" sh -c '! printf "%s\n" "$1" | tr " " "\n" | grep -qx -- "--"' _ "$(complete_words roles --)"
e2e_done
