/*
 * overlapsim battery: every guard against every failure of the standard
 * battery (sim/battery.h) on the user's own scenario, as one guard x
 * failure matrix. Cells run in parallel (sim/analyses/par.h) and are printed in
 * order, so the output is the same for any --jobs. --out adds the HTML
 * matrix with a timeline per UNSAFE cell; --write-scenarios the explicit
 * scenario of every cell.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../reports/html/battery_html.h"
#include "../../reports/csv_out.h"
#include "../../reports/json_out.h"
#include "../../reports/outdir.h"
#include "../analyses/par.h"
#include "../../reports/plot/plot.h"
#include "../../reports/plot/plotdata.h"
#include "../analyses/battery.h"
#include "../run/run.h"
#include "../scenario/model_write.h"
#include "common/cli.h"

static const char usage_head[] =
    "usage: overlapsim battery FILE [--guards a,b,...] [--failures x,y,...] [--variant V]\n"
    "                          [--seeds A..B] [--set KEY=VALUE]... [--jobs N]\n"
    "                          [--format text|json|csv] [--out DIR [--write-scenarios]]\n"
    "\n"
    "Applies each failure of a standard battery to FILE's base scenario (or its\n"
    "variant V) and runs every guard (default: every guard but the mutants) on it\n"
    "over the seeds (default: scenario.seeds). The sizes come from the scenario:\n"
    "H is the guard's maximum hold (a lease's max_factor x interval, ShedLock's\n"
    "lockAtMostFor; for a guard without one, the lease's max_factor x interval);\n"
    "faults about a holder sit right after acquiring, at 1/4, 1/2 and 3/4 of the run.\n"
    "\n"
    "A cell is SAFE (at most max_concurrency at once, no duplicate, no lost item,\n"
    "no accepted stale write on every seed; then the longest gap in periods and\n"
    "runs per period: the price), UNSAFE k/N (k of N seeds broke one) with the\n"
    "replay of the first, or n/a with the reason the failure cannot apply. SAFE?\n"
    "marks a cell where the failure did not reach a holder on every seed.\n"
    "The first column, base, is the scenario as it is (a reference: a guard UNSAFE\n"
    "there is UNSAFE before anything fails; JSON and CSV leave it out unless\n"
    "--failures names it).\n"
    "Text: the matrix, then one line per UNSAFE cell. JSON: one object per cell,\n"
    "one per line; CSV: a header and one row per cell. --out DIR: index.html with\n"
    "the matrix and a timeline per UNSAFE cell; --write-scenarios also writes\n"
    "DIR/scenarios/GUARD--FAILURE.ini, each cell as an explicit scenario (its\n"
    "trace: overlapsim run DIR/scenarios/GUARD--FAILURE.ini --seed N --trace t.csv).\n"
    "Exit: 0 it ran (the matrix is the result), 2 bad input.\n"
    "\n"
    "The failures:\n";

static void usage_print(FILE *f)
{
    fputs(usage_head, f);
    for (int i = 0; i < BATTERY_FAILURES; i++) {
        const struct battery_failure *b = battery_failure_get(i);
        fprintf(f, "  %-18s %s\n  %-18s   %s\n  %-18s   seen: %s\n", b->name, b->what, "", b->how,
                "", b->seen);
    }
}

struct item {
    struct battery_cell cell;
    char replay[900];
    char timeline[160];
    char scenario[160];
};

struct job {
    const struct scenario *sc;
    int v;
    const struct guard_ops **gs;
    int *fs;
    int nf;
    struct seed_range seeds;
    struct item *items;
    char (*errs)[600];
    struct cli_progress prog;
    uint64_t done;
};

static int job_work(void *user, size_t i, size_t slot, int worker)
{
    (void)slot, (void)worker;
    struct job *j = user;
    int rc = battery_cell_run(j->sc, j->v, j->gs[i / (size_t)j->nf], j->fs[i % (size_t)j->nf],
                              j->seeds, &j->items[i].cell, j->errs[i], sizeof(j->errs[i]));
    return rc;
}

static int job_done(void *user, size_t i, size_t slot)
{
    (void)i, (void)slot;
    struct job *j = user;
    cli_progress_step(&j->prog, ++j->done);
    return 0;
}

static void replay_build(const struct scenario *sc, const char *variant, const struct item *it,
                         char *buf, size_t len)
{
    char num[32];
    snprintf(buf, len, "overlapsim battery");
    case_shell_word(buf, len, sc->path);
    if (variant) {
        case_shell_word(buf, len, "--variant");
        case_shell_word(buf, len, variant);
    }
    case_shell_word(buf, len, "--guards");
    case_shell_word(buf, len, it->cell.guard->name);
    case_shell_word(buf, len, "--failures");
    case_shell_word(buf, len, battery_failure_get(it->cell.failure)->name);
    snprintf(num, sizeof(num), "%" PRIu64, it->cell.first_unsafe_seed);
    case_shell_word(buf, len, "--seeds");
    case_shell_word(buf, len, num);
    for (int i = 0; i < sc->ncli; i++) {
        char kv[400];
        snprintf(kv, sizeof(kv), "%s=%s", sc->cli[i].key, sc->cli[i].value);
        case_shell_word(buf, len, "--set");
        case_shell_word(buf, len, kv);
    }
}

/* The matrix cell's text. */
static const char *cell_text(const struct battery_cell *c, char *buf, size_t len)
{
    if (!c->applies)
        snprintf(buf, len, "n/a");
    else if (c->unsafe_seeds)
        snprintf(buf, len, "UNSAFE %" PRIu64 "/%" PRIu64, c->unsafe_seeds, c->nseeds);
    else
        snprintf(buf, len, "SAFE%s %.1f/%.2f", c->hit_seeds < c->nseeds ? "?" : "",
                 c->max_gap_periods, c->runs_per_period);
    return buf;
}

