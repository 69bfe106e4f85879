/*
 * overlapsim worker: a live-mode worker process. The harness starts it with
 * its control socket on fd 3; by hand it only explains itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../live/live.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim worker --node N --events PATH --speed S --dir DIR\n"
    "                         (--guard G [--fork] | --cmd CMD)\n"
    "       overlapsim worker --once --events PATH --speed S --dir DIR --guard G\n"
    "                         --params HEX --epoch NS --run 'ID AT JOB API DB MANUAL POINTS "
    "FINALLY'\n"
    "                         [--barrier] [--db 'setup ...'] [--export KNOBS]\n"
    "\n"
    "A worker process of `overlapsim live`: one node's service process. It runs\n"
    "the guard and the job, or the user's command, for the triggers the harness\n"
    "sends on fd 3, and reports runs on the event socket; with --fork each run in\n"
    "a process of its own (cron), which is `worker --once`. Not for use by hand.\n";

int cmd_worker(int argc, char **argv)
{
    struct live_worker_args a = {.node = 0, .speed = 1};
    bool once = false;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(opt, "--once") == 0 || strcmp(opt, "--fork") == 0 ||
            strcmp(opt, "--barrier") == 0) {
            *(opt[2] == 'o' ? &once : opt[2] == 'f' ? &a.fork_runs : &a.barrier) = true;
            continue;
        }
        if (!val)
            return cli_error("worker: option '%s' needs a value", opt);
        i++;
        if (strcmp(opt, "--node") == 0)
            a.node = atoi(val);
        else if (strcmp(opt, "--events") == 0)
            a.events = val;
        else if (strcmp(opt, "--speed") == 0)
            a.speed = strtod(val, NULL);
        else if (strcmp(opt, "--dir") == 0)
            a.dir = val;
        else if (strcmp(opt, "--guard") == 0)
            a.guard = val;
        else if (strcmp(opt, "--cmd") == 0)
            a.cmd = val;
        else if (strcmp(opt, "--params") == 0)
            a.params = val;
        else if (strcmp(opt, "--run") == 0)
            a.run = val;
        else if (strcmp(opt, "--epoch") == 0)
            a.epoch = strtoll(val, NULL, 10);
        else if (strcmp(opt, "--db") == 0)
            a.db = val;
        else if (strcmp(opt, "--export") == 0)
            a.export_knobs = val;
        else
            return cli_error("worker: unknown option '%s' (see --help)", opt);
    }
    if (!a.events || !a.dir || !(a.speed > 0) || (!a.guard == !a.cmd))
        return cli_error("worker: needs --events, --dir, --speed and one of --guard, --cmd");
    if (a.guard && !guard_lookup(a.guard))
        return cli_error("worker: --guard %s: unknown guard", a.guard);
    if (once) {
        if (!a.guard || !a.params || !a.run || live_worker_once(&a) != 0)
            return cli_error("worker --once: needs --guard, --params and --run, as the worker "
                             "passes them");
        return 0;
    }
    int rc = live_worker_serve(&a);
    if (rc)
        return cli_error("worker: %s",
                         rc == -LIVE_EWORKER
                             ? "not started by `overlapsim live` (no control socket on fd 3)"
                             : live_strerror(rc));
    return 0;
}
