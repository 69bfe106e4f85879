#!/bin/sh
# make demo: compare every guard on every shipped scenario, side by side, then
# write the HTML report of all of them (build/demo/report/index.html).
#   usage: [DEMO_OUT=DIR] [DEMO_FILES='a.ini b.ini'] scripts/demo.sh path/to/overlapsim
set -eu
bin=${1:-build/overlapsim}
out=${DEMO_OUT:-$(dirname "$bin")/demo}
files=${DEMO_FILES:-$(ls scenarios/*.ini)}
status=0
for f in $files; do
    echo "== $f"
    "$bin" compare "$f" || status=$?
done
mkdir -p "$out"
echo "== report: $bin report scenarios --out $out/report"
# shellcheck disable=SC2086
"$bin" report ${DEMO_FILES:-scenarios} --out "$out/report" || status=$?
echo "open $out/report/index.html in a browser (no server needed)"
exit $status
