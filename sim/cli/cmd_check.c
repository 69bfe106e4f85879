/*
 * overlapsim check: the CI suite. Every scenario file (a directory is
 * searched for *.ini, recursively, in name order) x variant x guard is one
 * test case. Text opens with each scenario's guard x variant safety matrix,
 * then prints PASS, XFAIL or FAIL per case with its safety, the failing
 * expectations and the replay command, and `N passed, N failed` alone on the
 * last line (an xfail case passed). Cases run in parallel (--jobs) but are
 * printed in their fixed order; --junit writes JUnit XML for CI servers,
 * --format csv|json one row per case.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../reports/csv_out.h"
#include "../../reports/json_out.h"
#include "../../reports/junit.h"
#include "../analyses/par.h"
#include "../analyses/case.h"
#include "common/cli.h"
#include "../../reports/text_out.h"

static const char usage[] =
    "usage: overlapsim check [DIR|FILE]... [--seeds A..B] [--set KEY=VALUE]... [--jobs N]\n"
    "                        [--junit FILE.xml] [--format text|csv|json] [--quiet]\n"
    "\n"
    "Runs every scenario (default: scenarios/; directories are searched for *.ini)\n"
    "with its expectations: one case per scenario, variant and guard of\n"
    "scenario.guards, over the scenario's seeds (or --seeds). Cases run on --jobs\n"
    "threads (default: all cores) and print in a fixed order. Text ends with\n"
    "'N passed, N failed' alone on the last line; with --format csv or json the\n"
    "rows go to stdout and that line to stderr. --junit writes JUnit XML for\n"
    "GitHub Actions, GitLab or Jenkins (written whole, or not at all; --junit -:\n"
    "to stdout, the report then on stderr). Text opens with a guard x variant\n"
    "matrix of safety per scenario. --quiet prints only the failing cases (text)\n"
    "and the total.\n"
    "\n" VERDICT_HELP "\n"
    "Exit: 0 no case FAILs (each passes or is an xfail), 1 one FAILs, 2 bad input.\n";

/* One test case: a variant and a guard of a loaded scenario. */
struct check_case {
    int file;
    int variant;
    const struct guard_ops *guard;
};

struct check_slot {
    struct case_result res;
    double time_s;
    int rc;
    char err[600];
};

struct check {
    struct cli_opts *o;
    struct scenario **sc;
    int nsc;
    struct check_case *cases;
    size_t ncases;
    struct check_slot *ring;
    struct junit junit;
    int passed, failed, xfail;
    int interrupted;         /* cases Ctrl-C cut short: neither passed nor failed */
    struct text_cell *cells; /* [case]: the matrices */
    FILE *lines;             /* text: the case lines, printed after the matrices */
};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct seed_range case_seeds(const struct check *ck, const struct check_case *cc)
{
    return ck->o->have_seeds ? ck->o->seeds : ck->sc[cc->file]->base.seeds;
}

static int work(void *user, size_t i, size_t slot, int worker)
{
    (void)worker;
    struct check *ck = user;
    struct check_slot *s = &ck->ring[slot];
    const struct check_case *cc = &ck->cases[i];
    double t0 = wall();
    s->rc = case_run(ck->sc[cc->file], cc->variant, cc->guard, case_seeds(ck, cc), NULL, NULL, NULL,
                     &s->res, s->err, sizeof(s->err));
    s->time_s = wall() - t0;
    return s->rc;
}

