/*
 * lease-fenced: the task_lock lease whose every grant takes the next value
 * of a sequence (a fencing token); the job writes with it, and the sink
 * rejects a token older than one it has seen (Kleppmann, "How to do
 * distributed locking"). A holder paused or overrunning past its lease
 * still runs, but its stale writes are turned away.
 */
#include "lease_sql.h"

static struct guard *lease_fenced_create(const struct guard_params *p)
{
    return lease_new(p, LEASE_DB_CLOCK, true);
}

const struct guard_ops guard_lease_fenced = {
    .name = "lease-fenced",
    .summary = "the lease plus a fencing token per grant, checked by the sink: stale writes "
               "are rejected",
    .scope = GUARD_SCOPE_GLOBAL,
    .flags = GUARD_F_FENCED,
    .create = lease_fenced_create,
    .destroy = lease_free,
    .try_acquire = lease_acquire,
    .release = lease_release,
};
