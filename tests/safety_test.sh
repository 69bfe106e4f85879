#!/bin/sh
# Safety beside the verdict (issue 12): an UNSAFE case FAILs unless its
# scenario says the guard must break (then xfail), one seed does not judge a
# some. line, --seeds that differ from scenario.seeds are named, the guard x
# variant matrix opens compare and check, JSON/CSV/JUnit carry safe,
# unsafe_seeds and verdict, and input that would silently change what the
# user wrote is an error or kept.
#   usage: tests/safety_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"

has() { grep -qE -e "$2" "$tmp/out" && ok "$1" || { bad "$1"; sed 's/^/     /' "$tmp/out" | head -20; }; }

# A first scenario with no [expect]: the invariant is expected by default
printf '[scenario]\nguards = none, atomic\n[schedule]\ninterval = 30s\ndispatch = spawn\n[job]\napi = 45s\n' >"$tmp/first.ini"
expect_exit 1 "run --guard none on a scenario without [expect] exits 1" "$bin" run "$tmp/first.ini" --guard none
has "it says UNSAFE" "^  safety UNSAFE: 2 runs at once \(limit 1\)$"
has "its verdict is FAIL, naming the invariant" "^  verdict FAIL: .*no expectation allows max_concurrency"
expect_exit 1 "check on it fails" "$bin" check "$tmp/first.ini"
tail -n 1 "$tmp/out" | grep -qx "1 passed, 1 failed" && ok "check ends 1 passed, 1 failed" || bad "check ends 1 passed, 1 failed: $(tail -n 1 "$tmp/out")"
head -n 1 "$tmp/out" | grep -q "^first: safety, guard x variant" && ok "check opens with the matrix" || bad "check opens with the matrix: $(head -n 1 "$tmp/out")"
has "the matrix marks none UNSAFE and FAIL" "^  none +UNSAFE 20/20 FAIL$"
has "the matrix marks atomic SAFE" "^  atomic +SAFE$"
has "check prints the case's safety" "^PASS  first/atomic  SAFE$"

# The scenario says the guard must break: xfail, exit 0
cat "$tmp/first.ini" >"$tmp/xfail.ini"
printf '[expect none]\nsome.max_concurrency >= 2\n' >>"$tmp/xfail.ini"
expect_exit 0 "an expected violation exits 0" "$bin" check "$tmp/xfail.ini" --seeds 1..3
has "and reads XFAIL with its safety" "^XFAIL xfail/none  UNSAFE 3/3 \(seed 1: 2 runs at once \(limit 1\)\)$"
has "the matrix marks it xfail" "^  none +UNSAFE 3/3 xfail$"
has "--seeds other than scenario.seeds: one line names both ranges" "^seeds 1\.\.3 \(--seeds\) instead of the scenario's own scenario.seeds 1\.\.20"
expect_exit 0 "compare on it exits 0" "$bin" compare "$tmp/xfail.ini" --seeds 1..3
has "compare opens with the matrix" "^xfail: safety, guard x variant"
has "compare rows show safety beside the verdict" "^  none +UNSAFE 3/3 +xfail "

# The shipped ETL ticker: none must break in spawn, atomic must not
expect_exit 0 "compare etl-ticker --variant spawn --format json" "$bin" compare scenarios/etl-ticker.ini --variant spawn --format json
if jq -e -s '(.[] | select(.guard == "none") | .safe == false and .verdict == "xfail" and .unsafe_seeds == 20)
        and (.[] | select(.guard == "atomic") | .safe == true and .verdict == "pass" and .unsafe_seeds == 0)' "$tmp/out" >/dev/null; then
    ok "none: safe false, xfail; atomic: safe true, pass"
else
    bad "none: safe false, xfail; atomic: safe true, pass"
fi
expect_exit 0 "compare etl-ticker --format csv" "$bin" compare scenarios/etl-ticker.ini --variant spawn --guards none,atomic --format csv
head -n 1 "$tmp/out" | grep -q ",violating_seeds,safe,unsafe_seeds,first_unsafe_seed,verdict," && ok "CSV header has safe, unsafe_seeds, verdict" || bad "CSV header has safe, unsafe_seeds, verdict"
grep -q "^etl-ticker,spawn,none,.*,false,20,1,xfail," "$tmp/out" && ok "CSV row of none: false, 20, xfail" || bad "CSV row of none: false, 20, xfail"
expect_exit 0 "compare etl-ticker text" "$bin" compare scenarios/etl-ticker.ini --variant spawn --guards none,atomic
has "text table has the metrics the expectations name" "^  guard +safety +verdict .* duplicates +lost +deadlocks"

