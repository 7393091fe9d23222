#!/bin/sh
# test_timezone.sh - [clinic] timezone: an unknown zone is refused with a
# clear message; once the clinic's zone is set (policy set, or the system
# file) every time shown is in it with its abbreviation or offset:
# audit list, encounter list, note and vitals lines, user list, policy
# show, backup messages, the audit review screen and the sign-on banner;
# a late check-in's time is read in it and the date of service is the
# clinic's day; the user's own TZ changes nothing; storage stays UTC.
. "$(dirname "$0")/lib.sh"
e2e_setup
Z=America/Chicago
# local ZONE STORED FORMAT: the stored UTC time in ZONE, as date(1) says.
local_time() { TZ=$1 date -d "$2" "$3"; }

# -- the policy: refused, then set
before=$(cli admin "$PW_ADMIN" policy show 2>/dev/null | grep '^clinic\.timezone')
check "the default is UTC" sh -c "printf '%s\n' \"\$1\" | grep -q '^clinic\.timezone	UTC	default$'" _ "$before"
out=$(cli admin "$PW_ADMIN" policy set clinic.timezone America/Chicgo 2>&1)
rc=$?
check "an unknown zone is refused, saying why and what to give" sh -c "[ $rc -ne 0 ] && printf '%s\n' \"\$1\" | grep -q \"clinic:timezone: 'America/Chicgo' is not a time zone: use an IANA name such as America/Chicago\"" _ "$out"
out=$(cli admin "$PW_ADMIN" policy set clinic.timezone ../../etc/passwd 2>&1)
rc=$?
check "a path is not a zone" sh -c "[ $rc -ne 0 ] && printf '%s\n' \"\$1\" | grep -q 'is not a time zone'" _ "$out"
check "... nothing changed" test "$(cli admin "$PW_ADMIN" policy show 2>/dev/null | grep '^clinic\.timezone')" = "$before"
out=$(cli nurse "$PW_NURSE" policy set clinic.timezone $Z 2>&1)
check "a nurse may not set it (exit 4)" test $? -eq 4
cli admin "$PW_ADMIN" policy set clinic.timezone $Z >/dev/null 2>&1
check "an administrator sets America/Chicago" test $? -eq 0
out=$(cli admin "$PW_ADMIN" policy show 2>/dev/null | grep '^clinic\.timezone')
check "policy show: the database's value, who and when in the clinic's zone" \
	sh -c "printf '%s\n' \"\$1\" | grep -Eq '^clinic\.timezone	America/Chicago	database \(set by admin at 20[0-9-]+ [0-9:]+ C[SD]T\)$'" _ "$out"

# -- audit list: each entry's time is its stored time in the clinic's zone
cli admin "$PW_ADMIN" audit list > "$T/audit.tsv" 2>/dev/null
sql "select seq, ts from audit" > "$T/stored.txt"
bad=0
n=0
while IFS='	' read -r seq when rest; do
	[ "$seq" = seq ] && continue
	ts=$(grep "^$seq|" "$T/stored.txt" | cut -d'|' -f2)
	want=$(local_time $Z "$ts" +%Y-%m-%dT%H:%M:%S%:z)
	n=$((n + 1))
	[ "$when" = "$want" ] || { bad=$((bad + 1)); echo "# seq $seq: $when, stored $ts, want $want"; }
done < "$T/audit.tsv"
check "audit list: all $n entries in America/Chicago with the offset (-06:00/-05:00)" sh -c "[ $n -ge 10 ] && [ $bad -eq 0 ]"
check "... storage stays UTC (every ts ends in Z)" test "$(sql "select count(*) from audit where ts not like '%Z'")" -eq 0
TZ=Asia/Tokyo cli admin "$PW_ADMIN" audit list --limit 3 > "$T/tokyo.tsv" 2>/dev/null
cli admin "$PW_ADMIN" audit list --limit 3 > "$T/plain.tsv" 2>/dev/null
check "the user's own TZ changes nothing" sh -c "cut -f1,2 '$T/tokyo.tsv' | sed 1d | grep -q -- '-0[56]:00$' && ! grep -q '+09:00' '$T/tokyo.tsv'"

