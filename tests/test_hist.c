/* The histogram: exact count/min/max, quantiles within its resolution. */
#include <math.h>
#include "helpers.h"

#include "../sim/base/hist.h"

static void test_hist_quantiles_within_resolution(void **state)
{
    (void)state;
    static struct hist h;
    hist_init(&h);
    for (sim_time v = 1; v <= 100000; v++)
        hist_add(&h, v * SIM_MS);
    assert_true(h.count == 100000);
    assert_true(h.min == SIM_MS && h.max == 100000 * SIM_MS);
    double qs[] = {0.01, 0.1, 0.5, 0.9, 0.99};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        double want = qs[i] * 100000 * 1e6, got = (double)hist_quantile(&h, qs[i]);
        assert_true(fabs(got - want) / want < 0.035);
    }
    assert_true(hist_quantile(&h, 1.0) == h.max);
}

static void test_hist_buckets_tile_the_line(void **state)
{
    (void)state;
    for (int i = 0; i + 1 < HIST_BUCKETS; i++)
        assert_true(hist_bucket_high(i) == hist_bucket_low(i + 1));
    static struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_add(&a, 5);
    hist_add(&b, 7 * SIM_S);
    hist_merge(&a, &b);
    assert_true(a.count == 2 && a.min == 5 && a.max == 7 * SIM_S);
    assert_true(hist_quantile(&a, 0.0) == 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_quantiles_within_resolution),
        cmocka_unit_test(test_hist_buckets_tile_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
