/* Constraints, frontier, recommendation and explanation (see tune.h). */
#include "tune.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"

/* Metrics whose expectations say a setting starves the job or runs it too often. */
static const char *const bound_metrics[] = {"longest_gap_s", "max_gap_periods", "runs_per_period",
                                            "effective_period_s", NULL};
/* Metrics that must be zero when they exist (the exports checker's). */
static const char *const zero_metrics[] = {"duplicates", "lost", NULL};

static char *secs(double s, char *buf)
{
    return time_format((sim_time)llround(s * 1e3) * SIM_MS, buf);
}

/* The interval of point p in seconds. */
static double interval_at(const struct tune *t, size_t p)
{
    bool varied;
    double v = tune_key_value(t, "schedule.interval", p, &varied);
    return isnan(v) ? t->interval_s : v;
}

/* A lock time: a factor of the interval (lease) or a duration (ShedLock), or NAN. */
static double lock_time(const struct tune *t, size_t p, bool max, bool *varied, char *how,
                        size_t howlen)
{
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    double f = tune_key_value(t, max ? "max_factor" : "min_factor", p, varied);
    if (!isnan(f)) {
        double iv = interval_at(t, p);
        snprintf(how, howlen, "%s_factor x interval = %g x %s = %s", max ? "max" : "min", f,
                 secs(iv, t1), secs(f * iv, t2));
        return f * iv;
    }
    double d = tune_key_value(t, max ? "at_most_for" : "at_least_for", p, varied);
    if (!isnan(d)) {
        snprintf(how, howlen, "lock_at_%s_for = %s", max ? "most" : "least", secs(d, t1));
        return d;
    }
    return NAN;
}

static bool lease_like(const struct tune *t)
{
    const char *g = t->sw->guard[0]->name;
    bool varied = false;
    for (int k = 0; k < t->sw->nkeys; k++) {
        const char *key = t->sw->k[k].key;
        varied |= strstr(key, "factor") || strstr(key, "_for");
    }
    return varied || strstr(g, "lease") || strstr(g, "shedlock");
}

static void add(struct tune *t, const char *kind, int metric, int op, double value, const char *fmt,
                ...)
{
    if (t->nc == TUNE_MAX_CONSTRAINTS)
        return;
    struct tune_constraint *c = &t->c[t->nc++];
    snprintf(c->kind, sizeof(c->kind), "%s", kind);
    c->metric = metric;
    c->op = op;
    c->value = value;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof(c->text), fmt, ap);
    va_end(ap);
}

