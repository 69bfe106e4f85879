#!/bin/sh
# Runs every suite and ends with one line: N passed, N failed.
# - each cmocka program build/tests/test_* (its "[  PASSED  ] N test(s)." and
#   "[  FAILED  ] N test(s)" lines are counted; a crash counts as one failure)
# - each shell suite tests/*.sh (they print their own "N passed, N failed")
# - the scenario suite: overlapsim check scenarios/
BUILD=${1:-build}
BIN="$BUILD/overlapsim"
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # $1: a suite's output file, $2: its exit status
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^\([0-9]*\) passed, [0-9]* failed$/\1/p' "$1" |
        awk '{s += $1} END {print s + 0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$1" |
        awk '{s += $1} END {print s + 0}')
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # it died without saying what failed
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.o | *.d) continue ;; esac
    echo "== $t"
    set +e
    "$t" >"$log" 2>&1
    rc=$?
    set -e
    cat "$log"
    count "$log" "$rc"
done

for s in tests/*.sh; do
    [ "$s" = tests/run_all.sh ] && continue
    [ -f "$s" ] || continue
    echo "== $s"
    set +e
    sh "$s" "$BUILD" >"$log" 2>&1
    rc=$?
    set -e
    cat "$log"
    count "$log" "$rc"
done

echo "== $BIN check scenarios/"
set +e
"$BIN" check scenarios/ >"$log" 2>&1
rc=$?
set -e
cat "$log"
count "$log" "$rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
