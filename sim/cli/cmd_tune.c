/*
 * overlapsim tune: sweeps the interval (and a lease's lock factors when the
 * guard has them) and recommends the setting that runs the job most often
 * with the fewest skips among those with zero violations on every seed;
 * prints every setting's verdict, the frontier and the reasons, and writes
 * the heatmap (or, for one key, the line chart).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/csv_out.h"
#include "../../reports/outdir.h"
#include "../../reports/plot/plot.h"
#include "../../reports/tune.h"
#include "common/sweep_cli.h"

static const char usage[] =
    "usage: overlapsim tune FILE [--vary KEY=FROM..TO/STEP]... [--guard G] [--variant V]\n"
    "                       [--seeds A..B] [--jobs N] [--set KEY=VALUE]... [--out DIR]\n"
    "                       [--tolerance PCT] [--format text|json]\n"
    "\n"
    "Sweeps FILE (default keys: schedule.interval from half to twice its value, and the\n"
    "lease's min/max lock factors when the guard is a lease) and rejects every setting\n"
    "that, on any seed, runs more than scenario.max_concurrency at once, exports a\n"
    "duplicate or loses an item, or breaks the scenario's bounds on gaps and runs per\n"
    "period. Among the rest it recommends the one that runs the job most often\n"
    "(settings within --tolerance, default 5%, of the most count as equal) with the\n"
    "fewest skips per run. Prints every setting with its verdict and reasons, the\n"
    "frontier, the recommendation and why; writes DIR (default tune-NAME) with\n"
    "settings.csv, sweep.csv and the plots.\n"
    "Exit: 0 a setting is recommended, 1 none kept the constraints, 2 bad input.\n";

#define MAX_DEFAULTS 3

/* The default keys: the interval around its value, and lock factors for lease-like guards. */
static int defaults(const struct cli_opts *o, char (*buf)[200])
{
    struct scenario *sc;
    if (cli_load(o, &sc) != 0)
        return -1;
    int v, n = 0;
    struct model *m = malloc(sizeof(*m));
    char err[600];
    if (!m || cli_variants(sc, o->variant, false, &v, 1) < 0 ||
        scenario_model(sc, v, m, err, sizeof(err)) != 0) {
        free(m);
        scenario_free(sc);
        return -1;
    }
    sim_time iv = m->cfg.interval, step = iv / 4;
    const struct guard_ops *g = o->guard ? guard_lookup(o->guard) : m->cfg.guard;
    char a[TIME_FMT_LEN], b[TIME_FMT_LEN], c[TIME_FMT_LEN];
    snprintf(buf[n++], 200, "schedule.interval=%s..%s/%s", time_format(iv / 2, a),
             time_format(2 * iv, b), time_format(step > 0 ? step : 1, c));
    if (g && (strstr(g->name, "lease") || strstr(g->name, "shedlock"))) {
        for (const struct config_key *k = config_keys; k->name && n < MAX_DEFAULTS; k++) {
            size_t len = strlen(k->name);
            if (len > 10 && strcmp(k->name + len - 10, "max_factor") == 0)
                snprintf(buf[n++], 200, "%s=1,2,3,5,8", k->name);
            else if (len > 10 && strcmp(k->name + len - 10, "min_factor") == 0)
                snprintf(buf[n++], 200, "%s=0.1,0.5,0.9,1,1.5", k->name);
        }
    }
    free(m);
    scenario_free(sc);
    return n;
}

static void on_row(void *user, const struct sweep_row *r) { tune_row(user, r); }

static const char *status(const struct tune *t, size_t p, const struct sweep_agg *a)
{
    if (a->invalid)
        return "invalid";
    if ((long)p == t->recommended)
        return "recommended";
    if (t->pt[p].frontier)
        return "frontier";
    return t->pt[p].feasible ? "acceptable" : "rejected";
}

