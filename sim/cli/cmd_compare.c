/*
 * overlapsim compare: every guard (or --guards) on the same scenario and
 * seeds. Text opens with the guard x variant safety matrix, then one table
 * per variant, a row per guard: safety, verdict, runs, skips, max
 * concurrency, overlaps, violating seeds, longest gap, lateness and the
 * metrics the scenario's expectations name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reports/csv_out.h"
#include "../../reports/json_out.h"
#include "common/cli.h"
#include "../../reports/text_out.h"

static const char usage[] =
    "usage: overlapsim compare FILE [--guards a,b,...] [--variant V] [--seeds A..B]\n"
    "                          [--set KEY=VALUE]... [--format text|json|csv]\n"
    "\n"
    "Runs each guard (default: scenario.guards) in each variant (default: all) over\n"
    "the same seeds (default: scenario.seeds) and prints one row per guard.\n"
    "Text opens with a guard x variant matrix of safety (SAFE, UNSAFE k/N) and\n"
    "verdicts. JSON: one object per guard and variant, one per line; CSV: a header\n"
    "and one row per guard and variant.\n"
    "\n" VERDICT_HELP "\n"
    "Exit: 0 no FAIL (pass or xfail), 1 FAIL, 2 bad input.\n";

#define EXTRA_MAX 8

/* The metrics the scenario's expectations name that the table lacks: more columns. */
static int extra_metrics(const struct scenario *sc, int *out)
{
    static const char *const shown[] = {
        "runs",     "skipped",       "coalesced",      "max_concurrency",
        "overlaps", "longest_gap_s", "lateness_p50_s", "lateness_p99_s"};
    int n = 0;
    for (int i = 0; i < sc->nexpect && n < EXTRA_MAX; i++) {
        int m = sc->expect[i].metric;
        bool skip = false;
        for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]) && !skip; k++)
            skip = strcmp(metric_defs[m].name, shown[k]) == 0;
        for (int k = 0; k < n && !skip; k++)
            skip = out[k] == m;
        if (!skip)
            out[n++] = m;
    }
    return n;
}

static int col_width(int m)
{
    int w = (int)strlen(metric_defs[m].name);
    return w < 9 ? 9 : w;
}

static void header(const struct scenario *sc, int v, struct seed_range s, const int *extra,
                   int nextra)
{
    const char *name = scenario_variant_name(sc, v);
    char t[TIME_FMT_LEN];
    printf("\n%s%s%s  seeds %" PRIu64 "..%" PRIu64 "  %s each\n", sc->base.name,
           *name ? "  variant " : "", name, s.from, s.to, time_format(sc->base.duration, t));
    printf("  %-14s %-13s %-7s %9s %9s %9s %4s %9s %9s %12s %10s %10s", "guard", "safety",
           "verdict", "runs", "skipped", "coalesced", "max", "overlaps", "violating", "longest gap",
           "late p50", "late p99");
    for (int i = 0; i < nextra; i++)
        printf(" %*s", col_width(extra[i]), metric_defs[extra[i]].name);
    printf("\n");
}

static void row(const struct case_result *c, const int *extra, int nextra)
{
    char g[TIME_FMT_LEN], p50[TIME_FMT_LEN], p99[TIME_FMT_LEN], viol[32], safety[64];
    const struct metrics *m = &c->agg;
    snprintf(viol, sizeof(viol), "%" PRIu64 "/%" PRIu64, c->violating_seeds, c->nseeds);
    printf("  %-14s %-13s %-7s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %4d %9" PRIu64
           " %9s %12s %10s %10s",
           c->guard->name, verdict_safety(c, safety, sizeof(safety)), text_verdict(c->verdict),
           m->runs, m->skipped, m->coalesced, m->max_concurrency, m->overlaps, viol,
           time_format(m->longest_gap / SIM_MS * SIM_MS, g),
           time_format(hist_quantile(&m->lateness, 0.5) / SIM_MS * SIM_MS, p50),
           time_format(hist_quantile(&m->lateness, 0.99) / SIM_MS * SIM_MS, p99));
    for (int i = 0; i < nextra; i++)
        printf(" %*.6g", col_width(extra[i]), metric_value(m, extra[i]));
    printf("\n");
}

/* Progress on stderr, only when a person is watching it (cli_work: within a seed too). */
static void progress(void *user, const struct case_result *c, const struct seed_outcome *o)
{
    (void)o;
    cli_work_step(user, c->nseeds);
}

