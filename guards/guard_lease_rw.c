/*
 * lease-rw (mutant): the task_lock lease written as a read and then a write,
 * the way it often is by hand: SELECT whether locked_until has passed, and
 * if so upsert the row without the conditional WHERE. Between the read and
 * the write lies a round trip, so two replicas that read an expired row both
 * write and both run; the last writer merely owns the row. Shipped to prove
 * the concurrency checker fires where `lease`'s one conditional upsert holds.
 */
#include "lease_sql.h"

static struct guard *lease_rw_create(const struct guard_params *p)
{
    return lease_new(p, LEASE_DB_CLOCK, false);
}

static int lease_rw_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct lease_guard *g = (struct lease_guard *)gg;
    lease_owner_fill(g, env);
    struct env_stmt st = lease_stmt(g, env, ENV_LEASE_READ);
    int rc = env_db_exec(env, &st, NULL);
    if (rc != 1) /* held, or an error */
        return rc;
    /* is it still free? nobody asks again */
    st = lease_stmt(g, env, ENV_LEASE_WRITE);
    struct env_row row = {0};
    rc = env_db_exec(env, &st, &row);
    if (rc != 1)
        return rc;
    h->at = row.started_at;
    h->until = row.locked_until;
    return 1;
}

const struct guard_ops guard_lease_rw = {
    .name = "lease-rw",
    .summary = "reads locked_until, then upserts without the conditional WHERE: two "
               "readers of an expired row both run",
    .scope = GUARD_SCOPE_GLOBAL,
    .flags = GUARD_F_MUTANT,
    .create = lease_rw_create,
    .destroy = lease_free,
    .try_acquire = lease_rw_acquire,
    .release = lease_release,
};
