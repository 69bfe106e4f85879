/* Human-readable blocks shared by run and compare. */
#ifndef SIM_CLI_TEXT_OUT_H
#define SIM_CLI_TEXT_OUT_H

#include <stdio.h>

#include "../sim/scenario/scenario.h"
#include "../sim/analyses/verdict.h"

/* The metrics of one seed or an aggregate, indented, several lines. */
void text_metrics(FILE *f, const struct scenario *sc, const struct metrics *m);

/* "00:12:30.000 .. 00:12:41.532: run 25 and run 26 on app" */
char *text_window(const struct scenario *sc, const struct overlap_window *w, char *buf,
                  size_t len);

/* The export block of run (several lines), nothing when exports are off (text_exports.c). */
void text_exports(FILE *f, const struct metrics *m);
/* One indented line under a compare row. */
void text_exports_row(FILE *f, const struct metrics *m);
/* "exactly once", "at least once: duplicates", ... */
const char *text_guarantee(const struct metrics *m);

#endif
