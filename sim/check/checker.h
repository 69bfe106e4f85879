/*
 * Online checkers: they see each trigger, skip, start and end as it happens,
 * in true (simulated) time across all nodes, and keep only what bounded
 * state needs: the runs going now, the last start, histograms. They write
 * into a struct metrics.
 */
#ifndef SIM_CHECKER_H
#define SIM_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "../base/time.h"

struct active_run {
    uint64_t run;
    int node;
};

struct checker {
    struct metrics *m;
    int limit; /* runs allowed at once */
    int active;
    struct active_run *act; /* the runs going now, in start order */
    size_t act_cap;
    sim_time window_start; /* -1 when not overlapping */
    sim_time prev_start;   /* -1 before the first run */
    uint64_t last_writer;  /* the latest-started run whose write the sink took */
};

/* Starts checking into m. Returns 0 or -ENOMEM. */
int checker_init(struct checker *c, struct metrics *m, sim_time interval, int limit);
void checker_release(struct checker *c);

void checker_trigger(struct checker *c, int manual);
void checker_skip(struct checker *c);
void checker_coalesce(struct checker *c);
void checker_guard_error(struct checker *c);
/* A run began at now for a trigger at trigger_at. Returns 0 or -ENOMEM. */
int checker_start(struct checker *c, sim_time now, uint64_t run, int node, sim_time trigger_at);
void checker_end(struct checker *c, sim_time now, uint64_t run, sim_time started);
/*
 * Run run wrote its result to the sink (rejected: fencing turned it away).
 * An accepted write from a run that started before the last accepted writer
 * is a stale write: an older holder overwrote a newer one's result.
 */
static inline void checker_write(struct checker *c, uint64_t run, bool rejected)
{
    if (rejected)
        c->m->stale_writes_rejected++;
    else if (run < c->last_writer)
        c->m->stale_writes++;
    else
        c->last_writer = run;
}
/* Closes the books at the end of the simulation. */
void checker_finish(struct checker *c, sim_time end);

#endif
