/*
 * lease: the seed-003 task_lock on the database clock (see lease_sql.c).
 * Correct against skew between replicas, since only the database's now()
 * is used; wrong when a run outlasts max_factor x interval (or a pause
 * does): the lease expires under a holder that still runs.
 */
#include "lease_sql.h"

static struct guard *lease_create(const struct guard_params *p)
{
    return lease_new(p, LEASE_DB_CLOCK, false);
}

const struct guard_ops guard_lease = {
    .name = "lease",
    .summary = "Loculus's task_lock upsert on the database clock, min/max lock factors",
    .scope = GUARD_SCOPE_GLOBAL,
    .create = lease_create,
    .destroy = lease_free,
    .try_acquire = lease_acquire,
    .release = lease_release,
};
