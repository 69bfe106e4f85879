/*
 * Metric definitions. Names ending in _s are seconds. The list is the
 * vocabulary of [expect] sections and of the JSON output; keep names stable.
 */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

void metrics_init(struct metrics *m)
{
    /* one memset: the histograms are large, zeroing them twice shows per seed */
    memset(m, 0, sizeof(*m));
    hist_init_zeroed(&m->lateness);
    hist_init_zeroed(&m->cycle);
    m->first_start = m->last_start = -1;
    export_metrics_init_zeroed(&m->xp);
}

bool metrics_violates(const struct metrics *m, int limit)
{
    return m->max_concurrency > limit;
}

bool metrics_safe(const struct metrics *m, int limit)
{
    if (metrics_violates(m, limit) || m->stale_writes > 0)
        return false;
    return !m->xp.on || (m->xp.duplicates == 0 && m->xp.lost == 0);
}

/* Appends one reason to buf, ", "-separated. */
static void metrics_reason_add(char *buf, size_t len, const char *what, unsigned long long n)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%llu %s", used ? ", " : "", n, what);
}

char *metrics_unsafe_reason(const struct metrics *m, int limit, char *buf, size_t len)
{
    char what[48];
    buf[0] = '\0';
    if (metrics_violates(m, limit)) {
        snprintf(what, sizeof(what), "runs at once (limit %d)", limit);
        metrics_reason_add(buf, len, what, (unsigned long long)m->max_concurrency);
    }
    if (m->xp.on && m->xp.duplicates)
        metrics_reason_add(buf, len, "duplicates", (unsigned long long)m->xp.duplicates);
    if (m->xp.on && m->xp.lost)
        metrics_reason_add(buf, len, "lost", (unsigned long long)m->xp.lost);
    if (m->stale_writes)
        metrics_reason_add(buf, len, "stale writes accepted", (unsigned long long)m->stale_writes);
    return buf;
}

void metrics_merge(struct metrics *a, const struct metrics *b)
{
    a->duration += b->duration;
    a->interval = b->interval;
    a->triggers += b->triggers;
    a->manual += b->manual;
    a->runs += b->runs;
    a->skipped += b->skipped;
    a->coalesced += b->coalesced;
    a->guard_errors += b->guard_errors;
    a->unfinished += b->unfinished;
    if (b->max_concurrency > a->max_concurrency)
        a->max_concurrency = b->max_concurrency;
    a->overlaps += b->overlaps;
    a->overlap_time += b->overlap_time;
    for (int i = 0; i < b->nwindows && a->nwindows < METRICS_WINDOWS; i++)
        a->window[a->nwindows++] = b->window[i];
    if (b->longest_gap > a->longest_gap) {
        a->longest_gap = b->longest_gap;
        a->longest_gap_at = b->longest_gap_at;
    }
    a->long_cycles += b->long_cycles;
    hist_merge(&a->lateness, &b->lateness);
    hist_merge(&a->cycle, &b->cycle);
    a->events += b->events;
    a->stale_writes += b->stale_writes;
    a->stale_writes_rejected += b->stale_writes_rejected;
    a->job_errors += b->job_errors;
    a->runs_killed += b->runs_killed;
    a->db_errors += b->db_errors;
    a->faults_hit += b->faults_hit;
    a->faults_hit_holder += b->faults_hit_holder;
    export_metrics_merge(&a->xp, &b->xp);
}

