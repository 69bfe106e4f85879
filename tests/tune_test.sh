#!/bin/sh
# tune's goals and variants from the command line: the goal it used and why,
# the variants judged, the JSON recommendation with its margin, the nearest
# miss when nothing qualifies, and bad --goal values.
#   usage: tests/tune_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
# jqt NAME FILTER FILE: the jq filter is true on FILE
jqt() { jq -e "$2" "$3" >/dev/null 2>&1 && ok "$1" || bad "$1 ($2)"; }
SC=scenarios/etl-ticker.ini
Q="--vary schedule.interval=20s..40s/10s --seeds 1..2 --set scenario.duration=2h --jobs 2"

"$bin" tune $SC $Q --out "$tmp/a" --format json >"$tmp/a.json" 2>"$tmp/err"
[ $? -eq 0 ] && ok "tune over every variant exits 0" || bad "tune exit: $(cat "$tmp/err")"
jqt "one node, no lease: the default goal is most-often" '.goal == "most-often" and (.goal_why | test("one node"))' "$tmp/a.json"
jqt "every variant is judged by default" '.variants_judged == ["spawn","inline","inline-manual","spawn-manual"]' "$tmp/a.json"
jqt "the recommendation has settings, rates and a margin" '.recommendation | has("settings") and has("runs_per_period") and has("runs_per_hour") and has("skips_per_run") and (.margin["schedule.interval"] | has("below") and has("above"))' "$tmp/a.json"
jqt "the recommendation is the worst variant's rate" '.recommendation.runs_per_hour == ([.recommendation.variants[].runs_per_hour] | min)' "$tmp/a.json"
[ -s "$tmp/a/sweep-spawn.csv" ] && [ -s "$tmp/a/sweep-inline.csv" ] && ok "one sweep CSV per variant" || bad "sweep CSVs: $(ls "$tmp/a")"

"$bin" tune $SC $Q --variant inline --out "$tmp/b" --format json >"$tmp/b.json" 2>/dev/null
jqt "--variant restricts the judged variants" '.variants_judged == ["inline"] and .variant == "inline"' "$tmp/b.json"

"$bin" tune $SC $Q --variant spawn --out "$tmp/c" >"$tmp/c.txt" 2>/dev/null
grep -q "^goal: most-often" "$tmp/c.txt" && ok "the text says which goal" || bad "the text names no goal"
grep -q "^variants judged: spawn$" "$tmp/c.txt" && ok "the text says which variants were judged" || bad "no judged variants line"
grep -q "margin on schedule.interval" "$tmp/c.txt" && ok "the text gives the margin" || bad "no margin in the text"

"$bin" tune $SC $Q --variant spawn --goal cadence=10m --out "$tmp/d" --format json >"$tmp/d.json" 2>/dev/null
[ $? -eq 1 ] && ok "an unreachable cadence exits 1" || bad "cadence=10m exit"
jqt "no recommendation, and the nearest miss by how much" '.recommendation == null and (.nearest_miss.why | test("from the cadence 10m"))' "$tmp/d.json"

"$bin" tune $SC $Q --goal fastest --out "$tmp/e" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^overlapsim: --goal fastest: expected most-often, once-per-interval or cadence=D" "$tmp/err" && ok "a bad --goal is one line, exit 2" || bad "bad --goal: $(cat "$tmp/err")"
[ ! -e "$tmp/e" ] && ok "a bad --goal leaves no directory" || bad "a bad --goal left $tmp/e"

# several replicas with a lease: once per interval by default
"$bin" tune scenarios/replicas-lease.ini --guard lease --variant steady --vary schedule.interval=1m,1m30s --vary guard.max_factor=5 --seeds 1..2 --set scenario.duration=3h --jobs 2 --out "$tmp/f" --format json >"$tmp/f.json" 2>/dev/null
jqt "several nodes with a lease: the default goal is once-per-interval" '.goal == "once-per-interval" and (.goal_why | test("3 nodes"))' "$tmp/f.json"
jqt "once-per-interval: runs per period within [0.9, 1.05]" '.recommendation.runs_per_period >= 0.9 and .recommendation.runs_per_period_max <= 1.05' "$tmp/f.json"

# the lease scenario over every variant, on a small grid around the answer of the full tune
"$bin" tune scenarios/replicas-lease.ini --guard lease --goal once-per-interval --vary schedule.interval=1m30s,1m45s --vary guard.max_factor=3,5 --vary guard.min_factor=0.9 --seeds 1..3 --jobs 2 --out "$tmp/g" --format json >"$tmp/g.json" 2>/dev/null
jqt "lease, every variant: a recommendation" '.recommendation.settings["guard.max_factor"] == "5"' "$tmp/g.json"
jqt "lease: runs per period in [0.9, 1.01] on every variant judged" '[.recommendation.variants[] | select(.judged) | .runs_per_period >= 0.9 and .runs_per_period_max <= 1.01] | all' "$tmp/g.json"
jqt "lease: six variants judged, disconnect and rolling-upgrade held to their constraints" '(.variants_judged | length) == 6 and ([.variants_constraints_only[].variant] == ["disconnect","rolling-upgrade"])' "$tmp/g.json"
jqt "lease: max_factor 3 rejected for the long job's overlap" '[.settings[] | select(.settings["guard.max_factor"] == "3") | .why | test("@long-job: overlap")] | all' "$tmp/g.json"
jqt "lease: the lock rule is explained on the long job" '[.why[] | test("^@long-job: max lock time must exceed the longest run")] | any' "$tmp/g.json"

totals
