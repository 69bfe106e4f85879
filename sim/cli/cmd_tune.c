/*
 * overlapsim tune: sweeps the interval (and a lease's lock factors when the
 * guard has them) over every variant and recommends the setting whose worst
 * variant best meets the goal (most-often, once-per-interval, cadence=D)
 * with zero violations on every seed; prints every setting's verdict, the
 * frontier, the margin and the reasons, and writes the heatmap (or, for one
 * key, the line chart) of the first variant with the combined verdicts.
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
#include "../../reports/plot/sweep_plot.h"
#include "../analyses/tune.h"
#include "common/sweep_cli.h"

static const char usage[] =
    "usage: overlapsim tune FILE [--vary KEY=FROM..TO/STEP]... [--guard G] [--variant V]\n"
    "                       [--goal most-often|once-per-interval|cadence=D]\n"
    "                       [--seeds A..B] [--jobs N] [--set KEY=VALUE]... [--out DIR]\n"
    "                       [--tolerance PCT] [--format text|json]\n"
    "\n"
    "Sweeps FILE (default keys: schedule.interval from half to twice its value, or for\n"
    "cron, k8s-cronjob and systemd-timer schedule.cron as every N minutes or hours, and the\n"
    "lease's min/max lock factors when the guard is a lease) and rejects every setting\n"
    "that, on any seed, runs more than scenario.max_concurrency at once, exports a\n"
    "duplicate or loses an item, or breaks the scenario's bounds on gaps and runs per\n"
    "period, on any variant (every variant unless --variant: a setting is only as\n"
    "good as its worst variant). Among the rest it recommends by the goal:\n"
    "  most-often         the job runs most often (within --tolerance, default 5%,\n"
    "                     counts as equal), then the fewest skips per run;\n"
    "  once-per-interval  runs per period closest to 1, no seed above 1 + tolerance,\n"
    "                     no variant below 1 - 2 x tolerance on average (this goal\n"
    "                     replaces the scenario's runs_per_period floors);\n"
    "  cadence=D          the effective period closest to D, within the tolerance.\n"
    "Default: once-per-interval for several nodes with a time-based guard (lease,\n"
    "shedlock), most-often otherwise. A variant that sets a swept key on a node, or\n"
    "whose expectations accept fewer runs than the goal, is held to its constraints\n"
    "only. Prints every setting with its verdict and reasons, the frontier, the\n"
    "recommendation with its margin (distance to the nearest rejected setting on\n"
    "each axis) and why, or the nearest miss; writes DIR (default tune-NAME) with\n"
    "settings.csv, sweep.csv (sweep-VARIANT.csv per variant) and the plots.\n"
    "Exit: 0 a setting is recommended, 1 none kept the constraints, 2 bad input.\n";

#define MAX_DEFAULTS 3

/*
 * For a cron-like scheduler: schedule.cron as every N minutes (or hours)
 * from half to twice the period, N dividing the hour (or the day) so every
 * slot is a period apart. Returns false when no such list fits.
 */
static bool cron_steps(sim_time iv, char *buf)
{
    static const int minutes[] = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30},
                     hours[] = {1, 2, 3, 4, 6, 8, 12};
    int k = 0;
    int len = snprintf(buf, 200, "schedule.cron=");
    for (size_t i = 0; i < sizeof(minutes) / sizeof(minutes[0]); i++) {
        sim_time d = minutes[i] * SIM_MIN;
        if (d >= iv / 2 && d <= 2 * iv)
            len += snprintf(buf + len, (size_t)(200 - len), "%s*/%d * * * *", k++ ? "," : "",
                            minutes[i]);
    }
    if (iv >= SIM_HOUR / 2)
        for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
            sim_time d = hours[i] * SIM_HOUR;
            if (d >= iv / 2 && d <= 2 * iv)
                len += snprintf(buf + len, (size_t)(200 - len), "%s0 */%d * * *", k++ ? "," : "",
                                hours[i]);
        }
    return k >= 2;
}

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
    if (config_sched_forks(m->cfg.sched) && m->cfg.cron_text[0] && cron_steps(iv, buf[n]))
        n++; /* a cron schedule: its slots come from the expression, not the interval */
    else
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

