/* Plots of one case at one seed, from the trace of its run (see caseplot.h). */
#include "caseplot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../sim/base/mem.h"
#include "plot.h"
#include "plotdata.h"

const char *const caseplot_names[CP_COUNT] = {"timeline", "timeline-full", "concurrency", "cycles",
                                              "clock"};

/* Intervals shown around the first overlap, and the most shown without zooming. */
#define ZOOM_BEFORE 6
#define ZOOM_AFTER 10
#define UNZOOMED_MAX 60

static void note(struct caseplot *out, int rc, const char *name)
{
    if (rc && !out->render_error)
        out->render_error = rc;
    if (rc == -EIO && !out->failed[0])
        snprintf(out->failed, sizeof(out->failed), "%s", name);
}

/* The longest a time-based guard holds its lock: a lease's max_factor x
 * interval, ShedLock's lockAtMostFor; 0 for guards without one. */
static sim_time lock_max(const struct model *m, const struct guard_ops *g)
{
    const struct guard_params *p = &m->cfg.gp;
    if (strcmp(g->name, "shedlock") == 0)
        return p->at_most;
    if (strncmp(g->name, "lease", 5) == 0)
        return (sim_time)(p->max_factor * (double)p->interval);
    return 0;
}

static FILE *reader_open(void *user, const struct model *m, void **state)
{
    struct caseplot_job *job = user;
    memset(job->out, 0, sizeof(*job->out));
    struct plotdata *pd = mem_alloc(sizeof(*pd));
    if (!pd) {
        errno = ENOMEM;
        return NULL;
    }
    *state = pd;
    plotdata_init(pd, 0, -1, m->cfg.limit, 0);
    return plotdata_stream(pd);
}

static int reader_status(void *state)
{
    const struct plotdata *pd = state;
    return pd->error;
}

static void reader_release(void *state)
{
    if (!state)
        return;
    plotdata_release(state);
    mem_free(state);
}

static int reader_done(void *user, void *state, const struct model *m, const struct metrics *met,
                       char *err, size_t errlen)
{
    const struct caseplot_job *job = user;
    struct plotdata *pd = state;
    struct caseplot *out = job->out;
    const struct scenario *sc = job->sc;
    const struct guard_ops *g = job->g;
    const struct hist *cycles = job->cycles;
    const char *dir = job->dir, *prefix = job->prefix;
    unsigned kinds = job->kinds;
    int v = job->v;
    uint64_t seed = job->seed;
    int rc;

    plotdata_finish(pd, m->cfg.duration);
    out->clock_data = pd->clock.n > 0;
    for (size_t i = 0; i < pd->runs.n && !out->lease_data; i++)
        out->lease_data = pd->runs.v[i].lease_until >= 0;

    sim_time iv = m->cfg.interval, dur = m->cfg.duration;
    out->has_overlap = met->nwindows > 0;
    if (out->has_overlap)
        out->first = met->window[0];
    out->zoom_from = 0;
    out->zoom_to = dur;
    if (dur > UNZOOMED_MAX * iv) {
        out->zoomed = true;
        if (out->has_overlap) {
            sim_time end = out->first.end >= 0 ? out->first.end : out->first.start;
            out->zoom_from = out->first.start - ZOOM_BEFORE * iv;
            out->zoom_to = end + ZOOM_AFTER * iv;
        } else {
            out->zoom_to = (ZOOM_BEFORE + ZOOM_AFTER) * iv;
        }
        if (out->zoom_from < 0) {
            out->zoom_to -= out->zoom_from;
            out->zoom_from = 0;
        }
        if (out->zoom_to > dur)
            out->zoom_to = dur;
    }

    const char *v_name = scenario_variant_name(sc, v);
    char base[300], title[600], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    snprintf(base, sizeof(base), "%s%s%s / %s, seed %" PRIu64, sc->base.name, *v_name ? "@" : "",
             v_name, g->name, seed);
    char names[CP_COUNT][128];
    for (int k = 0; k < CP_COUNT; k++)
        snprintf(names[k], sizeof(names[k]), "%s%s", prefix, caseplot_names[k]);

    if (out->zoomed && out->has_overlap)
        snprintf(title, sizeof(title), "%s: runs around the first overlap (%s .. %s)", base,
                 time_format_clock(out->zoom_from, t1), time_format_clock(out->zoom_to, t2));
    else if (out->zoomed)
        snprintf(title, sizeof(title), "%s: the first %s (no overlap on this seed)", base,
                 time_format(out->zoom_to, t1));
    else
        snprintf(title, sizeof(title), "%s: runs", base);
    rc = plot_timeline(dir, names[CP_TIMELINE], pd, out->zoom_from, out->zoom_to, title);
    if (rc && rc != -ENOENT && rc != -EIO)
        goto out_write;
    note(out, rc, names[CP_TIMELINE]);
    snprintf(out->name[CP_TIMELINE], sizeof(out->name[0]), "%s", names[CP_TIMELINE]);

    if (out->zoomed && (kinds & 1u << CP_TIMELINE_FULL)) {
        snprintf(title, sizeof(title), "%s: the whole run (%s)", base, time_format(dur, t1));
        rc = plot_timeline(dir, names[CP_TIMELINE_FULL], pd, 0, dur, title);
        if (rc && rc != -ENOENT && rc != -EIO)
            goto out_write;
        note(out, rc, names[CP_TIMELINE_FULL]);
        snprintf(out->name[CP_TIMELINE_FULL], sizeof(out->name[0]), "%s", names[CP_TIMELINE_FULL]);
    }

    if (!(kinds & 1u << CP_CONCURRENCY))
        goto done;
    snprintf(title, sizeof(title), "%s: runs going at once (true time, all nodes)", base);
    rc = plot_concurrency(dir, names[CP_CONCURRENCY], pd, out->zoom_from, out->zoom_to, title);
    if (rc && rc != -ENOENT && rc != -EIO)
        goto out_write;
    note(out, rc, names[CP_CONCURRENCY]);
    snprintf(out->name[CP_CONCURRENCY], sizeof(out->name[0]), "%s", names[CP_CONCURRENCY]);

    if (!(kinds & 1u << CP_CYCLES))
        goto done;
    if (cycles)
        snprintf(title, sizeof(title), "%s%s%s / %s: run durations, all seeds", sc->base.name,
                 *v_name ? "@" : "", v_name, g->name);
    else
        snprintf(title, sizeof(title), "%s: run durations", base);
    rc = plot_cycle_hist(dir, names[CP_CYCLES], cycles ? cycles : &met->cycle, iv, lock_max(m, g),
                         title);
    if (rc && rc != -ENOENT && rc != -EIO)
        goto out_write;
    note(out, rc, names[CP_CYCLES]);
    snprintf(out->name[CP_CYCLES], sizeof(out->name[0]), "%s", names[CP_CYCLES]);

    if (!(kinds & 1u << CP_CLOCK))
        goto done;
    snprintf(title, sizeof(title), "%s: clock offsets (each clock minus true time)", base);
    rc = plot_clock(dir, names[CP_CLOCK], pd, title);
    if (rc && rc != -ENOENT && rc != -EIO)
        goto out_write;
    note(out, rc, names[CP_CLOCK]);
    snprintf(out->name[CP_CLOCK], sizeof(out->name[0]), "%s", names[CP_CLOCK]);
done:
    return 0;

out_write:
    snprintf(err, errlen, "cannot write plots into '%s': %s", dir, strerror(-rc));
    return rc;
}

const struct case_trace_reader caseplot_reader = {
    .open = reader_open,
    .status = reader_status,
    .done = reader_done,
    .release = reader_release,
};
