/*
 * The goal of tuning, judged over every variant (see tune.h). Each
 * variant's tune keeps its constraints (overlap, duplicates, the scenario's
 * bounds, the lock rule); on top, the goal: most-often takes the setting
 * whose worst variant runs the job most often; once-per-interval the one
 * whose worst variant's runs per period is closest to 1 (no seed above
 * 1 + tolerance, no variant's mean below 1 - 2 x tolerance: replicas
 * that share a task run it once per interval); cadence=D the one whose
 * worst effective period is closest to D (within the tolerance). Ties go
 * to the fewest skips, then to the setting deepest inside the acceptable
 * region, then to the most runs.
 */
#include "tune.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double mean(const struct sweep_agg *a, int m)
{
    return sweep_agg_mean(a, m);
}

/* The goal's verdict on one variant at p: 0 when met, else how far off (> 0). */
static double goal_miss(const struct tune_multi *tm, int v, size_t p)
{
    const struct sweep_agg *a = &tm->agg[v][p];
    double tol = tm->tolerance;
    if (!tm->judged[v])
        return 0;
    switch (tm->goal.kind) {
    case TUNE_ONCE_PER_INTERVAL: {
        double hi = a->max[tm->m_rpp] - (1 + tol), lo = (1 - 2 * tol) - mean(a, tm->m_rpp);
        return fmax(0, fmax(hi, lo));
    }
    case TUNE_CADENCE:
        return fmax(0, fabs(mean(a, tm->m_eff) / tm->goal.cadence_s - 1) - tol);
    default:
        return 0;
    }
}

/* How far the worst variant is from the ideal (smaller is better). */
static double goal_dev(const struct tune_multi *tm, size_t p)
{
    double worst = 0;
    for (int v = 0; v < tm->nv; v++) {
        const struct sweep_agg *a = &tm->agg[v][p];
        double d = 0;
        if (!tm->judged[v])
            continue;
        if (tm->goal.kind == TUNE_ONCE_PER_INTERVAL)
            d = fmax(fabs(1 - mean(a, tm->m_rpp)), a->max[tm->m_rpp] - 1);
        else if (tm->goal.kind == TUNE_CADENCE)
            d = fabs(mean(a, tm->m_eff) / tm->goal.cadence_s - 1);
        worst = fmax(worst, d);
    }
    return worst;
}

/* The point equal to p in every key but k, where k takes value index v. */
static size_t along(const struct sweep *sw, size_t p, int k, int v)
{
    size_t q = 0;
    for (int j = 0; j < sw->nkeys; j++)
        q = q * (size_t)sw->k[j].nvalues + (size_t)(j == k ? v : sweep_point_value(sw, p, j));
    return q;
}

static int neighbours(const struct tune_multi *tm, size_t p, int *total)
{
    const struct sweep *sw = tm->t[0]->sw;
    int idx[SWEEP_MAX_KEYS], ok = 0, span = 1, all = 0;
    for (int k = 0; k < sw->nkeys; k++) {
        idx[k] = sweep_point_value(sw, p, k);
        span *= 3;
    }
    for (int d = 0; d < span; d++) {
        int code = d, inside = 1, same = 1;
        size_t q = 0;
        for (int k = 0; k < sw->nkeys; k++) {
            int step = code % 3 - 1, val = idx[k] + step;
            code /= 3;
            same &= step == 0;
            inside &= val >= 0 && val < sw->k[k].nvalues;
            q = q * (size_t)sw->k[k].nvalues + (size_t)(inside ? val : 0);
        }
        if (!same && inside) {
            all++;
            ok += tm->ok[q];
        }
    }
    if (total)
        *total = all;
    return ok;
}

