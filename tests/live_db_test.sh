#!/bin/sh
# Database guards live: the simulator and live mode reach the same verdict
# on the scenarios/live/db-*.ini files — racing replicas on a lease, the
# mutants, a client clock skewed by libfaketime, a session terminated under
# an advisory lock, and the database faults (clock step, outage, contention,
# slow reply) — and, where the scenario leaves nothing to chance, the same
# counts. Database faults without a live meaning stop with one line, exit 2.
# One throwaway cluster serves every run (--dsn), which also shows that a
# run leaves nothing in a server it is given; one run starts its own.
#   usage: tests/live_db_test.sh path/to/overlapsim
set -u
bin=${1:-build/overlapsim}
tmp=$(mktemp -d)
. tests/live/lib.sh

pg_up overlapsim-dbtest # the cluster: $pg, $dsn, sql()

RE=scenarios/live/db-replicas.ini
SK=scenarios/live/db-clock-skew.ini
KI=scenarios/live/db-session-killed.ini
FA=scenarios/live/db-faults.ini

# xval (tests/live/lib.sh) runs live on the shared cluster; live_dsn= starts a cluster of its own
live_dsn=$dsn
lj() { jq -e "$1" "$tmp/live.json" >/dev/null; }

# --- three replicas racing for one lock, in three worker processes ---
xval "lease, 3 nodes racing" holds "runs skipped" $RE --guard lease
xval "lease-fenced, 3 nodes racing" holds "runs skipped" $RE --guard lease-fenced
xval "shedlock (database clock), 3 nodes racing" holds "runs skipped" $RE --guard shedlock
xval "lease-rw mutant: all read 'expired', all write" violates $RE --guard lease-rw
xval "advisory-xact mutant: the lock ends with its statement" violates $RE --guard advisory-xact

