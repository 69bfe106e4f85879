/*
 * advisory-xact (mutant): pg_try_advisory_xact_lock where the session-level
 * pg_try_advisory_lock was meant, sent in autocommit. Outside a transaction
 * block the statement is its own transaction, and a transaction-level
 * advisory lock is released when its transaction ends (PostgreSQL manual,
 * "Advisory Locks"): the lock is gone before the reply arrives, so every
 * instance "acquires" and there is nothing to unlock. Shipped to prove the
 * concurrency checker fires where `advisory` holds.
 */
#include "../sim/base/mem.h"
#include "guard.h"

struct advisory_xact {
    struct guard base;
    int key;
};

static struct guard *axact_create(const struct guard_params *p)
{
    struct advisory_xact *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->key = p->key;
    return &g->base;
}

static void axact_destroy(struct guard *g)
{
    mem_free(g);
}

static int axact_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct advisory_xact *g = (struct advisory_xact *)gg;
    (void)h;
    struct env_stmt st = {.kind = ENV_ADVISORY_XACT_TRY_LOCK, .session = ENV_DB_ANY, .key = g->key};
    return env_db_exec(env, &st, NULL);
}

/* the lock ended with the statement's transaction: nothing to release */
static void axact_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g, (void)env, (void)h;
}

const struct guard_ops guard_advisory_xact = {
    .name = "advisory-xact",
    .summary = "pg_try_advisory_xact_lock in autocommit: released at statement end, "
               "every instance acquires",
    .scope = GUARD_SCOPE_GLOBAL,
    .flags = GUARD_F_MUTANT,
    .create = axact_create,
    .destroy = axact_destroy,
    .try_acquire = axact_try_acquire,
    .release = axact_release,
};