int tune_init(struct tune *t, const struct sweep *sw, double tolerance, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->sw = sw;
    t->tolerance = tolerance;
    t->recommended = -1;
    const struct scenario *sc = sw->wsc[0];
    struct model *m = mem_alloc(sizeof(*m));
    t->pt = mem_calloc(sw->npoints, sizeof(*t->pt));
    if (!m || !t->pt) {
        mem_free(m);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = scenario_model(sc, sw->variant, m, err, errlen);
    if (rc) {
        mem_free(m);
        return rc;
    }
    t->cfg = m->cfg;
    t->limit = m->cfg.limit;
    t->interval_s = time_to_sec(m->cfg.interval);
    mem_free(m);
    t->m_rph = metric_find("runs_per_hour");
    t->m_spr = metric_find("skips_per_run");
    t->m_gap = metric_find("longest_gap_s");
    t->m_dmax = metric_find("duration_max_s");
    t->m_dp99 = metric_find("duration_p99_s");

    add(t, "overlap", -1, EXPECT_LE, t->limit, "at most %d run%s at once", t->limit,
        t->limit == 1 ? "" : "s");
    for (int i = 0; zero_metrics[i]; i++) {
        int mi = metric_find(zero_metrics[i]);
        if (mi >= 0)
            add(t, zero_metrics[i], mi, EXPECT_EQ, 0, "%s = 0", zero_metrics[i]);
    }
    const struct expectation **sel = mem_alloc(sizeof(*sel) * (size_t)(sc->nexpect + 1));
    if (!sel) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int n = expect_select(sc->expect, sc->nexpect, sw->guard[0]->name,
                          scenario_variant_name(sc, sw->variant), sel);
    for (int i = 0; i < n; i++) {
        const struct expectation *e = sel[i];
        if (e->mode != EXPECT_EVERY)
            continue;
        bool bound = false;
        for (int k = 0; bound_metrics[k]; k++)
            bound |= strcmp(metric_defs[e->metric].name, bound_metrics[k]) == 0;
        if (!bound)
            continue;
        char text[128];
        expect_format(e, text, sizeof(text));
        const char *name = metric_defs[e->metric].name;
        bool starve = (e->op == EXPECT_LE && (strstr(name, "gap") || strstr(name, "effective"))) ||
                      (e->op == EXPECT_GE && strcmp(name, "runs_per_period") == 0);
        const char *base = strrchr(sc->path, '/');
        add(t, starve ? "starvation" : "bound", e->metric, e->op, e->value, "%s (%s:%d)", text,
            base ? base + 1 : sc->path, e->line);
    }
    mem_free(sel);

    /* a lease's max lock time must outlast every run, or another node takes it mid-run */
    bool varied;
    char how[200];
    if (lease_like(t) && !isnan(lock_time(t, 0, true, &varied, how, sizeof(how))) && t->m_dmax >= 0)
        add(t, "lock", -2, EXPECT_GE, 0, "max lock time longer than the longest run");
    return 0;
}

void tune_release(struct tune *t)
{
    mem_free(t->pt);
    t->pt = NULL;
}

static bool holds(int op, double v, double want)
{
    struct expectation e = {.op = (enum expect_op)op, .value = want};
    return expect_holds(&e, v);
}

void tune_row(struct tune *t, const struct sweep_row *r)
{
    if (r->guard != 0 || r->invalid)
        return;
    struct tune_point *p = &t->pt[r->point];
    bool any = false;
    for (int i = 0; i < t->nc; i++) {
        const struct tune_constraint *c = &t->c[i];
        double v;
        bool ok;
        if (c->metric == -2) { /* the lock rule: margin of max lock time over the longest run */
            bool varied;
            char how[200];
            v = lock_time(t, r->point, true, &varied, how, sizeof(how)) - r->metric[t->m_dmax];
            ok = v > 0;
        } else if (c->metric < 0) {
            v = r->metric[metric_find("max_concurrency")];
            ok = !r->violation;
        } else {
            v = r->metric[c->metric];
            ok = holds(c->op, v, c->value);
        }
        if (ok)
            continue;
        if (!p->fails[i]++) {
            p->first_seed[i] = r->seed;
            p->worst[i] = v;
        } else if ((c->op == EXPECT_GE && v < p->worst[i]) ||
                   (c->op != EXPECT_GE && v > p->worst[i])) {
            p->worst[i] = v;
        }
        if (!any && !p->replay[0])
            snprintf(p->replay, sizeof(p->replay), "%s", r->replay);
        any = true;
    }
}

static double rph(const struct tune *t, const struct sweep_agg *a)
{
    return sweep_agg_mean(a, t->m_rph);
}
static double spr(const struct tune *t, const struct sweep_agg *a)
{
    return sweep_agg_mean(a, t->m_spr);
}

void tune_decide(struct tune *t, const struct sweep_agg *agg)
{
    const struct sweep *sw = t->sw;
    double best = -1;
    for (size_t p = 0; p < sw->npoints; p++) {
        struct tune_point *tp = &t->pt[p];
        tp->feasible = !agg[p].invalid && agg[p].nseeds > 0;
        for (int i = 0; i < t->nc; i++)
            tp->feasible &= tp->fails[i] == 0;
        if (tp->feasible && rph(t, &agg[p]) > best)
            best = rph(t, &agg[p]);
    }
    /* the frontier: not beaten on both runs per hour and skips per run */
    for (size_t p = 0; p < sw->npoints; p++) {
        if (!t->pt[p].feasible)
            continue;
        bool beaten = false;
        for (size_t q = 0; q < sw->npoints && !beaten && sw->npoints <= 20000; q++) {
            if (q == p || !t->pt[q].feasible)
                continue;
            double rp = rph(t, &agg[p]), rq = rph(t, &agg[q]);
            double sp = spr(t, &agg[p]), sq = spr(t, &agg[q]);
            beaten = rq >= rp && sq <= sp && (rq > rp || sq < sp);
        }
        t->pt[p].frontier = !beaten;
    }
    /*
     * The recommendation: runs within the tolerance of the most count as
     * equal; then the fewest skips (differences under 0.01 per run or 5%
     * are noise); then the setting deepest inside the acceptable region,
     * so a small change in the real system does not tip it over; then the
     * most runs.
     */
    t->recommended = -1;
    double least = INFINITY;
    for (size_t p = 0; p < sw->npoints; p++)
        if (t->pt[p].feasible && rph(t, &agg[p]) >= best * (1 - t->tolerance) &&
            spr(t, &agg[p]) < least)
            least = spr(t, &agg[p]);
    int best_nb = -1;
    for (size_t p = 0; p < sw->npoints; p++) {
        if (!t->pt[p].feasible || rph(t, &agg[p]) < best * (1 - t->tolerance) ||
            spr(t, &agg[p]) > least + fmax(0.01, 0.05 * least))
            continue;
        int nb = tune_neighbours(t, p, NULL);
        if (t->recommended < 0 || nb > best_nb ||
            (nb == best_nb && rph(t, &agg[p]) > rph(t, &agg[t->recommended]))) {
            t->recommended = (long)p;
            best_nb = nb;
        }
    }
}

int tune_neighbours(const struct tune *t, size_t p, int *total)
{
    const struct sweep *sw = t->sw;
    int idx[SWEEP_MAX_KEYS], ok = 0, all = 0;
    for (int k = 0; k < sw->nkeys; k++)
        idx[k] = sweep_point_value(sw, p, k);
    /* every point that differs by at most one step in each key */
    int span = 1;
    for (int k = 0; k < sw->nkeys; k++)
        span *= 3;
    for (int d = 0; d < span; d++) {
        int code = d, q = 0, inside = 1, same = 1;
        for (int k = 0; k < sw->nkeys; k++) {
            int step = code % 3 - 1, v = idx[k] + step;
            code /= 3;
            same &= step == 0;
            inside &= v >= 0 && v < sw->k[k].nvalues;
            q = q * sw->k[k].nvalues + v;
        }
        if (same || !inside)
            continue;
        all++;
        ok += t->pt[q].feasible;
    }
    if (total)
        *total = all;
    return ok;
}

static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n >= len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}

