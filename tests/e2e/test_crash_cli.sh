#!/bin/sh
# A success line only after the commit, on the real command line: each
# command that saves is run by the test binary and killed with SIGKILL on
# entering its N-th write or sync of the database (CHARTROOM_TEST_CRASH_AT,
# src/db/db_testhook.h; standard output line-buffered as on a terminal).
# After each kill: if the command had printed its success (the MRN, the
# row number, "saved", "signed", "Imported"), the change is in the
# database; nothing is saved twice; audit verify passes.
# An import killed is run again, as a clerk would: it resumes (its id),
# and the file's patients are then there exactly once.
# CRASH_CLI_POINTS=N kills at N points spread over the command's writes
# plus its last two (default 4); 0 kills at every one (make crashtest).
. "$(dirname "$0")/lib.sh"
if [ ! -x "$TEST_BIN" ]; then
	not_ok "the test binary $TEST_BIN is built (make check builds it)"
	e2e_done
fi
e2e_setup
POINTS=${CRASH_CLI_POINTS:-4}

mrn=$(clin front "$PW_FRONT" "$(csv last_name=Crashley first_name=Ada dob=1970-05-06 sex=F)" patient add 2>/dev/null)
enc=$(clin front "$PW_FRONT" "$(csv visit_reason="checkup")" encounter add "$mrn" --type "office visit" --provider prov --location "Room 1" 2>/dev/null)
printf 'Patient seen; doing well.\n' > "$T/note.txt"
# five_csv: a file of five patients not imported before (the same file
# again would be a no-op: imports resume by the file's digest), five
# different people, none like one of an earlier file (the import's
# duplicate check would hold a look-alike back): names of their own, a
# birthday each.
runs_made=0
five_csv() {
	runs_made=$((runs_made + 1))
	printf 'last_name,first_name,dob,sex\n' > "$T/five.csv"
	sfx=$(printf '%s' "$runs_made" | tr 0-9 a-j)
	k=0
	for nm in Able Baker Charlie Dog Easy; do
		k=$((k + 1))
		printf '%s%s,Imported%s%s,%s,M\n' "$nm" "$sfx" "$sfx" "$(printf '%s' "$k" | tr 1-5 v-z)" \
			"$(date -u -d "1980-01-01 + $((runs_made * 5 + k)) days" +%Y-%m-%d)" >> "$T/five.csv"
	done
}

# tcli ENV USER PASSWORD INPUT ARGS...: the test binary with ENV
# (VAR=value) set, standard input: the password, then INPUT.
tcli() {
	_env=$1; _u=$2; _p=$3; _in=$4; shift 4
	printf '%s\n%s' "$_p" "$_in" | env "$_env" "$TEST_BIN" --db "$DB" --user "$_u" --password-stdin "$@"
}

chain_ok() { cli priv "$PW_PRIV" audit verify 2>&1 | grep -q 'audit chain OK'; }

# crash_runs "what" SUCCESS-REGEX COUNT-SQL STEP CMD: CMD ENV runs the
# command (tcli with ENV); STEP is how much COUNT-SQL grows when it saves.
# PREP, if set, runs before each run (a fresh draft for 'note sign').
crash_runs() {
	what=$1; pat=$2; q=$3; step=$4; cmd=$5
	rm -f "$T/count"
	[ -n "${PREP:-}" ] && eval "$PREP"
	$cmd "CHARTROOM_TEST_CRASH_COUNT=$T/count" > "$T/out" 2>&1
	w=$(cat "$T/count" 2>/dev/null || echo 0)
	if [ "$w" -lt 3 ] || ! grep -Eq "$pat" "$T/out"; then
		not_ok "$what: a run without a kill saves and counts its writes" "$(cat "$T/out")"
		return
	fi
	pts=$(kill_points "$w" "$POINTS")
	runs=0 killed=0 printed=0 bad=""
	for n in $pts; do
		[ -n "${PREP:-}" ] && eval "$PREP"
		before=$(sql "$q")
		$cmd "CHARTROOM_TEST_CRASH_AT=$n" > "$T/out" 2>&1
		rc=$?
		after=$(sql "$q")
		runs=$((runs + 1))
		[ $rc -eq 137 ] && killed=$((killed + 1))
		# The same command again (an import resumes): now saved once.
		if [ -n "${RESUME:-}" ] && [ $rc -eq 137 ]; then
			$cmd "CHARTROOM_TEST_CRASH_NONE=1" > "$T/again" 2>&1
			again=$(sql "$q")
			[ "$again" -eq $((before + step)) ] || bad="$bad
kill at $n of $w, run again: saved $((again - before)) in all ($(tr '\n' ' ' < "$T/again"))"
			[ "$after" -eq "$before" ] || grep -q "^Import ID: " "$T/out" || bad="$bad
kill at $n of $w: patients saved, but no import id printed before the kill"
		fi
		if grep -Eq "$pat" "$T/out"; then
			printed=$((printed + 1))
			[ "$after" -eq $((before + step)) ] || bad="$bad
kill at $n of $w: printed '$(grep -E "$pat" "$T/out" | head -1)' but saved $((after - before))"
		elif [ "$after" -ne "$before" ] && [ "$after" -ne $((before + step)) ]; then
			bad="$bad
kill at $n of $w: saved $((after - before))"
		fi
		chain_ok || bad="$bad
kill at $n of $w: audit verify fails"
	done
	if [ -z "$bad" ] && [ "$killed" -gt 0 ]; then
		ok "$what: killed at $runs of its $w writes/syncs ($killed kills, success seen $printed times): seen only when saved, never twice, audit verify passes"
	else
		not_ok "$what: killed at $runs of its $w writes/syncs ($killed kills)" "$bad"
	fi
}

run_add() { tcli "$1" front "$PW_FRONT" "$(csv last_name=Killjoy first_name=Ann dob=1981-02-03 sex=F)" patient add --from - --register-anyway; }
run_vitals() { tcli "$1" nurse "$PW_NURSE" "" vitals add "$enc" --bp 120/80 --pulse 70; }
run_allergy() { tcli "$1" nurse "$PW_NURSE" "$(csv substance=Latex reaction=rash)" allergy add "$mrn" --severity mild --from -; }
run_sign() { tcli "$1" prov "$PW_PROV" "" note sign "$draft"; }
run_import() { tcli "$1" him "$PW_HIM" "" import patients "$T/five.csv"; }

crash_runs "patient add" '^CR[0-9]+$' "select count(*) from patients" 1 run_add
crash_runs "vitals add" 'Vitals saved' "select count(*) from vitals" 1 run_vitals
crash_runs "allergy add" '^[0-9]+$' "select count(*) from allergies" 1 run_allergy
PREP='draft=$(cli prov "$PW_PROV" note add "$enc" --file "$T/note.txt" 2>/dev/null)'
crash_runs "note sign" 'signed by' "select count(*) from notes where status = 'signed'" 1 run_sign
PREP=five_csv
RESUME=1
crash_runs "import patients" 'Imported 5 patients' "select count(*) from patients" 5 run_import
PREP=
RESUME=
e2e_done
