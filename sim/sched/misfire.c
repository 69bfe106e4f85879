/*
 * Catch-up after downtime (see misfire.h): the policy each scheduler has
 * by default, and the step a grid scheduler takes when it finds slots due.
 */
#include "misfire.h"

enum misfire misfire_policy(const struct config *c)
{
    if (c->misfire != MISFIRE_DEFAULT)
        return c->misfire;
    switch (c->sched) {
    case SCHED_FIXED_RATE:
        return MISFIRE_BURST;
    case SCHED_CRON:
        return MISFIRE_DEFAULT;
    default:
        return MISFIRE_COALESCE;
    }
}

sim_time misfire_grid_after(sim_time start, sim_time iv, sim_time t)
{
    return t < start ? start : start + ((t - start) / iv + 1) * iv;
}

struct misfire_step misfire_step(const struct config *c, enum misfire p, sim_time start,
                                 sim_time due, sim_time now)
{
    sim_time iv = c->interval;
    if (!misfire_missed(c, p, now - due)) /* late, not missed: it fires, the grid goes on */
        return (struct misfire_step){false, true, due, 0, due + iv};
    int64_t n = (now - due) / iv + 1; /* the slots due..now */
    sim_time next = misfire_grid_after(start, iv, now);
    if (p == MISFIRE_SKIP)
        return (struct misfire_step){true, false, due, n, next};
    return (struct misfire_step){true, true, now, n - 1, next};
}
