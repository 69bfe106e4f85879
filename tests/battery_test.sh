#!/bin/sh
# overlapsim battery from the command line: --help names every failure, bad
# input is one line and exit 2, the issue's "done when" cells, the same
# output for any --jobs, replays that replay, CSV, and --out with
# --write-scenarios whose files `check` passes.
#   usage: tests/battery_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"



R=scenarios/replicas-lease.ini
FAILURES="overrun-interval overrun-lease manual-at-tick pause-holding crash-holding sigterm-holding
session-drop db-outage-release db-slow-reply node-skew node-step-forward node-step-back
db-step-forward db-step-back two-processes two-hosts pid-reuse config-mismatch host-asleep"

expect_exit 0 "battery --help" "$bin" battery --help
grep -q "usage: overlapsim battery" "$tmp/out" && ok "--help prints usage" || bad "--help prints usage"
missing=""
for f in $FAILURES; do grep -q "^  $f " "$tmp/out" || missing="$missing $f"; done
[ -z "$missing" ] && ok "--help explains every failure" || bad "--help lacks:$missing"
[ "$(grep -c 'seen: ' "$tmp/out")" -eq 19 ] && ok "--help says where each was seen" || bad "--help: seen lines"
"$bin" --help | grep -q "^  battery " && ok "overlapsim --help lists battery" || bad "overlapsim --help lists battery"

expect_exit 2 "unknown failure" "$bin" battery $R --failures meteor
error_line "unknown failure named" "^overlapsim: --failures: unknown failure 'meteor'"
expect_exit 2 "--write-scenarios without --out" "$bin" battery $R --write-scenarios
error_line "--write-scenarios needs --out" "--write-scenarios needs --out"
expect_exit 2 "unknown guard" "$bin" battery $R --guards spinlock
error_line "unknown guard named" "spinlock"
expect_exit 2 "missing file" "$bin" battery "$tmp/nope.ini"
error_line "missing file named" "cannot open '.*nope.ini'"
expect_exit 2 "bad seeds" "$bin" battery $R --seeds 3..1
error_line "bad seeds named" "--seeds 3..1"
expect_exit 2 "unknown variant" "$bin" battery $R --variant nope
error_line "unknown variant named" "--variant nope"
expect_exit 2 "bad format" "$bin" battery $R --format xml
error_line "bad format named" "--format xml"

# The issue's "done when" (a subset of guards and failures keeps it quick)
expect_exit 0 "battery --format json exits 0" "$bin" battery $R --seeds 1..3 --format json \
    --guards lease,lease-local,advisory --failures pause-holding,db-step-forward,node-skew,session-drop
cp "$tmp/out" "$tmp/done.json"
cell() { grep "\"guard\":\"$1\",\"failure\":\"$2\"," "$tmp/done.json" | grep -q "\"safe\":$3"; }
for c in "lease pause-holding false" "lease db-step-forward false" "lease node-skew true" \
    "lease-local node-skew false" "advisory pause-holding true" "advisory session-drop false"; do
    set -- $c
    cell "$1" "$2" "$3" && ok "$1 x $2: safe $3" || bad "$1 x $2: safe $3"
done
[ "$(wc -l <"$tmp/done.json")" -eq 12 ] && ok "one JSON object per cell" || bad "one JSON object per cell"
for k in guard failure safe unsafe_seeds max_gap_periods runs_per_period replay hit_seeds; do
    grep -q "\"$k\":" "$tmp/done.json" || { bad "JSON key $k"; continue; }
    ok "JSON key $k"
done
if grep '"safe":true' "$tmp/done.json" | grep -q '"replay":"'; then bad "a SAFE cell has no replay"; else ok "a SAFE cell has no replay"; fi

