/*
 * The ticker family's scheduling, written once and run by both backends:
 * the simulator (sched.c: sim_at events, fiber actors, sim_sleep, sim_park)
 * and live mode (sim/live/sched.c: its own event queue run by a dispatcher
 * thread, a pthread per loop, live_wait_until, a condition variable). Here
 * are the decisions: the grid walk with misfire_step, Go's one-slot channel
 * (a tick kept or dropped), run-at-start, fixed rate against fixed delay,
 * manual requests re-armed, a timer put off by a pause or dropped after a
 * crash (cron's daemon loop: cron_loop.h). sched.c and
 * sched_cron.c say which real systems they model.
 *
 * A backend provides a `static const struct sched_loop_env` (below) and
 * passes it to these static inline functions, so the compiler inlines its
 * primitives: no indirect call is left in either build. Each backend keeps
 * a struct sched_loop per node (l->owner is its own per-node state, where
 * its primitives find the node); a loop (ticker, grid, delay) also gets its
 * own context, `loop` (the simulator's actor, live's thread record).
 */
#ifndef SIM_SCHED_LOOP_H
#define SIM_SCHED_LOOP_H

#include "../base/cron.h"
#include "../base/dist.h"
#include "../base/node_clock.h"
#include "../base/time.h"
#include "../core/evq.h"
#include "misfire.h"

/* One node's ticker-family schedule, in the life it began at up_at. */
struct sched_loop {
    void *owner;              /* the backend's per-node scheduler state */
    const struct config *cfg; /* the node's */
    sim_time up_at;           /* when this life began (the boot or a restart) */
    sim_time start;           /* the grid: start + k*interval */
    sim_time next;            /* the next pending slot (fixed delay: the next due time) */
    sim_time manual_next;     /* the next manual request */
    bool full;                /* Go's ticker channel holds a tick (it has one slot) */
};

/* The loops a backend runs on an actor or thread of their own. */
enum sched_loop_kind {
    SCHED_LOOP_TICKER, /* inline ticker: receives from the channel, runs the job itself */
    SCHED_LOOP_GRID,   /* fixed rate (and Quartz): walks the grid, one run at a time */
    SCHED_LOOP_DELAY,  /* fixed delay: due a delay after the previous run ended */
};

/*
 * What a backend provides. Timer events are its evq_fn handlers, each a
 * one-line call of the sched_loop_*_tick function named beside it with the
 * event's owner and tag; `at` pushes one, tagged with the node's current
 * life. The channel's slot and a loop's trigger live in the backend (their
 * types differ); lock/unlock guard l->full and the slot against the loop.
 */
struct sched_loop_env {
    evq_fn spawn_tick, ticker_tick, start_tick, manual_tick; /* its handlers, for `at` */
    void (*at)(struct sched_loop *l, sim_time at, evq_fn fn);
    /* In a timer: true when the event must not fire now (stale after a crash: dropped;
     * the node paused: pushed again for the pause's end). */
    bool (*hold)(struct sched_loop *l, sim_time due, evq_fn fn, uint64_t tag);
    /* In a timer that went off: the time it fires at (its due time, or a pause's end). */
    sim_time (*fire_time)(struct sched_loop *l, sim_time due);
    sim_time (*now)(struct sched_loop *l);
    struct prng *(*rng_manual)(struct sched_loop *l);
    /* Starts loop kind k for this life: 0 or a negative errno (reported by the backend). */
    int (*loop_start)(struct sched_loop *l, enum sched_loop_kind k);
    /* A new trigger at `at`, run on its own (a thread, a process, an actor). */
    void (*spawn)(struct sched_loop *l, sim_time at, bool manual);
    /* A new tick at `at` for the channel, under lock: kept in the slot (a waiting loop
     * woken) or dropped. */
    void (*tick)(struct sched_loop *l, sim_time at, bool keep);
    /* A slot that gets no run; why: its own trace row, if the backend writes one. */
    void (*coalesce)(struct sched_loop *l, const char *why);
    /* Slots were missed and the misfire policy applied (what it did). */
    void (*missed)(struct sched_loop *l, const char *what);
    void (*lock)(struct sched_loop *l);
    void (*unlock)(struct sched_loop *l);
    /* In a loop: may it go on (not killed, not interrupted)? */
    bool (*alive)(struct sched_loop *l, void *loop);
    /* Under lock: may the loop still receive from the channel; and wait for a change. */
    bool (*receiving)(struct sched_loop *l, void *loop);
    void (*wait)(struct sched_loop *l, void *loop);
    /* Sleeps the loop until at: false when it must end (killed, stale, the run is over). */
    bool (*sleep_until)(struct sched_loop *l, void *loop, sim_time at);
    /* Under lock: the channel's tick becomes the loop's. */
    void (*take)(struct sched_loop *l, void *loop);
    /* Runs on the loop, until the run ends: a new trigger at `at`, or the one taken. */
    void (*run)(struct sched_loop *l, void *loop, sim_time at);
    void (*run_taken)(struct sched_loop *l, void *loop);
};

