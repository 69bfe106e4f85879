#!/bin/sh
# Live mode for real: the simulator and live runs reach the same verdicts;
# a user's wrapper with the seed-002 check-then-write bug is caught and a
# flock wrapper passes under racing starts; clock skew through libfaketime;
# one-line errors with exit 2; Ctrl-C leaves nothing behind (no process,
# run directory, libfaketime object or PostgreSQL server); --keep keeps.
# Timing-based but not flaky: racing starts are released together from a
# start gate, simulated seconds last 5 ms or more, and nothing asserts speed.
#   usage: tests/live_test.sh path/to/overlapsim
set -u
bin=${1:-build/overlapsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/live/lib.sh

R=scenarios/live/race.ini
X=scenarios/live/exec-race.ini

# --- the simulator and live agree ---
xval "flag racing" violates $R --guard flag
xval "atomic" holds $R --guard atomic
xval "mutex" holds $R --guard mutex
xval "semaphore" holds $R --guard semaphore
xval "none" violates $R --guard none

# two nodes on threads: each is a process of its own, with a guard of its own; a manual
# run goes to the node its fault names
cat >"$tmp/two-nodes.ini" <<'EOF2'
[scenario]
duration = 40s
[schedule]
interval = 30s
dispatch = spawn
[job]
api = 5s
[node a]
host = a
[node b]
host = b
[fault]
kind = manual-run
at = 10s
node = b
[expect]
runs = 3
skipped = 0
EOF2
xval "two nodes, an atomic each: both run at 30s (an in-process guard spans one node)" \
    violates "runs" "$tmp/two-nodes.ini" --guard atomic

# cron: every firing a process of its own; real PID files and flocks in the host's directory
CR=scenarios/live/cron-race.ini
CK=scenarios/live/cron-crash.ini
speed=200 # minutes of cron: a simulated second is 5 ms, the racers start from one gate
xval "pidfile-check, racing starts under cron" violates $CR --guard pidfile-check
xval "pidfile, racing starts under cron" holds "skipped" $CR --guard pidfile
xval "flock, racing starts under cron" holds "skipped" $CR --guard flock
xval "atomic under cron: a new process per firing, it protects nothing" violates $CR --guard atomic
xval "pidfile after kill -9: the stale PID is dead, the next firing takes over" holds \
    "runs skipped runs_killed faults_hit_holder" $CK --guard pidfile
xval "pidfile-check after kill -9" holds "runs skipped" $CK --guard pidfile-check
xval "flock after kill -9: the lock went with the process" holds \
    "runs skipped runs_killed faults_hit_holder" $CK --guard flock
xval "Go ticker, kill -9, restart and SIGSTOP: the overdue tick fires once" holds \
    "triggers runs coalesced faults_hit" scenarios/live/ticker-pause-crash.ini --guard atomic
# faults at points of a run: the run asks the harness there; a throw is the answer, a kill -9 real
PF=scenarios/live/point-faults.ini
for g in atomic pidfile flock; do
    xval "$g: job-error before the write, kill -9 after the acquire" holds \
        "triggers runs skipped job_errors runs_killed faults_hit faults_hit_holder" \
        $PF --variant finally --guard $g
    xval "$g: job-error with no finally keeps the guard held" holds \
        "triggers runs skipped job_errors runs_killed faults_hit" $PF --variant no-finally --guard $g
done
# the ticker family runs the simulator's own code live (sim/sched/sched_loop.h): the inline
# ticker, fixed rate, fixed delay and a run at start, beside manual requests, through a
# SIGSTOP and a kill -9 and restart, count the same triggers, runs, skips and coalesced ticks
cat >"$tmp/loops.ini" <<'EOF2'
[scenario]
duration = 5m
[schedule]
kind = ticker
interval = 20s
dispatch = spawn
manual = exp(1m)
[job]
api = 5s
[fault]
kind = pause
at = 1m55s
for = 50s
[fault]
kind = crash
at = 3m33s
restart_after = 15s
[expect]
max_concurrency = 1
EOF2
L="triggers runs skipped coalesced faults_hit"
xval "inline ticker, manual requests, pause, crash" holds "$L" "$tmp/loops.ini" --guard atomic \
    --set schedule.dispatch=inline
xval "fixed rate, manual requests, pause, crash" holds "$L" "$tmp/loops.ini" --guard atomic \
    --set schedule.kind=fixed-rate --set schedule.dispatch=inline
xval "fixed delay, manual requests, pause, crash" holds "$L" "$tmp/loops.ini" --guard atomic \
    --set schedule.kind=fixed-delay --set schedule.dispatch=inline
xval "spawned ticks with a run at start, manual requests, pause, crash" holds "$L" \
    "$tmp/loops.ini" --guard atomic --set schedule.run_at_start=yes
# cron's daemon runs the simulator's loop live (sched/cron_loop.h): stopped for 3 min, it wakes
# late and runs each missed minute 10 s apart, as cronie does; after a 70 s stop, the one missed
cat >"$tmp/cron-pause.ini" <<'EOF2'
[scenario]
duration = 9m
[schedule]
kind = cron
cron = * * * * *
[job]
api = 5s
[fault]
kind = pause
at = 2m30s
for = 3m
[fault]
kind = pause
at = 6m30s
for = 1m10s
[expect]
max_concurrency = 1
EOF2
speed=100
xval "cron after a pause: cronie's late wake-up" holds "triggers runs skipped faults_hit" \
    "$tmp/cron-pause.ini" --guard flock
"$bin" run "$tmp/cron-pause.ini" --guard flock --trace "$tmp/cron-sim.csv" >/dev/null
"$bin" live "$tmp/cron-pause.ini" --guard flock --speed 100 --trace "$tmp/cron-live.csv" >/dev/null
firings() { awk -F, '$5 == "trigger" {print substr($2, 1, 8)}' "$1" | tr '\n' ' '; }
check "cron after a pause: the same firings, to the second (5:30, 5:40, 5:50 for the missed minutes)" \
    '[ "$(firings "$tmp/cron-sim.csv")" = "$(firings "$tmp/cron-live.csv")" ] &&
     firings "$tmp/cron-live.csv" | grep -q "00:05:30 00:05:40 00:05:50"' ||
    { firings "$tmp/cron-sim.csv"; echo; firings "$tmp/cron-live.csv"; echo; }
# schedule.misfire after a pause, live as simulated: a loop thread is stopped with its node (it
# wakes when the pause ends), and a loop parked in receive takes a tick at once
for m in skip coalesce burst; do
    xval "cron after a pause, schedule.misfire = $m" holds "triggers runs coalesced" \
        "$tmp/cron-pause.ini" --guard flock --set schedule.misfire=$m
    for k in fixed-rate fixed-delay ticker; do
        xval "$k after a pause, schedule.misfire = $m" holds "triggers runs coalesced" \
            "$tmp/cron-pause.ini" --guard flock --set schedule.kind=$k --set schedule.interval=1m \
            --set schedule.dispatch=inline --set schedule.misfire=$m
    done
done
speed=
# Go's ticker inline: cycles of 72-76 s on a 30 s ticker; every cycle drops one tick
speed=100
xval "inline ticker, no guard" holds scenarios/etl-ticker.ini --variant inline --guard none \
    --set scenario.duration=5m --set job.api=70s
check "inline ticker: the same ticks coalesced, none skipped, live and simulated" \
    "jq -n -e --slurpfile s '$tmp/sim.json' --slurpfile l '$tmp/live.json' \
        '\$l[0].coalesced == \$s[0].coalesced and \$l[0].coalesced >= 3 and \$l[0].skipped == 0' >/dev/null"
speed=

# the same job durations live as simulated: the workload comes from the same seed
# and stream, and both traces show each trigger's draw ("#7 api=2.31s db=1s")
"$bin" run $R --guard none --seed 3 --trace "$tmp/sim.csv" >/dev/null
"$bin" live $R --guard none --seed 3 --trace "$tmp/live.csv" >/dev/null
draws() { awk -F, '$5 == "start" {print $6}' "$1" | sort; }
draws "$tmp/sim.csv" >"$tmp/sim.draws"
draws "$tmp/live.csv" >"$tmp/live.draws"
check "live draws exactly the simulator's job durations, trigger by trigger" \
    "[ -s '$tmp/sim.draws' ] && cmp -s '$tmp/sim.draws' '$tmp/live.draws'" ||
    diff "$tmp/sim.draws" "$tmp/live.draws" | head -5

# --- a user's own wrapper, racing starts ---
"$bin" live $X --speed 20 --guard exec --cmd "tests/live/pidfile-wrapper.sh overlapsim probe" \
    --format json >"$tmp/pid.json" 2>"$tmp/pid.err"
rc=$?
check "exec: the seed-002 PID-file wrapper is caught (exit 1)" "[ $rc -eq 1 ]"
check "exec: two of its runs overlapped" "jq -e '.max_concurrency >= 2 and .violation' '$tmp/pid.json' >/dev/null"
"$bin" live $X --speed 20 --guard exec --cmd "tests/live/flock-wrapper.sh overlapsim probe" \
    --format json >"$tmp/flock.json" 2>"$tmp/flock.err"
rc=$?
check "exec: the flock wrapper passes (exit 0)" "[ $rc -eq 0 ]"
check "exec: flock let one of each racing start in, turned the others away" \
    "jq -e '.max_concurrency == 1 and .skipped >= .runs' '$tmp/flock.json' >/dev/null" ||
    jq -c '{max_concurrency, runs, skipped, failed}' "$tmp/flock.json"

# --- a worker process with a skewed clock (libfaketime) ---
# libfaketime objects of processes that are gone (other sessions' live ones are theirs)
orphan_shm() {
    for f in /dev/shm/faketime_shm_*; do
        [ -e "$f" ] && ! kill -0 "${f##*_}" 2>/dev/null && echo "$f"
    done
}
"$bin" live $R --guard atomic --in-worker --skew 3s --format json >"$tmp/skew.json" 2>"$tmp/skew.err"
rc=$?
check "in a worker under libfaketime, atomic still holds (exit 0)" "[ $rc -eq 0 ]"
check "no libfaketime objects left in /dev/shm" "[ -z \"\$(orphan_shm)\" ]"

# --- errors: one line, exit 2 ---
mkdir -p "$tmp/t"
TMPDIR="$tmp/t" "$bin" live $R --guard atomic --dsn "host=$tmp/none port=1" >/dev/null 2>"$tmp/err"
err1 "unreachable --dsn" "--dsn .*cannot connect" $?
TMPDIR="$tmp/t" OVERLAPSIM_FAKETIME=/nonexistent/libfaketime.so.1 "$bin" live $R --guard atomic \
    --in-worker --skew 2s >/dev/null 2>"$tmp/err"
err1 "missing libfaketime" "libfaketime is missing" $?
TMPDIR="$tmp/t" "$bin" live $X --speed 100 --guard exec --cmd "$tmp/no-such-wrapper.sh" >/dev/null 2>"$tmp/err"
err1 "a command that cannot start" "--cmd .* cannot start" $?
TMPDIR="$tmp/t" "$bin" live $R --guard exec >/dev/null 2>"$tmp/err"
err1 "--guard exec without --cmd" "needs --cmd" $?
TMPDIR="$tmp/t" "$bin" live $R --guard atomic --speed 0 >/dev/null 2>"$tmp/err"
err1 "bad --speed" "--speed 0" $?
env -u OVERLAPSIM_EVENTS "$bin" probe --for 1s >/dev/null 2>"$tmp/err"
err1 "probe outside live" "not started under" $?
"$bin" worker --events x --dir x --speed 1 --cmd true >/dev/null 2>"$tmp/err" 3>&-
err1 "worker by hand" "not started by" $?
TMPDIR="$tmp/t" "$bin" live scenarios/cron-pidfile.ini --variant pid-reuse-same --guard pidfile \
    >/dev/null 2>"$tmp/err"
err1 "a fault live mode cannot do" "fault .* simulated only" $?

# --- Ctrl-C mid-run leaves nothing: processes, run directory, /dev/shm, postmaster ---
mkdir -p "$tmp/int"
chmod 711 "$tmp" "$tmp/int" # so postgres can reach a cluster inside it
cp tests/live/pidfile-wrapper.sh "$tmp/int/wrapper.sh"
# jobs of a minute (6 s real): the wrappers are surely running when we look
TMPDIR="$tmp/int" "$bin" live $X --speed 10 --db --skew 1s --guard exec \
    --set job.api=60s --set scenario.duration=10m \
    --cmd "$tmp/int/wrapper.sh overlapsim probe" >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
i=0
while [ $i -lt 300 ] && ! ls "$tmp"/int/overlapsim-live-*/parser-advertiser.pid >/dev/null 2>&1; do
    sleep 0.05
    i=$((i + 1))
done
ours() { # processes whose command line or environment names our directory
    for p in $(ps -eo pid=); do
        if grep -qs "$tmp/int" "/proc/$p/cmdline" "/proc/$p/environ" 2>/dev/null && [ "$p" != $$ ]; then
            echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)"
        fi
    done
}
ours >"$tmp/during"
check "mid-run: a postmaster, a worker and the wrapper are running" \
    "grep -q postgres '$tmp/during' && grep -q 'overlapsim worker' '$tmp/during' && grep -q wrapper.sh '$tmp/during'" ||
    cat "$tmp/during"
