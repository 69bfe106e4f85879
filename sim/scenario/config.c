/*
 * The key table and typed setters of struct config (see config.h). Each key
 * names its section and field once; parsing, --set, variants and node
 * sections all go through config_set.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/num.h"

static const char *const sched_names[] = {"ticker", "fixed-rate",  "fixed-delay",   "cron",
                                          "quartz", "k8s-cronjob", "systemd-timer", NULL};
static const char *const k8s_policy_names[] = {"allow", "forbid", "replace", NULL};
static const char *const misfire_names[] = {"default", "coalesce", "skip", "burst", NULL};
static const char *const dispatch_names[] = {"inline", "spawn", NULL};
static const char *const release_names[] = {"shorten", "delete-or-shorten", NULL};
static const char *const clock_names[] = {"db", "client", NULL};
static const char *const owner_names[] = {"default", "yes", "no", NULL};
static const char *const locked_by_names[] = {"host", "host-pid", NULL};
static const char *const sink_names[] = {"append", "idempotent", NULL};
static const char *const commit_names[] = {"separate", "transactional", NULL};
static const char *const row_order_names[] = {"random", "sorted", NULL};
static const char *const scope_names[] = {"global", "split", "per-consumer", NULL};
static const char *const offset_names[] = {"given", "last", NULL};

#define OFF(f) offsetof(struct config, f)

const struct config_key config_keys[] = {
    {"scenario.name", CT_STRING, OFF(name), CONFIG_NAME_LEN, NULL, "etl-ticker",
     "name shown in reports (default: the file name)"},
    {"scenario.duration", CT_DURATION, OFF(duration), 0, NULL, "1d", "simulated time per seed"},
    {"scenario.seeds", CT_SEEDS, OFF(seeds), 0, NULL, "1..20",
     "seeds run by compare and check (run uses the first unless --seed)"},
    {"scenario.max_concurrency", CT_INT, OFF(limit), 1, NULL, "1",
     "the invariant: runs allowed at once; more is an overlap"},
    {"scenario.guards", CT_GUARDS, OFF(guards), 0, NULL, "none, atomic, mutex",
     "guards compared by compare and check (default: every guard but the mutants)"},
    {"scenario.nodes", CT_INT, OFF(nnodes), 1, NULL, "3",
     "nodes (replicas) when the file has no [node] sections: node-1 .. node-N (one: app)"},
    {"scenario.interleaving", CT_STRING, OFF(interleaving), 256, NULL, "0.1.0",
     "which of the events due at one instant goes first, tie by tie (from explore)"},
    {"schedule.kind", CT_ENUM, OFF(sched), 0, sched_names, "ticker",
     "ticker (Go time.Ticker), fixed-rate or fixed-delay (Spring @Scheduled), cron, or quartz "
     "(a Quartz SimpleTrigger on a @DisallowConcurrentExecution job), k8s-cronjob, or "
     "systemd-timer (OnCalendar = schedule.cron)"},
    {"schedule.persistent", CT_BOOL, OFF(persistent), 0, NULL, "yes",
     "the schedule survives a restart, and slots missed while down are caught up as misfire "
     "says: systemd-timer Persistent=, quartz a JDBC JobStore; ticker, fixed-rate, fixed-delay: "
     "what if they kept it (none does); not for cron; k8s-cronjob always keeps it"},
    {"schedule.accuracy", CT_DURATION, OFF(accuracy), 0, NULL, "1us",
     "systemd-timer: AccuracySec= (default 1min): fire at this host's fixed spot within "
     "[elapse, elapse + accuracy]; 1us: on the slot; 0: sd-event's default, 250ms"},
    {"schedule.randomized_delay", CT_DURATION, OFF(randomized_delay), 0, NULL, "5m",
     "systemd-timer: RandomizedDelaySec= (default 0): each elapse is delayed by a fresh draw "
     "from [0, this)"},
    {"schedule.concurrency_policy", CT_ENUM, OFF(k8s_policy), 0, k8s_policy_names, "forbid",
     "k8s-cronjob: concurrencyPolicy: allow, forbid (skip while a Job is active) or replace "
     "(kill the active Job's pod after its grace period and start the new one now)"},
    {"schedule.grace_period", CT_DURATION, OFF(grace_period), 0, NULL, "30s",
     "k8s-cronjob: terminationGracePeriodSeconds of a replaced Job's pod (default 30s)"},
    {"schedule.starting_deadline", CT_DURATION, OFF(starting_deadline), 0, NULL, "200s",
     "k8s-cronjob: startingDeadlineSeconds: a slot later than this is missed (0: no deadline)"},
    {"schedule.misfire", CT_ENUM, OFF(misfire), 0, misfire_names, "coalesce",
     "slots missed by misfire_threshold or more (after a pause, an overrun or, persistent, a "
     "restart): coalesce (one run now), skip (none: wait for the next slot) or burst (one run "
     "per missed slot); default: what the scheduler does (ticker, quartz, k8s-cronjob, "
     "systemd-timer coalesce, fixed-rate bursts, cron follows cronie)"},
    {"schedule.misfire_threshold", CT_DURATION, OFF(misfire_threshold), 0, NULL, "60s",
     "a slot this late or later is missed (quartz: misfireThreshold, default 60s; others: "
     "default one interval, i.e. once the next slot is due too)"},
    {"schedule.cron", CT_CRON, OFF(cron), 0, NULL, "*/2 * * * *",
     "cron: five fields (minute hour day-of-month month day-of-week) or @hourly etc., on "
     "the node's local clock; time 0 is Monday 2024-01-01 00:00"},
    {"schedule.phase", CT_DIST, OFF(phase), 0, NULL, "uniform(0s,60s)",
     "random delay of each node's first run, drawn per node and seed (timer phases)"},
    {"schedule.interval", CT_DURATION, OFF(interval), 0, NULL, "30s",
     "period of the ticker or the rate; the delay of fixed-delay"},
    {"schedule.dispatch", CT_ENUM, OFF(dispatch), 0, dispatch_names, "inline",
     "inline: the scheduler's loop runs the job; spawn: each trigger starts its own run"},
    {"schedule.run_at_start", CT_BOOL, OFF(run_at_start), 0, NULL, "yes",
     "run once at time 0 before the first tick (the seed's `runPipeline()  // Run immediately`)"},
    {"schedule.first_at", CT_DURATION, OFF(first_at), 0, NULL, "30s",
     "first tick (ticker: default one interval) or first run (fixed-rate/delay: initial delay)"},
    {"schedule.manual", CT_DIST, OFF(manual), 0, NULL, "exp(10m)",
     "a second trigger source: time between manual or HTTP-triggered runs (none: off)"},
    {"job.api", CT_DIST, OFF(api), 0, NULL, "lognormal(median=20s,p99=60s)",
     "duration of the job's first phase (fetch from the API)"},
    {"job.db", CT_DIST, OFF(db), 0, NULL, "uniform(2s,6s)",
     "duration of the job's second phase (write to the database)"},
    {"job.release_on_error", CT_BOOL, OFF(release_on_error), 0, NULL, "no",
     "a run that throws still releases (a finally block); no: the lock stays taken"},
    {"guard.kind", CT_GUARD, OFF(guard), 0, NULL, "atomic", "the guard `run` uses without --guard"},
    {"guard.gap", CT_DURATION, OFF(gp.gap), 0, NULL, "1ms",
     "flag: time between checking the flag and setting it"},
    {"guard.name", CT_STRING, OFF(gp.name), GUARD_NAME_LEN, NULL, "cleanup-stale-sequences",
     "lease, shedlock: the lock's name (task_name)"},
    {"guard.path", CT_STRING, OFF(gp.path), GUARD_PATH_LEN, NULL, "/tmp/parser.pid",
     "pidfile-check, pidfile, flock: the file (pidfile-check also uses PATH.lock)"},
    {"guard.interval", CT_DURATION, OFF(gp.interval), 0, NULL, "60s",
     "lease: the interval the factors multiply (default: schedule.interval)"},
    {"guard.min_factor", CT_FACTOR, OFF(gp.min_factor), 0, NULL, "0.9",
     "lease: release shortens the lock to started_at + min_factor x interval"},
    {"guard.max_factor", CT_FACTOR, OFF(gp.max_factor), 0, NULL, "5",
     "lease: a grant holds until now + max_factor x interval"},
    {"guard.release", CT_ENUM, OFF(gp.release), 0, release_names, "shorten",
     "lease: shorten (as merged) or delete-or-shorten (as the PR text says)"},
    {"guard.owner_check", CT_ENUM, OFF(gp.owner_check), 0, owner_names, "yes",
     "lease, shedlock: release only a row we own (default: lease no, as merged; shedlock yes)"},
    {"guard.locked_by", CT_ENUM, OFF(gp.locked_by), 0, locked_by_names, "host-pid",
     "shedlock: the locked_by it writes and checks: host (Utils.getHostname(), the default: "
     "two processes on one host share it) or host-pid (unique per process)"},
    {"guard.lock_at_most_for", CT_DURATION, OFF(gp.at_most), 0, NULL, "5m",
     "shedlock: lockAtMostFor (default: max_factor x interval)"},
    {"guard.lock_at_least_for", CT_DURATION, OFF(gp.at_least), 0, NULL, "50s",
     "shedlock: lockAtLeastFor"},
    {"guard.clock", CT_ENUM, OFF(gp.clock), 0, clock_names, "db",
     "shedlock: db (usingDbTime) or client (the node's clock)"},
    {"guard.key", CT_INT, OFF(gp.key), 0, NULL, "42", "advisory: the pg_try_advisory_lock key"},
    {"node.host", CT_STRING, OFF(host), 32, NULL, "box1",
     "host name; nodes naming one host share its files and PIDs (default: the node's name)"},
    {"node.clock_offset", CT_SIGNED, OFF(clock_offset), 0, NULL, "-6m",
     "the node's wall clock minus true time"},
    {"node.clock_jitter", CT_DURATION, OFF(clock_jitter), 0, NULL, "2s",
     "adds a random offset in [-jitter, +jitter], drawn per node and seed"},
    {"node.clock_drift_ppm", CT_REAL, OFF(drift_ppm), 0, NULL, "50",
     "the node's clock gains this many microseconds per second (negative: loses)"},
    {"node.pid_max", CT_INT, OFF(pid_max), 310, NULL, "32768",
     "PIDs wrap here back to 300 (/proc/sys/kernel/pid_max)"},
    {"node.pid_rate", CT_FACTOR, OFF(pid_rate), 0, NULL, "20",
     "other programs started per second on the host (they take PIDs, so PIDs come back sooner)"},
    {"node.exec_latency", CT_DURATION, OFF(exec_latency), 0, NULL, "5ms",
     "time to start a process (a cron run) before it runs its first line"},
    {"node.fs_latency", CT_DURATION, OFF(fs_latency), 0, NULL, "50us",
     "time of one file system call"},
    {"node.ps_latency", CT_DURATION, OFF(ps_latency), 0, NULL, "10ms",
     "time to look a process up (`ps -p PID`)"},
    {"db.latency", CT_DIST, OFF(db_latency), 0, NULL, "uniform(1ms,5ms)",
     "round trip of one statement (half there, half back)"},
    {"db.pool", CT_INT, OFF(db_pool), 1, NULL, "10", "connections per process"},
    {"db.timeout", CT_DURATION, OFF(db_timeout), 0, NULL, "30s",
     "the client gives up on a statement after this (JDBC query timeout)"},
    {"db.tx_age", CT_DURATION, OFF(db_tx_age), 0, NULL, "2s",
     "statements run inside a transaction begun this long before: now() is that old"},
    {"db.clock_offset", CT_SIGNED, OFF(db_clock_offset), 0, NULL, "90s",
     "the database server's clock minus true time"},
    {"db.clock_drift_ppm", CT_REAL, OFF(db_drift_ppm), 0, NULL, "-20",
     "the database server's clock drift"},
    /* [export] and [store]: exports, exactly-once, deadlocks, the seed-001 event store */
    {"export.arrival", CT_DIST, OFF(xp.arrival), 0, NULL, "exp(1s)",
     "time between items arriving at the source, IDs 1, 2, 3... (none: no exports)"},
    {"export.sink", CT_ENUM, OFF(xp.sink), 0, sink_names, "idempotent",
     "append: each write inserts a row (a repeat is a duplicate); idempotent: upsert keyed by item "
     "ID"},
    {"export.commit", CT_ENUM, OFF(xp.commit), 0, commit_names, "transactional",
     "separate: the watermark is committed after the write; transactional: in the write's "
     "transaction"},
    {"export.batch", CT_INT, OFF(xp.batch), 0, NULL, "500",
     "most items one run fetches after its watermark (0: all pending)"},
    {"export.chunk", CT_INT, OFF(xp.chunk), 0, NULL, "10",
     "items per write transaction, each committed on its own (0: one transaction per write)"},
    {"export.shared_rows", CT_INT, OFF(xp.shared_rows), 0, NULL, "2",
     "rows every write also updates (aggregates), locked in export.row_order: opposite orders "
     "deadlock"},
    {"export.row_order", CT_ENUM, OFF(xp.row_order), 0, row_order_names, "sorted",
     "random: each run locks the shared rows in its own order; sorted: all in the same order"},
    {"export.deadlock_timeout", CT_DURATION, OFF(xp.deadlock_timeout), 0, NULL, "1s",
     "a lock waiter checks for a deadlock after this long and aborts if it is in one (PostgreSQL)"},
    {"export.write_fail", CT_PROB, OFF(xp.write_fail), 0, NULL, "0.02",
     "chance that a write transaction fails (those the run committed before it stay)"},
    {"export.crash", CT_PROB, OFF(xp.crash), 0, NULL, "5%",
     "chance that the process is killed between the write and the watermark commit"},
    {"export.retries", CT_INT, OFF(xp.retries), 0, NULL, "3",
     "times a failed or deadlocked write is retried before the run gives up (0: fail at once)"},
    {"export.retry_delay", CT_DURATION, OFF(xp.retry_delay), 0, NULL, "2s",
     "wait before retrying a failed write"},
    {"export.lag_allowance", CT_DURATION, OFF(xp.lag_allowance), 0, NULL, "10m",
     "an item undelivered this long after it arrived is lost (unless it turns up: then late)"},
    {"store.consumers", CT_INT, OFF(store.consumers), 0, NULL, "3",
     "event store (seed 001): consumers, each with its own offset, timer and exporter (0: off)"},
    {"store.add", CT_DIST, OFF(store.add), 0, NULL, "exp(20ms)",
     "event store: time between Add() calls by the producers"},
    {"store.lock_scope", CT_ENUM, OFF(store.lock_scope), 0, scope_names, "per-consumer",
     "global: store mutex held across the export; split: released during it; per-consumer: "
     "split, plus a per-consumer mutex across the whole flush"},
    {"store.offset_update", CT_ENUM, OFF(store.offset_update), 0, offset_names, "given",
     "given: a consumer's offset becomes the one it fetched up to; last: the store's last offset "
     "(the bug)"},
    {"store.hold", CT_DURATION, OFF(store.hold), 0, NULL, "100us",
     "event store: time the store mutex is held to fetch pending events or to set an offset"},
    {"store.flush_demand", CT_DIST, OFF(store.demand), 0, NULL, "exp(10s)",
     "event store, per consumer: time between on-demand Flush() calls beside the timer (none: "
     "off)"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int key_index(const struct config_key *k)
{
    return (int)(k - config_keys);
}
static int key_line(const struct config *c, const char *name);

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "scenario");
    c->duration = SIM_DAY;
    c->seeds = (struct seed_range){1, 20};
    c->limit = 1;
    for (int i = 0; guard_registry[i] && c->nguards < CONFIG_MAX_GUARDS; i++)
        if (!(guard_registry[i]->flags & GUARD_F_MUTANT)) /* mutants only when named */
            c->guards[c->nguards++] = guard_registry[i];
    c->sched = SCHED_TICKER;
    c->interval = 30 * SIM_S;
    c->dispatch = DISPATCH_INLINE;
    c->misfire_threshold = -1;    /* automatic: see config_resolve */
    c->grace_period = 30 * SIM_S; /* the PodSpec default */
    c->accuracy = SIM_MIN;        /* AccuracySec= as shipped */
    c->first_at = -1;             /* one interval */
    c->manual.kind = DIST_NONE;
    c->api = dist_const(0);
    c->db = dist_const(0);
    c->guard = guard_lookup("none");
    c->gp.gap = SIM_MS;
    c->nnodes = 1;
    c->phase.kind = DIST_NONE;
    c->release_on_error = true;
    snprintf(c->gp.name, sizeof(c->gp.name), "task");
    snprintf(c->gp.path, sizeof(c->gp.path), "/tmp/job.pid");
    c->gp.min_factor = 0.9;
    c->gp.max_factor = 5;
    c->gp.release = GUARD_RELEASE_SHORTEN;
    c->gp.clock = GUARD_CLOCK_DB;
    c->gp.key = 42;
    c->pid_max = 32768;
    c->exec_latency = 5 * SIM_MS;
    c->fs_latency = 50 * SIM_US;
    c->ps_latency = 10 * SIM_MS;
    c->db_latency = dist_const(2 * SIM_MS);
    c->db_pool = 10;
    c->db_timeout = 30 * SIM_S;
    export_config_defaults(c);
}

