/*
 * A live run from start to end: the run directory, the database, the
 * workers or the guard, the schedulers; then the wait for the scenario's
 * end (or SIGINT, SIGTERM, SIGHUP, or a failure), and a teardown that
 * always runs in full, in reverse order, so nothing is left behind.
 *
 * Signals are blocked in every thread of the harness and taken
 * synchronously by the main thread (sigtimedwait): no handler runs in the
 * middle of anything, and a Ctrl-C during set-up is seen as soon as set-up
 * ends. Children unblock them again before exec.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/mem.h"
#include "sys/dsn.h"
#include "owner.h"
#include "../faults/point.h"
#include "live_impl.h"
#include "sys/proc.h"

/* --- clock and stop --- */

sim_time live_now(const struct live *lv)
{
    return (sim_time)((double)(env_live_mono() - lv->t0) * lv->speed);
}

int64_t live_deadline(const struct live *lv, sim_time at)
{
    return lv->t0 + env_live_real(at, lv->speed);
}

static struct timespec ts_of(int64_t ns)
{
    return (struct timespec){ns / 1000000000, ns % 1000000000};
}

bool live_wait(void *arg, int64_t deadline)
{
    struct live *lv = arg;
    pthread_mutex_lock(&lv->mu);
    while (!lv->stop && env_live_mono() < deadline) {
        struct timespec ts = ts_of(deadline);
        pthread_cond_timedwait(&lv->cond, &lv->mu, &ts);
    }
    bool ok = !lv->stop;
    pthread_mutex_unlock(&lv->mu);
    return ok;
}

bool live_wait_until(struct live *lv, sim_time at)
{
    return live_wait(lv, live_deadline(lv, at));
}

void live_later(struct live *lv, sim_time at, evq_fn fn, void *arg, uint64_t tag)
{
    if (live_sched_on_dispatcher()) {
        if (evq_push(&lv->q, at, fn, arg, tag) != 0) /* its own queue: in order, at once */
            live_fail(lv, -ENOMEM, "out of memory");
        return;
    }
    pthread_mutex_lock(&lv->mu);
    bool full = lv->nlater == LIVE_MAX_LATER;
    if (!full) {
        lv->later[lv->nlater++] = (struct live_later){at, fn, arg, tag};
        pthread_cond_broadcast(&lv->cond);
    }
    pthread_mutex_unlock(&lv->mu);
    if (full)
        live_fail(lv, -EAGAIN, "more than %d fault timers set at once", LIVE_MAX_LATER);
}

/* Moves the timers other threads set into the dispatcher's queue. Under mu. */
static void later_take(struct live *lv)
{
    for (int i = 0; i < lv->nlater; i++) {
        struct live_later *t = &lv->later[i];
        if (evq_push(&lv->q, t->at, t->fn, t->arg, t->tag) != 0) {
            lv->error = lv->error ? lv->error : -ENOMEM;
            lv->stop = true;
        }
    }
    lv->nlater = 0;
}

int live_dispatcher_wait(struct live *lv, sim_time at)
{
    int64_t deadline = live_deadline(lv, at);
    pthread_mutex_lock(&lv->mu);
    while (!lv->stop && !lv->nlater && env_live_mono() < deadline) {
        struct timespec ts = ts_of(deadline);
        pthread_cond_timedwait(&lv->cond, &lv->mu, &ts);
    }
    int rc = lv->stop ? 0 : lv->nlater ? -1 : 1;
    later_take(lv);
    pthread_mutex_unlock(&lv->mu);
    return rc;
}

bool live_stopped(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    bool s = lv->stop;
    pthread_mutex_unlock(&lv->mu);
    return s;
}

void live_fail(struct live *lv, int rc, const char *fmt, ...)
{
    pthread_mutex_lock(&lv->mu);
    if (!lv->error) {
        va_list ap;
        lv->error = rc;
        va_start(ap, fmt);
        vsnprintf(lv->res->detail, sizeof(lv->res->detail), fmt, ap);
        va_end(ap);
        if (lv->opt->dsn) /* libpq's messages may quote the connection string */
            dsn_scrub(lv->res->detail, sizeof(lv->res->detail), lv->opt->dsn);
    }
    lv->stop = true;
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
}

