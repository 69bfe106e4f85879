/*
 * overlapsim sweep: a scenario over the Cartesian product of one to three
 * varied keys and a seed range, in parallel, with rows in a fixed order
 * whatever the job count; shards for many machines (see reports/README.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/csv_out.h"
#include "../../reports/outdir.h"
#include "../../reports/plot/plot.h"
#include "../../reports/plot/sweep_plot.h"
#include "common/sweep_cli.h"

static const char usage[] =
    "usage: overlapsim sweep FILE --vary KEY=FROM..TO/STEP [--vary ...] [--guard G | --guards "
    "a,b]\n"
    "                        [--variant V] [--seeds A..B] [--jobs N] [--shard K/N]\n"
    "                        [--set KEY=VALUE]... [--format text|csv|json] [--out DIR]\n"
    "\n"
    "Runs every combination of the varied keys (one to three) for every seed\n"
    "(default: scenario.seeds) and guard (default: guard.kind), in the first variant\n"
    "unless --variant. KEY is any scenario key (`schedule.interval`, ...);\n"
    "FROM..TO/STEP takes durations (20s..60s/5s) or numbers (1..6/0.5); KEY=A,B,C\n"
    "lists values. Runs in parallel on --jobs threads (default: all cores); the\n"
    "output does not depend on it.\n"
    "\n"
    "  --format text   one line per setting, seeds aggregated (default)\n"
    "  --format csv    one row per guard, setting and seed, in index order: the rows\n"
    "                  of --shard K/N runs (units with index mod N == K-1) merge back\n"
    "                  into exactly the one-run CSV with `overlapsim merge`\n"
    "  --format json   the same rows as JSON, one object per line\n"
    "  --out DIR       also write DIR/sweep.csv (rows), DIR/settings.csv (per setting)\n"
    "                  and heatmaps (two or three keys) or line charts (one key) of the\n"
    "                  violating-seed rate, runs per hour and longest gap\n"
    "Exit: 0 the sweep ran (violations are results, not errors), 2 bad input.\n";

/* s in at most max characters: cut at a word's end, with an ellipsis to say so. */
static const char *text_cut(const char *s, size_t max, char *buf, size_t len)
{
    size_t n = strlen(s);
    if (n <= max || len < 8)
        return s;
    size_t k = max - 1 < len - 4 ? max - 1 : len - 4;
    while (k > max / 2 && s[k] != ' ' && s[k - 1] != ' ' && s[k - 1] != ';')
        k--;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == ';'))
        k--;
    snprintf(buf, len, "%.*s\u2026", (int)k, s);
    return buf;
}

static void settings_csv(FILE *f, const struct sweep_cli *c)
{
    const struct sweep *sw = &c->sw;
    fputs("guard", f);
    for (int k = 0; k < sw->nkeys; k++) {
        fputc(',', f);
        csv_field(f, sw->k[k].key);
    }
    fputs(",seeds,violating_seeds,failing_seeds,status", f);
    for (int i = 0; i < c->nmetrics; i++)
        fprintf(f, ",%s,%s_max", metric_defs[i].name, metric_defs[i].name);
    fputs(",first_failed\n", f);
    for (int g = 0; g < sw->nguards; g++)
        for (size_t p = 0; p < sw->npoints; p++) {
            const struct sweep_agg *a = &c->agg[(size_t)g * sw->npoints + p];
            csv_field(f, sw->guard[g]->name);
            for (int k = 0; k < sw->nkeys; k++) {
                fputc(',', f);
                csv_field(f, sw->k[k].text[sweep_point_value(sw, p, k)]);
            }
            fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s", a->nseeds, a->violating,
                    a->failing,
                    a->invalid     ? "invalid"
                    : a->violating ? "violating"
                    : a->failing   ? "failing"
                                   : "ok");
            for (int i = 0; i < c->nmetrics; i++) {
                fputc(',', f);
                if (a->nseeds)
                    csv_number(f, sweep_agg_mean(a, i));
                fputc(',', f);
                if (a->nseeds)
                    csv_number(f, a->max[i]);
            }
            fputc(',', f);
            csv_field(f, a->first_failed);
            fputc('\n', f);
        }
}

