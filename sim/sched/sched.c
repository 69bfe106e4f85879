/*
 * Schedulers, with the semantics of the real ones.
 *
 * ticker (Go's time.Ticker): ticks on the grid first + k*interval. The
 * channel holds one tick; a tick that finds it full is dropped. With inline
 * dispatch the loop runs the job itself (the seed's `case <-ticker.C:
 * e.runPipeline()`), so a long cycle delays the loop, the one kept tick is
 * received as soon as it ends (the next cycle starts at once) and the rest
 * are coalesced. Go 1.23 made the channel synchronous, but a late receiver
 * still gets the pending tick at once and later ticks stay on the grid
 * (runtime/time.go: t.when += t.period * (1 + -delta/t.period)).
 * With spawn dispatch each tick starts its own run (`go runPipeline()`).
 *
 * fixed-rate (Spring @Scheduled(fixedRate) on its default single thread,
 * i.e. ScheduledThreadPoolExecutor.scheduleAtFixedRate): the next run is due
 * at the previous due time + period, never concurrently; runs that fall
 * behind start late, back to back, until caught up. With spawn dispatch every
 * due time starts its own run (Spring's SimpleAsyncTaskScheduler on virtual
 * threads).
 *
 * fixed-delay (@Scheduled(fixedDelay)): the next run is due a delay after the
 * previous one ended.
 *
 * schedule.manual adds a second source: requests at random times, each on
 * its own thread (an HTTP handler), beside any scheduler.
 *
 * Each node runs its own scheduler (every replica has its @Scheduled), first
 * due after its own random phase (schedule.phase). Timers here use the
 * monotonic clock: a node's wall-clock skew does not move them, a pause
 * delays them (a stopped process fires late), and a crash stops them until
 * the node restarts. cron, which reads the wall clock, is in sched_cron.c.
 *
 * Slots found due at once (after a pause, an overrun, or a restart of a
 * persistent schedule) go through misfire_step: by default the ticker
 * coalesces them (a late tick fires, the missed ones are dropped) and the
 * fixed rate bursts (SPR-13885: every execution missed during a host's
 * sleep runs back to back on wake-up); schedule.misfire changes that. A
 * restart starts these in-memory schedules afresh unless schedule.persistent
 * keeps the grid and its next slot.
 *
 * quartz (a SimpleTrigger on a job annotated @DisallowConcurrentExecution,
 * RAMJobStore/JobStoreSupport): slots on the grid start + k*interval. While
 * the job runs its trigger is BLOCKED and keeps one pending fire time; when
 * the run ends the trigger is looked at again. Late by less than the misfire
 * threshold, it fires at once, and its next time is the next slot after the
 * one it stood for (so a slow job fires back to back, a bounded burst);
 * late by the threshold or more it misfired: coalesce fires once now and
 * continues after now (CronTrigger's smart policy, FIRE_ONCE_NOW), skip
 * waits for the next slot after now (DO_NOTHING; SimpleTrigger's smart
 * policy when repeating forever), burst is never treated as misfired
 * (IGNORE_MISFIRE_POLICY) and fires every missed slot, so its lateness grows
 * without bound when runs outlast the period. It queues, never skips on its
 * own, and never overlaps. A restart starts the trigger afresh (RAMJobStore)
 * unless persistent (a JDBC JobStore: the trigger's next fire time is in the
 * database, and the misfire policy applies to it at start-up).
 */
#include "sched.h"
#include "../base/mem.h"
#include "../work/export.h"
#include "../work/job.h"
#include "misfire.h"

/* The first tick or run, counted from the scheduler's start. */
static sim_time first_due(const struct config *c)
{
    if (c->first_at >= 0)
        return c->first_at;
    return c->sched == SCHED_TICKER ? c->interval : 0;
}

/* The pending grid slot is due: fire it, or catch up by the misfire policy,
 * counting the slots dropped and saying which it did (fire_msg, wait_msg). */
static struct misfire_step grid_step(struct sim *s, struct ticker *tk, const char *fire_msg,
                                     const char *wait_msg)
{
    const struct config *c = tk->node->cfg;
    struct misfire_step st = misfire_step(c, misfire_policy(c), tk->start, tk->next, s->now);
    for (int64_t i = 0; i < st.dropped; i++)
        checker_coalesce(&s->chk);
    if (st.missed)
        sim_tracef(s, tk->node, 0, "coalesce", "%s", st.fire ? fire_msg : wait_msg);
    tk->next = st.next;
    return st;
}

/* The ticker or fixed rate found its pending slot due. Returns whether a run starts now. */
static bool grid_fire(struct sim *s, struct ticker *tk)
{
    return grid_step(s, tk, "missed ticks: fire once now", "missed ticks: wait for the next").fire;
}

