/* Sweep grids, units, the runner of one unit and aggregates (see sweep.h). */
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"

int sweep_metric_count(void)
{
    int n = 0;
    while (metric_defs[n].name && n < SWEEP_MAX_METRICS)
        n++;
    return n;
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

int sweep_edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64], prev;
    for (int j = 0; j <= lb; j++)
        d[j] = j;
    for (int i = 1; i <= la; i++) {
        prev = d[0];
        d[0] = i;
        for (int j = 1; j <= lb; j++) {
            int cur = d[j];
            int sub = prev + (a[i - 1] != b[j - 1]);
            int del = d[j] + 1, ins = d[j - 1] + 1;
            d[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return d[lb];
}

/* The key a mistyped name most likely meant, or NULL. */
static const char *suggest(const char *name)
{
    const char *best = NULL;
    int bestd = 4;
    for (const struct config_key *k = config_keys; k->name; k++) {
        const char *dot = strchr(k->name, '.');
        int d = sweep_edit_distance(name, k->name);
        if (dot && strcmp(dot + 1, name) == 0)
            d = 0; /* "interval" for "schedule.interval" */
        if (d < bestd) {
            bestd = d;
            best = k->name;
        }
    }
    return best;
}

static int add_value(struct sweep_key *k, const char *text, double num, char *err, size_t errlen)
{
    if (k->nvalues == SWEEP_MAX_VALUES)
        return fail(err, errlen, -EINVAL, "more than %d values for '%s'", SWEEP_MAX_VALUES, k->key);
    if (strlen(text) >= SWEEP_VALUE_LEN)
        return fail(err, errlen, -EINVAL, "value '%s' too long", text);
    struct config scratch;
    char why[256];
    config_defaults(&scratch);
    if (config_set(&scratch, k->key, text, 0, why, sizeof(why)) != 0)
        return fail(err, errlen, -EINVAL, "%s", why);
    if (!k->text) {
        k->text = mem_calloc(SWEEP_MAX_VALUES, sizeof(*k->text));
        k->num = mem_calloc(SWEEP_MAX_VALUES, sizeof(*k->num));
        if (!k->text || !k->num)
            return fail(err, errlen, -ENOMEM, "out of memory");
    }
    snprintf(k->text[k->nvalues], SWEEP_VALUE_LEN, "%s", text);
    k->num[k->nvalues++] = num;
    return 0;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int parse_range(struct sweep_key *k, const char *arg, const char *spec, char *err,
                       size_t errlen)
{
    char from[64], to[64], step[64];
    const char *dots = strstr(spec, ".."), *slash = strrchr(spec, '/');
    if (!dots || !slash || slash < dots || (size_t)(dots - spec) >= sizeof(from) ||
        (size_t)(slash - dots - 2) >= sizeof(to) || strlen(slash + 1) >= sizeof(step))
        return fail(err, errlen, -EINVAL,
                    "--vary %s: expected KEY=FROM..TO/STEP (e.g. schedule.interval=20s..60s/5s) "
                    "or KEY=A,B,C",
                    arg);
    snprintf(from, sizeof(from), "%.*s", (int)(dots - spec), spec);
    snprintf(to, sizeof(to), "%.*s", (int)(slash - dots - 2), dots + 2);
    snprintf(step, sizeof(step), "%s", slash + 1);

    double a, b, s;
    sim_time ta, tb, ts;
    char why[300];
    if (parse_number(from, &a) && parse_number(to, &b) && parse_number(step, &s)) {
        if (!(s > 0))
            return fail(err, errlen, -EINVAL, "--vary %s: STEP must be positive", arg);
        if (a > b)
            return fail(err, errlen, -EINVAL, "--vary %s: FROM is above TO", arg);
        double n = floor((b - a) / s + 1e-9) + 1;
        if (n > SWEEP_MAX_VALUES)
            return fail(err, errlen, -EINVAL, "--vary %s: %.0f values, at most %d", arg, n,
                        SWEEP_MAX_VALUES);
        for (int i = 0; i < (int)n; i++) {
            char text[SWEEP_VALUE_LEN];
            double v = a + s * i;
            if (fabs(v) < 1e-12 * s)
                v = 0;
            snprintf(text, sizeof(text), "%.10g", v);
            int rc = add_value(k, text, strtod(text, NULL), why, sizeof(why));
            if (rc)
                return fail(err, errlen, rc, "--vary %s: %s", arg, why);
        }
        return 0;
    }
    if (time_parse_duration(from, &ta) == 0 && time_parse_duration(to, &tb) == 0 &&
        time_parse_duration(step, &ts) == 0) {
        k->duration = true;
        if (ts <= 0)
            return fail(err, errlen, -EINVAL, "--vary %s: STEP must be positive", arg);
        if (ta > tb)
            return fail(err, errlen, -EINVAL, "--vary %s: FROM is above TO", arg);
        if ((tb - ta) / ts + 1 > SWEEP_MAX_VALUES)
            return fail(err, errlen, -EINVAL, "--vary %s: %" PRId64 " values, at most %d", arg,
                        (tb - ta) / ts + 1, SWEEP_MAX_VALUES);
        for (sim_time v = ta; v <= tb; v += ts) {
            char text[TIME_FMT_LEN];
            int rc = add_value(k, time_format(v, text), time_to_sec(v), why, sizeof(why));
            if (rc)
                return fail(err, errlen, rc, "--vary %s: %s", arg, why);
        }
        return 0;
    }
    return fail(err, errlen, -EINVAL,
                "--vary %s: FROM, TO and STEP must be all durations (20s..60s/5s) or all "
                "numbers (1..6/0.5)",
                arg);
}

/* KEY=A,B,C; commas inside parentheses belong to the value (uniform(2s,6s)). */
static int parse_list(struct sweep_key *k, const char *arg, const char *spec, char *err,
                      size_t errlen)
{
    char why[300];
    const char *p = spec;
    bool all_durations = true;
    while (*p) {
        const char *q = p;
        int depth = 0;
        while (*q && (depth > 0 || *q != ',')) {
            depth += (*q == '(') - (*q == ')');
            q++;
        }
        char text[SWEEP_VALUE_LEN];
        if (q == p || (size_t)(q - p) >= sizeof(text))
            return fail(err, errlen, -EINVAL, "--vary %s: empty or overlong value in the list",
                        arg);
        snprintf(text, sizeof(text), "%.*s", (int)(q - p), p);
        double num = NAN;
        sim_time t;
        if (parse_number(text, &num))
            all_durations = false;
        else if (time_parse_duration(text, &t) == 0)
            num = time_to_sec(t);
        else
            all_durations = false;
        int rc = add_value(k, text, num, why, sizeof(why));
        if (rc)
            return fail(err, errlen, rc, "--vary %s: %s", arg, why);
        p = *q ? q + 1 : q;
        if (*q && !*p)
            return fail(err, errlen, -EINVAL, "--vary %s: empty value at the end of the list", arg);
    }
    k->duration = all_durations;
    return 0;
}

int sweep_key_parse(const char *arg, struct sweep_key *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return fail(err, errlen, -EINVAL,
                    "--vary %s: expected KEY=FROM..TO/STEP (e.g. schedule.interval=20s..60s/5s) "
                    "or KEY=A,B,C",
                    arg);
    if ((size_t)(eq - arg) >= sizeof(k->key))
        return fail(err, errlen, -ENOENT, "--vary %s: unknown key", arg);
    snprintf(k->key, sizeof(k->key), "%.*s", (int)(eq - arg), arg);
    if (!config_key_find(k->key)) {
        const char *s = suggest(k->key);
        if (s)
            return fail(err, errlen, -ENOENT, "--vary %s: unknown key '%s' (did you mean '%s'?)",
                        arg, k->key, s);
        return fail(err, errlen, -ENOENT,
                    "--vary %s: unknown key '%s' (the keys are listed in scenarios/README.md)", arg,
                    k->key);
    }
    int rc = strstr(eq + 1, "..") ? parse_range(k, arg, eq + 1, err, errlen)
                                  : parse_list(k, arg, eq + 1, err, errlen);
    if (rc) {
        sweep_key_release(k);
        return rc;
    }
    return 0;
}

void sweep_key_release(struct sweep_key *k)
{
    mem_free(k->text);
    mem_free(k->num);
    k->text = NULL;
    k->num = NULL;
    k->nvalues = 0;
}

int sweep_shard_parse(const char *s, int *k, int *n)
{
    char *end;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/' || errno)
        return -EINVAL;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end || errno || a < 1 || b < 1 || a > b || b > 1000000)
        return -EINVAL;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

int sweep_point_value(const struct sweep *sw, size_t p, int key)
{
    for (int i = sw->nkeys - 1; i > key; i--)
        p /= (size_t)sw->k[i].nvalues;
    return (int)(p % (size_t)sw->k[key].nvalues);
}

char *sweep_point_label(const struct sweep *sw, size_t p, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < sw->nkeys; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s=%s", i ? ", " : "", sw->k[i].key,
                 sw->k[i].text[sweep_point_value(sw, p, i)]);
    }
    return buf;
}

void sweep_unit(const struct sweep *sw, uint64_t index, int *guard, size_t *point, uint64_t *seed)
{
    *seed = sw->seeds.from + index % sw->nseeds;
    index /= sw->nseeds;
    *point = (size_t)(index % sw->npoints);
    *guard = (int)(index / sw->npoints);
}

uint64_t sweep_shard_units(const struct sweep *sw)
{
    uint64_t k = (uint64_t)sw->shard_k - 1, n = (uint64_t)sw->shard_n;
    return sw->units > k ? (sw->units - k + n - 1) / n : 0;
}

uint64_t sweep_shard_index(const struct sweep *sw, uint64_t j)
{
    return (uint64_t)(sw->shard_k - 1) + j * (uint64_t)sw->shard_n;
}

/* Makes the worker's scenario carry the point's values as --set overrides. */
static int apply_point(struct sweep *sw, struct scenario *sc, size_t p, char *err, size_t errlen)
{
    sc->ncli = sw->base_ncli;
    for (int i = 0; i < sw->nkeys; i++) {
        char set[200];
        snprintf(set, sizeof(set), "%s=%s", sw->k[i].key,
                 sw->k[i].text[sweep_point_value(sw, p, i)]);
        int rc = scenario_add_set(sc, set, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

int sweep_open(struct sweep *sw, const char *const *sets, int nsets, int workers, char *err,
               size_t errlen)
{
    sw->npoints = 1;
    for (int i = 0; i < sw->nkeys; i++)
        sw->npoints *= (size_t)sw->k[i].nvalues;
    sw->nseeds = sw->seeds.to - sw->seeds.from + 1;
    if (sw->shard_n == 0)
        sw->shard_k = sw->shard_n = 1;
    double units = (double)sw->nguards * (double)sw->npoints * (double)sw->nseeds;
    if (units > (double)SWEEP_MAX_UNITS)
        return fail(err, errlen, -E2BIG, "the sweep has %.0f runs, more than %llu", units,
                    (unsigned long long)SWEEP_MAX_UNITS);
    sw->units = (uint64_t)units;
    sw->nworkers = workers < 1 ? 1 : workers;
    sw->wsc = mem_calloc((size_t)sw->nworkers, sizeof(*sw->wsc));
    sw->wres = mem_calloc((size_t)sw->nworkers, sizeof(*sw->wres));
    sw->invalid = mem_calloc(sw->npoints, sizeof(*sw->invalid));
    if (!sw->wsc || !sw->wres || !sw->invalid)
        return fail(err, errlen, -ENOMEM, "out of memory");
    for (int w = 0; w < sw->nworkers; w++) {
        int rc = scenario_load(sw->path, &sw->wsc[w], err, errlen);
        for (int i = 0; !rc && i < nsets; i++)
            rc = scenario_add_set(sw->wsc[w], sets[i], err, errlen);
        if (rc)
            return rc;
        sw->wres[w] = mem_alloc(sizeof(*sw->wres[w]));
        if (!sw->wres[w])
            return fail(err, errlen, -ENOMEM, "out of memory");
    }
    sw->base_ncli = sw->wsc[0]->ncli;

    struct model *m = mem_alloc(sizeof(*m));
    if (!m)
        return fail(err, errlen, -ENOMEM, "out of memory");
    size_t bad = 0;
    int rc = 0;
    for (size_t p = 0; p < sw->npoints && !rc; p++) {
        rc = apply_point(sw, sw->wsc[0], p, err, errlen);
        if (!rc && scenario_model(sw->wsc[0], sw->variant, m, sw->invalid[p],
                                  sizeof(sw->invalid[p])) != 0) {
            if (!sw->invalid[p][0])
                snprintf(sw->invalid[p], sizeof(sw->invalid[p]), "invalid setting");
            bad++;
        }
    }
    mem_free(m);
    sw->wsc[0]->ncli = sw->base_ncli;
    if (rc)
        return rc;
    if (bad == sw->npoints)
        return fail(err, errlen, -EINVAL, "no setting of the sweep can run: %s", sw->invalid[0]);
    return 0;
}

void sweep_close(struct sweep *sw)
{
    for (int w = 0; sw->wsc && w < sw->nworkers; w++) {
        scenario_free(sw->wsc[w]);
        if (sw->wres)
            mem_free(sw->wres[w]);
    }
    mem_free(sw->wsc);
    mem_free(sw->wres);
    mem_free(sw->invalid);
    for (int i = 0; i < sw->nkeys; i++)
        sweep_key_release(&sw->k[i]);
    sw->wsc = NULL;
    sw->wres = NULL;
    sw->invalid = NULL;
}

struct unit_ctx {
    struct sweep_row *row;
    const struct scenario *sc;
};

static void on_seed(void *user, const struct case_result *c, const struct seed_outcome *o)
{
    struct unit_ctx *u = user;
    struct sweep_row *r = u->row;
    int nm = sweep_metric_count();
    for (int i = 0; i < nm; i++)
        r->metric[i] = metric_value(o->m, i);
    r->violation = o->violation;
    /* the seed's verdict without the lines that only describe the workload:
     * a sweep varies the workload, and a slower job is no failure */
    r->pass = true;
    r->failed[0] = 0;
    for (int i = 0; i < c->nexpect; i++) {
        const struct expectation *e = c->st[i].e;
        double v = metric_value(o->m, e->metric);
        if (expect_describes_workload(e) || expect_holds(e, v))
            continue;
        char t[128];
        size_t n = strlen(r->failed);
        r->pass = false;
        snprintf(r->failed + n, sizeof(r->failed) - n, "%s%s (was %g)", n ? "; " : "",
                 expect_format(e, t, sizeof(t)), v);
    }
    r->has_first = o->m->nwindows > 0;
    if (r->has_first)
        r->first = o->m->window[0];
    case_replay(u->sc, c, o->m->seed, r->replay, sizeof(r->replay));
}

int sweep_run_unit(struct sweep *sw, int w, uint64_t index, struct sweep_row *row, char *err,
                   size_t errlen)
{
    memset(row, 0, sizeof(*row));
    row->index = index;
    sweep_unit(sw, index, &row->guard, &row->point, &row->seed);
    if (sw->invalid[row->point][0]) {
        row->invalid = true;
        snprintf(row->failed, sizeof(row->failed), "%s", sw->invalid[row->point]);
        return 0;
    }
    struct scenario *sc = sw->wsc[w];
    int rc = apply_point(sw, sc, row->point, err, errlen);
    if (rc)
        return rc;
    struct unit_ctx u = {row, sc};
    struct seed_range one = {row->seed, row->seed};
    return case_run(sc, sw->variant, sw->guard[row->guard], one, NULL, on_seed, &u, sw->wres[w],
                    err, errlen);
}

struct sweep_agg *sweep_agg_new(const struct sweep *sw)
{
    size_t n = (size_t)sw->nguards * sw->npoints;
    struct sweep_agg *a = mem_calloc(n, sizeof(*a));
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++)
        for (int m = 0; m < SWEEP_MAX_METRICS; m++) {
            a[i].max[m] = -INFINITY;
            a[i].min[m] = INFINITY;
        }
    return a;
}

void sweep_agg_add(struct sweep_agg *a, const struct sweep_row *r, int nmetrics)
{
    if (r->invalid) {
        a->invalid = true;
        if (!a->first_failed[0])
            snprintf(a->first_failed, sizeof(a->first_failed), "%s", r->failed);
        return;
    }
    if (r->violation && !a->violating++)
        a->first_violating_seed = r->seed;
    if (!r->pass && !a->failing++) {
        a->first_failing_seed = r->seed;
        snprintf(a->first_failed, sizeof(a->first_failed), "%s", r->failed);
    }
    a->nseeds++;
    for (int i = 0; i < nmetrics; i++) {
        a->sum[i] += r->metric[i];
        if (r->metric[i] > a->max[i])
            a->max[i] = r->metric[i];
        if (r->metric[i] < a->min[i])
            a->min[i] = r->metric[i];
    }
}