static void print_text(const struct scenario *sc, const struct item *items, int ng, int nf,
                       struct seed_range seeds)
{
    char t[TIME_FMT_LEN], buf[64];
    int gw = 5, w[BATTERY_FAILURES + 1];
    for (int i = 0; i < ng; i++)
        if ((int)strlen(items[i * nf].cell.guard->name) > gw)
            gw = (int)strlen(items[i * nf].cell.guard->name);
    printf("%s  battery  seeds %" PRIu64 "..%" PRIu64 "  %s each\n", sc->base.name, seeds.from,
           seeds.to, time_format(sc->base.duration, t));
    printf("SAFE g/r: the longest gap in periods / runs per period; UNSAFE k/N: seeds that broke "
           "an invariant\n\n%-*s",
           gw, "");
    for (int j = 0; j < nf; j++) {
        const char *name = battery_failure_get(items[j].cell.failure)->name;
        w[j] = 10;
        for (int i = 0; i < ng; i++) {
            int l = (int)strlen(cell_text(&items[i * nf + j].cell, buf, sizeof(buf)));
            w[j] = l > w[j] ? l : w[j];
        }
        w[j] = (int)strlen(name) > w[j] ? (int)strlen(name) : w[j];
        printf("  %-*s", j == nf - 1 ? 0 : w[j], name); /* no trailing blanks */
    }
    putchar('\n');
    for (int i = 0; i < ng; i++) {
        printf("%-*s", gw, items[i * nf].cell.guard->name);
        for (int j = 0; j < nf; j++)
            printf("  %-*s", j == nf - 1 ? 0 : w[j],
                   cell_text(&items[i * nf + j].cell, buf, sizeof(buf)));
        putchar('\n');
    }
    /* why cells are n/a, one line per failure and reason */
    bool header = false;
    for (int j = 0; j < nf; j++) {
        for (int i = 0; i < ng; i++) {
            const struct battery_cell *c = &items[i * nf + j].cell;
            bool first = !c->applies;
            for (int k = 0; k < i && first; k++)
                first = items[k * nf + j].cell.applies ||
                        strcmp(items[k * nf + j].cell.what, c->what) != 0;
            if (!first)
                continue;
            if (!header)
                printf("\nn/a:\n");
            header = true;
            printf("  %s for", battery_failure_get(c->failure)->name);
            for (int k = i; k < ng; k++)
                if (!items[k * nf + j].cell.applies &&
                    strcmp(items[k * nf + j].cell.what, c->what) == 0)
                    printf(" %s", items[k * nf + j].cell.guard->name);
            printf(": %s\n", c->what);
        }
    }
    header = false;
    for (int k = 0; k < ng * nf; k++) {
        const struct battery_cell *c = &items[k].cell;
        if (c->applies && c->hit_seeds < c->nseeds) {
            if (!header)
                printf("\nthe failure missed the holder on some seeds (SAFE? cells):\n");
            header = true;
            printf("  %s x %s: hit on %" PRIu64 "/%" PRIu64 " seeds\n", c->guard->name,
                   battery_failure_get(c->failure)->name, c->hit_seeds, c->nseeds);
        }
    }
    header = false;
    for (int k = 0; k < ng * nf; k++) {
        const struct battery_cell *c = &items[k].cell;
        if (!c->applies || !c->unsafe_seeds)
            continue;
        if (!header)
            printf("\nUNSAFE:\n");
        header = true;
        printf("  %s x %s: UNSAFE %" PRIu64 "/%" PRIu64 " (seed %" PRIu64 ": %s)  replay: %s\n",
               c->guard->name, battery_failure_get(c->failure)->name, c->unsafe_seeds, c->nseeds,
               c->first_unsafe_seed, c->reason, items[k].replay);
    }
}

