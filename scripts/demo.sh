#!/bin/sh
# make demo: compare every guard on every shipped scenario, side by side.
#   usage: scripts/demo.sh path/to/overlapsim
set -eu
bin=${1:-build/overlapsim}
status=0
for f in scenarios/*.ini; do
    echo "== $f"
    "$bin" compare "$f" || status=$?
done
exit $status
