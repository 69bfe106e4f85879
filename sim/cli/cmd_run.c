/*
 * overlapsim run: one guard over one seed or a range, with its safety and
 * verdict, the metrics, the first overlap window and the command that
 * replays an unsafe or failing seed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../reports/csv_out.h"
#include "../../reports/json_out.h"
#include "common/cli.h"
#include "../../reports/text_out.h"

static const char usage[] =
    "usage: overlapsim run FILE [--guard G] [--variant V] [--seed N | --seeds A..B]\n"
    "                      [--set KEY=VALUE]... [--trace FILE.csv] [--format text|json|csv]\n"
    "\n"
    "Simulates FILE with one guard (default: the scenario's guard.kind) for each seed\n"
    "(default: the first of scenario.seeds) and checks the scenario's expectations.\n"
    "With --trace, every event of every seed is written as CSV (one header line);\n"
    "--trace - writes it to stdout, and the report goes to stderr.\n"
    "Large work (a billion triggers and more) is said up front, a terminal shows\n"
    "progress, and Ctrl-C stops it with the seeds done so far reported (exit 130).\n"
    "JSON: one object per seed, one per line; CSV: a header and one row per seed.\n"
    "\n" VERDICT_HELP "One seed cannot decide a some. line: on one seed they are not judged.\n"
    "\n"
    "Exit: 0 no FAIL (pass or xfail), 1 FAIL, 2 bad input, 130 interrupted.\n";

struct run_ctx {
    const struct scenario *sc;
    const struct cli_opts *o;
    bool single;
    struct cli_work work;
};

static void on_seed(void *user, const struct case_result *c, const struct seed_outcome *so)
{
    struct run_ctx *r = user;
    const struct metrics *m = so->m;
    char replay[1024], t[TIME_FMT_LEN];
    cli_work_step(&r->work, c->nseeds);
    if (r->work.on) /* the progress line gives way to the result */
        fputs("\r\033[K", stderr);
    if (r->o->format == FORMAT_JSON) {
        json_print_line(json_seed(r->sc, c, so));
        fflush(stdout);
        return;
    }
    if (r->o->format == FORMAT_CSV) {
        csv_seed_row(stdout, r->sc, c, so);
        fflush(stdout);
        return;
    }
    if (r->single) {
        const char *v = scenario_variant_name(r->sc, c->variant);
        char unj[1024];
        printf("%s%s%s  guard %s  seed %" PRIu64 "  %s simulated\n", r->sc->base.name,
               *v ? "  variant " : "", v, c->guard->name, m->seed, time_format(m->duration, t));
        printf("  safety %s%s%s\n", so->safe ? "SAFE" : "UNSAFE", so->safe ? "" : ": ", so->unsafe);
        printf("  verdict %s%s%s\n", text_verdict(so->verdict), so->pass ? "" : ": ", so->failed);
        text_some_unjudged(c, unj, sizeof(unj));
        if (*unj)
            printf("  not judged on one seed: %s\n", unj);
        text_metrics(stdout, r->sc, m);
        if (!so->pass || !so->safe)
            printf("  replay: %s\n", case_replay(r->sc, c, m->seed, replay, sizeof(replay)));
        return;
    }
    printf("seed %-6" PRIu64 " %-5s %-6s runs %-7" PRIu64 " skipped %-7" PRIu64
           " max %-2d overlaps %-6" PRIu64 " longest gap %s",
           m->seed, text_verdict(so->verdict), so->safe ? "SAFE" : "UNSAFE", m->runs, m->skipped,
           m->max_concurrency, m->overlaps, time_format(m->longest_gap / SIM_MS * SIM_MS, t));
    if (m->xp.on)
        printf("  dup %" PRIu64 " lost %" PRIu64 " deadlocks %" PRIu64, m->xp.duplicates,
               m->xp.lost, m->xp.deadlocks);
    if (m->stale_writes)
        printf("  stale writes %" PRIu64, m->stale_writes);
    printf("%s%s\n", so->pass ? "" : "  ", so->failed);
}

/* Where measured durations came from: one line per key drawn from a data file. */
static void print_origins(const struct config *c)
{
    for (const struct config_key *k = config_keys; k->name; k++) {
        const struct dist *d = (const struct dist *)((const char *)c + k->offset);
        if (k->type == CT_DIST && d->data)
            printf("%s from %s\n", k->name, d->data->origin);
    }
}

