/* Human-readable blocks shared by run, compare, check and live. */
#ifndef SIM_CLI_TEXT_OUT_H
#define SIM_CLI_TEXT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../sim/scenario/scenario.h"
#include "../sim/analyses/verdict.h"

/* The metrics of one seed or an aggregate, indented, several lines. */
void text_metrics(FILE *f, const struct scenario *sc, const struct metrics *m);

/* "00:12:30.000 .. 00:12:41.532: run 25 and run 26 on app" */
char *text_window(const struct scenario *sc, const struct overlap_window *w, char *buf, size_t len);

/* The export block of run (several lines), nothing when exports are off (text_exports.c). */
void text_exports(FILE *f, const struct metrics *m);
/* One indented line under a compare row. */
void text_exports_row(FILE *f, const struct metrics *m);
/* "exactly once", "at least once: duplicates", ... */
const char *text_exports_guarantee(const struct metrics *m);

/* "pass", "xfail" or "FAIL": the verdict as the terminal shows it. */
const char *text_verdict(enum case_verdict v);

/* The some. lines of a case, "; "-separated: what one seed cannot judge. */
char *text_some_unjudged(const struct case_result *c, char *buf, size_t len);

/* One cell of the guard x variant matrix (text_matrix.c). */
struct text_cell {
    bool set;
    enum case_verdict verdict;
    uint64_t unsafe_seeds, nseeds;
};

/*
 * The guard x variant matrix that opens compare and check: rows guards
 * gs[0..ng), columns variants vs[0..nv), cells [v * ng + g] "SAFE" or
 * "UNSAFE k/N", then "xfail" or "FAIL" when the verdict is not a plain pass.
 */
void text_matrix(FILE *f, const struct scenario *sc, const int *vs, int nv,
                 const struct guard_ops *const *gs, int ng, const struct text_cell *cells);

/*
 * Says, in one line, that --seeds replaces the scenario's own range, when it
 * does: some. lines are judged over the seeds run. Nothing otherwise.
 */
void text_matrix_seeds_note(FILE *f, const struct seed_range *run, const struct scenario *const *sc,
                            int nsc);

#endif
