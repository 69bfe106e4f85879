#!/bin/sh
# Hostile input and output paths (issue 13): "-" is standard output, long
# lines, NUL bytes and odd numbers are refused with their true line, options
# given twice are refused, files are not overwritten silently, every message
# has one "overlapsim:" prefix and the real reason, large work is announced
# and Ctrl-C stops it cleanly.
#   usage: tests/hardening_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
# check NAME CMD...: CMD succeeds
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
# run_in DIR CMD...: runs CMD in DIR with stdout in $tmp/out, stderr in $tmp/err; sets rc
run_in() {
    d=$1
    shift
    (cd "$d" && "$@") >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# error_is NAME CODE PATTERN: exit CODE, stderr one line matching PATTERN, stdout empty
error_is() {
    if [ "$rc" -eq "$2" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE -e "$3" "$tmp/err" &&
        [ ! -s "$tmp/out" ]; then
        ok "$1"
    else
        bad "$1 (exit $rc): stderr: $(head -c 300 "$tmp/err") / stdout: $(head -c 200 "$tmp/out")"
    fi
}

root=$PWD
S=$root/scenarios/etl-ticker.ini
E=$root/scenarios/explore/two-starters.ini
w=$tmp/work
mkdir -p "$w"

# 1. "-" is standard output
check "no file named '-' is tracked" test -z "$(git -C "$root" ls-files -- ':(literal)-' 2>/dev/null)"
run_in "$w" "$bin" run "$S" --seed 1 --set scenario.duration=1h --trace -
check "run --trace - exits 0" test "$rc" -eq 0
check "run --trace - prints the CSV header on stdout" test "$(head -n 1 "$tmp/out")" = "time_ns,time,node,run,kind,detail"
check "run --trace - keeps the report off stdout" sh -c "! grep -q verdict '$tmp/out' && grep -q verdict '$tmp/err'"
check "run --trace - creates no file" test -z "$(ls -A "$w")"
"$bin" run "$S" --seed 1 --set scenario.duration=1h --trace "$tmp/t.csv" >/dev/null 2>&1
check "run --trace - gives the bytes of --trace FILE" cmp -s "$tmp/out" "$tmp/t.csv"
run_in "$w" "$bin" live "$root/scenarios/live/race.ini" --guard atomic --speed 50 --trace -
check "live --trace - prints the CSV on stdout, the report on stderr, no file" \
    sh -c "[ $rc -eq 0 ] && head -n 1 '$tmp/out' | grep -q '^time_ns,time,node,run,kind,detail' &&
           grep -q ',trigger,' '$tmp/out' && grep -q verdict '$tmp/err' && [ -z \"\$(ls -A '$w')\" ]"
run_in "$w" "$bin" explore "$E" --guard none --out -
check "explore --out - prints the scenario on stdout" sh -c "head -n 1 '$tmp/out' | grep -q '^; Found by: overlapsim explore' && grep -q '^\[expect\]' '$tmp/out'"
check "explore --out - creates no file" test -z "$(ls -A "$w")"
run_in "$w" "$bin" shrink "$S" --guard none --seed 1 --set scenario.duration=2h --out -
check "shrink --out - prints the scenario on stdout" sh -c "grep -q '^; Shrunk by: overlapsim shrink' '$tmp/out'"
check "shrink --out - creates no file" test -z "$(ls -A "$w")"
sw="$S --vary schedule.interval=20s..30s/10s --guards none --seeds 1..2 --set scenario.duration=1h --format csv"
"$bin" sweep $sw --shard 1/2 >"$tmp/s1.csv" 2>/dev/null
"$bin" sweep $sw --shard 2/2 >"$tmp/s2.csv" 2>/dev/null
"$bin" merge "$tmp/s1.csv" "$tmp/s2.csv" >"$tmp/merged.csv" 2>/dev/null
run_in "$w" "$bin" merge "$tmp/s1.csv" "$tmp/s2.csv" --out -
check "merge --out - prints the merged CSV" cmp -s "$tmp/out" "$tmp/merged.csv"
check "merge --out - creates no file" test -z "$(ls -A "$w")"
run_in "$w" "$bin" check "$root/scenarios/explore/two-starters.ini" --seeds 1..1 --junit -
check "check --junit - prints the XML alone on stdout" sh -c "head -n 1 '$tmp/out' | grep -q '^<?xml' && grep -q '</testsuites>' '$tmp/out'"
check "check --junit - creates no file" test -z "$(ls -A "$w")"

# 6. no silent overwrite, no option twice
echo "my notes" >"$w/mine.ini"
run_in "$w" "$bin" explore "$E" --guard none --out mine.ini
error_is "explore --out refuses a file it did not write" 2 "^overlapsim: --out mine.ini: the file exists"
check "explore --out leaves that file alone" test "$(cat "$w/mine.ini")" = "my notes"
"$bin" explore "$E" --guard none --out "$w/found.ini" >/dev/null 2>&1
run_in "$w" "$bin" explore "$E" --guard none --out found.ini
check "explore --out says when it replaces its own file" grep -q "found.ini (replaced" "$tmp/out"
run_in "$w" "$bin" shrink "$S" --guard none --seed 1 --set scenario.duration=2h --out mine.ini
error_is "shrink --out refuses a file it did not write" 2 "^overlapsim: --out mine.ini: the file exists"
rm -f "$w"/*
run_in "$w" "$bin" run "$S" --seed 1 --seed 2
error_is "--seed twice is refused" 2 "^overlapsim: option '--seed' given twice"
run_in "$w" "$bin" run "$S" --seed 1 --seeds 1..3
error_is "--seed and --seeds together are refused" 2 "^overlapsim: option '--seeds' given twice"
run_in "$w" "$bin" run "$S" --guard none --guard atomic
error_is "--guard twice is refused" 2 "^overlapsim: option '--guard' given twice"

# 7. one prefix, the real reason
for c in run compare check; do
    run_in "$w" "$bin" $c nope.ini
    error_is "$c: missing file has one overlapsim: prefix" 2 "^overlapsim: cannot open 'nope.ini': No such file"
done
printf '[schedule]\nintervall = 5s\n' >"$tmp/badkey.ini"
run_in "$w" "$bin" run "$tmp/badkey.ini"
error_is "run: a parse error has the prefix" 2 "^overlapsim: .*badkey.ini:2: unknown key"
run_in "$w" "$bin" run "$S" --set node.clock_offset=x
error_is "run: a bad --set has one prefix" 2 "^overlapsim: --set [^:]*: [^o]"
if [ -e /proc/version ]; then
    run_in "$w" "$bin" merge "$tmp/s1.csv" "$tmp/s2.csv" --out /proc/version
    error_is "merge --out /proc/version gives the real reason" 2 \
        "^overlapsim: --out /proc/version: cannot write: (Permission denied|Input/output error)"
fi
run_in "$w" "$bin" merge "$tmp/s1.csv" "$tmp/s2.csv" --out "$tmp/no/such/dir/m.csv"
error_is "merge --out into a missing directory says so" 2 "cannot write: No such file or directory"

# 12. large work: said up front, progress on a terminal, Ctrl-C reports what was done
# interrupt SECONDS CMD...: runs CMD in the background, SIGINT after SECONDS; sets rc
interrupt() {
    secs=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep "$secs"
    kill -INT "$pid"
    wait "$pid"
    rc=$?
}
interrupt 2 "$bin" run "$S" --seeds 1..100000000
check "run: 10^8 seeds are said up front" \
    grep -q "^overlapsim: run: a large run: about 2.88e+11 triggers (2.88e+03 per seed x 100000000 seeds)" "$tmp/err"
check "run: Ctrl-C exits 130" test "$rc" -eq 130
check "run: Ctrl-C reports the seeds done" \
    sh -c "tail -n 1 '$tmp/out' | grep -Eq '^atomic: SAFE, verdict pass over [0-9]+ seeds' &&
           tail -n 1 '$tmp/err' | grep -Eq '^overlapsim: interrupted in seed [0-9]+: [0-9]+ of 100000000 seeds done'"
done_seeds=$(tail -n 1 "$tmp/out" | sed 's/.* over \([0-9]*\) seeds.*/\1/')
check "run: one line per seed done" test "$(grep -c '^seed ' "$tmp/out")" = "$done_seeds"
interrupt 2 "$bin" run "$S" --set schedule.interval=1ns --set scenario.duration=1h
check "run: interval = 1ns is said up front" grep -q "about 3.6e+12 triggers" "$tmp/err"
check "run: Ctrl-C within the one seed" \
    sh -c "[ $rc -eq 130 ] && tail -n 1 '$tmp/err' | grep -q '^overlapsim: interrupted in seed 1: 0 of 1 seeds done'"
interrupt 2 "$bin" compare "$S" --seeds 1..100000000 --guards none,atomic
check "compare: Ctrl-C exits 130 with the row of the seeds done" \
    sh -c "[ $rc -eq 130 ] && grep -Eq '^  none +[a-zA-Z]+ ' '$tmp/out' &&
           tail -n 1 '$tmp/err' | grep -q 'interrupted in seed [0-9]* of guard none'"
interrupt 2 "$bin" check "$S" --seeds 1..10000000 --jobs 2
check "check: large work said up front, Ctrl-C exits 130 naming the cases not finished" \
    sh -c "[ $rc -eq 130 ] && head -n 1 '$tmp/err' | grep -q '^overlapsim: check: a large run: about' &&
           grep -Eq '^overlapsim: interrupted: [0-9]+ of [0-9]+ cases not finished' '$tmp/err' &&
           tail -n 1 '$tmp/out' | grep -Eq '^[0-9]+ passed, [0-9]+ failed'"
"$bin" run "$S" --seeds 1..3 >/dev/null 2>"$tmp/err"
check "small work says nothing" test ! -s "$tmp/err"
if command -v script >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
    timeout -s INT 3 script -qec "$bin run $S --set schedule.interval=1us --set scenario.duration=1h" \
        /dev/null >"$tmp/tty" 2>&1
    check "run: a progress line on a terminal, within the seed" \
        grep -aEq "run: seed 1 of 1 \([0-9.]+% of the work\)  ETA" "$tmp/tty"
fi

totals
