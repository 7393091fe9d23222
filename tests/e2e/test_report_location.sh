#!/bin/sh
# test_report_location.sh - `report visits --by location` (issue 14): the
# policy's list of non-sensitive site names ([clinic] sites); a check-in
# location that begins with one records that site in the clear, any other
# counts as "(not a listed site)"; the location itself stays encrypted;
# the count checked against SQL; a bad list refused; a site edited with
# sqlite3 is an integrity error.
. "$(dirname "$0")/lib.sh"
e2e_setup
A() { cli admin "$PW_ADMIN" "$@"; }
out=$(A policy set clinic.sites "Main Street, , Harbor Annex" 2>&1)
check "an empty site name is refused by policy set" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "each site name is 1 to 40 characters"' _ "$out" $?
A policy set clinic.sites "Main Street, Harbor Annex" > /dev/null 2>&1
check "the sites are policy" sh -c 'printf "%s\n" "$1" | "$2" --db "$3" --user admin --password-stdin policy show 2>/dev/null | grep -q "Main Street, Harbor Annex"' _ "$PW_ADMIN" "$BIN" "$DB"
MRN=$(clin front "$PW_FRONT" "$(csv last_name=Sitewell first_name=Ada dob=1970-01-02 sex=F)" patient add 2>/dev/null)
for loc in "Harbor Annex, room 2" "harbor annex" "Main Street Rm 1" "Room 4" "Harbor Annexe 3"; do
	clin front "$PW_FRONT" "$(csv visit_reason="check")" encounter add "$MRN" --type "office visit" --provider prov --location "$loc" > /dev/null 2>&1
done
check "setup: five visits" [ "$(sql "select count(*) from encounters")" = 5 ]
check "only a listed site's name is in the clear, in the list's spelling" [ "$(sql "select group_concat(coalesce(site, '-'), '|') from (select site from encounters order by erow)")" = "Harbor Annex|Harbor Annex|Main Street|-|-" ]
cli him "$PW_HIM" report visits --by location --format csv > "$T/r.csv" 2> "$T/r.err"
check "report visits --by location succeeds" [ $? -eq 0 ] || sed 's/^/# /' "$T/r.err"
check "by site: Harbor Annex 2, Main Street 1, the rest 2" sh -c 'grep -q "^Harbor Annex,2," "$1" && grep -q "^Main Street,1," "$1" && grep -q "^(not a listed site),2," "$1"' _ "$T/r.csv" || sed 's/^/# /' "$T/r.csv"
check "the counts equal SQL's" [ "$(sql "select count(*) from encounters where site = 'Harbor Annex'")" = 2 ]
out=$(cli him "$PW_HIM" report diagnoses --by location 2>&1)
check "location is a grouping of visits only (usage error for diagnoses)" sh -c '[ $2 -ne 0 ]' _ "$out" $?
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
check "the locations themselves are not in the file in plaintext" sh -c '! strings -n 4 "$1" | grep -qi "room 2\|rm 1\|room 4"' _ "$DB"
sqlite3 "$DB" "update encounters set site = 'Main Street' where erow = 1"
out=$(cli nurse "$PW_NURSE" encounter list "$MRN" 2>&1)
check "a site changed with sqlite3: the chart's encounters are an integrity error" sh -c '[ $2 -ne 0 ] && printf %s "$1" | grep -q "encounters record 1"' _ "$out" $? || echo "# $out"
e2e_done