int cmd_compare(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv, "guards,variant,seeds,set,format,csv", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;

    int vs[64];
    const struct guard_ops *gs[CONFIG_MAX_GUARDS];
    int nv = cli_variants(sc, o.variant, true, vs, 64);
    int ng = nv < 0 ? -1 : cli_guards(sc, o.guards, gs, CONFIG_MAX_GUARDS);
    size_t ncases = nv > 0 && ng > 0 ? (size_t)nv * (size_t)ng : 1;
    /* text shows the matrix first, so it keeps every case; json and csv stream */
    struct case_result *res = calloc(o.format == FORMAT_TEXT ? ncases : 1, sizeof(*res));
    struct text_cell *cells = calloc(ncases, sizeof(*cells));
    if (nv < 0 || ng < 0 || !res || !cells) {
        free(res);
        free(cells);
        scenario_free(sc);
        return nv < 0 || ng < 0 ? EXIT_USAGE : cli_error("out of memory");
    }
    struct seed_range seeds = o.have_seeds ? o.seeds : sc->base.seeds;
    bool all_pass = true, interrupted = false;
    uint64_t nseeds = seeds.to - seeds.from + 1;
    double work = 0;
    for (int i = 0; i < nv; i++)
        work += cli_work_triggers(sc, vs[i]);
    cli_work_announce("compare", work / nv, (double)nseeds, (double)(nv * ng));
    cli_interrupt_catch();
    char err[600], failed[2048], replay[1024];
    rc = 0;
    const struct scenario *scs[1] = {sc};
    text_matrix_seeds_note(o.format == FORMAT_TEXT ? stdout : stderr, &seeds, scs, 1);
    if (o.format == FORMAT_CSV)
        csv_case_header(stdout);
    for (int i = 0; i < nv && !rc && !interrupted; i++) {
        for (int j = 0; j < ng && !interrupted; j++) {
            struct case_result *r =
                o.format == FORMAT_TEXT ? &res[(size_t)i * (size_t)ng + (size_t)j] : res;
            struct cli_work w;
            char what[64];
            snprintf(what, sizeof(what), "  %s", gs[j]->name);
            cli_work_start(&w, what, nseeds);
            int crc = case_run(sc, vs[i], gs[j], seeds, NULL, progress, &w, r, err, sizeof(err));
            cli_work_end(&w);
            if (crc == 0 && r->interrupted) { /* the row of the seeds done, then say so */
                interrupted = true;
                cli_error("interrupted in seed %" PRIu64 " of guard %s: %" PRIu64 " of %" PRIu64
                          " seeds done in that case",
                          r->interrupted_seed, gs[j]->name, r->nseeds, nseeds);
            }
            if (crc != 0) {
                rc = cli_case_error(crc, err);
                break;
            }
            all_pass &= r->pass;
            cells[i * ng + j] = (struct text_cell){true, r->verdict, r->unsafe_seeds, r->nseeds};
            if (o.format == FORMAT_JSON)
                json_print_line(json_case(sc, r));
            else if (o.format == FORMAT_CSV)
                csv_case_row(stdout, sc, r);
            fflush(stdout);
        }
    }
    if (!rc && o.format == FORMAT_TEXT) {
        int extra[EXTRA_MAX];
        int nextra = extra_metrics(sc, extra);
        text_matrix(stdout, sc, vs, nv, gs, ng, cells);
        for (int i = 0; i < nv; i++) {
            header(sc, vs[i], seeds, extra, nextra);
            for (int j = 0; j < ng; j++) {
                const struct case_result *r = &res[(size_t)i * (size_t)ng + (size_t)j];
                if (!cells[i * ng + j].set) /* not run: Ctrl-C came first */
                    continue;
                row(r, extra, nextra);
                text_exports_row(stdout, &r->agg);
                if (!r->pass)
                    printf("  %14s failed: %s\n", "", verdict_failures(r, failed, sizeof(failed)));
                if (!r->pass || r->unsafe_seeds)
                    printf("  %14s replay: %s\n", "",
                           case_replay(sc, r, case_replay_seed(r), replay, sizeof(replay)));
            }
        }
    }
    free(res);
    free(cells);
    scenario_free(sc);
    if (rc)
        return rc;
    if (interrupted)
        return EXIT_INTERRUPTED;
    return all_pass ? 0 : EXIT_VIOLATED;
}