static json_t *cell_json(const struct item *it)
{
    const struct battery_cell *c = &it->cell;
    json_t *o = json_object();
    json_object_set_new(o, "guard", json_string(c->guard->name));
    json_object_set_new(o, "failure", json_string(battery_failure_get(c->failure)->name));
    json_object_set_new(o, "applies", json_boolean(c->applies));
    json_object_set_new(o, "safe", c->applies ? json_boolean(!c->unsafe_seeds) : json_null());
    json_object_set_new(o, "unsafe_seeds", json_integer((json_int_t)c->unsafe_seeds));
    json_object_set_new(o, "seeds", json_integer((json_int_t)c->nseeds));
    json_object_set_new(o, "hit_seeds", json_integer((json_int_t)c->hit_seeds));
    json_object_set_new(o, "max_gap_periods",
                        c->applies ? json_real(c->max_gap_periods) : json_null());
    json_object_set_new(o, "runs_per_period",
                        c->applies ? json_real(c->runs_per_period) : json_null());
    json_object_set_new(o, c->applies ? "what" : "why", json_string(c->what));
    json_object_set_new(o, "unsafe_reason", c->unsafe_seeds ? json_string(c->reason) : json_null());
    json_object_set_new(o, "replay", c->unsafe_seeds ? json_string(it->replay) : json_null());
    return o;
}

/* One object per cell; the base only when --failures asked for it. */
static void print_json(const struct item *items, size_t n, bool with_base)
{
    for (size_t k = 0; k < n; k++)
        if (with_base || items[k].cell.failure != BATTERY_BASE)
            json_print_line(cell_json(&items[k]));
}

static void print_csv(const struct item *items, int n, bool with_base)
{
    puts("guard,failure,applies,safe,unsafe_seeds,seeds,hit_seeds,max_gap_periods,"
         "runs_per_period,what,unsafe_reason,replay");
    for (int k = 0; k < n; k++) {
        const struct battery_cell *c = &items[k].cell;
        if (c->failure == BATTERY_BASE && !with_base)
            continue;
        csv_field(stdout, c->guard->name);
        putchar(',');
        csv_field(stdout, battery_failure_get(c->failure)->name);
        printf(",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", c->applies ? "yes" : "no",
               !c->applies       ? ""
               : c->unsafe_seeds ? "no"
                                 : "yes",
               c->unsafe_seeds, c->nseeds, c->hit_seeds);
        if (c->applies) {
            csv_number(stdout, c->max_gap_periods);
            putchar(',');
            csv_number(stdout, c->runs_per_period);
        } else {
            putchar(',');
        }
        putchar(',');
        csv_field(stdout, c->what);
        putchar(',');
        csv_field(stdout, c->unsafe_seeds ? c->reason : "");
        putchar(',');
        csv_field(stdout, c->unsafe_seeds ? items[k].replay : "");
        putchar('\n');
    }
}

