/*
 * A job's export live: the simulator's own body (sim/work/export_run.h)
 * with tables behind its storage port. The source, the sink and the
 * watermark are export_source, export_sink and export_state in the run's
 * schema (created with the lock tables, pglease.c); the worker processes
 * read and write them through the database port (their SQL: sql.c), and a
 * write's fencing check is job_sink's (ENV_SINK_WRITE) inside the write's
 * own transaction. The harness fills the source before time 0 with the
 * items the simulator would see, arriving at the times it draws from the
 * seed, and when the run is over counts duplicates and lost items from the
 * rows of export_sink, with the simulator's exactly-once checker.
 *
 * Live does the exports of a scheduled job (the [export] section), its
 * shared rows with real row locks and PostgreSQL's own deadlock detector
 * (on a throwaway cluster set to the scenario's deadlock_timeout); the event
 * store ([store]) is simulated only. The export's trace rows (fetch, commit...) are the
 * simulator's only: live writes the runs, the writes and the faults.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../check/exactly_once.h"
#include "../work/export_run.h"
#include "live_impl.h"
#include "sql.h"

/* The most items a live run's source may hold: they are rows written before time 0. */
#define LIVE_MAX_ITEMS 200000

int live_export_format(const struct export_config *c, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%d %d %d %d %d %d %.17g %.17g %d %" PRId64, c->sink, c->commit,
                     c->batch, c->chunk, c->shared_rows, c->row_order, c->write_fail, c->crash,
                     c->retries, c->retry_delay);
    return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int live_export_parse(const char *text, struct export_config *c)
{
    memset(c, 0, sizeof(*c));
    return sscanf(text, "%d %d %d %d %d %d %lg %lg %d %" SCNd64, &c->sink, &c->commit, &c->batch,
                  &c->chunk, &c->shared_rows, &c->row_order, &c->write_fail, &c->crash, &c->retries,
                  &c->retry_delay) == 10
               ? 0
               : -EPROTO;
}

/* --- the worker's side: export_run's storage port --- */

static int exec(struct live_job *j, struct env_stmt *st, struct env_row *out)
{
    struct env *e = &j->e->env;
    return e->ops->db_exec(e, st, out);
}

static void x_count(void *ctx, enum export_count what)
{
    live_job_report(ctx, LIVE_EV_EXPORT, what);
}

static void x_fetch(void *ctx, uint64_t *watermark, uint64_t *last)
{
    struct env_stmt st = {.kind = ENV_EXPORT_FETCH, .session = ENV_DB_ANY};
    struct env_row row = {0};
    bool ok = exec(ctx, &st, &row) == 1;
    *watermark = ok ? row.watermark : 0; /* a failed read fetches nothing */
    *last = ok ? row.last : 0;
}

/* Contention and outages act on the real statements (dbfault.c, pgenv.c). */
static bool x_contention(void *ctx)
{
    (void)ctx;
    return false;
}

static bool x_outage(void *ctx)
{
    (void)ctx;
    return false;
}

/* A transaction's handle: its held session, plus one (never NULL). */
static int session_of(void *tx)
{
    return (int)(intptr_t)tx - 1;
}

static void *x_begin(void *ctx)
{
    struct live_job *j = ctx;
    struct env *e = &j->e->env;
    int sid = e->ops->db_session_open(e);
    struct env_stmt st = {.kind = ENV_TX_BEGIN, .session = sid};
    if (sid >= 0 && exec(j, &st, NULL) >= 0)
        return (void *)(intptr_t)(sid + 1);
    if (sid >= 0)
        e->ops->db_session_close(e, sid);
    x_count(ctx, EXPORT_COUNT_WRITE_ERROR); /* the transaction could not begin */
    return NULL;
}

static void tx_end(struct live_job *j, void *tx, enum env_stmt_kind kind)
{
    struct env *e = &j->e->env;
    struct env_stmt st = {.kind = kind, .session = session_of(tx)};
    exec(j, &st, NULL);
    e->ops->db_session_close(e, session_of(tx));
}

