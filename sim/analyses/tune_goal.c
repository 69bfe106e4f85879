/*
 * What the user wants of tuning (see tune.h): `--goal most-often`,
 * `once-per-interval` or `cadence=D`, parsed, named, and chosen by default
 * from the scenario (once-per-interval for several nodes and a time-based
 * guard). tune_multi.c judges every variant against it.
 */
#include "tune.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tune_goal_parse(const char *text, struct tune_goal *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->why, sizeof(g->why), "--goal %s", text);
    if (strcmp(text, "most-often") == 0) {
        g->kind = TUNE_MOST_OFTEN;
        return 0;
    }
    if (strcmp(text, "once-per-interval") == 0) {
        g->kind = TUNE_ONCE_PER_INTERVAL;
        return 0;
    }
    sim_time d;
    if (strncmp(text, "cadence=", 8) == 0 && time_parse_duration(text + 8, &d) == 0 && d > 0) {
        g->kind = TUNE_CADENCE;
        g->cadence_s = time_to_sec(d);
        return 0;
    }
    snprintf(err, errlen,
             "--goal %s: expected most-often, once-per-interval or cadence=D (e.g. cadence=5m)",
             text);
    return -EINVAL;
}

void tune_goal_default(struct tune_goal *g, int nnodes, const struct guard_ops *guard)
{
    memset(g, 0, sizeof(*g));
    const char *n = guard ? guard->name : "none";
    bool timed = strstr(n, "lease") || strstr(n, "shedlock");
    if (nnodes > 1 && timed) {
        g->kind = TUNE_ONCE_PER_INTERVAL;
        snprintf(g->why, sizeof(g->why),
                 "the default for %d nodes sharing a time-based lock (%s): the replicas run the "
                 "task once per interval",
                 nnodes, n);
    } else {
        g->kind = TUNE_MOST_OFTEN;
        snprintf(g->why, sizeof(g->why),
                 "the default for %s: run as often as possible, never concurrently",
                 nnodes > 1 ? "a guard that is not time-based" : "one node");
    }
}

char *tune_goal_name(const struct tune_goal *g, char *buf, size_t len)
{
    char t[TIME_FMT_LEN];
    if (g->kind == TUNE_CADENCE)
        snprintf(buf, len, "cadence=%s",
                 time_format((sim_time)llround(g->cadence_s * 1e3) * SIM_MS, t));
    else
        snprintf(buf, len, "%s", g->kind == TUNE_MOST_OFTEN ? "most-often" : "once-per-interval");
    return buf;
}
