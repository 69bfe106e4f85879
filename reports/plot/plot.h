/*
 * Plots with gnuplot. Every plot NAME is four files in one directory:
 * NAME.csv (the data, with a header), NAME.gp (the script, which reads
 * NAME.csv by a relative path so `gnuplot NAME.gp` redraws it after
 * restyling), and NAME.png (pngcairo) and NAME.svg. Scripts set every size,
 * font and colour themselves, so output is byte-identical across runs.
 * The writers return 0; -ENOENT when gnuplot is not installed (data and
 * script are still written); -EIO when gnuplot failed (its message is in
 * NAME.err); or the errno of a failed write.
 */
#ifndef REPORTS_PLOT_H
#define REPORTS_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../sim/base/hist.h"
#include "plotdata.h"

#define PLOT_RED "#d62728"
#define PLOT_BLUE "#4477aa"
#define PLOT_ORANGE "#ff7f0e"
#define PLOT_GREEN "#2ca02c"
#define PLOT_PURPLE "#9467bd"
#define PLOT_GREY "#888888"

/* Whether scripts draw NAME.svg besides NAME.png (default on). Set it before drawing, not during.
 */
void plot_set_svg(bool on);

/* Runs gnuplot on dir/name.gp with dir as working directory. */
int plot_render(const char *dir, const char *name);

/* The last non-empty line gnuplot wrote to dir/name.err, into buf ("" if none). */
char *plot_error_message(const char *dir, const char *name, char *buf, size_t len);

/* Is gnuplot on PATH? */
bool plot_available(void);

/*
 * Timeline: one lane per node in node order (and per concurrent run on it),
 * labelled with the node's clock offset; runs as bordered bars, overlapping
 * stretches in red, lease validity (true time) as a thin bar under each run,
 * triggers and skips as ticks at the top of their lane, faults as
 * translucent labelled bands over the lanes they hit. Shows [from, to] of pd.
 */
int plot_timeline(const char *dir, const char *name, const struct plotdata *pd, sim_time from,
                  sim_time to, const char *title);

/*
 * Runs at once as steps over [from, to] (the timeline's window), with the
 * limit and what is over it in red; when that window is not the whole run
 * (or the run has too many steps to draw), a second panel shows the whole
 * run as the most runs at once per time bin, so a single overlap stays
 * visible and the SVG small.
 */
int plot_concurrency(const char *dir, const char *name, const struct plotdata *pd, sim_time from,
                     sim_time to, const char *title);

/*
 * Histogram of run durations with the interval and the longest a lock is
 * held (lock_max, 0: none) as lines; runs far past the body of the histogram
 * go to one labelled overflow bin at the right (its CSV row has overflow 1).
 */
int plot_cycle_hist(const char *dir, const char *name, const struct hist *h, sim_time interval,
                    sim_time lock_max, const char *title);

/* Clock offset of each node and of the database over time; a flat, labelled plot without data. */
int plot_clock(const char *dir, const char *name, const struct plotdata *pd, const char *title);

enum plot_state { PLOT_OK, PLOT_VIOLATING, PLOT_FAIL };

/* One guard of a compare chart. */
struct plot_bar {
    const char *label;
    enum plot_state state; /* OK, violations that were expected, FAIL */
    double violating_seeds, seeds, runs_per_hour, skips_per_hour, longest_gap_s;
};

/* Guards side by side: violating seeds, runs per hour, skips per hour, longest gap. */
int plot_compare(const char *dir, const char *name, const struct plot_bar *bars, int n,
                 const char *title);

enum plot_palette { PLOT_PAL_BAD, PLOT_PAL_GOOD, PLOT_PAL_LOW_GOOD };

/* A metric over a grid of two swept keys; value NAN for a setting that could not run. */
struct plot_grid {
    int nx, ny;
    const char *xkey, *ykey;
    const char *const *xlabel, *const *ylabel; /* value texts */
    const double *value;                       /* [y * nx + x] */
    const bool *feasible;                      /* zero-violation cells, outlined */
    int rec_x, rec_y;                          /* a cell to mark, or -1 */
    const char *metric;                        /* colour bar label */
    enum plot_palette palette;                 /* BAD: high is red; GOOD: high is good */
    double cbmin, cbmax;                       /* NAN: automatic */
};

/* Heatmap (with image), the feasible region outlined, values printed in small grids. */
int plot_grid_heatmap(const char *dir, const char *name, const struct plot_grid *g,
                      const char *title);

/* The one-key form: the metric over the key's values, infeasible settings shaded. */
int plot_grid_sweep_line(const char *dir, const char *name, const struct plot_grid *g,
                         const char *title);

/* --- helpers shared by the plot writers (plot_*.c) --- */

/* Opens dir/name.ext for writing. */
FILE *plot_open(const char *dir, const char *name, const char *ext);

/* Writes the script's first lines: comment, CSV separator, and opens the per-format loop. */
void plot_script_begin(FILE *f, const char *name, int width, int height);
/* Closes the loop. */
void plot_script_end(FILE *f);

/* A gnuplot string literal (single-quoted, quotes doubled). */
void plot_quote(FILE *f, const char *s);

/* A gnuplot double-quoted string: line breaks kept as \n, quotes and backslashes escaped. */
void plot_quote_lines(FILE *f, const char *s);

/* Closes f, reporting a write error as a negative errno. */
int plot_close(FILE *f);

/* Sets the x axis for simulated seconds [from, to] (clock format or hours). Returns the divisor. */
double plot_time_axis(FILE *f, sim_time from, sim_time to);

#endif
