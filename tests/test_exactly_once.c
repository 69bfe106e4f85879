/*
 * Unit tests of the exactly-once checker on hand-built sequences of arrivals
 * and writes: duplicate, loss, late and lag accounting, idempotent sinks, and
 * the memory bound (the window follows the items in flight).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim/check/exactly_once.h"
#include "../sim/base/mem.h"

static struct hist lag;

static void start(struct exactly_once *c, sim_time allowance, bool idempotent)
{
    hist_init(&lag);
    assert_int_equal(exactly_once_init(c, allowance, idempotent, &lag), 0);
}

static void test_exactly_once_clean_sequence(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, false);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(exactly_once_arrive(&c, i * SIM_S), i);
    for (uint64_t id = 1; id <= 5; id++)
        assert_int_equal(exactly_once_deliver(&c, id, 6 * SIM_S, 1, NULL), EXACTLY_ONCE_FIRST);
    exactly_once_finish(&c, 20 * SIM_S);
    assert_int_equal(c.arrived, 5);
    assert_int_equal(c.writes, 5);
    assert_int_equal(c.delivered, 5);
    assert_int_equal(c.duplicates, 0);
    assert_int_equal(c.lost, 0);
    assert_int_equal(c.pending, 0);
    /* lags 5, 4, 3, 2, 1 s */
    assert_int_equal(lag.count, 5);
    assert_int_equal(lag.min, SIM_S);
    assert_int_equal(lag.max, 5 * SIM_S);
    exactly_once_release(&c);
}

static void test_exactly_once_duplicate_names_both_runs(void **state)
{
    (void)state;
    struct exactly_once c;
    uint64_t first;
    start(&c, 10 * SIM_S, false);
    for (int i = 1; i <= 4; i++)
        exactly_once_arrive(&c, i * SIM_S);
    /* run 7 writes 1..3, an overlapping run 8 writes 1..4 */
    for (uint64_t id = 1; id <= 3; id++)
        assert_int_equal(exactly_once_deliver(&c, id, 5 * SIM_S, 7, &first), EXACTLY_ONCE_FIRST);
    for (uint64_t id = 1; id <= 3; id++) {
        assert_int_equal(exactly_once_deliver(&c, id, 6 * SIM_S, 8, &first),
                         EXACTLY_ONCE_DUPLICATE);
        assert_int_equal(first, 7);
    }
    assert_int_equal(exactly_once_deliver(&c, 4, 6 * SIM_S, 8, &first), EXACTLY_ONCE_FIRST);
    assert_int_equal(first, 8);
    exactly_once_finish(&c, 30 * SIM_S);
    assert_int_equal(c.duplicates, 3);
    assert_int_equal(c.writes, 7);
    assert_int_equal(c.delivered, 4);
    assert_int_equal(c.lost, 0);
    /* only first deliveries count for lag */
    assert_int_equal(lag.count, 4);
    exactly_once_release(&c);
}

static void test_exactly_once_idempotent_absorbs_repeats(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, true);
    exactly_once_arrive(&c, SIM_S);
    exactly_once_arrive(&c, 2 * SIM_S);
    assert_int_equal(exactly_once_deliver(&c, 1, 3 * SIM_S, 1, NULL), EXACTLY_ONCE_FIRST);
    assert_int_equal(exactly_once_deliver(&c, 1, 4 * SIM_S, 2, NULL), EXACTLY_ONCE_REDELIVERED);
    assert_int_equal(exactly_once_deliver(&c, 2, 4 * SIM_S, 2, NULL), EXACTLY_ONCE_FIRST);
    exactly_once_finish(&c, 30 * SIM_S);
    assert_int_equal(c.duplicates, 0);
    assert_int_equal(c.redelivered, 1);
    assert_int_equal(c.delivered, 2);
    exactly_once_release(&c);
}

static void test_exactly_once_loss_respects_allowance(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, false);
    exactly_once_arrive(&c, 1 * SIM_S); /* 1: never delivered, old at the end: lost */
    exactly_once_arrive(&c, 2 * SIM_S); /* 2: delivered */
    exactly_once_arrive(&c,
                        95 * SIM_S); /* 3: never delivered, younger than the allowance: pending */
    exactly_once_deliver(&c, 2, 3 * SIM_S, 1, NULL);
    exactly_once_finish(&c, 100 * SIM_S);
    assert_int_equal(c.lost, 1);
    assert_int_equal(c.pending, 1);
    assert_int_equal(c.delivered, 1);
    exactly_once_release(&c);
}

