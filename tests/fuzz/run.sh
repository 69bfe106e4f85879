#!/bin/sh
# make fuzz: builds the libFuzzer targets (clang, ASan+UBSan) and runs each
# for SECONDS, seeded with the shipped scenarios. Prints "N passed, N failed"
# (one per target). Crashes land in build/fuzz/crash-*.
#   usage: tests/fuzz/run.sh SECONDS_PER_TARGET
set -u
secs=${1:-30}
out=build/fuzz
mkdir -p "$out"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
lib_src="$(ls sim/*/*.c guards/*.c | grep -v -e '^sim/cli/' -e '^sim/live/') sim/live/sys/env_live.c"
passed=0
failed=0
for target in fuzz_scenario fuzz_values; do
    if ! clang $flags -o "$out/$target" "tests/fuzz/$target.c" $lib_src sim/core/fiber_x86_64.S \
        -linih -ljansson -lyaml -lm -lpthread 2>"$out/$target.build.log"; then
        echo "FAIL $target: does not build"; cat "$out/$target.build.log"
        failed=$((failed + 1))
        continue
    fi
    corpus="$out/corpus-$target"
    mkdir -p "$corpus"
    if [ "$target" = fuzz_scenario ]; then
        find scenarios tests/fuzz/seeds -name '*.ini' -exec cp {} "$corpus/" \; # seeds: past finds
    else
        for v in 30s 1h30m 250ms "lognormal(median=20s,p99=60s)" "mix(10s:0.5, 5m:0.4, 30m:0.1)" \
            "uniform(2s,6s)" "exp(10m)" 1..20 "runs >=100" "some.max_concurrency >=2" \
            "*/2 * * * *" "0 9-17 * * 1-5" "15,45 */3 1 1,6 *" "runs_per_period >=0.5" \
            "job.api=mix(1s:0.25, 2s:0.75)" "node.clock_drift_ppm=-20.5" "export.crash=5%" \
            "node.clock_offset=-6m" "scenario.seeds=1..20" "guard.max_factor=1.5"; do
            printf '%s' "$v" >"$corpus/$(printf '%s' "$v" | cksum | cut -d' ' -f1)"
        done
    fi
    if "$out/$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$out/" -print_final_stats=0 "$corpus" >"$out/$target.log" 2>&1; then
        echo "ok   $target ($(grep -o 'Done [0-9]* runs' "$out/$target.log" | tail -n 1))"
        passed=$((passed + 1))
    else
        echo "FAIL $target"; tail -n 30 "$out/$target.log"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
