#!/bin/sh
# No behaviour change across refactors: the trigger, skip, start and end rows
# of every shipped case's first seed must hash as recorded in
# tests/trace_hashes.txt (file, variant or '-', guard, seed, hash), written
# by the build before the code moved into folders by layer. Other rows
# (clocks, leases, fault windows) may be added without touching these.
#   usage: tests/trace_hash_test.sh path/to/overlapsim
set -u
bin=${1:-build/overlapsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
while read -r f v g s want; do
    set -- --guard "$g" --seed "$s"
    [ "$v" != "-" ] && set -- --variant "$v" "$@"
    rm -f "$tmp/t.csv"
    "$bin" run "$f" "$@" --trace "$tmp/t.csv" >/dev/null 2>&1
    got=$(awk -F, '$5=="trigger"||$5=="skip"||$5=="start"||$5=="end"' "$tmp/t.csv" 2>/dev/null |
        sha256sum | cut -c1-16)
    if [ "$got" = "$want" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $f variant $v guard $g seed $s: rows hash $got, recorded $want"
    fi
done <tests/trace_hashes.txt
echo "trace hashes: $passed of $((passed + failed)) cases as recorded"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
