/*
 * Plots of a finished sweep: per guard, a heatmap over the first two varied
 * keys (one per value of a third) or a line chart for one key, of the
 * violating-seed rate or a metric's mean or maximum over the seeds, with the
 * acceptable region outlined and a recommended setting marked (tune).
 */
#ifndef REPORTS_SWEEP_PLOT_H
#define REPORTS_SWEEP_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../sim/analyses/sweep.h"

enum sweep_view { SV_VIOLATING, SV_MEAN, SV_MAX };

/* What a sweep plot shows: a metric's mean or maximum over seeds, or the violating-seed rate. */
struct sweep_view_spec {
    const char *file;  /* "violating", "runs_per_hour", ... */
    const char *label; /* colour bar / axis label */
    int metric;        /* metric_defs index (unused for SV_VIOLATING) */
    enum sweep_view view;
    int palette; /* enum plot_palette */
};

/* The plot value of one aggregate (NAN when the setting could not run). */
double sweep_plot_value(const struct sweep_agg *a, const struct sweep_view_spec *v);

/*
 * Draws one view for guard `guard`: a heatmap over the first two keys (for
 * three keys, one heatmap per value of the third, file suffix "-<value>"),
 * or a line chart for one key. feasible (per point, may be NULL: zero
 * violating seeds) gives the outlined region; rec_point (or -1) is marked.
 * Writes the stems of the files drawn into names (up to max, "\n"-separated)
 * and returns 0, or an error as plot.h's writers do (-ENOENT: no gnuplot).
 */
int sweep_plot_view(const struct sweep *sw, const struct sweep_agg *agg, int guard,
                    const struct sweep_view_spec *v, const bool *feasible, long rec_point,
                    const char *dir, const char *stem, char *names, size_t max);

/* The standard views: violating-seed rate, runs per hour, longest gap, and duplicates when that
 * metric exists. */
int sweep_plot_default_views(struct sweep_view_spec *out, int max);

#endif
