/*
 * Systematic exploration of interleavings (as loom and CHESS do): events due
 * at the same instant race, and every order of them is a schedule. Depth-first
 * search tries every schedule with at most `bound` departures from insertion
 * order (preemptions); PCT (Burckhardt et al., 2010, as shuttle does) samples
 * schedules by random actor priorities when the space is too large.
 */
#ifndef SIM_EXPLORE_H
#define SIM_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>

#include "../check/metrics.h"
#include "../scenario/model.h"

enum explore_strategy { EXPLORE_DFS, EXPLORE_PCT };

struct explore_opts {
    enum explore_strategy strategy;
    int bound;       /* DFS: most preemptions per schedule */
    uint64_t budget; /* most schedules to run */
    uint64_t seed;   /* the scenario's seed (its random draws) */
    int pct_depth;   /* PCT: priority change points + 1 */
};

struct explore_result {
    uint64_t schedules;     /* how many were run */
    bool exhausted;         /* DFS tried every schedule within the bound */
    bool found;             /* a schedule broke an invariant */
    char interleaving[256]; /* that schedule, for scenario.interleaving */
    struct metrics m;       /* that run's metrics */
    int max_ties;           /* most events ever due together */
};

/* Explores model m (borrowed). Returns 0, or a negative errno from the engine. */
int explore_run(const struct model *m, const struct explore_opts *o, struct explore_result *r);

#endif
