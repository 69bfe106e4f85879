/*
 * Metric definitions. Names ending in _s are seconds. The list is the
 * vocabulary of [expect] sections and of the JSON output; keep names stable.
 */
#include "metrics.h"

#include <string.h>

void metrics_init(struct metrics *m)
{
    memset(m, 0, sizeof(*m));
    hist_init(&m->lateness);
    hist_init(&m->cycle);
    m->first_start = m->last_start = -1;
}

bool metrics_violates(const struct metrics *m, int limit) { return m->max_concurrency > limit; }

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
    [M_EFFECTIVE_PERIOD_S] = {"effective_period_s", "simulated time per run (how often the job effectively runs)"},
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
    {NULL, NULL},
};

int metric_find(const char *name)
{
    for (int i = 0; metric_defs[i].name; i++)
        if (strcmp(metric_defs[i].name, name) == 0)
            return i;
    return -1;
}

static double per(double a, double b) { return b > 0 ? a / b : 0; }

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
    }
    return 0;
}
