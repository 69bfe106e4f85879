/*
 * overlapsim probe: the job a user's own wrapper runs under `live --guard
 * exec`. It needs the environment the harness gives the wrapper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../live/sys/events.h"
#include "../live/live.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim probe [--for DURATION]\n"
    "\n"
    "The job inside a command tested with `overlapsim live --guard exec --cmd ...`:\n"
    "reports its start to the harness, lasts DURATION (simulated; default: the\n"
    "trigger's job as drawn from the scenario, $" LIVE_ENV_JOB "), reports its end.\n"
    "The harness catches overlapping probes whatever the wrapper does.\n";

int cmd_probe(int argc, char **argv)
{
    const char *dur = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--for") == 0 && i + 1 < argc) {
            dur = argv[++i];
        } else if (strncmp(argv[i], "--for=", 6) == 0) {
            dur = argv[i] + 6;
        } else {
            return cli_error("probe: unexpected argument '%s' (see --help)", argv[i]);
        }
    }
    const char *events = getenv(LIVE_ENV_EVENTS);
    if (!events || !*events)
        return cli_error("probe: not started under `overlapsim live` (%s is not set)",
                         LIVE_ENV_EVENTS);
    if (!dur)
        dur = getenv(LIVE_ENV_JOB);
    sim_time d = 0;
    if (dur && time_parse_duration(dur, &d) != 0)
        return cli_error("probe: bad duration '%s' (e.g. 250ms, 30s)", dur);
    const char *tr = getenv(LIVE_ENV_TRIGGER), *sp = getenv(LIVE_ENV_SPEED);
    uint64_t trigger = tr ? strtoull(tr, NULL, 10) : 0;
    double speed = sp ? strtod(sp, NULL) : 1;
    int rc = live_probe(events, trigger, speed, d);
    if (rc)
        return cli_error("probe: cannot report to the harness at '%s': %s", events,
                         live_strerror(rc));
    return 0;
}
