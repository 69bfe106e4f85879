/*
 * The command line: one file per subcommand (as git's builtin/), sharing the
 * option parsing here. Only this layer prints to the user and picks exit
 * codes: 0 every expectation held, 1 one was violated, 2 bad input or usage.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../analyses/case.h"
#include "../../core/engine.h"
#include "../../scenario/config.h"
#include "../../scenario/scenario.h"

#define EXIT_VIOLATED 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3      /* the simulator contradicted itself (nondeterminism) */
#define EXIT_INTERRUPTED 130 /* Ctrl-C: what was done so far was reported */

enum out_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV };

/* Safety versus verdict, and how expectation sections compose: for the commands' --help. */
#define VERDICT_HELP                                                                               \
    "Safety comes from the invariants alone, whatever the scenario expects: at most\n"             \
    "scenario.max_concurrency runs at once, no duplicate or lost export, no stale\n"               \
    "write accepted; a case is SAFE, or UNSAFE on k of N seeds (first seed, replay).\n"            \
    "The verdict comes from the expectations: pass, xfail (the scenario says this\n"               \
    "guard must break, e.g. some.max_concurrency >= 2, and it did) or FAIL.\n"                     \
    "An UNSAFE case FAILs unless an expectation allows each invariant it broke, and\n"             \
    "only FAIL makes the exit code 1.\n"                                                           \
    "Expectations compose: a line of a more specific section ([expect GUARD @VARIANT],\n"          \
    "[expect GUARD], [expect @VARIANT], [expect]) overrides the less specific lines\n"             \
    "on the same metric that bound the same side or that it contradicts; the others\n"             \
    "still apply.\n"

struct cli_opts {
    const char *file;
    const char *guard;   /* --guard */
    const char *guards;  /* --guards a,b */
    const char *variant; /* --variant */
    bool have_seeds;
    struct seed_range seeds; /* --seed N or --seeds A..B */
    enum out_format format;
    const char *trace; /* --trace FILE.csv */
    int nsets;
    const char *sets[64]; /* --set K=V, in order */
    int bound;            /* --bound K (explore) */
    uint64_t budget;      /* --budget N (explore) */
    const char *strategy; /* --strategy dfs|pct (explore) */
    const char *out;   /* --out FILE (explore, shrink, merge) or DIR (report, plot, sweep, tune) */
    int jobs;          /* --jobs N (0: not given) */
    const char *junit; /* --junit FILE.xml */
    int nvary;
    const char *vary[8]; /* --vary KEY=FROM..TO/STEP, in order */
    const char *shard;   /* --shard K/N */
    double tolerance;    /* --tolerance PCT, as a share; -1: not given */
    const char *goal;    /* --goal G (tune) */
    /* live */
    double speed;    /* --speed N, 0: the default */
    const char *cmd; /* --cmd 'CMD ...' */
    const char *dsn; /* --dsn DSN */
    bool db;         /* --db */
    bool keep;       /* --keep */
    sim_time skew;   /* --skew D */
    bool in_worker;  /* --in-worker */
    bool quiet;      /* --quiet (check: only failures and the total) */
};

/* Prints a failed case_run's error; EXIT_INTERNAL for nondeterminism, else EXIT_USAGE. */
int cli_case_error(int rc, const char *err);

/* Prints "overlapsim: msg" to stderr and returns EXIT_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The name among names (NULL-terminated) a mistyped one most likely meant, or NULL. */
const char *cli_suggest(const char *name, const char *const *names);

/* "OPT NAME: unknown guard (did you mean 'mutex'? see `overlapsim guards`)"; returns EXIT_USAGE. */
int cli_unknown_guard(const char *opt, const char *name);

/*
 * Parses the options shared by run, compare and check from argv (after the
 * subcommand). allowed lists the long options this command takes, e.g.
 * "guard,seed,seeds,set,variant,format,trace". Prints help and returns -1 on
 * --help; returns EXIT_USAGE after printing an error; 0 otherwise.
 */
