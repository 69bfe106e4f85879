/*
 * Schedulers in real time. The ticker family (Go's ticker with its one-slot
 * channel, Spring's fixed-rate and fixed-delay loops, manual requests) runs
 * the simulator's own code, sched/sched_loop.h, on the primitives below;
 * so does cron's daemon (sched/cron_loop.h); the fault timeline is here.
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

#include "../faults/point.h"
#include "../sched/cron_loop.h"
#include "live_impl.h"

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

/* Is this timer or loop from a life of the node before its last crash? */
static bool stale(struct live *lv, struct live_ticker *tk, uint64_t epoch)
{
    pthread_mutex_lock(&lv->mu);
    bool gone = tk->epoch != epoch || tk->down;
    pthread_mutex_unlock(&lv->mu);
    return gone;
}

/*
 * Live mode's side of sched_loop.h: timers are events of the dispatcher's
 * queue whose arg is the node's struct live_ticker (only the dispatcher
 * thread runs them), loops are threads (struct live_loop) that wait on the
 * run's clock, and the channel is guarded by mu, which the loop waits on.
 */
static void live_loop_spawn_tick(void *ctx, void *arg, uint64_t tag);
static void live_loop_ticker_tick(void *ctx, void *arg, uint64_t tag);
static void live_loop_start_tick(void *ctx, void *arg, uint64_t tag);
static void live_loop_manual_tick(void *ctx, void *arg, uint64_t tag);
static int start_loop(struct live_ticker *tk, enum sched_loop_kind k);

static inline struct live_ticker *owner(struct sched_loop *l)
{
    return l->owner;
}

static void live_loop_at(struct sched_loop *l, sim_time at, evq_fn fn)
{
    push_node(owner(l)->lv, at, fn, owner(l));
}

static bool live_loop_hold(struct sched_loop *l, sim_time due, evq_fn fn, uint64_t tag)
{
    struct live_ticker *tk = owner(l);
    return stale(tk->lv, tk, tag) || gated(tk->lv, tk, due, fn, tag);
}

static sim_time live_loop_fire_time(struct sched_loop *l, sim_time due)
{
    return fire_time(owner(l)->lv, owner(l), due);
}

static sim_time live_loop_now(struct sched_loop *l)
{
    return live_now(owner(l)->lv);
}

static struct prng *live_loop_rng_manual(struct sched_loop *l)
{
    return &owner(l)->lv->rng_manual;
}

static int live_loop_start(struct sched_loop *l, enum sched_loop_kind k)
{
    return start_loop(owner(l), k);
}

static void live_loop_spawn(struct sched_loop *l, sim_time at, bool manual)
{
    struct live_ticker *tk = owner(l);
    struct live_trigger t = live_trigger_new(tk->lv, tk->node, at, manual);
    live_dispatch(tk->lv, &t, false);
}

/*
 * Under mu (a thread may take rec while holding it). A loop parked in
 * receive takes the tick at once, as the simulator's does (the runtime hands
 * it over): the dispatcher waits until it has, so a second tick of the same
 * instant finds the channel empty, not full.
 */
static void live_loop_tick(struct sched_loop *l, sim_time at, bool keep)
{
    struct live_ticker *tk = owner(l);
    struct live *lv = tk->lv;
    struct live_trigger t = live_trigger_new(lv, tk->node, at, false);
    if (!keep)
        return;
    tk->slot = t;
    pthread_cond_broadcast(&lv->cond);
    while (tk->parked && l->full && !lv->stop)
        pthread_cond_wait(&lv->cond, &lv->mu);
}

/* Every slot dropped is a `coalesce` row of its own here. */
static void live_loop_coalesce(struct sched_loop *l, const char *why)
{
    (void)why;
    live_record_coalesce(owner(l)->lv, owner(l)->node);
}

static void live_loop_missed(struct sched_loop *l, const char *what)
{
    (void)l, (void)what; /* the coalesce rows of the slots dropped say it */
}

static void live_loop_lock(struct sched_loop *l)
{
    pthread_mutex_lock(&owner(l)->lv->mu);
}

static void live_loop_unlock(struct sched_loop *l)
{
    pthread_mutex_unlock(&owner(l)->lv->mu);
}

