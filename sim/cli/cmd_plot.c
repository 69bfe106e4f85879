/*
 * overlapsim plot: the plots of one guard at one seed (timeline, whole-run
 * timeline, concurrency, cycle durations, clock offsets), each as PNG, SVG,
 * its CSV data and its gnuplot script, in a directory written all at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/plot/caseplot.h"
#include "../../reports/outdir.h"
#include "../../reports/plot/plot.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim plot FILE --out DIR [--guard G] [--variant V] [--seed N]\n"
    "                       [--set KEY=VALUE]...\n"
    "\n"
    "Simulates one seed of FILE (default: the first of scenario.seeds) with one guard\n"
    "(default: guard.kind) and draws into DIR: timeline (zoomed on the first overlap\n"
    "when the run is long), timeline-full, concurrency, cycles and clock, each as\n"
    "NAME.png, NAME.svg, NAME.csv (the data) and NAME.gp (the gnuplot script).\n"
    "DIR appears complete or not at all. Needs gnuplot (Debian: gnuplot-nox).\n"
    "Exit: 0 drawn, 2 bad input or DIR cannot be written.\n";

int cmd_plot(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv, "guard,variant,seed,set,out", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.out)
        return cli_error("plot needs --out DIR (see --help)");
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;
    int v;
    struct model *m = malloc(sizeof(*m));
    char err[1200];
    if (!m || cli_variants(sc, o.variant, false, &v, 1) < 0 ||
        scenario_model(sc, v, m, err, sizeof(err)) != 0) {
        free(m);
        scenario_free(sc);
        return m ? EXIT_USAGE : cli_error("out of memory");
    }
    const struct guard_ops *g = m->cfg.guard;
    uint64_t seed = o.have_seeds ? o.seeds.from : m->cfg.seeds.from;
    free(m);
    if (o.guard && !(g = guard_lookup(o.guard))) {
        scenario_free(sc);
        return cli_unknown_guard("--guard", o.guard);
    }
    struct outdir od;
    if (outdir_begin(&od, o.out, err, sizeof(err)) != 0) {
        scenario_free(sc);
        return cli_error("%s", err);
    }
    struct caseplot cp;
    struct caseplot_job job = {sc, v, g, seed, NULL, CP_ALL, od.tmp, "", &cp};
    rc = case_run_traced(sc, v, g, seed, &caseplot_reader, &job, err, sizeof(err));
    if (rc) {
        outdir_abort(&od);
        scenario_free(sc);
        return cli_error("%s", err);
    }
    if (cp.render_error == -EIO) {
        char why[512];
        plot_error_message(od.tmp, cp.failed, why, sizeof(why));
        outdir_abort(&od);
        scenario_free(sc);
        return cli_error("gnuplot failed on %s.gp: %s", cp.failed, why);
    }
    if (outdir_commit(&od, err, sizeof(err)) != 0) {
        scenario_free(sc);
        return cli_error("%s", err);
    }
    if (cp.render_error == -ENOENT)
        fprintf(stderr, "overlapsim: gnuplot not found (Debian: apt-get install gnuplot-nox): "
                        "wrote the data and scripts, not the images\n");
    for (int k = 0; k < CP_COUNT; k++)
        if (cp.name[k][0])
            printf("%s/%s.png\n", od.target, cp.name[k]);
    scenario_free(sc);
    return 0;
}
