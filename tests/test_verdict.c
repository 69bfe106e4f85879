/* Case runs: expectations over seeds, violating seeds, replay commands, determinism re-checks. */
#include "helpers.h"

#include "../sim/analyses/case.h"

static const char text[] = "[scenario]\nduration = 1h\nseeds = 1..5\n"
                           "[schedule]\ninterval = 10s\ndispatch = spawn\n"
                           "[job]\napi = uniform(5s,15s)\n"
                           "[expect]\nmax_concurrency = 1\n"
                           "[expect none]\nsome.max_concurrency >= 2\nruns >= 359\n";

static void test_verdict_every_and_some(void **state)
{
    (void)state;
    struct scenario *sc = helper_parse(text, NULL, 0);
    assert_non_null(sc);
    static struct case_result r;
    char err[600], buf[1024];
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){1, 5}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_true(r.pass); /* overlaps on some seed, 359 ticks an hour (10 s .. 59m50s), all run */
    assert_int_equal(r.verdict, VERDICT_XFAIL); /* unsafe, as [expect none] says it must be */
    assert_int_equal(r.nseeds, 5);
    assert_int_equal(r.violating_seeds, 5);
    assert_int_equal(r.first_violating_seed, 1);
    assert_int_equal(r.rechecked, 3); /* failing seeds re-run for determinism */
    assert_int_equal(case_run(sc, -1, guard_lookup("atomic"), (struct seed_range){2, 4}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_true(r.pass);
    assert_int_equal(r.verdict, VERDICT_PASS);
    assert_int_equal(r.violating_seeds, 0);
    assert_int_equal(r.rechecked, 0);
    /* expectations that cannot hold */
    struct scenario *sc2 = helper_parse("[scenario]\nduration = 1h\n[schedule]\ninterval = 10s\n"
                                        "dispatch = spawn\n[job]\napi = 15s\n[expect]\n"
                                        "max_concurrency = 1\nruns >= 1000\n",
                                        NULL, 0);
    assert_non_null(sc2);
    assert_int_equal(case_run(sc2, -1, guard_lookup("none"), (struct seed_range){7, 8}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_false(r.pass);
    verdict_failures(&r, buf, sizeof(buf));
    assert_non_null(strstr(buf, "max_concurrency = 1 failed on seed 7 (was 2)"));
    assert_non_null(strstr(buf, "runs >= 1000 failed on seed 7 (was 359)"));
    case_replay(sc2, &r, 8, buf, sizeof(buf));
    assert_non_null(strstr(buf, "--guard none --seed 8"));
    scenario_free(sc2);
    scenario_free(sc);
}

/* Safety from the invariants alone; the verdict from the expectations (issue 12). */
static void test_verdict_safety_xfail_and_fail(void **state)
{
    (void)state;
    static const char first[] = "[scenario]\nduration = 1h\n[schedule]\ninterval = 30s\n"
                                "dispatch = spawn\n[job]\napi = 45s\n";
    static struct case_result r;
    char err[600], buf[1024], ini[512];
    struct scenario *sc = helper_parse(first, NULL, 0);
    assert_non_null(sc);
    /* no [expect] at all: the invariant is expected, an UNSAFE case FAILs */
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){1, 3}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_false(r.safe);
    assert_int_equal(r.unsafe_seeds, 3);
    assert_int_equal(r.first_unsafe_seed, 1);
    assert_string_equal(r.first_unsafe, "2 runs at once (limit 1)");
    assert_int_equal(r.verdict, VERDICT_FAIL);
    assert_false(r.pass);
    assert_non_null(strstr(verdict_failures(&r, buf, sizeof(buf)),
                           "UNSAFE (max_concurrency) and no expectation allows it"));
    assert_string_equal(verdict_safety(&r, buf, sizeof(buf)), "UNSAFE 3/3");
    assert_int_equal(case_replay_seed(&r), 1);
    /* a guard that keeps the invariant passes */
    assert_int_equal(case_run(sc, -1, guard_lookup("atomic"), (struct seed_range){1, 3}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_true(r.safe);
    assert_int_equal(r.verdict, VERDICT_PASS);
    assert_string_equal(verdict_safety(&r, buf, sizeof(buf)), "SAFE");
    scenario_free(sc);

    /* the scenario says none must break: xfail, which passes; stale writes come with it */
    snprintf(ini, sizeof(ini), "%s[expect none]\nsome.max_concurrency >= 2\n", first);
    sc = helper_parse(ini, NULL, 0);
    assert_non_null(sc);
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){1, 3}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_false(r.safe);
    assert_int_equal(r.verdict, VERDICT_XFAIL);
    assert_true(r.pass);
    assert_string_equal(verdict_name(r.verdict), "xfail");
    assert_string_equal(verdict_failures(&r, buf, sizeof(buf)), "");
    scenario_free(sc);

    /* ... unless a stale_writes line says otherwise */
    snprintf(ini, sizeof(ini),
             "%s[job]\napi = uniform(5s,80s)\n[expect none]\nsome.max_concurrency >= 2\n"
             "stale_writes = 0\n",
             first);
    sc = helper_parse(ini, NULL, 0);
    assert_non_null(sc);
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){1, 2}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_true(r.agg.stale_writes > 0);
    assert_int_equal(r.verdict, VERDICT_FAIL);
    assert_non_null(
        strstr(verdict_failures(&r, buf, sizeof(buf)), "stale_writes = 0 failed on seed 1"));
    scenario_free(sc);
}

/* One seed cannot decide a some. line; over more, a miss says how many seeds were looked at. */
static void test_verdict_some_lines_need_seeds(void **state)
{
    (void)state;
    static struct case_result r;
    char err[600], buf[1024];
    struct scenario *sc = helper_parse("[scenario]\nduration = 1h\n[schedule]\ninterval = 30s\n"
                                       "dispatch = spawn\n[job]\napi = 5s\n[expect]\n"
                                       "some.max_concurrency >= 2\nruns >= 1\n",
                                       NULL, 0);
    assert_non_null(sc);
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){4, 4}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_int_equal(r.verdict, VERDICT_PASS);
    assert_true(r.st[0].unjudged);
    assert_string_equal(verdict_unjudged(&r, buf, sizeof(buf)), "some.max_concurrency >= 2");
    assert_int_equal(case_run(sc, -1, guard_lookup("none"), (struct seed_range){4, 5}, NULL, NULL,
                              NULL, &r, err, sizeof(err)),
                     0);
    assert_int_equal(r.verdict, VERDICT_FAIL);
    assert_string_equal(verdict_unjudged(&r, buf, sizeof(buf)), "");
    assert_string_equal(verdict_failures(&r, buf, sizeof(buf)),
                        "some.max_concurrency >= 2 held on none of 2 seeds");
    scenario_free(sc);
}

static void test_verdict_same_run_detects_differences(void **state)
{
    (void)state;
    static struct metrics a, b;
    metrics_init(&a);
    metrics_init(&b);
    a.runs = b.runs = 10;
    assert_true(verdict_same_run(&a, 1, &b, 1));
    assert_false(verdict_same_run(&a, 1, &b, 2)); /* trace differs */
    b.runs = 11;
    assert_false(verdict_same_run(&a, 1, &b, 1)); /* counters differ */
    b.runs = 10;
    b.events = 1;
    assert_false(verdict_same_run(&a, 1, &b, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_every_and_some),
        cmocka_unit_test(test_verdict_safety_xfail_and_fail),
        cmocka_unit_test(test_verdict_some_lines_need_seeds),
        cmocka_unit_test(test_verdict_same_run_detects_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
