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
#ifndef SIM_TUNE_H
#define SIM_TUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "sweep.h"

#define TUNE_MAX_CONSTRAINTS 24
#define TUNE_LINE_LEN 2048

struct tune_constraint {
    char text[160]; /* "at most 1 run at once", "runs_per_period >= 0.7 (etl-ticker.ini:52)" */
    char kind[16];  /* "overlap", "duplicates", "starvation", "bound" */
    int metric;     /* metric_defs index, or -1: the overlap invariant (row.violation) */
    int op;         /* enum expect_op */
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
    double interval_s; /* the scenario's interval (when not varied) */
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

/*
 * Removes the constraints on metric (call before tune_row), only its floors
 * (">=") when floors_only: a goal that says how often the job should run
 * replaces the scenario's own lower bounds on runs_per_period (its ceilings
 * stay); a variant whose node keeps its own interval has no meaningful runs
 * per period at all. Writes the lowest removed floor into *floor (NAN if
 * none) and its text into text. Returns how many were removed.
 */
int tune_drop_metric(struct tune *t, const char *metric, bool floors_only, double *floor,
                     char *text, size_t len);

/* --- the goal, and every variant at once (tune_goal.c, tune_multi.c) --- */

/*
 * What the user wants of the job: run as often as possible (most-often),
 * once per interval across replicas (runs per period close to 1 and never
 * above 1 + tolerance, nor below 1 - 2 x tolerance on average), or a
 * target period (cadence: the effective period within the tolerance of D).
 */
enum tune_goal_kind { TUNE_MOST_OFTEN, TUNE_ONCE_PER_INTERVAL, TUNE_CADENCE };

struct tune_goal {
    enum tune_goal_kind kind;
    double cadence_s; /* TUNE_CADENCE: the target period in seconds */
    char why[200];    /* why this goal ("--goal", or why the default) */
};

/* Parses "most-often", "once-per-interval" or "cadence=D". Returns 0 or -EINVAL with err. */
int tune_goal_parse(const char *text, struct tune_goal *g, char *err, size_t errlen);

/* The default goal: once-per-interval for several nodes and a time-based (lease-like) guard. */
void tune_goal_default(struct tune_goal *g, int nnodes, const struct guard_ops *guard);

/* "once-per-interval", "cadence=1m" */
char *tune_goal_name(const struct tune_goal *g, char *buf, size_t len);

#define TUNE_MAX_VARIANTS 32

/*
 * One tune per variant over the same grid; a setting is only as good as
 * its worst variant. ok[p]: every variant kept every constraint and the
 * goal. The recommendation is the best worst case; without one, nearest is
 * the setting that missed by the least.
 */
struct tune_multi {
    int nv;
    struct tune *t[TUNE_MAX_VARIANTS];
    const struct sweep_agg *agg[TUNE_MAX_VARIANTS];
    const char *vname[TUNE_MAX_VARIANTS]; /* "" for a scenario without variants */
    bool judged[TUNE_MAX_VARIANTS];       /* held to the goal; else to its constraints only */
    char why_not[TUNE_MAX_VARIANTS][300]; /* why a variant is not held to the goal */
    struct tune_goal goal;
    double tolerance;
    size_t npoints;
    bool *ok;    /* per point */
    double *dev; /* per point: worst distance from the goal (runs per period, period) */
    double *rpp_lo, *rpp_hi, *rph,
        *spr;   /* per point, over variants: worst means; rpp_hi: max seed */
    int *nfail; /* per point: variants that rejected it */
    long recommended, nearest;
    int m_rpp, m_eff;
};

/* Judges every point (after tune_decide of each variant). Returns 0 or -ENOMEM. */
int tune_multi_decide(struct tune_multi *tm);
void tune_multi_release(struct tune_multi *tm);

/* Why point p fails the goal or a variant's constraints ("" when it does not). */
char *tune_multi_reasons(const struct tune_multi *tm, size_t p, char *buf, size_t len);

/*
 * The margin of the recommendation on key k: the distance (in the key's
 * unit) to the nearest rejected setting below and above it along that axis,
 * NAN when none is rejected on that side within the grid.
 */
void tune_multi_margin(const struct tune_multi *tm, int k, double *below, double *above);

/* The explanation, one sentence per line; returns the count. */
int tune_multi_explain(const struct tune_multi *tm, char (*lines)[TUNE_LINE_LEN], int max);

#endif
