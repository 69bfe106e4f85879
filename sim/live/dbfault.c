/*
 * The database side of a live run, the harness's end: it sets up each
 * worker's database client (pgenv.c) and plays the database faults of the
 * timeline with the simulator's meaning (sim/inject.c, sim/world_env.c):
 *
 * - db-contention: a session of ours holds the guard's task_lock and
 *   shedlock rows FOR UPDATE for the window (then `latency` longer), so
 *   statements that write them really wait, and run with their stale
 *   transaction time.
 * - db-disconnect: pg_terminate_backend of the run's sessions, every one
 *   or those of the node (a worker's are named "SCHEMA:NODE"): advisory
 *   locks go, and the client learns on its next statement.
 * - db-outage, db-slow-reply: announced to the workers, whose client acts
 *   as the network would (see pgenv.h).
 * - the database clock: [db] clock_offset, and clock-step with target =
 *   database, move app.skew, which every session of the workers takes.
 *
 * What has no live meaning is refused before the run starts, with one line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "live_impl.h"
#include "pgenv.h"

struct live_dbf {
    pthread_mutex_t mu; /* the state workers are told on (re)start */
    bool workers;       /* workers run database guards: they have clients to tell */
    PGconn *ctl;        /* terminates sessions */
    PGconn *contend;    /* holds the rows during db-contention */
    int contention, outage;
    sim_time skew; /* the database clock minus true time: clock_offset + steps */
    const struct dist *slow[MODEL_MAX_FAULTS];
    struct prng rng; /* contention's extra waits */
};

static bool db_kind(const struct fault_spec *f)
{
    switch (f->kind) {
    case FAULT_DB_CONTENTION:
    case FAULT_DB_OUTAGE:
    case FAULT_DB_DISCONNECT:
    case FAULT_DB_SLOW_REPLY:
        return true;
    case FAULT_CLOCK_STEP:
        return f->target == FT_DATABASE;
    default:
        return false;
    }
}

static int refuse(struct live *lv, const struct fault_spec *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct live *lv, const struct fault_spec *f, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    live_fail(lv, -ENOTSUP, "fault %s (line %d): %s",
              f->kind == FAULT_CLOCK_STEP ? "clock-step of the database" : fault_kind_name(f->kind),
              f->line, why);
    return -ENOTSUP;
}

int live_db_check(struct live *lv)
{
    const struct model *m = lv->model;
    const struct live_opts *o = lv->opt;
    const char *g = o->guard->name;
    bool rows = strcmp(g, "advisory") != 0 && strcmp(g, "advisory-xact") != 0;
    bool forks = false; /* a process per run (cron): clients that live for one run */
    for (int i = 0; i < m->nnodes; i++)
        forks |= config_sched_forks(m->node[i].cfg.sched);
    if (o->guard->scope == GUARD_SCOPE_GLOBAL && !o->cmd && m->cfg.db_drift_ppm != 0) {
        live_fail(lv, -ENOTSUP,
                  "db.clock_drift_ppm is simulated only (live: clock_offset and "
                  "clock-step of the database)");
        return -ENOTSUP;
    }
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *f = &m->fault[i];
        if (!db_kind(f))
            continue;
        if (f->point != POINT_NONE)
            return refuse(lv, f, "%s is simulated only (live places faults at times)",
                          fault_point_name(f->point));
        if (f->every.kind != DIST_NONE)
            return refuse(lv, f, "every = is simulated only (live: one occurrence at `at`)");
        if (o->cmd)
            return refuse(lv, f,
                          "it acts on overlapsim's own database client and lock rows: "
                          "not with --guard exec");
        /* a run's own process learns the database's state when it starts, not later */
        if (forks && (f->kind == FAULT_DB_OUTAGE || f->kind == FAULT_DB_SLOW_REPLY ||
                      f->kind == FAULT_CLOCK_STEP))
            return refuse(lv, f, "simulated only under cron (a process per run)");
        if (f->kind == FAULT_DB_CONTENTION && !rows)
            return refuse(lv, f,
                          "it holds the lock rows, which guard %s never waits for (simulated only)",
                          g);
    }
    return 0;
}

