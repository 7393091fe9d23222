#!/bin/sh
# Many users at once, on the command line (README "Many users at once").
# While another program holds the database's write lock (sqlite3, a
# BEGIN IMMEDIATE left open), signing on and finding a patient work and
# show their results; a registration waits in line and goes through once
# the lock is released; a change that gives up (a short configured wait)
# says what happened, never "busy". An import prints its id first and
# commits in batches; a run killed right after a batch (a test-build hook,
# as kill -9 would) is resumed by running it again, with no patient twice;
# a finished import run again imports nothing.
. "$(dirname "$0")/lib.sh"
e2e_setup
FA() { clin front "$PW_FRONT" "$@"; }
patients() { sql "select count(*) from patients"; }

FA "$(csv last_name=Lockwood first_name=Lena dob=1969-09-09 sex=F)" patient add >/dev/null 2>&1
check "a patient to look for" [ "$(patients)" -eq 1 ]

# A configuration that would give up any wait after one second: what
# works under it did not wait.
QUICK="$T/quick.ini"
cat "$CONF" >"$QUICK"
printf '[database]\nbusy_timeout_ms = 1000\n' >>"$QUICK"
chmod 0644 "$QUICK"

# --- another program holds the write lock -----------------------------------
mkfifo "$T/sqlin"
sqlite3 "$DB" <"$T/sqlin" >"$T/sql.out" 2>&1 &
sqlpid=$!
exec 4>"$T/sqlin"
printf ".timeout 10000\nBEGIN IMMEDIATE;\nINSERT INTO meta(key, value) VALUES ('held', 'yes');\n" >&4
i=0
while sqlite3 "$DB" ".timeout 0" "BEGIN IMMEDIATE;" "ROLLBACK;" >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "sqlite3 holds the write lock" [ $i -lt 100 ]

out=$(CHARTROOM_CONFIG="$QUICK" find_q front "$PW_FRONT" lockwo 2>"$T/find.err")
rc=$?
check "sign-on and search work while it is held (exit 0)" [ $rc -eq 0 ]
check "... and show the result" sh -c 'printf "%s" "$1" | grep -q "Lockwood"' _ "$out"
out=$(CHARTROOM_CONFIG="$QUICK" find_q nurse "$PW_NURSE" 1969-09-09 2>>"$T/find.err")
check "another user's sign-on and search too" sh -c 'printf "%s" "$1" | grep -q "Lockwood"' _ "$out"

# A change with a one-second wait gives up, saying why and that nothing
# was saved; not "busy".
CHARTROOM_CONFIG="$QUICK" clin front "$PW_FRONT" "$(csv last_name=Quickgiveup first_name=Quinn dob=1970-01-01 sex=M)" patient add >/dev/null 2>"$T/quick.err"
rc=$?
check "a change that cannot wait long gives up (exit 1)" [ $rc -eq 1 ]
check "... saying it waited and saved nothing" grep -q "nothing was saved" "$T/quick.err"

# A change with the usual wait waits in line.
FA "$(csv last_name=Patientwaiter first_name=Pia dob=1971-02-03 sex=F)" patient add >"$T/add.out" 2>"$T/add.err" &
addpid=$!
i=0
while flock -n -x "$T" true && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the registration waits for the lock (it says so to other writers)" [ $i -lt 300 ]
check "... still running, nothing saved yet" sh -c "kill -0 $addpid && [ \"\$(sqlite3 '$DB' 'select count(*) from patients')\" -eq 1 ]"
printf 'COMMIT;\n.quit\n' >&4
exec 4>&-
wait $sqlpid
wait $addpid
rc=$?
check "once the lock is released it goes through (exit 0)" [ $rc -eq 0 ]
check "... with an MRN" grep -Eq '^CR[0-9]{8}$' "$T/add.out"
check "... saved once" [ "$(patients)" -eq 2 ]
check "nothing said busy" sh -c '! cat "$1"/*.err | grep -qi busy' _ "$T"

