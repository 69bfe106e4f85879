/*
 * What one simulated run measured, and the named metrics that expectations,
 * JSON output and reports read from it. Everything here is bounded: a year
 * of simulated time costs the same memory as a minute.
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export_metrics.h"
#include "../base/hist.h"
#include "../base/time.h"

#define METRICS_WINDOWS 8 /* overlap windows kept in detail; all are counted */

struct overlap_window {
    sim_time start, end;
    uint64_t run_a, run_b; /* the run already going and the one that joined it */
    int node_a, node_b;
};

struct metrics {
    uint64_t seed;
    sim_time duration, interval;
    uint64_t triggers;  /* every trigger: ticks, scheduled times, manual requests */
    uint64_t manual;    /* of which manual */
    uint64_t runs;      /* triggers that passed the guard and started the job */
    uint64_t skipped;   /* triggers the guard turned away */
    uint64_t coalesced; /* ticks the scheduler dropped (Go's one-slot channel) */
    uint64_t guard_errors;
    uint64_t unfinished; /* runs still going when the simulation ended */
    int max_concurrency;
    uint64_t overlaps; /* windows with more runs at once than allowed */
    sim_time overlap_time;
    int nwindows;
    struct overlap_window window[METRICS_WINDOWS];
    sim_time first_start, last_start;
    sim_time longest_gap, longest_gap_at; /* between starts, or to the end */
    uint64_t long_cycles;                 /* runs longer than the interval */
    struct hist lateness;                 /* trigger to start */
    struct hist cycle;                    /* start to end */
    uint64_t events;                      /* engine events processed */
    uint64_t stale_writes;                /* accepted writes of a run older than the last writer */
    uint64_t stale_writes_rejected;       /* writes the sink's fencing check turned away */
    uint64_t job_errors;                  /* runs that threw */
    uint64_t runs_killed;                 /* runs cut off by kill -9 */
    uint64_t db_errors;                   /* statements that failed or timed out */
    uint64_t faults_hit;        /* times a fault took effect on a run, process or statement */
    uint64_t faults_hit_holder; /* of which on a run that held its guard */
    struct export_metrics xp;   /* exports and the event store */
};

void metrics_init(struct metrics *m);

/* Did this run break the concurrency invariant (more than limit runs at once)? */
bool metrics_violates(const struct metrics *m, int limit);

/*
 * Safety, from the invariants alone, whatever a scenario expects: at most
 * limit runs at once; with exports modelled, no duplicate and no lost item;
 * no stale write accepted. metrics_safe says whether m kept them all;
 * metrics_unsafe_reason writes which it broke ("" when safe) into buf.
 */
bool metrics_safe(const struct metrics *m, int limit);
char *metrics_unsafe_reason(const struct metrics *m, int limit, char *buf, size_t len);

/* Folds one seed's metrics into an aggregate (counters add, maxima max). */
void metrics_merge(struct metrics *into, const struct metrics *from);

struct metric_def {
    const char *name;
    const char *doc;
};

/* The metrics expectations may name, NULL-terminated. */
extern const struct metric_def metric_defs[];

/* Looks a metric up by name: its index, or -1. */
int metric_find(const char *name);

/* The value of metric i of m. */
double metric_value(const struct metrics *m, int i);

#endif