const char *live_strerror(int rc)
{
    switch (-rc) {
    case LIVE_ECMD:
        return "the command cannot start";
    case LIVE_EFAKETIME:
        return "libfaketime is missing";
    case LIVE_EDB:
        return "the database cannot be set up";
    case LIVE_EWORKER:
        return "a worker process failed";
    case LIVE_ETHREADS:
        return "more runs at once than live mode allows";
    default:
        return strerror(-rc);
    }
}

/* --- the exec placeholder guard: the user's command decides --- */

static struct guard *exec_create(const struct guard_params *p)
{
    (void)p;
    return mem_calloc(1, sizeof(struct guard));
}

static void exec_destroy(struct guard *g)
{
    mem_free(g);
}

static int exec_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g, (void)env, (void)h;
    return -ENOTSUP; /* the command runs in a worker, never through here */
}

static void exec_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g, (void)env, (void)h;
}

const struct guard_ops live_guard_exec = {
    .name = "exec",
    .summary =
        "the user's own command (live only): each trigger runs it; its job is `overlapsim probe`",
    .scope = GUARD_SCOPE_HOST,
    .create = exec_create,
    .destroy = exec_destroy,
    .try_acquire = exec_try_acquire,
    .release = exec_release,
};

/* --- set-up and teardown --- */

static int setup_dir(struct live *lv)
{
    const char *tmp = getenv("TMPDIR");
    struct live_owner me; /* named by its owner: the next run cleans up after a killed one */
    live_owner_self(&me);
    live_leftovers_clean(tmp, lv->res->cleaned, sizeof(lv->res->cleaned));
    snprintf(lv->dir, sizeof(lv->dir), "%s/overlapsim-live-%ld-%llu-XXXXXX",
             tmp && *tmp ? tmp : "/tmp", me.pid, me.start);
    if (!mkdtemp(lv->dir)) {
        int rc = -errno;
        live_fail(lv, rc, "cannot create a run directory in '%s': %s", tmp && *tmp ? tmp : "/tmp",
                  strerror(errno));
        lv->dir[0] = 0;
        return rc;
    }
    snprintf(lv->res->dir, sizeof(lv->res->dir), "%s", lv->dir);
    return 0;
}

static int setup_db(struct live *lv)
{
    const struct live_opts *o = lv->opt;
    char err[600];
    const char *conninfo = o->dsn;
    if (!conninfo) {
        int rc = pg_cluster_start(&lv->pg, lv->dir, o->keep, err, sizeof(err));
        if (rc) {
            live_fail(lv, rc, "%s", err);
            return rc;
        }
        conninfo = lv->pg.conninfo;
        if (strncmp(lv->pg.dir, lv->dir, strlen(lv->dir)) != 0)
            snprintf(lv->res->pg_dir, sizeof(lv->res->pg_dir), "%s", lv->pg.dir);
    }
    int rc = pg_db_open(&lv->db, conninfo, err, sizeof(err));
    if (rc) {
        char shown[PATH_MAX + 64];
        if (o->dsn)
            live_fail(lv, rc, "--dsn '%s': %s", dsn_redact(o->dsn, shown, sizeof(shown)), err);
        else
            live_fail(lv, rc, "%s", err);
        return rc;
    }
    lv->have_db = true;
    snprintf(lv->dsn, sizeof(lv->dsn), "%s", conninfo);
    if (!o->dsn && (rc = live_export_cluster(lv)) != 0) /* our own cluster: its settings */
        return rc;
    char names[512];
    if (o->dsn && pg_db_drop_orphans(&lv->db, names, sizeof(names)) > 0) {
        size_t k = strlen(lv->res->cleaned);
        snprintf(lv->res->cleaned + k, sizeof(lv->res->cleaned) - k, "%sdropped schema %s",
                 k ? ", " : "", names);
    }
    return 0;
}