bool config_section_known(const char *section)
{
    size_t n = strlen(section);
    for (const struct config_key *k = config_keys; k->name; k++)
        if (strncmp(k->name, section, n) == 0 && k->name[n] == '.')
            return true;
    return false;
}

const struct config_key *config_key_find(const char *name)
{
    for (const struct config_key *k = config_keys; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

int config_parse_seeds(const char *s, struct seed_range *out)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    unsigned long long a = strtoull(s, &end, 10), b = a;
    if (errno)
        return -EINVAL;
    if (strncmp(end, "..", 2) == 0) {
        const char *t = end + 2;
        if (!isdigit((unsigned char)*t))
            return -EINVAL;
        b = strtoull(t, &end, 10);
        if (errno)
            return -EINVAL;
    }
    if (*end || b < a)
        return -EINVAL;
    out->from = a;
    out->to = b;
    return 0;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0)
            return *out = true, 0;
        if (strcmp(v, no[i]) == 0)
            return *out = false, 0;
    }
    return -EINVAL;
}

static int parse_prob(const char *v, double *out)
{
    char num[64];
    size_t n = strlen(v);
    double p;
    if (n == 0 || n >= sizeof(num))
        return -EINVAL;
    memcpy(num, v, n + 1);
    bool percent = num[n - 1] == '%';
    if (percent)
        num[n - 1] = 0;
    if (num_parse_decimal(num, &p) != 0)
        return -EINVAL;
    if (percent)
        p /= 100;
    if (!(p >= 0 && p <= 1))
        return -EINVAL;
    *out = p;
    return 0;
}