static void print_text(const struct sweep_cli *c, const struct tune *t, char (*lines)[TUNE_LINE_LEN],
                       int nl)
{
    const struct sweep *sw = &c->sw;
    char label[400], why[1200], gap[TIME_FMT_LEN];
    printf("constraints on every seed:\n");
    for (int i = 0; i < t->nc; i++)
        printf("  %-10s %s\n", t->c[i].kind, t->c[i].text);
    int w = 7;
    for (size_t p = 0; p < sw->npoints; p++) {
        int l = (int)strlen(sweep_point_label(sw, p, label, sizeof(label)));
        w = l > w ? l : w;
    }
    printf("\n  %-*s  %-11s %8s %9s %11s  %s\n", w, "setting", "verdict", "runs/h", "skips/run",
           "longest gap", "why rejected");
    for (size_t p = 0; p < sw->npoints; p++) {
        const struct sweep_agg *a = &c->agg[p];
        printf("  %-*s  %-11s", w, sweep_point_label(sw, p, label, sizeof(label)), status(t, p, a));
        if (a->invalid) {
            printf(" %s\n", tune_reasons(t, c->agg, p, why, sizeof(why)));
            continue;
        }
        printf(" %8.1f %9.3f %11s  %s\n", sweep_agg_mean(a, t->m_rph), sweep_agg_mean(a, t->m_spr),
               time_format((sim_time)llround(a->max[t->m_gap] * 1e3) * SIM_MS, gap),
               t->pt[p].feasible ? "" : tune_reasons(t, c->agg, p, why, sizeof(why)));
    }
    printf("\nfrontier (zero violations; nothing else runs more often with fewer skips):\n");
    for (size_t p = 0; p < sw->npoints; p++)
        if (t->pt[p].frontier)
            printf("  %-*s  %8.1f runs/h  %.3f skips/run%s\n", w,
                   sweep_point_label(sw, p, label, sizeof(label)), sweep_agg_mean(&c->agg[p], t->m_rph),
                   sweep_agg_mean(&c->agg[p], t->m_spr), (long)p == t->recommended ? "  <- recommended" : "");
    if (t->recommended >= 0)
        printf("\nrecommendation: %s\n",
               sweep_point_label(sw, (size_t)t->recommended, label, sizeof(label)));
    else
        printf("\nrecommendation: none\n");
    printf("why:\n");
    for (int i = 0; i < nl; i++)
        printf("  - %s\n", lines[i]);
    for (size_t p = 0; p < sw->npoints; p++)
        if (!t->pt[p].feasible && t->pt[p].replay[0]) {
            printf("replay a rejected setting: %s\n", t->pt[p].replay);
            break;
        }
}

