/*
 * Catch-up after downtime: what a scheduler does with slots it finds due at
 * once, after a pause (a stopped process fires late), an overrun of its own
 * loop, or a restart when its schedule is persistent. A slot later than
 * schedule.misfire_threshold is missed; N missed slots give no run (skip),
 * one run now (coalesce) or N runs, back to back or at once (burst). A slot
 * less late simply fires late. Each scheduler keeps its real behaviour
 * unless schedule.misfire says otherwise (misfire_policy).
 */
#ifndef SIM_MISFIRE_H
#define SIM_MISFIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "../scenario/config.h"

/*
 * The policy in effect: schedule.misfire, or the scheduler's own. Go's
 * ticker drops ticks (coalesce), ScheduledThreadPoolExecutor's fixed rate
 * runs every missed execution (burst), fixed delay has one pending run
 * (coalesce), Quartz's smart policy fires once now (coalesce), a CronJob
 * runs the most recent missed slot and a systemd timer fires once
 * (coalesce). cron has rules of its own: MISFIRE_DEFAULT (sched_cron.c).
 */
enum misfire misfire_policy(const struct config *c);

/* The first slot of the grid start + k*iv strictly after t (start if t < start). */
sim_time misfire_grid_after(sim_time start, sim_time iv, sim_time t);

/* What one look at a grid schedule decides. */
struct misfire_step {
    bool missed;     /* the slot was missed (the policy applied) */
    bool fire;       /* start a run now */
    sim_time slot;   /* the time it stands for: due, or now when it coalesces */
    int64_t dropped; /* slots that get no run (counted as coalesced) */
    sim_time next;   /* the next pending slot */
};

/*
 * The oldest pending slot of the grid start + k*interval is due (due <= now):
 * fire it late, or, missed, apply policy p to the slots due..now.
 */
struct misfire_step misfire_step(const struct config *c, enum misfire p, sim_time start,
                                 sim_time due, sim_time now);

/* Is a slot late by `late` missed under policy p? (burst never counts one) */
static inline bool misfire_missed(const struct config *c, enum misfire p, sim_time late)
{
    return p != MISFIRE_BURST && late >= c->misfire_threshold;
}

#endif
