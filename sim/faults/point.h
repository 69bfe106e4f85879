/*
 * Faults placed at a point of a run (`after = acquire`, `before = write`),
 * decided once for both backends: the simulator's injector (inject.c) and
 * live mode's harness (sim/live/pointfault.c) ask the same question in the
 * same order, with the same random stream per fault, so a run of either
 * meets the same faults.
 */
#ifndef SIM_FAULTS_POINT_H
#define SIM_FAULTS_POINT_H

#include <stdbool.h>

#include "../base/prng.h"
#include "../scenario/fault.h"

/* The stream of fault i's draws (its repeats and its probability per run). */
#define FAULT_STREAM(i) (0x100 + (uint64_t)(i))

/* Where in a run fault f strikes: a job-error with no point throws before the write. */
static inline int fault_point_of(const struct fault_spec *f)
{
    if (f->point == POINT_NONE && f->kind == FAULT_JOB_ERROR)
        return POINT_BEFORE_WRITE;
    return f->point;
}

/* Is fault f placed inside runs rather than at a time? */
static inline bool fault_point_placed(const struct fault_spec *f)
{
    return f->point != POINT_NONE || f->kind == FAULT_JOB_ERROR;
}

/*
 * Does f, armed at its point, hit a run of node (index) at now? It hits the
 * next `count` runs that reach its point from `at` on, each with its
 * probability (drawn from rng); *hits counts them.
 */
static inline bool fault_point_hits(const struct fault_spec *f, struct prng *rng, int *hits,
                                    sim_time now, int node)
{
    if (now < f->at || (f->count && *hits >= f->count) || (f->node_idx >= 0 && f->node_idx != node))
        return false;
    if (f->probability < 1 && prng_unit(rng) >= f->probability)
        return false;
    (*hits)++;
    return true;
}

#endif
