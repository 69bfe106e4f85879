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

#include "../base/cron.h"
#include "../sched/misfire.h"
#include "../base/node_clock.h"
#include "../faults/point.h"
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

/* A node's timer, tagged with the node's life: a crash makes it stale. */
static void push_node(struct live *lv, sim_time at, evq_fn fn, struct live_ticker *tk)
{
    if (evq_push(&lv->q, at, fn, tk, tk->epoch) != 0)
        live_fail(lv, -ENOMEM, "out of memory");
}

static const struct config *node_cfg(struct live *lv, int node)
{
    return &lv->model->node[node].cfg;
}

/*
 * A timer of a paused node waits for the pause to end, as the simulator's
 * sim_node_gate: the node's scheduler thread is stopped with it. True when
 * it was put off to the pause's end (fire_time then says when it fired).
 */
static bool gated(struct live *lv, struct live_ticker *tk, sim_time due, evq_fn fn, uint64_t tag)
{
    sim_time until = lv->remote ? lv->workers[tk->node].paused_until : 0;
    if (until > due && until > live_now(lv)) {
        if (evq_push(&lv->q, until, fn, tk, tag) != 0)
            live_fail(lv, -ENOMEM, "out of memory");
        return true;
    }
    return false;
}

/* When a timer due at `due` fires: then, or at the end of a pause that held it. */
static sim_time fire_time(struct live *lv, struct live_ticker *tk, sim_time due)
{
    sim_time until = lv->remote ? lv->workers[tk->node].paused_until : 0;
    return until > due ? until : due;
}

/*
 * The pending grid slot went off at `now` (late, after a pause): fire it,
 * or catch up by the scheduler's misfire policy, counting the slots
 * dropped, as sim/sched.c's grid_fire. Returns whether a run starts now.
 */
static bool grid_fire(struct live *lv, struct live_ticker *tk, sim_time now)
{
    const struct config *c = node_cfg(lv, tk->node);
    struct misfire_step st = misfire_step(c, misfire_policy(c), tk->start, tk->next, now);
    for (int64_t i = 0; i < st.dropped; i++)
        live_record_coalesce(lv, tk->node);
    tk->next = st.next;
    return st.fire;
}

/* When the pending slot's timer goes off: a slot already past goes now. */
static sim_time pending_at(const struct live_ticker *tk, sim_time now)
{
    return tk->next > now ? tk->next : now;
}

/* Is this timer or loop from a life of the node before its last crash? */
static bool stale(struct live *lv, struct live_ticker *tk, uint64_t epoch)
{
    pthread_mutex_lock(&lv->mu);
    bool gone = tk->epoch != epoch || tk->down;
    pthread_mutex_unlock(&lv->mu);
    return gone;
}

/* A tick or due time with spawn dispatch: each starts a run. */
static void periodic_spawn(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    if (stale(lv, tk, tag) || gated(lv, tk, tk->next, periodic_spawn, tag))
        return;
    sim_time now = fire_time(lv, tk, tk->next);
    if (!grid_fire(lv, tk, now)) {
        push_node(lv, pending_at(tk, now), periodic_spawn, tk);
        return;
    }
    struct live_trigger t = live_trigger_new(lv, tk->node, now, false);
    push_node(lv, pending_at(tk, now), periodic_spawn, tk);
    live_dispatch(lv, &t, false);
}

static void spawn_start(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    if (stale(lv, tk, tag))
        return;
    struct live_trigger t = live_trigger_new(lv, tk->node, tk->up_at, false);
    live_dispatch(lv, &t, false);
}