int cli_parse(int argc, char **argv, const char *allowed, const char *usage, struct cli_opts *o);

/* Loads o->file and applies o->sets. Prints the error and returns EXIT_USAGE on failure. */
int cli_load(const struct cli_opts *o, struct scenario **sc);

/*
 * Resolves --variant into a list of variant indices to run: the named one,
 * or all (or -1 alone for a scenario without variants). Returns the count,
 * or -1 after printing an error.
 */
int cli_variants(const struct scenario *sc, const char *name, bool all, int *out, int max);

/* Resolves --guards (or the scenario's guards). Returns count or -1 after an error. */
int cli_guards(const struct scenario *sc, const char *list, const struct guard_ops **out, int max);

/* Scenario files: each path as given, directories searched for *.ini, sorted by name. */
struct cli_files {
    char **path;
    int n, cap;
};
/*
 * Collects the files of paths[0..n) (fallback when n is 0). Prints the
 * error and returns EXIT_USAGE when one cannot be read or none is found.
 */
int cli_files_collect(struct cli_files *l, char *const *paths, int n, const char *fallback);
void cli_files_free(struct cli_files *l);

/* --jobs or, when not given, the number of cores. */
int cli_jobs(const struct cli_opts *o);

/*
 * A progress bar with ETA on stderr, drawn only when stderr is a terminal
 * (so logs and pipes never see it). cli_progress_end erases it.
 */
struct cli_progress {
    bool on;
    uint64_t total, done;
    double t0, last;
    const char *what;
};
void cli_progress_start(struct cli_progress *p, const char *what, uint64_t total);
void cli_progress_step(struct cli_progress *p, uint64_t done);
void cli_progress_end(struct cli_progress *p);

/* Is path "-", meaning standard output? */
bool cli_is_stdout(const char *path);

/*
 * Standard output for a data stream (--trace -, --out -): a stream on the
 * real stdout, with file descriptor 1 pointed at stderr from then on, so the
 * command's own report cannot mix into the data. The same stream on every
 * call; NULL with errno set on failure.
 */
FILE *cli_stdout_take(void);

/* An output file written whole: a temporary file renamed into place by cli_out_end. */
struct cli_out {
    FILE *f;       /* write here */
    bool replaced; /* an earlier file of overlapsim's was there */
    bool direct;   /* written in place: no file could be made beside it */
    const char *opt, *path;
    char tmp[1200]; /* "" for standard output */
};

/*
 * Opens path ("-": standard output) for option opt ("--out"). With ours_only,
 * an existing file is replaced only if overlapsim wrote it (its first line
 * says "... by: overlapsim ..."). Returns 0, or EXIT_USAGE after printing why.
 */
int cli_out_begin(struct cli_out *w, const char *opt, const char *path, bool ours_only);

/*
 * Closes w: renames the file into place, or removes it if failed is true or
 * writing failed. Returns 0, or EXIT_USAGE after printing why.
 */
int cli_out_end(struct cli_out *w, bool failed);

/* Triggers per seed of variant v (from each node's interval and the duration). */
double cli_work_triggers(const struct scenario *sc, int v);

/* One line on stderr when triggers x seeds x cases is large (a billion and more). */
void cli_work_announce(const char *what, double triggers, double seeds, double cases);

/* SIGINT and SIGTERM stop the simulation at its next check (sim_interrupt). */
void cli_interrupt_catch(void);

/* A progress line on a terminal that moves within a seed too (engine progress). */
struct cli_work {
    bool on;
    const char *what;
    uint64_t seeds, done;
    double in_seed; /* share of the current seed simulated */
    double t0, last;
    struct sim_progress hook;
};
void cli_work_start(struct cli_work *w, const char *what, uint64_t seeds);
void cli_work_step(struct cli_work *w, uint64_t done);
void cli_work_end(struct cli_work *w);

int cmd_run(int argc, char **argv);
int cmd_battery(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_guards(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_worker(int argc, char **argv);

#endif
