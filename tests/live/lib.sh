# Shared by the live test scripts (sourced): counting, checks, and the
# cross-check of the simulator against live mode. Needs $bin (overlapsim)
# and $tmp (a scratch directory); sets $passed and $failed.
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; return 1; fi; }

# xval NAME WANT [SAME] ARGS... : `run` and `live` of ARGS agree with each other (exit code,
# safety and verdict) and with WANT (violates or holds); SAME (e.g. "runs skipped"), if given before the file: these
# metrics are equal too. Live runs at --speed 50 (a simulated second is 20 ms: racing
# starts collide with margin on a loaded machine and a sanitizer build) unless $speed or
# $LIVE_SPEED says otherwise, and on the server $live_dsn names if set (else its own).
xval() {
    name=$1 want=$2 same=
    shift 2
    case "$1" in *.ini) ;; *) same=$1 && shift ;; esac
    "$bin" run "$@" --format json >"$tmp/sim.json" 2>"$tmp/sim.err"
    src=$?
    set -- "$@" --speed "${speed:-${LIVE_SPEED:-50}}" --format json
    [ -n "${live_dsn:-}" ] && set -- "$@" --dsn "$live_dsn"
    "$bin" live "$@" >"$tmp/live.json" 2>"$tmp/live.err"
    lrc=$?
    sv=$(jq -r 'if .violation then "violates" else "holds" end' "$tmp/sim.json" 2>/dev/null)
    lv=$(jq -r 'if .violation then "violates" else "holds" end' "$tmp/live.json" 2>/dev/null)
    diffs=
    for k in safe verdict $same; do
        a=$(jq ".$k" "$tmp/sim.json" 2>/dev/null) b=$(jq ".$k" "$tmp/live.json" 2>/dev/null)
        [ "$a" = "$b" ] || diffs="$diffs $k: simulator $a, live $b;"
    done
    if [ "$sv" = "$want" ] && [ "$lv" = "$want" ] && [ "$src" = "$lrc" ] && [ -z "$diffs" ]; then
        ok "$name: simulator and live both $want (exit $src)${same:+, same $same}"
    else
        bad "$name: want $want; simulator $sv (exit $src), live $lv (exit $lrc)$diffs"
        sed 's/^/     /' "$tmp/live.err" | head -5
        for f in sim live; do
            jq -c '{max_concurrency, overlaps, runs, skipped, guard_errors, db_errors, faults_hit,
                    failed}' "$tmp/$f.json" 2>/dev/null | sed "s/^/     $f /"
        done
    fi
}

# err1 NAME PATTERN RC: exit 2, stderr ($tmp/err) one line matching PATTERN, nothing left
# in $tmp/t (the TMPDIR of the run)
err1() {
    if [ "$3" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE -e "$2" "$tmp/err" &&
        [ -z "$(ls -A "$tmp/t")" ]; then
        ok "$1"
    else
        bad "$1 (exit $3): $(cat "$tmp/err")"
    fi
}

# pg_up PREFIX: a throwaway PostgreSQL cluster in a new /tmp/PREFIX-XXXXXX ($pg), run as postgres
# when we are root, on a unix socket; sets $dsn and sql(), stops it and removes $pg and $tmp on
# exit. If it cannot start: one FAIL, the totals, exit 1.
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
pg_up() {
    pg=$(mktemp -d "/tmp/$1-XXXXXX")
    pgbin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
    trap 'as_pg "$pgbin/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$tmp" "$pg"' EXIT
    [ "$(id -u)" -eq 0 ] && chown postgres "$pg"
    if ! as_pg "$pgbin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$tmp/initdb.log" 2>&1 ||
        ! as_pg "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 30 \
            -o "-c listen_addresses='' -k $pg -p 5432 -c fsync=off -c synchronous_commit=off" \
            start >"$tmp/pgctl.log" 2>&1; then
        bad "a throwaway PostgreSQL cluster starts"
        tail -3 "$tmp/initdb.log" "$tmp/pgctl.log" "$pg/server.log" 2>/dev/null
        echo "$passed passed, $failed failed"
        exit 1
    fi
    dsn="host=$pg port=5432 user=postgres dbname=postgres"
}
sql() { psql "$dsn" -X -A -t -q -c "$1" 2>/dev/null; }
