/*
 * The knobs of the export model ([export]: a source of items, a run that
 * fetches them after its watermark, writes them to a sink and commits the
 * watermark) and of the seed-001 event store ([store]: producers calling
 * Add(), consumers flushing on a timer and on demand). Plain data, part of
 * struct config; the keys are rows of config_keys[] (config.c).
 */
#ifndef SIM_EXPORT_CONFIG_H
#define SIM_EXPORT_CONFIG_H

#include <stddef.h>

#include "../base/dist.h"
#include "../base/time.h"
#include "../check/export_metrics.h" /* STORE_MAX_CONSUMERS */

enum export_sink { SINK_APPEND, SINK_IDEMPOTENT };
enum export_commit { COMMIT_SEPARATE, COMMIT_TRANSACTIONAL };
enum export_row_order { ROW_ORDER_RANDOM, ROW_ORDER_SORTED };
enum store_scope { STORE_SCOPE_GLOBAL, STORE_SCOPE_SPLIT, STORE_SCOPE_PER_CONSUMER };
enum store_offset { STORE_OFFSET_GIVEN, STORE_OFFSET_LAST };

#define EXPORT_MAX_ROWS 16

struct export_config {
    struct dist arrival; /* time between items at the source; DIST_NONE: no exports */
    int sink;            /* enum export_sink */
    int commit;          /* enum export_commit */
    int batch;           /* most items a run fetches; 0: all pending */
    int chunk;           /* items per write transaction; 0: one transaction */
    int shared_rows;     /* rows every write also updates, in row_order */
    int row_order;       /* enum export_row_order */
    sim_time deadlock_timeout;
    double write_fail; /* chance that a write transaction fails */
    double crash;      /* chance that the process dies between write and commit */
    int retries;       /* retries of a failed write before the run gives up */
    sim_time retry_delay;
    sim_time lag_allowance; /* undelivered this long after arriving: lost */
};

struct store_config {
    int consumers;      /* 0: no event store */
    struct dist add;    /* time between Add() calls */
    int lock_scope;     /* enum store_scope */
    int offset_update;  /* enum store_offset */
    sim_time hold;      /* store mutex held to fetch pending events or set an offset */
    struct dist demand; /* per consumer: time between on-demand Flush() calls */
};

struct config;

/* Defaults of both sections (exports and the store off). */
void export_config_defaults(struct config *c);

/*
 * Checks the export and store knobs of c together. Returns 0, or -EINVAL
 * with the reason in err and the offending key's name in *key.
 */
int export_config_check(const struct config *c, char *err, size_t errlen, const char **key);

/*
 * Takes the randomness out of the export and store knobs, for an explicit
 * scenario (shrink): arrivals and Add() calls at their mean rate, on-demand
 * flushes off (they come back as explicit manual requests).
 */
void export_config_make_explicit(struct config *c);

/* Are exports modelled at all (a source or an event store)? */
int export_config_enabled(const struct config *c);

#endif
