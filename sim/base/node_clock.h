/*
 * A node's wall clock, as the node believes it to be: true (simulated) time
 * plus an offset, a drift in parts per billion that accumulates from time 0,
 * and steps (an NTP jump, an operator's `date -s`) that take effect at given
 * true times. The same structure is the database server's clock. Also the
 * calendar that cron reads: local time 0 is Monday 2024-01-01 00:00:00 UTC.
 */
#ifndef SIM_NODE_CLOCK_H
#define SIM_NODE_CLOCK_H

#include <stdint.h>

#include "time.h"

#define NODE_CLOCK_MAX_STEPS 32

struct node_clock {
    sim_time offset;   /* local - true at true time 0 */
    int64_t drift_ppb; /* local runs this many ns fast per s of true time */
    int nsteps;
    sim_time step_at[NODE_CLOCK_MAX_STEPS], step_by[NODE_CLOCK_MAX_STEPS];
    sim_time stepped; /* sum of all steps: valid once every step is in the past */
};

/* A clock with offset and drift (ppm, may be fractional or negative). */
void node_clock_init(struct node_clock *c, sim_time offset, double drift_ppm);

/*
 * Adds a step by `by` (forward or back) at true time at. Steps must be added
 * in time order. Returns 0 or -ENOSPC when the clock holds too many.
 */
int node_clock_step(struct node_clock *c, sim_time at, sim_time by);

/* The local reading at true time t. */
sim_time node_clock_local(const struct node_clock *c, sim_time t);

/* The true time at which the clock reads local (the inverse of node_clock_local). */
sim_time node_clock_true(const struct node_clock *c, sim_time local);

/*
 * The clock as a trace detail at true time t: "offset=+5m30s" (local - true,
 * a signed duration in the scenario format), then " drift=+50ppm" when it
 * drifts. buf holds at least NODE_CLOCK_DESC_LEN bytes.
 */
#define NODE_CLOCK_DESC_LEN 96
char *node_clock_describe(const struct node_clock *c, sim_time t, char *buf);

/* The civil time of a local reading, as struct tm's fields (0-based month, 0 = Sunday). */
struct civil {
    int year, month, mday, hour, minute, second, wday;
};
void node_clock_civil(sim_time local, struct civil *out);

/* Whole minutes since the calendar epoch (floor, also for negative times). */
int64_t node_clock_minute(sim_time local);

#endif
