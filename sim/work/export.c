/*
 * The export model of a scheduled job. Items arrive at a source over time
 * with IDs 1, 2, 3... A run reads its watermark (the last item committed),
 * fetches the items after it during the API phase, writes them to the sink
 * during the DB phase, and then commits the new watermark. Two runs that
 * overlap read the same watermark and write the same items: duplicates.
 *
 * The DB phase is one or more transactions (export.chunk): each inserts its
 * items, and the last also updates export.shared_rows rows (aggregates) in
 * the run's own order; two runs updating them in opposite orders deadlock
 * and the database aborts one after deadlock_timeout. A failed or aborted
 * write is retried (export.retries) or the run gives up; a chunk committed
 * before the failure stays, so the retry writes it again. A process killed
 * between the write and the commit (export.crash) leaves the watermark
 * behind too. An idempotent sink absorbs all those repeats; so does a
 * transactional commit (items and watermark in one transaction).
 *
 * The DB phase keeps the job's drawn duration: its transactions share it
 * in equal slices, so without waits, retries or failures a run takes exactly
 * what it would without exports. Random choices of a run (row order, crash,
 * failures) come from a stream derived from its trigger (export_run_rng), so
 * every guard meets the same ones for the same trigger.
 */
#include "export.h"
#include "export_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"

/* Streams of the export model, below PRNG_EXPORT's number. */
#define STREAM_SOURCE ((uint64_t)PRNG_EXPORT)
#define STREAM_RUN (((uint64_t)PRNG_EXPORT << 8) | 1)

static int export_init(struct sim *s)
{
    const struct config *c = &s->model->cfg;
    if (!export_config_enabled(c))
        return 0;
    struct export_state *x = mem_calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    s->xp = x;
    x->sim = s;
    x->cfg = &c->xp;
    s->m->xp.on = true;
    export_db_init(&x->db, s, c->xp.shared_rows, c->xp.deadlock_timeout);
    x->nsinks = c->store.consumers > 0 ? c->store.consumers : 1;
    for (int i = 0; i < x->nsinks; i++) {
        x->sink[i].id = i;
        int rc = exactly_once_init(&x->sink[i].chk, c->xp.lag_allowance,
                                   c->xp.sink == SINK_IDEMPOTENT, &s->m->xp.lag);
        if (rc)
            return rc;
    }
    s->m->xp.nconsumers = x->nsinks;
    prng_seed(&x->src.rng, s->seed, STREAM_SOURCE);
    if (c->xp.arrival.kind != DIST_NONE)
        x->src.next_at = dist_sample(&c->xp.arrival, &x->src.rng);
    if (c->store.consumers > 0)
        return store_init(s, x);
    return 0;
}

bool export_owns_schedule(const struct sim *s)
{
    return s->xp && s->xp->store;
}

static void export_start(struct sim *s)
{
    if (s->xp && s->xp->store)
        store_start(s, s->xp);
}

void export_bind(struct sim *s, const struct trigger *t, struct guard **g, struct checker **chk)
{
    if (s->xp->store)
        store_bind(s->xp->store, t, g, chk);
}

/* Items arriving up to and including upto (but before the end) join the source. */
static void source_advance(struct sim *s, struct export_state *x, sim_time upto)
{
    const struct dist *arrival = &x->cfg->arrival;
    if (arrival->kind == DIST_NONE)
        return;
    while (x->src.next_at <= upto && x->src.next_at < s->end) {
        for (int i = 0; i < x->nsinks; i++) {
            if (!exactly_once_arrive(&x->sink[i].chk, x->src.next_at) && !s->error)
                s->error = -ENOMEM;
        }
        x->src.last++;
        x->src.next_at += dist_sample(arrival, &x->src.rng);
    }
}

int export_sink_write(struct sim *s, struct sink *k, struct node *by, uint64_t from, uint64_t to,
                      uint64_t run, uint64_t token)
{
    struct export_metrics *xm = &s->m->xp;
    if (token && token < k->max_token) {
        xm->fenced++;
        return -ESTALE;
    }
    if (token > k->max_token)
        k->max_token = token;
    struct exactly_once_batch b;
    exactly_once_deliver_range(&k->chk, from, to, s->now, run, &b);
    uint64_t repeats = b.repeats, dup_from = b.repeat_id, dup_first = b.repeat_first_run;
    if (repeats && !k->chk.idempotent) {
        struct dup_sample d = {s->now, dup_from, repeats, dup_first, run, k->id};
        export_metrics_dup(xm, &d);
    }
    if (s->trace && to >= from) { /* sim_tracef: text only for a written trace */
        if (repeats)
            sim_tracef(s, by, run, "export",
                       "sink %d items %" PRIu64 "..%" PRIu64 " (%" PRIu64 " %s)", k->id, from, to,
                       repeats, k->chk.idempotent ? "absorbed" : "duplicated");
        else
            sim_tracef(s, by, run, "export", "sink %d items %" PRIu64 "..%" PRIu64, k->id, from,
                       to);
        if (repeats && !k->chk.idempotent)
            sim_tracef(s, by, run, "dup",
                       "sink %d: %" PRIu64 " items again from %" PRIu64
                       " (first written by run %" PRIu64 ")",
                       k->id, repeats, dup_from, dup_first);
    }
    return 0;
}

