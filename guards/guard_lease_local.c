/*
 * lease-local: the same task_lock, but every time (now, now + max, the
 * expiry check) comes from the caller's node clock, computed before the
 * statement is sent. A node whose clock runs ahead sees others' leases
 * expire early; one whose clock is behind writes leases that are already
 * over for everyone else: two holders.
 */
#include "lease_sql.h"

static struct guard *lease_local_create(const struct guard_params *p)
{
    return lease_new(p, LEASE_CLIENT_CLOCK, false);
}

const struct guard_ops guard_lease_local = {
    .name = "lease-local",
    .summary = "the task_lock lease with times from each node's own clock: skew makes two holders",
    .scope = GUARD_SCOPE_GLOBAL,
    .create = lease_local_create,
    .destroy = lease_free,
    .try_acquire = lease_acquire,
    .release = lease_release,
};
