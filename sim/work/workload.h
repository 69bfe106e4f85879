/*
 * The work one trigger would do, drawn when the trigger fires, whether it
 * runs or not. The simulator and live mode both draw it here, in the same
 * order from the same stream, so every guard in either world meets the
 * same job durations for the same seed.
 */
#ifndef SIM_WORKLOAD_H
#define SIM_WORKLOAD_H

#include "../scenario/config.h"
#include "../base/dist.h"
#include "../scenario/model.h"
#include "../base/prng.h"

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

/*
 * An explicit [trigger N] (shrink writes them) replaces the draw of the
 * trigger with that id; the draw still happens, so the triggers after it
 * keep theirs. *cursor is the caller's place in m->triggers (ids only grow).
 */
static inline void workload_explicit(const struct model *m, uint64_t id, int *cursor,
                                     struct workload *w)
{
    while (*cursor < m->ntriggers && m->triggers[*cursor].n < id)
        (*cursor)++;
    if (*cursor < m->ntriggers && m->triggers[*cursor].n == id) {
        const struct trigger_spec *ex = &m->triggers[*cursor];
        if (ex->has_api)
            w->api = ex->api;
        if (ex->has_db)
            w->db = ex->db;
    }
}

#endif