int export_crash_point(struct actor *a, enum export_step step, int struck)
{
    (void)a, (void)step;
    return struck;
}

void export_run_rng(struct prng *r, const struct trigger *t)
{
    export_run_stream(r, t->id, t->db);
}

/* --- the simulator's side of export_run (export_run.h) --- */

/* A run's export in the simulator: its actor and its sink. */
struct xrun {
    struct actor *a;
    struct sink *k;
    uint64_t run;
};

JOB_PORT_FN struct xrun *xrun_of(void *ctx)
{
    return ctx;
}

JOB_PORT_FN int x_point(void *ctx, enum fault_point_id at)
{
    return sim_job_point(xrun_of(ctx)->a, at);
}

JOB_PORT_FN bool x_killed(void *ctx)
{
    return xrun_of(ctx)->a->killed;
}

JOB_PORT_FN bool x_interrupted(void *ctx)
{
    return xrun_of(ctx)->a->interrupted;
}

JOB_PORT_FN void x_phase_sleep(void *ctx, sim_time d)
{
    sim_phase_sleep(xrun_of(ctx)->a, d);
}

/* The job's side of the run, as export_run uses it: its sleeps, fault points and kill. */
static const struct job_port sim_export_job = {
    .point = x_point,
    .killed = x_killed,
    .interrupted = x_interrupted,
    .phase_sleep = x_phase_sleep,
};

JOB_PORT_FN void x_fetch(void *ctx, uint64_t *watermark, uint64_t *last)
{
    struct xrun *r = xrun_of(ctx);
    struct sim *s = r->a->sim;
    source_advance(s, s->xp, s->now);
    *watermark = r->k->watermark;
    *last = s->xp->src.last;
}

JOB_PORT_FN bool x_contention(void *ctx)
{
    struct actor *a = xrun_of(ctx)->a;
    struct sim *s = a->sim;
    if (!s->inject_state)
        return false;
    sim_time go = s->faults->db_wait(s, s->now); /* db-contention: the statement waits */
    if (go > s->now)
        sim_phase_sleep(a, go - s->now);
    return true;
}

JOB_PORT_FN void *x_begin(void *ctx)
{
    struct xrun *r = xrun_of(ctx);
    return export_db_begin(&r->a->sim->xp->db, r->a, r->run);
}

JOB_PORT_FN bool x_outage(void *ctx)
{
    struct sim *s = xrun_of(ctx)->a->sim;
    return s->inject_state && s->faults->db_outage(s, s->now);
}

JOB_PORT_FN int x_lock(void *ctx, void *tx, int row)
{
    return export_db_lock(&xrun_of(ctx)->a->sim->xp->db, tx, row);
}

JOB_PORT_FN int x_fence(void *ctx, void *tx, uint64_t token)
{
    (void)tx; /* the world's sink checks the fencing token (and counts stale writes) */
    return sim_sink_write(xrun_of(ctx)->a, token);
}

JOB_PORT_FN int x_deliver(void *ctx, void *tx, uint64_t from, uint64_t to, uint64_t run)
{
    struct xrun *r = xrun_of(ctx);
    (void)tx;
    return export_sink_write(r->a->sim, r->k, r->a->node, from, to, run, 0);
}

JOB_PORT_FN void x_watermark_in(void *ctx, void *tx, uint64_t to)
{
    (void)tx;
    xrun_of(ctx)->k->watermark = to;
}

JOB_PORT_FN void x_end(void *ctx, void *tx)
{
    export_db_end(&xrun_of(ctx)->a->sim->xp->db, tx);
}

JOB_PORT_FN int x_watermark(void *ctx, bool move, uint64_t to, uint64_t token)
{
    struct xrun *r = xrun_of(ctx);
    if (token && token < r->a->sim->db.sink_max)
        return -ESTALE;
    if (move) /* a plain UPDATE: an overlapping run that commits later may move it back */
        r->k->watermark = to;
    return 0;
}

