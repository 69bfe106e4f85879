#!/bin/sh
# Live mode's threads under ThreadSanitizer (make test-tsan): the live cmocka
# programs and live runs of every in-process guard, in the harness and in a
# worker process, must run without a single TSan report. The simulator's
# fibers are not annotated for TSan, so nothing here runs the simulator.
#   usage: tests/tsan_live.sh build/tsan
set -u
build=${1:-build/tsan}
bin=$build/overlapsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

# clean NAME FILES...: no TSan report in them
clean() {
    name=$1
    shift
    if grep -q "ThreadSanitizer" "$@" 2>/dev/null; then
        bad "$name"
        grep -h -A12 "WARNING: ThreadSanitizer" "$@" | head -40
    else
        ok "$name"
    fi
}

for t in test_live_pg test_live_worker test_live_pgenv; do
    "$build/tests/$t" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 0 ] && ok "$t passes" || { bad "$t passes (exit $rc)"; tail -20 "$tmp/out"; }
    clean "$t: no data race" "$tmp/out"
done

R=scenarios/live/race.ini
for g in none flag atomic mutex mutex-wait semaphore; do
    "$bin" live $R --guard $g >"$tmp/out" 2>&1
    clean "live $g on threads: no data race" "$tmp/out"
done
"$bin" live scenarios/etl-ticker.ini --variant inline-manual --guard mutex-wait \
    --set scenario.duration=20m --set schedule.manual='exp(2m)' --speed 200 >"$tmp/out" 2>&1
clean "live inline ticker loop with manual runs: no data race" "$tmp/out"
mkdir -p "$tmp/w"
TMPDIR="$tmp/w" "$bin" live $R --guard flag --in-worker --keep >"$tmp/out" 2>&1
clean "live flag in a worker process: no data race" "$tmp/out" "$tmp"/w/*/worker-0.log
# a database guard: two workers, each with a pool its job threads share, and a fault
mkdir -p "$tmp/d"
chmod 711 "$tmp" "$tmp/d" # the kept cluster stays inside, and goes with $tmp
TMPDIR="$tmp/d" "$bin" live scenarios/live/db-session-killed.ini --guard advisory --speed 50 \
    --keep >"$tmp/out" 2>&1
clean "live advisory in worker processes, a session terminated: no data race" "$tmp/out" \
    "$tmp"/d/*/worker-*.log

# a crash and restart: the dispatcher kills the node, starts a new worker and a new scheduler life
mkdir -p "$tmp/c"
TMPDIR="$tmp/c" "$bin" live scenarios/live/cron-crash.ini --guard flock --speed 200 --keep \
    >"$tmp/out" 2>&1
clean "live cron with kill -9 and restart: no data race" "$tmp/out" "$tmp"/c/*/worker-0.log
# faults at points of a run: the receiver answers, pauses and crashes the asker's node, and the
# dispatcher takes the timers it set (resume, restart); exports into the sink table
mkdir -p "$tmp/p"
TMPDIR="$tmp/p" "$bin" live scenarios/live/point-faults.ini --variant finally --guard pidfile \
    --speed 100 --keep >"$tmp/out" 2>&1
clean "live faults at points (job-error, kill -9 after the acquire): no data race" "$tmp/out" \
    "$tmp"/p/*/worker-0.log
mkdir -p "$tmp/g"
chmod 711 "$tmp/g"
TMPDIR="$tmp/g" "$bin" live scenarios/live/db-gc-pause.ini --variant before-write \
    --guard lease-fenced --speed 50 --keep >"$tmp/out" 2>&1
clean "live pause at a point, exports into the sink table: no data race" "$tmp/out" \
    "$tmp"/g/*/worker-*.log
"$bin" live $R --guard atomic --set schedule.dispatch=inline --set job.api=15s \
    --set scenario.duration=3m >"$tmp/out" 2>&1
clean "live inline ticker: no data race" "$tmp/out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