/*
 * Must the runs happen in worker processes even for an in-process guard?
 * When the scheduler starts a process per run (cron), or a fault kills,
 * pauses or re-clocks a node: only a process can take that for real.
 */
static bool needs_processes(const struct model *m)
{
    for (int i = 0; i < m->nnodes; i++)
        if (config_sched_forks(m->node[i].cfg.sched))
            return true;
    for (int i = 0; i < m->nfaults; i++)
        if (m->fault[i].kind == FAULT_PAUSE || m->fault[i].kind == FAULT_CRASH ||
            m->fault[i].kind == FAULT_CLOCK_STEP)
            return true;
    return false;
}

static int setup(struct live *lv)
{
    const struct live_opts *o = lv->opt;
    const struct guard_ops *g = o->guard;
    bool exports = live_exports_on(lv->model); /* a database and workers for their tables */
    int rc = live_db_check(lv);
    if (!rc)
        rc = live_export_check(lv);
    if (!rc)
        rc = setup_dir(lv);
    if (rc)
        return rc;
    if (o->db || o->dsn || g->scope == GUARD_SCOPE_GLOBAL || exports) {
        rc = setup_db(lv);
        if (!rc)
            rc = live_db_start(lv);
        if (rc)
            return rc;
    }
    lv->remote = o->cmd || o->in_worker || g->scope >= GUARD_SCOPE_HOST || exports ||
                 needs_processes(lv->model);
    if (lv->remote) {
        rc = live_events_open(lv);
        if (!rc)
            rc = live_events_start(lv);
        if (rc) {
            live_fail(lv, rc, "cannot open the event socket in '%s': %s", lv->dir, strerror(-rc));
            return rc;
        }
        return live_workers_start(lv); /* reports its own failure */
    }
    for (int i = 0; i < lv->model->nnodes; i++) {
        if (!(lv->guards[i] = guard_new(g, &lv->model->node[i].cfg.gp))) {
            live_fail(lv, -ENOMEM, "out of memory");
            return -ENOMEM;
        }
    }
    return 0;
}

static void teardown(struct live *lv)
{
    live_record_close(lv);
    pthread_mutex_lock(&lv->mu);
    lv->stop = true;
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
    live_sched_join(lv);
    live_jobs_join(lv);
    live_events_stop(lv); /* before the workers go: an answer at a fault point reads them */
    if (lv->remote)
        live_workers_stop(lv);
    live_export_finish(lv); /* every write is in: count the sink's rows */
    for (int i = 0; i < MODEL_MAX_NODES; i++) {
        guard_destroy(lv->guards[i]);
        lv->guards[i] = NULL;
    }
    live_db_stop(lv);
    if (lv->have_db)
        pg_db_close(&lv->db);
    char pg_dir[PATH_MAX];
    snprintf(pg_dir, sizeof(pg_dir), "%s", lv->pg.dir);
    pg_cluster_stop(&lv->pg);
    proc_reap(200); /* adopted orphans; a caller's own children only cost the wait */
    if (lv->dir[0] && !lv->opt->keep)
        proc_rmtree(lv->dir);
    if (lv->opt->keep) { /* kept on purpose: not a killed run's, for the next run to remove */
        live_owner_keep(lv->dir);
        live_owner_keep(pg_dir);
    }
}

/* Waits for the end of the run, a signal or a failure. True if a signal came. */
static bool wait_end(struct live *lv, const sigset_t *sigs)
{
    int64_t end = live_deadline(lv, lv->end);
    for (;;) {
        if (live_stopped(lv) || live_workers_check(lv) != 0)
            return false;
        int64_t left = end - env_live_mono();
        if (left <= 0)
            return false;
        struct timespec ts = ts_of(left < 50000000 ? left : 50000000);
        if (sigtimedwait(sigs, NULL, &ts) > 0)
            return true;
    }
}

/* Takes any pending signal of sigs without waiting: true if there was one. */
static bool signal_pending(const sigset_t *sigs)
{
    struct timespec zero = {0, 0};
    bool any = false;
    while (sigtimedwait(sigs, NULL, &zero) > 0)
        any = true;
    return any;
}