# -- a late check-in at 18:30 on a November evening: read in the clinic's zone
mrn=$(clin front "$PW_FRONT" "$(csv last_name=Zonewright first_name=Ines dob=1970-01-02 sex=F)" patient add 2>/dev/null)
e=$(clin front "$PW_FRONT" "$(csv visit_reason="evening visit")" encounter add "$mrn" --type "office visit" --provider prov --date "2025-11-03 18:30" 2>/dev/null)
check "setup: an encounter at 2025-11-03 18:30" test -n "$e"
check "stored in UTC: 2025-11-04T00:30:00Z (CST is UTC-6)" test "$(sql "select start from encounters where erow = $e")" = "2025-11-04T00:30:00Z"
out=$(cli nurse "$PW_NURSE" encounter list "$mrn" 2>/dev/null)
check "encounter list: 2025-11-03T18:30:00-06:00" sh -c "printf '%s\n' \"\$1\" | grep -q '^$e	2025-11-03T18:30:00-06:00	office visit'" _ "$out"
cli nurse "$PW_NURSE" encounter close "$e" --date "2025-11-03 19:10" >/dev/null 2>&1
out=$(cli him "$PW_HIM" coding show "$e" 2>/dev/null)
check "the date of service is the clinic's day (2025-11-03), not UTC's" sh -c "printf '%s\n' \"\$1\" | grep -q 'date of service 2025-11-03'" _ "$out"
out=$(cli him "$PW_HIM" coding queue 2>/dev/null)
check "the coding queue: the clinic's dates of service and closing" sh -c "printf '%s\n' \"\$1\" | grep -q '^$e	2025-11-03	2025-11-03	'" _ "$out"
printf 'An evening note.\n' > "$T/note.txt"
nrow=$(cli prov "$PW_PROV" note add "$e" --file "$T/note.txt" 2>/dev/null)
cli prov "$PW_PROV" note sign "$nrow" >/dev/null 2>&1
created=$(sql "select created from notes where nrow = $nrow")
out=$(cli prov "$PW_PROV" note show "$nrow" 2>/dev/null | head -1)
want=$(local_time $Z "$created" "+%Y-%m-%d %H:%M:%S %Z")
check "note show: written and signed at times in the clinic's zone ($want)" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 'by prov, $want; signed by prov at 20[0-9-]* [0-9:]* C[SD]T$'" _ "$out"
out=$(cli prov "$PW_PROV" note sign "$nrow" 2>&1)
check "a message quoting a time (already signed at) is in the zone too" sh -c "printf '%s\n' \"\$1\" | grep -Eq 'already signed by prov at 20[0-9-]+ [0-9:]+ C[SD]T'" _ "$out"
cli nurse "$PW_NURSE" vitals add "$e" --pulse 72 >/dev/null 2>&1
out=$(cli nurse "$PW_NURSE" chart show "$mrn" --section vitals 2>/dev/null)
check "chart show: vitals taken at a time in the clinic's zone" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^  20[0-9-]+ [0-9:]+ C[SD]T enc $e: P 72'" _ "$out"
out=$(cli admin "$PW_ADMIN" user list 2>/dev/null | grep '^admin	')
check "user list: the last sign-on with its offset" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^admin	admin	active	20[0-9-]+T[0-9:]+-0[56]:00	'" _ "$out"
out=$(cli admin "$PW_ADMIN" backup --out "$T/b.db" 2>&1 >/dev/null)
check "backup: its message gives the last entry's time in the zone" sh -c "printf '%s\n' \"\$1\" | grep -Eq 'the last at 20[0-9-]+ [0-9:]+ C[SD]T'" _ "$out"
out=$(cli priv "$PW_PRIV" backup --verify "$T/b.db" 2>&1 >/dev/null)
check "backup --verify: the same" sh -c "printf '%s\n' \"\$1\" | grep -Eq 'the last at 20[0-9-]+ [0-9:]+ C[SD]T'" _ "$out"

# -- a screen: audit review and the sign-on banner
signon() { # USER PASSWORD
	tui_wait "Password:" 15 >/dev/null
	tui_type "$1"
	tui_send Tab
	tui_type "$2"
	tui_send Enter
}
cli priv "$PW_PRIV" audit anchor >/dev/null 2>&1 # a last sign-on to show
prev=$(local_time $Z "$(sql "select last_login from users where name = 'priv'")" "+%Y-%m-%d %H:%M %Z")
tui_start priv
signon priv "$PW_PRIV"
expect "the sign-on banner" "Press any key" 15
expect "the banner's last sign-on is in the clinic's zone ($prev)" "$prev" 5
tui_send Enter
expect "privacy officer's menu" "Main menu for priv" 10
tui_send Enter
expect "audit review opens" "Outcome  Target" 10
top=$(sql "select ts from audit order by seq desc limit 1")
want=$(local_time $Z "$top" "+%Y-%m-%d %H:%M %Z")
expect "the newest entry's time on screen: $want" "$want" 5
check "... on the first row" sh -c "printf '%s\n' \"\$1\" | sed -n 3p | grep -qF '$want'" _ "$(tui_screen)"
tui_send Enter
want=$(local_time $Z "$top" "+%Y-%m-%d %H:%M:%S %Z")
expect "Enter: to the second, in the zone, and as stored" "Time:      $want ($top)" 5
tui_send Escape
sleep 0.3
tui_send Escape
tui_wait "Main menu for priv" 5 >/dev/null
tui_send q
tui_wait "Quit Chartroom?" 5 >/dev/null
tui_send y
expect "priv quits" "[exit 0]" 10