static void x_commit(void *ctx, void *tx)
{
    tx_end(ctx, tx, ENV_TX_COMMIT);
}

static void x_rollback(void *ctx, void *tx)
{
    tx_end(ctx, tx, ENV_TX_ROLLBACK);
}

/* A real row lock: PostgreSQL's own deadlock detector picks the victim. */
static int x_lock(void *ctx, void *tx, int row)
{
    struct env_stmt st = {.kind = ENV_EXPORT_LOCK_ROW, .session = session_of(tx), .key = row};
    int rc = exec(ctx, &st, NULL);
    if (rc == -EDEADLK)
        x_count(ctx, EXPORT_COUNT_DEADLOCK);
    return rc < 0 ? rc : 0;
}

static int x_fence(void *ctx, void *tx, uint64_t token)
{
    struct live_job *j = ctx;
    struct env_stmt st = {.kind = ENV_SINK_WRITE, .session = session_of(tx), .token = token};
    int rc = exec(j, &st, NULL);
    if (rc < 0)
        return -EIO;
    live_job_report(j, LIVE_EV_WRITE, rc == 0); /* the checker's stale writes, as the simulator's */
    return rc == 0 ? -ESTALE : 0;
}

static int x_deliver(void *ctx, void *tx, uint64_t from, uint64_t to, uint64_t run)
{
    struct live_job *j = ctx;
    struct env_stmt st = {.kind = ENV_EXPORT_WRITE,
                          .session = session_of(tx),
                          .from = from,
                          .to = to,
                          .run = run,
                          .node = j->node};
    return exec(j, &st, NULL) < 0 ? -EIO : 0;
}

static void x_watermark_in(void *ctx, void *tx, uint64_t to)
{
    struct env_stmt st = {
        .kind = ENV_EXPORT_WATERMARK, .session = session_of(tx), .move = true, .to = to};
    exec(ctx, &st, NULL);
}

static int x_watermark(void *ctx, bool move, uint64_t to, uint64_t token)
{
    struct env_stmt st = {.kind = ENV_EXPORT_WATERMARK,
                          .session = ENV_DB_ANY,
                          .move = move,
                          .to = to,
                          .token = token};
    int rc = exec(ctx, &st, NULL);
    if (rc < 0)
        x_count(ctx, EXPORT_COUNT_WRITE_ERROR); /* the commit failed: the watermark stays */
    return rc == 0 ? -ESTALE : 0;
}

/* For the trace, which live does not write for exports. */
static uint64_t x_zero(void *ctx)
{
    (void)ctx;
    return 0;
}

static void x_trace(void *ctx, const char *kind, const char *fmt, ...)
{
    (void)ctx, (void)kind, (void)fmt;
}

static int x_crash_point(void *ctx, enum export_step step, int struck)
{
    (void)ctx, (void)step;
    return struck;
}

static const struct export_port live_export_storage = {
    .fetch = x_fetch,
    .contention = x_contention,
    .begin = x_begin,
    .outage = x_outage,
    .lock = x_lock,
    .fence = x_fence,
    .deliver = x_deliver,
    .watermark_in = x_watermark_in,
    .commit = x_commit,
    .rollback = x_rollback,
    .watermark = x_watermark,
    .committed = x_zero,
    .sink_max = x_zero,
    .count = x_count,
    .trace = x_trace,
    .crash_point = x_crash_point,
};

int live_job_export(void *ctx, const struct job_order *o, uint64_t run, sim_time api,
                    const struct guard_hold *h, int thrown)
{
    struct live_job *j = ctx;
    (void)run; /* the harness numbers runs; the sink's rows name the trigger */
    return export_run(&live_job_port, &live_export_storage, j, j->xp, o, o->id, api, h->token,
                      thrown);
}

/* --- the harness's side: the source before the run, the books after it --- */

