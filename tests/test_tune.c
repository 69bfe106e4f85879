/*
 * Tuning on etl-ticker: the constraints come from the scenario, settings
 * below the job's pace are rejected with their reason, a recommendation is
 * made and explained, and the frontier holds only acceptable settings.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../reports/tune.h"

static void run_tune(const char *guard, const char *const *vary, int nvary, struct sweep *sw,
                     struct sweep_agg **agg, struct tune *t)
{
    char err[600];
    memset(sw, 0, sizeof(*sw));
    sw->path = "scenarios/etl-ticker.ini";
    sw->nguards = 1;
    sw->guard[0] = guard_lookup(guard);
    sw->variant = 0; /* spawn */
    sw->seeds = (struct seed_range){1, 4};
    for (int i = 0; i < nvary; i++)
        assert_int_equal(sweep_key_parse(vary[i], &sw->k[i], err, sizeof(err)), 0);
    sw->nkeys = nvary;
    const char *sets[] = {"scenario.duration=6h"};
    if (sweep_open(sw, sets, 1, 1, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    *agg = sweep_agg_new(sw);
    assert_non_null(*agg);
    assert_int_equal(tune_init(t, sw, 0.05, err, sizeof(err)), 0);
    struct sweep_row *row = malloc(sizeof(*row));
    for (uint64_t i = 0; i < sw->units; i++) {
        assert_int_equal(sweep_run_unit(sw, 0, i, row, err, sizeof(err)), 0);
        sweep_agg_add(&(*agg)[row->point], row, sweep_metric_count());
        tune_row(t, row);
    }
    free(row);
    tune_decide(t, *agg);
}

static void test_tune_recommends_and_explains(void **state)
{
    (void)state;
    struct sweep sw;
    struct sweep_agg *agg;
    struct tune t;
    const char *vary[] = {"schedule.interval=15s..60s/15s"};
    run_tune("atomic", vary, 1, &sw, &agg, &t);

    /* the overlap invariant and the scenario's own bound on runs per period */
    assert_string_equal(t.c[0].kind, "overlap");
    bool bound = false;
    for (int i = 0; i < t.nc; i++)
        bound |= strstr(t.c[i].text, "runs_per_period >= 0.7") != NULL;
    assert_true(bound);
    /* workload expectations (long_cycle_ratio) are not constraints */
    for (int i = 0; i < t.nc; i++)
        assert_null(strstr(t.c[i].text, "long_cycle_ratio"));

    /* 15s: the runs (p50 about 24s) cannot keep up, so it starves */
    assert_false(t.pt[0].feasible);
    char why[1000];
    assert_non_null(strstr(tune_reasons(&t, agg, 0, why, sizeof(why)), "runs_per_period"));
    assert_non_null(strstr(t.pt[0].replay, "--set schedule.interval=15s"));

    /* a recommendation among the acceptable settings, explained */
    assert_true(t.recommended > 0);
    assert_true(t.pt[t.recommended].feasible);
    assert_true(t.pt[t.recommended].frontier);
    for (size_t p = 0; p < sw.npoints; p++)
        assert_true(!t.pt[p].frontier || t.pt[p].feasible);
    char lines[16][TUNE_LINE_LEN];
    int n = tune_explain(&t, agg, lines, 16);
    assert_true(n >= 2);
    assert_non_null(strstr(lines[0], "schedule.interval=30s"));
    bool said_why_shorter = false;
    for (int i = 0; i < n; i++)
        said_why_shorter |= strstr(lines[i], "outlast") != NULL;
    assert_true(said_why_shorter);

    tune_release(&t);
    free(agg);
    sweep_close(&sw);
}

static void test_tune_without_acceptable_settings(void **state)
{
    (void)state;
    struct sweep sw;
    struct sweep_agg *agg;
    struct tune t;
    const char *vary[] = {"schedule.interval=20s..40s/20s"};
    run_tune("none", vary, 1, &sw, &agg, &t); /* no guard: always overlaps on spawn */
    assert_int_equal(t.recommended, -1);
    char lines[8][TUNE_LINE_LEN];
    int n = tune_explain(&t, agg, lines, 8);
    assert_true(n >= 1);
    assert_non_null(strstr(lines[0], "no setting"));
    char why[1000];
    assert_non_null(strstr(tune_reasons(&t, agg, 0, why, sizeof(why)), "overlap"));
    tune_release(&t);
    free(agg);
    sweep_close(&sw);
}

static void test_tune_two_keys(void **state)
{
    (void)state;
    struct sweep sw;
    struct sweep_agg *agg;
    struct tune t;
    const char *vary[] = {"schedule.interval=20s..40s/10s", "schedule.manual=none,exp(1m)"};
    run_tune("flag", vary, 2, &sw, &agg, &t);
    /* the racy flag lets manual runs in beside the ticks: exp(1m) overlaps somewhere */
    bool rejected_for_overlap = false;
    char why[1000];
    for (size_t p = 0; p < sw.npoints; p++)
        if (sweep_point_value(&sw, p, 1) == 1 && !t.pt[p].feasible)
            rejected_for_overlap |= strstr(tune_reasons(&t, agg, p, why, sizeof(why)), "overlap") != NULL;
    assert_true(rejected_for_overlap);
    assert_true(t.recommended >= 0);
    assert_int_equal(sweep_point_value(&sw, (size_t)t.recommended, 1), 0);
    bool v;
    /* a key not varied reads as configured (guard.max_factor defaults to 5) */
    assert_true(tune_key_value(&t, "max_factor", 0, &v) == 5.0 && !v);
    assert_true(isnan(tune_key_value(&t, "no_such_key", 0, &v)));
    assert_true(tune_key_value(&t, "schedule.interval", 2, &v) == 30.0 && v);
    tune_release(&t);
    free(agg);
    sweep_close(&sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tune_recommends_and_explains),
        cmocka_unit_test(test_tune_without_acceptable_settings),
        cmocka_unit_test(test_tune_two_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
