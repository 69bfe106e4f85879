/*
 * advisory: pg_try_advisory_lock at session level. The guard keeps the
 * connection it locked on for the whole run (an unlock on another pooled
 * connection would fail) and unlocks on it in the finally block. The lock
 * lives as long as the server session: if the connection drops (a network
 * blip, a pooler restart, the server killing idle sessions), the lock is
 * gone while the holder still runs. A try-lock whose reply comes too late
 * leaves the lock held by a pooled session nobody knows about.
 */
#include <errno.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct advisory {
    struct guard base;
    int key;
};

static struct guard *adv_create(const struct guard_params *p)
{
    struct advisory *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->key = p->key;
    return &g->base;
}

static void adv_destroy(struct guard *g)
{
    mem_free(g);
}

static int adv_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct advisory *g = (struct advisory *)gg;
    int sid = env_db_session_open(env);
    if (sid < 0)
        return sid;
    struct env_stmt st = {.kind = ENV_ADVISORY_TRY_LOCK, .session = sid, .key = g->key};
    int rc = env_db_exec(env, &st, NULL);
    if (rc == 1) {
        h->fd = sid;
        return 1;
    }
    env_db_session_close(env, sid);
    return rc;
}

static void adv_release(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct advisory *g = (struct advisory *)gg;
    if (h->fd < 0)
        return;
    struct env_stmt st = {.kind = ENV_ADVISORY_UNLOCK, .session = h->fd, .key = g->key};
    env_db_exec(env, &st, NULL);
    env_db_session_close(env, h->fd);
    h->fd = -1;
}

const struct guard_ops guard_advisory = {
    .name = "advisory",
    .summary = "pg_try_advisory_lock, session level: gone when the holder's connection drops",
    .scope = GUARD_SCOPE_GLOBAL,
    .create = adv_create,
    .destroy = adv_destroy,
    .try_acquire = adv_try_acquire,
    .release = adv_release,
};
