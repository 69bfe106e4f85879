#!/bin/sh
# make demo's script works from a fresh build directory (it once failed for a
# missing output folder): it exits 0, compares the scenario and writes a
# report that links it. One scenario, to stay quick; `make demo` runs them all.
#   usage: tests/demo_test.sh path/to/overlapsim
set -u
bin=${1:-build/overlapsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi; }

f=scenarios/cron-pidfile.ini
DEMO_OUT="$tmp/new/demo" DEMO_FILES=$f sh scripts/demo.sh "$bin" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "demo exits 0 with a fresh output folder" "[ $rc -eq 0 ]" || tail -5 "$tmp/err"
check "demo compares every guard" "grep -q '^== $f' '$tmp/out' && grep -q 'flock' '$tmp/out'"
check "the report is written and links the scenario" \
    "grep -q cron-pidfile '$tmp/new/demo/report/index.html' 2>/dev/null"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