static void text_table(const struct sweep_cli *c)
{
    const struct sweep *sw = &c->sw;
    int rph = metric_find("runs_per_hour"), spr = metric_find("skips_per_run"),
        mc = metric_find("max_concurrency"), gap = metric_find("longest_gap_s");
    int w[SWEEP_MAX_KEYS];
    printf("\n  %-12s", "guard");
    for (int k = 0; k < sw->nkeys; k++) {
        w[k] = (int)strlen(sw->k[k].key);
        for (int i = 0; i < sw->k[k].nvalues; i++)
            if ((int)strlen(sw->k[k].text[i]) > w[k])
                w[k] = (int)strlen(sw->k[k].text[i]);
        printf(" %-*s", w[k], sw->k[k].key);
    }
    printf(" %9s %9s %8s %9s %4s %12s  %s\n", "violating", "failing", "runs/h", "skips/run", "max",
           "longest gap", "first failure");
    for (int g = 0; g < sw->nguards; g++)
        for (size_t p = 0; p < sw->npoints; p++) {
            const struct sweep_agg *a = &c->agg[(size_t)g * sw->npoints + p];
            if (!a->nseeds && !a->invalid)
                continue; /* not in this shard */
            printf("  %-12s", sw->guard[g]->name);
            for (int k = 0; k < sw->nkeys; k++)
                printf(" %-*s", w[k], sw->k[k].text[sweep_point_value(sw, p, k)]);
            if (a->invalid) {
                printf(" invalid: %s\n", a->first_failed);
                continue;
            }
            char v[48], fl[48], t[TIME_FMT_LEN];
            snprintf(v, sizeof(v), "%" PRIu64 "/%" PRIu64, a->violating, a->nseeds);
            snprintf(fl, sizeof(fl), "%" PRIu64 "/%" PRIu64, a->failing, a->nseeds);
            char cut[80];
            printf(" %9s %9s %8.1f %9.3f %4.0f %12s  %s\n", v, fl, sweep_agg_mean(a, rph),
                   sweep_agg_mean(a, spr), a->max[mc],
                   time_format((sim_time)(a->max[gap] * 1e3) * SIM_MS, t),
                   text_cut(a->first_failed, 60, cut, sizeof(cut)));
        }
}

int cmd_sweep(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "guard,guards,variant,seeds,set,format,csv,jobs,vary,shard,out",
                       usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.file)
        return cli_error("no scenario file given (see --help)");
    int jobs = cli_jobs(&o);
    struct sweep_cli c;
    if ((rc = sweep_cli_prepare(&c, &o, NULL, 0, jobs)) != 0)
        return rc;

    struct outdir od;
    bool out = o.out != NULL;
    char err[1200];
    if (out && outdir_begin(&od, o.out, err, sizeof(err)) != 0) {
        sweep_cli_release(&c);
        return cli_error("%s", err);
    }
    if (out && !(c.rows_csv = outdir_open(&od, "sweep.csv"))) {
        rc = cli_error("cannot write to '%s': %s", o.out, strerror(errno));
        goto fail;
    }
    if (o.format != FORMAT_TEXT) {
        c.rows_out = stdout;
        c.rows_format = o.format;
    } else {
        sweep_cli_describe(&c, stdout);
        fflush(stdout);
    }
    if ((rc = sweep_cli_run(&c, jobs)) != 0)
        goto fail;
    if (o.format == FORMAT_TEXT)
        text_table(&c);
    if (out) {
        int e = ferror(c.rows_csv);
        if (fclose(c.rows_csv) != 0 || e) {
            c.rows_csv = NULL;
            rc = cli_error("cannot write to '%s': %s", o.out, strerror(errno ? errno : EIO));
            goto fail;
        }
        c.rows_csv = NULL;
        FILE *f = outdir_open(&od, "settings.csv");
        if (!f) {
            rc = cli_error("cannot write to '%s': %s", o.out, strerror(errno));
            goto fail;
        }
        settings_csv(f, &c);
        if (plot_close(f) != 0) {
            rc = cli_error("cannot write to '%s': %s", o.out, strerror(errno ? errno : EIO));
            goto fail;
        }
        bool drawn = true;
        if (c.sw.shard_n > 1) {
            fprintf(stderr, "overlapsim: a shard draws no plots: merge the shards first\n");
            drawn = false;
        }
        struct sweep_view_spec views[8];
        int nv = sweep_plot_default_views(views, 8);
        for (int g = 0; drawn && g < c.sw.nguards; g++)
            for (int i = 0; i < nv; i++) {
                char stem[200], names[4096] = "";
                snprintf(stem, sizeof(stem), "%s-%s%s%s", c.sw.nkeys > 1 ? "heatmap" : "line",
                         c.sw.nguards > 1 ? c.sw.guard[g]->name : "", c.sw.nguards > 1 ? "-" : "",
                         views[i].file);
                int r = sweep_plot_view(&c.sw, c.agg, g, &views[i], NULL, -1, od.tmp, stem, names,
                                        sizeof(names));
                if (r == -ENOENT) {
                    fprintf(stderr, "overlapsim: gnuplot not found (Debian: gnuplot-nox): wrote "
                                    "the data and scripts, not the images\n");
                    drawn = false;
                    break;
                }
                if (r == -EIO) {
                    char why[512];
                    plot_error_message(od.tmp, stem, why, sizeof(why));
                    rc = cli_error("gnuplot failed on %s.gp: %s", stem, why);
                    goto fail;
                }
                if (r) {
                    rc = cli_error("cannot write to '%s': %s", o.out, strerror(-r));
                    goto fail;
                }
            }
        if (outdir_commit(&od, err, sizeof(err)) != 0) {
            out = false;
            rc = cli_error("%s", err);
            goto fail;
        }
        if (o.format == FORMAT_TEXT)
            printf("\nwrote %s/sweep.csv, %s/settings.csv%s\n", od.target, od.target,
                   drawn ? " and plots" : "");
    }
    sweep_cli_release(&c);
    return 0;
fail:
    if (c.rows_csv)
        fclose(c.rows_csv);
    if (out)
        outdir_abort(&od);
    sweep_cli_release(&c);
    return rc;
}
