/*
 * The simulation engine: runs a model for one seed in virtual time and fills
 * in the metrics. Deterministic: the same model, seed and build give the
 * same trace, byte for byte. Reads no clock and no unseeded randomness.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdint.h>

#include "metrics.h"
#include "model.h"
#include "trace.h"

/* Worker actors allowed at once; past this, runs pile up without bound. */
#define SIM_MAX_ACTORS 4096

/*
 * Explore mode: whenever several events are due at the same instant, the
 * chooser picks which runs first, so every interleaving of racing actors at
 * their environment calls can be tried.
 */
struct sim_chooser {
    /* n >= 2 events are due now; owner[i] is a stable id of event i's actor
     * (0 for world events such as ticks). Returns the index of the one to
     * run first (0: insertion order, what a plain run does). */
    int (*choose)(struct sim_chooser *c, int n, const uint64_t *owner);
};

/* sim_run with a chooser (NULL: insertion order, or scenario.interleaving). */
int sim_run_chosen(const struct model *m, uint64_t seed, struct trace *trace,
                   struct sim_chooser *chooser, struct metrics *out);

/*
 * Runs model m (borrowed) for seed. Writes every event to trace when it is
 * not NULL. Returns 0; -ENOMEM; or -E2BIG when more than SIM_MAX_ACTORS
 * actors would be alive at once. *out is filled in either way.
 */
int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out);

#endif
