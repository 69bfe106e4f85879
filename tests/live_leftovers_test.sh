#!/bin/sh
# What a live run killed with SIGKILL leaves (its PostgreSQL cluster, run
# directory, SysV segment, libfaketime's /dev/shm objects, and with --dsn
# its schema) is gone once the next live run is over, which says so in one
# line; and a --dsn password shows nowhere: not in a message, not on a
# command line. The --dsn server is a throwaway cluster of the test's own.
#   usage: tests/live_leftovers_test.sh path/to/overlapsim
set -u
bin=${1:-build/overlapsim}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
tmp=$(mktemp -d)
. tests/live/lib.sh

pg_up overlapsim-lotest # the cluster: $pg, $dsn, sql()

SK=scenarios/live/db-clock-skew.ini # node-2's clock skewed by libfaketime, a database lease
RACE=scenarios/live/race.ini        # any live command: no database, a few seconds

# the command lines of every process whose command line mentions $1
procs_with() { ps -eo args= | grep -F -e "$1" | grep -v -e "grep -F" || true; }
# libfaketime's objects in /dev/shm, one a line
shm_objects() { ls /dev/shm 2>/dev/null | grep faketime | sort; }
# wait_for SECONDS CMD: until CMD (evaluated) succeeds
wait_for() {
    n=$(($1 * 10))
    while [ "$n" -gt 0 ]; do
        if eval "$2"; then return 0; fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# killed NAME TMPDIR ARGS...: starts `live ARGS` with TMPDIR, SIGKILLs it once its database
# is up and libfaketime has made its objects; sets $kpid and $tmp/shm.new (those objects)
killed() {
    kname=$1 kdir=$2
    shift 2
    shm_objects >"$tmp/shm.before"
    TMPDIR=$kdir "$bin" live "$@" >/dev/null 2>&1 &
    kpid=$!
    n=200
    while [ "$n" -gt 0 ]; do
        shm_objects | comm -13 "$tmp/shm.before" - >"$tmp/shm.new"
        [ -s "$tmp/shm.new" ] &&
            [ -n "$(sql "SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'overlapsim\_${kpid}\_%'")$(procs_with "overlapsim-live-$kpid-" | grep postgres)$(procs_with "overlapsim-pg-$kpid-" | grep postgres)" ] &&
            break
        sleep 0.1
        n=$((n - 1))
    done
    sleep 0.3
    kill -9 "$kpid"
    wait "$kpid" 2>/dev/null
    check "$kname: the killed run left something to clean" \
        "[ -n \"\$(ls -A '$kdir')\" ] && [ -s '$tmp/shm.new' ]"
}

# nothing_left NAME TMPDIR: the killed run $kpid left nothing
nothing_left() {
    check "$1: the next live run says so in one line" \
        "[ \"\$(grep -c 'overlapsim: live: cleaned up after a killed run' '$tmp/err')\" = 1 ]"
    check "$1: no postgres process of the killed run" \
        "[ -z \"\$(procs_with \"$2/overlapsim-live-$kpid-\")\" ] && [ -z \"\$(procs_with /tmp/overlapsim-pg-$kpid-)\" ]"
    check "$1: no directory of it in \$TMPDIR or /tmp" \
        "[ -z \"\$(ls -A '$2')\" ] && ! ls -d /tmp/overlapsim-pg-$kpid-* >/dev/null 2>&1"
    check "$1: no /dev/shm object of it" \
        "[ -z \"\$(shm_objects | comm -12 '$tmp/shm.new' -)\" ]"
}

# --- its own cluster, in a $TMPDIR postgres can reach ---
t1=$tmp/t1
mkdir -p "$t1" && chmod 0711 "$tmp" && chmod 0755 "$t1"
killed "own cluster in \$TMPDIR" "$t1" $SK --guard lease --db --speed 2
check "own cluster in \$TMPDIR: the cluster was in \$TMPDIR" \
    "ls -d '$t1'/overlapsim-live-$kpid-*/pg-* >/dev/null 2>&1"
TMPDIR=$t1 "$bin" live $RACE --speed 50 >/dev/null 2>"$tmp/err"
nothing_left "own cluster in \$TMPDIR" "$t1"

# --- its own cluster, $TMPDIR out of postgres's reach: the cluster in /tmp ---
t2=$tmp/t2
mkdir -p "$t2" && chmod 0700 "$t2"
chmod 0700 "$tmp"
killed "own cluster in /tmp" "$t2" $SK --guard lease --db --speed 2
TMPDIR=$t2 "$bin" live $RACE --speed 50 >/dev/null 2>"$tmp/err"
nothing_left "own cluster in /tmp" "$t2"

# --- a server given with --dsn: the schema goes too ---
t3=$tmp/t3
mkdir -p "$t3"
killed "--dsn" "$t3" $SK --guard lease --dsn "$dsn" --speed 2
check "--dsn: the killed run left its schema" \
    "[ \"\$(sql \"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'overlapsim\\_${kpid}\\_%'\")\" = 1 ]"
TMPDIR=$t3 "$bin" live $RACE --speed 50 --dsn "$dsn" >/dev/null 2>"$tmp/err"
nothing_left "--dsn" "$t3"
check "--dsn: no schema of the killed run" \
    "[ \"\$(sql \"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'overlapsim\\_${kpid}\\_%'\")\" = 0 ]"
check "--dsn: the line names the schema" "grep -q \"dropped schema overlapsim_${kpid}_\" '$tmp/err'"

# --- a run that goes on is nobody's leftover ---
t4=$tmp/t4
mkdir -p "$t4"
TMPDIR=$t4 "$bin" live $RACE --speed 5 >/dev/null 2>&1 &
lpid=$!
wait_for 10 "ls -d '$t4'/overlapsim-live-$lpid-* >/dev/null 2>&1"
TMPDIR=$t4 "$bin" live $RACE --speed 50 >/dev/null 2>"$tmp/err"
check "a running run's directory stays" "ls -d '$t4'/overlapsim-live-$lpid-* >/dev/null 2>&1"
check "and nothing is said" "! grep -q 'cleaned up' '$tmp/err'"
kill -INT "$lpid"
wait "$lpid" 2>/dev/null

# --- --dsn passwords ---
mkdir -p "$tmp/t"
for d in 'postgresql://u:s3cretpw@127.0.0.1:1/x' 'host=127.0.0.1 port=1 user=u password=s3cretpw' \
    "host=127.0.0.1 port=1 password='s3cretpw x'" 'postgresql://u@127.0.0.1:1/x?password=s3cretpw'; do
    TMPDIR=$tmp/t "$bin" live $RACE --dsn "$d" >/dev/null 2>"$tmp/err"
    err1 "--dsn $(echo "$d" | cut -c1-24)...: one line, the password redacted" "\\*\\*\\*" $?
    check "  ... and not shown" "! grep -q s3cretpw '$tmp/err'"
done
udsn="postgresql://postgres:s3cretpw@/postgres?host=$pg&port=5432"
TMPDIR=$tmp/t "$bin" live scenarios/live/db-replicas.ini --guard lease --speed 10 --dsn "$udsn" \
    >"$tmp/out" 2>"$tmp/err" &
lpid=$!
wait_for 20 "[ -n \"\$(sql \"SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'overlapsim_${lpid}_%:%'\")\" ]"
check "--dsn password: the run's workers are connected" \
    "[ -n \"\$(sql \"SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'overlapsim_${lpid}_%:%'\")\" ]"
check "--dsn password: on no command line (ps)" "! ps -eo args= | grep -v grep | grep -q s3cretpw"
check "--dsn password: not in /proc/$lpid/cmdline" "! tr '\\0' ' ' </proc/$lpid/cmdline | grep -q s3cretpw"
wait "$lpid"
check "--dsn password: the run passed" "[ $? -eq 0 ]"
check "--dsn password: not in its output" "! grep -q s3cretpw '$tmp/out' '$tmp/err'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
