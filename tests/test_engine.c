/*
 * The engine and its schedulers, on constant durations where every number
 * can be derived by hand (the derivations are in the comments), and
 * determinism: the same seed gives the same trace bytes, another seed not.
 */
#include "helpers.h"

static struct metrics m;

static void run_text(const char *text, const char *guard)
{
    char err[600];
    struct scenario *sc = helper_parse(text, err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    helper_run(sc, -1, guard, 1, NULL, &m);
    scenario_free(sc);
}

/* Runs take 24 s, so no run ends exactly on a tick (ties are legal, but
 * resolved by insertion order, which would make the derivations subtle). */
#define COMMON "[scenario]\nduration = 100s\n[job]\napi = 20s\ndb = 4s\n"

/*
 * Go ticker, inline: ticks at 10..90. Run 1 at 10-34; tick 20 waits in the
 * channel, 30 is dropped; run 2 takes tick 20 at 34 (14 s late), ends 58;
 * tick 40 waits, 50 dropped; run 3 takes tick 40 at 58 (18 s late) to 82;
 * tick 60 waits, 70 dropped; run 4 takes tick 60 at 82 (22 s late),
 * unfinished; tick 80 waits, 90 dropped.
 */
static void test_engine_ticker_inline_keeps_one_tick(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = ticker\ninterval = 10s\ndispatch = inline\n", "none");
    assert_int_equal(m.triggers, 9);
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 4);
    assert_int_equal(m.skipped, 0);
    assert_int_equal(m.max_concurrency, 1);
    assert_int_equal(m.unfinished, 1);
    assert_true(m.lateness.max == 22 * SIM_S);
    assert_true(m.longest_gap == 24 * SIM_S);
}

/* Spawn: every tick runs; at 30 the runs of 10, 20 and 30 overlap. One
 * window from 20 to the end, since two or more run from then on. */
static void test_engine_ticker_spawn_overlaps(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = ticker\ninterval = 10s\ndispatch = spawn\n", "none");
    assert_int_equal(m.triggers, 9);
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.max_concurrency, 3);
    assert_int_equal(m.overlaps, 1);
    assert_true(m.window[0].start == 20 * SIM_S && m.window[0].end == 100 * SIM_S);
    assert_int_equal(m.window[0].run_a, 1);
    assert_int_equal(m.window[0].run_b, 2);
    assert_true(m.overlap_time == 80 * SIM_S);
    assert_int_equal(m.long_cycles, 7); /* 24 s > 10 s: the seven that finished */
}

/* atomic skips while busy: runs at 10, 40, 70. */
static void test_engine_spawn_atomic_skips(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = ticker\ninterval = 10s\ndispatch = spawn\n", "atomic");
    assert_int_equal(m.runs, 3);
    assert_int_equal(m.skipped, 6);
    assert_int_equal(m.max_concurrency, 1);
    assert_int_equal(m.overlaps, 0);
    assert_true(m.longest_gap == 30 * SIM_S);
}

/* mutex-wait queues: runs at 10, 34, 58, 82 for ticks 10, 20, 30, 40. */
static void test_engine_mutex_wait_queues(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = ticker\ninterval = 10s\ndispatch = spawn\n", "mutex-wait");
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.skipped, 0);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 42 * SIM_S);
}

/* Spring fixed-rate on one thread: due 0, 10, 20, 30, 40 run back to back at
 * 0, 24, 48, 72, 96 (catch-up, never concurrent, later and later). */
static void test_engine_fixed_rate_catches_up(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = fixed-rate\ninterval = 10s\n", "none");
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.triggers, 5);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 56 * SIM_S);
    assert_true(m.longest_gap == 24 * SIM_S);
}

/* fixed-delay: 0-24, 34-58, 68-92; next would be 102. */
static void test_engine_fixed_delay(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = fixed-delay\ninterval = 10s\n", "none");
    assert_int_equal(m.runs, 3);
    assert_true(m.lateness.max == 0);
    assert_true(m.longest_gap == 34 * SIM_S);
}

/* A manual run at exactly a tick's time: the flag's check-then-set window
 * lets both in; the atomic flag lets one. */
#define RACE                                                                                       \
    COMMON "[schedule]\nkind = ticker\ninterval = 50s\ndispatch = spawn\n"                         \
           "[guard]\ngap = 1ms\n[fault]\nkind = manual-run\nat = 50s\n"

static void test_engine_flag_loses_the_race(void **state)
{
    (void)state;
    run_text(RACE, "flag");
    assert_int_equal(m.max_concurrency, 2);
    assert_int_equal(m.manual, 1);
    run_text(RACE, "atomic");
    assert_int_equal(m.max_concurrency, 1);
    assert_int_equal(m.skipped, 1);
    run_text(RACE, "semaphore");
    assert_int_equal(m.max_concurrency, 1);
    run_text(RACE, "mutex");
    assert_int_equal(m.max_concurrency, 1);
}

