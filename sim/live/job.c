/*
 * The job live: the simulator's own run (sim/work/job_run.h) with a live
 * backend behind its port. A run on a thread of the harness records into
 * the recorder directly; a run in a worker process (or a cron firing's
 * process) reports each step on the event socket, and asks the harness at
 * each fault point where a fault is placed (a pause or a crash there is
 * done to the asking process itself, as it waits for the answer). With
 * spawn dispatch each trigger of the harness gets a thread of its own,
 * held at the dispatcher's start gate so that the triggers of one instant
 * start together. Triggers for workers go to the node's worker process.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/mem.h"
#include "live_impl.h"

int live_order_format(const struct live_order *o, char *buf, size_t len)
{
    const struct job_order *j = &o->o;
    int n = snprintf(
        buf, len, "%" PRIu64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %d %u %d", j->id,
        j->at, j->api + j->db, j->api, j->db, j->manual, o->points, o->release_on_error);
    return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int live_order_parse(const char *text, struct live_order *o)
{
    sim_time job;
    int manual, roe;
    memset(o, 0, sizeof(*o));
    if (sscanf(text, "%" SCNu64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %d %u %d",
               &o->o.id, &o->o.at, &job, &o->o.api, &o->o.db, &manual, &o->points, &roe) != 8)
        return -EPROTO;
    o->o.manual = manual != 0;
    o->release_on_error = roe != 0;
    return 0;
}

/* --- the live side of job_run --- */

void live_job_report(const struct live_job *j, enum live_ev kind, long value)
{
    struct live_msg m = {
        .kind = kind, .trigger = j->order->o.id, .pid = (int)getpid(), .value = value};
    live_msg_send(j->events, &m);
}

static struct env *job_env(void *ctx)
{
    return &((struct live_job *)ctx)->e->env;
}

static int job_point(void *ctx, enum fault_point_id at)
{
    struct live_job *j = ctx;
    if (!(j->order->points & (1u << at)))
        return 0; /* no fault is placed here */
    if (j->lv)
        return live_point(j->lv, j->t->node, j->order->o.id, j->run, at);
    struct live_msg m = {
        .kind = LIVE_EV_POINT, .trigger = j->order->o.id, .pid = (int)getpid(), .value = at};
    long flags = 0;
    return live_msg_ask(j->events, &m, &flags) == 0 ? (int)flags : 0;
}

/* A process killed live runs no more code: there is nothing to ask. */
static bool job_killed(void *ctx)
{
    (void)ctx;
    return false;
}

static bool job_interrupted(void *ctx)
{
    return ((struct live_job *)ctx)->e->stopped;
}

static void job_skipped(void *ctx, const struct job_order *o, int rc)
{
    struct live_job *j = ctx;
    if (j->lv)
        live_record_skip(j->lv, j->t->node, o->id, rc < 0);
    else
        live_job_report(j, rc < 0 ? LIVE_EV_ERROR : LIVE_EV_SKIP, rc);
}

static uint64_t job_started(void *ctx, const struct job_order *o, const struct guard_hold *h,
                            sim_time *api)
{
    struct live_job *j = ctx;
    (void)o;
    if (!j->lv) { /* the harness timestamps it, and knows the run's number */
        if (h->until > 0)
            live_job_report(j, LIVE_EV_LEASE, (long)h->until);
        live_job_report(j, LIVE_EV_START, 0);
        *api = j->order->o.api;
        return j->run = 1;
    }
    live_trace_lease(j->lv, j->t->node, 0, j->g->ops->name, h->until, true);
    if (!live_record_start(j->lv, j->t, &j->run, &j->started, api))
        j->e->stopped = true; /* past the end: the phases do not run */
    return j->run;
}

static void job_phase_sleep(void *ctx, sim_time d)
{
    struct live_job *j = ctx;
    if (!j->e->stopped)
        env_sleep(&j->e->env, d);
}

static int job_sink_write(void *ctx, uint64_t run, uint64_t token)
{
    struct live_job *j = ctx;
    int rc = j->e->env.ops->sink_write(&j->e->env, token);
    if (j->lv)
        live_record_write(j->lv, j->t->node, run, rc == -ESTALE);
    else
        live_job_report(j, LIVE_EV_WRITE, rc == -ESTALE);
    return rc;
}

static void job_ended(void *ctx, uint64_t run, int thrown)
{
    struct live_job *j = ctx;
    if (!j->lv)
        live_job_report(j, LIVE_EV_END, thrown != 0); /* before the release: no false overlap */
    else if (run && !j->e->stopped)
        live_record_end(j->lv, j->t->node, run, j->started, thrown != 0);
}

static void job_killed_early(void *ctx)
{
    (void)ctx;
}

static void job_keep_hold(void *ctx, const struct guard_hold *h)
{
    struct live_job *j = ctx;
    j->kept = true;
    j->hold = *h;
}

static void job_released(void *ctx, uint64_t run, const struct guard_hold *h)
{
    struct live_job *j = ctx;
    if (h->until <= 0)
        return;
    if (j->lv)
        live_trace_lease(j->lv, j->t->node, run, j->g->ops->name, h->until, false);
    else
        live_job_report(j, LIVE_EV_LEASE, 0);
}

