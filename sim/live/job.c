/*
 * The job on real threads, for guards that live in the harness's process:
 * ask the guard, run the two phases as scaled sleeps, record, release —
 * the simulator's sim_job_run step for step. With spawn dispatch each
 * trigger gets a thread of its own, held at the dispatcher's start gate so
 * that the triggers of one instant start together. Triggers for workers go
 * to the node's worker process instead.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "live_impl.h"

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

static void job_run(struct live *lv, struct env_live *e, const struct live_trigger *t)
{
    struct guard_hold hold = {0, -1, 0, 0, false};
    struct guard *g = lv->guards[t->node]; /* each node is a process: a guard of its own */
    int rc = guard_try_acquire(g, &e->env, &hold);
    if (rc != 1) {
        live_record_skip(lv, t->node, t->id, rc < 0);
        return;
    }
    live_trace_lease(lv, t->node, 0, g->ops->name, hold.until, true);
    uint64_t run = 0;
    sim_time started, api;
    if (live_record_start(lv, t, &run, &started, &api)) {
        env_sleep(&e->env, api);
        if (!e->stopped)
            env_sleep(&e->env, t->w.db);
        if (!e->stopped)
            live_record_end(lv, t->node, run, started);
    }
    guard_release(g, &e->env, &hold);
    if (hold.until > 0)
        live_trace_lease(lv, t->node, run, g->ops->name, hold.until, false);
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
        job_run(lv, &a->env, &a->t);
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
        job_run(lv, &e, t);
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
