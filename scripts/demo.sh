#!/bin/sh
# make demo: compares the guards on every shipped scenario, then writes the
# HTML report of all of them to build/demo/report/index.html.
set -eu
BIN=${1:-build/overlapsim}
OUT=${DEMO_OUT:-build/demo}
mkdir -p "$OUT"
for f in scenarios/*.ini; do
    echo "== overlapsim compare $f"
    # a scenario that fails its expectations still gets its table and report
    "$BIN" compare "$f" || true
    echo
done
echo "== overlapsim report scenarios --out $OUT/report"
"$BIN" report scenarios --out "$OUT/report" || [ $? -eq 1 ]
echo "open $OUT/report/index.html in a browser (no server needed)"
