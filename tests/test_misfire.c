/*
 * Catch-up after downtime (sim/misfire.c and every scheduler): how many runs
 * follow N missed slots under skip, coalesce and burst, and what each
 * scheduler does by default. Constant durations, so each count is derived by
 * hand in the comment above its test.
 */
#include "helpers.h"

static struct metrics m;

static void run_text(const char *text)
{
    char err[600];
    struct scenario *sc = helper_parse(text, err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    helper_run(sc, -1, "none", 1, NULL, &m);
    scenario_free(sc);
}

/* Runs of 1 s; the node is stopped from 15 s to 65 s. */
#define PAUSED(sched)                                                                              \
    "[scenario]\nduration = 100s\n[job]\napi = 1s\ndb = 0\n"                                       \
    "[fault]\nkind = pause\nat = 15s\nfor = 50s\n[schedule]\ninterval = 10s\n" sched

/*
 * Go ticker, inline: ticks 10..90; run at 10; ticks 20..60 come due while
 * stopped, and at 65 the late tick 20 finds the four after it due too:
 * N = 5 missed. coalesce (Go's own): one run at 65, the rest dropped, then
 * 70, 80, 90: 5 runs. skip: none at 65: 4 runs. burst: all five ticks are
 * sent, but the channel holds one: the loop runs 65-66, takes the kept tick
 * at 66, and three are dropped: 6 runs.
 */
static void test_misfire_ticker_inline(void **state)
{
    (void)state;
    run_text(PAUSED("kind = ticker\n"));
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 4);
    run_text(PAUSED("kind = ticker\nmisfire = coalesce\n"));
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 4);
    run_text(PAUSED("kind = ticker\nmisfire = skip\n"));
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 5);
    run_text(PAUSED("kind = ticker\nmisfire = burst\n"));
    assert_int_equal(m.runs, 6);
    assert_int_equal(m.triggers, 9);
    assert_int_equal(m.coalesced, 3);
    assert_int_equal(m.max_concurrency, 1);
}

/* The same ticks with spawn: burst starts all five missed runs at 65. */
static void test_misfire_ticker_spawn_burst_overlaps(void **state)
{
    (void)state;
    run_text(PAUSED("kind = ticker\ndispatch = spawn\n"));
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.max_concurrency, 1);
    run_text(PAUSED("kind = ticker\ndispatch = spawn\nmisfire = burst\n"));
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.max_concurrency, 5);
    assert_int_equal(m.coalesced, 0);
}

/*
 * Spring fixed rate on its one thread: slots 0, 10, ..., 90; runs at 0 and
 * 10; slots 20..60 (N = 5) are owed at 65. burst (the executor's own): they
 * run back to back at 65, 66, 67, 68, 69, slot 20 45 s late, then 70, 80,
 * 90: 10 runs, never two at once. coalesce: one run at 65: 6 runs. skip: 5.
 */
static void test_misfire_fixed_rate_inline(void **state)
{
    (void)state;
    run_text(PAUSED("kind = fixed-rate\n"));
    assert_int_equal(m.runs, 10);
    assert_int_equal(m.coalesced, 0);
    assert_int_equal(m.max_concurrency, 1);
    assert_true(m.lateness.max == 45 * SIM_S);
    run_text(PAUSED("kind = fixed-rate\nmisfire = coalesce\n"));
    assert_int_equal(m.runs, 6);
    assert_int_equal(m.coalesced, 4);
    assert_true(m.lateness.max == 0);
    run_text(PAUSED("kind = fixed-rate\nmisfire = skip\n"));
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 5);
}

/* Spring's virtual-thread scheduler (spawn): the burst is five runs at once. */
static void test_misfire_fixed_rate_spawn_bursts_at_once(void **state)
{
    (void)state;
    run_text(PAUSED("kind = fixed-rate\ndispatch = spawn\n"));
    assert_int_equal(m.runs, 10);
    assert_int_equal(m.max_concurrency, 5);
    run_text(PAUSED("kind = fixed-rate\ndispatch = spawn\nmisfire = coalesce\n"));
    assert_int_equal(m.runs, 6);
    assert_int_equal(m.max_concurrency, 1);
}

