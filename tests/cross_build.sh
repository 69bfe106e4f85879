#!/bin/sh
# Determinism across builds: -O2, -O0 and ASan+UBSan binaries must write the
# same trace bytes for the same scenario, guard and seed.
#   usage: tests/cross_build.sh BUILD_DIR BUILD_DIR...
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ref=$1
shift
for spec in "spawn none 1" "spawn-manual flag 4" "inline mutex-wait 2" "inline-manual semaphore 9"; do
    set -- $spec "$@"
    v=$1 g=$2 s=$3
    shift 3
    "$ref/overlapsim" run scenarios/etl-ticker.ini --variant "$v" --guard "$g" --seed "$s" \
        --trace "$tmp/ref.csv" >/dev/null
    for b in "$@"; do
        "$b/overlapsim" run scenarios/etl-ticker.ini --variant "$v" --guard "$g" --seed "$s" \
            --trace "$tmp/other.csv" >/dev/null
        if cmp -s "$tmp/ref.csv" "$tmp/other.csv" && [ -s "$tmp/ref.csv" ]; then
            passed=$((passed + 1)); echo "ok   $v/$g seed $s: $ref = $b"
        else
            failed=$((failed + 1)); echo "FAIL $v/$g seed $s: $ref != $b"
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
