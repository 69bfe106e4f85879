/*
 * A scheduled job's export, written once (see export.c for the model): read
 * the watermark, fetch what came after it during the API phase, write it to
 * the sink in one or more transactions (retried as configured), commit the
 * watermark. The simulator (export.c) and live mode (sim/live/export_live.c)
 * run this very body; each backend passes a `static const` port holding the
 * storage (the source, the sink, its transactions and row locks, the
 * watermark), the clock and the bookkeeping, so GCC inlines it all.
 */
#ifndef SIM_WORK_EXPORT_RUN_H
#define SIM_WORK_EXPORT_RUN_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/prng.h"
#include "../check/export_metrics.h"
#include "../scenario/export_config.h"
#include "job_run.h"

/* Where in a run its process may die. */
enum export_step {
    EXPORT_STEP_FETCHED,   /* the API phase is over; nothing written */
    EXPORT_STEP_TX_COMMIT, /* a write transaction is about to COMMIT: dying rolls it back */
    EXPORT_STEP_WATERMARK, /* everything written, the watermark not yet committed */
};

/* What a run counts (export_metrics). */
enum export_count {
    EXPORT_COUNT_WRITE_ERROR, /* a write transaction failed */
    EXPORT_COUNT_CRASH,       /* the process died in the export (export.crash) */
    EXPORT_COUNT_FENCED,      /* the sink's fencing check refused a write or the commit */
    EXPORT_COUNT_FAILURE,     /* the run gave up after its retries */
    EXPORT_COUNT_DEADLOCK,    /* the database chose it as a deadlock victim (live; the
                                 simulator's sink database counts its own) */
};

/* Counts what into xm. */
static inline void export_count_into(struct export_metrics *xm, enum export_count what)
{
    switch (what) {
    case EXPORT_COUNT_WRITE_ERROR:
        xm->write_errors++;
        break;
    case EXPORT_COUNT_CRASH:
        xm->crashes++;
        break;
    case EXPORT_COUNT_FENCED:
        xm->fenced++;
        break;
    case EXPORT_COUNT_FAILURE:
        xm->export_failures++;
        break;
    case EXPORT_COUNT_DEADLOCK:
        xm->deadlocks++;
        break;
    }
}

/* Streams of the export model, below PRNG_EXPORT's number. */
#define EXPORT_STREAM_SOURCE ((uint64_t)PRNG_EXPORT)
#define EXPORT_STREAM_RUN (((uint64_t)PRNG_EXPORT << 8) | 1)

/*
 * Seeds r with the stream of a run's own random choices: a function of its
 * trigger (number and drawn DB time), not of the seed, so every guard meets
 * the same ones and an explicit scenario ([trigger N] sections) replays them
 * whatever the seed.
 */
static inline void export_run_stream(struct prng *r, uint64_t trigger, sim_time db)
{
    uint64_t h = trigger;
    prng_splitmix(&h);
    prng_seed(r, h ^ (uint64_t)db, EXPORT_STREAM_RUN);
}