/* Writes scenarios/GUARD--FAILURE.ini: the cell's model, every key explicit. */
static int write_scenario(const struct outdir *od, const struct scenario *sc, int v,
                          struct seed_range seeds, struct item *it, char *err, size_t errlen)
{
    const struct battery_cell *c = &it->cell;
    struct scenario *bsc = NULL;
    char what[200], comment[1200], name[160];
    int rc = battery_scenario(sc, v, c->guard, c->failure, &bsc, what, sizeof(what), err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    struct model *m = malloc(sizeof(*m));
    if (!m || (rc = scenario_model(bsc, 0, m, err, errlen)) != 0) {
        free(m);
        scenario_free(bsc);
        return m ? rc : -ENOMEM;
    }
    m->cfg.guard = c->guard;
    m->cfg.seeds = seeds; /* the seeds the verdict is about */
    snprintf(m->cfg.name, sizeof(m->cfg.name), "%.22s--%.18s--%.17s", sc->base.name, c->guard->name,
             battery_failure_get(c->failure)->name);
    m->cfg.nguards = 1;
    m->cfg.guards[0] = c->guard;
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = c->guard;
    snprintf(name, sizeof(name), "scenarios/%s--%s.ini", c->guard->name,
             battery_failure_get(c->failure)->name);
    snprintf(comment, sizeof(comment), "overlapsim battery: %s under %s (%s), from %s\n%s.\n%s: %s",
             c->guard->name, battery_failure_get(c->failure)->name,
             battery_failure_get(c->failure)->what, sc->path, what,
             c->unsafe_seeds ? "UNSAFE" : "SAFE",
             c->unsafe_seeds ? c->reason : "no invariant broke on the seeds run");
    FILE *f = outdir_open(od, name);
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", name, strerror(errno));
        free(m);
        scenario_free(bsc);
        return -EIO;
    }
    rc = model_write(m, f, comment);
    /* the verdict as expectations, so `check` keeps it */
    fprintf(f, "\n[expect]\n");
    if (!c->unsafe_seeds) {
        fprintf(f, "max_concurrency <= %d\nstale_writes = 0\n", m->cfg.limit);
        if (m->cfg.xp.arrival.kind != DIST_NONE)
            fprintf(f, "duplicates = 0\nlost = 0\n");
    } else {
        fprintf(f, "; broke on %" PRIu64 " of %" PRIu64 " seeds: %s\n", c->unsafe_seeds, c->nseeds,
                c->reason);
        if (strstr(c->reason, "runs at once"))
            fprintf(f, "some.max_concurrency >= %d\n", m->cfg.limit + 1);
        if (strstr(c->reason, "stale"))
            fprintf(f, "some.stale_writes >= 1\n");
        if (strstr(c->reason, "duplicates"))
            fprintf(f, "some.duplicates >= 1\n");
        if (strstr(c->reason, "lost"))
            fprintf(f, "some.lost >= 1\n");
    }
    if (fclose(f) != 0 && !rc)
        rc = -EIO;
    snprintf(it->scenario, sizeof(it->scenario), "%s", name);
    free(m);
    scenario_free(bsc);
    return rc;
}

/*
 * The timeline of an UNSAFE cell's first unsafe seed: the seed is run here
 * (reports/ draws, it runs no simulation) with its trace feeding a
 * plotdata collector, zoomed on the first overlap when the run is long.
 */