/*
 * fixed delay: runs at 0 and 11; the next is due at 22, found at 65 (43 s
 * late). Its own (coalesce, burst): run it then, then 76, 87, 98: 6 runs.
 * skip: drop it and wait for the delay's next beat after 65 (72), then 83,
 * 94: 5 runs.
 */
static void test_misfire_fixed_delay(void **state)
{
    (void)state;
    run_text(PAUSED("kind = fixed-delay\n"));
    assert_int_equal(m.runs, 6);
    assert_true(m.lateness.max == 43 * SIM_S);
    run_text(PAUSED("kind = fixed-delay\nmisfire = burst\n"));
    assert_int_equal(m.runs, 6);
    run_text(PAUSED("kind = fixed-delay\nmisfire = skip\n"));
    assert_int_equal(m.runs, 5);
    assert_int_equal(m.coalesced, 1);
}

/*
 * cron every two minutes, the daemon stopped from 90 s to 350 s (it sleeps from 61 s to
 * 121 s and wakes at 5:50, four minutes late: virtualTime 1, clock 5).
 * Minutes 2 and 4 matched while it slept (N = 2); 5 does not. cronie's own
 * (2-5 minutes late: each missed minute, 10 s apart) and burst: 2 at 5:50,
 * 4 at 6:00, then 6 and 8: 5 runs with minute 0. coalesce: one start at
 * 5:50: 4 runs. skip: none: 3.
 */
#define CRON_PAUSED                                                                                \
    "[scenario]\nduration = 10m\n[job]\napi = 1s\ndb = 0\n[node]\nexec_latency = 0\n"              \
    "[fault]\nkind = pause\nat = 90s\nfor = 260s\n[schedule]\nkind = cron\ncron = */2 * * * *\n"

static void test_misfire_cron(void **state)
{
    (void)state;
    run_text(CRON_PAUSED);
    assert_int_equal(m.runs, 5);
    run_text(CRON_PAUSED "misfire = burst\n");
    assert_int_equal(m.runs, 5);
    run_text(CRON_PAUSED "misfire = coalesce\n");
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.coalesced, 1);
    run_text(CRON_PAUSED "misfire = skip\n");
    assert_int_equal(m.runs, 3);
    assert_int_equal(m.coalesced, 2);
}

/*
 * A CronJob every minute (Allow, Jobs of 10 s), the controller stopped from
 * 90 s to 290 s: the sync due at 120.1 runs at 290 and finds slots 2, 3, 4
 * (N = 3; slot 2 170 s late). Its own (coalesce): slot 4 only: runs 1, 4,
 * 5..9 = 7. skip: 1, 5..9 = 6. burst: slots 2 and 3 are missed and each
 * gets a Job in a sync at once; slot 4 (50 s late, under the one-minute
 * threshold) the normal way: three Jobs at 290 s, 9 runs.
 */
#define K8S_PAUSED                                                                                 \
    "[scenario]\nduration = 10m\n[job]\napi = 10s\ndb = 0\n[node]\nexec_latency = 0\n"             \
    "[fault]\nkind = pause\nat = 90s\nfor = 200s\n"                                                \
    "[schedule]\nkind = k8s-cronjob\ncron = * * * * *\nconcurrency_policy = allow\n"

static void test_misfire_k8s(void **state)
{
    (void)state;
    run_text(K8S_PAUSED);
    assert_int_equal(m.runs, 7);
    assert_int_equal(m.coalesced, 2);
    run_text(K8S_PAUSED "misfire = skip\n");
    assert_int_equal(m.runs, 6);
    assert_int_equal(m.coalesced, 3);
    run_text(K8S_PAUSED "misfire = burst\n");
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.max_concurrency, 3);
}