static int parse_guards(const char *v, struct config *c, char *err, size_t errlen)
{
    char buf[512];
    int n = 0;
    const struct guard_ops *list[CONFIG_MAX_GUARDS];
    if (strlen(v) >= sizeof(buf))
        return fail(err, errlen, -EINVAL, "guard list too long");
    strcpy(buf, v);
    for (char *save, *tok = strtok_r(buf, ", \t", &save); tok;
         tok = strtok_r(NULL, ", \t", &save)) {
        const struct guard_ops *g = guard_lookup(tok);
        if (!g)
            return fail(err, errlen, -EINVAL, "unknown guard '%s' (see `overlapsim guards`)", tok);
        if (n == CONFIG_MAX_GUARDS)
            return fail(err, errlen, -EINVAL, "more than %d guards", CONFIG_MAX_GUARDS);
        list[n++] = g;
    }
    if (n == 0)
        return fail(err, errlen, -EINVAL, "empty guard list");
    memcpy(c->guards, list, sizeof(list[0]) * (size_t)n);
    c->nguards = n;
    return 0;
}

int config_set(struct config *c, const char *key, const char *value, int line, char *err,
               size_t errlen)
{
    const struct config_key *k = config_key_find(key);
    if (!k)
        return fail(err, errlen, -ENOENT, "unknown key '%s'", key);
    void *field = (char *)c + k->offset;
    char derr[200];
    switch (k->type) {
    case CT_DURATION:
        if (time_parse_duration(value, field) != 0)
            return fail(err, errlen, -EINVAL, "%s: bad duration '%s' (e.g. 250ms, 30s, 1h30m)", key,
                        value);
        break;
    case CT_DIST:
        if (dist_parse_in(value, c->data_dir, field, derr, sizeof(derr)) != 0)
            return fail(err, errlen, -EINVAL, "%s: %s", key, derr);
        break;
    case CT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < (long)k->size || v > (1L << 22))
            return fail(err, errlen, -EINVAL, "%s: bad number '%s' (at least %zu)", key, value,
                        k->size);
        *(int *)field = (int)v;
        break;
    }
    case CT_BOOL:
        if (parse_bool(value, field) != 0)
            return fail(err, errlen, -EINVAL, "%s: expected yes or no, got '%s'", key, value);
        break;
    case CT_ENUM: {
        int i;
        for (i = 0; k->choices[i]; i++)
            if (strcmp(value, k->choices[i]) == 0)
                break;
        if (!k->choices[i]) {
            char list[200] = "";
            for (int j = 0; k->choices[j]; j++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? ", " : "",
                         k->choices[j]);
            return fail(err, errlen, -EINVAL, "%s: unknown value '%s' (expected %s)", key, value,
                        list);
        }
        *(int *)field = i;
        break;
    }
    case CT_STRING:
        if (strlen(value) >= k->size)
            return fail(err, errlen, -EINVAL, "%s: longer than %zu characters", key, k->size - 1);
        strcpy(field, value);
        break;
    case CT_GUARD: {
        const struct guard_ops *g = guard_lookup(value);
        if (!g)
            return fail(err, errlen, -EINVAL, "unknown guard '%s' (see `overlapsim guards`)",
                        value);
        *(const struct guard_ops **)field = g;
        break;
    }
    case CT_GUARDS:
        if (parse_guards(value, c, err, errlen) != 0)
            return -EINVAL;
        break;
    case CT_SEEDS:
        if (config_parse_seeds(value, field) != 0)
            return fail(err, errlen, -EINVAL, "%s: bad seed range '%s' (e.g. 1..20)", key, value);
        break;
    case CT_SIGNED:
        if (time_parse_signed(value, field) != 0)
            return fail(err, errlen, -EINVAL, "%s: bad duration '%s' (e.g. -6m, 250ms)", key,
                        value);
        break;
    case CT_FACTOR:
    case CT_REAL: {
        double v;
        if (num_parse_decimal(value, &v) != 0 || v > 1e12 || v < -1e12)
            return fail(err, errlen, -EINVAL, "%s: bad number '%s'", key, value);
        if (k->type == CT_FACTOR && v < 0)
            return fail(err, errlen, -EINVAL, "%s: must not be negative, got '%s'", key, value);
        *(double *)field = v;
        break;
    }
    case CT_CRON: {
        char cerr[200];
        if (cron_parse(value, field, cerr, sizeof(cerr)) != 0)
            return fail(err, errlen, -EINVAL, "%s: %s", key, cerr);
        if (strlen(value) >= sizeof(c->cron_text))
            return fail(err, errlen, -EINVAL, "%s: longer than %zu characters", key,
                        sizeof(c->cron_text) - 1);
        strcpy(c->cron_text, value);
        break;
    }
    case CT_PROB:
        if (parse_prob(value, field) != 0)
            return fail(err, errlen, -EINVAL, "%s: expected a probability (0.02 or 2%%), got '%s'",
                        key, value);
        break;
    }
    c->line[key_index(k)] = line;
    return 0;
}