static int draw_unsafe(const struct outdir *od, const struct scenario *sc, int v, struct item *it,
                       char *err, size_t errlen)
{
    const struct battery_cell *c = &it->cell;
    struct scenario *bsc = NULL;
    char what[200], name[128], dir[1200], title[400], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    int rc = battery_scenario(sc, v, c->guard, c->failure, &bsc, what, sizeof(what), err, errlen);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    struct model *m = malloc(sizeof(*m));
    struct metrics *met = malloc(sizeof(*met));
    struct plotdata *pd = malloc(sizeof(*pd));
    FILE *stream = NULL;
    if (!m || !met || !pd) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if ((rc = scenario_model(bsc, 0, m, err, errlen)) != 0)
        goto out;
    m->cfg.guard = c->guard;
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = c->guard;
    plotdata_init(pd, 0, -1, m->cfg.limit, 0);
    struct trace tr;
    if (!(stream = plotdata_stream(pd))) {
        rc = -errno;
        snprintf(err, errlen, "cannot collect the trace: %s", strerror(errno));
        goto out_pd;
    }
    trace_init(&tr, stream);
    rc = sim_run(m, c->first_unsafe_seed, &tr, met);
    fclose(stream);
    if (rc || pd->error) {
        rc = rc ? rc : pd->error;
        snprintf(err, errlen, "%s, guard %s, seed %" PRIu64 ": %s", sc->path, c->guard->name,
                 c->first_unsafe_seed, strerror(-rc));
        goto out_pd;
    }
    plotdata_finish(pd, m->cfg.duration);
    /* six intervals before the first overlap, ten after it (as `plot` does) */
    sim_time iv = m->cfg.interval, from = 0, to = m->cfg.duration;
    if (met->nwindows && to > 60 * iv) {
        from = met->window[0].start - 6 * iv;
        to = (met->window[0].end >= 0 ? met->window[0].end : met->window[0].start) + 10 * iv;
        from = from < 0 ? 0 : from;
        to = to > m->cfg.duration ? m->cfg.duration : to;
    }
    snprintf(name, sizeof(name), "%s--%s-timeline", c->guard->name,
             battery_failure_get(c->failure)->name);
    snprintf(title, sizeof(title), "%s / %s under %s, seed %" PRIu64 " (%s .. %s): %s",
             sc->base.name, c->guard->name, battery_failure_get(c->failure)->name,
             c->first_unsafe_seed, time_format_clock(from, t1), time_format_clock(to, t2),
             c->reason);
    outdir_path(od, "plots", dir, sizeof(dir));
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        rc = -errno;
        snprintf(err, errlen, "cannot create '%.900s': %s", dir, strerror(-rc));
        goto out_pd;
    }
    rc = plot_timeline(dir, name, pd, from, to, title);
    if (rc == 0 || rc == -ENOENT) /* -ENOENT: no gnuplot, the data and script are written */
        snprintf(it->timeline, sizeof(it->timeline), "plots/%s.png", name);
    rc = rc == -ENOENT ? 0 : rc;
    if (rc)
        snprintf(err, errlen, "cannot draw '%s' in '%.900s': %s", name, dir, strerror(-rc));
out_pd:
    plotdata_release(pd);
out:
    free(pd);
    free(met);
    free(m);
    scenario_free(bsc);
    return rc;
}

static int write_out(const char *dir, bool scenarios, const struct scenario *sc, int v,
                     struct item *items, int ng, int nf, struct seed_range seeds)
{
    struct outdir od;
    char err[1200], sr[64];
    if (outdir_begin(&od, dir, err, sizeof(err)) != 0)
        return cli_error("%s", err);
    int rc = 0;
    for (int k = 0; k < ng * nf && !rc; k++) {
        if (items[k].cell.applies && items[k].cell.unsafe_seeds)
            rc = draw_unsafe(&od, sc, v, &items[k], err, sizeof(err));
        if (!rc && scenarios && items[k].cell.applies)
            rc = write_scenario(&od, sc, v, seeds, &items[k], err, sizeof(err));
    }
    size_t n = ng > 0 && nf > 0 ? (size_t)ng * (size_t)nf : 1;
    struct battery_view *views = calloc(n, sizeof(*views));
    if (!rc && !views)
        rc = -ENOMEM, snprintf(err, sizeof(err), "out of memory");
    for (int k = 0; !rc && k < ng * nf; k++)
        views[k] = (struct battery_view){&items[k].cell, items[k].replay, items[k].timeline,
                                         items[k].scenario};
    if (!rc) {
        FILE *f = outdir_open(&od, "index.html");
        snprintf(sr, sizeof(sr), "%" PRIu64 "..%" PRIu64, seeds.from, seeds.to);
        if (!f || battery_html_write(f, sc, views, ng, nf, sr) != 0)
            rc = -EIO, snprintf(err, sizeof(err), "cannot write index.html in '%s'", dir);
        if (f && fclose(f) != 0 && !rc)
            rc = -EIO, snprintf(err, sizeof(err), "cannot write index.html in '%s'", dir);
    }
    free(views);
    if (!rc)
        rc = outdir_commit(&od, err, sizeof(err));
    else
        outdir_abort(&od);
    if (rc)
        return cli_error("%s", err);
    fprintf(stderr, "overlapsim: wrote %s/index.html\n", dir);
    return 0;
}

