/*
 * The battery's HTML page: the guard x failure matrix, the price of safety
 * where a guard held, why a failure could not apply, and one timeline per
 * UNSAFE cell. It only formats results handed to it (battery cells and the
 * plots drawn for them); it runs no simulation.
 */
#ifndef REPORTS_BATTERY_HTML_H
#define REPORTS_BATTERY_HTML_H

#include <stdio.h>

#include "../../sim/analyses/battery.h"

/* One cell as the page shows it. */
struct battery_view {
    const struct battery_cell *cell;
    const char *replay;   /* the command replaying its first unsafe seed ("" if safe) */
    const char *timeline; /* the file of its timeline plot, relative to the page ("" if none) */
    const char *scenario; /* its explicit scenario file, relative to the page ("" if none) */
};

/*
 * Writes the page for scenario (its path and description) to f: ng guards
 * (rows) x nf failures (columns) of views, row-major. Returns 0 or -EIO.
 */
int battery_html_write(FILE *f, const struct scenario *sc, const struct battery_view *views, int ng,
                       int nf, const char *seeds);

#endif
