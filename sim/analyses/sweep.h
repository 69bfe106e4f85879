/*
 * Parameter sweeps: the Cartesian product of one to three varied keys
 * (`--vary KEY=FROM..TO/STEP` or `KEY=A,B,C`), times guards, times seeds.
 * Each (guard, setting, seed) is one unit with a global index; a unit's
 * result is one CSV row, so shards of a sweep (index % N) merge back into
 * exactly the rows of one run. The varied values reach the model as
 * command-line overrides, so any key of config_keys can be swept, present or
 * future, and a value is checked by the same code that checks `--set`.
 */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../scenario/config.h"
#include "../scenario/scenario.h"
#include "case.h"

#define SWEEP_MAX_KEYS 3
#define SWEEP_MAX_VALUES 1000
#define SWEEP_MAX_UNITS 100000000ULL
#define SWEEP_MAX_METRICS 128
#define SWEEP_VALUE_LEN 64

struct sweep_key {
    char key[64];
    bool duration; /* values are durations (numeric values in seconds) */
    int nvalues;
    char (*text)[SWEEP_VALUE_LEN]; /* as given to --set */
    double *num;                   /* for plots; NAN when not numeric */
};

struct sweep {
    const char *path;
    int nkeys;
    struct sweep_key k[SWEEP_MAX_KEYS];
    size_t npoints; /* product of the keys' value counts */
    int nguards;
    const struct guard_ops *guard[CONFIG_MAX_GUARDS];
    int variant; /* -1: the scenario has none */
    struct seed_range seeds;
    uint64_t nseeds;
    uint64_t units;       /* nguards x npoints x nseeds */
    int shard_k, shard_n; /* 1-based slice; 1/1 is everything */
    char (*invalid)[256]; /* per point: why it cannot run, "" if it can */
    int nworkers;
    struct scenario **wsc; /* one scenario per worker thread */
    struct case_result **wres;
    int base_ncli;
};

/* One unit's result. */
struct sweep_row {
    uint64_t index;
    int guard;
    size_t point;
    uint64_t seed;
    bool invalid, violation, pass;
    double metric[SWEEP_MAX_METRICS];
    struct overlap_window first;
    bool has_first;
    char failed[512];
    char replay[1024];
};

/* Edit distance (Levenshtein), for "did you mean". Short strings only (99 past 63 chars). */
int sweep_edit_distance(const char *a, const char *b);

/* How many metrics metric_defs has (at most SWEEP_MAX_METRICS are kept). */
int sweep_metric_count(void);

/*
 * Parses one --vary argument into k (the caller frees it with
 * sweep_key_release). Returns 0 or -EINVAL/-ENOENT with one line in err:
 * unknown key (with a suggestion), malformed or empty range, a value the
 * key rejects, too many values.
 */
int sweep_key_parse(const char *arg, struct sweep_key *k, char *err, size_t errlen);
void sweep_key_release(struct sweep_key *k);

/* Parses "K/N" (1 <= K <= N). Returns 0 or -EINVAL. */
int sweep_shard_parse(const char *s, int *k, int *n);

/*
 * Prepares sw (path, keys, guards, variant, seeds, shard filled in by the
 * caller) to run on `workers` threads: loads one copy of the scenario per
 * worker with the sets applied, and checks every setting once (a setting a
 * model cannot be built for is marked invalid, not an error, unless all are).
 * Returns 0 or a negative errno with one line in err.
 */
int sweep_open(struct sweep *sw, const char *const *sets, int nsets, int workers, char *err,
               size_t errlen);
void sweep_close(struct sweep *sw);

/* Units in this shard, and the global index of the shard's j-th unit. */
uint64_t sweep_shard_units(const struct sweep *sw);
uint64_t sweep_shard_index(const struct sweep *sw, uint64_t j);

/* Splits a global index into guard, point and seed. */
void sweep_unit(const struct sweep *sw, uint64_t index, int *guard, size_t *point, uint64_t *seed);

/* The value index of key i at point p. */
int sweep_point_value(const struct sweep *sw, size_t p, int key);

/* "schedule.interval=30s, guard.max_factor=3" */
char *sweep_point_label(const struct sweep *sw, size_t p, char *buf, size_t len);

/*
 * Runs unit `index` on worker w (thread-safe across distinct workers).
 * Returns 0 or a negative errno with err (an engine error).
 */
int sweep_run_unit(struct sweep *sw, int w, uint64_t index, struct sweep_row *row, char *err,
                   size_t errlen);

/* Per (guard, setting): the seeds folded together. */
struct sweep_agg {
    uint64_t nseeds, violating, failing;
    bool invalid;
    double sum[SWEEP_MAX_METRICS], max[SWEEP_MAX_METRICS], min[SWEEP_MAX_METRICS];
    uint64_t first_violating_seed;
    char first_failed[512]; /* expectations failed on the first failing seed */
    uint64_t first_failing_seed;
};

/* Allocates nguards x npoints aggregates, indexed guard * npoints + point. NULL on ENOMEM. */
struct sweep_agg *sweep_agg_new(const struct sweep *sw);
void sweep_agg_add(struct sweep_agg *a, const struct sweep_row *row, int nmetrics);
static inline double sweep_agg_mean(const struct sweep_agg *a, int metric)
{
    return a->nseeds ? a->sum[metric] / (double)a->nseeds : 0;
}

#endif
