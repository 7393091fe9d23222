#!/bin/sh
# test_manpages.sh - the manual pages and the version cannot drift from the
# program: every command of 'chartroom --help', every option of
# 'chartroom COMMAND -h' (and of 'keys rotate -h', with the keys verbs
# status and rotate) and every exit code is in chartroom(1); every
# section and key of assets/chartroom.ini is in chartroom.ini(5); the pages
# render without warnings (mandoc -T lint, groff -ww, man --warnings, as
# lintian runs it); 'chartroom --version', the Makefile's VERSION and
# packaging/debian/changelog agree. The checks are shown to fail on a page
# with a command, an option or a key taken out.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-man.XXXXXX")

skip() { E2E_N=$((E2E_N + 1)); echo "ok $E2E_N - $1 # SKIP $2"; }
norm() { sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\&//g; s/\\(dq/"/g' "$1"; }

# -- the version, from one place
VERSION=$(sed -n 's/^VERSION := *//p' "$ROOT/Makefile")
check "the Makefile sets VERSION ($VERSION)" test -n "$VERSION"
check "chartroom --version prints it" test "$("$BIN" --version)" = "chartroom $VERSION"
check "chartroom -V prints it" test "$("$BIN" -V)" = "chartroom $VERSION"
chv=$(sed -n '1s/^chartroom (\([^)]*\)).*/\1/p' "$ROOT/packaging/debian/changelog")
check "debian/changelog's latest entry is the same version ($chv)" test "${chv%-*}" = "$VERSION"

# -- the pages, made as make does
DATE=2026-01-01
for p in chartroom.1 chartroom-server.7; do
	sed "s/@VERSION@/$VERSION/g; s/@DATE@/$DATE/g" "$ROOT/man/$p" > "$T/$p"
done
sh "$ROOT/tools/ini2man.sh" "$ROOT/assets/chartroom.ini" "$VERSION" "$DATE" > "$T/chartroom.ini.5"
check "ini2man.sh makes chartroom.ini(5)" test -s "$T/chartroom.ini.5"
for p in chartroom.1 chartroom.ini.5 chartroom-server.7; do
	check "$p names version $VERSION" grep -q "^\.TH .*\"chartroom $VERSION\"" "$T/$p"
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$T/$p" 2>&1)
		if [ -z "$out" ]; then ok "$p: mandoc -T lint clean"; else not_ok "$p: mandoc -T lint clean" "$out"; fi
	else
		skip "$p: mandoc -T lint clean" "mandoc not installed"
	fi
	if command -v groff >/dev/null 2>&1; then
		out=$(groff -ww -man -z "$T/$p" 2>&1)
		if [ -z "$out" ]; then ok "$p: groff -ww clean"; else not_ok "$p: groff -ww clean" "$out"; fi
	else
		skip "$p: groff -ww clean" "groff not installed"
	fi
	if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$T/$p" 2>&1 >/dev/null)
		if [ -z "$out" ]; then ok "$p: man --warnings -l clean"; else not_ok "$p: man --warnings -l clean" "$out"; fi
	else
		skip "$p: man --warnings -l clean" "man or groff not installed"
	fi
done

# -- chartroom(1) against the program
commands=$("$BIN" --help | sed -n '/^Commands/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
check "chartroom --help lists commands" test "$(printf '%s\n' "$commands" | wc -l)" -ge 10
# missing_from PAGE: what the program has and PAGE lacks, one per line.
missing_from() {
	norm "$1" > "$T/page.txt"
	for c in $commands; do
		grep -qx "\.SS $c" "$T/page.txt" || echo "command $c"
	done
	for o in $("$BIN" --help | grep -o -- '--[a-zA-Z0-9_-]*' | sort -u); do
		grep -Eq -- "$o([^a-zA-Z0-9_-]|\$)" "$T/page.txt" || echo "option $o"
	done
	for c in $commands; do
		for o in $("$BIN" "$c" -h 2>/dev/null | grep -o -- '--[a-zA-Z0-9_-]*' | sort -u); do
			grep -Eq -- "$o([^a-zA-Z0-9_-]|\$)" "$T/page.txt" || echo "option $c $o"
		done
	done
	# Short forms: every "-x, --name" of the help is in the page so
	# (".BR \-x ", " \-\-name" reads "-x, --name" once quotes go).
	sed 's/"//g; s/  */ /g; s/ ,/,/g' "$T/page.txt" > "$T/page-short.txt"
	for c in "" $commands; do
		"$BIN" $c --help 2>/dev/null | grep -o -- '-[a-zA-Z], --[a-zA-Z0-9_-]*'
	done | sort -u | while IFS= read -r pair; do
		grep -qF -- "$pair" "$T/page-short.txt" || echo "short option $pair"
	done
	# Verbs with a usage of their own.
	for o in $("$BIN" keys rotate -h 2>/dev/null | grep -o -- '--[a-zA-Z0-9_-]*' | sort -u); do
		grep -Eq -- "$o([^a-zA-Z0-9_-]|\$)" "$T/page.txt" || echo "option keys rotate $o"
	done
	for v in status rotate; do
		grep -Eq "^\.B(I)? \"?keys $v" "$T/page.txt" || echo "verb keys $v"
	done
	for x in $("$BIN" --help | sed -n '/^Exit codes:/,$p' | grep -o '[0-9][0-9]* [a-z]' | cut -d' ' -f1); do
		sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$T/page.txt" | grep -qx "\.B $x" || echo "exit code $x"
	done
}
out=$(missing_from "$T/chartroom.1")
if [ -z "$out" ]; then ok "chartroom(1) has every command, option and exit code"; else not_ok "chartroom(1) has every command, option and exit code" "$out"; fi
grep -vx '\.SS note' "$T/chartroom.1" > "$T/no-note.1"
# reports TEXT LINE: the check's report TEXT has LINE
reports() { printf '%s\n' "$1" | grep -qx -- "$2"; }
check "the check fails when a command is missing from chartroom(1)" reports "$(missing_from "$T/no-note.1")" "command note"
sed 's/max\\-batches/max/g' "$T/chartroom.1" > "$T/no-rot.1"
check "the check fails when a keys rotate option is missing from chartroom(1)" reports "$(missing_from "$T/no-rot.1")" "option keys rotate --max-batches"
sed 's/skip\\-bad/skip/g' "$T/chartroom.1" > "$T/no-opt.1"
check "the check fails when an option is missing from chartroom(1)" reports "$(missing_from "$T/no-opt.1")" "option import --skip-bad"
sed 's/\\-o ", " \\-\\-out/\\-\\-out/' "$T/chartroom.1" > "$T/no-short.1"
check "the check fails when a short option is missing from chartroom(1)" reports "$(missing_from "$T/no-short.1")" "short option -o, --out"
sed '/^\.B 4$/d' "$T/chartroom.1" > "$T/no-exit.1"
check "the check fails when an exit code is missing from chartroom(1)" reports "$(missing_from "$T/no-exit.1")" "exit code 4"

# -- chartroom.ini(5) against assets/chartroom.ini
ini_missing() {
	for s in $(sed -n 's/^\[\([a-z]*\)\].*/\1/p' "$ROOT/assets/chartroom.ini"); do
		grep -qx "\.SS \[$s\]" "$1" || echo "section $s"
	done
	for k in $(sed -n 's/^\([a-z0-9_.]*\) *=.*/\1/p; s/^; \([a-z0-9_.]*\) = .*/\1/p' "$ROOT/assets/chartroom.ini"); do
		grep -q "^\.BR \"$k\"" "$1" || echo "key $k"
	done
}
nkeys=$(sed -n 's/^\([a-z0-9_.]*\) *=.*/\1/p; s/^; \([a-z0-9_.]*\) = .*/\1/p' "$ROOT/assets/chartroom.ini" | wc -l)
out=$(ini_missing "$T/chartroom.ini.5")
if [ -z "$out" ] && [ "$nkeys" -ge 30 ]; then ok "chartroom.ini(5) has every section and all $nkeys keys (data_dir too)"; else not_ok "chartroom.ini(5) has every section and key" "$out"; fi
check "chartroom.ini(5) gives defaults and floors" sh -c "grep -q 'password_min_length\" \" (default: 15)' '$T/chartroom.ini.5' && grep -q '8 (floor) to 64' '$T/chartroom.ini.5'"
grep -v '^\.BR "argon2_passes"' "$T/chartroom.ini.5" > "$T/no-key.5"
check "the check fails when a key is missing from chartroom.ini(5)" reports "$(ini_missing "$T/no-key.5")" "key argon2_passes"
norm "$T/chartroom-server.7" > "$T/server.txt"
check "chartroom-server(7) has the sshd Match block with ForceCommand" \
	sh -c "grep -qx 'Match Group chartroom-staff' '$T/server.txt' && grep -qx '    ForceCommand /usr/bin/chartroom' '$T/server.txt'"
# same_block: every setting of the shipped example is in the page's block.
same_block() {
	grep '^	[A-Z]' "$ROOT/packaging/examples/sshd_config-chartroom.conf" | sed 's/^	/    /' |
		while IFS= read -r l; do grep -qxF -- "$l" "$T/server.txt" || { echo "$l"; return 1; }; done
}
check "chartroom-server(7): users are added on the Users screen as well as with 'user add'" \
	sh -c "grep -q 'Users' '$T/server.txt' && grep -qx '.BR a :' '$T/server.txt' && grep -q 'chartroom --user alice user add bob --role nurse' '$T/server.txt'"
check "... and docs/ssh-guide.md too" \
	sh -c "grep -q 'main menu, \*\*Users\*\*, then .a.' '$ROOT/docs/ssh-guide.md' && grep -q 'chartroom --user alice user add bob --role nurse' '$ROOT/docs/ssh-guide.md'"
check "chartroom-server(7) and chartroom.ini(5) say how to set the clinic's time zone" \
	sh -c "grep -q 'policy set clinic.timezone' '$T/server.txt' && grep -q '^\.BR \"timezone\"' '$T/chartroom.ini.5' && grep -q '^\.SS \[clinic\]' '$T/chartroom.ini.5'"
check "the shipped sshd example has the page's settings (no forwarding, a TTY)" same_block
check "... and both refuse forwarding and tunnels" sh -c "for k in AllowTcpForwarding X11Forwarding AllowAgentForwarding PermitTunnel; do grep -q \"^	\$k no\$\" '$ROOT/packaging/examples/sshd_config-chartroom.conf' || exit 1; done"

rm -rf "$T"
T=
e2e_done