/* Takes --failures X and --write-scenarios out of argv (cli_parse knows neither). */
static int strip_own(int *argc, char **argv, const char **failures, bool *write_scenarios)
{
    int n = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--write-scenarios") == 0) {
            *write_scenarios = true;
        } else if (strcmp(argv[i], "--failures") == 0) {
            if (i + 1 == *argc)
                return cli_error("--failures: expected a list of failures");
            *failures = argv[++i];
        } else if (strncmp(argv[i], "--failures=", 11) == 0) {
            *failures = argv[i] + 11;
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    return 0;
}

static int parse_failures(const char *list, int *out)
{
    if (!list) { /* the base first: the reference column */
        out[0] = BATTERY_BASE;
        for (int i = 0; i < BATTERY_FAILURES; i++)
            out[i + 1] = i;
        return BATTERY_FAILURES + 1;
    }
    char buf[512];
    int n = 0;
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int f = battery_failure_find(t);
        if (f < 0) {
            cli_error("--failures: unknown failure '%s' (see overlapsim battery --help)", t);
            return -1;
        }
        if (n <= BATTERY_FAILURES)
            out[n++] = f;
    }
    if (!n)
        cli_error("--failures: empty list");
    return n ? n : -1;
}

int cmd_battery(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    const char *failures = NULL;
    bool write_scen = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_print(stdout);
            return 0;
        }
    int rc = strip_own(&argc, argv, &failures, &write_scen);
    if (!rc)
        rc = cli_parse(argc, argv, "guards,variant,seeds,set,format,csv,jobs,out", usage_head, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (write_scen && !o.out)
        return cli_error("--write-scenarios needs --out DIR");
    int fs[BATTERY_FAILURES + 1];
    int nf = parse_failures(failures, fs);
    if (nf < 0)
        return EXIT_USAGE;
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;
    int v = -1;
    if (o.variant && (v = scenario_variant_find(sc, o.variant)) < 0) {
        scenario_free(sc);
        return cli_error("--variant %s: no such variant in '%s'", o.variant, o.file);
    }
    const struct guard_ops *gs[CONFIG_MAX_GUARDS];
    int ng = 0;
    if (o.guards) {
        ng = cli_guards(sc, o.guards, gs, CONFIG_MAX_GUARDS);
    } else { /* every guard but the mutants */
        for (int i = 0; guard_registry[i] && ng < CONFIG_MAX_GUARDS; i++)
            if (!(guard_registry[i]->flags & GUARD_F_MUTANT))
                gs[ng++] = guard_registry[i];
    }
    if (ng < 0) {
        scenario_free(sc);
        return EXIT_USAGE;
    }
    size_t n = (size_t)ng * (size_t)nf;
    struct item *items = calloc(n, sizeof(*items));
    char(*errs)[600] = calloc(n, sizeof(*errs));
    if (!items || !errs) {
        free(items);
        free(errs);
        scenario_free(sc);
        return cli_error("out of memory");
    }
    struct job j = {sc,    v,    gs,  fs, nf, o.have_seeds ? o.seeds : sc->base.seeds,
                    items, errs, {0}, 0};
    cli_progress_start(&j.prog, "cells", n);
    struct par p = {.n = n, .jobs = cli_jobs(&o), .work = job_work, .done = job_done, .user = &j};
    rc = par_run(&p);
    cli_progress_end(&j.prog);
    if (rc) {
        const char *msg = "cannot start threads";
        for (size_t k = 0; k < n; k++)
            if (errs[k][0]) {
                msg = errs[k];
                break;
            }
        rc = cli_case_error(rc, msg);
    }
    for (size_t k = 0; !rc && k < n; k++)
        if (items[k].cell.unsafe_seeds)
            replay_build(sc, o.variant, &items[k], items[k].replay, sizeof(items[k].replay));
    if (!rc && o.format == FORMAT_TEXT)
        print_text(sc, items, ng, nf, j.seeds);
    else if (!rc && o.format == FORMAT_JSON)
        print_json(items, n, failures != NULL);
    else if (!rc)
        print_csv(items, (int)n, failures != NULL);
    fflush(stdout);
    if (!rc && o.out)
        rc = write_out(o.out, write_scen, sc, v, items, ng, nf, j.seeds);
    free(items);
    free(errs);
    scenario_free(sc);
    return rc;
}