/*
 * systemd timer every minute (AccuracySec=1us: on the slot), services of
 * 10 s, the host stopped from 90 s to 290 s: the elapse at 120 goes off at
 * 290 with slots 3 and 4 past too. Its own (coalesce): one start at 290,
 * then 300..540: 7 runs. skip (DeferReactivation-like): 6. burst: slot 2
 * at 290, 3 at 300, 4 at 310, 5 (20 s late) at 320, then 360..540: 9.
 */
#define SYSTEMD_PAUSED                                                                             \
    "[scenario]\nduration = 10m\n[job]\napi = 10s\ndb = 0\n[node]\nexec_latency = 0\n"             \
    "[fault]\nkind = pause\nat = 90s\nfor = 200s\n"                                                \
    "[schedule]\nkind = systemd-timer\ncron = * * * * *\naccuracy = 1us\n"

static void test_misfire_systemd(void **state)
{
    (void)state;
    run_text(SYSTEMD_PAUSED);
    assert_int_equal(m.runs, 7);
    assert_int_equal(m.coalesced, 2);
    run_text(SYSTEMD_PAUSED "misfire = skip\n");
    assert_int_equal(m.runs, 6);
    assert_int_equal(m.coalesced, 3);
    run_text(SYSTEMD_PAUSED "misfire = burst\n");
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.max_concurrency, 1);
}

/*
 * Quartz every 60 s, runs of 10 s, the node down from 90 s to 290 s. In
 * RAM (the default) the trigger starts afresh at 290: runs 0, 60, 290, 350,
 * ..., 590: 8. A JDBC JobStore (persistent) still has slot 120 pending: at
 * 290 it is 170 s late, past the 60 s threshold, with 180 and 240 behind it
 * (N = 3). coalesce: one run at 290, then 300..540: 8 runs, 2 dropped.
 * skip: 7. burst: 120, 180, 240 back to back from 290, slot 300 at 320
 * (20 s late), then 360..540: 10.
 */
#define QUARTZ_DOWN                                                                                \
    "[scenario]\nduration = 10m\n[job]\napi = 10s\ndb = 0\n"                                       \
    "[fault]\nkind = crash\ntarget = node\nat = 90s\nrestart_after = 200s\n"                       \
    "[schedule]\nkind = quartz\ninterval = 60s\n"

static void test_misfire_quartz_after_a_restart(void **state)
{
    (void)state;
    run_text(QUARTZ_DOWN);
    assert_int_equal(m.runs, 8);
    assert_int_equal(m.coalesced, 0);
    run_text(QUARTZ_DOWN "persistent = yes\n");
    assert_int_equal(m.runs, 8);
    assert_int_equal(m.coalesced, 2);
    run_text(QUARTZ_DOWN "persistent = yes\nmisfire = skip\n");
    assert_int_equal(m.runs, 7);
    assert_int_equal(m.coalesced, 3);
    run_text(QUARTZ_DOWN "persistent = yes\nmisfire = burst\n");
    assert_int_equal(m.runs, 10);
    assert_int_equal(m.max_concurrency, 1);
}

/* cron keeps nothing across a restart: persistent is refused, with its line. */
static void test_misfire_cron_persistent_is_refused(void **state)
{
    (void)state;
    char err[600];
    struct scenario *sc = helper_parse("[schedule]\nkind = cron\ncron = * * * * *\n"
                                       "persistent = yes\n",
                                       err, sizeof(err));
    assert_null(sc);
    assert_non_null(strstr(err, ":4:"));
    assert_non_null(strstr(err, "anacron"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misfire_ticker_inline),
        cmocka_unit_test(test_misfire_ticker_spawn_burst_overlaps),
        cmocka_unit_test(test_misfire_fixed_rate_inline),
        cmocka_unit_test(test_misfire_fixed_rate_spawn_bursts_at_once),
        cmocka_unit_test(test_misfire_fixed_delay),
        cmocka_unit_test(test_misfire_cron),
        cmocka_unit_test(test_misfire_k8s),
        cmocka_unit_test(test_misfire_systemd),
        cmocka_unit_test(test_misfire_quartz_after_a_restart),
        cmocka_unit_test(test_misfire_cron_persistent_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