void config_resolve(struct config *c)
{
    if (config_sched_forks(c->sched) && c->cron_text[0] && !key_line(c, "schedule.interval")) {
        int64_t a = cron_next(&c->cron, -1), b = a >= 0 ? cron_next(&c->cron, a) : -1;
        if (b > a)
            c->interval = (b - a) * SIM_MIN;
    }
    if (!key_line(c, "schedule.misfire_threshold") || c->misfire_threshold < 0) /* automatic */
        c->misfire_threshold = c->sched == SCHED_QUARTZ ? 60 * SIM_S   /* quartz.properties */
                                                        : c->interval; /* the next slot is due */
    if (!key_line(c, "guard.interval") || c->gp.interval <= 0)
        c->gp.interval = c->interval;
    if (!key_line(c, "guard.lock_at_most_for") || c->gp.at_most <= 0)
        c->gp.at_most = (sim_time)(c->gp.max_factor * (double)c->gp.interval);
}

char *config_get(const struct config *c, const struct config_key *k, char *buf, size_t len)
{
    const void *field = (const char *)c + k->offset;
    char t[TIME_FMT_LEN];
    switch (k->type) {
    case CT_DURATION: /* negative: "automatic", which has no text */
        snprintf(buf, len, "%s",
                 *(const sim_time *)field < 0 ? "" : time_format(*(const sim_time *)field, t));
        break;
    case CT_DIST:
        dist_format(field, buf, len);
        break;
    case CT_INT:
        snprintf(buf, len, "%d", *(const int *)field);
        break;
    case CT_BOOL:
        snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
        break;
    case CT_ENUM:
        snprintf(buf, len, "%s", k->choices[*(const int *)field]);
        break;
    case CT_STRING:
        snprintf(buf, len, "%s", (const char *)field);
        break;
    case CT_GUARD:
        snprintf(buf, len, "%s", (*(const struct guard_ops *const *)field)->name);
        break;
    case CT_GUARDS:
        buf[0] = 0;
        for (int i = 0; i < c->nguards; i++)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "",
                     c->guards[i]->name);
        break;
    case CT_SEEDS: {
        const struct seed_range *r = field;
        snprintf(buf, len, "%" PRIu64 "..%" PRIu64, r->from, r->to);
        break;
    }
    case CT_SIGNED:
        snprintf(buf, len, "%s", time_format(*(const sim_time *)field, t));
        break;
    case CT_FACTOR:
    case CT_REAL: /* the shortest text that reads back the same, as for CT_PROB */
        num_format(*(const double *)field, buf, len);
        break;
    case CT_CRON:
        snprintf(buf, len, "%s", c->cron_text);
        break;
    case CT_PROB:
        num_format(*(const double *)field, buf, len);
        break;
    }
    return buf;
}