enum {
    M_TRIGGERS,
    M_MANUAL,
    M_RUNS,
    M_SKIPPED,
    M_COALESCED,
    M_GUARD_ERRORS,
    M_MAX_CONCURRENCY,
    M_OVERLAPS,
    M_OVERLAP_S,
    M_LONGEST_GAP_S,
    M_MAX_GAP_PERIODS,
    M_EFFECTIVE_PERIOD_S,
    M_RUNS_PER_PERIOD,
    M_RUNS_PER_HOUR,
    M_SKIPS_PER_RUN,
    M_LATENESS_P50_S,
    M_LATENESS_P99_S,
    M_LATENESS_MAX_S,
    M_DURATION_P50_S,
    M_DURATION_P99_S,
    M_DURATION_MAX_S,
    M_LONG_CYCLES,
    M_LONG_CYCLE_RATIO,
    M_STALE_WRITES,
    M_STALE_WRITES_REJECTED,
    M_JOB_ERRORS,
    M_RUNS_KILLED,
    M_DB_ERRORS,
    M_FAULTS_HIT,
    M_FAULTS_HIT_HOLDER,
    /* exports (export_metrics.h) */
    M_ITEMS,
    M_EXPORTS,
    M_DUPLICATES,
    M_REDELIVERED,
    M_LOST,
    M_LATE,
    M_EXACTLY_ONCE,
    M_DEADLOCKS,
    M_LOCK_WAITS,
    M_WRITE_ERRORS,
    M_EXPORT_FAILURES,
    M_CRASHES,
    M_FENCED,
    M_LAG_P50_S,
    M_LAG_P99_S,
    M_LAG_MAX_S,
    M_CONSUMER_EXPORTS_MIN,
    M_ADDS,
    M_ADD_BLOCKED_P50_S,
    M_ADD_BLOCKED_P99_S,
    M_ADD_BLOCKED_MAX_S,
};