static void print_json(const struct sweep_cli *c, const struct tune *t, char (*lines)[TUNE_LINE_LEN],
                       int nl)
{
    const struct sweep *sw = &c->sw;
    const struct scenario *sc = sw->wsc[0];
    char why[1200];
    json_t *j = json_object(), *cons = json_array(), *set = json_array(), *ex = json_array();
    json_object_set_new(j, "scenario", json_string(sc->base.name));
    json_object_set_new(j, "variant", json_string(scenario_variant_name(sc, sw->variant)));
    json_object_set_new(j, "guard", json_string(sw->guard[0]->name));
    json_object_set_new(j, "seed_from", json_integer((json_int_t)sw->seeds.from));
    json_object_set_new(j, "seed_to", json_integer((json_int_t)sw->seeds.to));
    json_object_set_new(j, "tolerance", json_real(t->tolerance));
    for (int i = 0; i < t->nc; i++)
        json_array_append_new(cons, json_pack("{s:s, s:s}", "kind", t->c[i].kind, "text", t->c[i].text));
    json_object_set_new(j, "constraints", cons);
    for (size_t p = 0; p < sw->npoints; p++) {
        const struct sweep_agg *a = &c->agg[p];
        json_t *s = json_object(), *kv = json_object();
        for (int k = 0; k < sw->nkeys; k++)
            json_object_set_new(kv, sw->k[k].key, json_string(sw->k[k].text[sweep_point_value(sw, p, k)]));
        json_object_set_new(s, "settings", kv);
        json_object_set_new(s, "verdict", json_string(status(t, p, a)));
        json_object_set_new(s, "seeds", json_integer((json_int_t)a->nseeds));
        json_object_set_new(s, "violating_seeds", json_integer((json_int_t)a->violating));
        if (a->nseeds) {
            json_object_set_new(s, "runs_per_hour", json_real(sweep_agg_mean(a, t->m_rph)));
            json_object_set_new(s, "skips_per_run", json_real(sweep_agg_mean(a, t->m_spr)));
            json_object_set_new(s, "longest_gap_s", json_real(a->max[t->m_gap]));
            json_object_set_new(s, "duration_max_s", json_real(a->max[t->m_dmax]));
        }
        if (!t->pt[p].feasible)
            json_object_set_new(s, "why", json_string(tune_reasons(t, c->agg, p, why, sizeof(why))));
        if (t->pt[p].replay[0])
            json_object_set_new(s, "replay", json_string(t->pt[p].replay));
        json_array_append_new(set, s);
    }
    json_object_set_new(j, "settings", set);
    if (t->recommended >= 0) {
        json_t *kv = json_object();
        for (int k = 0; k < sw->nkeys; k++)
            json_object_set_new(kv, sw->k[k].key,
                                json_string(sw->k[k].text[sweep_point_value(sw, (size_t)t->recommended, k)]));
        json_object_set_new(j, "recommended", kv);
    } else {
        json_object_set_new(j, "recommended", json_null());
    }
    for (int i = 0; i < nl; i++)
        json_array_append_new(ex, json_string(lines[i]));
    json_object_set_new(j, "why", ex);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

static int write_out(struct outdir *od, const struct sweep_cli *c, const struct tune *t, bool *drawn)
{
    const struct sweep *sw = &c->sw;
    FILE *f = outdir_open(od, "settings.csv");
    if (!f)
        return -errno;
    char why[1200];
    for (int k = 0; k < sw->nkeys; k++) {
        csv_field(f, sw->k[k].key);
        fputc(',', f);
    }
    fputs("verdict,seeds,violating_seeds,runs_per_hour,skips_per_run,longest_gap_s,duration_max_s,why\n", f);
    for (size_t p = 0; p < sw->npoints; p++) {
        const struct sweep_agg *a = &c->agg[p];
        for (int k = 0; k < sw->nkeys; k++) {
            csv_field(f, sw->k[k].text[sweep_point_value(sw, p, k)]);
            fputc(',', f);
        }
        fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",", status(t, p, a), a->nseeds, a->violating);
        if (a->nseeds) {
            csv_number(f, sweep_agg_mean(a, t->m_rph));
            fputc(',', f);
            csv_number(f, sweep_agg_mean(a, t->m_spr));
            fputc(',', f);
            csv_number(f, a->max[t->m_gap]);
            fputc(',', f);
            csv_number(f, a->max[t->m_dmax]);
        } else {
            fputs(",,,", f);
        }
        fputc(',', f);
        csv_field(f, t->pt[p].feasible ? "" : tune_reasons(t, c->agg, p, why, sizeof(why)));
        fputc('\n', f);
    }
    int rc = plot_close(f);
    if (rc)
        return rc;
    bool *ok = malloc(sw->npoints * sizeof(bool));
    if (!ok)
        return -ENOMEM;
    for (size_t p = 0; p < sw->npoints; p++)
        ok[p] = t->pt[p].feasible;
    struct sweep_view_spec views[8];
    int nv = sweep_default_views(views, 8);
    *drawn = true;
    for (int i = 0; i < nv && !rc; i++) {
        char stem[200], names[4096] = "";
        snprintf(stem, sizeof(stem), "tune-%s", views[i].file);
        rc = sweep_plot_view(sw, c->agg, 0, &views[i], ok, t->recommended, od->tmp, stem, names,
                             sizeof(names));
        if (rc == -ENOENT) {
            *drawn = false;
            rc = 0;
            break;
        }
        if (rc == -EIO) {
            char msg[512];
            plot_error_message(od->tmp, stem, msg, sizeof(msg));
            fprintf(stderr, "overlapsim: gnuplot failed on %s.gp: %s\n", stem, msg);
        }
    }
    free(ok);
    return rc;
}