bool live_exports_on(const struct model *m)
{
    return export_config_enabled(&m->cfg);
}

int live_export_check(struct live *lv)
{
    const struct config *c = &lv->model->cfg;
    const char *why = NULL;
    if (!live_exports_on(lv->model))
        return 0;
    if (c->store.consumers > 0)
        why = "the event store ([store]) is simulated only";
    else if (lv->opt->cmd)
        why = "exports with --guard exec are simulated only: your command does the job";
    if (!why)
        return 0;
    live_fail(lv, -ENOTSUP, "%s", why);
    return -ENOTSUP;
}

/* Appends "v," to a growing text: 0 or -ENOMEM. */
static int append(char **buf, size_t *len, size_t *cap, const char *v)
{
    size_t n = strlen(v);
    if (*len + n + 2 > *cap) {
        size_t c = *cap ? 2 * *cap : 4096;
        while (c < *len + n + 2)
            c *= 2;
        char *b = mem_realloc(*buf, c);
        if (!b)
            return -ENOMEM;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, v, n);
    *len += n;
    (*buf)[(*len)++] = ',';
    (*buf)[*len] = 0;
    return 0;
}

int live_export_fill(struct live *lv)
{
    const struct export_config *c = &lv->model->cfg.xp;
    if (!live_exports_on(lv->model) || c->arrival.kind == DIST_NONE)
        return 0;
    /* the simulator's source (export.c): its own stream, items 1, 2, 3... before the end */
    struct prng rng;
    prng_seed(&rng, lv->opt->seed, EXPORT_STREAM_SOURCE);
    char *items = NULL, *times = NULL, v[32];
    size_t il = 0, ic = 0, tl = 0, tc = 0;
    int rc = append(&items, &il, &ic, "{");
    if (!rc)
        rc = append(&times, &tl, &tc, "{");
    il = tl = 1; /* the braces, without append's comma */
    uint64_t n = 0;
    for (sim_time at = dist_sample(&c->arrival, &rng); !rc && at < lv->end;
         at += dist_sample(&c->arrival, &rng)) {
        if (++n > LIVE_MAX_ITEMS) {
            live_fail(lv, -ENOTSUP,
                      "more than %d items arrive at the export's source: shorten "
                      "scenario.duration for a live run",
                      LIVE_MAX_ITEMS);
            rc = -ENOTSUP;
            break;
        }
        snprintf(v, sizeof(v), "%" PRIu64, n);
        rc = append(&items, &il, &ic, v);
        snprintf(v, sizeof(v), "%" PRId64, (lv->epoch + env_live_real(at, lv->speed)) / 1000);
        if (!rc)
            rc = append(&times, &tl, &tc, v);
    }
    if (!rc && n) {
        items[il - 1] = '}'; /* the last comma */
        times[tl - 1] = '}';
        const char *vals[2] = {items, times};
        PGresult *r = PQexecParams(lv->db.admin, sql_export_fill, 2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char why[300];
            live_fail(lv, -LIVE_EDB, "cannot fill the export's source: %s",
                      pg_error(lv->db.admin, why, sizeof(why)));
            rc = -LIVE_EDB;
        }
        PQclear(r);
    } else if (rc == -ENOMEM) {
        live_fail(lv, -ENOMEM, "out of memory");
    }
    mem_free(items);
    mem_free(times);
    return rc;
}

/* Simulated time of a real instant in microseconds since 1970. */
static sim_time sim_of_us(const struct live *lv, int64_t us)
{
    return (sim_time)((double)(us * 1000 - lv->epoch) * lv->speed);
}

/*
 * The books: every item that arrived, every row the runs wrote, in time
 * order, through the checker the simulator uses (a transaction's rows are
 * one write of a range, as the simulator's).
 */
