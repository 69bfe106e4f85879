/*
 * The task_lock lease of seed 003 as merged (see env.h for the SQL). Acquire
 * is one upsert: insert the row, or take it over where locked_until <= now,
 * setting started_at = now and locked_until = now + max_factor x interval;
 * acquired iff a row came back. Release, in a finally block, shortens the
 * lock to started_at + min_factor x interval where locked_until > now(),
 * with no owner check: a holder that overran its lease and finishes after
 * another node took the lock shortens that node's lease instead. The PR
 * text's variant deletes the row when started_at + min has passed, and
 * shortens it otherwise (two statements, also without an owner check).
 */
#include "lease_sql.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "../sim/base/mem.h"

struct guard *lease_new(const struct guard_params *p, enum lease_clock clock, bool fenced)
{
    struct lease_guard *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->p = *p;
    g->clock = clock;
    g->fenced = fenced;
    return &g->base;
}

void lease_free(struct guard *g)
{
    mem_free(g);
}

static sim_time factor(sim_time interval, double f)
{
    return (sim_time)(f * (double)interval);
}

void lease_owner_fill(struct lease_guard *g, struct env *env)
{
    struct env_proc me;
    if (g->owner[0] || env_proc_self(env, &me) != 0)
        return;
    snprintf(g->owner, sizeof(g->owner), "%s:%d:%" PRId64, me.host, me.pid, me.start_ticks);
}

struct env_stmt lease_stmt(struct lease_guard *g, struct env *env, enum env_stmt_kind kind)
{
    struct env_stmt st = {
        .kind = kind,
        .session = ENV_DB_ANY,
        .name = g->p.name,
        .owner = g->owner,
        .check_owner = g->p.owner_check == GUARD_OWNER_YES,
        .hold = factor(g->p.interval, g->p.max_factor),
        .min_hold = factor(g->p.interval, g->p.min_factor),
    };
    if (g->clock == LEASE_CLIENT_CLOCK) { /* computed before the statement is sent */
        st.client_time = true;
        st.client_now = env_clock_now(env);
    }
    return st;
}

int lease_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct lease_guard *g = (struct lease_guard *)gg;
    lease_owner_fill(g, env);
    struct env_stmt st = lease_stmt(g, env, ENV_LEASE_UPSERT);
    struct env_row row = {0};
    int rc = env_db_exec(env, &st, &row);
    if (rc != 1)
        return rc;
    h->token = g->fenced ? row.token : 0;
    h->at = row.started_at;
    h->until = row.locked_until;
    return 1;
}

void lease_release(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct lease_guard *g = (struct lease_guard *)gg;
    (void)h;
    if (g->p.release == GUARD_RELEASE_DELETE_OR_SHORTEN) {
        struct env_stmt del = lease_stmt(g, env, ENV_LEASE_DELETE);
        if (env_db_exec(env, &del, NULL) == 1)
            return;
    }
    struct env_stmt st = lease_stmt(g, env, ENV_LEASE_SHORTEN);
    env_db_exec(env, &st, NULL); /* a failed release leaves the lease to expire */
}
