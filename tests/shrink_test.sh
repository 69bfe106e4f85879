#!/bin/sh
# shrink and explore from the command line: a shrunk failure is explicit,
# small, still fails the same expectation and replays byte for byte whatever
# the seed; explore finds the flag race and none where there is none.
#   usage: tests/shrink_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
check() { if "$@"; then ok "$name"; else bad "$name"; fi; }

# shrink_case NAME FILE VARIANT GUARD SEED
shrink_case() {
    label=$1 file=$2 variant=$3 guard=$4 seed=$5
    out="$tmp/$label.ini"
    name="$label: shrink succeeds"
    check "$bin" shrink "$file" --variant "$variant" --guard "$guard" --seed "$seed" --out "$out"
    [ -f "$out" ] || return
    "$bin" run "$out" >"$tmp/run.txt" 2>&1
    rc=$?
    name="$label: the shrunk scenario still fails"; check test $rc -eq 1
    want=$(sed -n 's/^; Fails: \([^(]*\) (.*/\1/p' "$out" | sed 's/ *$//')
    name="$label: fails the same expectation ($want)"; check grep -q "FAIL: $want" "$tmp/run.txt"
    name="$label: at most 3 faults"; check test "$(grep -c '^\[fault\]' "$out")" -le 3
    name="$label: no randomness left"
    check test -z "$(grep -E '= *(uniform|exp|lognormal|mix)\(' "$out")"
    "$bin" run "$out" --seed 1 --trace "$tmp/a.csv" >/dev/null 2>&1
    "$bin" run "$out" --seed 999 --trace "$tmp/b.csv" >/dev/null 2>&1
    name="$label: replays byte-identically, whatever the seed"; check cmp -s "$tmp/a.csv" "$tmp/b.csv"
}

shrink_case flag scenarios/etl-ticker.ini spawn-manual flag 1
shrink_case none scenarios/etl-ticker.ini spawn none 3
shrink_case pidfile-check scenarios/cron-pidfile.ini mixed pidfile-check 1
shrink_case lease-local scenarios/replicas-lease.ini steady lease-local 2

"$bin" shrink scenarios/etl-ticker.ini --variant spawn --guard atomic --seed 1 >"$tmp/o" 2>"$tmp/e"
rc=$?
name="shrinking a seed that fails nothing is bad input"; check test $rc -eq 2
name="... and says so in one line"; check test "$(wc -l <"$tmp/e")" -eq 1

"$bin" explore scenarios/explore/two-starters.ini --guard flag --out "$tmp/x.ini" >"$tmp/o" 2>&1
rc=$?
name="explore finds the flag race (exit 1)"; check test $rc -eq 1
name="explore prints the interleaving"; check grep -q "^  interleaving " "$tmp/o"
"$bin" run "$tmp/x.ini" >/dev/null 2>&1
rc=$?
name="explore's explicit scenario fails when run"; check test $rc -eq 1
for g in atomic mutex semaphore; do
    "$bin" explore scenarios/explore/two-starters.ini --guard $g >"$tmp/o" 2>&1
    rc=$?
    name="explore: $g holds in every schedule"; check test $rc -eq 0
    name="explore: $g says how many schedules"; check grep -q "no violation in [0-9]* schedules" "$tmp/o"
done
"$bin" explore scenarios/explore/cron-starters.ini --guard pidfile-check >"$tmp/o" 2>&1
rc=$?
name="explore finds the PID-file wrapper's race (exit 1)"; check test $rc -eq 1
for g in pidfile flock lease; do
    "$bin" explore scenarios/explore/cron-starters.ini --guard $g >"$tmp/o" 2>&1
    rc=$?
    name="explore: $g holds in every schedule of two starters"; check test $rc -eq 0
done
"$bin" explore scenarios/explore/two-starters.ini --guard atomic --bound 99 >/dev/null 2>&1
rc=$?
name="explore: a bad --bound is bad input"; check test $rc -eq 2

totals
