/*
 * overlapsim report: every case of the given scenarios, their plots, and a
 * static HTML page (with a Markdown twin) in a directory that appears whole
 * or not at all.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/outdir.h"
#include "../../reports/plot/plot.h"
#include "../../reports/html/report_draw.h"
#include "../../reports/html/report_html.h"
#include "../analyses/report.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim report FILE|DIR... --out DIR [--seeds A..B] [--guards a,b]\n"
    "                         [--set KEY=VALUE]... [--jobs N]\n"
    "\n"
    "Runs every scenario (directories are searched for *.ini) like `check` and writes\n"
    "DIR/index.html (open it from disk, no server needed) and DIR/index.md: what was\n"
    "simulated (settings, clocks, faults, the guards run), a verdict table per variant\n"
    "and guard, a chart comparing the guards, a timeline of each case that violates or\n"
    "fails and of each guard, every plot kind (concurrency, run durations, clocks) for\n"
    "one case per scenario, and each failure with its seed, first overlap window and\n"
    "the command that replays it. Each plot is a PNG with its CSV data and gnuplot\n"
    "script beside it. DIR appears complete or not at all; an existing DIR is replaced\n"
    "only if overlapsim wrote it. The page opens with the guard x variant safety\n"
    "matrix (table id \"safety\").\n"
    "\n" VERDICT_HELP "\n"
    "Exit: 0 no case FAILs, 1 one fails (the report is still written), 2 bad input\n"
    "or DIR cannot be written.\n";

static void progress(void *user, uint64_t done, uint64_t total)
{
    struct cli_progress *p = user;
    if (p->total != total)
        cli_progress_start(p, p->what, total);
    cli_progress_step(p, done);
}

/* The command line, quoted for a shell, for the page. */
static void command_line(int argc, char **argv, char *buf, size_t len)
{
    snprintf(buf, len, "overlapsim");
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(buf);
        const char *a = argv[i];
        if (*a && !strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!"))
            snprintf(buf + n, len - n, " %s", a);
        else
            snprintf(buf + n, len - n, " '%s'", a); /* quotes inside are rare enough to keep */
    }
}

int cmd_report(int argc, char **argv)
{
    /* the command line before getopt permutes it */
    char cmd[2048];
    command_line(argc, argv, cmd, sizeof(cmd));
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "guards,seeds,set,files,jobs,out", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.out)
        return cli_error("report needs --out DIR (see --help)");
    if (!o.file)
        return cli_error("no scenario file or directory given (see --help)");
    struct cli_files files;
    rc = cli_files_collect(&files, argv + optind - 1, argc - optind + 1, "scenarios");
    if (rc)
        return rc;

    struct report r = {.command = cmd, .jobs = cli_jobs(&o)};
    char err[1400];
    for (int i = 0; i < files.n && !rc; i++) {
        struct cli_opts fo = o;
        struct scenario *sc;
        fo.file = files.path[i];
        rc = cli_load(&fo, &sc);
        if (rc)
            break;
        const struct guard_ops *gs[CONFIG_MAX_GUARDS];
        int ng = 0;
        if (o.guards && (ng = cli_guards(sc, o.guards, gs, CONFIG_MAX_GUARDS)) < 0) {
            scenario_free(sc);
            rc = EXIT_USAGE;
            break;
        }
        if (report_add(&r, sc, o.have_seeds ? o.seeds : sc->base.seeds, o.guards ? gs : NULL, ng) !=
            0)
            rc = cli_error("out of memory");
    }
    cli_files_free(&files);
    if (rc) {
        report_release(&r);
        return rc;
    }

    /* fail early on an unwritable --out, before minutes of simulation */
    struct outdir od;
    if (outdir_begin(&od, o.out, err, sizeof(err)) != 0) {
        report_release(&r);
        return cli_error("%s", err);
    }
    struct cli_progress prog = {.what = "report"};
    r.progress = progress;
    r.progress_user = &prog;
    int crc = report_run(&r, err, sizeof(err));
    if (crc != 0) {
        cli_progress_end(&prog);
        rc = cli_case_error(crc, err);
        goto fail;
    }
    prog.what = "plots";
    prog.total = 0;
    if (report_draw_begin(&r, od.tmp, err, sizeof(err)) != 0 ||
        report_run_plots(&r, od.tmp, &report_draw_reader, err, sizeof(err)) != 0 ||
        report_draw(&r, od.tmp, err, sizeof(err)) != 0) {
        cli_progress_end(&prog);
        rc = cli_error("%s", err);
        goto fail;
    }
    cli_progress_end(&prog);
    if (r.render_error == -EIO) {
        char why[512], stem[1000];
        const char *slash = strrchr(r.render_failed, '/');
        snprintf(stem, sizeof(stem), "%s", slash ? slash + 1 : r.render_failed);
        char dir[1000];
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - r.render_failed) : 0,
                 r.render_failed);
        plot_error_message(dir, stem, why, sizeof(why));
        rc = cli_error("gnuplot failed on %s.gp: %s", stem, why);
        goto fail;
    }
    if (report_html_write(&r, od.tmp, err, sizeof(err)) != 0) {
        rc = cli_error("%s", err);
        goto fail;
    }
    if (outdir_commit(&od, err, sizeof(err)) != 0) {
        report_release(&r);
        return cli_error("%s", err);
    }
    if (r.render_error == -ENOENT)
        fprintf(stderr, "overlapsim: gnuplot not found (Debian: apt-get install gnuplot-nox): the "
                        "report has the plots' data and scripts, not the images\n");
    printf("%d passed, %d failed\nreport: %s/index.html (and index.md)\n", r.passed, r.failed,
           od.target);
    rc = r.failed ? EXIT_VIOLATED : 0;
    report_release(&r);
    return rc;
fail:
    outdir_abort(&od);
    report_release(&r);
    return rc;
}
