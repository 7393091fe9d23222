#!/bin/sh
# test_tui_terminal.sh - the terminal side: colour and monochrome
# (NO_COLOR, [ui] color = never), the terminal restored on quit and on
# SIGTERM, SIGHUP and Ctrl-C (each signing off in the audit trail), text
# from the database shown escaped (never raw control characters), UTF-8,
# over-long input, and the screen dump for tests (CHARTROOM_SCREEN_DUMP),
# which only the test build (chartroom-test) has.
. "$(dirname "$0")/lib.sh"
e2e_setup

# tui_start_env NAME VAR=VALUE...: tui_start with extra environment
# (the binary is $APP: the release one unless set)
tui_start_env() {
	tui_keep
	name="cr-$$-$1"
	shift
	E2E_SESSIONS="$E2E_SESSIONS $name"
	tmux -L "$TMUX_SOCK" new-session -d -s "$name" -x 80 -y 24 \
		"env TERM=xterm-256color CHARTROOM_CONFIG='$CONF' ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' $* '${APP:-$BIN}' --db '$DB'; echo \"[exit \$?]\"; sleep 30"
	S=$name
}
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
	tui_wait "Press any key" 15 >/dev/null
	tui_send Enter
}
screen_e() { tmux -L "$TMUX_SOCK" capture-pane -p -e -t "$S"; }
pane() { tmux -L "$TMUX_SOCK" display -p -t "$S" "$1"; }
app_pid() { pgrep -P "$(pane '#{pane_pid}')" -x chartroom; }
ESC=$(printf '\033')
COLOR_RE="$ESC\\[([0-9]+;)*(3[0-7]|4[0-7])m"

# -- colour and monochrome
tui_start colour
tui_wait "Password:" 15 >/dev/null
check "colour terminal: bars in colour" sh -c "printf '%s\n' \"\$1\" | grep -Eq \"\$2\"" - "$(screen_e)" "$COLOR_RE"
check "the app uses the alternate screen while running" test "$(pane '#{alternate_on}')" = 1
tui_send Escape
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit" "[exit 0]" 10
check "after quitting the alternate screen is left" test "$(pane '#{alternate_on}')" = 0
check "after quitting the cursor is visible again" test "$(pane '#{cursor_flag}')" = 1
check "after quitting keypad mode is off" test "$(pane '#{keypad_flag}')" = 0
tui_stop

tui_start_env nocolour NO_COLOR=1
tui_wait "Password:" 15 >/dev/null
check "NO_COLOR: no colour at all" sh -c "! printf '%s\n' \"\$1\" | grep -Eq \"\$2\"" - "$(screen_e)" "$COLOR_RE"
check "NO_COLOR: the bars are in reverse video" sh -c "printf '%s\n' \"\$1\" | grep -qF \"\$2\"" - "$(screen_e)" "$ESC[1;7m Chartroom"
tui_stop

cp "$CONF" "$T/colour.ini"
printf '[ui]\ncolor = never\n' >> "$CONF"
tui_start never
tui_wait "Password:" 15 >/dev/null
check "color = never: no colour" sh -c "! printf '%s\n' \"\$1\" | grep -Eq \"\$2\"" - "$(screen_e)" "$COLOR_RE"
tui_stop
cp "$T/colour.ini" "$CONF"

# -- signals: each one signs off and restores the terminal
for sig in TERM HUP INT; do
	tui_start "sig$sig"
	signon front "$PW_FRONT"
	tui_wait "Main menu for front" 10 >/dev/null
	before=$(audited logout front)
	if [ "$sig" = INT ]; then
		tui_send C-c
		code=130
	else
		kill -s "$sig" "$(app_pid)"
		[ "$sig" = TERM ] && code=143 || code=129
	fi
	expect "SIG$sig: the app ends with status $code" "[exit $code]" 10
	check "SIG$sig: the terminal is restored (main screen)" test "$(pane '#{alternate_on}')" = 0
	check "SIG$sig: cursor visible again" test "$(pane '#{cursor_flag}')" = 1
	check "SIG$sig: the session was signed off (audited)" test "$(audited logout front)" -eq $((before + 1))
	tui_stop
done

# -- text from the database: control characters shown escaped, UTF-8 kept
sql "update meta set value = 'Clínica Ñandú' || char(27) || '[2J' || char(7) || char(155) || char(8238) || ' Süd' where key = 'clinic_name'"
tui_start_env utf8 LANG=C.UTF-8 LC_ALL=C.UTF-8
expect "UTF-8 clinic name shown, escape, bell, C1 and bidi override shown escaped" 'Clínica Ñandú\x1b[2J\x07\u009b\u202e Süd' 15
expect_not "control characters are not shown in caret notation either (^[)" "^["
expect_not "... (^G)" "^G"
RLO=$(printf '\342\200\256'); CSI1=$(printf '\302\233'); BEL=$(printf '\007')
check "no raw bidi override, C1 control or bell on the screen" sh -c 'case "$1" in *"$2"*|*"$3"*|*"$4"*) exit 1;; esac' - "$(screen_e)" "$RLO" "$CSI1" "$BEL"

# UTF-8 typed into a field, and Backspace removes a whole character.
tui_type "Jösé"
expect "UTF-8 typed into the user field" "User:      Jösé" 5
tui_send BSpace
expect "Backspace removes one whole character" "User:      Jös" 5
expect_not "... not half of it" "Jösé"
tui_send C-u
# Over-long input: the field stops at its size and says so.
long=$(printf '%0200d' 0 | tr 0 x)
tui_type "$long"
expect "over-long input is stopped with a message" "That is as much as this field can hold." 5
expect "the field scrolls (marker at the left)" "User:      <xxxxxxx" 5
tui_send Tab
tui_type "$long$long$long$long$long$long"
tui_send Enter
expect "an over-long sign-on is just refused" "Sign-on failed. Check the user name and password" 15
tui_send Escape
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "quit after the odd input" "[exit 0]" 10
tui_stop

# -- the screen dump: only in the test build
sql "update meta set value = 'Harbor Family Clinic' where key = 'clinic_name'"
APP=$TEST_BIN tui_start_env dump "CHARTROOM_SCREEN_DUMP='$T/screen.txt'"
signon admin "$PW_ADMIN"
tui_wait "Main menu for admin" 10 >/dev/null
i=0
while [ $i -lt 50 ] && ! grep -q "Main menu for admin" "$T/screen.txt" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
check "test build: screen dump has the menu" grep -q "Main menu for admin" "$T/screen.txt"
check "screen dump has 24 lines" test "$(wc -l < "$T/screen.txt")" -eq 24
check "screen dump is private (0600)" test "$(stat -c %a "$T/screen.txt")" = 600
check "screen dump never holds the password" sh -c "! grep -qF \"\$1\" '$T/screen.txt'" - "$PW_ADMIN"
tui_stop

# The release binary ignores the variable: the same session writes nothing.
tui_start_env nodump "CHARTROOM_SCREEN_DUMP='$T/release-screen.txt'"
signon admin "$PW_ADMIN"
expect "release build: signed on with CHARTROOM_SCREEN_DUMP set" "Main menu for admin" 10
tui_send Down
tui_send Up
tui_wait "Main menu for admin" 5 >/dev/null
check "release build: no screen dump written" test ! -e "$T/release-screen.txt" -a ! -e "$T/release-screen.txt.tmp"
check "release build: no screen-dump code in the binary" sh -c "! grep -q CHARTROOM_SCREEN_DUMP '$BIN'"
check "test build: has it" grep -q CHARTROOM_SCREEN_DUMP "$TEST_BIN"
tui_stop
e2e_done
