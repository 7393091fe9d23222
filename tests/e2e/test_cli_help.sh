#!/bin/sh
# test_cli_help.sh - 'chartroom help [COMMAND]' and the answer to an
# unknown command: the nearest command, not the whole usage.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-help.XXXXXX")

"$BIN" help > "$T/out" 2>&1
check "help: the command list, exit 0" sh -c "[ $? -eq 0 ] && grep -q '^Commands' '$T/out'"
"$BIN" help patient > "$T/out" 2>&1
rc=$?
"$BIN" patient -h > "$T/h" 2>&1
check "help patient: exit 0" test "$rc" -eq 0
check "help patient: the same as patient -h" cmp -s "$T/out" "$T/h"
"$BIN" help user > "$T/out" 2>&1
check "help user: user's usage" grep -q "usage: chartroom \[--user ACTOR\] user add" "$T/out"
"$BIN" help pateint > "$T/out" 2>&1
rc=$?
check "help with a misspelt command: exit 2" test "$rc" -eq 2
check "... suggests the nearest" grep -q "unknown command 'pateint'; did you mean 'patient'?" "$T/out"
"$BIN" pateint find smith > "$T/out" 2>&1
rc=$?
check "a misspelt command: exit 2" test "$rc" -eq 2
check "... one line naming the nearest command" \
	sh -c "[ \$(wc -l < '$T/out') -eq 1 ] && grep -q \"did you mean 'patient'? ('chartroom help patient')\" '$T/out'"
"$BIN" enc list 1 > "$T/out" 2>&1
check "a prefix names the command it starts (enc: encounter)" grep -q "did you mean 'encounter'" "$T/out"
"$BIN" codng queue > "$T/out" 2>&1
check "a letter missing (codng: coding)" grep -q "did you mean 'coding'" "$T/out"
"$BIN" xyzzy > "$T/out" 2>&1
rc=$?
check "nothing near: exit 2 and a pointer to --help, not the whole usage" \
	sh -c "[ $rc -eq 2 ] && grep -q \"'chartroom --help' lists the commands\" '$T/out' && ! grep -q '^Commands' '$T/out'"
"$BIN" "$(printf 'bad\033[2Jname')" > "$T/out" 2>&1
check "control characters in the name are not echoed" sh -c "! grep -q \"\$(printf '\033')\" '$T/out'"
rm -rf "$T"
T=
e2e_done
