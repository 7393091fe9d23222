#!/bin/sh
# A first load into a database without patients writes the database file
# directly, through SQLite's rollback journal instead of the log (README,
# "A first load writes the file once"). Killed at any of its writes or
# syncs (CHARTROOM_TEST_CRASH_AT, src/db/db_testhook.h), it leaves either
# every patient or none: the next Chartroom open rolls the journal back and
# puts the database back in WAL mode; the file is whole, the audit chain
# verifies, and the load run again completes and is found by the search.
# CRASH_LOAD_POINTS=N kills at N points spread over its writes plus its
# last two (default 4); 0 kills at every one.
. "$(dirname "$0")/lib.sh"
if [ ! -x "$TEST_BIN" ]; then
	not_ok "the test binary $TEST_BIN is built (make check builds it)"
	e2e_done
fi
e2e_setup
POINTS=${CRASH_LOAD_POINTS:-4}
N=2000

# The clinic with its users and no patient, kept to start each run from.
mkdir "$T/empty"
cp "$DB" "$DB.audit-journal" "$T/empty/" 2>/dev/null || cp "$DB" "$T/empty/"
fresh() {
	rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal" "$DB.audit-journal"
	cp "$T/empty/"* "$T/"
}
load() { printf '%s\n' "$PW_HIM" | env "$1" "$TEST_BIN" --db "$DB" --user him --password-stdin demo --patients "$N"; }
chain_ok() { cli priv "$PW_PRIV" audit verify 2>&1 | grep -q 'audit chain OK'; }

# A run without a kill: its writes counted, the file written directly
# (no log while it ran: the count includes no -wal write, and the
# database is back in WAL mode after it).
fresh
rm -f "$T/count"
load "CHARTROOM_TEST_CRASH_COUNT=$T/count" > "$T/out" 2>&1
w=$(cat "$T/count" 2>/dev/null || echo 0)
if grep -q "Created $N synthetic patients" "$T/out" && [ "$w" -ge 3 ] &&
	[ "$(sql 'select count(*) from patients')" -eq "$N" ] &&
	[ "$(sql 'pragma journal_mode')" = wal ] && [ ! -e "$DB-journal" ]; then
	ok "a first load of $N patients: saved, back in WAL mode, no journal left ($w writes/syncs)"
else
	not_ok "a first load of $N patients" "$(cat "$T/out"; echo "writes $w, mode $(sql 'pragma journal_mode')")"
	e2e_done
fi

pts=$(kill_points "$w" "$POINTS")
runs=0 killed=0 whole=0 none=0 bad=""
for n in $pts; do
	fresh
	load "CHARTROOM_TEST_CRASH_AT=$n" > "$T/out" 2>&1
	rc=$?
	runs=$((runs + 1))
	[ $rc -eq 137 ] && killed=$((killed + 1))
	# The next open (the audit verification) rolls a journal back and sets
	# the log again; only then is the file read with sqlite3.
	chain_ok || bad="$bad
kill at $n of $w: audit verify fails"
	mode=$(sql 'pragma journal_mode')
	[ "$mode" = wal ] || bad="$bad
kill at $n of $w: journal mode $mode after the next open"
	[ -e "$DB-journal" ] && bad="$bad
kill at $n of $w: a rollback journal is left after the next open"
	[ "$(sql 'pragma integrity_check')" = ok ] || bad="$bad
kill at $n of $w: integrity_check fails"
	got=$(sql 'select count(*) from patients')
	toks=$(sql 'select count(*) from patient_tokens')
	if [ "$got" -eq "$N" ]; then
		whole=$((whole + 1))
	elif [ "$got" -eq 0 ] && [ "$toks" -eq 0 ]; then
		none=$((none + 1))
		grep -q "Created $N" "$T/out" && bad="$bad
kill at $n of $w: reported created, but nothing saved"
		# Run again, as the clerk would: now every patient, found.
		load "CHARTROOM_TEST_CRASH_NONE=1" > "$T/again" 2>&1
		[ "$(sql 'select count(*) from patients')" -eq "$N" ] || bad="$bad
kill at $n of $w: the load run again saved $(sql 'select count(*) from patients')"
	else
		bad="$bad
kill at $n of $w: $got patients and $toks index rows (half a load)"
	fi
	sql "select count(*) from patients p where not exists (select 1 from patient_tokens t where t.prow = p.prow)" |
		grep -qx 0 || bad="$bad
kill at $n of $w: patients without index rows"
done
if [ -z "$bad" ] && [ "$killed" -gt 0 ] && [ "$none" -gt 0 ]; then
	ok "first load killed at $runs of its $w writes/syncs ($killed kills): every patient ($whole) or none ($none, then loaded again), WAL mode back, no journal left, file and audit chain whole"
else
	not_ok "first load killed at $runs of its $w writes/syncs ($killed kills, $whole whole, $none none)" "$bad"
fi

# The last database (loaded whole) is searched as a clerk would: "ma"
# finds the same patients in it as in a database loaded without a kill.
q=$(sql "select count(*) from patients")
find_q front "$PW_FRONT" "ma" > "$T/found" 2>&1
fresh
load "CHARTROOM_TEST_CRASH_NONE=1" > "$T/out" 2>&1
find_q front "$PW_FRONT" "ma" > "$T/found.clean" 2>&1
if [ "$q" -eq "$N" ] && grep -q "matches by name" "$T/found" &&
	[ "$(grep -c '^CR' "$T/found")" -ge 10 ] && cmp -s "$T/found" "$T/found.clean"; then
	ok "after the kills and the reload, a search finds what it finds after a clean load ($(grep -c '^CR' "$T/found") rows)"
else
	not_ok "after the kills and the reload, a search finds what it finds after a clean load" "$(diff "$T/found" "$T/found.clean" | head)"
fi
# A clerk who opens Chartroom while a first load writes the file (its
# rollback journal on disk) waits in line for it, as for any other
# writer, and then gets the answer: not "gave up" at once.
fresh
BIG=60000
( printf '%s\n' "$PW_HIM" | "$BIN" --db "$DB" --user him --password-stdin demo --patients "$BIG" > "$T/big.out" 2>&1; echo $? > "$T/big.rc" ) &
k=0
while [ ! -e "$DB-journal" ] && [ ! -e "$T/big.rc" ] && [ $k -lt 3000 ]; do
	sleep 0.01; k=$((k + 1))
done
if [ -e "$DB-journal" ]; then
	find_q front "$PW_FRONT" "ma" > "$T/during" 2>&1
	frc=$?
	wait
	if [ $frc -eq 0 ] && [ "$(cat "$T/big.rc")" -eq 0 ] && grep -q "matches by name" "$T/during" &&
		[ "$(sql 'select count(*) from patients')" -eq "$BIG" ] && [ "$(sql 'pragma journal_mode')" = wal ]; then
		ok "a search started during a first load waits for it, then answers ($(grep -c '^CR' "$T/during") rows; the load saved $BIG)"
	else
		not_ok "a search started during a first load waits for it, then answers" "search rc $frc: $(head -3 "$T/during"); load: $(cat "$T/big.out")"
	fi
else
	wait
	not_ok "a first load of $BIG patients wrote the file directly (its rollback journal was never seen)" "$(cat "$T/big.out")"
fi
e2e_done
