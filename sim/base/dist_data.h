/*
 * Distributions from a user's own measurements: histogram(FILE[, NAME]) reads
 * the cumulative buckets of a Prometheus histogram from a text exposition
 * file (what `curl host:port/metrics` returns), empirical(FILE[, COLUMN]) a
 * list of observed durations or one column of a CSV file. Each file is read
 * once per process and kept, immutable, for the process's lifetime, so a
 * struct dist can point at it and still copy by value; memory is bounded by
 * DIST_DATA_MAX_FILES x (DIST_DATA_MAX_BUCKETS or DIST_DATA_MAX_OBS).
 */
#ifndef SIM_DIST_DATA_H
#define SIM_DIST_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "time.h"

#define DIST_DATA_MAX_FILES 64
#define DIST_DATA_MAX_BUCKETS 256
#define DIST_DATA_MAX_OBS 1000000
#define DIST_DATA_TEXT_LEN 1024

struct dist_data {
    char shown[DIST_DATA_TEXT_LEN]; /* as written: "histogram(metrics.prom, x_seconds)" */
    char path[512];                 /* the file as opened (relative to the working directory) */
    char name[128];                 /* the histogram or column ("" when the file has one) */
    bool histogram;
    /* histogram: bucket i covers [lo[i], hi[i]], drawn with probability up to cum[i] */
    int nbuckets;
    sim_time lo[DIST_DATA_MAX_BUCKETS + 1], hi[DIST_DATA_MAX_BUCKETS + 1];
    double cum[DIST_DATA_MAX_BUCKETS + 1];
    double count, sum; /* observations and their sum (sum < 0: no _sum line) */
    int nseries;       /* label sets summed, as `sum by (le)` does */
    /* empirical: the observations, sorted */
    size_t n;
    sim_time *obs;
    double mean;                     /* in sim_time units (ns) */
    char note[DIST_DATA_TEXT_LEN];   /* what was assumed (the +Inf bucket), "" if nothing */
    char origin[DIST_DATA_TEXT_LEN]; /* "histogram x_seconds in 'm.prom': 1200 observations in 11
                                        buckets" */
};

/*
 * Parses "histogram(FILE[, NAME])" or "empirical(FILE[, COLUMN])" (kind is
 * "histogram" or "empirical", args the text between the parentheses), FILE
 * relative to dir (NULL or "": the working directory). Returns 0 with the
 * interned data in *out, or -EINVAL/-ENOENT/-ENOMEM with one line in err
 * naming the data file and line ("'m.prom':14: bad count 'x'").
 */
int dist_data_load(const char *kind, const char *args, const char *dir,
                   const struct dist_data **out, char *err, size_t errlen);

/* Whether text (trimmed) calls histogram() or empirical(). */
bool dist_data_is_call(const char *text);

/* The q-quantile (0 <= q < 1): the inverse of the piecewise-uniform CDF. */
sim_time dist_data_quantile(const struct dist_data *d, double q);

/* Largest value a draw can give. */
sim_time dist_data_max(const struct dist_data *d);

/*
 * Writes each loaded file's assumption note not written yet, one line each
 * ("overlapsim: note: ..."), to f. Returns how many it wrote.
 */
int dist_data_notes(FILE *f);

#endif