const struct metric_def metric_defs[] = {
    [M_TRIGGERS] = {"triggers", "triggers: ticks, scheduled times and manual requests"},
    [M_MANUAL] = {"manual", "manual (second-source) triggers"},
    [M_RUNS] = {"runs", "runs started"},
    [M_SKIPPED] = {"skipped", "triggers the guard turned away"},
    [M_COALESCED] = {"coalesced", "ticks dropped by the scheduler while a run was going"},
    [M_GUARD_ERRORS] = {"guard_errors", "acquire attempts that failed with an error"},
    [M_MAX_CONCURRENCY] = {"max_concurrency", "most runs at once, in true time across nodes"},
    [M_OVERLAPS] = {"overlaps", "windows with more runs at once than allowed"},
    [M_OVERLAP_S] = {"overlap_s", "total time spent overlapping"},
    [M_LONGEST_GAP_S] = {"longest_gap_s", "longest time between run starts (or to the end)"},
    [M_MAX_GAP_PERIODS] = {"max_gap_periods", "longest gap in intervals"},
    [M_EFFECTIVE_PERIOD_S] = {"effective_period_s",
                              "simulated time per run (how often the job effectively runs)"},
    [M_RUNS_PER_PERIOD] = {"runs_per_period", "runs x interval / simulated time"},
    [M_RUNS_PER_HOUR] = {"runs_per_hour", "runs per simulated hour"},
    [M_SKIPS_PER_RUN] = {"skips_per_run", "skipped triggers per run"},
    [M_LATENESS_P50_S] = {"lateness_p50_s", "median time from trigger to start"},
    [M_LATENESS_P99_S] = {"lateness_p99_s", "99th percentile time from trigger to start"},
    [M_LATENESS_MAX_S] = {"lateness_max_s", "longest time from trigger to start"},
    [M_DURATION_P50_S] = {"duration_p50_s", "median run duration"},
    [M_DURATION_P99_S] = {"duration_p99_s", "99th percentile run duration"},
    [M_DURATION_MAX_S] = {"duration_max_s", "longest run"},
    [M_LONG_CYCLES] = {"long_cycles", "runs longer than the interval (the seed's warning)"},
    [M_LONG_CYCLE_RATIO] = {"long_cycle_ratio", "share of finished runs longer than the interval"},
    [M_STALE_WRITES] = {"stale_writes", "writes accepted from a run that started before the last "
                                        "writer (an older holder overwrote a newer one)"},
    [M_STALE_WRITES_REJECTED] = {"stale_writes_rejected",
                                 "writes the sink rejected because a newer fencing token was seen"},
    [M_JOB_ERRORS] = {"job_errors", "runs that threw (job-error faults)"},
    [M_RUNS_KILLED] = {"runs_killed", "runs cut off by kill -9 (crash faults)"},
    [M_DB_ERRORS] = {"db_errors", "database statements that failed or timed out"},
    [M_FAULTS_HIT] =
        {"faults_hit",
         "times a fault took effect on a run, a process or a statement (0: every fault missed)"},
    [M_FAULTS_HIT_HOLDER] = {"faults_hit_holder",
                             "faults that hit a run while it held its guard (a pause, crash, "
                             "disconnect or slow API inside the hold)"},
    [M_ITEMS] = {"items", "items that arrived at the source (event store: Add() calls)"},
    [M_EXPORTS] = {"exports", "item writes that reached a sink, repeats included"},
    [M_DUPLICATES] = {"duplicates",
                      "extra copies of items in a sink (at-least-once, not exactly-once)"},
    [M_REDELIVERED] = {"redelivered", "repeated writes an idempotent sink absorbed"},
    [M_LOST] =
        {"lost",
         "items that arrived before the end minus export.lag_allowance and were never delivered"},
    [M_LATE] = {"late", "items delivered only after export.lag_allowance"},
    [M_EXACTLY_ONCE] = {"exactly_once",
                        "1 when exports ran with no duplicate and no lost item, else 0"},
    [M_DEADLOCKS] = {"deadlocks", "write transactions aborted by the database's deadlock check"},
    [M_LOCK_WAITS] = {"lock_waits", "row lock waits of write transactions"},
    [M_WRITE_ERRORS] = {"write_errors", "write transactions that failed (export.write_fail)"},
    [M_EXPORT_FAILURES] = {"export_failures",
                           "runs that gave up without committing their watermark"},
    [M_CRASHES] = {"crashes", "runs killed between the write and the watermark commit"},
    [M_FENCED] = {"fenced", "writes the sink rejected for a stale fencing token"},
    [M_LAG_P50_S] = {"lag_p50_s", "median time from an item's arrival to its first delivery"},
    [M_LAG_P99_S] = {"lag_p99_s", "99th percentile delivery lag"},
    [M_LAG_MAX_S] = {"lag_max_s", "longest delivery lag"},
    [M_CONSUMER_EXPORTS_MIN] = {"consumer_exports_min",
                                "event store: fewest item writes of any consumer"},
    [M_ADDS] = {"adds", "event store: Add() calls"},
    [M_ADD_BLOCKED_P50_S] = {"add_blocked_p50_s",
                             "event store: median time Add() waited for the store mutex"},
    [M_ADD_BLOCKED_P99_S] = {"add_blocked_p99_s", "event store: 99th percentile time Add() waited"},
    [M_ADD_BLOCKED_MAX_S] = {"add_blocked_max_s", "event store: longest time Add() waited"},
    {NULL, NULL},
};

int metric_find(const char *name)
{
    for (int i = 0; metric_defs[i].name; i++)
        if (strcmp(metric_defs[i].name, name) == 0)
            return i;
    return -1;
}