int cmd_run(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv, "guard,variant,seed,seeds,set,format,csv,trace", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;

    int v;
    if (cli_variants(sc, o.variant, false, &v, 1) < 0) {
        scenario_free(sc);
        return EXIT_USAGE;
    }
    struct model *m = malloc(sizeof(*m));
    char err[600];
    if (!m || scenario_model(sc, v, m, err, sizeof(err)) != 0) {
        free(m);
        scenario_free(sc);
        return cli_error("out of memory");
    }
    const struct guard_ops *g = m->cfg.guard;
    struct seed_range seeds = {m->cfg.seeds.from, m->cfg.seeds.from};
    if (o.format == FORMAT_TEXT)
        print_origins(&m->cfg);
    free(m);
    if (o.guard && !(g = guard_lookup(o.guard))) {
        scenario_free(sc);
        return cli_unknown_guard("--guard", o.guard);
    }
    if (o.have_seeds)
        seeds = o.seeds;

    FILE *tf = NULL;
    struct trace trace;
    if (o.trace) {
        tf = cli_is_stdout(o.trace) ? cli_stdout_take() : fopen(o.trace, "w");
        if (!tf) {
            rc = cli_error("--trace %s: cannot open: %s", o.trace, strerror(errno));
            scenario_free(sc);
            return rc;
        }
        trace_init(&trace, tf);
    }
    struct run_ctx ctx = {sc, &o, seeds.from == seeds.to, {0}};
    uint64_t nseeds = seeds.to - seeds.from + 1;
    cli_work_announce("run", cli_work_triggers(sc, v), (double)nseeds, 1);
    cli_interrupt_catch();
    cli_work_start(&ctx.work, "run", nseeds);
    if (o.format == FORMAT_CSV)
        csv_seed_header(stdout);
    struct case_result *res = malloc(sizeof(*res));
    if (!res) {
        rc = cli_error("out of memory");
        goto out;
    }
    int crc = case_run(sc, v, g, seeds, tf ? &trace : NULL, on_seed, &ctx, res, err, sizeof(err));
    cli_work_end(&ctx.work);
    if (crc != 0) {
        rc = cli_case_error(crc, err);
        goto out;
    }
    if (tf && (trace.error || fflush(tf) != 0)) {
        rc = cli_error("--trace %s: write failed: %s", o.trace,
                       strerror(trace.error ? trace.error : errno));
        goto out;
    }
    if (res->interrupted) /* what was done so far, then the line that says so */
        ctx.single = false;
    if (!ctx.single && o.format == FORMAT_TEXT && res->nseeds) {
        char failed[2048], replay[1024], safety[64];
        printf("%s: %s, verdict %s over %" PRIu64 " seeds", res->guard->name,
               verdict_safety(res, safety, sizeof(safety)), text_verdict(res->verdict),
               res->nseeds);
        if (res->unsafe_seeds)
            printf(" (first unsafe seed %" PRIu64 ": %s)", res->first_unsafe_seed,
                   res->first_unsafe);
        printf("\n");
        if (!res->pass)
            printf("  failed: %s\n", verdict_failures(res, failed, sizeof(failed)));
        if (res->unsafe_seeds || !res->pass)
            printf("  replay: %s\n",
                   case_replay(sc, res, case_replay_seed(res), replay, sizeof(replay)));
    }
    rc = res->pass ? 0 : EXIT_VIOLATED;
    if (res->interrupted) {
        cli_error("interrupted in seed %" PRIu64 ": %" PRIu64 " of %" PRIu64
                  " seeds done (%.0f%% of that seed simulated)",
                  res->interrupted_seed, res->nseeds, nseeds, 100 * ctx.work.in_seed);
        rc = EXIT_INTERRUPTED;
    }
out:
    free(res);
    if (tf && cli_is_stdout(o.trace)) {
        if (fflush(tf) != 0 && rc == 0)
            rc = cli_error("--trace -: write failed: %s", strerror(errno));
    } else if (tf) {
        if (fclose(tf) != 0 && rc == 0)
            rc = cli_error("--trace %s: write failed", o.trace);
        if (rc >= EXIT_USAGE)
            remove(o.trace); /* no half-written output */
    }
    scenario_free(sc);
    return rc;
}
