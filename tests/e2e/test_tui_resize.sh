#!/bin/sh
# test_tui_resize.sh - the layout follows the terminal (KEY_RESIZE):
# bigger, compact (60x20), too small (below 60x20: a clear notice instead
# of garbage, keys ignored), and back, with what was typed and what was
# open kept.
. "$(dirname "$0")/lib.sh"
e2e_setup

tui_start resize
tui_wait "Password:" 15 >/dev/null
tui_type adm
tui_resize 100 30
expect "sign-on screen redrawn at 100x30" "Harbor Family Clinic" 5
check "status bar is on the last of 30 lines" sh -c "printf '%s\n' \"\$1\" | sed -n 30p | grep -q 'not signed on'" - "$(tui_screen)"
check "help hint at the right edge of 100 columns" sh -c "printf '%s\n' \"\$1\" | sed -n 1p | grep -Eq '^.{92}F1 help$'" - "$(tui_screen)"
tui_resize 80 24
tui_type in
tui_send Tab
tui_type "$PW_ADMIN"
expect "typing goes on after a resize mid-form" "User:      admin" 5
tui_send Enter
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
tui_send Down
tui_send Down
tui_send Enter
expect "users list open" "rows 1-6 of 6" 10

tui_resize 100 30
sleep 0.5
expect "users list redrawn at 100x30" "rows 1-6 of 6" 5
check "title bar spans 100 columns" sh -c "printf '%s\n' \"\$1\" | sed -n 1p | grep -Eq '^ Chartroom \\| Users .{70,}F1 help$'" - "$(tui_screen)"
check "status bar is on line 30" sh -c "printf '%s\n' \"\$1\" | sed -n 30p | grep -q 'admin (admin)'" - "$(tui_screen)"

tui_resize 60 20
expect "60x20 is a compact layout, not too small" "rows 1-6 of 6" 5
expect "... with the status bar" "admin (admin)"
check "... on line 20" sh -c "printf '%s\n' \"\$1\" | sed -n 20p | grep -q 'admin (admin)'" - "$(tui_screen)"
tui_resize 59 19
expect "59x19 says the terminal is too small" "Terminal too small: need 60x20" 5
expect "... and how small it is" "(now 59x19)"
expect_not "no half-drawn list at 59x19" "rows 1-6"
expect_not "no status bar at 59x19" "admin (admin)"
tui_send q
tui_send Escape
tui_send F12
sleep 0.5
expect "keys are ignored while too small" "Terminal too small" 2

tui_resize 80 24
expect "back at 80x24: the users list again" "rows 1-6 of 6" 5
expect "... with its heading" "Last sign-on"
check "status bar is on line 24" sh -c "printf '%s\n' \"\$1\" | sed -n 24p | grep -q 'admin (admin)'" - "$(tui_screen)"
expect_not "no leftover of the notice" "Terminal too small"
check "exactly 24 lines, none wider than 80" sh -c "[ \$(printf '%s\n' \"\$1\" | wc -l) -eq 24 ] && ! printf '%s\n' \"\$1\" | grep -Eq '^.{81}'" - "$(tui_screen)"

# A dialog survives a resize too.
tui_send Escape
tui_wait "Main menu" 5 >/dev/null
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_resize 120 40
expect "question still asked after a resize" "Quit Chartroom?" 5
tui_resize 80 24
sleep 0.3
tui_send y
expect "quit" "[exit 0]" 10
e2e_done