char *tune_reasons(const struct tune *t, const struct sweep_agg *agg, size_t p, char *buf,
                   size_t len)
{
    buf[0] = 0;
    const struct sweep_agg *a = &agg[p];
    if (a->invalid) {
        snprintf(buf, len, "cannot run: %s", a->first_failed);
        return buf;
    }
    const struct tune_point *tp = &t->pt[p];
    for (int i = 0; i < t->nc; i++) {
        if (!tp->fails[i])
            continue;
        const struct tune_constraint *c = &t->c[i];
        if (c->metric == -2) {
            char t1[TIME_FMT_LEN];
            append(buf, len,
                   "%slock: a run outlasted the max lock time on %" PRIu64 "/%" PRIu64
                   " seeds (by up to %s, seed %" PRIu64 ")",
                   buf[0] ? "; " : "", tp->fails[i], a->nseeds, secs(-tp->worst[i], t1),
                   tp->first_seed[i]);
        } else if (c->metric < 0)
            append(buf, len,
                   "%soverlap (%.0f runs at once) on %" PRIu64 "/%" PRIu64
                   " seeds, first seed %" PRIu64,
                   buf[0] ? "; " : "", tp->worst[i], tp->fails[i], a->nseeds, tp->first_seed[i]);
        else
            append(buf, len,
                   "%s%s %s failed on %" PRIu64 "/%" PRIu64 " seeds (worst %g, seed %" PRIu64 ")",
                   buf[0] ? "; " : "", c->kind, c->text, tp->fails[i], a->nseeds, tp->worst[i],
                   tp->first_seed[i]);
    }
    return buf;
}

