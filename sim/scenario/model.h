/*
 * A model is one fully resolved run configuration: the scenario's base, one
 * variant's overrides and the command line's --set applied, with its nodes
 * and its fault timeline. The engine runs a model for one seed.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "fault.h"

#define MODEL_MAX_NODES 16
#define MODEL_MAX_FAULTS 64

struct node_spec {
    char name[32];
    struct config cfg; /* the node's own view: scenario config plus node overrides */
};

/*
 * An explicit trigger: the work of the nth trigger, fixed (shrink writes
 * these). With manual, it is itself a manual request at time `at`.
 */
struct trigger_spec {
    uint64_t n; /* 1-based, in the order triggers fire */
    sim_time api, db, at;
    bool has_api, has_db, manual;
    int line;
};

struct model {
    struct config cfg;
    int ntriggers; /* sorted by n; borrowed from the scenario */
    const struct trigger_spec *triggers;
    int nnodes;
    struct node_spec node[MODEL_MAX_NODES];
    int nfaults;
    struct fault_spec fault[MODEL_MAX_FAULTS];
};

#endif
