#!/bin/sh
# The command line's small promises: --version, "did you mean" for a
# mistyped command or guard, check --quiet, replay commands that name the
# binary as invoked, and sweep's text (no literal %%, an ellipsis where a
# failure is cut, lines that only describe the workload are no failure).
# Prints "N passed, N failed".
#   usage: sh tests/cli_fixes_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
BIN=$bin
T=$tmp
SC=scenarios/etl-ticker.ini

"$BIN" --version >"$T/v" 2>&1
check "--version exits 0" test $? -eq 0
check "--version prints 'overlapsim X.Y.Z'" grep -Eq '^overlapsim [0-9]+\.[0-9]+\.[0-9]+$' "$T/v"

"$BIN" rnu $SC >"$T/o" 2>"$T/e"
check "a mistyped command exits 2" test $? -eq 2
check "a mistyped command: did you mean 'run'" grep -q "unknown command 'rnu' (did you mean 'run'?" "$T/e"
"$BIN" run $SC --guard mutx >"$T/o" 2>"$T/e"
check "a mistyped guard exits 2" test $? -eq 2
check "--guard mutx: did you mean 'mutex'" grep -q "\-\-guard mutx: unknown guard (did you mean 'mutex'?" "$T/e"
check "the error is one line" test "$(wc -l <"$T/e")" -eq 1
"$BIN" compare $SC --guards none,atomc >"$T/o" 2>"$T/e"
check "--guards none,atomc: did you mean 'atomic'" grep -q "did you mean 'atomic'" "$T/e"
"$BIN" run $SC --guard qqqqqqqq >"$T/o" 2>"$T/e"
check "no guess for a name like no guard" sh -c "! grep -q 'did you mean' '$T/e'"

"$BIN" check $SC --seeds 1..1 --quiet >"$T/q" 2>&1
check "check --quiet passes" test $? -eq 0
check "check --quiet prints only the xfail count and the total when all pass" \
    test "$(cat "$T/q")" = "$(printf '5 xfail: UNSAFE where the scenario says the guard must break\n24 passed, 0 failed')"
"$BIN" check $SC --seeds 1..1 --quiet --set schedule.interval=25s >"$T/q" 2>&1
check "check --quiet exits 1 on a failure" test $? -eq 1
check "check --quiet prints the failures" grep -q '^FAIL ' "$T/q"
check "check --quiet prints no PASS line" sh -c "! grep -q '^PASS ' '$T/q'"

# replay commands: the binary as invoked, pasted back they run
"$BIN" run $SC --variant spawn --guard none --seed 1 >"$T/r" 2>&1
replay=$(sed -n 's/^ *replay: //p' "$T/r" | head -n 1)
check "the replay command starts with the binary as invoked ($BIN)" sh -c "echo '$replay' | grep -q '^$BIN run '"
check "the replay command runs as pasted" sh -c "$replay >/dev/null; test \$? -le 1"

"$BIN" sweep --help >"$T/h" 2>&1
check "sweep --help has no literal %%" sh -c "! grep -q '%%' '$T/h'"
# a sweep that makes every run short: long_cycle_ratio >= 0.2 (it describes the
# workload of the spawn variants) no longer holds, and is no failure
"$BIN" sweep $SC --variant spawn --guard atomic --seeds 1..2 --vary job.api=1s,2s \
    --set scenario.duration=1h --format csv >"$T/s.csv" 2>"$T/e"
check "sweep: short runs (long_cycle_ratio 0) ran" grep -q ',spawn,atomic,1s,1,.*,0,0,0,' "$T/s.csv"
check "sweep: a workload-describing line fails no row" sh -c "! grep -q ',fail,' '$T/s.csv' && ! grep -q 'long_cycle_ratio >=' '$T/s.csv'"
# two failed lines are longer than the column: cut at a word's end, with an ellipsis
"$BIN" sweep $SC --variant spawn --guard none --seeds 1..2 --vary schedule.interval=30s \
    --set scenario.duration=10m >"$T/s.txt" 2>"$T/e"
"$BIN" sweep $SC --variant spawn --guard none --seeds 1..2 --vary schedule.interval=30s \
    --set scenario.duration=10m --format csv >"$T/s2.csv" 2>"$T/e"
cut=$(grep -E '^  none ' "$T/s.txt" | sed 's/.*  \(overlaps .*\)…$/\1/')
check "sweep: a cut failure ends with an ellipsis" sh -c "grep -E '^  none ' '$T/s.txt' | grep -q '…\$'"
check "sweep: the cut falls at a word's end ('$cut')" sh -c "grep -qF '$cut; ' '$T/s2.csv' || grep -qF '$cut ' '$T/s2.csv'"

# the README: every shipped scenario in its table, no link out of the repository
missing=""
for f in $(find scenarios -name '*.ini' | sort); do
    grep -qF "]($f)" README.md || missing="$missing $f"
done
check "README's scenario table lists every shipped file${missing:+ (missing:$missing)}" test -z "$missing"
check "no Markdown link points outside the repository" sh -c \
    "! grep -rn --include='*.md' -E '\]\((\.\./|/)' . | grep -v '^./build/'"
check "the README's picture is in the repository" sh -c \
    "for p in \$(grep -o '](docs/[^)]*)' README.md | tr -d '()]'); do test -s \"\$p\" || exit 1; done"
check "reports/README.md is no note to merge" sh -c "! grep -qi 'to be merged' reports/README.md"

totals
