#!/bin/sh
# Command-line behaviour: exit codes, one-line errors naming the file and
# line or the option, JSON keys, reproducible traces and replay commands.
#   usage: tests/cli_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"



S=scenarios/etl-ticker.ini
expect_exit 2 "no arguments is a usage error" "$bin"
expect_exit 2 "unknown command" "$bin" frobnicate
for c in run compare check guards; do
    expect_exit 0 "$c --help" "$bin" "$c" --help
    grep -q "usage: overlapsim $c" "$tmp/out" && ok "$c --help prints usage" || bad "$c --help prints usage"
done
expect_exit 0 "guards lists the guards" "$bin" guards
for g in none flag atomic mutex mutex-wait semaphore; do
    grep -q "^$g " "$tmp/out" && ok "guards lists $g" || bad "guards lists $g"
done

expect_exit 2 "missing file" "$bin" run "$tmp/nope.ini"
error_line "missing file: one line" "cannot open '.*nope.ini'"
printf '[schedule]\ninterval = 30s\nintervall = 5s\n' >"$tmp/badkey.ini"
expect_exit 2 "unknown key" "$bin" run "$tmp/badkey.ini"
error_line "unknown key names file and line" "badkey.ini:3: unknown key 'schedule.intervall'"
printf '[job]\napi = lognormal(median=20s)\n' >"$tmp/baddist.ini"
expect_exit 2 "bad distribution" "$bin" compare "$tmp/baddist.ini"
error_line "bad distribution names file and line" "baddist.ini:2: job.api: lognormal"
expect_exit 2 "bad --set duration" "$bin" run $S --set schedule.interval=30
error_line "bad --set names the option" "^overlapsim: --set schedule.interval=30: .*bad duration"
expect_exit 2 "unknown --guard" "$bin" run $S --guard spinlock
error_line "unknown guard named" "--guard spinlock: unknown guard"
expect_exit 2 "unknown variant" "$bin" run $S --variant nope
error_line "unknown variant named" "--variant nope"
expect_exit 2 "bad --seeds" "$bin" compare $S --seeds 9..2
error_line "bad --seeds named" "--seeds 9..2"
expect_exit 2 "unknown option" "$bin" run $S --colour
expect_exit 2 "unwritable trace" "$bin" run $S --trace "$tmp/no/such/dir/t.csv"
[ ! -e "$tmp/no/such/dir/t.csv" ] && ok "no trace file left behind" || bad "no trace file left behind"

# JSON: one object per seed with the contract's keys
expect_exit 0 "run --format json" "$bin" run $S --variant spawn --guard atomic --seeds 1..3 --format json
[ "$(wc -l <"$tmp/out")" -eq 3 ] && ok "one JSON line per seed" || bad "one JSON line per seed"
if jq -e 'has("scenario") and has("guard") and has("seed") and has("triggers") and has("runs")
        and has("skipped") and has("max_concurrency") and has("overlaps") and has("longest_gap_s")
        and (.verdict == "pass") and (.safe == true) and (.unsafe_seeds == 0)
        and (.failed | type == "array")' "$tmp/out" >/dev/null; then
    ok "run JSON has the contract keys"
else
    bad "run JSON has the contract keys"
fi
expect_exit 1 "compare exits 1 when an expectation fails" "$bin" compare $S --variant spawn --guards none,atomic --seeds 1..2 --set scenario.duration=1h --format json
if jq -e -s 'length == 2 and .[0].guard == "none" and (.[0].violating_seeds == 2) and (.[1].violating_seeds == 0)' "$tmp/out" >/dev/null; then
    ok "compare JSON: one object per guard with violating_seeds"
else
    bad "compare JSON: one object per guard with violating_seeds"
fi

# Traces: same seed, same bytes; the replay command replays
"$bin" run $S --variant spawn-manual --guard flag --seed 4 --trace "$tmp/a.csv" >/dev/null
"$bin" run $S --variant spawn-manual --guard flag --seed 4 --trace "$tmp/b.csv" >/dev/null
head -n 1 "$tmp/a.csv" | grep -qx "time_ns,time,node,run,kind,detail" && ok "trace header" || bad "trace header"
cmp -s "$tmp/a.csv" "$tmp/b.csv" && ok "same seed, same trace bytes" || bad "same seed, same trace bytes"
"$bin" run $S --variant spawn-manual --guard flag --seed 5 --trace "$tmp/c.csv" >/dev/null
cmp -s "$tmp/a.csv" "$tmp/c.csv" && bad "another seed, another trace" || ok "another seed, another trace"

printf '[scenario]\nduration = 1h\nseeds = 1..2\nguards = none, atomic\n[schedule]\ninterval = 10s\ndispatch = spawn\n[job]\napi = 25s\n[expect]\nmax_concurrency = 1\n' >"$tmp/fail.ini"
expect_exit 1 "a violated expectation exits 1" "$bin" run "$tmp/fail.ini" --guard none
replay=$(sed -n 's/^  replay: //p' "$tmp/out")
[ -n "$replay" ] && ok "failure prints a replay command" || bad "failure prints a replay command"
cp "$tmp/out" "$tmp/first"
eval "$(echo "$replay" | sed "s|^overlapsim|$bin|")" >"$tmp/second" 2>&1
cmp -s "$tmp/first" "$tmp/second" && ok "the replay command replays" || bad "the replay command replays"

# check: an expected failure that does not happen fails the suite
printf '[scenario]\nduration = 1h\nseeds = 1..2\nguards = atomic\n[schedule]\ninterval = 10s\ndispatch = spawn\n[job]\napi = 25s\n[expect atomic]\nsome.max_concurrency >= 2\n' >"$tmp/vacuous.ini"
expect_exit 1 "check fails a checker that did not fire" "$bin" check "$tmp/vacuous.ini"
grep -q "^FAIL  vacuous/atomic  SAFE: some.max_concurrency >= 2 held on none of 2 seeds" "$tmp/out" && ok "check names the failing expectation" || bad "check names the failing expectation"
tail -n 1 "$tmp/out" | grep -qx "0 passed, 1 failed" && ok "check ends with the totals" || bad "check ends with the totals"
expect_exit 2 "check on a missing path" "$bin" check "$tmp/none"

# The format reference documents every key and metric the code knows
"$bin" keys >"$tmp/keys"
missing=$(awk 'NF && $1 !~ /^#/ {print $1}' "$tmp/keys" | while read -r k; do
    short=${k#*.}
    grep -qE "$k|\`$short\`|^$short += " scenarios/README.md || echo "$k"
done)
[ -z "$missing" ] && ok "scenarios/README.md documents every key and metric" || bad "scenarios/README.md lacks: $missing"

totals
