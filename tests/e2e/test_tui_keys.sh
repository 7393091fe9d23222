#!/bin/sh
# test_tui_keys.sh - one action table: the help screen lists every key
# from it (F1 anywhere, ? outside text fields), [ui] key.NAME = KEY
# rebinds, and a bad key setting stops Chartroom with a clear message
# before the screen is taken over.
. "$(dirname "$0")/lib.sh"
e2e_setup

signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
}

tui_start keys
tui_wait "Password:" 15 >/dev/null
# In a text field ? is a character, F1 is help.
tui_type "a?b"
expect "? is typed into a text field" "User:      a?b" 5
expect_not "? in a field does not open help" "What it does"
tui_send F1
expect "F1 opens help even from a text field" "What it does" 5
expect "help lists the help key" "F1 ?"
expect "help lists action names" "page_down"
expect "help lists the help text" "Show this help"
expect "help explains rebinding" "key.ACTION = KEY"
expect "title bar says help" "Chartroom | Help: keys"
tui_send End
expect "help scrolls to the last action" "Answer no to a question" 5
tui_send Escape
expect "Esc goes back to the sign-on screen" "User:      a?b" 5
tui_send C-u
expect_gone "^U clears the field" "a?b"

signon nurse "$PW_NURSE"
expect "menu" "Main menu for nurse" 10
tui_send '?'
expect "? opens help outside text fields" "What it does" 5
tui_send q
expect "q closes help" "Main menu for nurse" 5
tui_send F1
tui_wait "What it does" 5 >/dev/null
tui_send F1
sleep 0.3
tui_send Escape
expect "F1 on the help screen does not stack a second help" "Main menu for nurse" 5
tui_send q
expect "q on the main menu asks first" "Quit Chartroom? (y/n)" 5
tui_send n
sleep 0.3
expect_not "n: no quitting" "Quit Chartroom?"
# Keys nobody bound are ignored, and nothing breaks.
for k in F3 F4 F6 F7 F8 F9 F10 F11 IC Left Right C-a C-b C-e C-g C-t z Z 0 9 '~' Space BSpace DC; do
	tui_send "$k"
done
sleep 0.5
expect "random keys leave the menu as it was" "Main menu for nurse" 5
expect_not "... and ask nothing" "Quit Chartroom?"
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "y quits" "[exit 0]" 10
tui_stop

# Rebinding: quit on Q, help on F3 and h.
cat >> "$CONF" <<'CONF'
[ui]
key.quit = Q
key.help = F3 h
CONF
tui_start keys2
tui_wait "Password:" 15 >/dev/null
expect "hint line shows the rebound help key" "F3 help" 5
signon nurse "$PW_NURSE"
expect "menu" "Main menu for nurse" 10
expect "hint line shows the rebound quit key" "Q quit"
tui_send q
sleep 0.5
expect_not "q no longer quits" "Quit Chartroom?"
tui_send F1
sleep 0.5
expect_not "F1 is no longer help" "What it does"
tui_send F3
expect "F3 is help now" "What it does" 5
expect "help shows the configured keys" "F3 h"
tui_send Escape
tui_wait "Main menu for nurse" 5 >/dev/null
tui_send h
expect "h is help too" "What it does" 5
tui_send Escape
tui_wait "Main menu for nurse" 5 >/dev/null
tui_send Q
expect "Q asks to quit" "Quit Chartroom? (y/n)" 5
tui_send y
expect "quit" "[exit 0]" 10

# Bad settings: refused before curses starts, naming the setting.
bad() { # description expected-text ini-lines
	printf '[ui]\n%s\n' "$3" > "$T/bad.ini"
	out=$(CHARTROOM_CONFIG="$T/bad.ini" "$BIN" --db "$DB" </dev/null 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && printf '%s' "$out" | grep -qF -- "$2" &&
		! printf '%s' "$out" | grep -q "$(printf '\033')"; then
		ok "$1"
	else
		not_ok "$1" "exit $rc: $out"
	fi
}
bad "unknown action in key.NAME is refused" "ui:key.frobnicate: no such action" "key.frobnicate = x"
bad "unknown key name is refused" "'F13' is not a key" "key.quit = F13"
bad "a key bound to two actions is refused" "key 'y' is bound to both" "key.quit = y"
bad "a multi-character key is refused" "'qq' is not a key" "key.quit = qq"
bad "a Ctrl key (^U) is understood: its clash with clear_field is named" "key '^U' is bound to both" "key.lock = ^U"
e2e_done
