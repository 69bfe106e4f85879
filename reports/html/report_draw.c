/* The report's plots, drawn from finished runs (see report_draw.h). */
#include "report_draw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../sim/base/mem.h"
#include "../plot/plot.h"

int report_draw_begin(struct report *r, const char *dir, char *err, size_t errlen)
{
    plot_set_svg(false); /* PNG in the page, CSV and scripts linked: SVG would be most of it */
    for (int k = 0; k < r->n; k++) {
        char sub[1400];
        snprintf(sub, sizeof(sub), "%s/%s", dir, r->s[k].dir);
        if (mkdir(sub, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, errlen, "cannot create '%s': %s", sub, strerror(e));
            return -e;
        }
    }
    return 0;
}

/* A plotted case being drawn: the caseplot job, and the state of its reader. */
struct draw_state {
    struct caseplot_job job;
    char sub[1400]; /* the scenario's directory */
    void *inner;
};

static FILE *draw_open(void *user, const struct model *m, void **state)
{
    struct report_plot_job *j = user;
    struct report_case *c = j->c;
    if (!c->cp && !(c->cp = mem_calloc(1, sizeof(*c->cp)))) {
        errno = ENOMEM;
        return NULL;
    }
    struct draw_state *ds = mem_calloc(1, sizeof(*ds));
    if (!ds) {
        errno = ENOMEM;
        return NULL;
    }
    *state = ds;
    snprintf(ds->sub, sizeof(ds->sub), "%s/%s", j->dir, j->s->dir);
    ds->job = (struct caseplot_job){
        .sc = j->s->sc,
        .v = c->variant,
        .g = c->guard,
        .seed = c->plot_seed,
        .cycles = &c->res.agg.cycle,
        .kinds = c->full ? CP_ALL : 1u << CP_TIMELINE,
        .dir = ds->sub,
        .prefix = c->prefix,
        .out = c->cp,
    };
    return caseplot_reader.open(&ds->job, m, &ds->inner);
}

static int draw_status(void *state)
{
    struct draw_state *ds = state;
    return caseplot_reader.status(ds->inner);
}

static int draw_done(void *user, void *state, const struct model *m, const struct metrics *met,
                     char *err, size_t errlen)
{
    (void)user;
    struct draw_state *ds = state;
    return caseplot_reader.done(&ds->job, ds->inner, m, met, err, errlen);
}

static void draw_release(void *state)
{
    struct draw_state *ds = state;
    if (!ds)
        return;
    caseplot_reader.release(ds->inner);
    mem_free(ds);
}

const struct case_trace_reader report_draw_reader = {
    .open = draw_open,
    .status = draw_status,
    .done = draw_done,
    .release = draw_release,
};

static void note_render(struct report *r, int rc, const char *dir, const char *stem)
{
    if (!rc || (r->render_error && !(rc == -EIO && r->render_error != -EIO)))
        return;
    r->render_error = rc;
    snprintf(r->render_failed, sizeof(r->render_failed), "%.600s/%.200s", dir, stem);
}

int report_draw(struct report *r, const char *dir, char *err, size_t errlen)
{
    int rc = 0;
    /* the cases' plot problems, in the order they were drawn */
    for (int k = 0; k < r->n; k++) {
        char sub[1400];
        snprintf(sub, sizeof(sub), "%s/%s", dir, r->s[k].dir);
        for (size_t i = 0; i < r->s[k].ncases; i++) {
            const struct report_case *c = &r->s[k].cases[i];
            if (c->plot && c->cp)
                note_render(r, c->cp->render_error, sub, c->cp->failed);
        }
    }

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
    if (r->progress && !rc) {
        uint64_t total = report_plotted(r) + 1;
        r->progress(r->progress_user, total, total);
    }
    return rc;
}
