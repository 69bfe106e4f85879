/*
 * Schedulers, with the semantics of the real ones. The ticker family's
 * decisions are written once in sched_loop.h, which live mode runs too;
 * this file gives them the simulator's primitives.
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

/*
 * The simulator's side of sched_loop.h: timers are sim_at events whose arg
 * is the node's struct ticker, loops are fiber actors (a->ctx the ticker,
 * a->trig the trigger they run), the channel needs no lock (one thread of
 * control), and a parked loop is started as soon as a tick is kept for it.
 */
static void sim_loop_spawn_tick(void *ctx, void *arg, uint64_t tag);
static void sim_loop_ticker_tick(void *ctx, void *arg, uint64_t tag);
static void sim_loop_start_tick(void *ctx, void *arg, uint64_t tag);
static void sim_loop_manual_tick(void *ctx, void *arg, uint64_t tag);

static inline struct ticker *owner(struct sched_loop *l)
{
    return l->owner;
}

static void sim_loop_at(struct sched_loop *l, sim_time at, evq_fn fn)
{
    struct ticker *tk = owner(l);
    sim_at(tk->sim, at, fn, tk, tk->node->epoch);
}

static bool sim_loop_hold(struct sched_loop *l, sim_time due, evq_fn fn, uint64_t tag)
{
    (void)due; /* the event fires at the time it is for, a pause's end if it held it */
    struct ticker *tk = owner(l);
    return sim_node_gate(tk->sim, tk->node, fn, tk, tag);
}

static sim_time sim_loop_fire_time(struct sched_loop *l, sim_time due)
{
    (void)due;
    return owner(l)->sim->now;
}

static sim_time sim_loop_now(struct sched_loop *l)
{
    return owner(l)->sim->now;
}

static struct prng *sim_loop_rng_manual(struct sched_loop *l)
{
    return &owner(l)->sim->rng_manual;
}

static void ticker_loop(struct actor *a);
static void grid_loop(struct actor *a);
static void delay_loop(struct actor *a);

static int sim_loop_start(struct sched_loop *l, enum sched_loop_kind k)
{
    struct ticker *tk = owner(l);
    struct actor *a = sim_actor_new(tk->sim, tk->node,
                                    k == SCHED_LOOP_TICKER  ? ticker_loop
                                    : k == SCHED_LOOP_DELAY ? delay_loop
                                                            : grid_loop);
    if (!a)
        return -ENOMEM; /* sim->error says why */
    a->ctx = tk;
    sim_actor_start_at(tk->sim, a, tk->sim->now);
    return 0;
}

static void sim_loop_spawn(struct sched_loop *l, sim_time at, bool manual)
{
    struct ticker *tk = owner(l);
    struct trigger t = sim_trigger_new(tk->sim, tk->node, at, manual);
    sim_spawn_job(tk->sim, tk->node, &t);
}

static void sim_loop_tick(struct sched_loop *l, sim_time at, bool keep)
{
    struct ticker *tk = owner(l);
    struct trigger t = sim_trigger_new(tk->sim, tk->node, at, false);
    if (!keep)
        return;
    tk->slot = t;
    if (tk->receiver) { /* the parked loop receives it at once (the handler's last act) */
        struct actor *r = tk->receiver;
        tk->receiver = NULL;
        r->slot = NULL;
        sim_actor_start(tk->sim, r);
    }
}

static void sim_loop_coalesce(struct sched_loop *l, const char *why)
{
    struct ticker *tk = owner(l);
    checker_coalesce(&tk->sim->chk);
    if (why)
        sim_tracef(tk->sim, tk->node, 0, "coalesce", "%s", why);
}

static void sim_loop_missed(struct sched_loop *l, const char *what)
{
    struct ticker *tk = owner(l);
    sim_tracef(tk->sim, tk->node, 0, "coalesce", "%s", what);
}

static void sim_loop_nolock(struct sched_loop *l)
{
    (void)l;
}

static bool sim_loop_alive(struct sched_loop *l, void *loop)
{
    (void)l;
    const struct actor *a = loop;
    return !a->killed && !a->interrupted;
}