static void test_exactly_once_late_delivery_is_not_lost(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, false);
    exactly_once_arrive(&c, 1 * SIM_S); /* 1 */
    exactly_once_arrive(&c, 2 * SIM_S); /* 2 */
    exactly_once_arrive(&c, 3 * SIM_S); /* 3 */
    /* 1..3 expire by the time item 4 arrives: declared lost, out of the window */
    exactly_once_arrive(&c, 60 * SIM_S);
    exactly_once_settle(&c, 60 * SIM_S);
    assert_int_equal(c.lost, 3);
    assert_int_equal(c.base, 4);
    /* 2 turns up late (a split of the lost run 1..3), then a copy of it */
    assert_int_equal(exactly_once_deliver(&c, 2, 61 * SIM_S, 5, NULL), EXACTLY_ONCE_LATE);
    assert_int_equal(exactly_once_deliver(&c, 2, 62 * SIM_S, 6, NULL), EXACTLY_ONCE_DUPLICATE);
    assert_int_equal(exactly_once_deliver(&c, 1, 62 * SIM_S, 6, NULL), EXACTLY_ONCE_LATE);
    assert_int_equal(exactly_once_deliver(&c, 3, 62 * SIM_S, 6, NULL), EXACTLY_ONCE_LATE);
    assert_int_equal(exactly_once_deliver(&c, 3, 63 * SIM_S, 7, NULL), EXACTLY_ONCE_DUPLICATE);
    assert_int_equal(exactly_once_deliver(&c, 4, 63 * SIM_S, 7, NULL), EXACTLY_ONCE_FIRST);
    exactly_once_finish(&c, 100 * SIM_S);
    assert_int_equal(c.lost, 0);
    assert_int_equal(c.late, 3);
    assert_int_equal(c.duplicates, 2);
    assert_int_equal(c.delivered, 4);
    assert_int_equal(c.nlost, 0);
    exactly_once_release(&c);
}

/* Delivered past the allowance before anyone settled the window: late, with its lag. */
static void test_exactly_once_late_within_window(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, false);
    exactly_once_arrive(&c, 0);
    assert_int_equal(exactly_once_deliver(&c, 1, 30 * SIM_S, 1, NULL), EXACTLY_ONCE_FIRST);
    exactly_once_finish(&c, 100 * SIM_S);
    assert_int_equal(c.late, 1);
    assert_int_equal(c.lost, 0);
    assert_int_equal(lag.max, 30 * SIM_S);
    exactly_once_release(&c);
}

/* A range write counts exactly what item-by-item writes would. */
static void test_exactly_once_range_matches_items(void **state)
{
    (void)state;
    struct exactly_once a, b;
    struct hist lag_b;
    start(&a, 10 * SIM_S, false);
    hist_init(&lag_b);
    assert_int_equal(exactly_once_init(&b, 10 * SIM_S, false, &lag_b), 0);
    for (int i = 0; i < 200; i++) {
        exactly_once_arrive(&a, i * SIM_S / 10);
        exactly_once_arrive(&b, i * SIM_S / 10);
    }
    exactly_once_settle(&a, 15 * SIM_S); /* 1..50 lost, out of the window */
    exactly_once_settle(&b, 15 * SIM_S);
    static const uint64_t ranges[][3] = {{40, 120, 1}, {100, 150, 2}, {30, 60, 3}, {150, 220, 4}};
    for (int r = 0; r < 4; r++) {
        struct exactly_once_batch bt;
        exactly_once_deliver_range(&a, ranges[r][0], ranges[r][1], 16 * SIM_S, ranges[r][2], &bt);
        uint64_t first = 0, repeats = 0;
        for (uint64_t id = ranges[r][0]; id <= ranges[r][1]; id++) {
            enum exactly_once_outcome o =
                exactly_once_deliver(&b, id, 16 * SIM_S, ranges[r][2], NULL);
            first += o == EXACTLY_ONCE_FIRST || o == EXACTLY_ONCE_LATE;
            repeats += o == EXACTLY_ONCE_DUPLICATE || o == EXACTLY_ONCE_REDELIVERED;
        }
        assert_int_equal(bt.first, first);
        assert_int_equal(bt.repeats, repeats);
    }
    assert_int_equal(a.writes, b.writes);
    assert_int_equal(a.delivered, b.delivered);
    assert_int_equal(a.duplicates, b.duplicates);
    assert_int_equal(a.late, b.late);
    assert_int_equal(a.lost, b.lost);
    assert_int_equal(lag.count, lag_b.count);
    assert_int_equal(lag.max, lag_b.max);
    exactly_once_release(&a);
    exactly_once_release(&b);
}

static void test_exactly_once_unknown_id(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, SIM_S, false);
    exactly_once_arrive(&c, 0);
    assert_int_equal(exactly_once_deliver(&c, 0, 1, 1, NULL), EXACTLY_ONCE_UNKNOWN);
    assert_int_equal(exactly_once_deliver(&c, 2, 1, 1, NULL), EXACTLY_ONCE_UNKNOWN);
    assert_int_equal(c.writes, 0);
    exactly_once_release(&c);
}

