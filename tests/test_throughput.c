/*
 * Seed 002's throughput table, from first principles, as the shipped
 * scenario computes it (scenarios/cron-pidfile.ini, run from the repository
 * root). The document says 10 s: ~30/h; 5 min: ~12/h with 1-2 skipped per
 * run; 30 min: ~2/h with ~14 skipped. The true figures: a 5 min job under a
 * 2 min cron can only start every 6 min, and a 30 min job ends a few ms
 * after a firing, so whether that firing runs depends on how long the
 * guard's check takes.
 */
#include "../sim/analyses/case.h"
#include "sim_harness.h"

static struct scenario *sc;

static int setup(void **state)
{
    (void)state;
    char err[600];
    if (scenario_load("scenarios/cron-pidfile.ini", &sc, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    scenario_free(sc);
    return 0;
}

/* The case's metric over seeds 1..3, checking it is the same on each. */
static double figure(const char *variant, const char *guard, const char *metric)
{
    struct case_result *r = malloc(sizeof(*r));
    char err[600];
    int v = scenario_variant_find(sc, variant);
    assert_true(v >= 0);
    assert_int_equal(case_run(sc, v, guard_lookup(guard), (struct seed_range){1, 3}, NULL, NULL,
                              NULL, r, err, sizeof(err)),
                     0);
    int mi = metric_find(metric);
    assert_true(mi >= 0);
    double agg = metric_value(&r->agg, mi);
    free(r);
    return agg;
}

static void test_throughput_10s(void **state)
{
    (void)state;
    const char *guards[] = {"pidfile-check", "pidfile", "flock"};
    for (int i = 0; i < 3; i++) {
        assert_float_equal(figure("const-10s", guards[i], "runs_per_hour"), 30.0, 1e-9);
        assert_float_equal(figure("const-10s", guards[i], "skips_per_run"), 0.0, 1e-9);
    }
}

static void test_throughput_5m(void **state)
{
    (void)state;
    const char *guards[] = {"pidfile-check", "pidfile", "flock"};
    for (int i = 0; i < 3; i++) {
        assert_float_equal(figure("const-5m", guards[i], "runs_per_hour"), 10.0, 1e-9);
        assert_float_equal(figure("const-5m", guards[i], "skips_per_run"), 2.0, 1e-9);
        assert_float_equal(figure("const-5m", guards[i], "effective_period_s"), 360.0, 1e-9);
    }
    /* without a guard every firing runs: 3 at once */
    assert_float_equal(figure("const-5m", "none", "runs_per_hour"), 30.0, 1e-9);
    assert_float_equal(figure("const-5m", "none", "max_concurrency"), 3.0, 1e-9);
}

static void test_throughput_30m(void **state)
{
    (void)state;
    /* flock's check (5 ms after the firing) always meets the old run, which ends
     * a few ms after that firing: every 32 min, 45 runs a day */
    assert_float_equal(figure("const-30m", "flock", "runs_per_hour"), 1.875, 1e-9);
    assert_float_equal(figure("const-30m", "flock", "skips_per_run"), 15.0, 1e-9);
    /* the wrapper's and pidfile's checks wait on `ps` (10 ms) and sometimes find
     * the old run gone, so some cycles are 30 min: 47 runs a day */
    assert_float_equal(figure("const-30m", "pidfile-check", "runs"), 3 * 47.0, 1e-9);
    assert_float_equal(figure("const-30m", "pidfile-check", "skips_per_run"), 673.0 / 47, 1e-9);
    assert_float_equal(figure("const-30m", "pidfile", "runs"), 3 * 47.0, 1e-9);
    assert_float_equal(figure("const-30m", "none", "max_concurrency"), 16.0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throughput_10s),
        cmocka_unit_test(test_throughput_5m),
        cmocka_unit_test(test_throughput_30m),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
