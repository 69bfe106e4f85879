/* Initialising and merging export metrics (see export_metrics.h). */
#include "export_metrics.h"

#include <string.h>

void export_metrics_init_zeroed(struct export_metrics *x)
{
    hist_init_zeroed(&x->lag);
    hist_init_zeroed(&x->add_blocked);
}

void export_metrics_init(struct export_metrics *x)
{
    memset(x, 0, sizeof(*x));
    export_metrics_init_zeroed(x);
}

void export_metrics_dup(struct export_metrics *x, const struct dup_sample *d)
{
    if (x->ndups < EXPORT_DUP_SAMPLES)
        x->dup[x->ndups++] = *d;
}

void export_metrics_merge(struct export_metrics *a, const struct export_metrics *b)
{
    if (!b->on) /* all zero: spare the histogram merges */
        return;
    a->on |= b->on;
    a->items += b->items;
    a->exports += b->exports;
    a->delivered += b->delivered;
    a->duplicates += b->duplicates;
    a->redelivered += b->redelivered;
    a->lost += b->lost;
    a->late += b->late;
    a->pending += b->pending;
    a->deadlocks += b->deadlocks;
    a->lock_waits += b->lock_waits;
    a->lock_wait_time += b->lock_wait_time;
    a->write_errors += b->write_errors;
    a->export_failures += b->export_failures;
    a->crashes += b->crashes;
    a->fenced += b->fenced;
    hist_merge(&a->lag, &b->lag);
    a->adds += b->adds;
    hist_merge(&a->add_blocked, &b->add_blocked);
    if (b->nconsumers > a->nconsumers)
        a->nconsumers = b->nconsumers;
    for (int i = 0; i < b->nconsumers; i++) {
        a->consumer[i].exports += b->consumer[i].exports;
        a->consumer[i].delivered += b->consumer[i].delivered;
        a->consumer[i].duplicates += b->consumer[i].duplicates;
        a->consumer[i].lost += b->consumer[i].lost;
    }
    for (int i = 0; i < b->ndups; i++)
        export_metrics_dup(a, &b->dup[i]);
}

const char *export_metrics_guarantee(const struct export_metrics *x)
{
    if (!x->on)
        return "no exports";
    if (x->duplicates && x->lost)
        return "neither: duplicates and lost items";
    if (x->duplicates)
        return "at least once: duplicates";
    if (x->lost)
        return "at most once: lost items";
    if (x->redelivered)
        return "exactly once in the sink (idempotent; delivered at least once)";
    return "exactly once";
}