static bool sim_loop_receiving(struct sched_loop *l, void *loop)
{
    (void)l;
    return !((const struct actor *)loop)->killed;
}

/* Parks as the channel's receiver; a kill clears it (a->slot) and wakes it. */
static void sim_loop_wait(struct sched_loop *l, void *loop)
{
    struct ticker *tk = owner(l);
    struct actor *a = loop;
    tk->receiver = a;
    a->slot = &tk->receiver;
    sim_park(a);
}

static bool sim_loop_sleep_until(struct sched_loop *l, void *loop, sim_time at)
{
    struct actor *a = loop;
    sim_time now = owner(l)->sim->now;
    if (at > now)
        sim_sleep(a, at - now);
    return !a->killed;
}

static void sim_loop_take(struct sched_loop *l, void *loop)
{
    ((struct actor *)loop)->trig = owner(l)->slot;
}

static void sim_loop_run(struct sched_loop *l, void *loop, sim_time at)
{
    struct actor *a = loop;
    a->trig = sim_trigger_new(a->sim, a->node, at, false);
    sim_job_run(a, &a->trig);
    (void)l;
}

static void sim_loop_run_taken(struct sched_loop *l, void *loop)
{
    struct actor *a = loop;
    sim_job_run(a, &a->trig);
    (void)l;
}

static const struct sched_loop_env sim_loop_env = {
    .spawn_tick = sim_loop_spawn_tick,
    .ticker_tick = sim_loop_ticker_tick,
    .start_tick = sim_loop_start_tick,
    .manual_tick = sim_loop_manual_tick,
    .at = sim_loop_at,
    .hold = sim_loop_hold,
    .fire_time = sim_loop_fire_time,
    .now = sim_loop_now,
    .rng_manual = sim_loop_rng_manual,
    .loop_start = sim_loop_start,
    .spawn = sim_loop_spawn,
    .tick = sim_loop_tick,
    .coalesce = sim_loop_coalesce,
    .missed = sim_loop_missed,
    .lock = sim_loop_nolock,
    .unlock = sim_loop_nolock,
    .alive = sim_loop_alive,
    .receiving = sim_loop_receiving,
    .wait = sim_loop_wait,
    .sleep_until = sim_loop_sleep_until,
    .take = sim_loop_take,
    .run = sim_loop_run,
    .run_taken = sim_loop_run_taken,
};

static void sim_loop_spawn_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_spawn_tick(&sim_loop_env, &((struct ticker *)arg)->l, tag);
}

static void sim_loop_ticker_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_ticker_tick(&sim_loop_env, &((struct ticker *)arg)->l, tag);
}

static void sim_loop_start_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_start_tick(&sim_loop_env, &((struct ticker *)arg)->l, tag);
}

static void sim_loop_manual_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx;
    sched_loop_manual_tick(&sim_loop_env, &((struct ticker *)arg)->l, tag);
}

static void ticker_loop(struct actor *a)
{
    sched_loop_ticker_run(&sim_loop_env, &((struct ticker *)a->ctx)->l, a);
}

static void grid_loop(struct actor *a)
{
    sched_loop_grid_run(&sim_loop_env, &((struct ticker *)a->ctx)->l, a);
}

static void delay_loop(struct actor *a)
{
    sched_loop_delay_run(&sim_loop_env, &((struct ticker *)a->ctx)->l, a);
}

/* The ticker family (ticker, fixed-rate, fixed-delay, Quartz): sched_loop.h's. */
static void periodic_boot(struct sim *s, struct node *n)
{
    sched_loop_boot(&sim_loop_env, &sched_node(s, n)->tk.l);
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
    bool keep = c->persistent && tk->begun; /* else in memory: a restart starts afresh */
    tk->sim = s;
    tk->node = n;
    tk->begun = true;
    tk->receiver = NULL; /* the channel did not survive */
    sched_loop_begin(&tk->l, tk, c, s->now, n->phase, keep);
    sched_type_of(n)->boot(s, n);
    sched_loop_manual_boot(&sim_loop_env, &tk->l);
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
