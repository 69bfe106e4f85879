/*
 * overlapsim live: one guard, one seed, in scaled real time with the real
 * primitives, judged by the same checkers and expectations as `run`, so a
 * live verdict and a simulated one compare directly.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../reports/json_out.h"
#include "../live/sys/dsn.h"
#include "../live/live.h"
#include "common/cli.h"
#include "../../reports/text_out.h"

static const char usage[] =
    "usage: overlapsim live FILE --guard G [--speed N] [--seed N] [--variant V]\n"
    "                       [--set KEY=VALUE]... [--cmd 'CMD ...'] [--dsn DSN] [--db]\n"
    "                       [--skew D] [--in-worker] [--keep] [--trace FILE.csv]\n"
    "                       [--format text|json]\n"
    "\n"
    "Runs FILE once in real time, scaled: at --speed 100 (the default) a simulated\n"
    "second lasts 10 ms. In-process guards run on real threads; --guard exec runs\n"
    "--cmd (through /bin/sh) for every trigger in a worker process, and the job it\n"
    "wraps must be `overlapsim probe [--for D]`, which reports its start and end.\n"
    "The same checkers and expectations as `run` judge the result: its safety\n"
    "(SAFE or UNSAFE) and its verdict (pass, xfail or FAIL); some. lines are not\n"
    "judged on one run.\n"
    "\n"
    "  --speed N     simulated time per real time (keep a simulated second >= 5 ms)\n"
    "  --seed N      the workload drawn, as in `run` (default: the first seed)\n"
    "  --cmd CMD     with --guard exec: the user's command (a cron wrapper)\n"
    "  --dsn DSN     use this PostgreSQL server (default: a throwaway cluster);\n"
    "                its password is shown nowhere (prefer PGPASSWORD or ~/.pgpass:\n"
    "                a command line is readable until overlapsim blanks it)\n"
    "  --db          set up the database even if the guard needs none; the\n"
    "                command sees OVERLAPSIM_DSN and PGOPTIONS\n"
    "  --skew D      shift the nodes' wall clocks by D (libfaketime in workers)\n"
    "  --in-worker   run an in-process guard in a worker process\n"
    "  --keep        leave the run directory and its logs\n"
    "\n" VERDICT_HELP "\n"
    "Exit: 0 no FAIL (pass or xfail), 1 FAIL, 2 bad input or a setup\n"
    "failure, 130 interrupted. Nothing is left behind (without --keep); what a\n"
    "killed run left (its cluster, directory, schema) the next run removes.\n";

/* The options that replay this run, beyond those case_replay writes. */
static void replay_args(const struct cli_opts *o, double speed, char *buf, size_t len)
{
    char num[64], t[TIME_FMT_LEN];
    buf[0] = 0;
    snprintf(num, sizeof(num), "%g", speed);
    case_shell_word(buf, len, "--speed");
    case_shell_word(buf, len, num);
    if (o->cmd) {
        case_shell_word(buf, len, "--cmd");
        case_shell_word(buf, len, o->cmd);
    }
    if (o->skew) {
        case_shell_word(buf, len, "--skew");
        case_shell_word(buf, len, time_format(o->skew, t));
    }
    if (o->in_worker)
        case_shell_word(buf, len, "--in-worker");
    if (o->db)
        case_shell_word(buf, len, "--db");
}

static void print_text(const struct scenario *sc, const struct case_result *c,
                       const struct seed_outcome *so, double speed)
{
    char t[TIME_FMT_LEN], replay[2048];
    const char *v = scenario_variant_name(sc, c->variant);
    const struct metrics *m = so->m;
    printf("%s%s%s  guard %s  seed %" PRIu64 "  live at speed %g  %s simulated\n", sc->base.name,
           *v ? "  variant " : "", v, c->guard->name, m->seed, speed,
           time_format(m->duration / SIM_MS * SIM_MS, t));
    char unj[1024];
    printf("  safety %s%s%s\n", so->safe ? "SAFE" : "UNSAFE", so->safe ? "" : ": ", so->unsafe);
    printf("  verdict %s%s%s\n", text_verdict(so->verdict), so->pass ? "" : ": ", so->failed);
    if (*verdict_unjudged(c, unj, sizeof(unj)))
        printf("  not judged on one seed: %s\n", unj);
    text_metrics(stdout, sc, m);
    if (m->unfinished)
        printf("  unfinished at the end %" PRIu64 "\n", m->unfinished);
    if (!so->pass || !so->safe)
        printf("  replay: %s\n", case_replay(sc, c, m->seed, replay, sizeof(replay)));
}

static int resolve_guard(const struct cli_opts *o, const struct model *m,
                         const struct guard_ops **g)
{
    const char *name = o->guard ? o->guard : m->cfg.guard->name;
    if (strcmp(name, "exec") == 0) {
        if (!o->cmd)
            return cli_error("--guard exec needs --cmd 'CMD ...' (the command to test)");
        *g = &live_guard_exec;
        return 0;
    }
    if (o->cmd)
        return cli_error("--cmd goes with --guard exec");
    if (!(*g = guard_lookup(name)))
        return cli_unknown_guard("--guard", name);
    return 0;
}

