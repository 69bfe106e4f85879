/*
 * The report: every case of every scenario (variant x guard over the
 * scenario's seeds), the plots that show them, and a static HTML page plus a
 * Markdown twin that open from disk with no server. Images are files beside
 * the page (PNG shown, CSV and gnuplot script linked; the script draws an SVG
 * too when `svg` is added to its format list), so the directory
 * is self-contained and can be zipped, attached to a CI run or served as is.
 * The page holds no date or host name: the same inputs give the same bytes.
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "../../sim/scenario/scenario.h"
#include "../../sim/analyses/case.h"
#include "../plot/caseplot.h"

#define REPORT_MAX_VARIANTS 64

struct report_case {
    int variant;
    const struct guard_ops *guard;
    struct case_result res;
    uint64_t plot_seed; /* the seed the plots show */
    bool plot;          /* draw the case's timeline */
    bool full;          /* and every other plot kind (one case per scenario) */
    struct caseplot cp;
    char prefix[200]; /* file stem prefix of its plots, inside the scenario's directory */
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

/* Runs every case (in parallel). Returns 0 or a negative errno with err. */
int report_run(struct report *r, char *err, size_t errlen);

/* Draws every plot into dir (in parallel). Plot problems are noted in r->render_error. */
int report_draw(struct report *r, const char *dir, char *err, size_t errlen);

/* Writes dir/index.html and dir/index.md. Returns 0 or a negative errno with err. */
int report_write(const struct report *r, const char *dir, char *err, size_t errlen);

/* The seed that best shows a case: its first violating seed, else the first failing, else the
 * first. */
uint64_t report_case_seed(const struct case_result *res);

#endif