double tune_key_value(const struct tune *t, const char *suffix, size_t p, bool *varied)
{
    const struct sweep *sw = t->sw;
    size_t n = strlen(suffix);
    *varied = false;
    for (int k = 0; k < sw->nkeys; k++) {
        size_t kn = strlen(sw->k[k].key);
        if (kn >= n && strcmp(sw->k[k].key + kn - n, suffix) == 0) {
            *varied = true;
            return sw->k[k].num[sweep_point_value(sw, p, k)];
        }
    }
    for (const struct config_key *k = config_keys; k->name; k++) {
        size_t kn = strlen(k->name);
        if (kn < n || strcmp(k->name + kn - n, suffix) != 0)
            continue;
        char buf[128];
        config_get(&t->cfg, k, buf, sizeof(buf));
        sim_time d;
        if (k->type == CT_DURATION && time_parse_duration(buf, &d) == 0)
            return time_to_sec(d);
        char *end;
        double v = strtod(buf, &end);
        return end != buf && !*end ? v : NAN;
    }
    return NAN;
}

int tune_drop_metric(struct tune *t, const char *metric, bool floors_only, double *floor,
                     char *text, size_t len)
{
    int m = metric_find(metric), kept = 0, dropped = 0;
    *floor = NAN;
    text[0] = 0;
    for (int i = 0; i < t->nc; i++) {
        if (t->c[i].metric != m || m < 0 || (floors_only && t->c[i].op != EXPECT_GE)) {
            t->c[kept++] = t->c[i];
            continue;
        }
        dropped++;
        if (t->c[i].op == EXPECT_GE && (isnan(*floor) || t->c[i].value < *floor)) {
            *floor = t->c[i].value;
            snprintf(text, len, "%s", t->c[i].text);
        }
    }
    t->nc = kept;
    return dropped;
}

/* The points equal to the recommendation in every key but k, in value order. */
static int slice(const struct tune *t, size_t r, int k, size_t *out)
{
    const struct sweep *sw = t->sw;
    int n = 0, idx[SWEEP_MAX_KEYS];
    for (int j = 0; j < sw->nkeys; j++)
        idx[j] = sweep_point_value(sw, r, j);
    for (int v = 0; v < sw->k[k].nvalues; v++) {
        size_t q = 0;
        for (int j = 0; j < sw->nkeys; j++)
            q = q * (size_t)sw->k[j].nvalues + (size_t)(j == k ? v : idx[j]);
        out[n++] = q;
    }
    return n;
}

/* The first reason of a rejected point, short: "overlap on 3/20 seeds". */
static char *short_reason(const struct tune *t, const struct sweep_agg *agg, size_t p, char *buf,
                          size_t len)
{
    tune_reasons(t, agg, p, buf, len);
    char *cut = strstr(buf, "; ");
    if (cut)
        *cut = 0;
    cut = strstr(buf, " (");
    if (cut && strncmp(buf, "overlap", 7) != 0 && strncmp(buf, "lock", 4) != 0)
        *cut = 0;
    return buf;
}

int tune_explain(const struct tune *t, const struct sweep_agg *agg, char (*lines)[TUNE_LINE_LEN],
                 int max)
{
    const struct sweep *sw = t->sw;
    int n = 0;
    char label[400], why[800], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN],
        t4[TIME_FMT_LEN];