int config_parse_interleaving(const char *text, int *choices, int max)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v >= 64 || n == max || (*end && *end != '.'))
            return -EINVAL;
        choices[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

static int key_line(const struct config *c, const char *name)
{
    return c->line[key_index(config_key_find(name))];
}

int config_check(const struct config *c, char *err, size_t errlen, int *line)
{
    *line = 0;
    if (c->duration <= 0) {
        *line = key_line(c, "scenario.duration");
        return fail(err, errlen, -EINVAL, "scenario.duration must be positive");
    }
    if (c->interval <= 0) {
        *line = key_line(c, "schedule.interval");
        return fail(err, errlen, -EINVAL, "schedule.interval must be positive");
    }
    if (config_sched_forks(c->sched) && !c->cron_text[0]) {
        *line = key_line(c, "schedule.kind");
        return fail(err, errlen, -EINVAL,
                    "schedule.kind = %s needs schedule.cron "
                    "(e.g. */2 * * * *)",
                    c->sched == SCHED_CRON  ? "cron"
                    : c->sched == SCHED_K8S ? "k8s-cronjob"
                                            : "systemd-timer");
    }
    if (c->gp.min_factor > c->gp.max_factor) {
        int a = key_line(c, "guard.min_factor"), b = key_line(c, "guard.max_factor");
        *line = a > b ? a : b;
        return fail(err, errlen, -EINVAL,
                    "guard.min_factor (%g) is greater than guard.max_factor (%g): a released "
                    "lease would outlast the grant",
                    c->gp.min_factor, c->gp.max_factor);
    }
    int choices[256];
    if (config_parse_interleaving(c->interleaving, choices, 256) < 0) {
        *line = key_line(c, "scenario.interleaving");
        return fail(err, errlen, -EINVAL,
                    "scenario.interleaving: expected choices like 0.2.1 (each below 64)");
    }
    if (c->sched == SCHED_QUARTZ && c->dispatch == DISPATCH_SPAWN) {
        *line = key_line(c, "schedule.dispatch");
        return fail(err, errlen, -EINVAL,
                    "schedule.dispatch = spawn: a quartz job here is @DisallowConcurrentExecution "
                    "(for a job without it use fixed-rate with dispatch = spawn)");
    }
    if (c->sched == SCHED_CRON && c->persistent) {
        *line = key_line(c, "schedule.persistent");
        return fail(err, errlen, -EINVAL,
                    "schedule.persistent = yes: cron keeps nothing across a restart (anacron "
                    "does, for daily jobs); a systemd-timer with persistent = yes is the real one");
    }
    if (c->sched == SCHED_FIXED_DELAY && c->dispatch == DISPATCH_SPAWN) {
        *line = key_line(c, "schedule.dispatch");
        return fail(err, errlen, -EINVAL,
                    "schedule.dispatch = spawn makes no sense for fixed-delay (the delay runs "
                    "from the end of the previous run)");
    }
    const char *xkey;
    if (export_config_check(c, err, errlen, &xkey) != 0) {
        *line = key_line(c, xkey);
        return -EINVAL;
    }
    return 0;
}
