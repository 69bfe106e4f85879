/*
 * The part of sweep and tune that runs a sweep from the command line:
 * options to a struct sweep, the parallel run with a progress bar, rows
 * streamed in index order to stdout and/or a CSV file, and aggregates.
 */
#ifndef SIM_CLI_SWEEP_CLI_H
#define SIM_CLI_SWEEP_CLI_H

#include <stdio.h>

#include "../../analyses/sweep.h"
#include "cli.h"

struct sweep_cli {
    struct sweep sw;
    struct sweep_agg *agg; /* guard * npoints + point */
    int nmetrics;
    struct sweep_row *ring;
    char (*ring_err)[600]; /* why the unit in each slot failed */
    size_t window;
    FILE *rows_csv; /* every row as CSV (with header), or NULL */
    FILE *rows_out; /* every row to stdout in rows_format, or NULL */
    enum out_format rows_format;
    struct cli_progress prog;
    void (*on_row)(void *user, const struct sweep_row *r); /* each row, in order, or NULL */
    void *on_row_user;
    char err[1200];
};

/*
 * Fills c->sw from the options: --vary (or the given defaults when none),
 * --guard/--guards, --variant, --seeds, --shard, --set; opens it for jobs
 * workers. Prints the error and returns EXIT_USAGE on bad input; 0 otherwise.
 */
int sweep_cli_prepare(struct sweep_cli *c, const struct cli_opts *o, const char *const *defaults,
                      int ndefaults, int jobs);

/* Runs the (shard of the) sweep. Returns 0, or prints the error and returns EXIT_USAGE. */
int sweep_cli_run(struct sweep_cli *c, int jobs);

void sweep_cli_release(struct sweep_cli *c);

/* "etl-ticker@spawn / atomic, seeds 1..20, schedule.interval 20s..60s (9 settings)" */
void sweep_cli_describe(const struct sweep_cli *c, FILE *f);

#endif
