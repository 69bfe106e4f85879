/* Constraints, frontier, recommendation and explanation (see tune.h). */
#include "tune.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/mem.h"

/* Metrics whose expectations say a setting starves the job or runs it too often. */
static const char *const bound_metrics[] = {"longest_gap_s", "max_gap_periods", "runs_per_period",
                                            "effective_period_s", NULL};
/* Metrics that must be zero when they exist (the exports checker's). */
static const char *const zero_metrics[] = {"duplicates", "lost", NULL};

static void add(struct tune *t, const char *kind, int metric, int op, double value,
                const char *fmt, ...)
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
        double v = c->metric < 0 ? r->metric[metric_find("max_concurrency")] : r->metric[c->metric];
        bool ok = c->metric < 0 ? !r->violation : holds(c->op, v, c->value);
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

static double rph(const struct tune *t, const struct sweep_agg *a) { return sweep_agg_mean(a, t->m_rph); }
static double spr(const struct tune *t, const struct sweep_agg *a) { return sweep_agg_mean(a, t->m_spr); }

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
    t->recommended = -1;
    for (size_t p = 0; p < sw->npoints; p++) {
        if (!t->pt[p].feasible || rph(t, &agg[p]) < best * (1 - t->tolerance))
            continue;
        if (t->recommended < 0) {
            t->recommended = (long)p;
            continue;
        }
        const struct sweep_agg *a = &agg[p], *r = &agg[t->recommended];
        if (spr(t, a) < spr(t, r) || (spr(t, a) == spr(t, r) && rph(t, a) > rph(t, r)))
            t->recommended = (long)p;
    }
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
        if (c->metric < 0)
            append(buf, len, "%soverlap (%.0f runs at once) on %" PRIu64 "/%" PRIu64
                             " seeds, first seed %" PRIu64,
                   buf[0] ? "; " : "", tp->worst[i], tp->fails[i], a->nseeds, tp->first_seed[i]);
        else
            append(buf, len, "%s%s %s failed on %" PRIu64 "/%" PRIu64 " seeds (worst %g, seed %" PRIu64 ")",
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

int tune_explain(const struct tune *t, const struct sweep_agg *agg, char (*lines)[TUNE_LINE_LEN],
                 int max)
{
    const struct sweep *sw = t->sw;
    int n = 0;
    char label[400], why[800], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN];
#define LINE(...) (n < max ? (void)snprintf(lines[n++], TUNE_LINE_LEN, __VA_ARGS__) : (void)0)
    if (t->recommended < 0) {
        LINE("no setting kept every constraint on every seed; widen the ranges or relax the "
             "scenario's bounds");
        size_t shown = 0;
        for (size_t p = 0; p < sw->npoints && shown < 3; p++, shown++)
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

    /* what was given up: settings that run more often */
    int more = 0;
    for (size_t p = 0; p < sw->npoints; p++) {
        if (p == r || agg[p].invalid || rph(t, &agg[p]) <= rph(t, ra))
            continue;
        if (more++ >= 4)
            continue;
        if (!t->pt[p].feasible)
            LINE("%s would run %.1f times an hour but was rejected: %s",
                 sweep_point_label(sw, p, label, sizeof(label)), rph(t, &agg[p]),
                 tune_reasons(t, agg, p, why, sizeof(why)));
        else
            LINE("%s runs %.1f times an hour but skips %.3f triggers per run",
                 sweep_point_label(sw, p, label, sizeof(label)), rph(t, &agg[p]), spr(t, &agg[p]));
    }
    if (more > 4)
        LINE("(and %d more settings that run more often, all rejected or skipping more)", more - 4);

    /* the runs themselves, against the interval */
    double iv = interval_at(t, r);
    char t4[TIME_FMT_LEN];
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
             secs(sweep_agg_mean(b, t->m_dp99), t3), 100 * sweep_agg_mean(b, m_long),
             spr(t, b));
    }

    if (!lease_like(t))
        return n;
    char how[200];
    bool vmax, vmin;
    double maxlock = lock_time(t, r, true, &vmax, how, sizeof(how));
    if (!isnan(maxlock)) {
        double longest = ra->max[t->m_dmax];
        LINE("max lock time must exceed the longest run: here %s, %s the longest run seen (%s)",
             how, maxlock > longest ? "longer than" : "NOT longer than", secs(longest, t1));
        if (vmax) {
            int shorter = 0, overl = 0;
            char ex[400] = "";
            for (size_t p = 0; p < sw->npoints; p++) {
                bool v;
                char h[200];
                double ml = lock_time(t, p, true, &v, h, sizeof(h));
                if (agg[p].invalid || !agg[p].nseeds || ml > agg[p].max[t->m_dmax])
                    continue;
                shorter++;
                if (agg[p].violating && overl++ < 2)
                    append(ex, sizeof(ex), "%s%s", ex[0] ? "; " : "",
                           sweep_point_label(sw, p, label, sizeof(label)));
            }
            if (shorter)
                LINE("of the %d settings whose max lock time was not above their longest run, %d "
                     "overlapped: a run outlived its lease and another node took it (%s)",
                     shorter, overl, ex[0] ? ex : "none here");
        }
    }
    double minlock = lock_time(t, r, false, &vmin, how, sizeof(how));
    if (!isnan(minlock)) {
        LINE("min lock time below the period absorbs clock skew: here %s, %s the interval (%s): a "
             "node whose clock lags still finds this period's lease held, while the next "
             "period's trigger finds it free",
             how, minlock < iv ? "below" : "NOT below", secs(iv, t1));
        if (vmin) {
            double at_or_above = 0, below_rej = 0;
            int na = 0, nb = 0;
            char ex[400] = "";
            for (size_t p = 0; p < sw->npoints; p++) {
                bool v;
                char h[200];
                double ml = lock_time(t, p, false, &v, h, sizeof(h));
                if (agg[p].invalid || !agg[p].nseeds)
                    continue;
                if (ml >= interval_at(t, p)) {
                    at_or_above += rph(t, &agg[p]);
                    na++;
                } else if (!t->pt[p].feasible && ml < minlock) {
                    below_rej++;
                    if (nb++ < 2)
                        append(ex, sizeof(ex), "%s%s: %s", ex[0] ? "; " : "",
                               sweep_point_label(sw, p, label, sizeof(label)),
                               tune_reasons(t, agg, p, why, sizeof(why)));
                }
            }
            if (na)
                LINE("settings holding the lock for a whole period or longer ran %.1f times an "
                     "hour on average (they skip the next period)",
                     at_or_above / na);
            if (nb)
                LINE("settings with a shorter min lock time failed: %s", ex);
        }
    }
#undef LINE
    return n;
}
