#!/bin/sh
# test_tui_order.sh - issue 11 item 2 in the full-screen app: a search with
# more than a page of matches shows the alphabetically first 200 and says
# how to see the rest; PgDn on the last row fetches the next page in name
# order (the same rows as `patient find - --page 2`), PgDn at the end of
# page 2 the last page, and PgUp on the first row of a page the one before.
. "$(dirname "$0")/lib.sh"
e2e_setup

# 450 patients of three surnames starting "Pag", imported shuffled.
{
	echo "last_name,first_name,dob,sex"
	i=0
	while [ $i -lt 450 ]; do
		j=$(( (i * 173) % 450 ))
		case $((j % 3)) in 0) l=Pagett ;; 1) l=Pagani ;; *) l=Page-Rowe ;; esac
		a=$(printf "\\$(printf '%03o' $((97 + j % 26)))")
		b=$(printf "\\$(printf '%03o' $((97 + j / 26 % 26)))")
		printf '%s,R%s%s,19%02d-%02d-%02d,F\n' "$l" "$a" "$b" $((40 + j % 50)) $((1 + j % 12)) $((1 + j % 28))
		i=$((i + 1))
	done
} > "$T/pag.csv"
cli him "$PW_HIM" import patients "$T/pag.csv" --register-anyway >"$T/import.out" 2>&1
check "450 patients imported" grep -q "Imported 450 patients" "$T/import.out"
pg() { printf '%s\n%s\n' "$PW_FRONT" pag | "$BIN" --db "$DB" --user front --password-stdin patient find - "$@" 2>/dev/null; }
P1FIRST=$(pg | head -1 | cut -f1)
P2FIRST=$(pg --page 2 | head -1 | cut -f1)
P3FIRST=$(pg --page 3 | head -1 | cut -f1)
check "the command line's pages are there" sh -c '[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ]' _ "$P1FIRST" "$P2FIRST" "$P3FIRST"

tui_start front
tui_wait "Password:" 15 >/dev/null
tui_type front
tui_send Tab
tui_type "$PW_FRONT"
tui_send Enter
tui_wait "Press any key" 15 >/dev/null
tui_send Enter
tui_wait "Main menu for front" 10 >/dev/null
tui_send Home
tui_send Enter
expect "Find a patient opens" "Find:" 5
tui_type "pag"
expect "more than a page: says so and how to see the rest" "or PgDn at the end: next page." 10
expect "the first page starts with the alphabetically first" "$P1FIRST" 5

# pgdn_until TEXT: PgDn (one at a time, each given time to be drawn) until
# TEXT shows; 0 if it did within 40 presses.
pgdn_until() {
	n=0
	while [ $n -lt 40 ]; do
		tui_send NPage
		tui_wait "$1" 1 && return 0
		n=$((n + 1))
	done
	return 1
}
if pgdn_until "Page 2:"; then ok "PgDn past the last row fetches page 2"; else not_ok "PgDn past the last row fetches page 2" "$(tui_screen)"; fi
expect "page 2 says more follow" "Page 2: 200 matches by name - more follow" 5
expect "page 2 starts where the command line's page 2 does" "$P2FIRST" 5
expect_not "page 1's first row is gone" "$P1FIRST"
if pgdn_until "Page 3:"; then ok "PgDn at the end of page 2 fetches page 3"; else not_ok "PgDn at the end of page 2 fetches page 3" "$(tui_screen)"; fi
expect "page 3 is the last" "Page 3: 50 matches by name - the last of them" 5
expect "page 3 starts where the command line's does" "$P3FIRST" 5
# Back: PgUp to the first row, then once more to page 2.
n=0
while [ $n -lt 40 ] && ! tui_screen | grep -qF "Page 2:"; do
	tui_send PPage
	tui_wait "Page 2:" 1 || true
	n=$((n + 1))
done
expect "PgUp on the first row goes back to page 2" "Page 2: 200 matches" 2
tui_send F12
tui_wait "Screen locked" 5 >/dev/null
tui_send F2
tui_wait "Password:" 10 >/dev/null
tui_stop
e2e_done