# Parallel cells print the same as one job
"$bin" battery $R --seeds 1..2 --guards lease,advisory,atomic --jobs 1 >"$tmp/j1" 2>/dev/null
"$bin" battery $R --seeds 1..2 --guards lease,advisory,atomic --jobs 2 >"$tmp/j2" 2>/dev/null
cmp -s "$tmp/j1" "$tmp/j2" && ok "--jobs 1 and --jobs 2 print the same" || bad "--jobs 1 and --jobs 2 print the same"
grep -q "^lease  *SAFE" "$tmp/j1" && ok "text: a row per guard" || bad "text: a row per guard"
grep -q "^  overrun-lease for .*atomic.*no maximum hold" "$tmp/j1" && ok "text: n/a says why" || bad "text: n/a says why"

# The replay of an UNSAFE cell replays it: UNSAFE on its one seed
replay=$(grep "^  lease x pause-holding: UNSAFE" "$tmp/j1" | sed 's/.*  replay: //')
case "$replay" in
overlapsim\ battery*) ok "UNSAFE cells print a replay" ;;
*) bad "UNSAFE cells print a replay: '$replay'" ;;
esac
eval "$(echo "$replay" | sed "s|^overlapsim|$bin|")" --format csv >"$tmp/replayed" 2>&1
grep -q '^lease,pause-holding,yes,no,1,1,1,' "$tmp/replayed" && ok "the replay replays the unsafe seed" || bad "the replay replays the unsafe seed: $(cat "$tmp/replayed")"

# The base column: first in the text matrix; in JSON only when --failures names it
head -n 4 "$tmp/j1" | tail -n 1 | grep -q "^ *base  *overrun-interval " && ok "text: the base column first" || bad "text: the base column first"
"$bin" battery $R --seeds 1 --guards lease --format json >"$tmp/nobase" 2>/dev/null
[ "$(wc -l <"$tmp/nobase")" -eq 19 ] && ! grep -q '"failure":"base"' "$tmp/nobase" && ok "JSON: 19 failures, no base by default" || bad "JSON: 19 failures, no base by default"
"$bin" battery $R --seeds 1 --guards lease,atomic --failures base --format json >"$tmp/base" 2>/dev/null
grep '"guard":"atomic","failure":"base"' "$tmp/base" | grep -q '"safe":false' && ok "JSON: --failures base, atomic unsafe on three hosts" || bad "JSON: --failures base"

# CSV: a header and one row per cell
"$bin" battery $R --seeds 1 --guards lease,flock --format csv >"$tmp/csv" 2>/dev/null
head -n 1 "$tmp/csv" | grep -q "^guard,failure,applies,safe,unsafe_seeds,seeds,hit_seeds,max_gap_periods,runs_per_period," && ok "CSV header" || bad "CSV header"
[ "$(wc -l <"$tmp/csv")" -eq 39 ] && ok "CSV: a row per cell" || bad "CSV: a row per cell ($(wc -l <"$tmp/csv"))"

# --out: the HTML matrix, a timeline per UNSAFE cell, explicit scenarios that check passes
expect_exit 0 "--out --write-scenarios" "$bin" battery $R --seeds 1..2 --guards lease,advisory \
    --failures pause-holding,session-drop,node-skew --out "$tmp/html" --write-scenarios
[ -s "$tmp/html/index.html" ] && ok "index.html written" || bad "index.html written"
[ "$(grep -o '<img src="plots/[^"]*timeline.png"' "$tmp/html/index.html" | wc -l)" -eq 2 ] &&
    ok "one timeline per UNSAFE cell" || bad "one timeline per UNSAFE cell"
[ "$(ls "$tmp/html/scenarios" | wc -l)" -eq 6 ] && ok "one scenario per cell" || bad "one scenario per cell"
expect_exit 0 "check passes the written scenarios" "$bin" check "$tmp/html/scenarios"
grep -q "^kind = pause" "$tmp/html/scenarios/lease--pause-holding.ini" && ok "the scenario has its fault" || bad "the scenario has its fault"
# a point fault keeps the time it is armed from (6h: a quarter of the day)
grep -q "^at = 6h" "$tmp/html/scenarios/lease--pause-holding.ini" && ok "the point fault keeps its arming time" || bad "the point fault keeps its arming time"

totals
