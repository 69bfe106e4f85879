/* Clock arithmetic: offset, drift, steps, and the calendar cron reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "../sim/base/node_clock.h"

static void test_node_clock_offset(void **state)
{
    (void)state;
    struct node_clock c;
    node_clock_init(&c, -6 * SIM_MIN, 0);
    assert_int_equal(node_clock_local(&c, 0), -6 * SIM_MIN);
    assert_int_equal(node_clock_local(&c, SIM_HOUR), 54 * SIM_MIN);
}

static void test_node_clock_drift(void **state)
{
    (void)state;
    struct node_clock c;
    node_clock_init(&c, 0, 50); /* 50 ppm: 50 us per s, 4.32 s per day */
    assert_int_equal(node_clock_local(&c, SIM_S), SIM_S + 50 * SIM_US);
    assert_int_equal(node_clock_local(&c, SIM_DAY), SIM_DAY + 4320 * SIM_MS);
    node_clock_init(&c, 2 * SIM_S, -12.5); /* losing 12.5 us per s, fractional ppm */
    assert_int_equal(node_clock_local(&c, 1000 * SIM_S), 1000 * SIM_S + 2 * SIM_S - 12500 * SIM_US);
    /* negative true times (never used, but floor arithmetic must hold) */
    node_clock_init(&c, 0, 1);
    assert_int_equal(node_clock_local(&c, -SIM_S), -SIM_S - SIM_US);
}

static void test_node_clock_steps(void **state)
{
    (void)state;
    struct node_clock c;
    node_clock_init(&c, 10 * SIM_S, 0);
    assert_int_equal(node_clock_step(&c, SIM_HOUR, -5 * SIM_MIN), 0);
    assert_int_equal(node_clock_step(&c, 2 * SIM_HOUR, 90 * SIM_S), 0);
    /* before, at, between and after the steps */
    assert_int_equal(node_clock_local(&c, SIM_HOUR - 1), SIM_HOUR - 1 + 10 * SIM_S);
    assert_int_equal(node_clock_local(&c, SIM_HOUR), SIM_HOUR + 10 * SIM_S - 5 * SIM_MIN);
    assert_int_equal(node_clock_local(&c, 90 * SIM_MIN), 90 * SIM_MIN + 10 * SIM_S - 5 * SIM_MIN);
    assert_int_equal(node_clock_local(&c, 3 * SIM_HOUR),
                     3 * SIM_HOUR + 10 * SIM_S - 5 * SIM_MIN + 90 * SIM_S);
    /* steps come in time order */
    assert_int_equal(node_clock_step(&c, SIM_MIN, SIM_S), -EINVAL);
}

static void test_node_clock_step_and_drift(void **state)
{
    (void)state;
    struct node_clock c;
    node_clock_init(&c, 0, 100);
    node_clock_step(&c, SIM_DAY, -SIM_MIN);
    /* drift keeps accumulating from time 0 across the step */
    assert_int_equal(node_clock_local(&c, 2 * SIM_DAY), 2 * SIM_DAY + 2 * 8640 * SIM_MS - SIM_MIN);
}

static void test_node_clock_many_steps_fold(void **state)
{
    (void)state;
    struct node_clock c;
    node_clock_init(&c, 0, 0);
    for (int i = 1; i <= NODE_CLOCK_MAX_STEPS + 5; i++)
        assert_int_equal(node_clock_step(&c, i * SIM_S, SIM_MS), 0);
    assert_int_equal(node_clock_local(&c, SIM_HOUR),
                     SIM_HOUR + (NODE_CLOCK_MAX_STEPS + 5) * SIM_MS);
}

/* The true time a reading is reached, and the clock as a trace detail. */
static void test_node_clock_true_and_describe(void **state)
{
    (void)state;
    struct node_clock c;
    char buf[NODE_CLOCK_DESC_LEN];
    node_clock_init(&c, -(44 * SIM_S + 500 * SIM_MS), 50);
    for (sim_time t = 0; t <= SIM_DAY; t += 7 * SIM_HOUR + 13)
        assert_int_equal(node_clock_true(&c, node_clock_local(&c, t)), t);
    assert_string_equal(node_clock_describe(&c, 0, buf), "offset=-44.5s drift=+50ppm");
    /* a day later the drift has added 4.32 s */
    assert_string_equal(node_clock_describe(&c, SIM_DAY, buf), "offset=-40.18s drift=+50ppm");
    node_clock_init(&c, 5 * SIM_MIN + 30 * SIM_S, 0);
    assert_string_equal(node_clock_describe(&c, SIM_HOUR, buf), "offset=+5m30s");
    node_clock_init(&c, 0, -12.5);
    assert_string_equal(node_clock_describe(&c, 0, buf), "offset=+0s drift=-12.5ppm");
    /* after a step, readings map back to their true times again */
    node_clock_init(&c, 0, 0);
    assert_int_equal(node_clock_step(&c, SIM_HOUR, -2 * SIM_MIN), 0);
    assert_int_equal(node_clock_true(&c, 3 * SIM_HOUR), 3 * SIM_HOUR + 2 * SIM_MIN);
    assert_string_equal(node_clock_describe(&c, 2 * SIM_HOUR, buf), "offset=-2m");
}

static void test_node_clock_civil(void **state)
{
    (void)state;
    struct civil c;
    node_clock_civil(0, &c); /* Monday 2024-01-01 00:00:00 */
    assert_int_equal(c.year, 2024);
    assert_int_equal(c.month, 0);
    assert_int_equal(c.mday, 1);
    assert_int_equal(c.wday, 1);
    assert_int_equal(c.hour, 0);
    node_clock_civil(59 * SIM_DAY + 13 * SIM_HOUR + 7 * SIM_MIN + 5 * SIM_S, &c);
    assert_int_equal(c.month, 1); /* 2024 is a leap year: day 59 is Feb 29 */
    assert_int_equal(c.mday, 29);
    assert_int_equal(c.wday, 4); /* a Thursday */
    assert_int_equal(c.hour, 13);
    assert_int_equal(c.minute, 7);
    assert_int_equal(c.second, 5);
    node_clock_civil(-1, &c); /* a clock behind: Sunday 2023-12-31 23:59:59 */
    assert_int_equal(c.year, 2023);
    assert_int_equal(c.mday, 31);
    assert_int_equal(c.wday, 0);
    assert_int_equal(c.second, 59);
    assert_int_equal(node_clock_minute(-1), -1);
    assert_int_equal(node_clock_minute(SIM_MIN), 1);
    assert_int_equal(node_clock_minute(SIM_MIN - 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_clock_offset),
        cmocka_unit_test(test_node_clock_drift),
        cmocka_unit_test(test_node_clock_steps),
        cmocka_unit_test(test_node_clock_step_and_drift),
        cmocka_unit_test(test_node_clock_many_steps_fold),
        cmocka_unit_test(test_node_clock_true_and_describe),
        cmocka_unit_test(test_node_clock_civil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
