#!/bin/sh
# The reporting commands end to end: sweep determinism and shard merging,
# input errors (exit 2, one line, nothing left behind), JUnit from check,
# the report, plot and tune commands. Prints "N passed, N failed".
#   usage: sh tests/reports_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
BIN=$bin
T=$tmp
BUILD=$(dirname "$BIN")
SC=scenarios/etl-ticker.ini
SW="$SC --vary schedule.interval=20s..50s/10s --vary schedule.manual=none,exp(2m) --guards none,flag --seeds 1..3 --set scenario.duration=3h --format csv"

# sweep: the same CSV for any job count, and merged shards give it too
"$BIN" sweep $SW --jobs 1 >"$T/j1.csv" 2>"$T/err" || bad "sweep --jobs 1 runs"
"$BIN" sweep $SW --jobs 2 >"$T/j2.csv" 2>>"$T/err" || bad "sweep --jobs 2 runs"
check "sweep --jobs 1 and --jobs 2 give identical CSVs" cmp "$T/j1.csv" "$T/j2.csv"
check "sweep CSV has a header and one row per unit" test "$(wc -l <"$T/j1.csv")" -eq $((1 + 4 * 2 * 2 * 3))
"$BIN" sweep $SW --shard 1/2 >"$T/s1.csv" && "$BIN" sweep $SW --shard 2/2 --jobs 1 >"$T/s2.csv" ||
    bad "sweep shards run"
"$BIN" merge "$T/s2.csv" "$T/s1.csv" >"$T/merged.csv" || bad "merge runs"
check "two merged shards equal the one-run CSV" cmp "$T/merged.csv" "$T/j1.csv"
"$BIN" merge "$T/s1.csv" "$T/s2.csv" --out "$T/merged2.csv" || bad "merge --out runs"
check "merge --out writes the same CSV" cmp "$T/merged2.csv" "$T/j1.csv"
"$BIN" merge "$T/s1.csv" >"$T/partial.csv" 2>"$T/err"
check "merge of an incomplete set fails with exit 2" test $? -eq 2
check "merge of an incomplete set writes nothing" test ! -s "$T/partial.csv"
check "merge names the missing row" grep -q "is missing" "$T/err"

# bad input: one line on stderr, exit 2, nothing partial
expect_usage() { # name, grep pattern, command...
    name=$1
    pat=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$pat" "$T/err"; then
        ok "$name"
    else
        bad "$name (exit $rc)"
        sed 's/^/     /' "$T/err" | head -5
    fi
}
expect_usage "unknown --vary key" "did you mean 'schedule.interval'" "$BIN" sweep $SC --vary schedule.intervall=1s..2s/1s
expect_usage "reversed --vary range" "FROM is above TO" "$BIN" sweep $SC --vary schedule.interval=60s..20s/5s
expect_usage "zero --vary step" "STEP must be positive" "$BIN" sweep $SC --vary schedule.interval=20s..60s/0s
expect_usage "malformed --vary" "expected KEY=FROM..TO/STEP" "$BIN" sweep $SC --vary schedule.interval
expect_usage "a key varied twice" "varied twice" "$BIN" sweep $SC --vary schedule.interval=1s,2s --vary schedule.interval=3s,4s
expect_usage "bad --shard" "expected K/N" "$BIN" sweep $SC --vary schedule.interval=1s,2s --shard 3/2
expect_usage "tune with an unknown key" "unknown key" "$BIN" tune $SC --vary nope=1..2/1 --out "$T/tune-x"
check "tune with a bad key leaves no directory" test ! -e "$T/tune-x"
expect_usage "report into an unwritable directory" "cannot write to" "$BIN" report $SC --out /proc/overlapsim-report
expect_usage "report over a foreign directory" "did not write" "$BIN" report $SC --out "$(pwd)/scenarios"
expect_usage "sweep --out into a file" "is a file" "$BIN" sweep $SC --vary schedule.interval=30s --out "$SC"
check "nothing left beside the scenarios" test -z "$(ls -A scenarios | grep '^\.')"
expect_usage "check --junit into a missing directory" "cannot write" "$BIN" check $SC --seeds 1..1 --junit "$T/no/such/dir/j.xml"

