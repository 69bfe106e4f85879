/* Running the cases of a report and the seeds its plots show (see report.h). */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "par.h"

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
        for (size_t c = 0; c < r->s[i].ncases; c++)
            mem_free(r->s[i].cases[c].cp);
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
    const struct case_trace_reader *reader;
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
    struct report_plot_job job = {.r = x->r, .dir = x->dir};
    job.c = nth(x->r, x->plot_index[j], &job.s);
    x->err[slot][0] = 0;
    return case_run_traced(job.s->sc, job.c->variant, job.c->guard, job.c->plot_seed, x->reader,
                           &job, x->err[slot], sizeof(x->err[slot]));
}

static int plot_done(void *user, size_t j, size_t slot)
{
    (void)j;
    (void)slot;
    struct run_ctx *x = user;
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

size_t report_plotted(const struct report *r)
{
    size_t n = 0;
    for (int k = 0; k < r->n; k++)
        for (size_t c = 0; c < r->s[k].ncases; c++)
            n += r->s[k].cases[c].plot;
    return n;
}

int report_run_plots(struct report *r, const char *dir, const struct case_trace_reader *rd,
                     char *err, size_t errlen)
{
    size_t n = total_cases(r), np = 0;
    size_t *idx = mem_calloc(n ? n : 1, sizeof(*idx));
    if (!idx) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0, base = 0; (int)i < r->n; base += r->s[i].ncases, i++)
        for (size_t c = 0; c < r->s[i].ncases; c++)
            if (r->s[i].cases[c].plot)
                idx[np++] = base + c;
    struct run_ctx x = {.r = r, .total = np + 1, .dir = dir, .plot_index = idx, .reader = rd};
    int rc = run_par(r, np, &x, plot_work, plot_done, err, errlen);
    mem_free(idx);
    return rc;
}