int cmd_tune(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "guard,variant,seeds,set,format,jobs,vary,out,tolerance", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.file)
        return cli_error("no scenario file given (see --help)");
    char defs[MAX_DEFAULTS][200];
    const char *defp[MAX_DEFAULTS];
    int nd = 0;
    if (!o.nvary) {
        nd = defaults(&o, defs);
        if (nd < 0)
            return EXIT_USAGE;
        for (int i = 0; i < nd; i++)
            defp[i] = defs[i];
    }
    int jobs = cli_jobs(&o);
    struct sweep_cli c;
    if ((rc = sweep_cli_prepare(&c, &o, defp, nd, jobs)) != 0)
        return rc;
    struct tune t;
    char err[1200];
    if (tune_init(&t, &c.sw, o.tolerance >= 0 ? o.tolerance : 0.05, err, sizeof(err)) != 0) {
        sweep_cli_release(&c);
        return cli_error("%s", err);
    }
    char outname[300];
    snprintf(outname, sizeof(outname), "tune-%s", c.sw.wsc[0]->base.name);
    const char *outdir_name = o.out ? o.out : outname;
    struct outdir od;
    if (outdir_begin(&od, outdir_name, err, sizeof(err)) != 0) {
        tune_release(&t);
        sweep_cli_release(&c);
        return cli_error("%s", err);
    }
    if (!(c.rows_csv = outdir_open(&od, "sweep.csv"))) {
        rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(errno));
        goto out;
    }
    c.on_row = on_row;
    c.on_row_user = &t;
    if (o.format == FORMAT_TEXT) {
        printf("tune ");
        sweep_cli_describe(&c, stdout);
        fflush(stdout);
    }
    if ((rc = sweep_cli_run(&c, jobs)) != 0)
        goto out;
    int e = ferror(c.rows_csv);
    if (fclose(c.rows_csv) != 0 || e) {
        c.rows_csv = NULL;
        rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(errno ? errno : EIO));
        goto out;
    }
    c.rows_csv = NULL;
    tune_decide(&t, c.agg);
    static char lines[32][TUNE_LINE_LEN];
    int nl = tune_explain(&t, c.agg, lines, 32);
    bool drawn = false;
    int w = write_out(&od, &c, &t, &drawn);
    if (w) {
        rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(-w));
        goto out;
    }
    if (outdir_commit(&od, err, sizeof(err)) != 0) {
        rc = cli_error("%s", err);
        goto out_committed;
    }
    if (o.format == FORMAT_JSON) {
        print_json(&c, &t, lines, nl);
    } else {
        print_text(&c, &t, lines, nl);
        printf("%s: %s/settings.csv, %s/sweep.csv%s\n", drawn ? "plots" : "wrote", od.target,
               od.target, drawn ? ", tune-*.png (heatmaps or line charts)" : "");
    }
    if (!drawn)
        fprintf(stderr, "overlapsim: gnuplot not found (Debian: gnuplot-nox): wrote the data and "
                        "scripts, not the images\n");
    rc = t.recommended >= 0 ? 0 : EXIT_VIOLATED;
    goto out_committed;
out:
    if (c.rows_csv)
        fclose(c.rows_csv);
    outdir_abort(&od);
out_committed:
    tune_release(&t);
    sweep_cli_release(&c);
    return rc;
}
