/*
 * A parsed scenario file: the base configuration, named variants (sets of
 * overrides), faults, expectations, and the command line's --set overrides.
 * scenario_model() resolves one variant into a runnable model.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#include "../check/expect.h"
#include "model.h"

#define SCENARIO_TEXT_LEN 1024

struct override {
    char key[64];
    char value[256];
    int line; /* 0: from the command line */
};

struct variant {
    char name[32];
    int first, count; /* its overrides in scenario.overrides */
    int line;
};

/* A [node NAME] section: a node and its own overrides of any key. */
struct node_section {
    char name[32];
    int first, count; /* its overrides in scenario.overrides */
    int line;
};

struct scenario {
    char path[512];
    char description[SCENARIO_TEXT_LEN];
    char source[SCENARIO_TEXT_LEN];
    struct config base;
    int nvariants;
    struct variant *variants;
    int noverrides;
    struct override *overrides;
    int ncli;
    struct override *cli;
    int nexpect;
    struct expectation *expect;
    int nfaults;
    struct fault_spec fault[MODEL_MAX_FAULTS];
    int nnodes; /* [node NAME] sections; 0: scenario.nodes anonymous nodes */
    struct node_section *nodes;
    int ntriggers; /* [trigger N] sections, sorted by N */
    struct trigger_spec *triggers;
};

/*
 * Parses the file at path into a new scenario. Returns 0; -ENOENT if it
 * cannot be read; -EINVAL for bad content; -ENOMEM. On error, err holds one
 * line, "path:line: what is wrong", and *out is NULL.
 */
int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *sc);

/* Like scenario_load, reading from f (borrowed); path names it in errors. */
int scenario_parse(FILE *f, const char *path, struct scenario **out, char *err, size_t errlen);

/*
 * Adds a command-line override "key=value" that wins over the file and its
 * variants. Returns 0 or -EINVAL/-ENOENT with "--set key=value: reason".
 */
int scenario_add_set(struct scenario *sc, const char *assignment, char *err, size_t errlen);

/* The index of a variant by name, or -1. */
int scenario_variant_find(const struct scenario *sc, const char *name);

/* Name of variant v, or "" when the scenario has none (v is -1). */
const char *scenario_variant_name(const struct scenario *sc, int v);

/*
 * The name of node i in the base model: its [node] section's name, or
 * "app" (one node) or "node-N" (scenario.nodes = N).
 */
const char *scenario_node_name(const struct scenario *sc, int i, char *buf, size_t len);

/*
 * Resolves variant v (-1: the base alone) into *m. Returns 0 or -EINVAL with
 * "path:line: reason" in err (a combination of values that cannot run).
 */
int scenario_model(const struct scenario *sc, int v, struct model *m, char *err, size_t errlen);

#endif
