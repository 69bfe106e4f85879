/*
 * Who made a run directory, cluster or schema, so that the next live run
 * can clean up after one that was killed (SIGKILL runs no clean-up of its
 * own). Each name carries its owner's pid and start time (the clock ticks
 * since boot of /proc/PID/stat, so a reused pid is not taken for the
 * owner); a schema on a shared server also carries a hash of the host's
 * name, so a run never judges the processes of another machine.
 */
#ifndef SIM_LIVE_OWNER_H
#define SIM_LIVE_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct live_owner {
    long pid;
    unsigned long long start; /* clock ticks since boot */
    unsigned host;            /* hash of the host name (schemas only) */
};

/* This process. */
void live_owner_self(struct live_owner *o);

/* Is o's process gone (no process, or another one under its pid)? */
bool live_owner_gone(const struct live_owner *o);

/* "PID-START" (dirs) or "PID_START_HOST" (schemas) after prefix; 0 or -EINVAL. */
int live_owner_parse(const char *name, const char *prefix, bool schema, struct live_owner *o);

/* Marks dir (if any) as kept (--keep): live_leftovers_clean leaves it alone. */
void live_owner_keep(const char *dir);

/*
 * Removes what killed live runs left in tmpdir and /tmp: stops their
 * PostgreSQL clusters (and the clusters' SysV shared memory), removes their
 * directories, and unlinks the libfaketime objects in /dev/shm of
 * processes that are gone. Describes what it did in note (empty: nothing).
 */
void live_leftovers_clean(const char *tmpdir, char *note, size_t len);

#endif
