/*
 * The report's plots, drawn from finished runs (sim/analyses/report.h runs
 * them): the directory of each scenario, a reader that draws a plotted
 * case's plots from the trace of its seed (hand it to report_run_plots), and
 * the compare chart of each variant. Images are files beside the page (PNG
 * shown, CSV and gnuplot script linked; the script draws an SVG too when
 * `svg` is added to its format list), so the directory is self-contained and
 * can be zipped, attached to a CI run or served as is.
 */
#ifndef REPORTS_REPORT_DRAW_H
#define REPORTS_REPORT_DRAW_H

#include <stddef.h>

#include "../../sim/analyses/report.h"
#include "../plot/caseplot.h"

/* Makes the scenarios' directories inside dir (call before report_run_plots). Returns 0 or a
 * negative errno with err. */
int report_draw_begin(struct report *r, const char *dir, char *err, size_t errlen);

/* Draws a plotted case's plots into its scenario's directory (user: a struct report_plot_job). */
extern const struct case_trace_reader report_draw_reader;

/*
 * After report_run_plots: notes the cases' plot problems in r->render_error
 * (the first, in case order) and draws the compare chart of each variant.
 * Returns 0 or a negative errno with err.
 */
int report_draw(struct report *r, const char *dir, char *err, size_t errlen);

#endif
