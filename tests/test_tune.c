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

#include "../sim/analyses/tune.h"

static void run_tune_variant(const char *guard, int variant, const char *const *vary, int nvary,
                             struct sweep *sw, struct sweep_agg **agg, struct tune *t)
{
    char err[600];
    memset(sw, 0, sizeof(*sw));
    sw->path = "scenarios/etl-ticker.ini";
    sw->nguards = 1;
    sw->guard[0] = guard_lookup(guard);
    sw->variant = variant;
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

static void run_tune(const char *guard, const char *const *vary, int nvary, struct sweep *sw,
                     struct sweep_agg **agg, struct tune *t)
{
    run_tune_variant(guard, 0 /* spawn */, vary, nvary, sw, agg, t);
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
            rejected_for_overlap |=
                strstr(tune_reasons(&t, agg, p, why, sizeof(why)), "overlap") != NULL;
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

static void test_tune_goal_parse_and_default(void **state)
{
    (void)state;
    struct tune_goal g;
    char err[200], name[64];
    assert_int_equal(tune_goal_parse("cadence=90s", &g, err, sizeof(err)), 0);
    assert_int_equal(g.kind, TUNE_CADENCE);
    assert_true(g.cadence_s == 90.0);
    assert_string_equal(tune_goal_name(&g, name, sizeof(name)), "cadence=1m30s");
    assert_int_equal(tune_goal_parse("once-per-interval", &g, err, sizeof(err)), 0);
    assert_int_equal(g.kind, TUNE_ONCE_PER_INTERVAL);
    assert_int_not_equal(tune_goal_parse("fastest", &g, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "--goal fastest"));
    assert_int_not_equal(tune_goal_parse("cadence=soon", &g, err, sizeof(err)), 0);
    /* several nodes sharing a time-based lock: once per interval; otherwise most often */
    tune_goal_default(&g, 3, guard_lookup("lease"));
    assert_int_equal(g.kind, TUNE_ONCE_PER_INTERVAL);
    assert_non_null(strstr(g.why, "3 nodes"));
    tune_goal_default(&g, 3, guard_lookup("advisory"));
    assert_int_equal(g.kind, TUNE_MOST_OFTEN);
    tune_goal_default(&g, 1, guard_lookup("shedlock"));
    assert_int_equal(g.kind, TUNE_MOST_OFTEN);
}

/* Two variants: a setting is only as good as its worst one; margins and the nearest miss. */
static void test_tune_every_variant_worst_case(void **state)
{
    (void)state;
    struct sweep sw[2];
    struct sweep_agg *agg[2];
    struct tune t[2];
    const char *vary[] = {"schedule.interval=15s..60s/15s"};
    run_tune_variant("atomic", 0, vary, 1, &sw[0], &agg[0], &t[0]); /* spawn */
    run_tune_variant("atomic", 2, vary, 1, &sw[1], &agg[1], &t[1]); /* inline-manual */
    struct tune_multi tm;
    memset(&tm, 0, sizeof(tm));
    tm.nv = 2;
    tm.tolerance = 0.05;
    tune_goal_parse("most-often", &tm.goal, (char[100]){0}, 100);
    for (int v = 0; v < 2; v++) {
        tm.t[v] = &t[v];
        tm.agg[v] = agg[v];
        tm.vname[v] = v ? "inline-manual" : "spawn";
        tm.judged[v] = true;
    }
    assert_int_equal(tune_multi_decide(&tm), 0);
    for (size_t p = 0; p < sw[0].npoints; p++) {
        /* acceptable only where both variants are */
        assert_int_equal(tm.ok[p], t[0].pt[p].feasible && t[1].pt[p].feasible);
        /* the worst variant's runs per hour */
        double a = sweep_agg_mean(&agg[0][p], t[0].m_rph),
               b = sweep_agg_mean(&agg[1][p], t[1].m_rph);
        assert_true(tm.rph[p] == (a < b ? a : b));
    }
    assert_true(tm.recommended >= 0);
    assert_true(tm.ok[tm.recommended]);
    /* 15s starves: the margin below the recommendation ends at a rejected setting */
    assert_false(tm.ok[0]);
    double lo, hi;
    tune_multi_margin(&tm, 0, &lo, &hi);
    int at = sweep_point_value(&sw[0], (size_t)tm.recommended, 0);
    assert_false(isnan(lo));
    assert_true(lo > 0 && lo <= sw[0].k[0].num[at] - 15.0);
    char lines[16][TUNE_LINE_LEN];
    int n = tune_multi_explain(&tm, lines, 16);
    assert_true(n >= 3);
    assert_non_null(strstr(lines[0], "spawn, inline-manual"));
    bool margin = false;
    for (int i = 0; i < n; i++)
        margin |= strstr(lines[i], "margin on schedule.interval") != NULL;
    assert_true(margin);

    /* a cadence no setting reaches: no recommendation, the nearest miss named with its miss */
    tune_multi_release(&tm);
    tune_goal_parse("cadence=10m", &tm.goal, (char[100]){0}, 100);
    assert_int_equal(tune_multi_decide(&tm), 0);
    assert_int_equal(tm.recommended, -1);
    assert_true(tm.nearest >= 0);
    n = tune_multi_explain(&tm, lines, 16);
    assert_non_null(strstr(lines[0], "no setting"));
    assert_non_null(strstr(lines[1], "nearest miss"));
    assert_non_null(strstr(lines[1], "from the cadence 10m"));
    tune_multi_release(&tm);
    for (int v = 0; v < 2; v++) {
        tune_release(&t[v]);
        free(agg[v]);
        sweep_close(&sw[v]);
    }
}

static void test_tune_drop_floor(void **state)
{
    (void)state;
    struct sweep sw;
    struct sweep_agg *agg;
    struct tune t;
    const char *vary[] = {"schedule.interval=30s..45s/15s"};
    run_tune("atomic", vary, 1, &sw, &agg, &t);
    int before = t.nc;
    double floor;
    char text[200];
    /* the scenario's runs_per_period >= 0.7 is a floor the goal replaces */
    assert_int_equal(tune_drop_metric(&t, "runs_per_period", true, &floor, text, sizeof(text)), 1);
    assert_true(floor == 0.7);
    assert_non_null(strstr(text, "runs_per_period >= 0.7"));
    assert_int_equal(t.nc, before - 1);
    assert_int_equal(tune_drop_metric(&t, "runs_per_period", true, &floor, text, sizeof(text)), 0);
    assert_true(isnan(floor));
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
        cmocka_unit_test(test_tune_goal_parse_and_default),
        cmocka_unit_test(test_tune_every_variant_worst_case),
        cmocka_unit_test(test_tune_drop_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
