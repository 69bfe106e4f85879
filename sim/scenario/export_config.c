/* Defaults and combination checks of [export] and [store] (see export_config.h). */
#include "export_config.h"

#include <errno.h>
#include <stdio.h>

#include "config.h"

void export_config_defaults(struct config *c)
{
    struct export_config *x = &c->xp;
    x->arrival.kind = DIST_NONE;
    x->sink = SINK_APPEND;
    x->commit = COMMIT_SEPARATE;
    x->row_order = ROW_ORDER_RANDOM;
    x->deadlock_timeout = SIM_S; /* PostgreSQL's default */
    x->retry_delay = SIM_S;
    x->lag_allowance = SIM_HOUR;
    struct store_config *s = &c->store;
    s->add = dist_const(20 * SIM_MS);
    s->lock_scope = STORE_SCOPE_PER_CONSUMER;
    s->offset_update = STORE_OFFSET_GIVEN;
    s->hold = 100 * SIM_US;
    s->demand.kind = DIST_NONE;
}

void export_config_make_explicit(struct config *c)
{
    if (c->xp.arrival.kind != DIST_NONE)
        c->xp.arrival = dist_const((sim_time)dist_mean(&c->xp.arrival));
    c->store.add = dist_const((sim_time)dist_mean(&c->store.add));
    c->store.demand.kind = DIST_NONE;
}

int export_config_enabled(const struct config *c)
{
    return c->xp.arrival.kind != DIST_NONE || c->store.consumers > 0;
}

#define FAIL(k, ...)                                                                               \
    do {                                                                                           \
        *key = k;                                                                                  \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -EINVAL;                                                                            \
    } while (0)

int export_config_check(const struct config *c, char *err, size_t errlen, const char **key)
{
    const struct export_config *x = &c->xp;
    const struct store_config *s = &c->store;
    *key = NULL;
    /* a floor, so that a slip of the unit does not ask for billions of items */
    if (x->arrival.kind != DIST_NONE && !(dist_mean(&x->arrival) >= (double)SIM_MS))
        FAIL("export.arrival", "export.arrival must average at least 1ms between items");
    if (x->shared_rows > EXPORT_MAX_ROWS)
        FAIL("export.shared_rows", "export.shared_rows: at most %d", EXPORT_MAX_ROWS);
    if (x->lag_allowance <= 0)
        FAIL("export.lag_allowance", "export.lag_allowance must be positive");
    if (x->deadlock_timeout <= 0)
        FAIL("export.deadlock_timeout", "export.deadlock_timeout must be positive");
    if (x->commit == COMMIT_TRANSACTIONAL && x->chunk > 0)
        FAIL("export.chunk",
             "export.chunk needs export.commit = separate (a transactional commit writes "
             "everything in the one transaction that also moves the watermark)");
    if (s->consumers > STORE_MAX_CONSUMERS)
        FAIL("store.consumers", "store.consumers: at most %d", STORE_MAX_CONSUMERS);
    if (s->consumers > 0) {
        if (x->arrival.kind != DIST_NONE)
            FAIL("export.arrival",
                 "export.arrival and store.consumers exclude each other (the event store's "
                 "source is Add(): see store.add)");
        if (!(dist_mean(&s->add) >= (double)SIM_MS))
            FAIL("store.add", "store.add must average at least 1ms between Add() calls");
        if (c->sched != SCHED_TICKER)
            FAIL("schedule.kind", "the event store flushes on a ticker (schedule.kind = ticker)");
    }
    return 0;
}
