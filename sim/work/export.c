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

/* What one run is doing, for its steps. */
struct xrun {
    struct actor *a;
    struct sink *k;
    uint64_t run, token;
    uint64_t from, to; /* items fetched (none when to < from) */
    sim_time db;       /* the DB phase's drawn duration */
    bool crash;        /* export.crash strikes this run */
    int order[EXPORT_MAX_ROWS];
    struct prng rng;
};

static void run_trace(struct xrun *r, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void run_trace(struct xrun *r, const char *kind, const char *fmt, ...)
{
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

/* The slice of the DB phase that step i of n takes (the last one keeps the rest). */
static sim_time slice(sim_time total, int i, int n)
{
    sim_time each = total / n;
    return i == n - 1 ? total - each * (n - 1) : each;
}

/* Does the run die at step? (export.crash strikes the step just before the watermark is safe.) */
static int crash_at(struct xrun *r, enum export_step step, bool watermark_tx)
{
    enum export_step strikes = r->a->sim->xp->cfg->commit == COMMIT_TRANSACTIONAL
                                   ? EXPORT_STEP_TX_COMMIT
                                   : EXPORT_STEP_WATERMARK;
    bool struck = r->crash && step == strikes && (step != EXPORT_STEP_TX_COMMIT || watermark_tx);
    return export_crash_point(r->a, step, struck);
}

enum { WRITE_OK = 0, WRITE_CRASHED = 1 };

/* The run cannot go on: its process was killed, or SIGTERM cut its phase short. */
static bool stopped(const struct actor *a)
{
    return a->killed || a->interrupted;
}

/* Rolls tx back and says why the attempt ended. */
static int rollback(struct export_db *db, struct export_db_tx *tx, int rc)
{
    export_db_end(db, tx);
    return rc;
}

/*
 * One attempt at writing the fetched items: WRITE_OK, WRITE_CRASHED (a
 * transactional commit that died before COMMIT: rolled back), -EIO (a
 * transaction failed), -EDEADLK (chosen as a deadlock victim), -ESTALE
 * (fenced off), -EINTR (the process was killed or terminated: the open
 * transaction rolled back) or -ENOMEM.
 */
static int write_attempt(struct xrun *r)
{
    struct actor *a = r->a;
    struct sim *s = a->sim;
    struct export_state *x = s->xp;
    const struct export_config *c = x->cfg;
    uint64_t n = r->to >= r->from ? r->to - r->from + 1 : 0;
    int ntx = 1;
    if (c->chunk > 0 && n > (uint64_t)c->chunk)
        ntx = (int)((n + (uint64_t)c->chunk - 1) / (uint64_t)c->chunk);
    int nslices = ntx + c->shared_rows, step = 0;
    for (int i = 0; i < ntx; i++) {
        uint64_t lo = r->from, hi = r->to;
        if (ntx > 1) {
            lo = r->from + (uint64_t)i * (uint64_t)c->chunk;
            if (hi > lo + (uint64_t)c->chunk - 1)
                hi = lo + (uint64_t)c->chunk - 1;
        }
        bool last = i == ntx - 1;
        if (s->inject_state) { /* db-contention: the statement waits for a lock */
            sim_time go = s->faults->db_wait(s, s->now);
            if (go > s->now)
                sim_phase_sleep(a, go - s->now);
            if (stopped(a))
                return -EINTR;
        }
        struct export_db_tx *tx = export_db_begin(&x->db, a, r->run);
        if (!tx)
            return -ENOMEM;
        sim_phase_sleep(a, slice(r->db, step++, nslices)); /* the inserts */
        if (stopped(a))
            return rollback(&x->db, tx, -EINTR);
        bool outage = s->inject_state && s->faults->db_outage(s, s->now);
        if (outage || (c->write_fail > 0 && prng_unit(&r->rng) < c->write_fail)) {
            s->m->xp.write_errors++;
            run_trace(r, "write-error", "transaction %d of %d failed%s: rolled back", i + 1, ntx,
                      outage ? " (database outage)" : "");
            return rollback(&x->db, tx, -EIO);
        }
        for (int j = 0; last && j < c->shared_rows; j++) {
            int rc = export_db_lock(&x->db, tx, r->order[j]);
            if (rc)
                return rollback(&x->db, tx, rc == -EDEADLK ? rc : -EINTR);
            sim_phase_sleep(a, slice(r->db, step++, nslices));
            if (stopped(a))
                return rollback(&x->db, tx, -EINTR);
        }
        if (crash_at(r, EXPORT_STEP_TX_COMMIT, last && c->commit == COMMIT_TRANSACTIONAL))
            return rollback(&x->db, tx, WRITE_CRASHED);
        /* COMMIT: the world's sink checks the fencing token (and counts stale writes) */
        if (sim_sink_write(a, r->token) == -ESTALE) {
            s->m->xp.fenced++;
            return rollback(&x->db, tx, -ESTALE);
        }
        if (n)
            export_sink_write(s, r->k, a->node, lo, hi, r->run, 0);
        if (n && last && c->commit == COMMIT_TRANSACTIONAL)
            r->k->watermark = r->to;
        export_db_end(&x->db, tx);
    }
    return WRITE_OK;
}

void export_run_rng(struct prng *r, const struct trigger *t)
{
    uint64_t h = t->id;
    prng_splitmix(&h);
    prng_seed(r, h ^ (uint64_t)t->db, STREAM_RUN);
}

/* Draws the run's own choices: the crash, the order of the shared rows. */
static void run_draw(struct xrun *r, const struct trigger *t)
{
    const struct export_config *c = r->a->sim->xp->cfg;
    export_run_rng(&r->rng, t);
    r->crash = prng_unit(&r->rng) < c->crash;
    for (int j = 0; j < c->shared_rows; j++)
        r->order[j] = j;
    if (c->row_order == ROW_ORDER_RANDOM)
        for (int j = c->shared_rows - 1; j > 0; j--) {
            int o = (int)prng_below(&r->rng, (uint64_t)j + 1), tmp = r->order[j];
            r->order[j] = r->order[o];
            r->order[o] = tmp;
        }
}

static int etl_run(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
                   const struct guard_hold *hold, int thrown)
{
    struct sim *s = a->sim;
    struct export_state *x = s->xp;
    const struct export_config *c = x->cfg;
    struct xrun r = {.a = a, .k = &x->sink[0], .run = run, .token = hold->token, .db = t->db};
    if (thrown)
        return thrown;
    run_draw(&r, t);

    /* read the watermark, fetch what came after it */
    source_advance(s, x, s->now);
    uint64_t w = r.k->watermark;
    r.from = w + 1;
    r.to = x->src.last;
    if (c->batch > 0 && r.to >= r.from && r.to - r.from + 1 > (uint64_t)c->batch)
        r.to = r.from + (uint64_t)c->batch - 1;
    if (r.to >= r.from)
        run_trace(&r, "fetch", "watermark %" PRIu64 ": items %" PRIu64 "..%" PRIu64, w, r.from,
                  r.to);
    else
        run_trace(&r, "fetch", "watermark %" PRIu64 ": nothing new", w);
    sim_phase_sleep(a, api);
    if (crash_at(&r, EXPORT_STEP_FETCHED, false)) {
        s->m->xp.crashes++;
        run_trace(&r, "crash", "killed after the fetch: nothing written");
        return thrown;
    }
    thrown |= sim_job_point(a, POINT_BEFORE_WRITE);
    if (thrown || stopped(a))
        return thrown;

    /* write them, retrying as configured */
    for (int attempt = 0;; attempt++) {
        int rc = write_attempt(&r);
        if (rc == WRITE_OK)
            break;
        if (rc == WRITE_CRASHED) {
            s->m->xp.crashes++;
            run_trace(&r, "crash", "killed before COMMIT: the transaction rolls back");
            return thrown;
        }
        if (rc == -ESTALE) {
            run_trace(&r, "fenced", "token %" PRIu64 " older than %" PRIu64 ": write rejected",
                      r.token, s->db.sink_max);
            return thrown;
        }
        if (rc == -EINTR) {
            run_trace(&r, "rollback", "%s during the write: the open transaction rolls back",
                      a->killed ? "killed" : "terminated");
            return thrown;
        }
        if (rc == -ENOMEM)
            return thrown;
        if (attempt >= c->retries) {
            s->m->xp.export_failures++;
            run_trace(&r, "export-failed", "%s after %d attempt%s: watermark stays at %" PRIu64,
                      rc == -EDEADLK ? "deadlock" : "write error", attempt + 1, attempt ? "s" : "",
                      w);
            return thrown;
        }
        run_trace(&r, "retry", "%s: retry %d of %d", rc == -EDEADLK ? "deadlock" : "write error",
                  attempt + 1, c->retries);
        sim_phase_sleep(a, c->retry_delay);
        if (stopped(a))
            return thrown;
    }

    /* between the write and the commit: where a crash leaves the watermark behind */
    thrown |= sim_job_point(a, POINT_AFTER_WRITE);
    if (c->commit == COMMIT_TRANSACTIONAL) {
        run_trace(&r, "commit", "watermark %" PRIu64 " (with the items)", r.k->watermark);
        return thrown;
    }
    if (a->killed || crash_at(&r, EXPORT_STEP_WATERMARK, false)) {
        s->m->xp.crashes++;
        run_trace(&r, "crash",
                  "killed after the write, before the commit: watermark stays at %" PRIu64, w);
        return thrown;
    }
    if (thrown || a->interrupted) {
        run_trace(&r, "no-commit", "%s after the write: watermark stays at %" PRIu64,
                  thrown ? "threw" : "terminated", w);
        return thrown;
    }
    if (r.token && r.token < s->db.sink_max) {
        s->m->xp.fenced++;
        run_trace(&r, "fenced", "watermark commit with token %" PRIu64 " rejected", r.token);
        return thrown;
    }
    if (r.to >= r.from) {
        /* a plain UPDATE: an overlapping run that commits later may move it back */
        r.k->watermark = r.to;
        run_trace(&r, "commit", "watermark %" PRIu64, r.to);
    }
    return thrown;
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
