/*
 * The work one trigger would do, drawn when the trigger fires, whether it
 * runs or not. The simulator and live mode both draw it here, in the same
 * order from the same stream, so every guard in either world meets the
 * same job durations for the same seed.
 */
#ifndef SIM_WORKLOAD_H
#define SIM_WORKLOAD_H

#include "config.h"
#include "dist.h"
#include "prng.h"

struct workload {
    sim_time api, db; /* the job's two phases */
};

/* Draws one trigger's workload from rng (the PRNG_JOB stream). */
static inline struct workload workload_draw(const struct config *c, struct prng *rng)
{
    struct workload w;
    w.api = dist_sample(&c->api, rng);
    w.db = dist_sample(&c->db, rng);
    return w;
}

#endif