#define LINE(...) (n < max ? (void)snprintf(lines[n++], TUNE_LINE_LEN, __VA_ARGS__) : (void)0)
    if (t->recommended < 0) {
        LINE("no setting kept every constraint on every seed; widen the ranges or relax the "
             "scenario's bounds");
        for (size_t p = 0; p < sw->npoints && p < 3; p++)
            LINE("%s: %s", sweep_point_label(sw, p, label, sizeof(label)),
                 tune_reasons(t, agg, p, why, sizeof(why)));
        return n;
    }
    size_t r = (size_t)t->recommended;
    const struct sweep_agg *ra = &agg[r];
    double best = 0;
    size_t nfeasible = 0;
    for (size_t p = 0; p < sw->npoints; p++)
        if (t->pt[p].feasible) {
            nfeasible++;
            if (rph(t, &agg[p]) > best)
                best = rph(t, &agg[p]);
        }
    LINE("%zu of %zu settings kept every constraint on all %" PRIu64 " seeds; among those, %s "
         "runs the job %.1f times an hour (the most is %.1f; within %.0f%% of it counts as "
         "equal) with the fewest skips, %.3f per run",
         nfeasible, sw->npoints, ra->nseeds, sweep_point_label(sw, r, label, sizeof(label)),
         rph(t, ra), best, t->tolerance * 100, spr(t, ra));
    int total, nb = tune_neighbours(t, r, &total);
    if (total)
        LINE("%d of its %d neighbours in the grid are acceptable too%s", nb, total,
             nb == total ? ": it sits inside the zero-violation region, not on its edge"
                         : ": it is on the edge of the zero-violation region, so keep a margin");

    /* one key at a time, the others as recommended */
    size_t sl[SWEEP_MAX_VALUES];
    for (int k = 0; k < sw->nkeys && sw->nkeys > 1; k++) {
        int m = slice(t, r, k, sl);
        char text[TUNE_LINE_LEN] = "";
        for (int i = 0; i < m; i++) {
            const char *v = sw->k[k].text[sweep_point_value(sw, sl[i], k)];
            if (sl[i] == r)
                append(text, sizeof(text), "%s%s recommended", i ? "; " : "", v);
            else if (agg[sl[i]].invalid)
                append(text, sizeof(text), "%s%s cannot run", i ? "; " : "", v);
            else if (!t->pt[sl[i]].feasible)
                append(text, sizeof(text), "%s%s rejected (%s)", i ? "; " : "", v,
                       short_reason(t, agg, sl[i], why, sizeof(why)));
            else
                append(text, sizeof(text), "%s%s %.1f runs/h", i ? "; " : "", v,
                       rph(t, &agg[sl[i]]));
        }
        LINE("%s, the rest as recommended: %.480s", sw->k[k].key, text);
    }

    /* the runs themselves, against the interval */
    double iv = interval_at(t, r);
    LINE("at the recommendation runs take p99 %s and at most %s against an interval of %s; the "
         "longest gap between starts was %s",
         secs(ra->max[t->m_dp99], t1), secs(ra->max[t->m_dmax], t2), secs(iv, t3),
         secs(ra->max[t->m_gap], t4));

    /* shorter intervals: why they fail, from the runs measured there */
    bool iv_varied;
    tune_key_value(t, "schedule.interval", r, &iv_varied);
    long below = -1;
    for (size_t p = 0; iv_varied && p < sw->npoints; p++)
        if (!t->pt[p].feasible && !agg[p].invalid && agg[p].nseeds && interval_at(t, p) < iv &&
            (below < 0 || interval_at(t, p) > interval_at(t, (size_t)below)))
            below = (long)p;
    int m_p50 = metric_find("duration_p50_s"), m_long = metric_find("long_cycle_ratio");
    if (below >= 0 && m_p50 >= 0 && m_long >= 0) {
        const struct sweep_agg *b = &agg[below];
        LINE("at a %s interval runs take p50 %s and p99 %s, so %.0f%% of them outlast it: the "
             "triggers that meet a run still going are skipped (%.2f per run) and the job falls "
             "behind its schedule",
             secs(interval_at(t, (size_t)below), t1), secs(sweep_agg_mean(b, m_p50), t2),
             secs(sweep_agg_mean(b, t->m_dp99), t3), 100 * sweep_agg_mean(b, m_long), spr(t, b));
    }

    if (!lease_like(t))
        return n;
    char how[200];
    bool vmax, vmin;
    double maxlock = lock_time(t, r, true, &vmax, how, sizeof(how));
    if (!isnan(maxlock)) {
        double longest = ra->max[t->m_dmax];
        LINE("max lock time must exceed the longest run, or the lease expires mid-run and another "
             "node takes it: here %s, %s the longest run seen (%s)",
             how, maxlock > longest ? "longer than" : "NOT longer than", secs(longest, t1));
        int k = -1;
        for (int j = 0; j < sw->nkeys; j++)
            if (strstr(sw->k[j].key, "max_factor") || strstr(sw->k[j].key, "at_most_for"))
                k = j;
        if (vmax && k >= 0) {
            int m = slice(t, r, k, sl), shorter = 0, overl = 0;
            char ex[400] = "";
            for (int i = 0; i < m; i++) {
                const struct sweep_agg *a = &agg[sl[i]];
                double ml = lock_time(t, sl[i], true, &vmax, how, sizeof(how));
                if (a->invalid || !a->nseeds || ml > a->max[t->m_dmax])
                    continue;
                shorter++;
                if (a->violating)
                    overl++;
                append(ex, sizeof(ex), "%s%s (%s%s)", ex[0] ? ", " : "",
                       sw->k[k].text[sweep_point_value(sw, sl[i], k)], secs(ml, t1),
                       a->violating ? ", overlapped" : "");
            }
            if (shorter)
                LINE("with the rest as recommended, %d value%s of %s gave a max lock time not "
                     "above the longest run: %s; %d of them overlapped on these seeds",
                     shorter, shorter == 1 ? "" : "s", sw->k[k].key, ex, overl);
        }
    }
    double minlock = lock_time(t, r, false, &vmin, how, sizeof(how));
    if (!isnan(minlock)) {
        LINE("min lock time below the period absorbs clock skew: here %s, %s the interval (%s); "
             "after a short run the lease stays held that long, so a node whose clock lags (by "
             "less than that) cannot run the same period again, and the next period's trigger "
             "finds it free",
             how, minlock < iv ? "below" : "NOT below", secs(iv, t1));
        int k = -1;
        for (int j = 0; j < sw->nkeys; j++)
            if (strstr(sw->k[j].key, "min_factor") || strstr(sw->k[j].key, "at_least_for"))
                k = j;
        if (vmin && k >= 0) {
            int m = slice(t, r, k, sl);
            char longer[400] = "", shorter[600] = "";
            double longer_rph = 0;
            int nlonger = 0;
            for (int i = 0; i < m; i++) {
                const struct sweep_agg *a = &agg[sl[i]];
                double ml = lock_time(t, sl[i], false, &vmin, how, sizeof(how));
                const char *v = sw->k[k].text[sweep_point_value(sw, sl[i], k)];
                if (a->invalid || !a->nseeds || sl[i] == r)
                    continue;
                if (ml >= interval_at(t, sl[i])) {
                    append(longer, sizeof(longer), "%s%s: %.1f runs/h", longer[0] ? ", " : "", v,
                           rph(t, a));
                    longer_rph += rph(t, a);
                    nlonger++;
                } else if (ml < minlock && !t->pt[sl[i]].feasible)
                    append(shorter, sizeof(shorter), "%s%s (%s): %s", shorter[0] ? "; " : "", v,
                           secs(ml, t1), short_reason(t, agg, sl[i], why, sizeof(why)));
            }
            if (nlonger && longer_rph / nlonger < 0.97 * rph(t, ra))
                LINE("holding the lease a whole period or longer (%s %s) runs the job less than "
                     "the %.1f runs/h here: the next period's trigger finds it still held",
                     sw->k[k].key, longer, rph(t, ra));
            else if (nlonger)
                LINE("holding the lease a whole period or longer (%s %s) made no difference to "
                     "how often the job ran on these seeds",
                     sw->k[k].key, longer);
            if (shorter[0])
                LINE("a shorter min lock time was rejected (%s %.400s): a lagging node ran the "
                     "period again",
                     sw->k[k].key, shorter);
        }
    }
#undef LINE
    return n;
}