void live_export_finish(struct live *lv)
{
    const struct export_config *c = &lv->model->cfg.xp;
    struct export_metrics *xm = &lv->m->xp;
    if (!live_exports_on(lv->model) || !lv->have_db)
        return;
    xm->on = true;
    xm->nconsumers = 1;
    struct exactly_once chk;
    if (exactly_once_init(&chk, c->lag_allowance, c->sink == SINK_IDEMPOTENT, &xm->lag) != 0)
        return;
    PGresult *src = PQexec(lv->db.admin, sql_export_source_rows);
    PGresult *rows = PQexec(lv->db.admin, sql_export_sink_rows);
    if (PQresultStatus(src) == PGRES_TUPLES_OK && PQresultStatus(rows) == PGRES_TUPLES_OK) {
        int ns = PQntuples(src), nr = PQntuples(rows), a = 0;
        for (int i = 0; i < nr;) {
            /* one write: the rows of one transaction, consecutive items */
            uint64_t from = strtoull(PQgetvalue(rows, i, 0), NULL, 10), to = from;
            uint64_t run = strtoull(PQgetvalue(rows, i, 1), NULL, 10);
            const char *tx = PQgetvalue(rows, i, 2);
            sim_time at = sim_of_us(lv, strtoll(PQgetvalue(rows, i, 3), NULL, 10));
            int k = i + 1;
            while (k < nr && strcmp(PQgetvalue(rows, k, 2), tx) == 0 &&
                   strtoull(PQgetvalue(rows, k, 0), NULL, 10) == to + 1)
                to++, k++;
            for (; a < ns && sim_of_us(lv, strtoll(PQgetvalue(src, a, 1), NULL, 10)) <= at; a++)
                exactly_once_arrive(&chk, sim_of_us(lv, strtoll(PQgetvalue(src, a, 1), NULL, 10)));
            struct exactly_once_batch b;
            exactly_once_deliver_range(&chk, from, to, at, run, &b);
            i = k;
        }
        for (; a < ns; a++) /* the rest arrived with nobody to fetch them */
            exactly_once_arrive(&chk, sim_of_us(lv, strtoll(PQgetvalue(src, a, 1), NULL, 10)));
        exactly_once_finish(&chk, lv->end);
        xm->items = (uint64_t)ns;
        xm->exports = chk.writes;
        xm->delivered = chk.delivered;
        xm->duplicates = chk.duplicates;
        xm->redelivered = chk.redelivered;
        xm->lost = chk.lost;
        xm->late = chk.late;
        xm->pending = chk.pending;
        xm->consumer[0] =
            (struct consumer_metrics){chk.writes, chk.delivered, chk.duplicates, chk.lost};
    } else {
        live_fail(lv, -LIVE_EDB, "cannot read the export's sink: %s", PQerrorMessage(lv->db.admin));
    }
    PQclear(src);
    PQclear(rows);
    exactly_once_release(&chk);
}

void live__export_count_locked(struct live *lv, long what)
{
    if (!lv->closed && what >= EXPORT_COUNT_WRITE_ERROR && what <= EXPORT_COUNT_DEADLOCK)
        export_count_into(&lv->m->xp, (enum export_count)what);
}

int live_export_cluster(struct live *lv)
{
    const struct export_config *c = &lv->model->cfg.xp;
    if (!live_exports_on(lv->model) || c->shared_rows == 0)
        return 0;
    /* the server's deadlock check, as the simulated database's, after the scenario's wait */
    char sql[96];
    int64_t ms = env_live_real(c->deadlock_timeout, lv->speed) / 1000000;
    snprintf(sql, sizeof(sql), "ALTER SYSTEM SET deadlock_timeout = '%" PRId64 "ms'",
             ms > 0 ? ms : 1);
    PGresult *r = PQexec(lv->db.admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    r = ok ? PQexec(lv->db.admin, "SELECT pg_reload_conf()") : NULL;
    ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok) {
        char why[300];
        live_fail(lv, -LIVE_EDB, "cannot set the cluster's deadlock_timeout: %s",
                  pg_error(lv->db.admin, why, sizeof(why)));
        return -LIVE_EDB;
    }
    return 0;
}