static void on_row(void *user, const struct sweep_row *r)
{
    tune_row(user, r);
}

/* Everything one tune run holds: a sweep and a tune per variant, and their verdict. */
struct tune_run {
    int nv;
    struct sweep_cli *c; /* per variant */
    struct tune *t;      /* per variant */
    struct tune_multi tm;
    bool *frontier; /* per point: acceptable, not beaten on worst runs/h and skips/run */
    char (*lines)[TUNE_LINE_LEN];
    int nl;
};

static const char *status(const struct tune_run *tr, size_t p)
{
    for (int v = 0; v < tr->nv; v++)
        if (tr->c[v].agg[p].invalid)
            return "invalid";
    if ((long)p == tr->tm.recommended)
        return "recommended";
    if (tr->frontier[p])
        return "frontier";
    return tr->tm.ok[p] ? "acceptable" : "rejected";
}

static void mark_frontier(struct tune_run *tr)
{
    const struct tune_multi *tm = &tr->tm;
    size_t n = tm->npoints;
    for (size_t p = 0; p < n; p++) {
        bool beaten = !tm->ok[p];
        for (size_t q = 0; q < n && !beaten && n <= 20000; q++)
            beaten = q != p && tm->ok[q] && tm->rph[q] >= tm->rph[p] && tm->spr[q] <= tm->spr[p] &&
                     (tm->rph[q] > tm->rph[p] || tm->spr[q] < tm->spr[p]);
        tr->frontier[p] = !beaten;
    }
}

static const char *vlabel(const char *name)
{
    return name[0] ? name : "(the base)";
}

static void print_variants(const struct tune_run *tr)
{
    const struct tune_multi *tm = &tr->tm;
    char goal[64];
    printf("goal: %s (%s)\n", tune_goal_name(&tm->goal, goal, sizeof(goal)), tm->goal.why);
    printf("variants judged:");
    for (int v = 0, k = 0; v < tm->nv; v++)
        if (tm->judged[v])
            printf("%s %s", k++ ? "," : "", vlabel(tm->vname[v]));
    printf("\n");
    for (int v = 0; v < tm->nv; v++)
        if (!tm->judged[v])
            printf("held to their constraints only: %s: %s\n", vlabel(tm->vname[v]),
                   tm->why_not[v]);
}

/* The first variant's reasons, and how many more variants rejected it (the table's column). */
static char *short_reasons(const struct tune_multi *tm, size_t p, char *buf, size_t len)
{
    tune_multi_reasons(tm, p, buf, len);
    char *cut = strstr(buf, "; @");
    if (cut && tm->nfail[p] > 1)
        snprintf(cut, len - (size_t)(cut - buf), " (and %d more variant%s)", tm->nfail[p] - 1,
                 tm->nfail[p] > 2 ? "s" : "");
    return buf;
}

