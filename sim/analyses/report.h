/*
 * The runs behind the report: every case of every scenario (variant x guard
 * over the scenario's seeds), run in parallel and judged, the cases chosen
 * to be plotted, and the re-run of each plotted case's seed with its trace
 * going to the plots' reader. reports/html draws and writes the page from
 * what this leaves in struct report (report_draw.h, report_html.h).
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "../scenario/scenario.h"
#include "case.h"

#define REPORT_MAX_VARIANTS 64

struct caseplot; /* the plots of a case, drawn by reports/plot (caseplot.h) */

struct report_case {
    int variant;
    const struct guard_ops *guard;
    struct case_result res;
    uint64_t plot_seed;  /* the seed the plots show */
    bool plot;           /* draw the case's timeline */
    bool full;           /* and every other plot kind (one case per scenario) */
    struct caseplot *cp; /* once drawn (report_draw_reader allocates it); NULL before */
    char prefix[200];    /* file stem prefix of its plots, inside the scenario's directory */
};

struct report_scenario {
    struct scenario *sc; /* owned */
    struct seed_range seeds;
    int nvariants;
    int variant[REPORT_MAX_VARIANTS];
    int nguards;
    const struct guard_ops *guard[CONFIG_MAX_GUARDS];
    struct report_case *cases; /* variant-major: [v * nguards + g] */
    size_t ncases;
    char dir[160];                          /* subdirectory of the report */
    char compare[REPORT_MAX_VARIANTS][200]; /* compare chart stem per variant, "" if none */
};

struct report {
    struct report_scenario *s;
    int n;
    const char *command; /* the command line that made it, shown in the page */
    int jobs;
    void (*progress)(void *user, uint64_t done, uint64_t total);
    void *progress_user;
    int render_error;         /* first plot problem: -ENOENT no gnuplot, -EIO gnuplot failed */
    char render_failed[1000]; /* dir/stem of the plot gnuplot failed on */
    int passed, failed;
};

/*
 * Adds scenario sc (ownership passes to r) with seeds and guards (NULL: the
 * scenario's own). Returns 0 or -ENOMEM.
 */
int report_add(struct report *r, struct scenario *sc, struct seed_range seeds,
               const struct guard_ops *const *guards, int nguards);
void report_release(struct report *r);

/* Runs every case (in parallel) and chooses the cases to plot. Returns 0 or a negative errno
 * with err. */
int report_run(struct report *r, char *err, size_t errlen);

/* One plotted case, the user report_run_plots hands to its reader's open and done. */
struct report_plot_job {
    struct report *r;
    struct report_scenario *s;
    struct report_case *c;
    const char *dir; /* the report's directory */
};

/*
 * Re-runs the plot seed of every case report_run chose to plot (in
 * parallel), its trace going to rd with a struct report_plot_job as user
 * (reports/html's report_draw_reader draws the plots into dir). Progress
 * counts these runs plus one step, the compare charts report_draw ends with.
 * Returns 0 or a negative errno with err.
 */
int report_run_plots(struct report *r, const char *dir, const struct case_trace_reader *rd,
                     char *err, size_t errlen);

/* How many cases report_run chose to plot. */
size_t report_plotted(const struct report *r);

/* The seed that best shows a case: its first violating seed, else the first failing, else the
 * first. */
uint64_t report_case_seed(const struct case_result *res);

#endif