# The reads were recorded while the lock was held, and chained once.
check "the searches were recorded" [ "$(audited patient_search front)" -ge 1 ]
check "... and the nurse's" [ "$(audited patient_search nurse)" -ge 1 ]
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain verifies" sh -c 'printf "%s" "$1" | grep -q "^audit chain OK"' _ "$out"
check "every sign-on of the front desk is in the trail once" \
	[ "$(sql "select count(*) from audit where action = 'login' and user_name = 'front'")" -eq "$(audited login front)" ]

# --- an import in batches, killed after the second, resumed ------------------
# 130 different people: the import's duplicate check holds back look-alikes
# (a last name per letter, a first name of its own sound, a birthday each).
{
	echo "last_name,first_name,dob,sex"
	i=0
	for a in A B C D E F G H I J K L M; do
		for b in Ann Bob Carl Dana Eve Fritz Gus Hal Ivy Jude; do
			echo "${a}atchling,$b,$(date -u -d "1980-01-01 + $i days" +%Y-%m-%d),M"
			i=$((i + 1))
		done
	done
} >"$T/p.csv"
base=$(patients)
printf '%s\n' "$PW_HIM" | CHARTROOM_TEST_IMPORT_BATCH=40 CHARTROOM_TEST_IMPORT_KILL_AFTER=2 \
	"$TEST_BIN" --db "$DB" --user him --password-stdin import patients "$T/p.csv" >"$T/i1.out" 2>"$T/i1.err"
rc=$?
check "the import was killed after its second batch (status 137)" [ $rc -eq 137 ]
check "... it printed its id first" sh -c 'head -1 "$1" | grep -Eq "^Import ID: [0-9]+ \(130 patients\)$"' _ "$T/i1.out"
check "... and no success line" sh -c '! grep -q Imported "$1" "$2"' _ "$T/i1.out" "$T/i1.err"
check "... two batches of 40 were saved" [ "$(patients)" -eq $((base + 80)) ]
id=$(sed -n 's/^Import ID: \([0-9]*\).*/\1/p' "$T/i1.out")

printf '%s\n' "$PW_HIM" | "$BIN" --db "$DB" --user him --password-stdin import patients "$T/p.csv" >"$T/i2.out" 2>"$T/i2.err"
rc=$?
check "running it again finishes it (exit 0)" [ $rc -eq 0 ]
check "... same import id, resuming after the 80 done" sh -c 'head -1 "$1" | grep -q "^Import ID: $2 (130 patients; resuming after 80 done by an earlier run)$"' _ "$T/i2.out" "$id"
check "... none of the 80 it saved taken for a duplicate of itself" sh -c '! grep -q "likely duplicate" "$1"' _ "$T/i2.err"
check "... it imported the other 50" grep -q "^Imported 50 patients (import $id; resumed)" "$T/i2.err"
check "... and printed 50" [ "$(tail -1 "$T/i2.out")" = 50 ]
check "every row of the file is there once" [ "$(patients)" -eq $((base + 130)) ]

printf '%s\n' "$PW_HIM" | "$BIN" --db "$DB" --user him --password-stdin import patients "$T/p.csv" >"$T/i3.out" 2>"$T/i3.err"
rc=$?
check "the finished import run again: exit 0" [ $rc -eq 0 ]
check "... says it finished earlier and imports nothing" grep -q "nothing was imported again" "$T/i3.err"
check "... still every row once" [ "$(patients)" -eq $((base + 130)) ]
out=$(printf '%s\nmatchling, jude\n' "$PW_HIM" | "$BIN" --db "$DB" --user him --password-stdin patient find - 2>/dev/null)
check "the last row of the file is found once" [ "$(printf '%s\n' "$out" | grep -c Matchling)" -eq 1 ]
out=$(cli admin "$PW_ADMIN" audit list 2>/dev/null)
check "each batch is audited (2 + 1 entries of import $id)" \
	[ "$(printf '%s\n' "$out" | grep patient_import | grep -c "import $id of p.csv")" -eq 3 ]
out=$(cli admin "$PW_ADMIN" audit verify 2>&1)
check "the audit chain verifies after it all" sh -c 'printf "%s" "$1" | grep -q "^audit chain OK"' _ "$out"

e2e_done
