#!/bin/sh
# The seed-002 alternative: flock(1) on a lock file, non-blocking. The
# kernel grants the lock atomically and drops it when the last process
# holding the descriptor exits (the job inherits fd 9, so it holds it too),
# so two racing starts can never both run and a kill -9 leaves nothing
# stale. `overlapsim live --guard exec` finds no overlap.
#   usage: flock-wrapper.sh JOB...   (under live: flock-wrapper.sh overlapsim probe)

LOCKFILE="${OVERLAPSIM_DIR:-/tmp}/parser-advertiser.flock"

exec 9>"$LOCKFILE"
if ! flock -n 9; then
    echo "Another instance holds the lock. Skipping."
    exit 0
fi
"$@"