static bool live_loop_alive(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop; /* its waits say when it ends */
    return true;
}

static bool live_loop_receiving(struct sched_loop *l, void *loop)
{
    const struct live_loop *lp = loop;
    return !owner(l)->lv->stop && owner(l)->epoch == lp->epoch;
}

static void live_loop_wait(struct sched_loop *l, void *loop)
{
    struct live_ticker *tk = owner(l);
    bool mine = ((struct live_loop *)loop)->epoch == tk->epoch; /* this life's loop */
    tk->parked = mine;
    pthread_cond_wait(&tk->lv->cond, &tk->lv->mu);
    if (mine)
        tk->parked = false;
}

static bool live_loop_sleep_until(struct sched_loop *l, void *loop, sim_time at)
{
    struct live_loop *lp = loop;
    struct live *lv = owner(l)->lv;
    if (at >= lv->end || !live_wait_until(lv, at))
        return false;
    /* the loop is a thread of the node's process, stopped with it: it wakes when continued */
    for (sim_time until;
         lv->remote && (until = lv->workers[lp->tk->node].paused_until) > live_now(lv);)
        if (!live_wait_until(lv, until))
            return false;
    return !stale(lv, lp->tk, lp->epoch);
}

static void live_loop_take(struct sched_loop *l, void *loop)
{
    ((struct live_loop *)loop)->t = owner(l)->slot;
    pthread_cond_broadcast(&owner(l)->lv->cond); /* a dispatcher handing it over goes on */
}

static void live_loop_run(struct sched_loop *l, void *loop, sim_time at)
{
    (void)loop;
    struct live_ticker *tk = owner(l);
    struct live_trigger t = live_trigger_new(tk->lv, tk->node, at, false);
    live_dispatch(tk->lv, &t, true);
}

static void live_loop_run_taken(struct sched_loop *l, void *loop)
{
    live_dispatch(owner(l)->lv, &((struct live_loop *)loop)->t, true);
}

static const struct sched_loop_env live_loop_env = {
    .spawn_tick = live_loop_spawn_tick,
    .ticker_tick = live_loop_ticker_tick,
    .start_tick = live_loop_start_tick,
    .manual_tick = live_loop_manual_tick,
    .at = live_loop_at,
    .hold = live_loop_hold,
    .fire_time = live_loop_fire_time,
    .now = live_loop_now,
    .rng_manual = live_loop_rng_manual,
    .loop_start = live_loop_start,
    .spawn = live_loop_spawn,
    .tick = live_loop_tick,
    .coalesce = live_loop_coalesce,
    .missed = live_loop_missed,
    .lock = live_loop_lock,
    .unlock = live_loop_unlock,
    .alive = live_loop_alive,
    .receiving = live_loop_receiving,
    .wait = live_loop_wait,
    .sleep_until = live_loop_sleep_until,
    .take = live_loop_take,
    .run = live_loop_run,
    .run_taken = live_loop_run_taken,
};

static void live_loop_spawn_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_spawn_tick(&live_loop_env, &((struct live_ticker *)arg)->l, tag);
}

static void live_loop_ticker_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_ticker_tick(&live_loop_env, &((struct live_ticker *)arg)->l, tag);
}

static void live_loop_start_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_start_tick(&live_loop_env, &((struct live_ticker *)arg)->l, tag);
}

static void live_loop_manual_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_manual_tick(&live_loop_env, &((struct live_ticker *)arg)->l, tag);
}

/* A loop's thread: the inline ticker receives from its node's channel; grid
 * and delay loops walk their own grid. */
static void *loop_main(void *arg)
{
    struct live_loop *lp = arg;
    if (lp->kind == SCHED_LOOP_TICKER)
        sched_loop_ticker_run(&live_loop_env, &lp->tk->l, lp);
    else if (lp->kind == SCHED_LOOP_DELAY)
        sched_loop_delay_run(&live_loop_env, &lp->l, lp);
    else
        sched_loop_grid_run(&live_loop_env, &lp->l, lp);
    return NULL;
}

