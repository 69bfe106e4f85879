/* Durations: parsing is strict, formatting is exact and reads back. */
#include "helpers.h"

#include "../sim/base/time.h"

static void test_time_parse_units(void **state)
{
    (void)state;
    sim_time t;
    assert_int_equal(time_parse_duration("250ms", &t), 0);
    assert_true(t == 250 * SIM_MS);
    assert_int_equal(time_parse_duration("30s", &t), 0);
    assert_true(t == 30 * SIM_S);
    assert_int_equal(time_parse_duration("5m", &t), 0);
    assert_true(t == 5 * SIM_MIN);
    assert_int_equal(time_parse_duration("1h30m", &t), 0);
    assert_true(t == 90 * SIM_MIN);
    assert_int_equal(time_parse_duration("7d", &t), 0);
    assert_true(t == 7 * SIM_DAY);
    assert_int_equal(time_parse_duration("1.5s", &t), 0);
    assert_true(t == 1500 * SIM_MS);
    assert_int_equal(time_parse_duration("10us", &t), 0);
    assert_true(t == 10 * SIM_US);
    assert_int_equal(time_parse_duration("0", &t), 0);
    assert_true(t == 0);
}

static void test_time_parse_rejects(void **state)
{
    (void)state;
    sim_time t;
    const char *bad[] = {
        "", "30", "s", "5x", "-3s", "1..2s", "1.s5", "3 s", "1h30", "ms", "99999999999999d", ".s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(time_parse_duration(bad[i], &t), 0);
    assert_int_equal(time_parse_signed("-3s", &t), 0);
    assert_true(t == -3 * SIM_S);
}

static void test_time_format_round_trip(void **state)
{
    (void)state;
    sim_time cases[] = {0,
                        1,
                        999,
                        SIM_US,
                        1500 * SIM_US,
                        250 * SIM_MS,
                        30 * SIM_S,
                        90 * SIM_MIN + 1,
                        7 * SIM_DAY + 3 * SIM_S + 5,
                        63887123456LL,
                        -5 * SIM_S};
    char buf[TIME_FMT_LEN];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sim_time back;
        time_format(cases[i], buf);
        assert_int_equal(time_parse_signed(buf, &back), 0);
        assert_true(back == cases[i]);
    }
    assert_string_equal(time_format(90 * SIM_MIN, buf), "1h30m");
    assert_string_equal(time_format(8052080 * SIM_MS, buf), "2h14m12.08s");
    assert_string_equal(time_format_clock(3 * SIM_DAY + 3723 * SIM_S + 5 * SIM_MS, buf),
                        "3d 01:02:03.005");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_units),
        cmocka_unit_test(test_time_parse_rejects),
        cmocka_unit_test(test_time_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
