/* The explorer: finds the flag's race, proves the one-step guards within the bound. */
#include "helpers.h"

#include "../sim/analyses/explore.h"

static struct explore_result res;

static void explore(const char *path, const char *guard, int bound)
{
    struct scenario *sc;
    char err[600];
    static struct model m;
    assert_int_equal(scenario_load(path, &sc, err, sizeof(err)), 0);
    assert_int_equal(scenario_model(sc, -1, &m, err, sizeof(err)), 0);
    m.cfg.guard = m.node[0].cfg.guard = guard_lookup(guard);
    struct explore_opts o = {.strategy = EXPLORE_DFS, .bound = bound, .budget = 1000, .seed = 1};
    assert_int_equal(explore_run(&m, &o, &res), 0);
    scenario_free(sc);
}

static void test_explore_finds_the_flag_race(void **state)
{
    (void)state;
    explore("scenarios/explore/two-starters.ini", "flag", 2);
    assert_true(res.found);
    assert_int_equal(res.m.max_concurrency, 2);
    assert_true(res.schedules >= 1);
}

static void test_explore_one_step_guards_hold(void **state)
{
    (void)state;
    const char *guards[] = {"atomic", "mutex", "semaphore"};
    for (int i = 0; i < 3; i++) {
        explore("scenarios/explore/two-starters.ini", guards[i], 2);
        assert_false(res.found);
        assert_true(res.exhausted);
        /* the tick and the manual run are due together: both orders tried */
        assert_int_equal(res.schedules, 2);
        assert_int_equal(res.max_ties, 2);
    }
}

static void test_explore_bound_zero_is_insertion_order(void **state)
{
    (void)state;
    explore("scenarios/explore/two-starters.ini", "atomic", 0);
    assert_true(res.exhausted);
    assert_int_equal(res.schedules, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explore_finds_the_flag_race),
        cmocka_unit_test(test_explore_one_step_guards_hold),
        cmocka_unit_test(test_explore_bound_zero_is_insertion_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