/* The first tick or run, counted from the scheduler's start. */
static inline sim_time sched_loop_first_due(const struct config *c)
{
    if (c->first_at >= 0)
        return c->first_at;
    return c->sched == SCHED_TICKER ? c->interval : 0;
}

/*
 * A life of the node begins at now (the boot or a restart): Go's channel is
 * new, and the grid starts afresh, `phase` after the first due time, unless
 * keep_grid (a persistent schedule keeps its grid and next slot).
 */
static inline void sched_loop_begin(struct sched_loop *l, void *owner, const struct config *c,
                                    sim_time now, sim_time phase, bool keep_grid)
{
    l->owner = owner;
    l->cfg = c;
    l->up_at = now;
    l->full = false;
    if (!keep_grid)
        l->start = l->next = now + sched_loop_first_due(c) + phase;
}

/* When the event for the pending slot goes off: a burst's slots are all
 * past, and an event may not be scheduled before now (time would go back). */
static inline sim_time sched_loop_pending_at(const struct sched_loop *l, sim_time now)
{
    return l->next > now ? l->next : now;
}

/* The pending grid slot is due at now: fire it, or catch up by the misfire
 * policy, counting the slots dropped and saying which it did. */
static inline struct misfire_step sched_loop_grid_step(const struct sched_loop_env *E,
                                                       struct sched_loop *l, sim_time now,
                                                       const char *fire_msg, const char *wait_msg)
{
    const struct config *c = l->cfg;
    struct misfire_step st = misfire_step(c, misfire_policy(c), l->start, l->next, now);
    for (int64_t i = 0; i < st.dropped; i++)
        E->coalesce(l, NULL);
    if (st.missed)
        E->missed(l, st.fire ? fire_msg : wait_msg);
    l->next = st.next;
    return st;
}

/* A timer's grid slot is due: returns the time it fires at, or -1 if no run starts now. */
static inline sim_time sched_loop_timer_step(const struct sched_loop_env *E, struct sched_loop *l,
                                             evq_fn self)
{
    sim_time now = E->fire_time(l, l->next);
    bool fire = sched_loop_grid_step(E, l, now, "missed ticks: fire once now",
                                     "missed ticks: wait for the next")
                    .fire;
    E->at(l, sched_loop_pending_at(l, now), self);
    return fire ? now : -1;
}

/* A tick or due time on the grid, with spawn dispatch: each starts a run. */
static inline void sched_loop_spawn_tick(const struct sched_loop_env *E, struct sched_loop *l,
                                         uint64_t tag)
{
    if (E->hold(l, l->next, E->spawn_tick, tag))
        return;
    sim_time now = sched_loop_timer_step(E, l, E->spawn_tick);
    if (now >= 0)
        E->spawn(l, now, false);
}

/* A tick of Go's ticker with inline dispatch: into the channel's one slot,
 * or dropped when the slot is full (the loop is still running a job). */
static inline void sched_loop_ticker_tick(const struct sched_loop_env *E, struct sched_loop *l,
                                          uint64_t tag)
{
    if (E->hold(l, l->next, E->ticker_tick, tag))
        return;
    sim_time now = sched_loop_timer_step(E, l, E->ticker_tick);
    if (now < 0)
        return;
    E->lock(l);
    bool keep = !l->full;
    l->full = true;
    E->tick(l, now, keep);
    E->unlock(l);
    if (!keep)
        E->coalesce(l, "tick dropped: channel full");
}

/* Run at start with spawn dispatch: one run as the life begins. */
static inline void sched_loop_start_tick(const struct sched_loop_env *E, struct sched_loop *l,
                                         uint64_t tag)
{
    if (E->hold(l, l->up_at, E->start_tick, tag))
        return;
    E->spawn(l, E->fire_time(l, l->up_at), false);
}

