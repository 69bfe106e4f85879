/*
 * shedlock: ShedLock's JDBC provider. clock = client (the default
 * JdbcTemplateLockProvider): the first attempt of a process INSERTs the row
 * (a duplicate key just means it exists, and is remembered, as ShedLock's
 * lockRecordRegistry does), later ones UPDATE ... WHERE lock_until <= :now,
 * all with the node's clock. clock = db (usingDbTime()): one INSERT ... ON
 * CONFLICT DO UPDATE on the database clock. A held lock means skip.
 * lock_until = now + lockAtMostFor; unlock sets it to max(locked_at +
 * lockAtLeastFor, now) where name (and, unless owner_check = no, locked_by)
 * match. locked_by is the host name (Utils.getHostname()), so two processes
 * on one host share it and the owner check cannot tell them apart: one's
 * late unlock releases the other's lock (issue 317). locked_by = host-pid
 * writes the host name and the PID instead (withLockedByValue).
 */
#include <errno.h>
#include <stdio.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct shedlock {
    struct guard base;
    struct guard_params p;
    bool record_created;
    char owner[48]; /* locked_by */
};

static struct guard *shed_create(const struct guard_params *p)
{
    struct shedlock *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->p = *p;
    return &g->base;
}

static void shed_destroy(struct guard *g)
{
    mem_free(g);
}

static struct env_stmt shed_stmt(struct shedlock *g, enum env_stmt_kind kind)
{
    return (struct env_stmt){
        .kind = kind,
        .session = ENV_DB_ANY,
        .name = g->p.name,
        .owner = g->owner,
        .check_owner = g->p.owner_check != GUARD_OWNER_NO,
        .hold = g->p.at_most,
        .min_hold = g->p.at_least,
    };
}

static int shed_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct shedlock *g = (struct shedlock *)gg;
    if (!g->owner[0]) {
        struct env_proc me;
        int rc = env_proc_self(env, &me);
        if (rc)
            return rc;
        if (g->p.locked_by == GUARD_LOCKED_BY_HOST_PID)
            snprintf(g->owner, sizeof(g->owner), "%s:%d", me.host, me.pid);
        else
            snprintf(g->owner, sizeof(g->owner), "%s", me.host); /* Utils.getHostname() */
    }
    if (g->p.clock == GUARD_CLOCK_DB) {
        struct env_stmt st = shed_stmt(g, ENV_SHEDLOCK_UPSERT);
        return env_db_exec(env, &st, NULL);
    }
    sim_time now = env_clock_now(env);
    h->at = now; /* lockAtLeastUntil is computed from it */
    if (!g->record_created) {
        struct env_stmt ins = shed_stmt(g, ENV_SHEDLOCK_INSERT);
        ins.client_time = true;
        ins.client_now = now;
        int rc = env_db_exec(env, &ins, NULL);
        if (rc == 1) {
            g->record_created = true;
            return 1;
        }
        if (rc != -EEXIST)
            return rc;
        g->record_created = true;
    }
    struct env_stmt up = shed_stmt(g, ENV_SHEDLOCK_UPDATE);
    up.client_time = true;
    up.client_now = now;
    return env_db_exec(env, &up, NULL);
}

static void shed_release(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct shedlock *g = (struct shedlock *)gg;
    struct env_stmt st = shed_stmt(g, ENV_SHEDLOCK_UNLOCK);
    if (g->p.clock == GUARD_CLOCK_CLIENT) { /* getUnlockTime(): max(lockAtLeastUntil, now) */
        sim_time now = env_clock_now(env), least = h->at + g->p.at_least;
        st.client_time = true;
        st.client_now = now;
        st.until = least > now ? least : now;
    }
    env_db_exec(env, &st, NULL);
}

const struct guard_ops guard_shedlock = {
    .name = "shedlock",
    .summary = "ShedLock JDBC: lockAtMostFor/lockAtLeastFor, db or client clock, owner = host "
               "name",
    .scope = GUARD_SCOPE_GLOBAL,
    .create = shed_create,
    .destroy = shed_destroy,
    .try_acquire = shed_try_acquire,
    .release = shed_release,
};