wpid=$(awk '/overlapsim worker/ {print $1; exit}' "$tmp/during")
check "mid-run: the worker has libfaketime objects in /dev/shm" "[ -e /dev/shm/faketime_shm_$wpid ]"
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit 130, 'interrupted'" "[ $rc -eq 130 ] && grep -q interrupted '$tmp/int.err'"
sleep 0.2
ours >"$tmp/after"
check "SIGINT: no process left" "[ ! -s '$tmp/after' ]" || cat "$tmp/after"
check "SIGINT: no run directory left" "[ \"\$(ls -A '$tmp/int')\" = wrapper.sh ]"
check "SIGINT: no libfaketime objects left" "[ ! -e /dev/shm/faketime_shm_$wpid ] && [ -z \"\$(orphan_shm)\" ]"

# --- --keep keeps the directory and its logs ---
mkdir -p "$tmp/keep"
TMPDIR="$tmp/keep" "$bin" live $R --guard atomic --in-worker --keep >/dev/null 2>"$tmp/err"
check "--keep leaves the run directory with the worker's log" "ls '$tmp'/keep/overlapsim-live-*/worker-0.log >/dev/null 2>&1"
check "--keep names it on stderr" "grep -q 'live: kept $tmp/keep/overlapsim-live-' '$tmp/err'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