/* schedule.manual: a request (its own thread, as an HTTP handler's), and the next one. */
static inline void sched_loop_manual_tick(const struct sched_loop_env *E, struct sched_loop *l,
                                          uint64_t tag)
{
    if (E->hold(l, l->manual_next, E->manual_tick, tag)) /* requests wait out a pause */
        return;
    sim_time now = E->fire_time(l, l->manual_next);
    l->manual_next = now + dist_sample(&l->cfg->manual, E->rng_manual(l));
    E->at(l, l->manual_next, E->manual_tick);
    E->spawn(l, now, true);
}

/* <-ticker.C: the kept tick, waiting for one; false when the loop must end. */
static inline bool sched_loop_receive(const struct sched_loop_env *E, struct sched_loop *l,
                                      void *loop)
{
    E->lock(l);
    while (E->receiving(l, loop) && !l->full)
        E->wait(l, loop);
    bool ok = E->receiving(l, loop) && l->full;
    if (ok) {
        l->full = false;
        E->take(l, loop);
    }
    E->unlock(l);
    return ok;
}

/* The inline ticker's loop: `for range ticker.C { runPipeline() }`. */
static inline void sched_loop_ticker_run(const struct sched_loop_env *E, struct sched_loop *l,
                                         void *loop)
{
    if (l->cfg->run_at_start && E->sleep_until(l, loop, l->up_at))
        E->run(l, loop, l->up_at);
    while (E->alive(l, loop) && sched_loop_receive(E, l, loop))
        E->run_taken(l, loop);
}

/*
 * One thread walks the grid start + k*interval and runs each slot itself,
 * never two at once: Spring's fixed rate on its single scheduler thread, and
 * Quartz's blocked trigger. A slot found due late is fired or caught up by
 * misfire_step (fixed rate: burst by default; quartz: coalesce, past its
 * 60 s threshold).
 */
static inline void sched_loop_grid_run(const struct sched_loop_env *E, struct sched_loop *l,
                                       void *loop)
{
    while (E->alive(l, loop) && E->sleep_until(l, loop, l->next)) {
        struct misfire_step st = sched_loop_grid_step(E, l, E->now(l), "misfire: fire once now",
                                                      "misfire: wait for the next slot");
        if (st.fire)
            E->run(l, loop, st.slot);
    }
}

/* Spring's fixed delay: the next run is due a delay after the previous one
 * ended, so at most one run is ever pending: coalesce and burst run it late,
 * skip drops it and waits for the delay's next beat after now. */
static inline void sched_loop_delay_run(const struct sched_loop_env *E, struct sched_loop *l,
                                        void *loop)
{
    const struct config *c = l->cfg;
    enum misfire p = misfire_policy(c);
    while (E->alive(l, loop) && E->sleep_until(l, loop, l->next)) {
        sim_time now = E->now(l);
        if (p == MISFIRE_SKIP && misfire_missed(c, p, now - l->next)) {
            E->coalesce(l, NULL);
            E->missed(l, "misfire: wait for the next slot");
            l->next = misfire_grid_after(l->next, c->interval, now);
            continue;
        }
        E->run(l, loop, l->next);
        l->next = E->now(l) + c->interval;
    }
}

/*
 * Boots this life's timers and loop: spawn dispatch has timers only (and a
 * run at start); the inline ticker a timer that feeds its loop's channel;
 * fixed rate and fixed delay a loop that sleeps on its own. Then manual
 * requests, if any. Returns 0 or the loop's start error.
 */
static inline int sched_loop_boot(const struct sched_loop_env *E, struct sched_loop *l)
{
    const struct config *c = l->cfg;
    sim_time at = sched_loop_pending_at(l, l->up_at);
    int rc = 0;
    if (c->dispatch == DISPATCH_SPAWN) {
        if (c->sched == SCHED_TICKER && c->run_at_start)
            E->at(l, l->up_at, E->start_tick);
        E->at(l, at, E->spawn_tick);
    } else if (c->sched == SCHED_TICKER) {
        rc = E->loop_start(l, SCHED_LOOP_TICKER);
        if (!rc)
            E->at(l, at, E->ticker_tick);
    } else {
        rc = E->loop_start(l, c->sched == SCHED_FIXED_DELAY ? SCHED_LOOP_DELAY : SCHED_LOOP_GRID);
    }
    return rc;
}

/* The first manual request of this life, if schedule.manual asks for them. */
static inline void sched_loop_manual_boot(const struct sched_loop_env *E, struct sched_loop *l)
{
    if (l->cfg->manual.kind == DIST_NONE)
        return;
    l->manual_next = l->up_at + dist_sample(&l->cfg->manual, E->rng_manual(l));
    E->at(l, l->manual_next, E->manual_tick);
}

#endif
