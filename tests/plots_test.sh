#!/bin/sh
# What the pictures show, checked through their data: the trace rows they
# are drawn from (clock, lease, fault and fault-end rows), then each plot
# kind's CSV for a shipped scenario (replicas-lease@gc-pause, seed 2:
# replica-2's clock +5m30s, the 6 min pause as a window on replica-1's lane,
# lease bars, the overlap over the limit, the 6m34s run in the overflow bin).
# Prints "N passed, N failed".
#   usage: sh tests/plots_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
BIN=$bin
T=$tmp
SC=scenarios/replicas-lease.ini

# --- the trace ---
"$BIN" run $SC --variant steady --guard lease --seed 1 --trace "$T/t.csv" >/dev/null ||
    bad "run --trace steady"
# replica-2 is 5m30s ahead, with up to 500 ms of jitter
check "a clock row gives replica-2's offset (+5m30s +- jitter)" \
    grep -Eq '^0,00:00:00.000,replica-2,,clock,offset=\+5m(29\.[5-9]|30(\.[0-4])?)[0-9]*s?$' "$T/t.csv"
check "replica-3's clock row gives its drift" grep -q 'replica-3,,clock,offset=-4[45][.0-9]*s drift=+50ppm' "$T/t.csv"
check "the database's clock has a row" grep -q '^0,00:00:00.000,,,clock,database offset=+0s' "$T/t.csv"
runs=$(grep -c ',start,' "$T/t.csv")
grants=$(grep -c ',lease,grant ' "$T/t.csv")
check "a lease grant row for every run ($runs runs)" test "$runs" -gt 0 -a "$grants" -ge "$runs"
check "every run's lease is released or expires" test "$(grep -c ',lease,release ' "$T/t.csv")" -ge "$runs"
check "lease rows give the lease's end in true time" grep -q ',lease,grant cleanup-stale-sequences lease_until=[0-9hms.]* (' "$T/t.csv"
# trigger, skip, start and end rows stay time-ordered with the new rows in between
check "the trace stays in time order" awk -F, 'NR > 1 && $1 + 0 < last { exit 1 } NR > 1 { last = $1 + 0 }' "$T/t.csv"

"$BIN" run $SC --variant gc-pause --guard lease --seed 2 --trace "$T/g.csv" >/dev/null
check "the gc pause has a fault row and a fault-end row 6 min later" awk -F, '
    $5 == "fault" && $6 ~ /^pause pid/ && !start { start = $1 }
    $5 == "fault-end" && $6 ~ /^pause/ && !end { end = $1 }
    END { exit !(start && end - start == 360000000000) }' "$T/g.csv"
"$BIN" run $SC --variant slow-reply --guard lease --seed 1 --trace "$T/s.csv" >/dev/null
check "a database window fault has fault and fault-end rows" awk -F, '
    $5 == "fault" && $6 ~ /^db-slow-reply begins/ { s++ } $5 == "fault-end" && $6 ~ /^db-slow-reply/ { e++ }
    END { exit !(s == 1 && e == 1) }' "$T/s.csv"

# --- each plot's data ---
"$BIN" plot $SC --variant gc-pause --guard lease --seed 2 --out "$T/p" >/dev/null || bad "plot runs"
P="$T/p"
check "clock CSV: replica-2 at +5m30s (329.5 .. 330.5 s) the whole run" awk -F, '
    $2 == "replica-2" { n++; if ($3 < 329.5 || $3 > 330.5) exit 1 } END { exit n < 2 }' "$P/clock.csv"
check "clock CSV: replica-3 drifts 50 ppm (4.32 s in a day)" awk -F, '
    $2 == "replica-3" && $1 == 0 { a = $3 } $2 == "replica-3" && $1 == 86400 { b = $3 }
    END { d = b - a; exit !(d > 4.31 && d < 4.33) }' "$P/clock.csv"
check "timeline CSV: lanes in node order (replica-1, -2, -3)" awk -F, '
    $1 == "run" && $6 ~ /^run / { lane[$2] = 1 } END { exit !(("0.00" in lane) && ("2.00" in lane)) }' "$P/timeline.csv"
check "timeline CSV: the pause is a 6 min window on replica-1's lane" awk -F, '
    $1 == "fault" && $6 == "pause replica-1" && $2 == "0.00" && $4 - $3 > 359.9 && $4 - $3 < 360.1 { f = 1 }
    END { exit !f }' "$P/timeline.csv"
check "timeline CSV: lease bars under runs" grep -q '^lease,0.30,' "$P/timeline.csv"
check "timeline CSV: overlapping stretches" grep -q '^overlap,' "$P/timeline.csv"
check "timeline labels the lanes with clock offsets" grep -q "replica-2  clock +5m29\.[5-9]s\|replica-2  clock +5m30" "$P/timeline.gp"
check "concurrency CSV: the overlap over the limit in the window" grep -q '^over,[0-9.]*,2,' "$P/concurrency.csv"
check "concurrency CSV: the whole run in bins, one of them over the limit" awk -F, '
    $1 == "run" { n++; if ($3 > 1) o++ } END { exit !(n >= 700 && o >= 1) }' "$P/concurrency.csv"
check "cycles CSV: the 6m34s run is in the overflow bin" awk -F, '
    NR > 1 && $5 == 1 && $3 >= 1 && $2 > 390 { f = 1 } END { exit !f }' "$P/cycles.csv"
check "cycles marks the longest lock time (5 min)" grep -q "longest lock 5m" "$P/cycles.gp"
check "the whole-run concurrency SVG stays small (< 300 KB)" test "$(wc -c <"$P/concurrency.svg")" -lt 300000

# --- the report of every shipped scenario stays small (the plain build
# only: under the sanitizers it takes minutes and shows nothing new) ---
case "$BIN" in
*/san/* | */o0/*) echo "skip the size of the full report under $BIN" ;;
*)
    "$BIN" report scenarios --out "$T/r" >/dev/null 2>&1
    size=$(du -sk "$T/r" | cut -f1)
    check "report scenarios: at most 25 MB (${size} KB)" test "$size" -le 25600
    check "report scenarios: PNG only (no SVG)" test -z "$(find "$T/r" -name '*.svg' | head -n 1)"
    ;;
esac

totals