static void print_text(const struct tune_run *tr)
{
    const struct tune_multi *tm = &tr->tm;
    const struct sweep *sw = &tr->c[0].sw;
    char label[400], why[4000];
    print_variants(tr);
    printf("constraints on every seed of every variant (and each variant's own bounds):\n");
    for (int i = 0; i < tr->t[0].nc; i++)
        printf("  %-10s %s\n", tr->t[0].c[i].kind, tr->t[0].c[i].text);
    int w = 7;
    for (size_t p = 0; p < sw->npoints; p++) {
        int l = (int)strlen(sweep_point_label(sw, p, label, sizeof(label)));
        w = l > w ? l : w;
    }
    printf("\n  %-*s  %-11s %8s %9s %15s  %s\n", w, "setting", "verdict", "runs/h", "skips/run",
           "runs/period",
           "why rejected (worst variant values; runs/period: lowest mean..highest seed)");
    for (size_t p = 0; p < sw->npoints; p++) {
        const char *st = status(tr, p);
        printf("  %-*s  %-11s", w, sweep_point_label(sw, p, label, sizeof(label)), st);
        if (strcmp(st, "invalid") == 0) {
            printf(" %s\n", tune_multi_reasons(tm, p, why, sizeof(why)));
            continue;
        }
        printf(" %8.1f %9.3f %7.3f..%-6.3f  %s\n", tm->rph[p], tm->spr[p], tm->rpp_lo[p],
               tm->rpp_hi[p], tm->ok[p] ? "" : short_reasons(tm, p, why, sizeof(why)));
    }
    printf("\nfrontier (acceptable on every variant; nothing else runs more often with fewer "
           "skips):\n");
    for (size_t p = 0; p < sw->npoints; p++)
        if (tr->frontier[p])
            printf("  %-*s  %8.1f runs/h  %.3f skips/run%s\n", w,
                   sweep_point_label(sw, p, label, sizeof(label)), tm->rph[p], tm->spr[p],
                   (long)p == tm->recommended ? "  <- recommended" : "");
    if (tm->recommended >= 0) {
        size_t r = (size_t)tm->recommended;
        printf("\nrecommendation: %s\n", sweep_point_label(sw, r, label, sizeof(label)));
        for (int v = 0; v < tm->nv; v++) {
            const struct sweep_agg *a = &tr->c[v].agg[r];
            printf("  %-18s runs/period %.3f (highest seed %.3f)  runs/h %.1f  skips/run %.3f%s\n",
                   vlabel(tm->vname[v]), sweep_agg_mean(a, tm->m_rpp), a->max[tm->m_rpp],
                   sweep_agg_mean(a, tr->t[v].m_rph), sweep_agg_mean(a, tr->t[v].m_spr),
                   tm->judged[v] ? "" : "  (constraints only)");
        }
    } else {
        printf("\nrecommendation: none\n");
    }
    printf("why:\n");
    for (int i = 0; i < tr->nl; i++)
        printf("  - %s\n", tr->lines[i]);
    for (int v = 0; v < tr->nv; v++)
        for (size_t p = 0; p < sw->npoints; p++)
            if (!tr->t[v].pt[p].feasible && tr->t[v].pt[p].replay[0]) {
                printf("replay a rejected setting: %s\n", tr->t[v].pt[p].replay);
                return;
            }
}

static json_t *json_num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_settings(const struct sweep *sw, size_t p)
{
    json_t *kv = json_object();
    for (int k = 0; k < sw->nkeys; k++)
        json_object_set_new(kv, sw->k[k].key,
                            json_string(sw->k[k].text[sweep_point_value(sw, p, k)]));
    return kv;
}