/*
 * cron: the simulator's daemon loop (sched/cron_loop.h: cronie's main loop,
 * with its late wake-up after a pause) on a thread of its own, every firing
 * a process of its own (the node's worker forks it). The thread runs only
 * while it holds the baton: the dispatcher hands it over as the loop's
 * timer fires and waits until the loop sleeps again, so the loop reads the
 * time the timer was due (or a pause's end) and its firings join the
 * instant's batch, racing a manual run of the same second from one gate.
 */
static void cron_wake(void *ctx, void *arg, uint64_t tag);

static struct live_loop *cron_of(void *loop)
{
    return loop;
}

static sim_time cron_now(void *loop)
{
    return cron_of(loop)->now;
}

static sim_time cron_local_now(void *loop)
{
    struct live_loop *lp = cron_of(loop);
    struct live *lv = lp->tk->lv;
    int n = lp->tk->node;
    return lp->now + (lv->remote && lv->workers ? lv->workers[n].skew : lv->opt->skew);
}

/* Is the daemon gone: its node crashed, or the run is over? Under mu. */
static bool cron_dead(struct live_loop *lp)
{
    struct live_ticker *tk = lp->tk;
    return tk->lv->stop || tk->epoch != lp->epoch || tk->down;
}

/* Sets its timer and gives the baton back until the timer fires (or the daemon is gone). */
static void cron_sleep(void *loop, sim_time d)
{
    struct live_loop *lp = cron_of(loop);
    struct live *lv = lp->tk->lv;
    pthread_mutex_lock(&lv->mu);
    if (!cron_dead(lp)) {
        lp->wake_at = lp->now + d;
        if (evq_push(&lv->q, lp->wake_at, cron_wake, lp, lp->epoch) != 0) {
            lv->error = lv->error ? lv->error : -ENOMEM;
            lv->stop = true;
        }
    }
    lp->baton = false;
    pthread_cond_broadcast(&lv->cond);
    while (!lp->baton && !cron_dead(lp))
        pthread_cond_wait(&lv->cond, &lv->mu);
    pthread_mutex_unlock(&lv->mu);
}

static bool cron_killed(void *loop)
{
    struct live_loop *lp = cron_of(loop);
    pthread_mutex_lock(&lp->tk->lv->mu);
    bool dead = cron_dead(lp);
    pthread_mutex_unlock(&lp->tk->lv->mu);
    return dead;
}

static bool cron_interrupted(void *loop)
{
    (void)loop; /* live crashes are kill -9 */
    return false;
}

static void cron_spawn(void *loop, sim_time at)
{
    struct live_ticker *tk = cron_of(loop)->tk;
    struct live_trigger t = live_trigger_new(tk->lv, tk->node, at, false);
    live_dispatch(tk->lv, &t, false); /* in the batch the dispatcher has open */
}

static void cron_coalesce(void *loop)
{
    struct live_ticker *tk = cron_of(loop)->tk;
    live_record_coalesce(tk->lv, tk->node);
}

static void cron_note(void *loop, const char *what)
{
    struct live_ticker *tk = cron_of(loop)->tk;
    live_trace(tk->lv, tk->node, 0, "cron", what);
}

static const struct cron_loop_env live_cron_env = {
    .now = cron_now,
    .local_now = cron_local_now,
    .sleep = cron_sleep,
    .killed = cron_killed,
    .interrupted = cron_interrupted,
    .spawn = cron_spawn,
    .coalesce = cron_coalesce,
    .note = cron_note,
};

static void *cron_main(void *arg)
{
    struct live_loop *lp = arg;
    struct live *lv = lp->tk->lv;
    cron_loop_run(&live_cron_env, lp, lp->l.cfg, lp->now == 0);
    pthread_mutex_lock(&lv->mu);
    lp->gone = true;
    lp->baton = false;
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
    return NULL;
}

/* The dispatcher hands the loop the baton at `at` and waits until it sleeps again. */
static void cron_handoff(struct live *lv, struct live_loop *lp, sim_time at)
{
    pthread_mutex_lock(&lv->mu);
    lp->now = at;
    lp->baton = true;
    pthread_cond_broadcast(&lv->cond);
    while (lp->baton && !lp->gone)
        pthread_cond_wait(&lv->cond, &lv->mu);
    pthread_mutex_unlock(&lv->mu);
}

