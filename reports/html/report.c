/* Running and plotting the cases of a report (see report.h). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../sim/base/mem.h"
#include "../../sim/analyses/par.h"
#include "../plot/plot.h"

int report_add(struct report *r, struct scenario *sc, struct seed_range seeds,
               const struct guard_ops *const *guards, int nguards)
{
    struct report_scenario *s = mem_realloc(r->s, (size_t)(r->n + 1) * sizeof(*s));
    if (!s)
        return -ENOMEM;
    r->s = s;
    s = &r->s[r->n];
    memset(s, 0, sizeof(*s));
    s->sc = sc;
    s->seeds = seeds;
    if (sc->nvariants == 0) {
        s->nvariants = 1;
        s->variant[0] = -1;
    } else {
        s->nvariants = sc->nvariants < REPORT_MAX_VARIANTS ? sc->nvariants : REPORT_MAX_VARIANTS;
        for (int i = 0; i < s->nvariants; i++)
            s->variant[i] = i;
    }
    if (guards) {
        s->nguards = nguards;
        memcpy(s->guard, guards, (size_t)nguards * sizeof(guards[0]));
    } else {
        s->nguards = sc->base.nguards;
        memcpy(s->guard, sc->base.guards, (size_t)s->nguards * sizeof(s->guard[0]));
    }
    s->ncases = (size_t)s->nvariants * (size_t)s->nguards;
    s->cases = mem_calloc(s->ncases, sizeof(*s->cases));
    if (!s->cases)
        return -ENOMEM;
    for (int v = 0; v < s->nvariants; v++)
        for (int g = 0; g < s->nguards; g++) {
            struct report_case *c = &s->cases[v * s->nguards + g];
            c->variant = s->variant[v];
            c->guard = s->guard[g];
        }
    /* a directory name from the scenario name, unique within the report */
    snprintf(s->dir, sizeof(s->dir), "%s", sc->base.name);
    for (char *p = s->dir; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    if (s->dir[0] == '.' || !s->dir[0])
        s->dir[0] = '_';
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->s[i].dir, s->dir) == 0) {
            size_t n = strlen(s->dir);
            snprintf(s->dir + (n < sizeof(s->dir) - 12 ? n : sizeof(s->dir) - 12), 12, "-%d",
                     r->n % 100000 + 1);
        }
    r->n++;
    return 0;
}

void report_release(struct report *r)
{
    for (int i = 0; i < r->n; i++) {
        scenario_free(r->s[i].sc);
        mem_free(r->s[i].cases);
    }
    mem_free(r->s);
    r->s = NULL;
    r->n = 0;
}

uint64_t report_case_seed(const struct case_result *res)
{
    if (res->unsafe_seeds) /* an overlap, a duplicate, a lost item, a stale write */
        return res->first_unsafe_seed;
    for (int k = 0; k < res->nexpect; k++)
        if (!res->st[k].held && res->st[k].e->mode == EXPECT_EVERY)
            return res->st[k].first_failing_seed;
    return res->seeds.from;
}

/* The i-th case over all scenarios. */
static struct report_case *nth(struct report *r, size_t i, struct report_scenario **sp)
{
    *sp = NULL;
    for (int k = 0; k < r->n; k++) {
        if (i < r->s[k].ncases) {
            *sp = &r->s[k];
            return &r->s[k].cases[i];
        }
        i -= r->s[k].ncases;
    }
    return NULL;
}

struct run_ctx {
    struct report *r;
    char (*err)[600];
    uint64_t total, done;
    const char *dir;
    size_t *plot_index; /* plot job -> case index */
};

static int run_work(void *user, size_t i, size_t slot, int worker)
{
    (void)worker;
    struct run_ctx *x = user;
    struct report_scenario *s;
    struct report_case *c = nth(x->r, i, &s);
    x->err[slot][0] = 0;
    return case_run(s->sc, c->variant, c->guard, s->seeds, NULL, NULL, NULL, &c->res, x->err[slot],
                    sizeof(x->err[slot]));
}

