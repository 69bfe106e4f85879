/*
 * The failure battery: a standard list of failures seen in the wild (a run
 * outlasting its lease, a GC pause right after acquiring, a dropped database
 * session, a skewed clock, ...) applied to the user's own base scenario, one
 * variant per guard and failure, sized from that scenario (the guard's
 * maximum hold, the interval, the database's timeout). A cell runs one guard
 * on one failure over a range of seeds and says whether the guard kept the
 * invariants (metrics_safe) on every seed, and whether the failure really
 * reached a run holding the guard, so no cell is vacuously safe.
 */
#ifndef SIM_BATTERY_H
#define SIM_BATTERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../scenario/scenario.h"

/* What shows that a failure reached the run it is about, per seed. */
enum battery_hit {
    BH_HOLDER,   /* a fault reached a run holding its guard (faults_hit_holder >= 1) */
    BH_MANUAL,   /* a manual start happened (manual >= 1) */
    BH_DB_ERROR, /* a statement failed or the client gave up (db_errors >= 1) */
    BH_RUNS,     /* structural (no fault): the changed model ran (runs >= 1) */
};

struct battery_failure {
    const char *name; /* as in every output */
    const char *what; /* the failure, one line */
    const char *how;  /* how the variant makes it, one line */
    const char *seen; /* where it was seen in the wild */
    enum battery_hit hit;
};

#define BATTERY_FAILURES 19
extern const struct battery_failure battery_failures[BATTERY_FAILURES];

/* Not a failure: the base scenario as it is, the matrix's reference column
 * (a guard UNSAFE there is UNSAFE before anything fails). */
#define BATTERY_BASE BATTERY_FAILURES

/* The index of a failure by name ("base": BATTERY_BASE), or -1. */
int battery_failure_find(const char *name);

/* Failure f (0 .. BATTERY_FAILURES - 1, or BATTERY_BASE). */
const struct battery_failure *battery_failure_get(int f);

/*
 * The longest guard g holds its lock in model cfg whatever the run does (a
 * lease's max_factor x interval, ShedLock's lockAtMostFor), or 0 when it
 * holds until released (a mutex, flock, an advisory lock).
 */
sim_time battery_max_hold(const struct guard_ops *g, const struct config *cfg);

/*
 * Builds the scenario of failure f (or BATTERY_BASE) for guard g on base (its variant v, -1:
 * the base alone): a copy with one variant named after the failure (index
 * 0), the base's faults kept and the failure's added. Returns 0 with *out
 * (free with scenario_free) and a description of the sizes in what; 1 when
 * the failure cannot apply (*out NULL, the reason in what); a negative errno
 * with err filled.
 */
int battery_scenario(const struct scenario *base, int v, const struct guard_ops *g, int f,
                     struct scenario **out, char *what, size_t whatlen, char *err, size_t errlen);

/* One guard x failure cell. */
struct battery_cell {
    const struct guard_ops *guard;
    int failure;
    bool applies;
    char what[200]; /* the sizes used, or why the failure cannot apply */
    uint64_t nseeds, unsafe_seeds, hit_seeds;
    uint64_t first_unsafe_seed; /* when unsafe_seeds > 0 */
    char reason[160];           /* what the first unsafe seed broke */
    double max_gap_periods;     /* over all seeds */
    double runs_per_period;
};

/*
 * Runs one cell: builds its scenario and runs guard g on it over seeds
 * through case_run. Returns 0 (a cell that cannot apply is filled too) or a
 * negative errno with err filled.
 */
int battery_cell_run(const struct scenario *base, int v, const struct guard_ops *g, int f,
                     struct seed_range seeds, struct battery_cell *cell, char *err, size_t errlen);

#endif
