/*
 * cron's daemon loop, written once (the model: sched_cron.c's comment):
 * cronie's cron.c main loop with its late wake-up, clock-jump and misfire
 * paths. The simulator runs it on an actor (sched_cron.c) and live mode on
 * a thread that holds the baton only while the dispatcher fires its timer
 * (sim/live/sched.c), so that a firing and a manual run of the same second
 * still race from one start gate. A backend passes a `static const struct
 * cron_loop_env` and its loop context; GCC inlines the rest.
 */
#ifndef SIM_SCHED_CRON_LOOP_H
#define SIM_SCHED_CRON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/cron.h"
#include "../base/node_clock.h"
#include "../scenario/config.h"
#include "misfire.h"

/* What a backend provides to the loop (loop: its context). */
struct cron_loop_env {
    sim_time (*now)(void *loop);       /* true time */
    sim_time (*local_now)(void *loop); /* the node's wall clock */
    void (*sleep)(void *loop, sim_time d);
    bool (*killed)(void *loop);      /* the daemon is gone (kill -9, the node's crash, the end) */
    bool (*interrupted)(void *loop); /* SIGTERM */
    /* A firing: a new process for a trigger due at `at` (true time). */
    void (*spawn)(void *loop, sim_time at);
    void (*coalesce)(void *loop);               /* a missed minute dropped (misfire) */
    void (*note)(void *loop, const char *what); /* a `cron` row of the trace */
};

struct cron_run {
    const struct cron_loop_env *e;
    void *loop;
    const struct config *cfg;
    bool queued;    /* job_add: at most one pending start per entry */
    int64_t minute; /* the minute it was queued for */
};

/* cron (cronie's cron_sleep) wakes one second past a minute: local minute
 * m's jobs are due at this local time. */
static inline sim_time cron_loop_due(int64_t m)
{
    return m * SIM_MIN + SIM_S;
}

static inline int64_t cron_loop_floor_sec(sim_time local)
{
    return local >= 0 ? local / SIM_S : -((-local + SIM_S - 1) / SIM_S);
}

/* find_jobs: queue the entry if it is due at minute m and of a kind asked for. */
static inline void cron_loop_find_jobs(struct cron_run *r, int64_t m, bool wild, bool fixed)
{
    const struct cron_expr *e = &r->cfg->cron;
    bool is_wild = cron_is_wild(e);
    if (!r->queued && cron_matches(e, m) && ((wild && is_wild) || (fixed && !is_wild))) {
        r->queued = true;
        r->minute = m;
    }
}

/* job_runqueue: start what is queued, each run a process of its own. */
static inline bool cron_loop_run_queue(struct cron_run *r)
{
    if (!r->queued)
        return false;
    r->queued = false;
    /* due when the clock read that minute (plus cron's second): late if cron was */
    sim_time late = r->e->local_now(r->loop) - cron_loop_due(r->minute);
    r->e->spawn(r->loop, r->e->now(r->loop) - (late > 0 ? late : 0));
    return true;
}

/* cron_sleep(target): sleep to one second past minute target, by the clock. */
static inline void cron_loop_sleep(struct cron_run *r, int64_t target)
{
    const struct cron_loop_env *e = r->e;
    int64_t t1 = cron_loop_floor_sec(e->local_now(r->loop));
    int64_t wait = cron_loop_due(target) / SIM_S - t1;
    while (wait > 0 && wait < 65 && !e->killed(r->loop)) {
        e->sleep(r->loop, wait * SIM_S);
        int64_t t2 = cron_loop_floor_sec(e->local_now(r->loop));
        wait -= t2 - t1;
        t1 = t2;
    }
}

/* schedule.misfire on a forward jump: the minutes virtual+1 .. running-1
 * were slept through; running is on time. Returns the new virtualTime. */