/* A tick of Go's ticker with inline dispatch: into the slot, or dropped. */
static void ticker_fire(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    if (stale(lv, tk, tag) || gated(lv, tk, tk->next, ticker_fire, tag))
        return;
    sim_time now = fire_time(lv, tk, tk->next);
    bool fire = grid_fire(lv, tk, now);
    push_node(lv, pending_at(tk, now), ticker_fire, tk);
    if (!fire)
        return;
    struct live_trigger t = live_trigger_new(lv, tk->node, now, false);
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

/* <-ticker.C: false when the run or the node's life is over. */
static bool ticker_receive(struct live *lv, struct live_ticker *tk, uint64_t epoch,
                           struct live_trigger *t)
{
    pthread_mutex_lock(&lv->mu);
    while (!tk->full && !lv->stop && tk->epoch == epoch)
        pthread_cond_wait(&lv->cond, &lv->mu);
    bool ok = tk->full && !lv->stop && tk->epoch == epoch;
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
    uint64_t epoch = tk->epoch; /* read before the thread is reported started */
    struct live_trigger t;
    if (node_cfg(lv, tk->node)->run_at_start && live_wait_until(lv, tk->up_at)) {
        t = live_trigger_new(lv, tk->node, tk->up_at, false);
        live_dispatch(lv, &t, true);
    }
    while (ticker_receive(lv, tk, epoch, &t))
        live_dispatch(lv, &t, true);
    return NULL;
}

/* Spring's single scheduler thread: fixed-rate or fixed-delay. */
static void *spring_loop(void *arg)
{
    struct live_ticker *tk = arg;
    struct live *lv = tk->lv;
    const struct config *c = node_cfg(lv, tk->node);
    uint64_t epoch = tk->epoch;
    sim_time due = tk->up_at + first_due(c);
    while (due < lv->end && live_wait_until(lv, due) && !stale(lv, tk, epoch)) {
        struct live_trigger t = live_trigger_new(lv, tk->node, due, false);
        live_dispatch(lv, &t, true);
        sim_time now = live_now(lv);
        due = c->sched == SCHED_FIXED_RATE ? due + c->interval : now + c->interval;
    }
    return NULL;
}

/*
 * cron: one second past each matching minute of the node's wall clock
 * (cronie wakes at second 1), every firing a process of its own (the
 * node's worker forks it). The simulator's catch-up after a late wake-up
 * or a clock jump (sched_cron.c) has no counterpart here: live, cron is
 * never late and the node's clock does not jump.
 */
static sim_time live_cron_next(struct live *lv, int node, sim_time after)
{
    const struct config *c = node_cfg(lv, node);
    sim_time skew = lv->opt->skew;
    int64_t m = node_clock_minute(after + skew - SIM_S);
    for (int i = 0; i < 8 * 366 * 24 * 60; i++) /* cron_parse guarantees a match within years */
        if (cron_matches(&c->cron, ++m) && m * SIM_MIN + SIM_S - skew > after)
            return m * SIM_MIN + SIM_S - skew;
    return lv->end;
}

static void cron_fire(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    if (stale(lv, tk, tag) || gated(lv, tk, tk->next, cron_fire, tag))
        return;
    /* after a pause every missed minute fires at once, in order (cronie's late wake-up) */
    struct live_trigger t = live_trigger_new(lv, tk->node, tk->next, false);
    tk->next = live_cron_next(lv, tk->node, tk->next);
    push_node(lv, tk->next, cron_fire, tk);
    live_dispatch(lv, &t, false);
}

static void manual_fire(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_ticker *tk = arg;
    if (stale(lv, tk, tag) || gated(lv, tk, tk->manual_next, manual_fire, tag))
        return;
    sim_time now = fire_time(lv, tk, tk->manual_next); /* requests wait out a pause */
    struct live_trigger t = live_trigger_new(lv, tk->node, now, true);
    tk->manual_next = now + dist_sample(&node_cfg(lv, tk->node)->manual, &lv->rng_manual);
    push_node(lv, tk->manual_next, manual_fire, tk);
    live_dispatch(lv, &t, false);
}

/*
 * The fault timeline: manual runs and slow APIs here, the node faults in
 * nodefault.c (pause, crash and restart, clock steps).
 */
static void fault_begin(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    const struct fault_spec *f = arg;
    switch (f->kind) {
    case FAULT_MANUAL_RUN: {
        /* on the node it names, as the simulator's (default: the first) */
        struct live_trigger t =
            live_trigger_new(lv, f->node_idx >= 0 ? f->node_idx : 0, (sim_time)tag, true);
        live_trace(lv, -1, 0, "fault", "manual-run");
        live_dispatch(lv, &t, false);
        break;
    }
    case FAULT_API_SLOW:
        live_trace(lv, -1, 0, "fault", "api-slow begins");
        break;
    case FAULT_PAUSE:
    case FAULT_CRASH:
        live_node_fault(lv, f);
        break;
    case FAULT_DB_CONTENTION:
    case FAULT_DB_OUTAGE:
    case FAULT_DB_DISCONNECT:
    case FAULT_DB_SLOW_REPLY:
        live_db_fault_begin(lv, f);
        break;
    case FAULT_CLOCK_STEP:
        if (f->target != FT_DATABASE)
            live_node_fault(lv, f);
        else
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
    char d[64], t[TIME_FMT_LEN];
    live_db_fault_end(ctx, f); /* database windows; it ignores other kinds */
    snprintf(d, sizeof(d), "%s after %s", fault_kind_name(f->kind), time_format(f->dur, t));
    live_trace(ctx, f->node_idx, 0, "fault-end", d);
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
    for (;;) {
        /* the next timer, or the end: a fault at a point of a run may still set one */
        sim_time at = evq_empty(&lv->q) ? lv->end : evq_next_time(&lv->q);
        int w = live_dispatcher_wait(lv, at < lv->end ? at : lv->end);
        if (w < 0)
            continue; /* timers came: look again */
        if (w == 0 || at >= lv->end)
            break;
        live_gate_open(lv);
        while (!evq_empty(&lv->q) && evq_next_time(&lv->q) == at && evq_pop(&lv->q, &ev))
            ev.fn(lv, ev.arg, ev.tag);
        live_gate_release(lv);
    }
    /*
     * Outlive the run: a worker this thread restarted dies with it
     * (PR_SET_PDEATHSIG follows the thread that forked, not the process).
     */
    while (live_wait(lv, env_live_mono() + 1000000000))
        ;
    return NULL;
}

static int start_loop(struct live *lv, void *(*fn)(void *), struct live_ticker *tk)
{
    if (lv->nloops == LIVE_MAX_LOOPS) {
        live_fail(lv, -EAGAIN, "more than %d scheduler loops (restarts) in one run",
                  LIVE_MAX_LOOPS);
        return -EAGAIN;
    }
    int rc = pthread_create(&lv->loops[lv->nloops], NULL, fn, tk);
    if (rc) {
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
        return -rc;
    }
    lv->nloops++;
    return 0;
}

/* Starts node i's scheduler at now, as the simulator's sched_start: a fresh phase. */
static int node_start(struct live *lv, int i, sim_time now)
{
    const struct config *c = node_cfg(lv, i);
    struct live_ticker *tk = &lv->tickers[i];
    tk->up_at = now;
    tk->next = tk->start = now + first_due(c);
    int rc = 0;
    if (c->sched == SCHED_QUARTZ || c->sched == SCHED_K8S || c->sched == SCHED_SYSTEMD) {
        live_fail(lv, -ENOTSUP,
                  "schedule.kind = quartz, k8s-cronjob and systemd-timer are simulated only");
        return -ENOTSUP;
    }
    if (c->misfire != MISFIRE_DEFAULT || c->persistent) { /* the real ones catch up their way */
        live_fail(lv, -ENOTSUP, "schedule.misfire and schedule.persistent are simulated only");
        return -ENOTSUP;
    }
    if (c->sched == SCHED_CRON) {
        /* at time 0 cron has been up a while: minute 0's firing is still to come */
        tk->next = live_cron_next(lv, i, now - 1);
        push_node(lv, tk->next, cron_fire, tk);
    } else if (c->dispatch == DISPATCH_SPAWN) {
        if (c->sched == SCHED_TICKER && c->run_at_start)
            push_node(lv, now, spawn_start, tk);
        push_node(lv, tk->next, periodic_spawn, tk);
    } else if (c->sched == SCHED_TICKER) {
        push_node(lv, tk->next, ticker_fire, tk);
        rc = start_loop(lv, ticker_loop, tk);
    } else {
        rc = start_loop(lv, spring_loop, tk);
    }
    if (!rc && c->manual.kind != DIST_NONE) {
        tk->manual_next = now + dist_sample(&c->manual, &lv->rng_manual);
        push_node(lv, tk->manual_next, manual_fire, tk);
    }
    return rc;
}

void live_sched_node_down(struct live *lv, int node)
{
    pthread_mutex_lock(&lv->mu);
    lv->tickers[node].down = true;
    lv->tickers[node].epoch++;
    pthread_cond_broadcast(&lv->cond); /* its loop, if any, winds up */
    pthread_mutex_unlock(&lv->mu);
}

void live_sched_node_up(struct live *lv, int node, sim_time at)
{
    pthread_mutex_lock(&lv->mu);
    lv->tickers[node].down = false;
    lv->tickers[node].full = false; /* Go's channel is new with the process */
    pthread_mutex_unlock(&lv->mu);
    node_start(lv, node, at);
}

int live_sched_start(struct live *lv)
{
    const struct model *m = lv->model;
    if (live_faults_check(lv) != 0)
        return -ENOTSUP;
    /* every clock at the start, in node order, as the simulator's trace has them */
    for (int i = 0; i < m->nnodes; i++)
        live_trace_clock(lv, i, lv->remote && lv->workers ? lv->workers[i].skew : lv->opt->skew);
    live_trace_clock(lv, -1, live_db_clock_offset(lv));
    for (int i = 0; i < m->nnodes; i++) {
        lv->tickers[i] = (struct live_ticker){.lv = lv, .node = i};
        int rc = node_start(lv, i, 0);
        if (rc)
            return rc;
    }
    for (int i = 0; i < m->ntriggers; i++) /* explicit manual requests ([trigger N]) */
        if (m->triggers[i].manual &&
            evq_push(&lv->q, m->triggers[i].at, explicit_manual, NULL, (uint64_t)m->triggers[i].at))
            live_fail(lv, -ENOMEM, "out of memory");
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *f = &m->fault[i];
        if (fault_at_point(f) && f->kind != FAULT_MANUAL_RUN)
            continue; /* runs meet it at its point (live_point) */
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
