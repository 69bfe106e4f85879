/*
 * Running a model for one seed: the simulator's public entry (run.c builds
 * the simulation from the core and every part above it).
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "../core/engine.h"

struct sim_part;

/* Every part of a full simulation, NULL-terminated, for sim_new. */
extern const struct sim_part *const sim_parts[];

/* sim_run with hooks (h may be NULL). Without a chooser, scenario.interleaving
 * (if set) orders tied events, else insertion order. */
int sim_run_hooked(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                   struct metrics *out);

/*
 * Runs model m (borrowed) for seed. Writes every event to trace when it is
 * not NULL. Returns 0; -ENOMEM; -E2BIG when more than SIM_MAX_ACTORS
 * actors would be alive at once; or -EINTR after sim_interrupt. *out is
 * filled in either way (up to where it stopped).
 */
int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out);

#endif