static inline int64_t cron_loop_catch_up(struct cron_run *r, int64_t virtual, int64_t running,
                                         enum misfire p)
{
    const struct cron_loop_env *e = r->e;
    const struct cron_expr *x = &r->cfg->cron;
    int64_t n = 0;
    for (int64_t m = cron_next(x, virtual); m >= 0 && m < running; m = cron_next(x, m))
        n++;
    if (p == MISFIRE_BURST) {
        e->note(r->loop, "misfire: a run per missed minute");
        do {
            if (cron_loop_run_queue(r))
                e->sleep(r->loop, 10 * SIM_S);
            virtual ++;
            cron_loop_find_jobs(r, virtual, true, true);
        } while (virtual < running && !e->killed(r->loop));
        return virtual;
    }
    cron_loop_find_jobs(r, running, true, true); /* the current minute, on time */
    int64_t dropped = n;
    if (p == MISFIRE_COALESCE && n > 0 && !r->queued) { /* one start stands for them all */
        r->queued = true;
        r->minute = running;
        dropped--;
    }
    for (int64_t i = 0; i < dropped; i++)
        e->coalesce(r->loop);
    if (n > 0)
        e->note(r->loop, p == MISFIRE_SKIP ? "misfire: missed minutes dropped"
                                           : "misfire: missed minutes run once");
    return running;
}

/* The daemon, from its start (boot: time 0, when cron has been up a while) until it dies. */
static inline void cron_loop_run(const struct cron_loop_env *e, void *loop, const struct config *c,
                                 bool boot)
{
    struct cron_run r = {e, loop, c, false, 0};
    int64_t clock_min = node_clock_minute(e->local_now(loop));
    /* at time 0 cron has been up for a while: minute 0's jobs are still to come */
    if (boot && e->local_now(loop) - clock_min * SIM_MIN < SIM_S)
        clock_min--;
    int64_t running = clock_min, virtual = clock_min;
    while (!e->killed(loop) && !e->interrupted(loop)) {
        do { /* wait for the time (in minutes) to change */
            cron_loop_sleep(&r, running + 1);
            clock_min = node_clock_minute(e->local_now(loop));
        } while (!e->killed(loop) && clock_min == running);
        if (e->killed(loop))
            return;
        running = clock_min;
        int64_t diff = running - virtual;
        enum misfire p = misfire_policy(c);
        if (p != MISFIRE_DEFAULT && diff > 1) {
            virtual = cron_loop_catch_up(&r, virtual, running, p);
        } else if (diff == 1) {
            virtual = running;
            cron_loop_find_jobs(&r, virtual, true, true);
        } else if (diff > 180 || diff < -180) { /* a clock correction */
            e->note(loop, "clock jumped: run this minute, go on from here");
            virtual = running;
            cron_loop_find_jobs(&r, running, true, true);
        } else if (diff > 5) { /* DST begins: wildcard once, fixed-time per minute */
            e->note(loop, "clock moved forward: catch up fixed-time jobs");
            cron_loop_find_jobs(&r, running, true, false);
            do {
                if (cron_loop_run_queue(&r))
                    e->sleep(loop, 10 * SIM_S);
                virtual ++;
                cron_loop_find_jobs(&r, virtual, false, true);
                clock_min = node_clock_minute(e->local_now(loop));
            } while (virtual < running && clock_min == running && !e->killed(loop));
        } else if (diff > 0) { /* woke up late: every minute until caught up */
            e->note(loop, "woke up late: run each missed minute");
            do {
                if (cron_loop_run_queue(&r))
                    e->sleep(loop, 10 * SIM_S);
                virtual ++;
                cron_loop_find_jobs(&r, virtual, true, true);
            } while (virtual < running && !e->killed(loop));
        } else { /* the clock went back: wildcard jobs only, until caught up */
            e->note(loop, "clock moved back: wildcard jobs only");
            cron_loop_find_jobs(&r, running, true, false);
        }
        if (!e->killed(loop))
            cron_loop_run_queue(&r);
    }
}

#endif
