/*
 * overlapsim compare: every guard (or --guards) on the same scenario and
 * seeds, one row per guard and variant: runs, skips, max concurrency,
 * overlaps, violating seeds, longest gap, lateness.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../reports/csv_out.h"
#include "../../reports/json_out.h"
#include "cli.h"
#include "text_out.h"

static const char usage[] =
    "usage: overlapsim compare FILE [--guards a,b,...] [--variant V] [--seeds A..B]\n"
    "                          [--set KEY=VALUE]... [--format text|json|csv]\n"
    "\n"
    "Runs each guard (default: scenario.guards) in each variant (default: all) over\n"
    "the same seeds (default: scenario.seeds) and prints one row per guard.\n"
    "JSON: one object per guard and variant, one per line; CSV: a header and one\n"
    "row per guard and variant.\n"
    "Exit: 0 all expectations hold, 1 one is violated, 2 bad input.\n";

static void header(const struct scenario *sc, int v, struct seed_range s)
{
    const char *name = scenario_variant_name(sc, v);
    char t[TIME_FMT_LEN];
    printf("\n%s%s%s  seeds %" PRIu64 "..%" PRIu64 "  %s each\n", sc->base.name,
           *name ? "  variant " : "", name, s.from, s.to, time_format(sc->base.duration, t));
    printf("  %-14s %-7s %9s %9s %9s %4s %9s %9s %12s %10s %10s\n", "guard", "verdict", "runs",
           "skipped", "coalesced", "max", "overlaps", "violating", "longest gap", "late p50",
           "late p99");
}

static void row(const struct case_result *c)
{
    char g[TIME_FMT_LEN], p50[TIME_FMT_LEN], p99[TIME_FMT_LEN], viol[32];
    const struct metrics *m = &c->agg;
    snprintf(viol, sizeof(viol), "%" PRIu64 "/%" PRIu64, c->violating_seeds, c->nseeds);
    printf("  %-14s %-7s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %4d %9" PRIu64 " %9s %12s %10s %10s\n",
           c->guard->name, c->pass ? "pass" : "FAIL", m->runs, m->skipped, m->coalesced,
           m->max_concurrency, m->overlaps, viol, time_format(m->longest_gap / SIM_MS * SIM_MS, g),
           time_format(hist_quantile(&m->lateness, 0.5) / SIM_MS * SIM_MS, p50),
           time_format(hist_quantile(&m->lateness, 0.99) / SIM_MS * SIM_MS, p99));
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
    struct case_result *res = malloc(sizeof(*res));
    if (nv < 0 || ng < 0 || !res) {
        free(res);
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
    if (o.format == FORMAT_CSV)
        csv_case_header(stdout);
    for (int i = 0; i < nv && !rc && !interrupted; i++) {
        if (o.format == FORMAT_TEXT)
            header(sc, vs[i], seeds);
        for (int j = 0; j < ng && !interrupted; j++) {
            struct cli_work w;
            char what[64];
            snprintf(what, sizeof(what), "  %s", gs[j]->name);
            cli_work_start(&w, what, nseeds);
            int crc = case_run(sc, vs[i], gs[j], seeds, NULL, progress, &w, res, err, sizeof(err));
            cli_work_end(&w);
            if (crc == 0 && res->interrupted) { /* the row of the seeds done, then say so */
                interrupted = true;
                cli_error("interrupted in seed %" PRIu64 " of guard %s: %" PRIu64 " of %" PRIu64
                          " seeds done in that case",
                          res->interrupted_seed, gs[j]->name, res->nseeds, nseeds);
            }
            if (crc != 0) {
                rc = cli_case_error(crc, err);
                break;
            }
            all_pass &= res->pass;
            if (o.format == FORMAT_JSON) {
                json_print_line(json_case(sc, res));
                continue;
            }
            if (o.format == FORMAT_CSV) {
                csv_case_row(stdout, sc, res);
                continue;
            }
            row(res);
            text_exports_row(stdout, &res->agg);
            if (!res->pass)
                printf("  %14s failed: %s\n", "", case_failures(res, failed, sizeof(failed)));
            if (!res->pass && res->violating_seeds)
                printf("  %14s replay: %s\n", "",
                       case_replay(sc, res, res->first_violating_seed, replay, sizeof(replay)));
            fflush(stdout);
        }
    }
    free(res);
    scenario_free(sc);
    if (rc)
        return rc;
    if (interrupted)
        return EXIT_INTERRUPTED;
    return all_pass ? 0 : EXIT_VIOLATED;
}
