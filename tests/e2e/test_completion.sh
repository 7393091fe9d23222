#!/bin/sh
# test_completion.sh - bash completion (packaging/bash-completion/chartroom):
# commands, verbs, options and roles, read from the program's own help so
# they follow it.
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
	. "$1"; COMP_WORDS=("$3"); for c in $2; do case $c in init|demo|recover|backup|restore) continue ;; esac
	[ -n "$(_chartroom_verbs "$c")" ] || { echo "no verbs for $c"; exit 1; }; done' - "$ROOT/packaging/bash-completion/chartroom" "$commands" "$BIN"
e2e_done
