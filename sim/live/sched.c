/*
 * Schedulers in real time, with the semantics of the simulator's
 * (sim/sched.c): Go's ticker with its one-slot channel (inline: the loop
 * runs the job itself, ticks that find the slot full are dropped; spawn:
 * each tick starts its own run), Spring's fixed-rate and fixed-delay loops,
 * manual triggers, and the fault timeline.
 *
 * Everything that fires at a set time goes through one dispatcher thread
 * with its own event queue, pushed in the same order as the simulator
 * pushes its events, so the triggers get the same ids and draw the same
 * workloads. Events due at the same instant form a batch: the runs it
 * spawns wait at a start gate that opens after the whole batch, so racing
 * starts really do start together. Inline loops run on a thread of their
 * own, as the simulator's loop actor does.
 */
#include <errno.h>
#include <string.h>

#include "live_impl.h"

static sim_time first_due(const struct config *c)
{
    if (c->first_at >= 0)
        return c->first_at;
    return c->sched == SCHED_TICKER ? c->interval : 0;
}

static void push(struct live *lv, sim_time at, evq_fn fn, void *arg)
{
    if (evq_push(&lv->q, at, fn, arg, 0) != 0)
        live_fail(lv, -ENOMEM, "out of memory");
}

static const struct config *node_cfg(struct live *lv, int node)
{
    return &lv->model->node[node].cfg;
}

/* A tick or due time with spawn dispatch: each starts a run. */
static void periodic_spawn(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    struct live_trigger t = live_trigger_new(lv, tk->node, tk->next, false);
    tk->next += node_cfg(lv, tk->node)->interval;
    push(lv, tk->next, periodic_spawn, tk);
    live_dispatch(lv, &t, false);
}

static void spawn_start(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    struct live_trigger t = live_trigger_new(lv, tk->node, 0, false);
    live_dispatch(lv, &t, false);
}

/* A tick of Go's ticker with inline dispatch: into the slot, or dropped. */
static void ticker_fire(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    struct live_trigger t = live_trigger_new(lv, tk->node, tk->next, false);
    tk->next += node_cfg(lv, tk->node)->interval;
    push(lv, tk->next, ticker_fire, tk);
    pthread_mutex_lock(&lv->mu);
    bool dropped = tk->full;
    if (!dropped) {
        tk->slot = t;
        tk->full = true;
        pthread_cond_broadcast(&lv->cond);
    }
    pthread_mutex_unlock(&lv->mu);
    if (dropped)
        live_record_coalesce(lv, tk->node);
}

/* <-ticker.C: false when the run is over. */
static bool ticker_receive(struct live *lv, struct live_ticker *tk, struct live_trigger *t)
{
    pthread_mutex_lock(&lv->mu);
    while (!tk->full && !lv->stop)
        pthread_cond_wait(&lv->cond, &lv->mu);
    bool ok = tk->full && !lv->stop;
    if (ok) {
        *t = tk->slot;
        tk->full = false;
    }
    pthread_mutex_unlock(&lv->mu);
    return ok;
}

static void *ticker_loop(void *arg)
{
    struct live_ticker *tk = arg;
    struct live *lv = tk->lv;
    struct live_trigger t;
    if (node_cfg(lv, tk->node)->run_at_start && live_wait_until(lv, 0)) {
        t = live_trigger_new(lv, tk->node, 0, false);
        live_dispatch(lv, &t, true);
    }
    while (ticker_receive(lv, tk, &t))
        live_dispatch(lv, &t, true);
    return NULL;
}

/* Spring's single scheduler thread: fixed-rate or fixed-delay. */
static void *spring_loop(void *arg)
{
    struct live_ticker *tk = arg;
    struct live *lv = tk->lv;
    const struct config *c = node_cfg(lv, tk->node);
    sim_time due = first_due(c);
    while (due < lv->end && live_wait_until(lv, due)) {
        struct live_trigger t = live_trigger_new(lv, tk->node, due, false);
        live_dispatch(lv, &t, true);
        sim_time now = live_now(lv);
        due = c->sched == SCHED_FIXED_RATE ? due + c->interval : now + c->interval;
    }
    return NULL;
}

static void manual_fire(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    sim_time now = (sim_time)tag;
    struct live_trigger t = live_trigger_new(lv, tk->node, now, true);
    sim_time next = now + dist_sample(&node_cfg(lv, tk->node)->manual, &lv->rng_manual);
    if (evq_push(&lv->q, next, manual_fire, tk, (uint64_t)next) != 0)
        live_fail(lv, -ENOMEM, "out of memory");
    live_dispatch(lv, &t, false);
}

/*
 * The fault timeline. The world's faults (pause, crash, clock-step, the
 * database's) map onto live_worker_pause/resume, live_worker_crash and
 * restart, libfaketime and pg_* here when the simulator gains them.
 */