/* api-slow: API phases starting in [0, 30s) take 60 s instead of 20 s. */
static void test_engine_api_slow_window(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = fixed-delay\ninterval = 10s\n"
                    "[fault]\nkind = api-slow\nat = 0\nfor = 30s\nlatency = 60s\n",
             "none");
    /* 0-64 (slowed), then 74-98 */
    assert_int_equal(m.runs, 2);
    assert_true(m.cycle.max == 64 * SIM_S);
    assert_true(m.cycle.min == 24 * SIM_S);
}

static uint64_t trace_hash(const char *path, const char *variant, const char *guard, uint64_t seed)
{
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load(path, &sc, err, sizeof(err)), 0);
    struct trace t;
    trace_init(&t, NULL);
    helper_run(sc, scenario_variant_find(sc, variant), guard, seed, &t, &m);
    scenario_free(sc);
    assert_true(t.rows > 1000);
    return t.hash;
}

static void test_engine_same_seed_same_trace(void **state)
{
    (void)state;
    const char *f = "scenarios/etl-ticker.ini";
    assert_true(trace_hash(f, "spawn-manual", "flag", 5) ==
                trace_hash(f, "spawn-manual", "flag", 5));
    assert_true(trace_hash(f, "inline", "mutex-wait", 5) ==
                trace_hash(f, "inline", "mutex-wait", 5));
    assert_true(trace_hash(f, "spawn-manual", "flag", 5) !=
                trace_hash(f, "spawn-manual", "flag", 6));
}

/* Guards see the same workload: the first runs start with the same work. */
static void test_engine_same_workload_for_every_guard(void **state)
{
    (void)state;
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load("scenarios/etl-ticker.ini", &sc, err, sizeof(err)), 0);
    int v = scenario_variant_find(sc, "spawn");
    static struct metrics a, b;
    helper_run(sc, v, "none", 3, NULL, &a);
    helper_run(sc, v, "atomic", 3, NULL, &b);
    assert_true(a.triggers == b.triggers);
    /* every atomic run is one of none's runs: same durations drawn per trigger */
    assert_true(b.cycle.max <= a.cycle.max);
    assert_true(b.cycle.min >= a.cycle.min);
    scenario_free(sc);
}

/*
 * Quartz, @DisallowConcurrentExecution, slots every 10 s from 0, runs of
 * 24 s. burst (IGNORE_MISFIRE_POLICY): every slot fires, back to back: runs
 * 0-24, 24-48 (slot 10), 48-72 (20), 72-96 (30), 96- (40): lateness 14, 28,
 * 42, 56 s, nothing dropped.
 */
static void test_engine_quartz_burst_owes_every_slot(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = quartz\ninterval = 10s\nmisfire = burst\n", "none");
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 0);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 56 * SIM_S);
}

/*
 * coalesce (FIRE_ONCE_NOW), threshold 5 s: at 24 slots 10 and 20 are owed,
 * 14 s late: one run now (24-48), next slot 30; at 48 slots 30, 40: run
 * 48-72, next 50; at 72 slots 50, 60, 70: run 72-96, next 80; at 96 slots
 * 80, 90: run 96-. Five runs, 1 + 1 + 2 + 1 slots dropped, none late.
 */
static void test_engine_quartz_coalesce_fires_once_now(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = quartz\ninterval = 10s\nmisfire = coalesce\n"
                    "misfire_threshold = 5s\n",
             "none");
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 5);
    assert_true(m.lateness.max == 0);
}

/*
 * skip (DO_NOTHING), threshold 5 s: run 0-24; slots 10, 20 dropped, next
 * 30: run 30-54; 40, 50 dropped: run 60-84; 70, 80 dropped: run 90-.
 */
static void test_engine_quartz_skip_waits_for_the_next_slot(void **state)
{
    (void)state;
    run_text(COMMON "[schedule]\nkind = quartz\ninterval = 10s\nmisfire = skip\n"
                    "misfire_threshold = 5s\n",
             "none");
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 6);
    assert_true(m.lateness.max == 0);
}

/* A CronJob every minute whose Jobs take 150 s, for 10 min; the controller
 * syncs 100 ms after each slot. */
#define K8S                                                                                        \
    "[scenario]\nduration = 10m\n[job]\napi = 150s\ndb = 0\n[node]\nexec_latency = 0\n"            \
    "[schedule]\nkind = k8s-cronjob\ncron = * * * * *\n"

/* Allow: slots 1..9 min each start a Job; at 3m0.1s three run at once. */
static void test_engine_k8s_allow_piles_up(void **state)
{
    (void)state;
    run_text(K8S "concurrency_policy = allow\n", "none");
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.max_concurrency, 3);
}