JOB_PORT_FN uint64_t x_committed(void *ctx)
{
    return xrun_of(ctx)->k->watermark;
}

JOB_PORT_FN uint64_t x_sink_max(void *ctx)
{
    return xrun_of(ctx)->a->sim->db.sink_max;
}

JOB_PORT_FN void x_count(void *ctx, enum export_count what)
{
    export_count_into(&xrun_of(ctx)->a->sim->m->xp, what);
}

static void x_trace(void *ctx, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void x_trace(void *ctx, const char *kind, const char *fmt, ...)
{
    struct xrun *r = xrun_of(ctx);
    struct sim *s = r->a->sim;
    if (!s->trace)
        return;
    if (!trace_writes(s->trace)) { /* the row, no text */
        sim_trace(s, r->a->node, r->run, kind, NULL);
        return;
    }
    char d[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, sizeof(d), fmt, ap);
    va_end(ap);
    sim_trace(s, r->a->node, r->run, kind, d);
}

JOB_PORT_FN int x_crash_point(void *ctx, enum export_step step, int struck)
{
    return export_crash_point(xrun_of(ctx)->a, step, struck);
}

static const struct export_port sim_export_storage = {
    .fetch = x_fetch,
    .contention = x_contention,
    .begin = x_begin,
    .outage = x_outage,
    .lock = x_lock,
    .fence = x_fence,
    .deliver = x_deliver,
    .watermark_in = x_watermark_in,
    .commit = x_end,
    .rollback = x_end,
    .watermark = x_watermark,
    .committed = x_committed,
    .sink_max = x_sink_max,
    .count = x_count,
    .trace = x_trace,
    .crash_point = x_crash_point,
};

static int etl_run(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
                   const struct guard_hold *hold, int thrown)
{
    struct export_state *x = a->sim->xp;
    struct xrun r = {.a = a, .k = &x->sink[0], .run = run};
    struct job_order o = {t->id, t->at, t->manual, t->api, t->db};
    return export_run(&sim_export_job, &sim_export_storage, &r, x->cfg, &o, run, api, hold->token,
                      thrown);
}

int export_job(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
               const struct guard_hold *hold, int thrown)
{
    if (a->sim->xp->store)
        return store_flush(a, t, run, api, hold, thrown);
    return etl_run(a, t, run, api, hold, thrown);
}

void export_kill(struct sim *s, struct actor *a)
{
    if (s->xp)
        export_db_kill(&s->xp->db, a);
}

static void export_finish(struct sim *s)
{
    struct export_state *x = s->xp;
    if (!x)
        return;
    source_advance(s, x, s->end);
    if (x->store)
        store_finish(s, x);
    struct export_metrics *xm = &s->m->xp;
    xm->items = x->store ? xm->adds : x->src.last;
    for (int i = 0; i < x->nsinks; i++) {
        struct exactly_once *c = &x->sink[i].chk;
        exactly_once_finish(c, s->end);
        xm->exports += c->writes;
        xm->delivered += c->delivered;
        xm->duplicates += c->duplicates;
        xm->redelivered += c->redelivered;
        xm->lost += c->lost;
        xm->late += c->late;
        xm->pending += c->pending;
        xm->consumer[i] =
            (struct consumer_metrics){c->writes, c->delivered, c->duplicates, c->lost};
    }
    if (s->trace) {
        for (int i = 0; i < x->nsinks; i++) {
            const struct exactly_once *c = &x->sink[i].chk;
            sim_tracef(s, NULL, 0, "exactly-once",
                       "sink %d: %" PRIu64 " arrived, %" PRIu64 " delivered, %" PRIu64
                       " duplicates, %" PRIu64 " lost, %" PRIu64 " pending",
                       i, c->arrived, c->delivered, c->duplicates, c->lost, c->pending);
        }
    }
}

static void export_release(struct sim *s)
{
    struct export_state *x = s->xp;
    if (!x)
        return;
    if (x->store)
        store_release(x);
    for (int i = 0; i < x->nsinks; i++)
        exactly_once_release(&x->sink[i].chk);
    export_db_release(&x->db);
    mem_free(x);
    s->xp = NULL;
}

static int export_part_start(struct sim *s)
{
    export_start(s);
    return 0;
}

const struct sim_part export_part = {.init = export_init,
                                     .start = export_part_start,
                                     .finish = export_finish,
                                     .release = export_release};