static void fault_begin(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    const struct fault_spec *f = arg;
    switch (f->kind) {
    case FAULT_MANUAL_RUN: {
        struct live_trigger t = live_trigger_new(lv, 0, (sim_time)tag, true);
        live_trace(lv, -1, 0, "fault", "manual-run");
        live_dispatch(lv, &t, false);
        break;
    }
    case FAULT_API_SLOW:
        live_trace(lv, -1, 0, "fault", "api-slow begins");
        break;
    case FAULT_DB_CONTENTION:
    case FAULT_DB_OUTAGE:
    case FAULT_DB_DISCONNECT:
    case FAULT_DB_SLOW_REPLY:
        live_db_fault_begin(lv, f);
        break;
    case FAULT_CLOCK_STEP:
        if (f->target == FT_DATABASE) /* a node's clock is another matter */
            live_db_fault_begin(lv, f);
        break;
    default:
        break;
    }
}

static void fault_end(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    const struct fault_spec *f = arg;
    char d[64];
    live_db_fault_end(ctx, f); /* database windows; it ignores other kinds */
    snprintf(d, sizeof(d), "%s ends", fault_kind_name(f->kind));
    live_trace(ctx, -1, 0, "fault", d);
}

/* An explicit manual request at an exact time ([trigger N] manual_at = T). */
static void explicit_manual(void *ctx, void *arg, uint64_t tag)
{
    (void)arg;
    struct live *lv = ctx;
    struct live_trigger t = live_trigger_new(lv, 0, (sim_time)tag, true);
    live_dispatch(lv, &t, false);
}

static void *dispatcher_main(void *arg)
{
    struct live *lv = arg;
    struct evq_event ev;
    while (!evq_empty(&lv->q)) {
        sim_time at = evq_next_time(&lv->q);
        if (at >= lv->end || !live_wait_until(lv, at))
            break;
        live_gate_open(lv);
        while (!evq_empty(&lv->q) && evq_next_time(&lv->q) == at && evq_pop(&lv->q, &ev))
            ev.fn(lv, ev.arg, ev.tag);
        live_gate_release(lv);
    }
    return NULL;
}

static int start_loop(struct live *lv, void *(*fn)(void *), struct live_ticker *tk)
{
    int rc = pthread_create(&lv->loops[lv->nloops], NULL, fn, tk);
    if (rc) {
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
        return -rc;
    }
    lv->nloops++;
    return 0;
}

int live_sched_start(struct live *lv)
{
    const struct model *m = lv->model;
    for (int i = 0; i < m->nnodes; i++) {
        const struct config *c = node_cfg(lv, i);
        struct live_ticker *tk = &lv->tickers[i];
        *tk = (struct live_ticker){.lv = lv, .node = i, .next = first_due(c)};
        int rc = 0;
        if (c->sched == SCHED_QUARTZ || c->sched == SCHED_K8S || c->sched == SCHED_SYSTEMD) {
            live_fail(lv, -ENOTSUP,
                      "schedule.kind = quartz, k8s-cronjob and systemd-timer are simulated only");
            return -ENOTSUP;
        }
        if (c->dispatch == DISPATCH_SPAWN) {
            if (c->sched == SCHED_TICKER && c->run_at_start)
                push(lv, 0, spawn_start, tk);
            push(lv, tk->next, periodic_spawn, tk);
        } else if (c->sched == SCHED_TICKER) {
            push(lv, tk->next, ticker_fire, tk);
            rc = start_loop(lv, ticker_loop, tk);
        } else {
            rc = start_loop(lv, spring_loop, tk);
        }
        if (rc)
            return rc;
        if (c->manual.kind != DIST_NONE) {
            sim_time at = dist_sample(&c->manual, &lv->rng_manual);
            if (evq_push(&lv->q, at, manual_fire, tk, (uint64_t)at) != 0)
                live_fail(lv, -ENOMEM, "out of memory");
        }
    }
    for (int i = 0; i < m->ntriggers; i++) /* explicit manual requests ([trigger N]) */
        if (m->triggers[i].manual &&
            evq_push(&lv->q, m->triggers[i].at, explicit_manual, NULL, (uint64_t)m->triggers[i].at))
            live_fail(lv, -ENOMEM, "out of memory");
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *f = &m->fault[i];
        if (evq_push(&lv->q, f->at, fault_begin, (void *)f, (uint64_t)f->at) != 0)
            live_fail(lv, -ENOMEM, "out of memory");
        if (f->dur > 0)
            push(lv, f->at + f->dur, fault_end, (void *)f);
    }
    int rc = pthread_create(&lv->dispatcher, NULL, dispatcher_main, lv);
    if (rc) {
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
        return -rc;
    }
    lv->have_dispatcher = true;
    return lv->error;
}

void live_sched_join(struct live *lv)
{
    if (lv->have_dispatcher)
        pthread_join(lv->dispatcher, NULL);
    lv->have_dispatcher = false;
    for (int i = 0; i < lv->nloops; i++)
        pthread_join(lv->loops[i], NULL);
    lv->nloops = 0;
}
