/* Parsing and checking of [fault] sections (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/num.h"

static const char *const kind_names[FAULT_KIND_COUNT] = {
    [FAULT_API_SLOW] = "api-slow",
    [FAULT_MANUAL_RUN] = "manual-run",
    [FAULT_PAUSE] = "pause",
    [FAULT_CRASH] = "crash",
    [FAULT_CLOCK_STEP] = "clock-step",
    [FAULT_DB_CONTENTION] = "db-contention",
    [FAULT_DB_OUTAGE] = "db-outage",
    [FAULT_DB_DISCONNECT] = "db-disconnect",
    [FAULT_DB_SLOW_REPLY] = "db-slow-reply",
    [FAULT_PID_REUSE] = "pid-reuse",
    [FAULT_JOB_ERROR] = "job-error",
};

static const char *const point_names[POINT_COUNT] = {
    [POINT_BEFORE_ACQUIRE] = "before acquire",
    [POINT_AFTER_ACQUIRE] = "after acquire",
    [POINT_BEFORE_WRITE] = "before write",
    [POINT_AFTER_WRITE] = "after write",
    [POINT_BEFORE_RELEASE] = "before release",
    [POINT_AFTER_RELEASE] = "after release",
    [POINT_CRASH] = "after crash",
};

const char *fault_kind_name(enum fault_kind k)
{
    return kind_names[k];
}

const char *fault_point_name(int point)
{
    return point >= 0 && point < POINT_COUNT ? point_names[point] : "at a time";
}

void fault_init(struct fault_spec *f, int line)
{
    memset(f, 0, sizeof(*f));
    f->line = line;
    f->node_idx = -1;
    f->point = POINT_NONE;
    f->count = 1;
    f->probability = 1.0;
    f->restart_after = -1;
    f->every.kind = DIST_NONE;
}

static int bad(char *err, size_t errlen, const char *key, const char *what, const char *value)
{
    snprintf(err, errlen, "fault %s: %s '%s'", key, what, value);
    return -EINVAL;
}

static int set_point(struct fault_spec *f, bool after, const char *v, char *err, size_t errlen)
{
    int p = POINT_NONE;
    if (strcmp(v, "acquire") == 0)
        p = after ? POINT_AFTER_ACQUIRE : POINT_BEFORE_ACQUIRE;
    else if (strcmp(v, "write") == 0)
        p = after ? POINT_AFTER_WRITE : POINT_BEFORE_WRITE;
    else if (strcmp(v, "release") == 0)
        p = after ? POINT_AFTER_RELEASE : POINT_BEFORE_RELEASE;
    else if (strcmp(v, "crash") == 0 && after)
        p = POINT_CRASH;
    if (p == POINT_NONE) {
        snprintf(err, errlen, "fault %s: unknown point '%s' (expected acquire, write, release%s)",
                 after ? "after" : "before", v, after ? " or crash" : "");
        return -EINVAL;
    }
    f->point = p;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        return *out = true, 0;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        return *out = false, 0;
    return -EINVAL;
}

int fault_set(struct fault_spec *f, const char *key, const char *value, char *err, size_t errlen)
{
    char derr[200];
    if (strcmp(key, "kind") == 0) {
        for (int i = 0; i < FAULT_KIND_COUNT; i++) {
            if (strcmp(value, kind_names[i]) == 0) {
                f->kind = (enum fault_kind)i;
                f->has_kind = 1;
                return 0;
            }
        }
        snprintf(err, errlen,
                 "unknown fault kind '%s' (expected api-slow, manual-run, pause, crash, "
                 "clock-step, db-contention, db-outage, db-disconnect, db-slow-reply, pid-reuse "
                 "or job-error)",
                 value);
        return -EINVAL;
    }
    if (!strcmp(key, "at") || !strcmp(key, "for") || !strcmp(key, "restart_after") ||
        !strcmp(key, "until") || !strcmp(key, "delay")) {
        sim_time *t = key[0] == 'a'   ? &f->at
                      : key[0] == 'f' ? &f->dur
                      : key[0] == 'r' ? &f->restart_after
                      : key[0] == 'u' ? &f->until
                                      : &f->delay;
        if (time_parse_duration(value, t) != 0)
            return bad(err, errlen, key, "bad duration", value);
        return 0;
    }
    if (strcmp(key, "by") == 0) {
        if (time_parse_signed(value, &f->by) != 0)
            return bad(err, errlen, key, "bad duration (e.g. -5m or +90s)", value);
        f->has_by = true;
        return 0;
    }
    if (strcmp(key, "latency") == 0 || strcmp(key, "every") == 0) {
        struct dist *d = key[0] == 'l' ? &f->latency : &f->every;
        if (dist_parse(value, d, derr, sizeof(derr)) != 0) {
            snprintf(err, errlen, "fault %s: %s", key, derr);
            return -EINVAL;
        }
        if (d == &f->every && dist_quantile(d, 0.5) <= 0)
            return bad(err, errlen, key, "must be positive, got", value);
        return 0;
    }
    if (strcmp(key, "node") == 0) {
        if (!*value || strlen(value) >= sizeof(f->node))
            return bad(err, errlen, key, "bad node name", value);
        strcpy(f->node, value);
        return 0;
    }
    if (strcmp(key, "target") == 0) {
        if (strcmp(value, "node") == 0)
            f->target = FT_NODE;
        else if (strcmp(value, "process") == 0)
            f->target = FT_PROCESS;
        else if (strcmp(value, "database") == 0)
            f->target = FT_DATABASE;
        else
            return bad(err, errlen, key, "expected node, process or database, got", value);
        return 0;
    }
    if (strcmp(key, "after") == 0 || strcmp(key, "before") == 0)
        return set_point(f, key[0] == 'a', value, err, errlen);
    if (strcmp(key, "count") == 0) {
        char *end;
        long n = strtol(value, &end, 10);
        if (end == value || *end || n < 0 || n > 1000000)
            return bad(err, errlen, key, "expected a count (0: every run), got", value);
        f->count = (int)n;
        return 0;
    }
    if (strcmp(key, "probability") == 0) {
        double p;
        if (num_parse_decimal(value, &p) != 0 || !(p >= 0 && p <= 1))
            return bad(err, errlen, key, "expected a number from 0 to 1, got", value);
        f->probability = p;
        return 0;
    }
    if (strcmp(key, "cleanup") == 0) {
        if (parse_bool(value, &f->cleanup) != 0)
            return bad(err, errlen, key, "expected yes or no, got", value);
        return 0;
    }
    if (strcmp(key, "cmdline") == 0) {
        if (strcmp(value, "same") == 0)
            f->same_cmdline = true;
        else if (strcmp(value, "other") == 0)
            f->same_cmdline = false;
        else
            return bad(err, errlen, key, "expected same or other, got", value);
        return 0;
    }
    snprintf(err, errlen, "unknown fault key '%s'", key);
    return -ENOENT;
}

static int need(char *err, size_t errlen, const char *kind, const char *what)
{
    snprintf(err, errlen, "%s needs %s", kind, what);
    return -EINVAL;
}

int fault_check(const struct fault_spec *f, char *err, size_t errlen)
{
    if (!f->has_kind) {
        snprintf(err, errlen, "fault without a kind");
        return -EINVAL;
    }
    const char *k = kind_names[f->kind];
    bool db_kind = f->kind >= FAULT_DB_CONTENTION && f->kind <= FAULT_DB_SLOW_REPLY;
    switch (f->kind) {
    case FAULT_API_SLOW:
        if (f->dur <= 0 || f->latency.kind == DIST_NONE)
            return need(err, errlen, k, "'for' and 'latency'");
        break;
    case FAULT_PAUSE:
    case FAULT_DB_CONTENTION:
    case FAULT_DB_OUTAGE:
        if (f->dur <= 0)
            return need(err, errlen, k, "'for' (how long)");
        break;
    case FAULT_DB_SLOW_REPLY:
        if (f->dur <= 0 || f->latency.kind == DIST_NONE)
            return need(err, errlen, k, "'for' and 'latency' (how late replies come)");
        break;
    case FAULT_CLOCK_STEP:
        if (!f->has_by)
            return need(err, errlen, k, "'by' (e.g. by = -5m)");
        break;
    default:
        break;
    }
    if (db_kind && f->kind != FAULT_DB_DISCONNECT && f->node[0]) {
        snprintf(err, errlen, "%s acts on every node's statements: 'node' would have no effect", k);
        return -EINVAL;
    }
    if (f->target == FT_DATABASE && !db_kind && f->kind != FAULT_CLOCK_STEP) {
        snprintf(err, errlen, "%s cannot target the database", k);
        return -EINVAL;
    }
    if (f->target == FT_PROCESS && f->kind != FAULT_PAUSE && f->kind != FAULT_CRASH &&
        f->kind != FAULT_DB_DISCONNECT && f->kind != FAULT_JOB_ERROR) {
        snprintf(err, errlen, "%s cannot target a process", k);
        return -EINVAL;
    }
    /* a clock step or a database window placed at a point starts there (the
     * battery's db-step-forward, db-outage-release, db-slow-reply) */
    if (f->point == POINT_CRASH && (f->kind == FAULT_CLOCK_STEP || db_kind) &&
        f->kind != FAULT_DB_DISCONNECT) {
        snprintf(err, errlen, "%s cannot follow a crash (after = crash)", k);
        return -EINVAL;
    }
    if (f->point == POINT_CRASH && f->kind != FAULT_PID_REUSE && f->kind != FAULT_PAUSE &&
        f->kind != FAULT_DB_DISCONNECT && f->kind != FAULT_MANUAL_RUN) {
        snprintf(err, errlen, "%s cannot follow a crash (after = crash)", k);
        return -EINVAL;
    }
    if (f->kind == FAULT_PID_REUSE && f->point != POINT_NONE && f->point != POINT_CRASH) {
        snprintf(err, errlen, "pid-reuse happens at a time or after = crash");
        return -EINVAL;
    }
    if (f->delay && f->point != POINT_CRASH) {
        snprintf(err, errlen, "delay applies to faults placed after = crash");
        return -EINVAL;
    }
    if (f->point != POINT_NONE && f->every.kind != DIST_NONE) {
        snprintf(err, errlen, "a fault at a point repeats with count or probability, not every");
        return -EINVAL;
    }
    return 0;
}