static void print_json(const struct tune_run *tr)
{
    const struct tune_multi *tm = &tr->tm;
    const struct sweep *sw = &tr->c[0].sw;
    const struct scenario *sc = sw->wsc[0];
    char why[4000], goal[64];
    json_t *j = json_object(), *cons = json_array(), *set = json_array(), *ex = json_array();
    json_t *judged = json_array(), *only = json_array();
    json_object_set_new(j, "scenario", json_string(sc->base.name));
    json_object_set_new(j, "variant", json_string(tm->nv == 1 ? tm->vname[0] : ""));
    json_object_set_new(j, "guard", json_string(sw->guard[0]->name));
    json_object_set_new(j, "goal", json_string(tune_goal_name(&tm->goal, goal, sizeof(goal))));
    json_object_set_new(j, "goal_why", json_string(tm->goal.why));
    for (int v = 0; v < tm->nv; v++) {
        if (tm->judged[v])
            json_array_append_new(judged, json_string(tm->vname[v]));
        else
            json_array_append_new(
                only, json_pack("{s:s, s:s}", "variant", tm->vname[v], "why", tm->why_not[v]));
    }
    json_object_set_new(j, "variants_judged", judged);
    json_object_set_new(j, "variants_constraints_only", only);
    json_object_set_new(j, "seed_from", json_integer((json_int_t)sw->seeds.from));
    json_object_set_new(j, "seed_to", json_integer((json_int_t)sw->seeds.to));
    json_object_set_new(j, "tolerance", json_real(tm->tolerance));
    for (int i = 0; i < tr->t[0].nc; i++)
        json_array_append_new(
            cons, json_pack("{s:s, s:s}", "kind", tr->t[0].c[i].kind, "text", tr->t[0].c[i].text));
    json_object_set_new(j, "constraints", cons);
    for (size_t p = 0; p < sw->npoints; p++) {
        json_t *s = json_object();
        json_object_set_new(s, "settings", json_settings(sw, p));
        json_object_set_new(s, "verdict", json_string(status(tr, p)));
        json_object_set_new(s, "runs_per_hour", json_num(tm->rph[p]));
        json_object_set_new(s, "skips_per_run", json_num(tm->spr[p]));
        json_object_set_new(s, "runs_per_period_min", json_num(tm->rpp_lo[p]));
        json_object_set_new(s, "runs_per_period_max", json_num(tm->rpp_hi[p]));
        if (!tm->ok[p])
            json_object_set_new(s, "why", json_string(tune_multi_reasons(tm, p, why, sizeof(why))));
        json_array_append_new(set, s);
    }
    json_object_set_new(j, "settings", set);
    if (tm->recommended >= 0) {
        size_t r = (size_t)tm->recommended;
        json_t *rec = json_object(), *margin = json_object(), *per = json_object();
        json_object_set_new(j, "recommended", json_settings(sw, r));
        json_object_set_new(rec, "settings", json_settings(sw, r));
        json_object_set_new(rec, "runs_per_period", json_num(tm->rpp_lo[r]));
        json_object_set_new(rec, "runs_per_period_max", json_num(tm->rpp_hi[r]));
        json_object_set_new(rec, "runs_per_hour", json_num(tm->rph[r]));
        json_object_set_new(rec, "skips_per_run", json_num(tm->spr[r]));
        for (int k = 0; k < sw->nkeys; k++) {
            double lo, hi;
            tune_multi_margin(tm, k, &lo, &hi);
            json_object_set_new(
                margin, sw->k[k].key,
                json_pack("{s:o, s:o}", "below", json_num(lo), "above", json_num(hi)));
        }
        json_object_set_new(rec, "margin", margin);
        for (int v = 0; v < tm->nv; v++) {
            const struct sweep_agg *a = &tr->c[v].agg[r];
            json_object_set_new(
                per, tm->vname[v],
                json_pack("{s:o, s:o, s:o, s:o, s:b}", "runs_per_period",
                          json_num(sweep_agg_mean(a, tm->m_rpp)), "runs_per_period_max",
                          json_num(a->max[tm->m_rpp]), "runs_per_hour",
                          json_num(sweep_agg_mean(a, tr->t[v].m_rph)), "skips_per_run",
                          json_num(sweep_agg_mean(a, tr->t[v].m_spr)), "judged", tm->judged[v]));
        }
        json_object_set_new(rec, "variants", per);
        json_object_set_new(j, "recommendation", rec);
    } else {
        json_object_set_new(j, "recommended", json_null());
        json_object_set_new(j, "recommendation", json_null());
        if (tm->nearest >= 0)
            json_object_set_new(
                j, "nearest_miss",
                json_pack("{s:o, s:i, s:s}", "settings", json_settings(sw, (size_t)tm->nearest),
                          "variants_failed", tm->nfail[tm->nearest], "why",
                          tune_multi_reasons(tm, (size_t)tm->nearest, why, sizeof(why))));
    }
    for (int i = 0; i < tr->nl; i++)
        json_array_append_new(ex, json_string(tr->lines[i]));
    json_object_set_new(j, "why", ex);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s)
        puts(s);
    free(s);
    json_decref(j);
}

