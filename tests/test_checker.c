/* Online checkers on hand-built event sequences. */
#include "helpers.h"

#include "../sim/check/checker.h"

static struct metrics m;
static struct checker c;

static void start(sim_time s, uint64_t run)
{
    checker_start(&c, s * SIM_S, run, 0, s * SIM_S);
}
static void end(sim_time s, uint64_t run, sim_time began)
{
    checker_end(&c, s * SIM_S, run, began * SIM_S);
}

static void test_checker_overlap_windows(void **state)
{
    (void)state;
    metrics_init(&m);
    assert_int_equal(checker_init(&c, &m, 30 * SIM_S, 1), 0);
    start(0, 1);
    start(5, 2);   /* window opens: run 1 going, run 2 joins */
    end(10, 1, 0); /* back to one: closes */
    start(12, 3);  /* second window */
    start(13, 4);  /* three at once */
    end(20, 2, 5);
    end(21, 3, 12); /* closes at 21 */
    end(40, 4, 13);
    checker_finish(&c, 100 * SIM_S);
    assert_int_equal(m.runs, 4);
    assert_int_equal(m.max_concurrency, 3);
    assert_int_equal(m.overlaps, 2);
    assert_true(m.overlap_time == (5 + 9) * SIM_S);
    assert_int_equal(m.nwindows, 2);
    assert_true(m.window[0].start == 5 * SIM_S && m.window[0].end == 10 * SIM_S);
    assert_true(m.window[0].run_a == 1 && m.window[0].run_b == 2);
    assert_true(m.window[1].start == 12 * SIM_S && m.window[1].end == 21 * SIM_S);
    assert_true(m.window[1].run_a == 2 && m.window[1].run_b == 3);
    /* starts 0, 5, 12, 13 then the end at 100: longest gap 13 -> 100 */
    assert_true(m.longest_gap == 87 * SIM_S && m.longest_gap_at == 13 * SIM_S);
    assert_int_equal(m.long_cycles, 0);
    assert_true(m.cycle.max == 27 * SIM_S);
    checker_release(&c);
}

static void test_checker_limit_two_and_unfinished(void **state)
{
    (void)state;
    metrics_init(&m);
    assert_int_equal(checker_init(&c, &m, 10 * SIM_S, 2), 0);
    start(0, 1);
    start(1, 2); /* two allowed: no overlap */
    start(2, 3); /* three: overlap */
    end(3, 3, 2);
    checker_trigger(&c, 1);
    checker_skip(&c);
    checker_finish(&c, 50 * SIM_S);
    assert_int_equal(m.overlaps, 1);
    assert_true(m.overlap_time == SIM_S);
    assert_int_equal(m.unfinished, 2);
    assert_int_equal(m.manual, 1);
    assert_int_equal(m.skipped, 1);
    checker_release(&c);
}

static void test_checker_open_window_closed_at_end(void **state)
{
    (void)state;
    metrics_init(&m);
    assert_int_equal(checker_init(&c, &m, 10 * SIM_S, 1), 0);
    start(0, 1);
    start(30, 2);
    checker_finish(&c, 100 * SIM_S);
    assert_int_equal(m.overlaps, 1);
    assert_true(m.window[0].end == 100 * SIM_S);
    assert_true(m.overlap_time == 70 * SIM_S);
    checker_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_overlap_windows),
        cmocka_unit_test(test_checker_limit_two_and_unfinished),
        cmocka_unit_test(test_checker_open_window_closed_at_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
