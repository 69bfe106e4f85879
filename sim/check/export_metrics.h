/*
 * What the export model and the event store measured in one run (part of
 * struct metrics, bounded like the rest): the exactly-once counters summed
 * over consumers and per consumer, the first few duplicates with the runs
 * that wrote them, delivery lag, deadlocks, and how long Add() waited.
 */
#ifndef SIM_EXPORT_METRICS_H
#define SIM_EXPORT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/hist.h"
#include "../base/time.h"

#define EXPORT_DUP_SAMPLES 8
#define STORE_MAX_CONSUMERS 8 /* consumers of the event store ([store] consumers) */

/* One write that put copies into a sink: its first repeated item, and how many. */
struct dup_sample {
    sim_time at;        /* when the copies were written */
    uint64_t item;      /* the first repeated item of that write */
    uint64_t count;     /* items of that write that were already there */
    uint64_t first_run; /* the run that wrote item first; 0: no longer known */
    uint64_t run;       /* the run that wrote the copies */
    int consumer;
};

struct consumer_metrics {
    uint64_t exports;   /* item writes that reached this consumer's sink */
    uint64_t delivered; /* distinct items */
    uint64_t duplicates;
    uint64_t lost;
};

struct export_metrics {
    bool on;          /* exports were modelled */
    uint64_t items;   /* arrived at the source (the store: Add() calls) */
    uint64_t exports; /* item writes that reached a sink, repeats included */
    uint64_t delivered;
    uint64_t duplicates;  /* extra copies in a sink */
    uint64_t redelivered; /* repeats an idempotent sink absorbed */
    uint64_t lost;
    uint64_t late;
    uint64_t pending; /* undelivered at the end but younger than the allowance */
    uint64_t deadlocks;
    uint64_t lock_waits;
    sim_time lock_wait_time;
    uint64_t write_errors;
    uint64_t export_failures; /* runs that gave up without moving the watermark */
    uint64_t crashes;
    uint64_t fenced;
    struct hist lag;
    uint64_t adds;
    struct hist add_blocked;
    int nconsumers;
    struct consumer_metrics consumer[STORE_MAX_CONSUMERS];
    int ndups;
    struct dup_sample dup[EXPORT_DUP_SAMPLES];
};

void export_metrics_init(struct export_metrics *x);
/* export_metrics_init for bytes already zero (metrics_init zeroes the whole struct). */
void export_metrics_init_zeroed(struct export_metrics *x);
void export_metrics_merge(struct export_metrics *into, const struct export_metrics *from);

/* Records a write with duplicates, among the first few kept. */
void export_metrics_dup(struct export_metrics *x, const struct dup_sample *d);

/*
 * The delivery guarantee the counts show: "exactly once", "at least once:
 * duplicates", "at most once: lost items", ... (a static string).
 */
const char *export_metrics_guarantee(const struct export_metrics *x);

#endif
