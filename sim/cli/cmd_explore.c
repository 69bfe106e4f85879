/*
 * overlapsim explore: tries the interleavings of racing actors (events due
 * at the same instant) systematically, and reports the first schedule that
 * breaks the invariant as a replayable interleaving and an explicit scenario.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyses/explore.h"
#include "../scenario/model_write.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim explore FILE [--guard G] [--bound K] [--budget N] [--strategy dfs|pct]\n"
    "                          [--seed N] [--variant V] [--set KEY=VALUE]... [--out FILE]\n"
    "\n"
    "Runs FILE (keep it small: a few triggers) under every order in which the events due at\n"
    "one instant may go: the interleavings of racing triggers at their environment calls.\n"
    "dfs (default) tries every schedule with at most K departures from insertion order\n"
    "(--bound, default 2); pct samples schedules with random priorities (PCT) when the space\n"
    "is too large. Stops at the first schedule that breaks the invariant (more runs at once\n"
    "than allowed) and prints it as scenario.interleaving; --out writes it as an explicit\n"
    "scenario file (\"-\": stdout, the report then on stderr; an existing file only if\n"
    "overlapsim wrote it). At most --budget schedules (default 100000).\n"
    "Exit: 0 no violation, 1 a violation was found, 2 bad input.\n";

static void write_explicit(FILE *f, const struct model *m, const char *src, const char *guard,
                           uint64_t seed)
{
    char comment[1200];
    snprintf(comment, sizeof(comment),
             "Found by: overlapsim explore %s --guard %s --seed %" PRIu64 "\n"
             "The interleaving below breaks the invariant; it replays without any search.",
             src, guard, seed);
    model_write(m, f, comment);
    /* the invariant explore checked, so that replaying the file fails */
    fprintf(f, "\n[expect]\nmax_concurrency <= %d\n", m->cfg.limit);
}

int cmd_explore(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv, "guard,variant,seed,set,bound,budget,strategy,out", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;
    /* before the search: a refused --out wastes none of it, and "-" moves the report to stderr */
    struct cli_out w = {0};
    if (o.out && (rc = cli_out_begin(&w, "--out", o.out, true)) != 0) {
        scenario_free(sc);
        return rc;
    }
    int v;
    struct model *m = malloc(sizeof(*m));
    struct explore_result *res = malloc(sizeof(*res));
    char err[600];
    if (!m || !res) {
        rc = cli_error("out of memory");
        goto out;
    }
    if (cli_variants(sc, o.variant, false, &v, 1) < 0) {
        rc = EXIT_USAGE;
        goto out;
    }
    if (scenario_model(sc, v, m, err, sizeof(err)) != 0) {
        rc = cli_error("%s", err);
        goto out;
    }
    if (o.guard) {
        const struct guard_ops *g = guard_lookup(o.guard);
        if (!g) {
            rc = cli_unknown_guard("--guard", o.guard);
            goto out;
        }
        m->cfg.guard = g;
        for (int i = 0; i < m->nnodes; i++)
            m->node[i].cfg.guard = g;
    }
    struct explore_opts eo = {
        .strategy = o.strategy && strcmp(o.strategy, "pct") == 0 ? EXPLORE_PCT : EXPLORE_DFS,
        .bound = o.bound >= 0 ? o.bound : 2,
        .budget = o.budget ? o.budget : 100000,
        .seed = o.have_seeds ? o.seeds.from : m->cfg.seeds.from,
        .pct_depth = 3,
    };
    m->cfg.interleaving[0] = 0;
    if (explore_run(m, &eo, res) != 0) {
        rc = cli_error("%s: the engine failed", sc->path);
        goto out;
    }
    printf("explore %s  guard %s  seed %" PRIu64 "  (%s", sc->path, m->cfg.guard->name, eo.seed,
           eo.strategy == EXPLORE_DFS ? "dfs" : "pct");
    if (eo.strategy == EXPLORE_DFS)
        printf(", at most %d preemptions", eo.bound);
    printf(")\n");
    if (!res->found) {
        printf("  no violation in %" PRIu64 " schedules%s; at most %d events raced at once\n",
               res->schedules,
               res->exhausted ? " (every schedule within the bound)"
                              : " (budget used up: the space is larger; try --strategy pct)",
               res->max_ties);
        rc = 0;
        goto out;
    }
    printf("  violation after %" PRIu64 " schedules: %d runs at once\n", res->schedules,
           res->m.max_concurrency);
    printf("  interleaving %s\n", res->interleaving);
    printf("  replay: %s run %s%s%s --guard %s --seed %" PRIu64 " --set scenario.interleaving=%s\n",
           case_replay_program_name(), sc->path, v >= 0 ? " --variant " : "",
           v >= 0 ? sc->variants[v].name : "", m->cfg.guard->name, eo.seed, res->interleaving);
    snprintf(m->cfg.interleaving, sizeof(m->cfg.interleaving), "%s", res->interleaving);
    if (o.out) {
        m->cfg.seeds = (struct seed_range){eo.seed, eo.seed};
        m->cfg.nguards = 1;
        m->cfg.guards[0] = m->cfg.guard;
        write_explicit(w.f, m, sc->path, m->cfg.guard->name, eo.seed);
        rc = cli_out_end(&w, false);
        if (rc)
            goto out;
        printf("  explicit scenario: %s%s\n", o.out,
               w.replaced ? " (replaced the file an earlier run wrote)" : "");
    }
    rc = EXIT_VIOLATED;
out:
    if (w.f) /* no violation, or an error: the earlier file stays */
        cli_out_end(&w, true);
    free(res);
    free(m);
    scenario_free(sc);
    return rc;
}
