#!/bin/sh
# Runs every suite of one or more builds — the cmocka unit tests, the
# command-line tests and the scenario suite — and ends with one line
# totalling them all: "N passed, N failed". Exit 1 if anything failed.
#   usage: [FUZZ_SECONDS=N] tests/run_all.sh BUILD_DIR...   (e.g. build build/san)
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
failed=0

count() { # $1 passed, $2 failed
    passed=$((passed + $1))
    failed=$((failed + $2))
}

# A cmocka program: its summary lines go to stderr.
cmocka() {
    "$1" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    if [ -z "$p$f" ]; then
        echo "$1: crashed or printed no summary (exit $rc)"
        count 0 1
        return
    fi
    count "${p:-0}" "${f:-0}"
    [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && count 0 1
}

# A suite that prints its own "N passed, N failed" line.
suite() {
    echo "== $*"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$1: printed no totals (exit $rc)"
        count 0 1
        return
    fi
    p=$(echo "$line" | cut -d' ' -f1)
    f=$(echo "$line" | cut -d' ' -f3)
    count "$p" "$f"
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && count 0 1
}

for build in "$@"; do
    echo "=== $build"
    for t in "$build"/tests/test_*; do
        case "$t" in *.o | *.d) continue ;; esac
        [ -x "$t" ] && cmocka "$t"
    done
    for s in tests/*_test.sh; do
        [ -f "$s" ] && suite sh "$s" "$build/overlapsim"
    done
    suite "$build/overlapsim" check scenarios
done
# the same trace bytes from differently built binaries
if [ -n "${CROSS_BUILDS:-}" ]; then
    # shellcheck disable=SC2086
    suite sh tests/cross_build.sh $CROSS_BUILDS
fi
# a short fuzzing run of the parsers (make fuzz runs longer)
if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
    suite sh tests/fuzz/run.sh "$FUZZ_SECONDS"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