static bool has_fault(const struct model *m, enum fault_kind k)
{
    for (int i = 0; i < m->nfaults; i++)
        if (m->fault[i].kind == k)
            return true;
    return false;
}

int live_db_start(struct live *lv)
{
    const struct model *m = lv->model;
    struct live_dbf *d = mem_calloc(1, sizeof(*d));
    if (!d) {
        live_fail(lv, -ENOMEM, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&d->mu, NULL);
    /* the workers' own client: for a database guard, and for the exports' tables */
    d->workers =
        (lv->opt->guard->scope == GUARD_SCOPE_GLOBAL || live_exports_on(m)) && !lv->opt->cmd;
    d->skew = m->cfg.db_clock_offset;
    prng_seed(&d->rng, lv->opt->seed, 0x300);
    lv->dbf = d;
    char err[300];
    if (has_fault(m, FAULT_DB_DISCONNECT) &&
        !(d->ctl = pg_session(lv->dsn, lv->db.schema, 0, err, sizeof(err)))) {
        live_fail(lv, -LIVE_EDB, "cannot connect to the database: %s", err);
        return -LIVE_EDB;
    }
    if (has_fault(m, FAULT_DB_CONTENTION) &&
        !(d->contend = pg_session(lv->dsn, lv->db.schema, 0, err, sizeof(err)))) {
        live_fail(lv, -LIVE_EDB, "cannot connect to the database: %s", err);
        return -LIVE_EDB;
    }
    return 0;
}

void live_db_stop(struct live *lv)
{
    struct live_dbf *d = lv->dbf;
    if (!d)
        return;
    PQfinish(d->ctl); /* and with the contending session, its transaction */
    PQfinish(d->contend);
    pthread_mutex_destroy(&d->mu);
    mem_free(d);
    lv->dbf = NULL;
}

/* app.skew for node's sessions: the database clock, less db.tx_age, in real microseconds. */
static int64_t node_skew_us(struct live *lv, int node)
{
    sim_time s = lv->dbf->skew - lv->model->node[node].cfg.db_tx_age;
    return (int64_t)((double)s / lv->speed) / 1000;
}

static void tell(struct live *lv, const char *msg)
{
    for (int i = 0; i < lv->nworkers; i++)
        live_worker_ctl(&lv->workers[i], msg); /* a crashed worker hears it when it restarts */
}

int live_db_worker_setup(struct live_worker *w)
{
    struct live *lv = w->lv;
    struct live_dbf *d = lv->dbf;
    if (!d || !d->workers)
        return 0;
    const struct config *c = &lv->model->node[w->node].cfg;
    struct pgenv_config pc = {.node = w->node,
                              .seed = lv->opt->seed,
                              .pool = c->db_pool,
                              .timeout = c->db_timeout,
                              .latency = c->db_latency};
    char msg[1024], reply[512];
    snprintf(pc.schema, sizeof(pc.schema), "%s", lv->db.schema);
    pthread_mutex_lock(&d->mu);
    pc.skew_us = node_skew_us(lv, w->node);
    int rc = pgenv_config_format(&pc, msg + 3, sizeof(msg) - 3);
    memcpy(msg, "db ", 3);
    if (rc > 0)
        rc = live_worker_ask(w, msg, reply, sizeof(reply));
    if (!rc && strcmp(reply, "db ok") != 0) {
        live_fail(lv, -LIVE_EDB, "worker %d: %s", w->node,
                  strncmp(reply, "db error ", 9) == 0 ? reply + 9 : reply);
        rc = -LIVE_EDB;
    }
    /* the faults in effect, for a worker that restarts inside a window */
    if (!rc && d->outage) {
        snprintf(msg, sizeof(msg), "db outage %d", d->outage);
        rc = live_worker_ctl(w, msg);
    }
    if (!rc && d->contention) {
        snprintf(msg, sizeof(msg), "db contention %d", d->contention);
        rc = live_worker_ctl(w, msg);
    }
    for (int i = 0; !rc && i < MODEL_MAX_FAULTS; i++) {
        if (d->slow[i]) {
            char t[256];
            snprintf(msg, sizeof(msg), "db slow %d %s", i, dist_format(d->slow[i], t, sizeof(t)));
            rc = live_worker_ctl(w, msg);
        }
    }
    pthread_mutex_unlock(&d->mu);
    return rc < 0 ? rc : 0;
}

/* --- the faults --- */

/* Counts a fault that took effect (on a holder when a run of node is in flight). Under rec. */
static void hit_locked(struct live *lv, int node)
{
    if (lv->closed)
        return;
    bool holder = false;
    for (int i = 0; node >= 0 && i < lv->nruns && !holder; i++)
        holder = lv->runs[i].node == node;
    lv->m->faults_hit++;
    if (holder)
        lv->m->faults_hit_holder++;
}

void live__db_note_locked(struct live *lv, long flags)
{
    if (lv->closed)
        return;
    if (flags & PGENV_NOTE_ERROR)
        lv->m->db_errors++;
    if (flags & PGENV_NOTE_FAULT)
        lv->m->faults_hit++;
}

static void disconnect(struct live *lv, const struct fault_spec *f)
{
    struct live_dbf *d = lv->dbf;
    char app[96], detail[128];
    bool every = f->target == FT_DATABASE || (f->target == FT_DEFAULT && f->node_idx < 0);
    int first = f->node_idx >= 0 ? f->node_idx : 0;
    int last = f->node_idx >= 0 ? f->node_idx : lv->model->nnodes - 1;
    if (every) {
        snprintf(app, sizeof(app), "%s:", lv->db.schema);
        int n = pg_terminate_app(d->ctl, app, true);
        snprintf(detail, sizeof(detail), "db-disconnect: %d sessions end (pg_terminate_backend)",
                 n < 0 ? 0 : n);
        live_trace(lv, -1, 0, "fault", detail);
    }
    for (int i = first; i <= last; i++) {
        if (!every) {
            snprintf(app, sizeof(app), "%s:%d", lv->db.schema, i);
            int n = pg_terminate_app(d->ctl, app, false);
            snprintf(detail, sizeof(detail),
                     "db-disconnect: %d sessions of the node end (pg_terminate_backend)",
                     n < 0 ? 0 : n);
            live_trace(lv, i, 0, "fault", detail);
        }
        pthread_mutex_lock(&lv->rec);
        hit_locked(lv, i);
        pthread_mutex_unlock(&lv->rec);
    }
}

static void contend_end(struct live *lv)
{
    struct live_dbf *d = lv->dbf;
    pthread_mutex_lock(&d->mu);
    if (--d->contention == 0) {
        pg_contend_end(d->contend);
        tell(lv, "db contention 0");
    }
    pthread_mutex_unlock(&d->mu);
}

static void contend_end_event(void *ctx, void *arg, uint64_t tag)
{
    (void)arg, (void)tag;
    contend_end(ctx);
}

sim_time live_db_clock_offset(struct live *lv)
{
    return lv->dbf ? lv->dbf->skew : lv->model->cfg.db_clock_offset;
}

static void clock_step(struct live *lv, const struct fault_spec *f)
{
    struct live_dbf *d = lv->dbf;
    char msg[64], t[TIME_FMT_LEN];
    pthread_mutex_lock(&d->mu);
    d->skew += f->by;
    for (int i = 0; i < lv->nworkers; i++) {
        snprintf(msg, sizeof(msg), "db skew %" PRId64, node_skew_us(lv, i));
        live_worker_ctl(&lv->workers[i], msg);
    }
    pthread_mutex_unlock(&d->mu);
    snprintf(msg, sizeof(msg), "clock-step of the database by %s", time_format(f->by, t));
    live_trace(lv, -1, 0, "fault", msg);
    live_trace_clock(lv, -1, live_db_clock_offset(lv));
    pthread_mutex_lock(&lv->rec);
    hit_locked(lv, -1);
    pthread_mutex_unlock(&lv->rec);
}

void live_db_fault_begin(struct live *lv, const struct fault_spec *f)
{
    struct live_dbf *d = lv->dbf;
    char msg[320];
    if (!db_kind(f))
        return;
    if (!d || !d->workers) { /* no database client runs: nothing to act on */
        snprintf(msg, sizeof(msg), "%s (no database guard runs)", fault_kind_name(f->kind));
        live_trace(lv, -1, 0, "fault", msg);
        /* the simulator counts these on the nodes they hit all the same */
        pthread_mutex_lock(&lv->rec);
        if (f->kind == FAULT_CLOCK_STEP)
            hit_locked(lv, -1);
        for (int i = 0; f->kind == FAULT_DB_DISCONNECT && i < lv->model->nnodes; i++)
            if (f->node_idx < 0 || f->node_idx == i)
                hit_locked(lv, i);
        pthread_mutex_unlock(&lv->rec);
        return;
    }
    switch (f->kind) {
    case FAULT_DB_DISCONNECT:
        disconnect(lv, f);
        return;
    case FAULT_CLOCK_STEP:
        clock_step(lv, f);
        return;
    case FAULT_DB_CONTENTION: {
        pthread_mutex_lock(&d->mu);
        int rc = d->contention++ ? 0 : pg_contend_begin(d->contend, lv->model->cfg.gp.name);
        snprintf(msg, sizeof(msg), "db contention %d", d->contention);
        tell(lv, msg);
        pthread_mutex_unlock(&d->mu);
        if (rc) {
            char why[200];
            live_fail(lv, -LIVE_EDB, "db-contention: cannot lock the rows: %s",
                      pg_error(d->contend, why, sizeof(why)));
            return;
        }
        break;
    }
    case FAULT_DB_OUTAGE:
        pthread_mutex_lock(&d->mu);
        snprintf(msg, sizeof(msg), "db outage %d", ++d->outage);
        tell(lv, msg);
        pthread_mutex_unlock(&d->mu);
        break;
    case FAULT_DB_SLOW_REPLY: {
        char t[256];
        int i = (int)(f - lv->model->fault);
        pthread_mutex_lock(&d->mu);
        d->slow[i] = &f->latency;
        snprintf(msg, sizeof(msg), "db slow %d %s", i, dist_format(&f->latency, t, sizeof(t)));
        tell(lv, msg);
        pthread_mutex_unlock(&d->mu);
        break;
    }
    default:
        return;
    }
    snprintf(msg, sizeof(msg), "%s begins", fault_kind_name(f->kind));
    live_trace(lv, -1, 0, "fault", msg);
}

void live_db_fault_end(struct live *lv, const struct fault_spec *f)
{
    struct live_dbf *d = lv->dbf;
    char msg[64];
    if (!d || !d->workers || !db_kind(f))
        return;
    switch (f->kind) {
    case FAULT_DB_CONTENTION:
        if (f->latency.kind != DIST_NONE) { /* the holder commits a little later still */
            sim_time at = f->at + f->dur + dist_sample(&f->latency, &d->rng);
            if (evq_push(&lv->q, at, contend_end_event, NULL, 0) == 0)
                return;
        }
        contend_end(lv);
        break;
    case FAULT_DB_OUTAGE:
        pthread_mutex_lock(&d->mu);
        snprintf(msg, sizeof(msg), "db outage %d", --d->outage);
        tell(lv, msg);
        pthread_mutex_unlock(&d->mu);
        break;
    case FAULT_DB_SLOW_REPLY: {
        int i = (int)(f - lv->model->fault);
        pthread_mutex_lock(&d->mu);
        d->slow[i] = NULL;
        snprintf(msg, sizeof(msg), "db slow %d -", i);
        tell(lv, msg);
        pthread_mutex_unlock(&d->mu);
        break;
    }
    default:
        break;
    }
}