static int write_out(struct outdir *od, const struct tune_run *tr, bool *drawn)
{
    const struct tune_multi *tm = &tr->tm;
    const struct sweep *sw = &tr->c[0].sw;
    FILE *f = outdir_open(od, "settings.csv");
    if (!f)
        return -errno;
    char why[4000];
    for (int k = 0; k < sw->nkeys; k++) {
        csv_field(f, sw->k[k].key);
        fputc(',', f);
    }
    fputs("verdict,variants_failed,runs_per_hour,skips_per_run,runs_per_period_min,"
          "runs_per_period_max,why\n",
          f);
    for (size_t p = 0; p < sw->npoints; p++) {
        for (int k = 0; k < sw->nkeys; k++) {
            csv_field(f, sw->k[k].text[sweep_point_value(sw, p, k)]);
            fputc(',', f);
        }
        fprintf(f, "%s,%d,", status(tr, p), tm->nfail[p]);
        const double vals[] = {tm->rph[p], tm->spr[p], tm->rpp_lo[p], tm->rpp_hi[p]};
        for (int i = 0; i < 4; i++) {
            if (isfinite(vals[i]))
                csv_number(f, vals[i]);
            fputc(',', f);
        }
        csv_field(f, tm->ok[p] ? "" : tune_multi_reasons(tm, p, why, sizeof(why)));
        fputc('\n', f);
    }
    int rc = plot_close(f);
    if (rc)
        return rc;
    struct sweep_view_spec views[8];
    int nv = sweep_plot_default_views(views, 8);
    *drawn = true;
    for (int i = 0; i < nv && !rc; i++) {
        char stem[200], names[4096] = "";
        snprintf(stem, sizeof(stem), "tune-%s", views[i].file);
        rc = sweep_plot_view(sw, tr->c[0].agg, 0, &views[i], tm->ok, tm->recommended, od->tmp, stem,
                             names, sizeof(names));
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
    return rc;
}

/*
 * The lease's lock rules at the recommendation, from the variant with the
 * longest run (the max lock time must outlast it) and the first variant
 * (the min lock time against the period); with one variant, also how the
 * runs compare with the interval.
 */
static void explain_lock(struct tune_run *tr)
{
    int longest = 0, m = tr->t[0].m_dmax;
    size_t r = (size_t)tr->tm.recommended;
    for (int v = 1; v < tr->nv && m >= 0; v++)
        if (tr->c[v].agg[r].max[m] > tr->c[longest].agg[r].max[m])
            longest = v;
    for (int pass = 0; pass < (longest ? 2 : 1); pass++) {
        int v = pass ? longest : 0;
        struct tune *t = &tr->t[v];
        long own = t->recommended;
        t->recommended = tr->tm.recommended;
        char(*more)[TUNE_LINE_LEN] = malloc(32 * sizeof(*more));
        int n = more ? tune_explain(t, tr->c[v].agg, more, 32) : 0;
        t->recommended = own;
        for (int i = 0; i < n && tr->nl < 64; i++) {
            bool maxl = strncmp(more[i], "max lock", 8) == 0;
            bool want = tr->nv == 1 ? maxl || strncmp(more[i], "min lock", 8) == 0 ||
                                          strncmp(more[i], "at a ", 5) == 0 ||
                                          strncmp(more[i], "at the recommendation", 21) == 0
                                    : (maxl && v == longest) ||
                                          (!maxl && v == 0 && strncmp(more[i], "min lock", 8) == 0);
            if (want)
                snprintf(tr->lines[tr->nl++], TUNE_LINE_LEN, "%s%s%s%.1900s", tr->nv > 1 ? "@" : "",
                         tr->nv > 1 ? tr->tm.vname[v] : "", tr->nv > 1 ? ": " : "", more[i]);
        }
        free(more);
    }
}

/* Why variant v is held to its constraints only: it sets a swept key on a node ("" if not). */
static void node_override(const struct scenario *sc, int v, const struct sweep *sw, char *why,
                          size_t len)
{
    why[0] = 0;
    if (v < 0)
        return;
    const struct variant *var = &sc->variants[v];
    for (int i = var->first; i < var->first + var->count && !why[0]; i++) {
        const char *slash = strchr(sc->overrides[i].key, '/');
        for (int k = 0; slash && k < sw->nkeys; k++)
            if (strcmp(slash + 1, sw->k[k].key) == 0)
                snprintf(why, len,
                         "%.60s = %.60s (line %d) overrides a swept key on that node (its runs "
                         "per period are not judged)",
                         sc->overrides[i].key, sc->overrides[i].value, sc->overrides[i].line);
    }
}

/* The goal: --goal, or the default for the scenario's nodes and guard. */
static int choose_goal(const struct cli_opts *o, struct tune_goal *g)
{
    char err[300];
    if (o->goal)
        return tune_goal_parse(o->goal, g, err, sizeof(err)) ? cli_error("%s", err) : 0;
    struct scenario *sc;
    if (cli_load(o, &sc) != 0)
        return EXIT_USAGE;
    int v;
    struct model *m = malloc(sizeof(*m));
    char e[600];
    if (!m || cli_variants(sc, o->variant, false, &v, 1) < 0 ||
        scenario_model(sc, v, m, e, sizeof(e)) != 0) {
        free(m);
        scenario_free(sc);
        return EXIT_USAGE;
    }
    tune_goal_default(g, m->nnodes, o->guard ? guard_lookup(o->guard) : m->cfg.guard);
    free(m);
    scenario_free(sc);
    return 0;
}

int cmd_tune(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "guard,variant,seeds,set,format,jobs,vary,out,tolerance,goal",
                       usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.file)
        return cli_error("no scenario file given (see --help)");
    struct tune_goal goal;
    if ((rc = choose_goal(&o, &goal)) != 0)
        return rc;
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
    /* the variants: --variant's, or every one */
    struct scenario *sc;
    if (cli_load(&o, &sc) != 0)
        return EXIT_USAGE;
    int vs[TUNE_MAX_VARIANTS];
    int nv = cli_variants(sc, o.variant, true, vs, TUNE_MAX_VARIANTS);
    if (nv < 0) {
        scenario_free(sc);
        return EXIT_USAGE;
    }
    double tol = o.tolerance >= 0 ? o.tolerance : 0.05;
    int jobs = cli_jobs(&o);
    struct tune_run tr = {.nv = 0};
    tr.c = calloc((size_t)nv, sizeof(*tr.c));
    tr.t = calloc((size_t)nv, sizeof(*tr.t));
    tr.lines = calloc(64, sizeof(*tr.lines));
    char err[1200], outname[300];
    struct outdir od;
    bool od_open = false;
    if (!tr.c || !tr.t || !tr.lines) {
        rc = cli_error("out of memory");
        goto out;
    }
    tr.tm.goal = goal;
    tr.tm.tolerance = tol;
    for (int i = 0; i < nv; i++) {
        struct cli_opts ov = o;
        ov.variant = vs[i] >= 0 ? sc->variants[vs[i]].name : NULL;
        if ((rc = sweep_cli_prepare(&tr.c[i], &ov, defp, nd, jobs)) != 0)
            goto out;
        tr.nv = i + 1;
        if (tune_init(&tr.t[i], &tr.c[i].sw, tol, err, sizeof(err)) != 0) {
            rc = cli_error("%s", err);
            goto out;
        }
        tr.tm.t[i] = &tr.t[i];
        tr.tm.vname[i] = scenario_variant_name(sc, vs[i]);
        tr.tm.judged[i] = true;
        node_override(sc, vs[i], &tr.c[i].sw, tr.tm.why_not[i], sizeof(tr.tm.why_not[i]));
        double floor;
        char text[200];
        if (tr.tm.why_not[i][0]) /* its node keeps its own interval: runs per period mean nothing */
            tune_drop_metric(&tr.t[i], "runs_per_period", false, &floor, text, sizeof(text));
        if (goal.kind != TUNE_MOST_OFTEN) {
            tune_drop_metric(&tr.t[i], "runs_per_period", true, &floor, text, sizeof(text));
            if (!tr.tm.why_not[i][0] && goal.kind == TUNE_ONCE_PER_INTERVAL && floor < 1 - 2 * tol)
                snprintf(tr.tm.why_not[i], sizeof(tr.tm.why_not[i]),
                         "its expectations accept fewer runs than the goal: %s", text);
        }
        tr.tm.judged[i] = !tr.tm.why_not[i][0];
    }
    snprintf(outname, sizeof(outname), "tune-%s", sc->base.name);
    const char *outdir_name = o.out ? o.out : outname;
    if (outdir_begin(&od, outdir_name, err, sizeof(err)) != 0) {
        rc = cli_error("%s", err);
        goto out;
    }
    od_open = true;
    for (int i = 0; i < nv; i++) {
        struct sweep_cli *c = &tr.c[i];
        char csv[300];
        if (nv > 1)
            snprintf(csv, sizeof(csv), "sweep-%s.csv", tr.tm.vname[i]);
        else
            snprintf(csv, sizeof(csv), "sweep.csv");
        if (!(c->rows_csv = outdir_open(&od, csv))) {
            rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(errno));
            goto out;
        }
        c->on_row = on_row;
        c->on_row_user = &tr.t[i];
        if (o.format == FORMAT_TEXT) {
            printf("tune ");
            sweep_cli_describe(c, stdout);
            fflush(stdout);
        }
        if ((rc = sweep_cli_run(c, jobs)) != 0)
            goto out;
        int e = ferror(c->rows_csv);
        if (fclose(c->rows_csv) != 0 || e) {
            c->rows_csv = NULL;
            rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(errno ? errno : EIO));
            goto out;
        }
        c->rows_csv = NULL;
        tune_decide(&tr.t[i], c->agg);
        tr.tm.agg[i] = c->agg;
    }
    tr.tm.nv = nv;
    tr.frontier = calloc(tr.c[0].sw.npoints, sizeof(bool));
    if (!tr.frontier || tune_multi_decide(&tr.tm) != 0) {
        rc = cli_error("out of memory");
        goto out;
    }
    mark_frontier(&tr);
    tr.nl = tune_multi_explain(&tr.tm, tr.lines, 64);
    if (tr.tm.recommended >= 0)
        explain_lock(&tr);
    bool drawn = false;
    int w = write_out(&od, &tr, &drawn);
    if (w) {
        rc = cli_error("cannot write to '%s': %s", outdir_name, strerror(-w));
        goto out;
    }
    od_open = false;
    if (outdir_commit(&od, err, sizeof(err)) != 0) {
        rc = cli_error("%s", err);
        goto out;
    }
    if (o.format == FORMAT_JSON) {
        print_json(&tr);
    } else {
        print_text(&tr);
        char what[200] = "";
        if (drawn)
            snprintf(what, sizeof(what), ", tune-*.png (heatmaps or line charts%s%s)",
                     nv > 1 ? " over the metrics of " : "", nv > 1 ? tr.tm.vname[0] : "");
        printf("%s: %s/settings.csv, %s/sweep%s.csv%s\n", drawn ? "plots" : "wrote", od.target,
               od.target, nv > 1 ? "-VARIANT" : "", what);
    }
    if (!drawn)
        fprintf(stderr, "overlapsim: gnuplot not found (Debian: gnuplot-nox): wrote the data and "
                        "scripts, not the images\n");
    rc = tr.tm.recommended >= 0 ? 0 : EXIT_VIOLATED;
out:
    for (int i = 0; i < tr.nv; i++) {
        if (tr.c[i].rows_csv)
            fclose(tr.c[i].rows_csv);
        tune_release(&tr.t[i]);
        sweep_cli_release(&tr.c[i]);
    }
    if (od_open)
        outdir_abort(&od);
    tune_multi_release(&tr.tm);
    free(tr.frontier);
    free(tr.lines);
    free(tr.c);
    free(tr.t);
    scenario_free(sc);
    return rc;
}