/* When the event for the pending slot goes off: a burst's slots are all
 * past, and an event may not be scheduled before now (time would go back). */
static sim_time pending_at(const struct sim *s, const struct ticker *tk)
{
    return tk->next > s->now ? tk->next : s->now;
}

/* A tick or due time on the grid, with spawn dispatch: each starts a run. */
static void periodic_spawn(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct ticker *tk = arg;
    if (sim_node_gate(s, tk->node, periodic_spawn, arg, tag))
        return;
    if (!grid_fire(s, tk)) {
        sim_at(s, pending_at(s, tk), periodic_spawn, tk, tag);
        return;
    }
    struct trigger t = sim_trigger_new(s, tk->node, s->now, false);
    sim_at(s, pending_at(s, tk), periodic_spawn, tk, tag);
    sim_spawn_job(s, tk->node, &t);
}

/* A tick of Go's ticker with inline dispatch: deliver, keep or drop. */
static void ticker_fire(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct ticker *tk = arg;
    if (sim_node_gate(s, tk->node, ticker_fire, arg, tag))
        return;
    bool fire = grid_fire(s, tk);
    sim_at(s, pending_at(s, tk), ticker_fire, tk, tag);
    if (!fire)
        return;
    struct trigger t = sim_trigger_new(s, tk->node, s->now, false);
    if (tk->receiver) {
        struct actor *r = tk->receiver;
        tk->receiver = NULL;
        r->slot = NULL;
        r->trig = t;
        sim_actor_start(s, r);
    } else if (!tk->slot_full) {
        tk->slot = t;
        tk->slot_full = true;
    } else {
        checker_coalesce(&s->chk);
        sim_tracef(s, tk->node, 0, "coalesce", "tick dropped: channel full");
    }
}

/* <-ticker.C */
static struct trigger ticker_receive(struct actor *a, struct ticker *tk)
{
    if (tk->slot_full) {
        tk->slot_full = false;
        return tk->slot;
    }
    tk->receiver = a;
    a->slot = &tk->receiver;
    sim_park(a);
    return a->trig;
}

static void ticker_loop(struct actor *a)
{
    struct ticker *tk = a->ctx;
    const struct config *c = a->node->cfg;
    if (c->run_at_start) {
        struct trigger t = sim_trigger_new(a->sim, a->node, a->sim->now, false);
        sim_job_run(a, &t);
    }
    while (!a->killed && !a->interrupted) {
        struct trigger t = ticker_receive(a, tk);
        if (a->killed)
            break;
        sim_job_run(a, &t);
    }
}

/*
 * One thread walks the grid start + k*interval and runs each slot itself,
 * never two at once: Spring's fixed rate on its single scheduler thread, and
 * Quartz's blocked trigger. A slot found due late is fired or caught up by
 * misfire_step (fixed rate: burst by default; quartz: coalesce, past its
 * 60 s threshold).
 */
static void grid_loop(struct actor *a)
{
    struct sim *s = a->sim;
    struct ticker *tk = a->ctx;
    while (!a->killed && !a->interrupted) {
        if (tk->next > s->now)
            sim_sleep(a, tk->next - s->now);
        if (a->killed)
            break;
        struct misfire_step st =
            grid_step(s, tk, "misfire: fire once now", "misfire: wait for the next slot");
        if (!st.fire)
            continue;
        struct trigger t = sim_trigger_new(s, a->node, st.slot, false);
        sim_job_run(a, &t);
    }
}

/* Spring's fixed delay: the next run is due a delay after the previous one
 * ended, so at most one run is ever pending: coalesce and burst run it late,
 * skip drops it and waits for the delay's next beat after now. */
static void delay_loop(struct actor *a)
{
    struct sim *s = a->sim;
    const struct config *c = a->node->cfg;
    struct ticker *tk = a->ctx;
    enum misfire p = misfire_policy(c);
    while (!a->killed && !a->interrupted) {
        if (tk->next > s->now)
            sim_sleep(a, tk->next - s->now);
        if (a->killed)
            break;
        if (p == MISFIRE_SKIP && misfire_missed(c, p, s->now - tk->next)) {
            checker_coalesce(&s->chk);
            sim_tracef(s, a->node, 0, "coalesce", "misfire: wait for the next slot");
            tk->next = misfire_grid_after(tk->next, c->interval, s->now);
            continue;
        }
        struct trigger t = sim_trigger_new(s, a->node, tk->next, false);
        sim_job_run(a, &t);
        tk->next = s->now + c->interval;
    }
}

