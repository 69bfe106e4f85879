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
 * Runs model m (borrowed) for seed. Writes every event to trace when it is
 * not NULL. Returns 0; -ENOMEM; or -E2BIG when more than SIM_MAX_ACTORS
 * actors would be alive at once. *out is filled in either way.
 */
int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out);

#endif
