/* Heatmaps and line charts of a sweep's aggregates (see sweep_plot.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/base/mem.h"
#include "plot.h"
#include "sweep_plot.h"

double sweep_plot_value(const struct sweep_agg *a, const struct sweep_view_spec *v)
{
    if (a->invalid || !a->nseeds)
        return NAN;
    switch (v->view) {
    case SV_VIOLATING:
        return (double)a->violating / (double)a->nseeds;
    case SV_MEAN:
        return sweep_agg_mean(a, v->metric);
    case SV_MAX:
        return a->max[v->metric];
    }
    return NAN;
}

int sweep_plot_default_views(struct sweep_view_spec *out, int max)
{
    int n = 0;
    if (n < max)
        out[n++] = (struct sweep_view_spec){"violating", "violating seeds (share)", -1,
                                            SV_VIOLATING, PLOT_PAL_BAD};
    int m = metric_find("runs_per_hour");
    if (m >= 0 && n < max)
        out[n++] = (struct sweep_view_spec){"runs_per_hour", "runs per hour (mean over seeds)", m,
                                            SV_MEAN, PLOT_PAL_GOOD};
    m = metric_find("longest_gap_s");
    if (m >= 0 && n < max)
        out[n++] = (struct sweep_view_spec){"longest_gap_s", "longest gap, s (worst seed)", m,
                                            SV_MAX, PLOT_PAL_BAD};
    m = metric_find("duplicates");
    if (m >= 0 && n < max)
        out[n++] = (struct sweep_view_spec){"duplicates", "duplicate exports (mean over seeds)", m,
                                            SV_MEAN, PLOT_PAL_BAD};
    return n;
}

static void add_name(char *names, size_t max, const char *name)
{
    size_t n = strlen(names);
    snprintf(names + n, max - n, "%s%s", n ? "\n" : "", name);
}

/* The point of value indices (i0, i1, i2). */
static size_t point_of(const struct sweep *sw, const int *idx)
{
    size_t p = 0;
    for (int k = 0; k < sw->nkeys; k++)
        p = p * (size_t)sw->k[k].nvalues + (size_t)idx[k];
    return p;
}

int sweep_plot_view(const struct sweep *sw, const struct sweep_agg *agg, int guard,
                    const struct sweep_view_spec *v, const bool *feasible, long rec_point,
                    const char *dir, const char *stem, char *names, size_t max)
{
    const struct sweep_agg *ga = agg + (size_t)guard * sw->npoints;
    int nx = sw->k[0].nvalues, ny = sw->nkeys > 1 ? sw->k[1].nvalues : 1;
    int nz = sw->nkeys > 2 ? sw->k[2].nvalues : 1;
    double *val = mem_calloc((size_t)nx * (size_t)ny, sizeof(double));
    bool *ok = mem_calloc((size_t)nx * (size_t)ny, sizeof(bool));
    const char **xl = mem_calloc((size_t)nx, sizeof(char *));
    const char **yl = mem_calloc((size_t)ny, sizeof(char *));
    int rc = 0;
    if (!val || !ok || !xl || !yl) {
        rc = -ENOMEM;
        goto out;
    }
    for (int x = 0; x < nx; x++)
        xl[x] = sw->k[0].text[x];
    for (int y = 0; y < ny; y++)
        yl[y] = sw->nkeys > 1 ? sw->k[1].text[y] : "";
    int rec[SWEEP_MAX_KEYS] = {-1, -1, -1};
    if (rec_point >= 0)
        for (int k = 0; k < sw->nkeys; k++)
            rec[k] = sweep_point_value(sw, (size_t)rec_point, k);

    /* a shared colour scale across slices, so they compare */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t p = 0; p < sw->npoints; p++) {
        double x = sweep_plot_value(&ga[p], v);
        if (!isnan(x)) {
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    }
    if (v->view == SV_VIOLATING)
        lo = 0, hi = 1;
    if (!(hi > lo))
        hi = lo + 1;
    /* counts of bad things start at zero; rates of good ones use their range, for contrast */
    if (v->palette == PLOT_PAL_BAD && v->view != SV_VIOLATING && lo > 0)
        lo = 0;

    for (int z = 0; z < nz; z++) {
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                int idx[3] = {x, y, z};
                size_t p = point_of(sw, idx);
                val[y * nx + x] = sweep_plot_value(&ga[p], v);
                ok[y * nx + x] =
                    feasible ? feasible[p] : !ga[p].invalid && ga[p].nseeds && !ga[p].violating;
            }
        char name[300], title[600], who[200];
        snprintf(who, sizeof(who), "%s%s%s / %s, seeds %llu..%llu", sw->wsc[0]->base.name,
                 sw->variant >= 0 ? "@" : "", scenario_variant_name(sw->wsc[0], sw->variant),
                 sw->guard[guard]->name, (unsigned long long)sw->seeds.from,
                 (unsigned long long)sw->seeds.to);
        if (nz > 1) {
            const char *dot = strrchr(sw->k[2].key, '.');
            snprintf(name, sizeof(name), "%s-%s-%s", stem, dot ? dot + 1 : sw->k[2].key,
                     sw->k[2].text[z]);
            for (char *c = name + strlen(stem); *c; c++)
                if (*c == '/' || *c == ' ' || *c == '(' || *c == ')' || *c == ',')
                    *c = '_';
            snprintf(title, sizeof(title), "%s\n%s at %s = %s", who, v->label, sw->k[2].key,
                     sw->k[2].text[z]);
        } else {
            snprintf(name, sizeof(name), "%s", stem);
            snprintf(title, sizeof(title), "%s\n%s", who, v->label);
        }
        bool here = rec_point >= 0 && (nz == 1 || rec[2] == z);
        struct plot_grid g = {
            .nx = nx,
            .ny = ny,
            .xkey = sw->k[0].key,
            .ykey = sw->nkeys > 1 ? sw->k[1].key : "",
            .xlabel = xl,
            .ylabel = yl,
            .value = val,
            .feasible = ok,
            .rec_x = here ? rec[0] : -1,
            .rec_y = here && sw->nkeys > 1 ? rec[1] : 0,
            .metric = v->label,
            .palette = (enum plot_palette)v->palette,
            .cbmin = lo,
            .cbmax = hi,
        };
        int r = ny > 1 ? plot_grid_heatmap(dir, name, &g, title)
                       : plot_grid_sweep_line(dir, name, &g, title);
        if (r == -ENOENT || r == -EIO) {
            if (!rc || r == -EIO)
                rc = r;
        } else if (r) {
            rc = r;
            break;
        }
        add_name(names, max, name);
    }
out:
    mem_free(yl);
    mem_free(xl);
    mem_free(ok);
    mem_free(val);
    return rc;
}
