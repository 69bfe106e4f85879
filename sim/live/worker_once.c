/*
 * `overlapsim worker --once`: one trigger's run as a process of its own, as
 * cron starts every firing (cron keeps no record of its children, so a
 * guard inside the process protects nothing across firings: only files,
 * locks and the database do). The node's worker forks one per trigger,
 * in its process group, so a kill -9 of the node takes them too. The
 * process asks a fresh guard, runs the job as scaled sleeps and releases on
 * the way out, as a wrapper's exit trap would; a kill -9 skips all of that
 * and leaves what it held behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/env_live.h"
#include "../../guards/guard.h"
#include "sys/events.h"
#include "live.h"
#include "pgenv.h"

int live_params_decode(const char *hex, struct guard_params *gp)
{
    unsigned char *p = (unsigned char *)gp;
    if (!hex || strlen(hex) != 2 * sizeof(*gp))
        return -EPROTO;
    for (size_t i = 0; i < sizeof(*gp); i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -EPROTO;
        p[i] = (unsigned char)v;
    }
    return 0;
}

static void report(const char *events, enum live_ev kind, uint64_t trigger, long value)
{
    struct live_msg m = {.kind = kind, .trigger = trigger, .pid = (int)getpid(), .value = value};
    live_msg_send(events, &m);
}

/* The batch's barrier on fd 3 (see worker_main.c): ready, then wait for the others. */
static void barrier_wait(void)
{
    char c = 'r';
    if (write(3, &c, 1) == 1)
        while (read(3, &c, 1) > 0 || errno == EINTR)
            ;
    close(3);
}

int live_worker_once(const struct live_worker_args *a)
{
    struct guard_params gp;
    struct live_order o;
    const struct guard_ops *ops = guard_lookup(a->guard);
    if (!ops || live_params_decode(a->params, &gp) != 0 || !a->run ||
        live_order_parse(a->run, &o) != 0)
        return -EPROTO;
    struct guard *g = guard_new(ops, &gp);
    if (!g)
        return -ENOMEM;
    struct env_live e;
    env_live_init(&e, a->speed, a->epoch);
    /* a database guard: a client of this process's own, connected when first used */
    struct pgenv *pg = NULL;
    struct pgenv_config pc;
    char err[400];
    int rc = 0;
    if (a->db) {
        if (strncmp(a->db, "setup ", 6) != 0 || pgenv_config_parse(a->db + 6, &pc) != 0) {
            guard_destroy(g);
            return -EPROTO;
        }
        pc.lazy = true;
        const char *dsn = getenv(LIVE_ENV_DSN);
        rc = pgenv_new(&pc, dsn ? dsn : "", a->events, &pg, err, sizeof(err));
        if (!rc)
            e.db = pgenv_db(pg);
    }
    env_live_latencies(&e);
    if (a->barrier)
        barrier_wait();
    if (rc) {
        report(a->events, LIVE_EV_ERROR, o.o.id, rc);
    } else {
        struct guard_hold kept;
        struct export_config xp;
        bool exports = a->export_knobs && live_export_parse(a->export_knobs, &xp) == 0;
        /* the job threw with no finally: `trap cleanup EXIT` releases as the process exits */
        if (live_job_remote(&e, g, a->node, &o, exports ? &xp : NULL, a->events, &kept) &&
            (g->ops->flags & GUARD_F_TRAP)) {
            guard_release(g, &e.env, &kept);
            if (kept.until > 0)
                report(a->events, LIVE_EV_LEASE, o.o.id, 0);
        }
    }
    report(a->events, LIVE_EV_DONE, o.o.id, 0);
    guard_destroy(g);
    pgenv_free(pg); /* its sessions end with it, as a process's do */
    return 0;
}