# -- audit list --since DATE: from midnight in the clinic's zone. A zone
# whose date is not UTC's right now tells the two apart: after 10:00 UTC,
# UTC+14 (Kiritimati) is a day ahead, and --since that day lists what was
# just done (from UTC's midnight it would list nothing); before, UTC-11
# (Pago Pago) is a day behind, and --since UTC's date lists nothing of it
# (from UTC's midnight it would list it all).
utc_today=$(date -u +%Y-%m-%d)
if [ "$(date -u +%H)" -ge 10 ]; then zone=Pacific/Kiritimati; else zone=Pacific/Pago_Pago; fi
cli admin "$PW_ADMIN" policy set clinic.timezone $zone >/dev/null 2>&1
local_today=$(TZ=$zone date +%Y-%m-%d)
check "($zone's date, $local_today, is not UTC's, $utc_today)" test "$local_today" != "$utc_today"
cli admin "$PW_ADMIN" user unlock front >/dev/null 2>&1 # an entry now
if [ $zone = Pacific/Kiritimati ]; then
	n=$(cli admin "$PW_ADMIN" audit list --since "$local_today" 2>/dev/null | sed 1d | grep -vc 'audit_view')
	check "audit list --since $local_today (UTC+14): today's entries, from the clinic's midnight" test "$n" -gt 0
else
	n=$(cli admin "$PW_ADMIN" audit list --since "$utc_today" 2>/dev/null | sed 1d | grep -vc 'audit_view')
	check "audit list --since $utc_today (still tomorrow at UTC-11): nothing" test "$n" -eq 0
fi
first=$(cli admin "$PW_ADMIN" audit list --since "$local_today" 2>/dev/null | sed -n 2p | cut -f2)
check "... each listed entry on or after it, in the clinic's time" sh -c "case '$first' in $local_today*) exit 0;; esac; exit 1"

# -- back to UTC
cli admin "$PW_ADMIN" policy unset clinic.timezone >/dev/null 2>&1
out=$(cli admin "$PW_ADMIN" audit list --limit 1 2>/dev/null | sed -n 2p | cut -f2)
check "policy unset: times in UTC again (+00:00)" sh -c "printf '%s' '$out' | grep -Eq '^20[0-9-]+T[0-9:]+\+00:00$'"
out=$(cli nurse "$PW_NURSE" encounter list "$mrn" 2>/dev/null)
check "... the same encounter at 2025-11-04T00:30:00+00:00" sh -c "printf '%s\n' \"\$1\" | grep -q '^$e	2025-11-04T00:30:00+00:00	'" _ "$out"

# -- the system file sets it too; a user's own file may not
ETC_BIN=$(dirname "$BIN")/chartroom-testetc
ETC_FILE=$(dirname "$BIN")/test-etc/chartroom.ini
if [ -x "$ETC_BIN" ]; then
	mkdir -p "$(dirname "$ETC_FILE")"
	chmod 0755 "$(dirname "$ETC_FILE")"
	printf '[clinic]\ntimezone = Europe/London\n' > "$ETC_FILE"
	chmod 0644 "$ETC_FILE"
	out=$(printf '%s\n' "$PW_ADMIN" | "$ETC_BIN" --db "$DB" --user admin --password-stdin policy show 2>/dev/null | grep '^clinic\.timezone')
	check "the system file's zone, said so" sh -c "printf '%s\n' \"\$1\" | grep -q '^clinic\.timezone	Europe/London	system file '" _ "$out"
	out=$(printf '%s\n' "$PW_NURSE" | "$ETC_BIN" --db "$DB" --user nurse --password-stdin encounter list "$mrn" 2>/dev/null)
	check "... in force: the encounter at 2025-11-04T00:30:00+00:00 (GMT)" sh -c "printf '%s\n' \"\$1\" | grep -q '^$e	2025-11-04T00:30:00+00:00	'" _ "$out"
	printf '[clinic]\ntimezone = Mars/Olympus_Mons\n' > "$ETC_FILE"
	out=$("$ETC_BIN" --db "$DB" config check 2>&1)
	rc=$?
	check "an unknown zone in the system file stops Chartroom, naming the key" \
		sh -c "[ $rc -ne 0 ] && printf '%s\n' \"\$1\" | grep -q \"clinic:timezone: 'Mars/Olympus_Mons' is not a time zone\"" _ "$out"
	rm -f "$ETC_FILE"
else
	not_ok "the test build $ETC_BIN exists (make builds it for make check)"
fi
printf '[clinic]\ntimezone = Asia/Tokyo\n' >> "$CONF"
out=$(cli admin "$PW_ADMIN" audit list --limit 1 2>&1)
check "a user's own file's [clinic] is ignored with a warning" \
	sh -c "printf '%s\n' \"\$1\" | grep -q 'chartroom.ini:clinic: ignored' && ! printf '%s\n' \"\$1\" | grep -q '+09:00'" _ "$out"
e2e_done