/* The loop's timer: a stopped daemon wakes at the pause's end, late, as cronie would. */
static void cron_wake(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_loop *lp = arg;
    if (stale(lv, lp->tk, tag))
        return;
    sim_time until = lv->remote ? lv->workers[lp->tk->node].paused_until : 0;
    if (until > lp->wake_at && until > live_now(lv)) {
        if (evq_push(&lv->q, until, cron_wake, lp, tag) != 0)
            live_fail(lv, -ENOMEM, "out of memory");
        return;
    }
    cron_handoff(lv, lp, until > lp->wake_at ? until : lp->wake_at);
}

/* Starts the node's cron daemon at now, holding the baton until its first sleep. */
static int cron_start(struct live_ticker *tk, sim_time now)
{
    struct live *lv = tk->lv;
    if (lv->nloops == LIVE_MAX_LOOPS) {
        live_fail(lv, -EAGAIN, "more than %d scheduler loops (restarts) in one run",
                  LIVE_MAX_LOOPS);
        return -EAGAIN;
    }
    struct live_loop *lp = &lv->loop_ctx[lv->nloops];
    *lp = (struct live_loop){
        .tk = tk, .epoch = tk->epoch, .l = tk->l, .cron = true, .baton = true, .now = now};
    int rc = pthread_create(&lv->loops[lv->nloops], NULL, cron_main, lp);
    if (rc) {
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
        return -rc;
    }
    lv->nloops++;
    pthread_mutex_lock(&lv->mu);
    while (lp->baton && !lp->gone)
        pthread_cond_wait(&lv->cond, &lv->mu);
    pthread_mutex_unlock(&lv->mu);
    return 0;
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

/* Set on the dispatcher's thread: its timers go straight into its queue. */
static _Thread_local bool on_dispatcher;

bool live_sched_on_dispatcher(void)
{
    return on_dispatcher;
}

static void *dispatcher_main(void *arg)
{
    struct live *lv = arg;
    on_dispatcher = true;
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

/* Starts tk's loop of kind k on a thread, for the node's current life. */
static int start_loop(struct live_ticker *tk, enum sched_loop_kind k)
{
    struct live *lv = tk->lv;
    if (lv->nloops == LIVE_MAX_LOOPS) {
        live_fail(lv, -EAGAIN, "more than %d scheduler loops (restarts) in one run",
                  LIVE_MAX_LOOPS);
        return -EAGAIN;
    }
    struct live_loop *lp = &lv->loop_ctx[lv->nloops];
    *lp = (struct live_loop){.tk = tk, .epoch = tk->epoch, .kind = k, .l = tk->l};
    int rc = pthread_create(&lv->loops[lv->nloops], NULL, loop_main, lp);
    if (rc) {
        live_fail(lv, -rc, "cannot start a thread: %s", strerror(rc));
        return -rc;
    }
    lv->nloops++;
    return 0;
}

/* Starts node i's scheduler at now, as the simulator's sched_start: a fresh grid. */
static int node_start(struct live *lv, int i, sim_time now)
{
    const struct config *c = node_cfg(lv, i);
    struct live_ticker *tk = &lv->tickers[i];
    if (c->sched == SCHED_QUARTZ || c->sched == SCHED_K8S || c->sched == SCHED_SYSTEMD) {
        live_fail(lv, -ENOTSUP,
                  "schedule.kind = quartz, k8s-cronjob and systemd-timer are simulated only");
        return -ENOTSUP;
    }
    if (c->persistent) { /* a restart here starts the schedule afresh */
        live_fail(lv, -ENOTSUP, "schedule.persistent is simulated only");
        return -ENOTSUP;
    }
    pthread_mutex_lock(&lv->mu); /* the channel's flag: an old life's loop may still look */
    sched_loop_begin(&tk->l, tk, c, now, 0, false);
    pthread_mutex_unlock(&lv->mu);
    int rc = 0;
    if (c->sched == SCHED_CRON) {
        rc = cron_start(tk, now);
    } else {
        rc = sched_loop_boot(&live_loop_env, &tk->l);
    }
    if (!rc)
        sched_loop_manual_boot(&live_loop_env, &tk->l);
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
    lv->tickers[node].down = false; /* Go's channel is new with the process: node_start */
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
        if (fault_point_placed(f) && f->kind != FAULT_MANUAL_RUN)
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