static int run_done(void *user, size_t i, size_t slot)
{
    (void)slot;
    struct run_ctx *x = user;
    struct report_scenario *s;
    struct report_case *c = nth(x->r, i, &s);
    c->res.pass ? x->r->passed++ : x->r->failed++;
    if (x->r->progress)
        x->r->progress(x->r->progress_user, ++x->done, x->total);
    return 0;
}

static size_t total_cases(const struct report *r)
{
    size_t n = 0;
    for (int k = 0; k < r->n; k++)
        n += r->s[k].ncases;
    return n;
}

/*
 * Which cases get plots, so that the report of every shipped scenario stays
 * small: a timeline for every case that fails or is unsafe, and one for each
 * guard (in the first variant it is not plotted yet, the scenario's own guard
 * first). One case per scenario (the first unsafe or failing one, else the
 * scenario's own guard) gets every plot kind; the others only the timeline.
 */
static void choose_plots(struct report_scenario *s)
{
    struct report_case *full = NULL, *own = NULL;
    for (size_t i = 0; i < s->ncases; i++) {
        struct report_case *c = &s->cases[i];
        if (c->res.unsafe_seeds || !c->res.pass) {
            c->plot = true;
            if (!full)
                full = c;
        }
    }
    for (int g = 0; g < s->nguards; g++) {
        bool shown = false;
        for (int v = 0; v < s->nvariants; v++)
            shown |= s->cases[v * s->nguards + g].plot;
        if (!shown)
            s->cases[g].plot = true; /* the first variant */
        if (s->guard[g] == s->sc->base.guard && !own)
            own = &s->cases[g];
    }
    if (!full)
        full = own ? own : &s->cases[0];
    if (s->ncases)
        full->plot = full->full = true;
    for (size_t i = 0; i < s->ncases; i++) {
        struct report_case *c = &s->cases[i];
        const char *vn = scenario_variant_name(s->sc, c->variant);
        c->plot_seed = report_case_seed(&c->res);
        snprintf(c->prefix, sizeof(c->prefix), "%s%s%s-", vn, *vn ? "-" : "", c->guard->name);
    }
}

static int plot_work(void *user, size_t j, size_t slot, int worker)
{
    (void)worker;
    struct run_ctx *x = user;
    struct report_scenario *s;
    struct report_case *c = nth(x->r, x->plot_index[j], &s);
    char sub[1400];
    snprintf(sub, sizeof(sub), "%s/%s", x->dir, s->dir);
    x->err[slot][0] = 0;
    return caseplot_draw(s->sc, c->variant, c->guard, c->plot_seed, &c->res.agg.cycle,
                         c->full ? CP_ALL : 1u << CP_TIMELINE, sub, c->prefix, &c->cp, x->err[slot],
                         sizeof(x->err[slot]));
}

static void note_render(struct report *r, int rc, const char *dir, const char *stem)
{
    if (!rc || (r->render_error && !(rc == -EIO && r->render_error != -EIO)))
        return;
    r->render_error = rc;
    snprintf(r->render_failed, sizeof(r->render_failed), "%.600s/%.200s", dir, stem);
}

static int plot_done(void *user, size_t j, size_t slot)
{
    (void)slot;
    struct run_ctx *x = user;
    struct report_scenario *s;
    struct report_case *c = nth(x->r, x->plot_index[j], &s);
    char sub[1400];
    snprintf(sub, sizeof(sub), "%s/%s", x->dir, s->dir);
    note_render(x->r, c->cp.render_error, sub, c->cp.failed);
    if (x->r->progress)
        x->r->progress(x->r->progress_user, ++x->done, x->total);
    return 0;
}

static int run_par(struct report *r, size_t n, struct run_ctx *x,
                   int (*work)(void *, size_t, size_t, int), int (*done)(void *, size_t, size_t),
                   char *err, size_t errlen)
{
    size_t window = par_window(r->jobs);
    x->err = mem_calloc(window, sizeof(*x->err));
    if (!x->err) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    struct par p = {n, r->jobs, window, work, done, x};
    int rc = par_run(&p);
    if (rc) {
        snprintf(err, errlen, "%s", strerror(-rc));
        for (size_t i = 0; i < window; i++)
            if (x->err[i][0]) {
                snprintf(err, errlen, "%s", x->err[i]);
                break;
            }
    }
    mem_free(x->err);
    x->err = NULL;
    return rc;
}