static int done(void *user, size_t i, size_t slot)
{
    struct check *ck = user;
    const struct check_case *cc = &ck->cases[i];
    const struct check_slot *s = &ck->ring[slot];
    const struct case_result *res = &s->res;
    const struct scenario *sc = ck->sc[cc->file];
    const char *v = scenario_variant_name(sc, cc->variant);
    char why[2048], replay[1024], safety[64], unsafe[300] = "";
    if (res->interrupted) { /* not judged: its seeds were not all run */
        ck->interrupted++;
        return 0;
    }
    uint64_t seed = case_replay_seed(res);
    if (!res->pass)
        verdict_failures(res, why, sizeof(why));
    if (!res->pass || res->unsafe_seeds)
        case_replay(sc, res, seed, replay, sizeof(replay));
    verdict_safety(res, safety, sizeof(safety));
    if (res->unsafe_seeds)
        snprintf(unsafe, sizeof(unsafe), " (seed %" PRIu64 ": %s)", res->first_unsafe_seed,
                 res->first_unsafe);
    ck->cells[i] = (struct text_cell){true, res->verdict, res->unsafe_seeds, res->nseeds};
    switch (ck->o->format) {
    case FORMAT_TEXT:
        if (res->pass && ck->o->quiet)
            break;
        fprintf(ck->lines, "%s %s%s%s/%s  %s%s",
                res->verdict == VERDICT_FAIL    ? "FAIL "
                : res->verdict == VERDICT_XFAIL ? "XFAIL"
                                                : "PASS ",
                sc->base.name, *v ? "@" : "", v, cc->guard->name, safety, unsafe);
        if (res->pass)
            fprintf(ck->lines, "\n");
        else
            fprintf(ck->lines, ": %s\n    replay: %s\n", why, replay);
        break;
    case FORMAT_CSV:
        csv_case_row(stdout, sc, res);
        break;
    case FORMAT_JSON:
        json_print_line(json_case(sc, res));
        break;
    }
    fflush(stdout);
    res->pass ? ck->passed++ : ck->failed++;
    ck->xfail += res->verdict == VERDICT_XFAIL;
    if (ck->o->junit) {
        struct junit_case jc = {.time_s = s->time_s, .failed = !res->pass};
        snprintf(jc.suite, sizeof(jc.suite), "%s", sc->base.name);
        snprintf(jc.file, sizeof(jc.file), "%s", sc->path);
        snprintf(jc.classname, sizeof(jc.classname), "%s%s%s", sc->base.name, *v ? "." : "", v);
        snprintf(jc.name, sizeof(jc.name), "%s", cc->guard->name);
        snprintf(jc.verdict, sizeof(jc.verdict), "%s", verdict_name(res->verdict));
        snprintf(jc.safety, sizeof(jc.safety), "%s%s", safety, unsafe);
        const struct metrics *m = &res->agg;
        snprintf(jc.out, sizeof(jc.out),
                 "safety %s%s, verdict %s\nseeds %llu..%llu: runs %llu, skipped %llu, max "
                 "concurrency %d, overlaps %llu, violating seeds %llu",
                 safety, unsafe, verdict_name(res->verdict), (unsigned long long)res->seeds.from,
                 (unsigned long long)res->seeds.to, (unsigned long long)m->runs,
                 (unsigned long long)m->skipped, m->max_concurrency,
                 (unsigned long long)m->overlaps, (unsigned long long)res->violating_seeds);
        if (res->unsafe_seeds) {
            size_t n = strlen(jc.out);
            snprintf(jc.out + n, sizeof(jc.out) - n, "\nreplay: %s", replay);
        }
        if (!res->pass) {
            snprintf(jc.message, sizeof(jc.message), "%.1000s", why);
            size_t n = 0;
            for (int k = 0; k < res->nexpect && n < sizeof(jc.details); k++) {
                const struct expect_status *st = &res->st[k];
                if (st->held)
                    continue;
                char t[128];
                expect_format(st->e, t, sizeof(t));
                if (st->e->mode == EXPECT_EVERY)
                    n += (size_t)snprintf(jc.details + n, sizeof(jc.details) - n,
                                          "%s:%d: expected %s on every seed; seed %llu gave %g\n",
                                          sc->path, st->e->line, t,
                                          (unsigned long long)st->first_failing_seed,
                                          st->first_failing_value);
                else
                    n +=
                        (size_t)snprintf(jc.details + n, sizeof(jc.details) - n,
                                         "%s:%d: expected %s on some seed; it held on none of "
                                         "%llu\n",
                                         sc->path, st->e->line, t, (unsigned long long)res->nseeds);
            }
            if (res->broken & ~res->allowed && n < sizeof(jc.details)) {
                char names[80];
                n += (size_t)snprintf(
                    jc.details + n, sizeof(jc.details) - n,
                    "%s: %s%s and no expectation allows %s\n", sc->path, safety, unsafe,
                    verdict_invariants(res->broken & ~res->allowed, names, sizeof(names)));
            }
            if (n < sizeof(jc.details))
                snprintf(jc.details + n, sizeof(jc.details) - n, "replay: %s\n", replay);
        }
        if (junit_add(&ck->junit, &jc) != 0)
            return -ENOMEM;
    }
    return 0;
}

/* Text: each scenario's matrix, then the case lines kept in ck->lines. */
static void check_print_text(struct check *ck, char *lines, size_t len)
{
    size_t first = 0;
    struct seed_range run = ck->o->seeds;
    if (ck->o->have_seeds && !ck->o->quiet)
        text_matrix_seeds_note(stdout, &run, (const struct scenario *const *)ck->sc, ck->nsc);
    while (!ck->o->quiet && first < ck->ncases) { /* --quiet: only the failures */
        int file = ck->cases[first].file;
        size_t end = first;
        int vs[64], nv = 0;
        const struct guard_ops *gs[CONFIG_MAX_GUARDS];
        int ng = 0;
        for (; end < ck->ncases && ck->cases[end].file == file; end++) {
            const struct check_case *cc = &ck->cases[end];
            if (!nv || vs[nv - 1] != cc->variant)
                vs[nv++] = cc->variant;
            if (nv == 1)
                gs[ng++] = cc->guard;
        }
        text_matrix(stdout, ck->sc[file], vs, nv, gs, ng, &ck->cells[first]);
        printf("\n");
        first = end;
    }
    fwrite(lines, 1, len, stdout);
}