/* A backend's storage and bookkeeping for export_run (ctx: its run context). */
struct export_port {
    /* The committed watermark and the newest item that has arrived, now. */
    void (*fetch)(void *ctx, uint64_t *watermark, uint64_t *last);
    /* db-contention: a statement sent now may wait for a row lock (the simulator's);
     * true when it may have waited (the run may have been stopped meanwhile). */
    bool (*contention)(void *ctx);
    /* Opens a write transaction: a handle, or NULL (out of memory, or the database failed). */
    void *(*begin)(void *ctx);
    /* The statement failed for the environment's own reason: a database outage (-EIO). */
    bool (*outage)(void *ctx);
    /* Locks shared row `row` in tx until it ends: 0, -EDEADLK (a deadlock victim) or -EINTR. */
    int (*lock)(void *ctx, void *tx, int row);
    /* In tx, the sink's fencing check: 0, or -ESTALE (a newer token was seen). */
    int (*fence)(void *ctx, void *tx, uint64_t token);
    /* In tx, writes items [from, to] for run (none when to < from): 0 or -EIO. */
    int (*deliver)(void *ctx, void *tx, uint64_t from, uint64_t to, uint64_t run);
    /* In tx, the watermark moves to `to` (a transactional commit). */
    void (*watermark_in)(void *ctx, void *tx, uint64_t to);
    void (*commit)(void *ctx, void *tx);
    void (*rollback)(void *ctx, void *tx);
    /* The watermark commit on its own, fenced: 0, or -ESTALE; it moves to `to` if move. */
    int (*watermark)(void *ctx, bool move, uint64_t to, uint64_t token);
    /* The watermark committed now (for the trace). */
    uint64_t (*committed)(void *ctx);
    /* The newest token the sink saw (for the trace). */
    uint64_t (*sink_max)(void *ctx);
    void (*count)(void *ctx, enum export_count what);
    /* A row of the trace: kind and its detail (printf). */
    void (*trace)(void *ctx, const char *kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    /* Does the process die at step? struck: export.crash picked it. */
    int (*crash_point)(void *ctx, enum export_step step, int struck);
};

/* One run's export: the job's port (sleeps, fault points, kill) and the storage's. */
struct export_job {
    const struct job_port *job;
    const struct export_port *x;
    void *ctx;
    const struct export_config *cfg;
    uint64_t run, token;
    uint64_t from, to; /* items fetched (none when to < from) */
    sim_time db;       /* the DB phase's drawn duration */
    bool crash;        /* export.crash strikes this run */
    int order[EXPORT_MAX_ROWS];
    struct prng rng;
};

/* The slice of the DB phase that step i of n takes (the last one keeps the rest). */
static inline sim_time export_slice(sim_time total, int i, int n)
{
    sim_time each = total / n;
    return i == n - 1 ? total - each * (n - 1) : each;
}

/* Does the run die at step? (export.crash strikes the step just before the watermark is safe.) */
static inline int export_crash_at(struct export_job *r, enum export_step step, bool watermark_tx)
{
    enum export_step strikes =
        r->cfg->commit == COMMIT_TRANSACTIONAL ? EXPORT_STEP_TX_COMMIT : EXPORT_STEP_WATERMARK;
    bool struck = r->crash && step == strikes && (step != EXPORT_STEP_TX_COMMIT || watermark_tx);
    return r->x->crash_point(r->ctx, step, struck);
}

/* The run cannot go on: its process was killed, or SIGTERM cut its phase short. */
static inline bool export_stopped(const struct export_job *r)
{
    return r->job->killed(r->ctx) || r->job->interrupted(r->ctx);
}

enum { EXPORT_WRITE_OK = 0, EXPORT_WRITE_CRASHED = 1 };

/* Rolls tx back and says why the attempt ended. */
static inline int export_rollback(struct export_job *r, void *tx, int rc)
{
    r->x->rollback(r->ctx, tx);
    return rc;
}

/*
 * One attempt at writing the fetched items: EXPORT_WRITE_OK,
 * EXPORT_WRITE_CRASHED (a transactional commit that died before COMMIT:
 * rolled back), -EIO (a transaction failed), -EDEADLK (chosen as a deadlock
 * victim), -ESTALE (fenced off), -EINTR (the process was killed or
 * terminated: the open transaction rolled back) or -ENOMEM.
 */
static inline __attribute__((always_inline)) int export_write_attempt(struct export_job *r)
{
    const struct export_config *c = r->cfg;
    const struct export_port *x = r->x;
    void *ctx = r->ctx;
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
        if (x->contention(ctx) && export_stopped(r))
            return -EINTR;
        void *tx = x->begin(ctx);
        if (!tx)
            return -ENOMEM;
        r->job->phase_sleep(ctx, export_slice(r->db, step++, nslices)); /* the inserts */
        if (export_stopped(r))
            return export_rollback(r, tx, -EINTR);
        bool outage = x->outage(ctx);
        if (outage || (c->write_fail > 0 && prng_unit(&r->rng) < c->write_fail)) {
            x->count(ctx, EXPORT_COUNT_WRITE_ERROR);
            x->trace(ctx, "write-error", "transaction %d of %d failed%s: rolled back", i + 1, ntx,
                     outage ? " (database outage)" : "");
            return export_rollback(r, tx, -EIO);
        }
        for (int j = 0; last && j < c->shared_rows; j++) {
            int rc = x->lock(ctx, tx, r->order[j]);
            if (rc)
                return export_rollback(r, tx, rc == -EDEADLK ? rc : -EINTR);
            r->job->phase_sleep(ctx, export_slice(r->db, step++, nslices));
            if (export_stopped(r))
                return export_rollback(r, tx, -EINTR);
        }
        if (export_crash_at(r, EXPORT_STEP_TX_COMMIT, last && c->commit == COMMIT_TRANSACTIONAL))
            return export_rollback(r, tx, EXPORT_WRITE_CRASHED);
        /* COMMIT: the sink checks the fencing token (and counts stale writes) */
        if (x->fence(ctx, tx, r->token) == -ESTALE) {
            x->count(ctx, EXPORT_COUNT_FENCED);
            return export_rollback(r, tx, -ESTALE);
        }
        if (n && x->deliver(ctx, tx, lo, hi, r->run) != 0) {
            x->count(ctx, EXPORT_COUNT_WRITE_ERROR);
            return export_rollback(r, tx, -EIO);
        }
        if (n && last && c->commit == COMMIT_TRANSACTIONAL)
            x->watermark_in(ctx, tx, r->to);
        x->commit(ctx, tx);
    }
    return EXPORT_WRITE_OK;
}