static double per(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static double hist_sec(const struct hist *h, double q)
{
    if (q >= 1)
        return time_to_sec(h->count ? h->max : 0);
    return time_to_sec(hist_quantile(h, q));
}

static double export_metric_value(const struct export_metrics *x, int i)
{
    switch (i) {
    case M_ITEMS:
        return (double)x->items;
    case M_EXPORTS:
        return (double)x->exports;
    case M_DUPLICATES:
        return (double)x->duplicates;
    case M_REDELIVERED:
        return (double)x->redelivered;
    case M_LOST:
        return (double)x->lost;
    case M_LATE:
        return (double)x->late;
    case M_EXACTLY_ONCE:
        return x->on && x->duplicates == 0 && x->lost == 0;
    case M_DEADLOCKS:
        return (double)x->deadlocks;
    case M_LOCK_WAITS:
        return (double)x->lock_waits;
    case M_WRITE_ERRORS:
        return (double)x->write_errors;
    case M_EXPORT_FAILURES:
        return (double)x->export_failures;
    case M_CRASHES:
        return (double)x->crashes;
    case M_FENCED:
        return (double)x->fenced;
    case M_LAG_P50_S:
        return hist_sec(&x->lag, 0.5);
    case M_LAG_P99_S:
        return hist_sec(&x->lag, 0.99);
    case M_LAG_MAX_S:
        return hist_sec(&x->lag, 1);
    case M_CONSUMER_EXPORTS_MIN: {
        uint64_t min = 0;
        for (int c = 0; c < x->nconsumers; c++)
            if (c == 0 || x->consumer[c].exports < min)
                min = x->consumer[c].exports;
        return (double)min;
    }
    case M_ADDS:
        return (double)x->adds;
    case M_ADD_BLOCKED_P50_S:
        return hist_sec(&x->add_blocked, 0.5);
    case M_ADD_BLOCKED_P99_S:
        return hist_sec(&x->add_blocked, 0.99);
    case M_ADD_BLOCKED_MAX_S:
        return hist_sec(&x->add_blocked, 1);
    }
    return 0;
}

double metric_value(const struct metrics *m, int i)
{
    switch (i) {
    case M_TRIGGERS:
        return (double)m->triggers;
    case M_MANUAL:
        return (double)m->manual;
    case M_RUNS:
        return (double)m->runs;
    case M_SKIPPED:
        return (double)m->skipped;
    case M_COALESCED:
        return (double)m->coalesced;
    case M_GUARD_ERRORS:
        return (double)m->guard_errors;
    case M_MAX_CONCURRENCY:
        return m->max_concurrency;
    case M_OVERLAPS:
        return (double)m->overlaps;
    case M_OVERLAP_S:
        return time_to_sec(m->overlap_time);
    case M_LONGEST_GAP_S:
        return time_to_sec(m->longest_gap);
    case M_MAX_GAP_PERIODS:
        return per((double)m->longest_gap, (double)m->interval);
    case M_EFFECTIVE_PERIOD_S:
        return per(time_to_sec(m->duration), (double)m->runs);
    case M_RUNS_PER_PERIOD:
        return per((double)m->runs * (double)m->interval, (double)m->duration);
    case M_RUNS_PER_HOUR:
        return per((double)m->runs * 3600.0, time_to_sec(m->duration));
    case M_SKIPS_PER_RUN:
        return per((double)m->skipped, (double)m->runs);
    case M_LATENESS_P50_S:
        return time_to_sec(hist_quantile(&m->lateness, 0.5));
    case M_LATENESS_P99_S:
        return time_to_sec(hist_quantile(&m->lateness, 0.99));
    case M_LATENESS_MAX_S:
        return time_to_sec(m->lateness.count ? m->lateness.max : 0);
    case M_DURATION_P50_S:
        return time_to_sec(hist_quantile(&m->cycle, 0.5));
    case M_DURATION_P99_S:
        return time_to_sec(hist_quantile(&m->cycle, 0.99));
    case M_DURATION_MAX_S:
        return time_to_sec(m->cycle.count ? m->cycle.max : 0);
    case M_LONG_CYCLES:
        return (double)m->long_cycles;
    case M_LONG_CYCLE_RATIO:
        return per((double)m->long_cycles, (double)m->cycle.count);
    case M_STALE_WRITES:
        return (double)m->stale_writes;
    case M_STALE_WRITES_REJECTED:
        return (double)m->stale_writes_rejected;
    case M_JOB_ERRORS:
        return (double)m->job_errors;
    case M_RUNS_KILLED:
        return (double)m->runs_killed;
    case M_DB_ERRORS:
        return (double)m->db_errors;
    case M_FAULTS_HIT:
        return (double)m->faults_hit;
    case M_FAULTS_HIT_HOLDER:
        return (double)m->faults_hit_holder;
    default:
        return export_metric_value(&m->xp, i);
    }
    return 0;
}
