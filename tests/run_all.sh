#!/bin/sh
# Runs every cmocka program in BUILD/tests and the scenario suite
# (`overlapsim check scenarios`), then prints one line: N passed, N failed.
# Usage: tests/run_all.sh [BUILD]   (default: build)
B=${1:-build}
pass=0
fail=0
for t in "$B"/tests/test_*; do
    case "$t" in *.o | *.d) continue ;; esac
    [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then # it crashed before its summary
        echo "$t: exit status $rc"
        fail=$((fail + 1))
    fi
done
# the scenario suite: every shipped scenario's expectations
if [ -x "$B/overlapsim" ]; then
    out=$("$B/overlapsim" check scenarios 2>&1)
    printf '%s\n' "$out" | grep -v '^PASS' | sed 's/^\([0-9]* passed, [0-9]* failed\)$/scenarios: \1/'
    p=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    [ -z "$p" ] && f=1
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