# check: JUnit XML that parses, with failures when expectations fail
"$BIN" check $SC --seeds 1..2 --jobs 2 --junit "$T/pass.xml" >"$T/check.txt" 2>&1
check "check passes on the shipped scenario" test $? -eq 0
check "check ends with N passed, N failed" sh -c "tail -1 '$T/check.txt' | grep -Eq '^[0-9]+ passed, 0 failed$'"
check "check --junit is valid JUnit XML" "$BUILD/tests/test_junit" "$T/pass.xml"
"$BIN" check $SC --seeds 1..2 --set schedule.interval=25s --junit "$T/fail.xml" >"$T/out" 2>&1
check "check exits 1 when a case fails" test $? -eq 1
check "failing JUnit XML is valid" "$BUILD/tests/test_junit" "$T/fail.xml"
check "JUnit failures carry the replay command (the binary as invoked)" grep -q "replay: $BIN run" "$T/fail.xml"
"$BIN" check $SC --seeds 1..2 --jobs 1 >"$T/c1" 2>&1
"$BIN" check $SC --seeds 1..2 --jobs 2 >"$T/c2" 2>&1
check "check output does not depend on --jobs" cmp "$T/c1" "$T/c2"
"$BIN" check $SC --seeds 1..2 --format json >"$T/c.json" 2>"$T/c.err"
check "check --format json: one object per case" test "$(grep -c '^{"scenario":' "$T/c.json")" -eq 24
check "check --format json: the summary goes to stderr" grep -q "passed, 0 failed" "$T/c.err"
"$BIN" check $SC --seeds 1..2 --format csv >"$T/c.csv" 2>/dev/null
check "check --format csv: header and one row per case" test "$(wc -l <"$T/c.csv")" -eq 25
"$BIN" run $SC --seeds 1..3 --format csv >"$T/r.csv"
check "run --format csv: header and one row per seed" test "$(wc -l <"$T/r.csv")" -eq 4

# plot, report, tune
check "plot draws a seed" "$BIN" plot $SC --guard none --seed 2 --out "$T/plot"
for k in timeline timeline-full concurrency cycles clock; do
    for e in png svg csv gp; do
        [ -s "$T/plot/$k.$e" ] || bad "plot wrote $k.$e"
    done
done
ok "plot wrote png, svg, csv and gp for each kind"
"$BIN" report $SC --seeds 1..2 --set scenario.duration=3h --out "$T/report" >"$T/out" 2>&1
check "report exits 1 when a case fails, and still writes the report" test $? -eq 1
check "report lists the failures" grep -q "<h3>Failures</h3>" "$T/report/index.html"
check "report writes index.html" test -s "$T/report/index.html"
check "report writes index.md" test -s "$T/report/index.md"
check "the report's first table is the guard x variant safety matrix" sh -c "grep -o '<table[^>]*>' '$T/report/index.html' | head -n 1 | grep -qx '<table id=\"safety\">'"
check "the safety matrix marks the expected failures xfail" grep -q '<span class="badge expected">UNSAFE 2/2 xfail</span>' "$T/report/index.html"
check "report shows the failures' replay commands" grep -q "overlapsim run scenarios/etl-ticker.ini" "$T/report/index.html"
check "report images exist" sh -c "grep -o 'src=\"[^\"]*\"' '$T/report/index.html' | sed 's/src=\"//; s/\"//' |
    while read -r f; do test -s '$T/report/'\"\$f\" || exit 1; done"
check "report leaves no temporary directory" test -z "$(ls -A "$T" | grep '^\.report\.tmp')"
"$BIN" tune $SC --vary schedule.interval=20s..40s/10s --seeds 1..3 --set scenario.duration=6h --out "$T/tune" >"$T/tune.txt" 2>&1
check "tune exits 0 with a recommendation" test $? -eq 0
check "tune prints the recommendation" grep -q "^recommendation: schedule.interval=" "$T/tune.txt"
check "tune prints the frontier" grep -q "^frontier" "$T/tune.txt"
check "tune writes its plot" test -s "$T/tune/tune-runs_per_hour.png"
"$BIN" tune $SC --vary schedule.interval=20s..40s/10s --seeds 1..2 --set scenario.duration=2h --out "$T/tune2" --format json >"$T/tune.json"
check "tune --format json names the recommendation" grep -q '"recommended": {' "$T/tune.json"

totals