int tune_multi_decide(struct tune_multi *tm)
{
    size_t n = tm->t[0]->sw->npoints;
    tm->npoints = n;
    tm->m_rpp = metric_find("runs_per_period");
    tm->m_eff = metric_find("effective_period_s");
    tm->ok = calloc(n, sizeof(*tm->ok));
    tm->dev = calloc(n, sizeof(double));
    tm->rpp_lo = calloc(n, sizeof(double));
    tm->rpp_hi = calloc(n, sizeof(double));
    tm->rph = calloc(n, sizeof(double));
    tm->spr = calloc(n, sizeof(double));
    tm->nfail = calloc(n, sizeof(int));
    if (!tm->ok || !tm->dev || !tm->rpp_lo || !tm->rpp_hi || !tm->rph || !tm->spr || !tm->nfail)
        return -ENOMEM;
    for (size_t p = 0; p < n; p++) {
        tm->rpp_lo[p] = tm->rph[p] = INFINITY;
        tm->rpp_hi[p] = tm->spr[p] = -INFINITY;
        bool all = true;
        for (int v = 0; v < tm->nv; v++) {
            const struct sweep_agg *a = &tm->agg[v][p];
            bool valid = !a->invalid && a->nseeds > 0;
            bool okv = valid && tm->t[v]->pt[p].feasible && goal_miss(tm, v, p) == 0;
            tm->nfail[p] += !okv;
            all &= okv;
            if (!valid || !tm->judged[v])
                continue;
            tm->rpp_lo[p] = fmin(tm->rpp_lo[p], mean(a, tm->m_rpp));
            tm->rpp_hi[p] = fmax(tm->rpp_hi[p], a->max[tm->m_rpp]);
            tm->rph[p] = fmin(tm->rph[p], mean(a, tm->t[v]->m_rph));
            tm->spr[p] = fmax(tm->spr[p], mean(a, tm->t[v]->m_spr));
        }
        tm->ok[p] = all;
        tm->dev[p] = tm->goal.kind == TUNE_MOST_OFTEN ? -tm->rph[p] : goal_dev(tm, p);
    }
    /* the best worst case; within the tolerance counts as equal */
    double best = INFINITY;
    for (size_t p = 0; p < n; p++)
        if (tm->ok[p])
            best = fmin(best, tm->dev[p]);
    double slack = tm->goal.kind == TUNE_MOST_OFTEN ? tm->tolerance * fabs(best)
                                                    : fmax(0.005, tm->tolerance / 5);
    double least = INFINITY;
    for (size_t p = 0; p < n; p++)
        if (tm->ok[p] && tm->dev[p] <= best + slack)
            least = fmin(least, tm->spr[p]);
    tm->recommended = -1;
    int best_nb = -1;
    for (size_t p = 0; p < n; p++) {
        if (!tm->ok[p] || tm->dev[p] > best + slack ||
            tm->spr[p] > least + fmax(0.01, 0.05 * least))
            continue;
        int nb = neighbours(tm, p, NULL);
        long r = tm->recommended;
        if (r < 0 || nb > best_nb ||
            (nb == best_nb &&
             (tm->dev[p] < tm->dev[r] || (tm->dev[p] == tm->dev[r] && tm->rph[p] > tm->rph[r])))) {
            tm->recommended = (long)p;
            best_nb = nb;
        }
    }
    /* nothing acceptable: the setting rejected by the fewest variants, nearest the goal */
    tm->nearest = -1;
    for (size_t p = 0; p < n && tm->recommended < 0; p++) {
        long q = tm->nearest;
        if (q < 0 || tm->nfail[p] < tm->nfail[q] ||
            (tm->nfail[p] == tm->nfail[q] && tm->dev[p] < tm->dev[q]))
            tm->nearest = (long)p;
    }
    return 0;
}

void tune_multi_release(struct tune_multi *tm)
{
    free(tm->ok);
    free(tm->dev);
    free(tm->rpp_lo);
    free(tm->rpp_hi);
    free(tm->rph);
    free(tm->spr);
    free(tm->nfail);
    tm->ok = NULL;
    tm->dev = tm->rpp_lo = tm->rpp_hi = tm->rph = tm->spr = NULL;
    tm->nfail = NULL;
}

static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}

char *tune_multi_reasons(const struct tune_multi *tm, size_t p, char *buf, size_t len)
{
    char why[1200], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    buf[0] = 0;
    for (int v = 0; v < tm->nv; v++) {
        const struct tune *t = tm->t[v];
        const struct sweep_agg *a = &tm->agg[v][p];
        const char *at = tm->vname[v][0] ? "@" : "", *sep = buf[0] ? "; " : "";
        if (a->invalid || !a->nseeds || !t->pt[p].feasible) {
            append(buf, len, "%s%s%s: %s", sep, at, tm->vname[v],
                   tune_reasons(t, tm->agg[v], p, why, sizeof(why)));
            continue;
        }
        if (goal_miss(tm, v, p) == 0)
            continue;
        double top = a->max[tm->m_rpp], avg = mean(a, tm->m_rpp), tol = tm->tolerance;
        if (tm->goal.kind == TUNE_ONCE_PER_INTERVAL && top > 1 + tol)
            append(buf, len, "%s%s%s: %.3f runs per period on a seed, above %.2f by %.3f", sep, at,
                   tm->vname[v], top, 1 + tol, top - 1 - tol);
        else if (tm->goal.kind == TUNE_ONCE_PER_INTERVAL)
            append(buf, len, "%s%s%s: %.3f runs per period on average, below %.2f by %.3f", sep, at,
                   tm->vname[v], avg, 1 - 2 * tol, 1 - 2 * tol - avg);
        else
            append(buf, len, "%s%s%s: effective period %s, %.0f%% from the cadence %s", sep, at,
                   tm->vname[v],
                   time_format((sim_time)llround(mean(a, tm->m_eff) * 1e3) * SIM_MS, t1),
                   100 * fabs(mean(a, tm->m_eff) / tm->goal.cadence_s - 1),
                   time_format((sim_time)llround(tm->goal.cadence_s * 1e3) * SIM_MS, t2));
    }
    return buf;
}

