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
# A clerk who opens Chartroom while a first load writes the file waits in
# line for it, as for any other writer, and then gets the answer: not
# "gave up" at once. The load is held at its first write to its rollback
# journal (CHARTROOM_TEST_PAUSE_ON): inside its transaction, before it
# writes the database file, when SQLite refuses the switch to WAL at once
# rather than through the busy handler.
fresh
rm -f "$T/go" "$T/go.paused" "$T/big.rc" "$T/during.rc"
( printf '%s\n' "$PW_HIM" | env "CHARTROOM_TEST_PAUSE_ON=-journal" "CHARTROOM_TEST_PAUSE_FILE=$T/go" \
	"$TEST_BIN" --db "$DB" --user him --password-stdin demo --patients "$N" > "$T/big.out" 2>&1
  echo $? > "$T/big.rc" ) &
k=0
while [ ! -e "$T/go.paused" ] && [ ! -e "$T/big.rc" ] && [ $k -lt 3000 ]; do
	sleep 0.01; k=$((k + 1))
done
held=no
[ -e "$T/go.paused" ] && [ -e "$DB-journal" ] && held=yes
( find_q front "$PW_FRONT" "ma" > "$T/during" 2>&1; echo $? > "$T/during.rc" ) &
# While the load is held, the search must not answer (it would have read
# a database half loaded); it is let go after 2 s at most.
k=0
while [ ! -e "$T/during.rc" ] && [ $k -lt 200 ]; do
	sleep 0.01; k=$((k + 1))
done
early=no
[ -e "$T/during.rc" ] && early=yes
touch "$T/go"
wait
frc=$(cat "$T/during.rc" 2>/dev/null || echo none)
if [ "$held" = yes ] && [ "$early" = no ] && [ "$frc" = 0 ] && [ "$(cat "$T/big.rc")" = 0 ] &&
	grep -q "matches by name" "$T/during" && cmp -s "$T/during" "$T/found.clean" &&
	[ "$(sql 'select count(*) from patients')" -eq "$N" ] && [ "$(sql 'pragma journal_mode')" = wal ]; then
	ok "a search started while a first load holds the file (its rollback journal on disk) waits for it, then answers as after a clean load"
else
	not_ok "a search started during a first load waits for it, then answers (held $held, answered early $early, search rc $frc, load rc $(cat "$T/big.rc" 2>/dev/null))" "$(head -3 "$T/during"); load: $(cat "$T/big.out")"
fi
e2e_done
