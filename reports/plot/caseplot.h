/*
 * The plots of one case at one seed, drawn from the trace of its run: a
 * reader for case_run_traced (sim/analyses/case.h, which re-runs the seed;
 * the simulator is deterministic, so this is the run the verdict saw) that
 * collects the trace into plotdata and then draws the timeline (zoomed on
 * the first overlap when the run is long, plus the whole run), concurrency,
 * the cycle-duration histogram and clock offsets. Used by `plot` and
 * `report`; nothing here runs the simulator.
 */
#ifndef REPORTS_CASEPLOT_H
#define REPORTS_CASEPLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../sim/scenario/scenario.h"
#include "../../sim/analyses/case.h"

enum caseplot_kind { CP_TIMELINE, CP_TIMELINE_FULL, CP_CONCURRENCY, CP_CYCLES, CP_CLOCK, CP_COUNT };

struct caseplot {
    char name[CP_COUNT][128];    /* file stem of each plot, "" if not drawn */
    sim_time zoom_from, zoom_to; /* the timeline's window */
    bool zoomed;                 /* the timeline is part of the run */
    bool has_overlap;
    bool clock_data;             /* the trace had clock offsets */
    bool lease_data;             /* the trace had lease validity */
    struct overlap_window first; /* of this seed, when has_overlap */
    int render_error;            /* first plot_render error (-ENOENT: no gnuplot) */
    char failed[128];            /* the plot gnuplot failed on (its NAME.err says why) */
};

#define CP_ALL ((1u << CP_COUNT) - 1)

/* Plot names for each kind ("timeline", "timeline-full", ...). */
extern const char *const caseplot_names[CP_COUNT];

/*
 * What to draw: the plots of guard g in variant v of sc at seed, into dir,
 * file stems prefixed with prefix ("" for none). cycles, when not NULL, is
 * the histogram to draw instead of this seed's (e.g. all seeds of the case).
 * kinds is a mask of the plots to draw (1u << CP_TIMELINE | ..., or CP_ALL).
 * out receives what was drawn; render problems are only noted in
 * out->render_error.
 */
struct caseplot_job {
    const struct scenario *sc;
    int v;
    const struct guard_ops *g;
    uint64_t seed;
    const struct hist *cycles;
    unsigned kinds;
    const char *dir;
    const char *prefix;
    struct caseplot *out;
};

/*
 * The reader that draws a job (its user: a struct caseplot_job): hand it to
 * case_run_traced with the job's scenario, variant, guard and seed. Its done
 * returns 0 or a negative errno with err ("cannot write plots into ...").
 */
extern const struct case_trace_reader caseplot_reader;

#endif
