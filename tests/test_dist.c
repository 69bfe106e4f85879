/* PRNG streams and distributions: parsing, statistics on fixed seeds, quantiles. */
#include <math.h>

#include "helpers.h"

#include "../sim/base/dist.h"
#include "../sim/base/hist.h"
#include "../sim/base/prng.h"

static struct dist parse(const char *text)
{
    struct dist d;
    char err[200];
    if (dist_parse(text, &d, err, sizeof(err)) != 0)
        fail_msg("dist_parse(%s): %s", text, err);
    return d;
}

static void test_prng_streams_reproducible_and_distinct(void **state)
{
    (void)state;
    struct prng a, b, c, d;
    prng_seed(&a, 42, PRNG_JOB);
    prng_seed(&b, 42, PRNG_JOB);
    prng_seed(&c, 43, PRNG_JOB);
    prng_seed(&d, 42, PRNG_MANUAL);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = prng_next(&a);
        assert_true(x == prng_next(&b));
        same_c += x == prng_next(&c);
        same_d += x == prng_next(&d);
    }
    assert_int_equal(same_c, 0);
    assert_int_equal(same_d, 0);
    /* prng_below stays in range and hits every value */
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t v = prng_below(&a, 7);
        assert_true(v < 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++)
        assert_in_range(seen[i], 850, 1150);
}

static double sample_mean(struct dist d, int n, struct hist *h)
{
    struct prng r;
    prng_seed(&r, 7, PRNG_JOB);
    double sum = 0;
    hist_init(h);
    for (int i = 0; i < n; i++) {
        sim_time v = dist_sample(&d, &r);
        assert_true(v >= 0);
        sum += (double)v;
        hist_add(h, v);
    }
    return sum / n;
}

static void test_dist_lognormal_median_and_p99(void **state)
{
    (void)state;
    static struct hist h;
    struct dist d = parse("lognormal(median=20s,p99=60s)");
    sample_mean(d, 100000, &h);
    double med = time_to_sec(hist_quantile(&h, 0.5)), p99 = time_to_sec(hist_quantile(&h, 0.99));
    assert_true(fabs(med - 20.0) / 20.0 < 0.02 + 0.03); /* + histogram resolution */
    assert_true(fabs(p99 - 60.0) / 60.0 < 0.05 + 0.03);
    /* the analytic quantiles are exact */
    assert_true(llabs(dist_quantile(&d, 0.5) - 20 * SIM_S) < SIM_MS);
    assert_true(llabs(dist_quantile(&d, 0.99) - 60 * SIM_S) < 10 * SIM_MS);
}

static void test_dist_lognormal_exact_median(void **state)
{
    (void)state;
    /* count below the median directly: no histogram rounding */
    struct dist d = parse("lognormal(median=5m,p99=50m)");
    struct prng r;
    prng_seed(&r, 11, PRNG_JOB);
    int below = 0, n = 100000;
    for (int i = 0; i < n; i++)
        below += dist_sample(&d, &r) < 5 * SIM_MIN;
    assert_in_range(below, n / 2 - 1000, n / 2 + 1000); /* median within ~2% of rank */
}

static void test_dist_uniform_exp_mix_means(void **state)
{
    (void)state;
    static struct hist h;
    double m = sample_mean(parse("uniform(2s,6s)"), 100000, &h);
    assert_true(fabs(m / 1e9 - 4.0) < 0.02);
    assert_true(h.min >= 2 * SIM_S && h.max <= 6 * SIM_S);
    m = sample_mean(parse("exp(10s)"), 100000, &h);
    assert_true(fabs(m / 1e9 - 10.0) < 0.15);
    struct dist mix = parse("mix(10s:0.5, 5m:0.4, 30m:0.1)");
    m = sample_mean(mix, 100000, &h);
    double expect = 0.5 * 10 + 0.4 * 300 + 0.1 * 1800;
    assert_true(fabs(m / 1e9 - expect) / expect < 0.02);
    assert_true(fabs(dist_mean(&mix) / 1e9 - expect) < 1e-6);
    assert_true(dist_max(&mix) == 30 * SIM_MIN);
    m = sample_mean(parse("const(5s)"), 10, &h);
    assert_true(m == 5e9);
    struct dist c = parse("5s"), u = parse("uniform(2s,6s)");
    assert_true(dist_is_constant(&c));
    assert_false(dist_is_constant(&u));
}

static void test_dist_parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {"lognorm(median=1s,p99=2s)",
                         "uniform(6s,2s)",
                         "uniform(1s)",
                         "lognormal(median=5s,p99=2s)",
                         "lognormal(mean=5s,p99=9s)",
                         "mix(10s:0.5, 5m:0.4)",
                         "mix(10s, 5m:1)",
                         "exp(10)",
                         "const(5s",
                         "mix(mix(1s:1):1)",
                         "",
                         "fast"};
    char err[200];
    struct dist d;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_not_equal(dist_parse(bad[i], &d, err, sizeof(err)), 0);
        assert_true(strlen(err) > 0);
    }
}

static void test_dist_format_round_trip(void **state)
{
    (void)state;
    const char *texts[] = {"5s", "uniform(2s,6s)", "exp(10m)", "lognormal(median=20s,p99=1m)",
                           "mix(10s:0.5, uniform(1m,5m):0.4, 30m:0.1)"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct dist a = parse(texts[i]), b;
        char buf[256], err[200];
        dist_format(&a, buf, sizeof(buf));
        assert_int_equal(dist_parse(buf, &b, err, sizeof(err)), 0);
        struct prng r1, r2;
        prng_seed(&r1, 3, PRNG_JOB);
        prng_seed(&r2, 3, PRNG_JOB);
        for (int k = 0; k < 100; k++)
            assert_true(dist_sample(&a, &r1) == dist_sample(&b, &r2));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prng_streams_reproducible_and_distinct),
        cmocka_unit_test(test_dist_lognormal_median_and_p99),
        cmocka_unit_test(test_dist_lognormal_exact_median),
        cmocka_unit_test(test_dist_uniform_exp_mix_means),
        cmocka_unit_test(test_dist_parse_errors),
        cmocka_unit_test(test_dist_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
