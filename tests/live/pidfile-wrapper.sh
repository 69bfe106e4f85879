#!/bin/bash
# The seed-002 cron wrapper (run-parser-advertiser.sh), its locking logic
# exactly: if the lock and PID files exist and the PID is alive and its
# command line is ours, skip; otherwise write our PID, touch the lock file,
# and remove both on exit with a trap. Between the check and the write is
# the "small race condition window (milliseconds)" the seed calls
# negligible: `overlapsim live --guard exec` shows two starters both get in.
#   usage: pidfile-wrapper.sh JOB...   (under live: pidfile-wrapper.sh overlapsim probe)
#
# The seed greps the PID's command line for the job's name while writing
# the wrapper's own PID ($$); here it greps for the wrapper's name, so that a
# running instance is recognised at all and the race is the only flaw left.

LOCKDIR=${OVERLAPSIM_DIR:-/tmp}
LOCKFILE="$LOCKDIR/parser-advertiser.lock"
PIDFILE="$LOCKDIR/parser-advertiser.pid"
NAME=${0##*/}

is_running() {
    local pid=$1
    # Check if process exists
    if ps -p "$pid" > /dev/null 2>&1; then
        # Verify it's our script (not just any PID)
        if ps -p "$pid" -o command= | grep -q "$NAME"; then
            return 0
        fi
    fi
    return 1
}

cleanup() {
    rm -f "$PIDFILE" "$LOCKFILE"
}

# Check if another instance is running
if [ -f "$LOCKFILE" ] && [ -f "$PIDFILE" ]; then
    OLD_PID=$(cat "$PIDFILE" 2>/dev/null)
    if is_running "$OLD_PID"; then
        echo "Another instance is running. Skipping."
        exit 0
    fi
fi

# Create lock
echo $$ > "$PIDFILE"
touch "$LOCKFILE"

# Ensure cleanup on exit
trap cleanup EXIT INT TERM

"$@"
