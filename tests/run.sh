#!/bin/sh
# run.sh BUILD_DIR - run every test against the binaries in BUILD_DIR:
# the cmocka unit tests (TAP output) and the end-to-end scripts in
# tests/e2e/ (which print TAP lines too). Ends with one line
# "N passed, M failed" and exits non-zero if anything failed, crashed or
# (under the sanitizers) reported an error.
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export CHARTROOM_BIN="$BUILD/chartroom"
# The same program built with -DCHARTROOM_TEST_HOOKS (make check builds
# it): only the tests that need a hook use it; everything else drives the
# release binary.
export CHARTROOM_TEST_BIN="$BUILD/chartroom-test"
export CHARTROOM_ROOT="$ROOT"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-tests.XXXXXX")
# Sanitizer reports from any process (including the app inside tmux) land
# in files here; any such file fails the run.
mkdir -p "$OUT/san"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$OUT/san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$OUT/san/ubsan:print_stacktrace=1"
export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0
failed=0

count() { # file label
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	grep '^not ok ' "$1" | sed "s|^|  $2: |"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	( cd "$OUT" && "$t" ) > "$OUT/$name.log" 2>&1
	rc=$?
	count "$OUT/$name.log" "$name"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$OUT/$name.log"; then
		echo "  $name: exited $rc without reporting a failed test:"
		tail -20 "$OUT/$name.log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	printf '%-32s %s\n' "$name" "$(grep -c '^ok ' "$OUT/$name.log") ok, $(grep -c '^not ok ' "$OUT/$name.log") not ok"
done

for t in "$ROOT"/tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	sh "$t" > "$OUT/$name.log" 2>&1
	rc=$?
	count "$OUT/$name.log" "$name"
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$OUT/$name.log"; then
		echo "  $name: exited $rc without reporting a failed test:"
		tail -20 "$OUT/$name.log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	printf '%-32s %s\n' "$name" "$(grep -c '^ok ' "$OUT/$name.log") ok, $(grep -c '^not ok ' "$OUT/$name.log") not ok"
done

if ls "$OUT"/san/* >/dev/null 2>&1; then
	echo "sanitizer reports:"
	for f in "$OUT"/san/*; do sed 's/^/  /' "$f" | head -40; done
	failed=$((failed + 1))
fi

if [ "$failed" -ne 0 ]; then
	echo "logs kept in $OUT"
else
	rm -rf "$OUT"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