void tune_multi_margin(const struct tune_multi *tm, int k, double *below, double *above)
{
    const struct sweep *sw = tm->t[0]->sw;
    size_t r = (size_t)tm->recommended;
    int at = sweep_point_value(sw, r, k);
    *below = *above = NAN;
    for (int dir = -1; dir <= 1; dir += 2)
        for (int v = at + dir; v >= 0 && v < sw->k[k].nvalues; v += dir) {
            if (tm->ok[along(sw, r, k, v)])
                continue;
            /* rounded: grid steps, without the binary noise of 1 - 0.9 */
            *(dir < 0 ? below : above) =
                round(fabs(sw->k[k].num[v] - sw->k[k].num[at]) * 1e9) / 1e9;
            break;
        }
}

int tune_multi_explain(const struct tune_multi *tm, char (*lines)[TUNE_LINE_LEN], int max)
{
    const struct sweep *sw = tm->t[0]->sw;
    int n = 0;
    char label[400], why[2000], goal[64], vs[400] = "";
#define LINE(...) (n < max ? (void)snprintf(lines[n++], TUNE_LINE_LEN, __VA_ARGS__) : (void)0)
    for (int v = 0; v < tm->nv; v++)
        append(vs, sizeof(vs), "%s%s", v ? ", " : "", tm->vname[v][0] ? tm->vname[v] : "the base");
    tune_goal_name(&tm->goal, goal, sizeof(goal));
    size_t nok = 0;
    for (size_t p = 0; p < tm->npoints; p++)
        nok += tm->ok[p];
    if (tm->recommended < 0) {
        LINE("no setting kept every constraint and the goal (%s) on every variant judged (%.300s)",
             goal, vs);
        if (tm->nearest >= 0)
            LINE("nearest miss: %.300s, rejected by %d of %d variant%s: %.1400s",
                 sweep_point_label(sw, (size_t)tm->nearest, label, sizeof(label)),
                 tm->nfail[tm->nearest], tm->nv, tm->nv == 1 ? "" : "s",
                 tune_multi_reasons(tm, (size_t)tm->nearest, why, sizeof(why)));
        return n;
    }
    size_t r = (size_t)tm->recommended;
    sweep_point_label(sw, r, label, sizeof(label));
    if (tm->goal.kind == TUNE_ONCE_PER_INTERVAL)
        LINE(
            "%zu of %zu settings kept every constraint on every variant (%.300s) and ran the task "
            "about once per interval (no seed above %.2f runs per period, no variant below %.2f "
            "on average); %.300s comes closest to 1: runs per period %.3f on average in its lowest "
            "variant and %.3f on its highest seed, %.1f runs an hour, %.3f skips per run at "
            "worst",
            nok, tm->npoints, vs, 1 + tm->tolerance, 1 - 2 * tm->tolerance, label, tm->rpp_lo[r],
            tm->rpp_hi[r], tm->rph[r], tm->spr[r]);
    else if (tm->goal.kind == TUNE_CADENCE)
        LINE(
            "%zu of %zu settings kept every constraint on every variant (%.300s) with an effective "
            "period within %.0f%% of the cadence; %.300s comes closest (%.1f%% off at worst), "
            "%.1f runs an hour, %.3f skips per run at worst",
            nok, tm->npoints, vs, 100 * tm->tolerance, label, 100 * tm->dev[r], tm->rph[r],
            tm->spr[r]);
    else
        LINE("%zu of %zu settings kept every constraint on every variant (%.300s); %.300s runs the "
             "job "
             "most often in its worst variant, %.1f times an hour (within %.0f%% counts as "
             "equal), with %.3f skips per run at worst",
             nok, tm->npoints, vs, label, tm->rph[r], 100 * tm->tolerance, tm->spr[r]);
    int total, nb = neighbours(tm, r, &total);
    if (total)
        LINE("%d of its %d grid neighbours are acceptable on every variant too%s", nb, total,
             nb == total ? ": it sits inside the acceptable region"
                         : ": it is near the region's edge, mind the margin");
    for (int k = 0; k < sw->nkeys; k++) {
        double lo, hi;
        tune_multi_margin(tm, k, &lo, &hi);
        char a[96], b[96];
        const char *u = sw->k[k].duration ? "s" : "";
        if (isnan(lo))
            snprintf(a, sizeof(a), "none below (down to %s)", sw->k[k].text[0]);
        else
            snprintf(a, sizeof(a), "%g%s below", lo, u);
        if (isnan(hi))
            snprintf(b, sizeof(b), "none above (up to %s)", sw->k[k].text[sw->k[k].nvalues - 1]);
        else
            snprintf(b, sizeof(b), "%g%s above", hi, u);
        LINE("margin on %s (the rest as recommended): the nearest rejected setting is %s, %s",
             sw->k[k].key, a, b);
    }
    /* the first rejected setting each way along each axis, and why */
    for (int k = 0; k < sw->nkeys; k++) {
        int at = sweep_point_value(sw, r, k);
        for (int dir = -1; dir <= 1; dir += 2)
            for (int v = at + dir; v >= 0 && v < sw->k[k].nvalues; v += dir) {
                size_t q = along(sw, r, k, v);
                if (tm->ok[q])
                    continue;
                LINE("%s = %s is rejected: %.500s", sw->k[k].key, sw->k[k].text[v],
                     tune_multi_reasons(tm, q, why, sizeof(why)));
                break;
            }
    }
#undef LINE
    return n;
}