static void manual_fire(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct node *n = arg;
    if (sim_node_gate(s, n, manual_fire, arg, tag)) /* requests wait out a pause */
        return;
    struct trigger t = sim_trigger_new(s, n, s->now, true);
    sim_at(s, s->now + dist_sample(&n->cfg->manual, &s->rng_manual), manual_fire, n, tag);
    sim_spawn_job(s, n, &t);
}

static void spawn_start(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct ticker *tk = arg;
    if (sim_node_gate(s, tk->node, spawn_start, arg, tag))
        return;
    struct trigger t = sim_trigger_new(s, tk->node, s->now, false);
    sim_spawn_job(s, tk->node, &t);
}

/* The ticker family (ticker, fixed-rate, fixed-delay, Quartz): their timers
 * run on the grid kept in the node's ticker state. */
static void periodic_boot(struct sim *s, struct node *n)
{
    const struct config *c = n->cfg;
    struct ticker *tk = &sched_node(s, n)->tk;
    uint64_t ep = n->epoch;
    sim_time at = pending_at(s, tk);
    if (c->dispatch == DISPATCH_SPAWN) {
        if (c->sched == SCHED_TICKER && c->run_at_start)
            sim_at(s, s->now, spawn_start, tk, ep);
        sim_at(s, at, periodic_spawn, tk, ep);
    } else if (c->sched == SCHED_TICKER) {
        struct actor *a = sim_actor_new(s, n, ticker_loop);
        if (!a)
            return;
        a->ctx = tk;
        sim_actor_start_at(s, a, s->now);
        sim_at(s, at, ticker_fire, tk, ep);
    } else {
        struct actor *a =
            sim_actor_new(s, n, c->sched == SCHED_FIXED_DELAY ? delay_loop : grid_loop);
        if (!a)
            return;
        a->ctx = tk;
        sim_actor_start_at(s, a, s->now);
    }
}

static const struct sched_type sched_ticker_type = {SCHED_TICKER, periodic_boot, NULL},
                               sched_fixed_rate_type = {SCHED_FIXED_RATE, periodic_boot, NULL},
                               sched_fixed_delay_type = {SCHED_FIXED_DELAY, periodic_boot, NULL},
                               sched_quartz_type = {SCHED_QUARTZ, periodic_boot, NULL};

/* Every scheduler kind, looked up by enum sched as guards are by name. */
static const struct sched_type *const sched_types[] = {
    &sched_ticker_type, &sched_fixed_rate_type, &sched_fixed_delay_type, &sched_cron_type,
    &sched_quartz_type, &sched_k8s_type,        &sched_systemd_type,
};

static const struct sched_type *sched_type_of(const struct node *n)
{
    for (size_t i = 0; i < sizeof(sched_types) / sizeof(sched_types[0]); i++)
        if (sched_types[i]->kind == (int)n->cfg->sched)
            return sched_types[i];
    return &sched_ticker_type;
}

static void sched_start(struct sim *s, struct node *n)
{
    const struct config *c = n->cfg;
    struct ticker *tk = &sched_node(s, n)->tk;
    if (!(c->persistent && tk->begun)) { /* in memory: a restart starts afresh */
        sim_time first = s->now + first_due(c) + n->phase;
        *tk = (struct ticker){.sim = s, .node = n, .start = first, .next = first, .begun = true};
    } else { /* the grid and its next slot survived; the channel did not */
        tk->slot_full = false;
        tk->receiver = NULL;
    }
    sched_type_of(n)->boot(s, n);
    if (c->manual.kind != DIST_NONE)
        sim_at(s, s->now + dist_sample(&c->manual, &s->rng_manual), manual_fire, n, n->epoch);
}

static void sched_job_done(struct sim *s, struct node *n, bool manual)
{
    const struct sched_type *k = sched_type_of(n);
    if (k->job_done)
        k->job_done(s, n, manual);
}

static const struct sim_sched_ops sched_ops = {.start = sched_start, .job_done = sched_job_done};

static int sched_part_init(struct sim *s)
{
    s->sched = &sched_ops;
    s->sched_state = mem_calloc((size_t)s->nnodes, sizeof(struct sched_node));
    return s->sched_state ? 0 : -ENOMEM;
}

/* Boots every node's scheduler, unless the event store runs its own timers. */
static int sched_part_start(struct sim *s)
{
    if (!export_owns_schedule(s))
        for (int i = 0; i < s->nnodes; i++)
            sched_start(s, &s->node[i]);
    return 0;
}

static void sched_part_release(struct sim *s)
{
    mem_free(s->sched_state);
}

const struct sim_part sched_part = {
    .init = sched_part_init, .start = sched_part_start, .release = sched_part_release};