static int live_init(struct live *lv, const struct model *m, const struct live_opts *o,
                     struct metrics *out, struct live_result *res)
{
    lv->model = m;
    lv->opt = o;
    lv->res = res;
    lv->speed = o->speed > 0 ? o->speed : LIVE_DEFAULT_SPEED;
    lv->end = m->cfg.duration;
    lv->m = out;
    lv->evfd = -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&lv->mu, NULL);
    pthread_mutex_init(&lv->rec, NULL);
    pthread_cond_init(&lv->cond, &ca);
    pthread_condattr_destroy(&ca);
    prng_seed(&lv->rng_job, o->seed, PRNG_JOB);
    prng_seed(&lv->rng_manual, o->seed, PRNG_MANUAL);
    prng_seed(&lv->rng_fault, o->seed, PRNG_FAULT);
    for (int i = 0; i < m->nfaults; i++) /* as the simulator's injector seeds them */
        prng_seed(&lv->arm[i].rng, o->seed, FAULT_STREAM(i));
    evq_init(&lv->q);
    lv->tickers = mem_calloc((size_t)m->nnodes, sizeof(*lv->tickers));
    if (!lv->tickers)
        return -ENOMEM;
    return checker_init(&lv->chk, out, m->cfg.interval, m->cfg.limit);
}

static void live_release(struct live *lv)
{
    checker_release(&lv->chk);
    evq_release(&lv->q);
    mem_free(lv->tickers);
    mem_free(lv->flight);
    mem_free(lv->runs);
    pthread_cond_destroy(&lv->cond);
    pthread_mutex_destroy(&lv->rec);
    pthread_mutex_destroy(&lv->mu);
    mem_free(lv);
}

int live_open(const struct model *m, const struct live_opts *o, struct metrics *out,
              struct live_result *res, struct live **out_lv)
{
    memset(res, 0, sizeof(*res));
    metrics_init(out);
    out->seed = o->seed;
    *out_lv = NULL;
    struct live *lv = mem_calloc(1, sizeof(*lv));
    if (!lv)
        return -ENOMEM;
    if (live_init(lv, m, o, out, res) != 0) {
        live_release(lv);
        snprintf(res->detail, sizeof(res->detail), "out of memory");
        return -ENOMEM;
    }
    proc_subreaper(true);
    *out_lv = lv;
    lv->t0 = env_live_mono(); /* provisional, for records made during set-up */
    int rc = setup(lv);
    if (rc)
        return rc;
    /* a little lead so every thread is waiting when time 0 comes (and the export's source is
     * filled: a few hundred thousand rows at most) */
    int64_t lead = live_exports_on(m) ? 500000000 : 20000000;
    lv->epoch = env_live_realtime() + lead;
    lv->t0 = env_live_mono() + lead;
    for (int i = 0; i < lv->nworkers; i++)
        live_worker_epoch(&lv->workers[i]);
    return live_export_fill(lv); /* its items arrive at times of the run's clock */
}

int live_close(struct live *lv)
{
    if (!lv)
        return -ENOMEM;
    teardown(lv);
    proc_subreaper(false);
    int rc = lv->error;
    live_release(lv);
    return rc;
}

int live_run(const struct model *m, const struct live_opts *o, struct metrics *out,
             struct live_result *res)
{
    /*
     * SIGINT and SIGTERM always end the run (a blocked signal is queued even
     * where a non-interactive shell set it to be ignored for a background
     * job); SIGHUP only unless ignored, so nohup still works.
     */
    sigset_t sigs, old;
    struct sigaction hup;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
        sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);

    struct live *lv;
    bool interrupted = false;
    if (live_open(m, o, out, res, &lv) == 0 && !(interrupted = signal_pending(&sigs)) &&
        live_sched_start(lv) == 0)
        interrupted = wait_end(lv, &sigs);
    int rc = live_close(lv);
    interrupted |= signal_pending(&sigs);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    res->interrupted = interrupted;
    return rc;
}