# One seed cannot decide a some. line
expect_exit 0 "replicas-lease gc-pause lease on seed 1 exits 0" "$bin" run scenarios/replicas-lease.ini --variant gc-pause --guard lease --seed 1
has "some. lines are not judged on one seed" "^  not judged on one seed: some.max_concurrency >= 2; some.stale_writes >= 1$"
expect_exit 0 "the same in JSON exits 0" "$bin" run scenarios/replicas-lease.ini --variant gc-pause --guard lease --seed 1 --format json
jq -e '.verdict == "pass" and .safe == true and .failed == [] and .not_judged == ["some.max_concurrency >= 2", "some.stale_writes >= 1"]' "$tmp/out" >/dev/null && ok "JSON lists the some. lines not judged" || bad "JSON lists the some. lines not judged"
expect_exit 0 "over seeds 1..5 it exits 0" "$bin" run scenarios/replicas-lease.ini --variant gc-pause --guard lease --seeds 1..5 --format json
if jq -e -s 'length == 5 and all(.[]; .verdict != "fail") and (map(select(.safe == false)) | length) == (map(select(.verdict == "xfail")) | length)' "$tmp/out" >/dev/null; then
    ok "no seed fails on a some. line; unsafe seeds read xfail"
else
    bad "no seed fails on a some. line; unsafe seeds read xfail"
fi
expect_exit 1 "compare replicas-lease --seeds 1..5 fails on some. lines" "$bin" compare scenarios/replicas-lease.ini --variant steady --guards lease-local --seeds 1..5
has "a some. line says on how many seeds it was looked for" "some.stale_writes >= 1 held on none of 5 seeds"
has "and the scenario's own range is named" "^seeds 1\.\.5 \(--seeds\) instead of the scenario's own scenario.seeds 1\.\.20"

# JUnit: an xfail case passes and carries its safety
expect_exit 0 "check --junit with an xfail case" "$bin" check "$tmp/xfail.ini" --seeds 1..2 --junit "$tmp/j.xml"
grep -q '<testsuites name="overlapsim check" tests="2" failures="0"' "$tmp/j.xml" && ok "JUnit: no failure" || bad "JUnit: no failure: $(head -n 2 "$tmp/j.xml")"
grep -q '<property name="safety" value="UNSAFE 2/2 (seed 1: 2 runs at once (limit 1))"/>' "$tmp/j.xml" && ok "JUnit: safety property" || bad "JUnit: safety property"
grep -q '<property name="verdict" value="xfail"/>' "$tmp/j.xml" && ok "JUnit: verdict property" || bad "JUnit: verdict property"
grep -q '<system-out>safety UNSAFE 2/2' "$tmp/j.xml" && ok "JUnit: safety in system-out" || bad "JUnit: safety in system-out"

# Nothing the user wrote is dropped
printf '[schedule]\ninterval = 30s\ndispatch = spawn\n[job]\napi = 5s\n[node a]\n[node b]\n[node c]\n' >"$tmp/nodes.ini"
"$bin" run "$tmp/nodes.ini" --set scenario.duration=2m --trace "$tmp/t.csv" >/dev/null 2>&1
[ "$(awk -F, 'NR > 1 && $5 == "start" {print $3}' "$tmp/t.csv" | sort -u | tr '\n' ' ')" = "a b c " ] && ok "three [node] sections with no keys make three nodes" || bad "three [node] sections with no keys make three nodes: $(head -n 4 "$tmp/t.csv")"
printf '[schedule]\ninterval = 30s\ninterval = 45s\n[job]\napi = 5s\n' >"$tmp/dup.ini"
expect_exit 2 "a key twice in one section exits 2" "$bin" run "$tmp/dup.ini"
grep -qx ".*/dup.ini:3: 'interval' given twice in \[schedule\] (lines 2 and 3)" "$tmp/err" && ok "and names both lines" || bad "and names both lines: $(cat "$tmp/err")"
: >"$tmp/empty.ini"
expect_exit 2 "an empty file exits 2" "$bin" run "$tmp/empty.ini"
grep -q "no \[job\] or \[schedule\] section" "$tmp/err" && ok "and says why" || bad "and says why: $(cat "$tmp/err")"

totals