const struct job_port live_job_port = {
    .env = job_env,
    .point = job_point,
    .killed = job_killed,
    .interrupted = job_interrupted,
    .skipped = job_skipped,
    .started = job_started,
    .exports = live_job_export,
    .phase_sleep = job_phase_sleep,
    .sink_write = job_sink_write,
    .ended = job_ended,
    .killed_early = job_killed_early,
    .keep_hold = job_keep_hold,
    .released = job_released,
};

bool live_job_remote(struct env_live *e, struct guard *g, int node, const struct live_order *o,
                     const struct export_config *xp, const char *events, struct guard_hold *kept)
{
    struct live_job j = {.e = e, .order = o, .g = g, .node = node, .xp = xp, .events = events};
    job_run(&live_job_port, &j, g, &o->o, xp != NULL, o->release_on_error);
    if (j.kept)
        *kept = j.hold;
    return j.kept;
}

/* --- runs on the harness's threads --- */

struct live_actor {
    struct env_live env; /* first */
    struct live *lv;
    struct live_trigger t;
    uint64_t gate; /* the batch it belongs to */
};

static void actor_env(struct live *lv, struct env_live *e)
{
    env_live_init(e, lv->speed, lv->epoch);
    e->skew = lv->opt->skew;
    e->wait = live_wait;
    e->wait_ctx = lv;
}

struct live_order live_order_of(struct live *lv, const struct live_trigger *t)
{
    const struct config *c = &lv->model->node[t->node].cfg;
    struct live_order o = {.o = {t->id, t->at, t->manual, t->w.api, t->w.db},
                           .points = live_points(lv, t->node),
                           .release_on_error = c->release_on_error};
    return o;
}

static void job_run_here(struct live *lv, struct env_live *e, const struct live_trigger *t)
{
    struct live_order o = live_order_of(lv, t);
    /* each node is a process: a guard of its own */
    struct live_job j = {
        .e = e, .order = &o, .g = lv->guards[t->node], .node = t->node, .lv = lv, .t = t};
    job_run(&live_job_port, &j, j.g, &o.o, false, o.release_on_error);
}

static void *actor_main(void *arg)
{
    struct live_actor *a = arg;
    struct live *lv = a->lv;
    pthread_mutex_lock(&lv->mu);
    while (lv->released < a->gate && !lv->stop)
        pthread_cond_wait(&lv->cond, &lv->mu);
    bool go = !lv->stop;
    pthread_mutex_unlock(&lv->mu);
    if (go)
        job_run_here(lv, &a->env, &a->t);
    mem_free(a);
    pthread_mutex_lock(&lv->mu);
    lv->nthreads--;
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
    return NULL;
}

static void spawn_thread(struct live *lv, const struct live_trigger *t)
{
    struct live_actor *a = mem_calloc(1, sizeof(*a));
    if (!a) {
        live_fail(lv, -ENOMEM, "out of memory");
        return;
    }
    actor_env(lv, &a->env);
    a->lv = lv;
    a->t = *t;
    pthread_mutex_lock(&lv->mu);
    bool full = lv->nthreads >= LIVE_MAX_THREADS;
    a->gate = lv->batch;
    if (!full)
        lv->nthreads++;
    pthread_mutex_unlock(&lv->mu);
    if (full) {
        mem_free(a);
        live_fail(lv, -LIVE_ETHREADS,
                  "more than %d runs alive at once: runs pile up without bound (see --speed)",
                  LIVE_MAX_THREADS);
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    pthread_t th;
    int rc = pthread_create(&th, &attr, actor_main, a);
    pthread_attr_destroy(&attr);
    if (rc) {
        mem_free(a);
        pthread_mutex_lock(&lv->mu);
        lv->nthreads--;
        pthread_mutex_unlock(&lv->mu);
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
    }
}

/* Hands t to its node's worker; inline: waits until the worker is done with it. */
static void dispatch_remote(struct live *lv, const struct live_trigger *t, bool inline_)
{
    struct live_worker *w = &lv->workers[t->node];
    if (live_flight_add(lv, t) != 0) {
        live_fail(lv, -ENOMEM, "out of memory");
        return;
    }
    if (live_worker_send_run(w, t) != 0 || (inline_ && live_worker_go(w) != 0)) {
        live_flight_drop(lv, t->id); /* the worker is down (crashed): the trigger is lost */
        return;
    }
    if (!inline_)
        return;
    pthread_mutex_lock(&lv->mu);
    while (!lv->stop && live_flight_pending(lv, t->id))
        pthread_cond_wait(&lv->cond, &lv->mu);
    pthread_mutex_unlock(&lv->mu);
}

void live_dispatch(struct live *lv, const struct live_trigger *t, bool inline_)
{
    if (lv->remote) {
        dispatch_remote(lv, t, inline_);
    } else if (inline_) {
        struct env_live e;
        actor_env(lv, &e);
        job_run_here(lv, &e, t);
    } else {
        spawn_thread(lv, t);
    }
}

void live_gate_open(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    lv->batch++;
    pthread_mutex_unlock(&lv->mu);
}

void live_gate_release(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    lv->released = lv->batch;
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
    for (int i = 0; lv->remote && i < lv->nworkers; i++) {
        struct live_worker *w = &lv->workers[i];
        if (atomic_load(&w->batch))
            live_worker_go(w); /* if it is down, its triggers close with the crash */
    }
}

void live_jobs_join(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    while (lv->nthreads > 0)
        pthread_cond_wait(&lv->cond, &lv->mu);
    pthread_mutex_unlock(&lv->mu);
}
