/*
 * Tuning: judge every setting of a sweep against the constraints that make
 * a setting unacceptable on any seed — more runs at once than allowed,
 * duplicate or lost exports (when those metrics exist), and the scenario's
 * own bounds on starvation and on runs per period — then recommend, among
 * the settings with zero violations, the one that runs the job most often
 * (within a tolerance) with the fewest skips. The frontier is the set of
 * acceptable settings no other acceptable setting beats on both runs per
 * hour and skips per run. The explanation is built from the data, including
 * the lease rules when the sweep has lock-time keys: the max lock time must
 * exceed the longest run, and a min lock time below the period absorbs
 * clock skew.
 */
#ifndef REPORTS_TUNE_H
#define REPORTS_TUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "sweep.h"

#define TUNE_MAX_CONSTRAINTS 24
#define TUNE_LINE_LEN 600

struct tune_constraint {
    char text[160];  /* "at most 1 run at once", "runs_per_period >= 0.7 (etl-ticker.ini:52)" */
    char kind[16];   /* "overlap", "duplicates", "starvation", "bound" */
    int metric;      /* metric_defs index, or -1: the overlap invariant (row.violation) */
    int op;          /* enum expect_op */
    double value;
};

struct tune_point {
    uint64_t fails[TUNE_MAX_CONSTRAINTS]; /* seeds that broke constraint i */
    double worst[TUNE_MAX_CONSTRAINTS];
    uint64_t first_seed[TUNE_MAX_CONSTRAINTS];
    char replay[1024]; /* of the first seed that broke any constraint */
    bool feasible, frontier;
};

struct tune {
    const struct sweep *sw;
    int nc;
    struct tune_constraint c[TUNE_MAX_CONSTRAINTS];
    struct tune_point *pt; /* per point, guard 0 */
    double tolerance;      /* runs per hour within this share of the best count as equal */
    long recommended;      /* point, or -1 when none is acceptable */
    int limit;
    double interval_s;     /* the scenario's interval (when not varied) */
    int m_rph, m_spr, m_gap, m_dmax, m_dp99;
    struct config cfg; /* the scenario's resolved configuration, for keys not varied */
};

/*
 * Builds the constraints for guard 0 of sw from its scenario's expectations.
 * Returns 0 or -ENOMEM/-EINVAL with err.
 */
int tune_init(struct tune *t, const struct sweep *sw, double tolerance, char *err, size_t errlen);
void tune_release(struct tune *t);

/* Judges one row (call for every row of guard 0). */
void tune_row(struct tune *t, const struct sweep_row *r);

/* Marks feasible settings, the frontier and the recommendation. */
void tune_decide(struct tune *t, const struct sweep_agg *agg);

/* How many grid neighbours of p (one step in any keys) are acceptable; *total of how many. */
int tune_neighbours(const struct tune *t, size_t p, int *total);

/* Why setting p was rejected: "overlap on 3/20 seeds (first seed 4); ..." */
char *tune_reasons(const struct tune *t, const struct sweep_agg *agg, size_t p, char *buf,
                   size_t len);

/*
 * The explanation of the recommendation (or of why there is none), one
 * sentence per line, into lines[max]. Returns the count.
 */
int tune_explain(const struct tune *t, const struct sweep_agg *agg, char (*lines)[TUNE_LINE_LEN],
                 int max);

/* The value (seconds or plain number) of key at point p, or NAN when no such key. */
double tune_key_value(const struct tune *t, const char *suffix, size_t p, bool *varied);

#endif