/*
 * Forbid: Job 1 at 60.1-210.1 s; the syncs at 120.1 and 180.1 find it
 * active. Its end is a sync: slots 2 and 3 are due, 3 starts (2 dropped),
 * 30.1 s late, to 360.1; then slot 6 (4, 5 dropped) at 360.1-510.1; then
 * slot 8 (7 dropped) from 510.1, unfinished at 600.
 */
static void test_engine_k8s_forbid_runs_the_latest_missed_slot(void **state)
{
    (void)state;
    run_text(K8S "concurrency_policy = forbid\n", "none");
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 4);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 30 * SIM_S + 100 * SIM_MS);
}

/* Replace, grace 30 s: every slot starts a Job and the previous one's pod
 * dies 30 s later: 9 Jobs, 8 killed, 8 windows of 30 s with two at once. */
static void test_engine_k8s_replace_overlaps_for_the_grace_period(void **state)
{
    (void)state;
    run_text(K8S "concurrency_policy = replace\ngrace_period = 30s\n", "none");
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.runs_killed, 8);
    assert_int_equal(m.max_concurrency, 2);
    assert_int_equal(m.overlaps, 8);
    assert_true(m.overlap_time == 8 * 30 * SIM_S);
}

/*
 * systemd timer every minute, services of 150 s: run 60-210; at 210 the
 * elapse after the last trigger (120) is past: one start now (180
 * dropped), 90 s late, to 360; then the slot after 210 (240) is past: one
 * start (300, 360 dropped), 120 s late, to 510; then 420 (480 dropped),
 * from 510, unfinished.
 */
static void test_engine_systemd_fires_once_after_an_overrun(void **state)
{
    (void)state;
    run_text("[scenario]\nduration = 10m\n[job]\napi = 150s\ndb = 0\n[node]\nexec_latency = 0\n"
             "[schedule]\nkind = systemd-timer\ncron = * * * * *\naccuracy = 1us\n",
             "none");
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 4);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 120 * SIM_S);
}

/* AccuracySec=1min (the default): every start of an every-minute timer is at
 * the same spot within its minute window, this host's perturbation. */
static void test_engine_systemd_accuracy_fixed_spot(void **state)
{
    (void)state;
    run_text("[scenario]\nduration = 10m\n[job]\napi = 1s\ndb = 0\n[node]\nexec_latency = 0\n"
             "[schedule]\nkind = systemd-timer\ncron = * * * * *\n",
             "none");
    assert_int_equal(m.runs, 9);
    assert_true(m.lateness.min == m.lateness.max);
    assert_true(m.lateness.max > 0 && m.lateness.max < SIM_MIN);
}

/* RandomizedDelaySec=30s, AccuracySec=1us: a fresh delay in [0, 30 s) each time. */
static void test_engine_systemd_randomized_delay(void **state)
{
    (void)state;
    run_text("[scenario]\nduration = 1h\n[job]\napi = 1s\ndb = 0\n[node]\nexec_latency = 0\n"
             "[schedule]\nkind = systemd-timer\ncron = * * * * *\naccuracy = 1us\n"
             "randomized_delay = 30s\n",
             "none");
    assert_int_equal(m.runs, 59);
    assert_true(m.lateness.max < 30 * SIM_S);
    assert_true(m.lateness.max - m.lateness.min > 20 * SIM_S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_ticker_inline_keeps_one_tick),
        cmocka_unit_test(test_engine_ticker_spawn_overlaps),
        cmocka_unit_test(test_engine_spawn_atomic_skips),
        cmocka_unit_test(test_engine_mutex_wait_queues),
        cmocka_unit_test(test_engine_fixed_rate_catches_up),
        cmocka_unit_test(test_engine_fixed_delay),
        cmocka_unit_test(test_engine_flag_loses_the_race),
        cmocka_unit_test(test_engine_api_slow_window),
        cmocka_unit_test(test_engine_same_seed_same_trace),
        cmocka_unit_test(test_engine_same_workload_for_every_guard),
        cmocka_unit_test(test_engine_quartz_burst_owes_every_slot),
        cmocka_unit_test(test_engine_quartz_coalesce_fires_once_now),
        cmocka_unit_test(test_engine_quartz_skip_waits_for_the_next_slot),
        cmocka_unit_test(test_engine_k8s_allow_piles_up),
        cmocka_unit_test(test_engine_k8s_forbid_runs_the_latest_missed_slot),
        cmocka_unit_test(test_engine_k8s_replace_overlaps_for_the_grace_period),
        cmocka_unit_test(test_engine_systemd_fires_once_after_an_overrun),
        cmocka_unit_test(test_engine_systemd_accuracy_fixed_spot),
        cmocka_unit_test(test_engine_systemd_randomized_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
