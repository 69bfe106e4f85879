/*
 * overlapsim: a simulator and test harness for overlapping scheduled jobs.
 * The subcommand table, sorted by name, as git's builtins are.
 */
#include <stdio.h>
#include <string.h>

#include "../analyses/case.h"
#include "common/cli.h"

#define OVERLAPSIM_VERSION "0.1.0"

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"battery", cmd_battery, "every guard against a standard battery of failures, as a matrix"},
    {"check", cmd_check, "run every scenario's expectations (the CI suite)"},
    {"compare", cmd_compare, "compare guards on one scenario over the same seeds"},
    {"explore", cmd_explore, "try every interleaving of racing triggers (small scenarios)"},
    {"guards", cmd_guards, "list the guards"},
    {"import", cmd_import, "write a scenario from a crontab, a systemd timer or a CronJob"},
    {"keys", cmd_keys, "list every scenario key and metric"},
    {"live", cmd_live, "run a scenario in scaled real time with the real primitives"},
    {"merge", cmd_merge, "join the CSVs of sweep shards into the one-run CSV"},
    {"plot", cmd_plot, "draw one seed: timeline, concurrency, cycle durations, clocks"},
    {"probe", cmd_probe, "the job inside a user's wrapper under live --guard exec"},
    {"report", cmd_report, "write an HTML and Markdown report with plots of every case"},
    {"run", cmd_run, "simulate one guard over one seed or a range of seeds"},
    {"shrink", cmd_shrink, "shrink a failing seed to a minimal explicit scenario"},
    {"sweep", cmd_sweep, "run a scenario over a grid of settings x seeds, in parallel"},
    {"tune", cmd_tune, "recommend the setting that runs most often with zero violations"},
    {"worker", cmd_worker, "a live-mode worker process (started by live, not by hand)"},
};

static void usage(FILE *f)
{
    fputs("usage: overlapsim COMMAND [ARGS]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'overlapsim COMMAND --help' tells more; 'overlapsim --version' the version. Exit "
          "codes: 0 expectations hold,\n"
          "1 an expectation is violated, 2 bad input or usage.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    case_replay_program(argv[0]); /* replay commands name the binary as invoked */
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("overlapsim %s\n", OVERLAPSIM_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        names[i] = commands[i].name;
    names[sizeof(commands) / sizeof(commands[0])] = NULL;
    const char *s = cli_suggest(argv[1], names);
    if (s)
        return cli_error("unknown command '%s' (did you mean '%s'? see overlapsim --help)", argv[1],
                         s);
    return cli_error("unknown command '%s' (see overlapsim --help)", argv[1]);
}
