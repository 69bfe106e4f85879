/*
 * overlapsim shrink: from a failing seed, a minimal explicit scenario that
 * fails the same expectation, ready to drop into scenarios/ as a regression.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenario/model_write.h"
#include "../analyses/shrink.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim shrink FILE --guard G --seed N [--variant V] [--set KEY=VALUE]...\n"
    "                         [--out FILE]\n"
    "\n"
    "Takes a seed on which guard G fails an expectation (or breaks the invariant) and\n"
    "writes a fully explicit scenario (every trigger's work and every fault fixed; no\n"
    "randomness left) that fails the same expectation, minimised: shortest duration,\n"
    "fewest faults, shortest runs, roundest values. It replays without a seed.\n"
    "Without --out (or with --out -) the scenario goes to standard output; --out\n"
    "replaces an existing file only if overlapsim wrote it.\n"
    "Exit: 0 shrunk, 2 bad input (including a seed that fails nothing).\n";

static void write_scenario(FILE *f, const struct shrink_result *r, const char *src,
                           const char *guard, uint64_t seed)
{
    char comment[2000], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], exp[128];
    expect_format(&r->target, exp, sizeof(exp));
    snprintf(comment, sizeof(comment),
             "Shrunk by: overlapsim shrink %s --guard %s --seed %" PRIu64 "\n"
             "Fails: %s (it was %g; here %g)\n"
             "From %s simulated, %" PRIu64 " triggers and %d faults to %s, %" PRIu64
             " triggers and %d faults, in %" PRIu64 " attempts.\n"
             "%s",
             src, guard, seed, exp, r->original_value, r->final_value,
             time_format(r->original_duration, t1), r->original_triggers, r->original_faults,
             time_format(r->m->cfg.duration, t2), r->final_triggers, r->m->nfaults, r->attempts,
             r->random_left[0] ? "Randomness left (the failure needs it; give --seed to replay): "
                               : "No randomness is left: every seed replays the same.");
    if (r->random_left[0])
        snprintf(comment + strlen(comment), sizeof(comment) - strlen(comment), "%s",
                 r->random_left);
    model_write(r->m, f, comment);
    /* "max_concurrency <= 1" is also the INI line that expects it */
    fprintf(f, "\n[expect]\n%s\n", exp);
}

int cmd_shrink(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv, "guard,variant,seed,set,out", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.guard || !o.have_seeds)
        return cli_error("shrink needs --guard and --seed (see --help)");
    const struct guard_ops *g = guard_lookup(o.guard);
    if (!g)
        return cli_unknown_guard("--guard", o.guard);
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;
    int v;
    struct shrink_result res = {0};
    char err[600];
    if (cli_variants(sc, o.variant, false, &v, 1) < 0) {
        scenario_free(sc);
        return EXIT_USAGE;
    }
    int src = shrink_run(sc, v, g, o.seeds.from, &res, err, sizeof(err));
    if (src != 0) {
        scenario_free(sc);
        return src == -EPROTO ? (cli_error("internal error: %s", err), EXIT_INTERNAL)
                              : cli_error("%s: %s", o.file, err);
    }
    res.m->cfg.nguards = 1;
    res.m->cfg.guards[0] = g;
    res.m->cfg.seeds = (struct seed_range){1, 1};
    rc = 0;
    if (!o.out || cli_is_stdout(o.out)) {
        write_scenario(stdout, &res, o.file, g->name, o.seeds.from);
    } else {
        struct cli_out w;
        rc = cli_out_begin(&w, "--out", o.out, true);
        if (!rc) {
            write_scenario(w.f, &res, o.file, g->name, o.seeds.from);
            rc = cli_out_end(&w, false);
        }
        if (!rc) {
            char exp[128];
            fprintf(stderr, "shrunk to %s%s: %" PRIu64 " triggers, %d faults, fails %s\n", o.out,
                    w.replaced ? " (replaced the file an earlier run wrote)" : "",
                    res.final_triggers, res.m->nfaults,
                    expect_format(&res.target, exp, sizeof(exp)));
        }
    }
    shrink_result_release(&res);
    scenario_free(sc);
    return rc;
}