/* Writes the JUnit file whole: a temporary file renamed into place ("-": stdout). */
static int write_junit(const struct check *ck, const char *path)
{
    struct cli_out w;
    int rc = cli_out_begin(&w, "--junit", path, false);
    if (rc)
        return rc;
    int jrc = junit_write(&ck->junit, "overlapsim check", w.f);
    rc = cli_out_end(&w, jrc != 0);
    return jrc ? cli_error("--junit %s: cannot write: %s", path, strerror(EIO)) : rc;
}

int cmd_check(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "seeds,set,files,jobs,junit,format,csv,quiet", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (cli_is_stdout(o.junit) && !cli_stdout_take()) /* the XML alone on stdout */
        return cli_error("--junit -: cannot write to standard output: %s", strerror(errno));
    /* getopt_long moved the operands to the end: the first is o.file, at optind - 1 */
    struct cli_files files;
    rc = cli_files_collect(&files, argv + optind - 1, o.file ? argc - optind + 1 : 0, "scenarios");
    if (rc)
        return rc;

    struct check ck = {.o = &o};
    ck.sc = calloc((size_t)files.n, sizeof(*ck.sc));
    size_t cap = 0;
    for (int i = 0; ck.sc && !rc && i < files.n; i++) {
        struct cli_opts fo = o;
        fo.file = files.path[i];
        rc = cli_load(&fo, &ck.sc[i]);
        if (rc)
            break;
        ck.nsc++;
        int vs[64];
        const struct guard_ops *gs[CONFIG_MAX_GUARDS];
        int nv = cli_variants(ck.sc[i], NULL, true, vs, 64);
        int ng = cli_guards(ck.sc[i], NULL, gs, CONFIG_MAX_GUARDS);
        if (nv < 0 || ng < 0) {
            rc = EXIT_USAGE;
            break;
        }
        for (int a = 0; a < nv; a++)
            for (int b = 0; b < ng; b++) {
                if (ck.ncases == cap) {
                    cap = cap ? 2 * cap : 64;
                    struct check_case *p = realloc(ck.cases, cap * sizeof(*p));
                    if (!p) {
                        rc = cli_error("out of memory");
                        break;
                    }
                    ck.cases = p;
                }
                ck.cases[ck.ncases++] = (struct check_case){i, vs[a], gs[b]};
            }
    }
    cli_files_free(&files);
    if (!ck.sc)
        rc = cli_error("out of memory");
    if (!rc) { /* large work is said up front; Ctrl-C stops it with the cases done */
        double work = 0;
        for (size_t i = 0; i < ck.ncases; i++) {
            struct seed_range r = case_seeds(&ck, &ck.cases[i]);
            work += cli_work_triggers(ck.sc[ck.cases[i].file], ck.cases[i].variant) *
                    (double)(r.to - r.from + 1);
        }
        cli_work_announce("check", work, 1, 1);
        cli_interrupt_catch();
    }
    int jobs = cli_jobs(&o);
    size_t window = par_window(jobs);
    char *lines = NULL;
    size_t lines_len = 0;
    if (!rc && (!(ck.ring = calloc(window, sizeof(*ck.ring))) ||
                !(ck.cells = calloc(ck.ncases + 1, sizeof(*ck.cells))) ||
                !(ck.lines = open_memstream(&lines, &lines_len))))
        rc = cli_error("out of memory");
    if (!rc) {
        if (o.format == FORMAT_CSV)
            csv_case_header(stdout);
        struct par p = {ck.ncases, jobs, window, work, done, &ck};
        int e = par_run(&p);
        if (e) {
            for (size_t i = 0; i < window; i++)
                if (ck.ring[i].rc) {
                    rc = cli_case_error(ck.ring[i].rc, ck.ring[i].err);
                    break;
                }
            if (!rc)
                rc = cli_error("check failed: %s", strerror(-e));
        }
    }
    if (!rc && o.junit)
        rc = write_junit(&ck, o.junit);
    if (ck.lines && fclose(ck.lines) != 0 && !rc)
        rc = cli_error("out of memory");
    if (!rc && o.format == FORMAT_TEXT)
        check_print_text(&ck, lines, lines_len);
    else if (!rc && o.have_seeds)
        text_matrix_seeds_note(stderr, &o.seeds, (const struct scenario *const *)ck.sc, ck.nsc);
    if (!rc) {
        FILE *sum = o.format == FORMAT_TEXT ? stdout : stderr;
        if (ck.xfail)
            fprintf(sum, "%d xfail: UNSAFE where the scenario says the guard must break\n",
                    ck.xfail);
        if (ck.interrupted)
            cli_error("interrupted: %d of %zu cases not finished", ck.interrupted, ck.ncases);
        fprintf(sum, "%d passed, %d failed\n", ck.passed, ck.failed);
        rc = ck.interrupted ? EXIT_INTERRUPTED : ck.failed ? EXIT_VIOLATED : 0;
    }
    free(lines);
    free(ck.cells);
    for (int i = 0; i < ck.nsc; i++)
        scenario_free(ck.sc[i]);
    free(ck.sc);
    free(ck.cases);
    free(ck.ring);
    junit_release(&ck.junit);
    return rc;
}