static void test_exactly_once_lag_quantiles(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, SIM_HOUR, false);
    /* 100 items: 99 delivered after 1 s, one after 60 s */
    for (int i = 0; i < 100; i++)
        exactly_once_arrive(&c, i * SIM_S);
    for (uint64_t id = 1; id <= 100; id++)
        exactly_once_deliver(&c, id, (sim_time)(id - 1) * SIM_S + (id == 50 ? 60 : 1) * SIM_S, 1,
                             NULL);
    assert_int_equal(lag.count, 100);
    sim_time p50 = hist_quantile(&lag, 0.5);
    assert_true(p50 > SIM_S * 97 / 100 && p50 < SIM_S * 103 / 100);
    assert_int_equal(lag.max, 60 * SIM_S);
    exactly_once_release(&c);
}

/* A long steady stream keeps a small window whatever its length. */
static void test_exactly_once_memory_follows_items_in_flight(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, 10 * SIM_S, false);
    uint64_t widest = 0, cap = 0;
    for (int i = 0; i < 1000000; i++) {
        sim_time t = (sim_time)i * 10 * SIM_MS; /* 100 items/s */
        uint64_t id = exactly_once_arrive(&c, t);
        /* delivered half a second later, except every thousandth: lost */
        if (id > 50 && (id - 50) % 1000 != 77)
            exactly_once_deliver(&c, id - 50, t, 1, NULL);
        if (exactly_once_window(&c) > widest)
            widest = exactly_once_window(&c);
        if (c.mask + 1 > cap)
            cap = c.mask + 1;
    }
    assert_true(widest <= 10 * 100 + 60); /* the allowance's worth of items */
    assert_true(cap <= 2048);
    exactly_once_finish(&c, 10001 * SIM_S);
    assert_int_equal(c.lost + c.delivered + c.pending, c.arrived);
    assert_int_equal(c.lost, 1000);
    assert_int_equal(c.duplicates, 0);
    exactly_once_release(&c);
}

/* Many separate lost runs: the oldest are forgotten, the counts stay right. */
static void test_exactly_once_lost_ranges_are_bounded(void **state)
{
    (void)state;
    struct exactly_once c;
    start(&c, SIM_S, false);
    for (int i = 0; i < 1000; i++) {
        uint64_t id = exactly_once_arrive(&c, i * 10 * SIM_S);
        if (id % 2 == 0)
            exactly_once_deliver(&c, id, i * 10 * SIM_S, 1, NULL);
    }
    exactly_once_finish(&c, 100000 * SIM_S);
    assert_int_equal(c.lost, 500);
    assert_int_equal(c.nlost, EXACTLY_ONCE_LOST_RANGES);
    /* a late delivery of a remembered lost ID is late, of a forgotten one a duplicate */
    assert_int_equal(exactly_once_deliver(&c, 999, 100000 * SIM_S, 2, NULL), EXACTLY_ONCE_LATE);
    assert_int_equal(exactly_once_deliver(&c, 1, 100000 * SIM_S, 2, NULL), EXACTLY_ONCE_DUPLICATE);
    assert_int_equal(c.lost, 499);
    exactly_once_release(&c);
}

static void test_exactly_once_out_of_memory(void **state)
{
    (void)state;
    struct exactly_once c;
    mem_fail_after(0);
    assert_int_equal(exactly_once_init(&c, SIM_S, false, NULL), -ENOMEM);
    mem_fail_after(1);
    assert_int_equal(exactly_once_init(&c, SIM_HOUR, false, NULL), 0);
    uint64_t id = 1;
    for (int i = 0; i < 100 && id; i++)
        id = exactly_once_arrive(&c, i);
    assert_int_equal(id, 0); /* the ring could not grow */
    mem_fail_after(-1);
    exactly_once_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exactly_once_clean_sequence),
        cmocka_unit_test(test_exactly_once_duplicate_names_both_runs),
        cmocka_unit_test(test_exactly_once_idempotent_absorbs_repeats),
        cmocka_unit_test(test_exactly_once_loss_respects_allowance),
        cmocka_unit_test(test_exactly_once_late_delivery_is_not_lost),
        cmocka_unit_test(test_exactly_once_late_within_window),
        cmocka_unit_test(test_exactly_once_range_matches_items),
        cmocka_unit_test(test_exactly_once_unknown_id),
        cmocka_unit_test(test_exactly_once_lag_quantiles),
        cmocka_unit_test(test_exactly_once_memory_follows_items_in_flight),
        cmocka_unit_test(test_exactly_once_lost_ranges_are_bounded),
        cmocka_unit_test(test_exactly_once_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
