/*
 * Shrinking a failure (delta debugging, in the style of Hypothesis): from a
 * seed that fails an expectation, an explicit scenario — every trigger's work
 * and every fault at a fixed value, no randomness left — that still fails the
 * same expectation, made as small as the passes below can make it: shortest
 * duration, fewest faults, fewest and shortest runs, roundest values.
 */
#ifndef SIM_SHRINK_H
#define SIM_SHRINK_H

#include <stdint.h>

#include "../check/expect.h"
#include "../scenario/model.h"
#include "../scenario/scenario.h"

struct shrink_result {
    struct model *m;               /* the explicit scenario (owned; shrink_result_release) */
    struct trigger_spec *triggers; /* m->triggers points here */
    struct expectation target;     /* the expectation it fails */
    double original_value, final_value;
    uint64_t attempts; /* candidate scenarios simulated */
    uint64_t original_triggers, final_triggers;
    int original_faults;
    sim_time original_duration;
    char random_left[256]; /* keys whose randomness the failure needed ("" if none) */
};

/*
 * Shrinks seed of guard g in variant v of sc. Returns 0; -EINVAL with a
 * reason in err when the seed fails nothing, or the failure cannot be made
 * explicit (it needs more than MODEL_MAX_FAULTS manual triggers); -ENOMEM.
 */
int shrink_run(const struct scenario *sc, int v, const struct guard_ops *g, uint64_t seed,
               struct shrink_result *out, char *err, size_t errlen);

void shrink_result_release(struct shrink_result *r);

#endif