int cmd_live(int argc, char **argv)
{
    struct cli_opts o;
    struct scenario *sc = NULL;
    int rc = cli_parse(argc, argv,
                       "guard,variant,seed,set,format,trace,speed,cmd,dsn,db,keep,skew,in-worker",
                       usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    /* a password on our command line is readable by every user (ps, /proc/PID/cmdline) */
    static char dsn[4096];
    if (o.dsn) {
        if (strlen(o.dsn) >= sizeof(dsn))
            return cli_error("--dsn: longer than %zu characters", sizeof(dsn) - 1);
        strcpy(dsn, o.dsn);
        for (int i = 1; i < argc; i++)
            if (strcmp(argv[i], dsn) == 0 || strncmp(argv[i], "--dsn=", 6) == 0)
                dsn_blank(argv[i] + (argv[i][0] == '-' ? 6 : 0));
        o.dsn = dsn;
    }
    if ((rc = cli_load(&o, &sc)) != 0)
        return rc;

    int v;
    char err[600], self[PATH_MAX];
    struct model *m = malloc(sizeof(*m));
    struct metrics *met = malloc(sizeof(*met));
    struct case_result *res = malloc(sizeof(*res));
    struct live_result lr;
    const struct guard_ops *g = NULL;
    FILE *tf = NULL;
    struct trace trace;
    rc = EXIT_USAGE;
    if (!m || !met || !res) {
        cli_error("out of memory");
        goto out;
    }
    if (cli_variants(sc, o.variant, false, &v, 1) < 0)
        goto out;
    if (scenario_model(sc, v, m, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        goto out;
    }
    if (resolve_guard(&o, m, &g) != 0)
        goto out;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        cli_error("cannot find the overlapsim binary (/proc/self/exe)");
        goto out;
    }
    self[n] = 0;
    if (o.trace) {
        tf = cli_is_stdout(o.trace) ? cli_stdout_take() : fopen(o.trace, "w");
        if (!tf) {
            cli_error("--trace %s: cannot open: %s", o.trace, strerror(errno));
            goto out;
        }
        trace_init(&trace, tf);
    }
    m->cfg.guard = g;
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = g;

    struct live_opts lo = {
        .speed = o.speed > 0 ? o.speed : LIVE_DEFAULT_SPEED,
        .seed = o.have_seeds ? o.seeds.from : m->cfg.seeds.from,
        .guard = g,
        .cmd = o.cmd,
        .dsn = o.dsn,
        .db = o.db,
        .keep = o.keep,
        .in_worker = o.in_worker,
        .skew = o.skew,
        .self = self,
        .trace = tf ? &trace : NULL,
    };
    if (isatty(2)) {
        char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
        fprintf(stderr, "live: %s simulated at speed %g takes about %s\n",
                time_format(m->cfg.duration, t1), lo.speed,
                time_format((sim_time)((double)m->cfg.duration / lo.speed) / SIM_MS * SIM_MS, t2));
    }
    int lrc = live_run(m, &lo, met, &lr);
    if (lr.cleaned[0]) /* one line: what a killed run left */
        fprintf(stderr, "overlapsim: live: cleaned up after a killed run: %s\n", lr.cleaned);
    if (o.keep && lr.dir[0])
        fprintf(stderr, "live: kept %s\n", lr.dir);
    if (o.keep && lr.pg_dir[0])
        fprintf(stderr, "live: kept %s\n", lr.pg_dir);
    if (lrc) {
        cli_error("%s", lr.detail[0] ? lr.detail : live_strerror(lrc));
        goto out;
    }
    if (lr.interrupted) {
        cli_error("interrupted");
        rc = EXIT_INTERRUPTED;
        goto out;
    }
    char args[2048];
    struct seed_outcome so;
    if (verdict_begin(sc, v, g, (struct seed_range){lo.seed, lo.seed}, res) != 0) {
        cli_error("out of memory");
        goto out;
    }
    replay_args(&o, lo.speed, args, sizeof(args));
    res->replay_cmd = "live";
    res->replay_args = args;
    verdict_add_seed(res, met, m->cfg.limit, &so);
    verdict_end(res);
    if (o.format == FORMAT_JSON)
        json_print_line(json_seed(sc, res, &so));
    else
        print_text(sc, res, &so, lo.speed);
    rc = res->pass ? 0 : EXIT_VIOLATED;
out:
    if (tf && cli_is_stdout(o.trace)) {
        if (fflush(tf) != 0 && rc == 0)
            rc = cli_error("--trace -: write failed: %s", strerror(errno));
    } else if (tf) {
        if (fclose(tf) != 0 && rc == 0)
            rc = cli_error("--trace %s: write failed", o.trace);
        if (rc == EXIT_USAGE)
            remove(o.trace); /* no half-written output */
    }
    free(res);
    free(met);
    free(m);
    scenario_free(sc);
    return rc;
}