# lease_rows NAME ARGS...: `live ARGS --trace` writes, as the simulator does, a `lease` grant row
# with lease_until= on a run's node before each run starts there (the worker reports it), and
# `lease` release rows naming runs that started
lease_rows() {
    name=$1
    shift
    "$bin" live "$@" --speed "${speed:-50}" --dsn "$live_dsn" --trace "$tmp/lease.csv" \
        >/dev/null 2>"$tmp/lease.err"
    out=$(awk -F, 'NR > 1 && $5 == "lease" && $6 ~ /^grant [a-z-]+ lease_until=[0-9]/ { g[$3]++; grants++ }
        NR > 1 && $5 == "start" { starts++; if (g[$3]-- <= 0) orphan++; run[$4] = 1 }
        NR > 1 && $5 == "lease" && $6 ~ /^release / { rel++; if (!($4 in run)) stray++ }
        END { printf "%d %d %d %d %d", starts, grants, orphan, rel, stray }' "$tmp/lease.csv")
    set -- $out
    if [ "$1" -ge 1 ] && [ "$3" -eq 0 ] && [ "$4" -ge 1 ] && [ "$5" -eq 0 ]; then
        ok "$name: $1 starts, $2 lease grants (one before each start), $4 releases"
    else
        bad "$name: $1 starts, $2 grants, $3 starts without a grant, $4 releases, $5 for no run"
        head -3 "$tmp/lease.err"
    fi
}
lease_rows "live --trace: lease rows from the worker processes" $RE --guard lease
lease_rows "live --trace: lease-rw's rows, every racer granted" $RE --guard lease-rw

# --- a pause right after acquiring (the run stopped at its fault point): the lease runs out,
# the other replica writes with a newer token, then the paused run writes; the sink table
# takes that stale write under lease and refuses it under lease-fenced ---
GC=scenarios/live/db-gc-pause.ini
GCS="triggers runs stale_writes stale_writes_rejected faults_hit_holder items exports duplicates lost fenced"
xval "lease, a 3 min pause after acquiring: the sink takes the stale write" violates "$GCS" \
    $GC --variant after-acquire --guard lease
xval "lease-fenced, the same pause: the sink table refuses the stale write" violates "$GCS" \
    $GC --variant after-acquire --guard lease-fenced
check "lease-fenced live: stale_writes_rejected >= 1 and stale_writes = 0" \
    "lj '.stale_writes_rejected >= 1 and .stale_writes == 0 and .items > 0'"
xval "lease, paused between its fetch and its write: items exported twice" violates "$GCS" \
    $GC --variant before-write --guard lease
check "lease live: the duplicates counted from the sink table" "lj '.duplicates >= 1'"
xval "lease-fenced, the same: the stale write refused, nothing twice" violates "$GCS" \
    $GC --variant before-write --guard lease-fenced
check "lease-fenced live: no duplicate, no item lost" "lj '.duplicates == 0 and .lost == 0'"

# --- under cron every firing is a process of its own, with a database client of its own ---
speed=100 # 5.5 min of cron: 3.3 s
xval "lease under cron, a process per firing" holds "runs skipped" \
    scenarios/live/cron-race.ini --guard lease
lease_rows "live --trace under cron: lease rows from the firing processes" \
    scenarios/live/cron-race.ini --guard lease
speed=

# --- one node's clock 30 s ahead: libfaketime in its worker ---
xval "lease-local, node-2's clock ahead" violates "runs skipped overlaps" $SK --guard lease-local
live_dsn= # this one starts a cluster of its own
xval "lease under the same skew (its own cluster)" holds "runs skipped" $SK --guard lease
live_dsn=$dsn

# --- the holder's session terminated (pg_terminate_backend) ---
xval "advisory after its session is terminated" violates "runs skipped overlaps db_errors" \
    $KI --guard advisory
check "live: the disconnect hit the holder" "lj '.faults_hit_holder >= 1'"
xval "lease after the same" holds "runs skipped db_errors" $KI --guard lease

# --- database faults ---
xval "clock-step of the database (app.skew)" violates "runs faults_hit" $FA --variant clock-step
xval "db-outage: the acquire times out" holds "runs skipped db_errors" $FA --variant outage
xval "db-contention: rows held FOR UPDATE" holds "runs skipped" $FA --variant contention
check "live: contention made the acquire 4.5 s late" "lj '.lateness_max_s >= 4.4'"
xval "db-slow-reply: granted after the client gave up" holds "runs skipped db_errors" \
    $FA --variant slow-reply

check "nothing of ours left in the server: no schema, no session" \
    "[ \"\$(sql \"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'overlapsim%'\")\" = 0 ] &&
     [ \"\$(sql \"SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'overlapsim%'\")\" = 0 ]"

# --- no live meaning: one line, exit 2, before anything starts ---
mkdir -p "$tmp/t"
TMPDIR="$tmp/t" "$bin" live scenarios/catalogue/advisory-session-killed.ini --guard advisory \
    --dsn "$dsn" >/dev/null 2>"$tmp/err"
err1 "db-disconnect after = acquire" "fault db-disconnect \(line [0-9]+\): after acquire is simulated only" $?
TMPDIR="$tmp/t" "$bin" live $FA --variant clock-step --set db.clock_drift_ppm=20 \
    --dsn "$dsn" >/dev/null 2>"$tmp/err"
err1 "a drifting database clock" "db.clock_drift_ppm is simulated only" $?
TMPDIR="$tmp/t" "$bin" live $FA --variant contention --guard advisory \
    --dsn "$dsn" >/dev/null 2>"$tmp/err"
err1 "db-contention under an advisory lock" "fault db-contention .*: it holds the lock rows" $?
TMPDIR="$tmp/t" "$bin" live $FA --variant outage --guard exec --cmd "overlapsim probe" \
    --dsn "$dsn" >/dev/null 2>"$tmp/err"
err1 "database faults under --guard exec" "not with --guard exec" $?
printf '[fault]\nkind = db-outage\nat = 30s\nfor = 10s\n' | cat scenarios/live/cron-race.ini - >"$tmp/cron-outage.ini"
TMPDIR="$tmp/t" "$bin" live "$tmp/cron-outage.ini" --guard lease --dsn "$dsn" >/dev/null 2>"$tmp/err"
err1 "db-outage under cron" "fault db-outage .*: simulated only under cron" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