/* Draws the run's own choices: the crash, the order of the shared rows. */
static inline void export_run_draw(struct export_job *r, const struct job_order *o)
{
    const struct export_config *c = r->cfg;
    export_run_stream(&r->rng, o->id, o->db);
    r->crash = prng_unit(&r->rng) < c->crash;
    for (int j = 0; j < c->shared_rows; j++)
        r->order[j] = j;
    if (c->row_order == ROW_ORDER_RANDOM)
        for (int j = c->shared_rows - 1; j > 0; j--) {
            int k = (int)prng_below(&r->rng, (uint64_t)j + 1), tmp = r->order[j];
            r->order[j] = r->order[k];
            r->order[k] = tmp;
        }
}

/*
 * The export of run (trigger o, API phase api, fencing token) with the
 * fault points of the job's phases; thrown: what the run had thrown so far.
 * Returns it with what it throws.
 */
static inline __attribute__((always_inline)) int
export_run(const struct job_port *jp, const struct export_port *x, void *ctx,
           const struct export_config *c, const struct job_order *o, uint64_t run, sim_time api,
           uint64_t token, int thrown)
{
    struct export_job r = {
        .job = jp, .x = x, .ctx = ctx, .cfg = c, .run = run, .token = token, .db = o->db};
    if (thrown)
        return thrown;
    export_run_draw(&r, o);

    /* read the watermark, fetch what came after it */
    uint64_t w, last;
    x->fetch(ctx, &w, &last);
    r.from = w + 1;
    r.to = last;
    if (c->batch > 0 && r.to >= r.from && r.to - r.from + 1 > (uint64_t)c->batch)
        r.to = r.from + (uint64_t)c->batch - 1;
    if (r.to >= r.from)
        x->trace(ctx, "fetch", "watermark %" PRIu64 ": items %" PRIu64 "..%" PRIu64, w, r.from,
                 r.to);
    else
        x->trace(ctx, "fetch", "watermark %" PRIu64 ": nothing new", w);
    jp->phase_sleep(ctx, api);
    if (export_crash_at(&r, EXPORT_STEP_FETCHED, false)) {
        x->count(ctx, EXPORT_COUNT_CRASH);
        x->trace(ctx, "crash", "killed after the fetch: nothing written");
        return thrown;
    }
    thrown |= jp->point(ctx, POINT_BEFORE_WRITE);
    if (thrown || export_stopped(&r))
        return thrown;

    /* write them, retrying as configured */
    for (int attempt = 0;; attempt++) {
        int rc = export_write_attempt(&r);
        if (rc == EXPORT_WRITE_OK)
            break;
        if (rc == EXPORT_WRITE_CRASHED) {
            x->count(ctx, EXPORT_COUNT_CRASH);
            x->trace(ctx, "crash", "killed before COMMIT: the transaction rolls back");
            return thrown;
        }
        if (rc == -ESTALE) {
            x->trace(ctx, "fenced", "token %" PRIu64 " older than %" PRIu64 ": write rejected",
                     r.token, x->sink_max(ctx));
            return thrown;
        }
        if (rc == -EINTR) {
            x->trace(ctx, "rollback", "%s during the write: the open transaction rolls back",
                     jp->killed(ctx) ? "killed" : "terminated");
            return thrown;
        }
        if (rc == -ENOMEM)
            return thrown;
        if (attempt >= c->retries) {
            x->count(ctx, EXPORT_COUNT_FAILURE);
            x->trace(ctx, "export-failed", "%s after %d attempt%s: watermark stays at %" PRIu64,
                     rc == -EDEADLK ? "deadlock" : "write error", attempt + 1, attempt ? "s" : "",
                     w);
            return thrown;
        }
        x->trace(ctx, "retry", "%s: retry %d of %d", rc == -EDEADLK ? "deadlock" : "write error",
                 attempt + 1, c->retries);
        jp->phase_sleep(ctx, c->retry_delay);
        if (export_stopped(&r))
            return thrown;
    }

    /* between the write and the commit: where a crash leaves the watermark behind */
    thrown |= jp->point(ctx, POINT_AFTER_WRITE);
    if (c->commit == COMMIT_TRANSACTIONAL) {
        x->trace(ctx, "commit", "watermark %" PRIu64 " (with the items)", x->committed(ctx));
        return thrown;
    }
    if (jp->killed(ctx) || export_crash_at(&r, EXPORT_STEP_WATERMARK, false)) {
        x->count(ctx, EXPORT_COUNT_CRASH);
        x->trace(ctx, "crash",
                 "killed after the write, before the commit: watermark stays at %" PRIu64, w);
        return thrown;
    }
    if (thrown || jp->interrupted(ctx)) {
        x->trace(ctx, "no-commit", "%s after the write: watermark stays at %" PRIu64,
                 thrown ? "threw" : "terminated", w);
        return thrown;
    }
    if (x->watermark(ctx, r.to >= r.from, r.to, r.token) == -ESTALE) {
        x->count(ctx, EXPORT_COUNT_FENCED);
        x->trace(ctx, "fenced", "watermark commit with token %" PRIu64 " rejected", r.token);
        return thrown;
    }
    if (r.to >= r.from)
        x->trace(ctx, "commit", "watermark %" PRIu64, r.to);
    return thrown;
}

#endif
