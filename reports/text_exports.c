/*
 * Text rendering of the export metrics for run and compare: what reached the
 * sinks, the delivery guarantee that shows (exactly once, at least once, at
 * most once), lag, the database's deadlocks, and the event store's Add()
 * waits. Printed only when the scenario models exports.
 */
#include <inttypes.h>
#include <stdio.h>

#include "text_out.h"

/* Rounded for reading: to the millisecond from a second up, else to the microsecond. */
static char *ms(sim_time t, char *buf)
{
    return time_format(t >= SIM_S ? t / SIM_MS * SIM_MS : t / SIM_US * SIM_US, buf);
}

const char *text_exports_guarantee(const struct metrics *m)
{
    return export_metrics_guarantee(&m->xp);
}

void text_exports(FILE *f, const struct metrics *m)
{
    const struct export_metrics *x = &m->xp;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN];
    if (!x->on)
        return;
    fprintf(f, "  items %" PRIu64, x->items);
    if (x->nconsumers > 1)
        fprintf(f, " x %d consumers", x->nconsumers);
    fprintf(f,
            "   exports %" PRIu64 "   duplicates %" PRIu64 "   redelivered %" PRIu64
            "   lost %" PRIu64 "   late %" PRIu64 "   in flight at the end %" PRIu64 "\n",
            x->exports, x->duplicates, x->redelivered, x->lost, x->late, x->pending);
    fprintf(f, "  delivery: %s   lag p50 %s   p99 %s   max %s\n", text_exports_guarantee(m),
            ms(hist_quantile(&x->lag, 0.5), t1), ms(hist_quantile(&x->lag, 0.99), t2),
            ms(x->lag.count ? x->lag.max : 0, t3));
    if (!x->adds || x->deadlocks || x->lock_waits || x->write_errors || x->export_failures ||
        x->crashes || x->fenced)
        fprintf(f,
                "  database: deadlocks %" PRIu64 "   lock waits %" PRIu64
                " (%s)   write errors %" PRIu64 "   failed exports %" PRIu64 "   crashes %" PRIu64
                "   fenced %" PRIu64 "\n",
                x->deadlocks, x->lock_waits, ms(x->lock_wait_time, t1), x->write_errors,
                x->export_failures, x->crashes, x->fenced);
    for (int i = 0; i < x->ndups && i < 3; i++) {
        const struct dup_sample *d = &x->dup[i];
        fprintf(f,
                "  duplicates: %" PRIu64 " item%s from %" PRIu64
                " (consumer %d) written again by run %" PRIu64,
                d->count, d->count == 1 ? "" : "s", d->item, d->consumer, d->run);
        if (d->first_run)
            fprintf(f, ", first by run %" PRIu64, d->first_run);
        fprintf(f, ", at %s\n", time_format_clock(d->at, t1));
    }
    if (x->adds)
        fprintf(f, "  event store: Add() %" PRIu64 " calls, blocked p50 %s   p99 %s   max %s\n",
                x->adds, ms(hist_quantile(&x->add_blocked, 0.5), t1),
                ms(hist_quantile(&x->add_blocked, 0.99), t2),
                ms(x->add_blocked.count ? x->add_blocked.max : 0, t3));
    if (x->nconsumers > 1) {
        fprintf(f, "  per consumer:");
        for (int i = 0; i < x->nconsumers; i++)
            fprintf(f, "  #%d %" PRIu64 " exported (%" PRIu64 " dup, %" PRIu64 " lost)", i,
                    x->consumer[i].exports, x->consumer[i].duplicates, x->consumer[i].lost);
        fprintf(f, "\n");
    }
}

void text_exports_row(FILE *f, const struct metrics *m)
{
    const struct export_metrics *x = &m->xp;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    if (!x->on)
        return;
    fprintf(f,
            "  %14s exports %" PRIu64 "  dup %" PRIu64 "  lost %" PRIu64 "  deadlocks %" PRIu64
            "  lag p99 %s",
            "", x->exports, x->duplicates, x->lost, x->deadlocks,
            ms(hist_quantile(&x->lag, 0.99), t1));
    if (x->adds)
        fprintf(f, "  Add() blocked p99 %s", ms(hist_quantile(&x->add_blocked, 0.99), t2));
    fprintf(f, "  (%s)\n", text_exports_guarantee(m));
}