int report_run(struct report *r, char *err, size_t errlen)
{
    struct run_ctx x = {.r = r, .total = total_cases(r)};
    r->passed = r->failed = 0;
    int rc = run_par(r, x.total, &x, run_work, run_done, err, errlen);
    if (rc)
        return rc;
    for (int k = 0; k < r->n; k++)
        choose_plots(&r->s[k]);
    return 0;
}

int report_draw(struct report *r, const char *dir, char *err, size_t errlen)
{
    plot_set_svg(false); /* PNG in the page, CSV and scripts linked: SVG would be most of it */
    size_t n = total_cases(r), np = 0;
    size_t *idx = mem_calloc(n ? n : 1, sizeof(*idx));
    if (!idx) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = 0;
    for (int k = 0; k < r->n && !rc; k++) {
        char sub[1400];
        snprintf(sub, sizeof(sub), "%s/%s", dir, r->s[k].dir);
        if (mkdir(sub, 0777) != 0 && errno != EEXIST) {
            rc = -errno;
            snprintf(err, errlen, "cannot create '%s': %s", sub, strerror(errno));
        }
    }
    for (size_t i = 0, base = 0; !rc && (int)i < r->n; base += r->s[i].ncases, i++)
        for (size_t c = 0; c < r->s[i].ncases; c++)
            if (r->s[i].cases[c].plot)
                idx[np++] = base + c;
    struct run_ctx x = {.r = r, .total = np + 1, .dir = dir, .plot_index = idx};
    if (!rc)
        rc = run_par(r, np, &x, plot_work, plot_done, err, errlen);

    /* the compare chart of each variant */
    for (int k = 0; !rc && k < r->n; k++) {
        struct report_scenario *s = &r->s[k];
        char sub[1400];
        snprintf(sub, sizeof(sub), "%s/%s", dir, s->dir);
        for (int v = 0; v < s->nvariants && !rc; v++) {
            struct plot_bar bars[CONFIG_MAX_GUARDS];
            for (int g = 0; g < s->nguards; g++) {
                const struct case_result *c = &s->cases[v * s->nguards + g].res;
                double hours = time_to_sec(c->agg.duration) / 3600;
                bars[g] = (struct plot_bar){
                    .label = c->guard->name,
                    .state = !c->pass                      ? PLOT_FAIL
                             : c->verdict == VERDICT_XFAIL ? PLOT_VIOLATING
                                                           : PLOT_OK,
                    .violating_seeds = (double)c->violating_seeds,
                    .seeds = (double)c->nseeds,
                    .runs_per_hour = hours > 0 ? (double)c->agg.runs / hours : 0,
                    .skips_per_hour = hours > 0 ? (double)c->agg.skipped / hours : 0,
                    .longest_gap_s = time_to_sec(c->agg.longest_gap),
                };
            }
            const char *vn = scenario_variant_name(s->sc, s->variant[v]);
            char title[400];
            snprintf(s->compare[v], sizeof(s->compare[v]), "compare%s%s", *vn ? "-" : "", vn);
            snprintf(title, sizeof(title),
                     "%s%s%s: guards on the same seeds (%llu..%llu); red: "
                     "FAIL, orange: xfail (breaks as the scenario expects)",
                     s->sc->base.name, *vn ? "@" : "", vn, (unsigned long long)s->seeds.from,
                     (unsigned long long)s->seeds.to);
            int e = plot_compare(sub, s->compare[v], bars, s->nguards, title);
            if (e == -ENOENT || e == -EIO)
                note_render(r, e, sub, s->compare[v]);
            else if (e) {
                rc = e;
                snprintf(err, errlen, "cannot write plots into '%s': %s", sub, strerror(-e));
            }
        }
    }
    if (r->progress && !rc)
        r->progress(r->progress_user, x.total, x.total);
    mem_free(idx);
    return rc;
}
