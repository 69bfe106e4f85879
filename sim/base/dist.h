/*
 * Duration distributions of scenario files: const(5s), uniform(2s,6s),
 * exp(10s) (the mean), lognormal(median=5m,p99=50m) and
 * mix(10s:0.5, uniform(1m,5m):0.4, 30m:0.1). A bare duration is const.
 * histogram(FILE[, NAME]) and empirical(FILE[, COLUMN]) come from measured
 * data (dist_data.h). A struct dist copies by value: the data it may point
 * at is immutable and lives as long as the process.
 */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include "dist_data.h"
#include "prng.h"
#include "time.h"

enum dist_kind {
    DIST_NONE,
    DIST_CONST,
    DIST_UNIFORM,
    DIST_EXP,
    DIST_LOGNORMAL,
    DIST_MIX,
    DIST_HISTOGRAM, /* histogram(FILE[, NAME]): data */
    DIST_EMPIRICAL, /* empirical(FILE[, COLUMN]): data */
};

struct dist_simple {
    enum dist_kind kind;
    sim_time a, b;    /* const: a; uniform: [a, b]; exp: mean a; lognormal: median a, p99 b */
    double mu, sigma; /* lognormal parameters of the underlying normal */
};

#define DIST_MIX_MAX 8

struct dist {
    enum dist_kind kind; /* DIST_NONE: absent (e.g. no manual triggers) */
    struct dist_simple one;
    int nparts; /* mix only */
    double cum[DIST_MIX_MAX];
    double weight[DIST_MIX_MAX]; /* as written, so that dist_format gives them back */
    struct dist_simple part[DIST_MIX_MAX];
    const struct dist_data *data; /* histogram, empirical: the file's data (shared, read-only) */
};

/*
 * Parses text into *out. Returns 0, or -EINVAL with a lower-case reason in err
 * (for example "unknown distribution 'lognorm'"). Never allocates.
 */
int dist_parse(const char *text, struct dist *out, char *err, size_t errlen);

/* Like dist_parse, with the files of histogram() and empirical() relative to dir. */
int dist_parse_in(const char *text, const char *dir, struct dist *out, char *err, size_t errlen);

/* A constant distribution of value v. */
struct dist dist_const(sim_time v);

/* Draws one value (never negative). Consumes a fixed number of draws per kind. */
sim_time dist_sample(const struct dist *d, struct prng *r);

/* Canonical text that dist_parse reads back to the same distribution. */
char *dist_format(const struct dist *d, char *buf, size_t len);

/* The q-quantile (0 < q < 1), the mean, and whether no randomness is left. */
sim_time dist_quantile(const struct dist *d, double q);
double dist_mean(const struct dist *d);
bool dist_is_constant(const struct dist *d);

/* Largest value the distribution can produce, or SIM_TIME_MAX if unbounded. */
sim_time dist_max(const struct dist *d);

#endif
