/*
 * Distributions from measured data: a Prometheus histogram (two series
 * summed by le, escaped labels, timestamps, a summary beside it) draws
 * durations in the right buckets, places the +Inf bucket's observations
 * with _sum, and says so; empirical lists and CSV columns draw among their
 * observations; bad files name the file and the line.
 */
#include <math.h>

#include "helpers.h"

#include "../sim/base/dist.h"
#include "../sim/base/prng.h"

#define PROM "etl-metrics.prom, etl_cycle_duration_seconds"

static struct dist parse_in(const char *text)
{
    struct dist d;
    char err[600];
    if (dist_parse_in(text, "tests/data", &d, err, sizeof(err)) != 0)
        fail_msg("dist_parse_in(%s): %s", text, err);
    return d;
}

/* The parse error of text (in tests/data), or fails when it parses. */
static const char *parse_error(const char *text)
{
    static char err[600];
    struct dist d;
    if (dist_parse_in(text, "tests/data", &d, err, sizeof(err)) == 0)
        fail_msg("dist_parse_in(%s) accepted", text);
    return err;
}

static int by_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return x < y ? -1 : x > y;
}

static void test_histogram_median_bucket_and_inf(void **state)
{
    (void)state;
    struct dist d = parse_in("histogram(" PROM ")");
    assert_int_equal(d.kind, DIST_HISTOGRAM);
    /* two series (instances) summed by le: 200 observations */
    assert_int_equal(d.data->nseries, 2);
    assert_true(d.data->count == 200);
    enum { N = 20000 };
    static sim_time v[N];
    struct prng r;
    prng_seed(&r, 7, PRNG_JOB);
    int above = 0;
    double above_sum = 0;
    for (int i = 0; i < N; i++) {
        v[i] = dist_sample(&d, &r);
        assert_true(v[i] >= 0 && v[i] <= dist_max(&d));
        if (v[i] > 10 * SIM_S) {
            above++;
            above_sum += time_to_sec(v[i]);
        }
        /* nothing below the 2.5s bound: those buckets count no observation */
        assert_true(v[i] >= 2500 * SIM_MS);
    }
    qsort(v, N, sizeof(v[0]), by_time);
    /* 20 of 200 up to 5s, 105 up to 10s: the median lies in (5s, 10s] */
    assert_true(v[N / 2] > 5 * SIM_S && v[N / 2] <= 10 * SIM_S);
    assert_true(dist_quantile(&d, 0.5) > 5 * SIM_S && dist_quantile(&d, 0.5) <= 10 * SIM_S);
    assert_true(fabs(v[N / 10] / 1e9 - 5.0) < 0.2); /* the 5s bound is the 10th percentile */
    /* +Inf: 95 of 200 above 10s; _sum (3800s) less the finite buckets'
     * midpoints (712.5s) leaves a mean of 32.5s: uniform over [10s, 55s] */
    assert_true(fabs((double)above / N - 95.0 / 200) < 0.015);
    assert_true(fabs(above_sum / above - 32.5) < 0.5);
    assert_int_equal(dist_max(&d), 55 * SIM_S);
    assert_non_null(strstr(d.data->note, "le=\"+Inf\""));
    assert_non_null(strstr(d.data->note, "10s"));
    assert_non_null(strstr(d.data->note, "32.5s"));
    assert_non_null(strstr(d.data->note, "[10s, 55s]"));
    /* its mean is _sum / _count */
    assert_true(fabs(dist_mean(&d) / 1e9 - 19.0) < 1e-6);
    /* the same text again: the same data, read once */
    struct dist e = parse_in("histogram(" PROM ")");
    assert_ptr_equal(d.data, e.data);
    char buf[200];
    assert_string_equal(dist_format(&d, buf, sizeof(buf)), "histogram(" PROM ")");
    assert_false(dist_is_constant(&d));
}

static void test_histogram_without_sum(void **state)
{
    (void)state;
    FILE *f = fopen("/tmp/overlapsim-test-nosum.prom", "w");
    assert_non_null(f);
    fputs("# TYPE job_seconds histogram\n"
          "job_seconds_bucket{le=\"1\"} 5\n"
          "job_seconds_bucket{le=\"10\"} 10\n"
          "job_seconds_bucket{le=\"+Inf\"} 20\n"
          "job_seconds_count 20\n",
          f);
    fclose(f);
    struct dist d;
    char err[600];
    /* no NAME: the file's only histogram */
    assert_int_equal(dist_parse_in("histogram(/tmp/overlapsim-test-nosum.prom)", "tests/data", &d,
                                   err, sizeof(err)),
                     0);
    /* nothing tells how long the +Inf observations were: [10s, 20s], and the note says so */
    assert_int_equal(dist_max(&d), 20 * SIM_S);
    assert_non_null(strstr(d.data->note, "no _sum"));
    assert_true(dist_quantile(&d, 0.2) <= 1 * SIM_S);
    assert_true(dist_quantile(&d, 0.6) >= 10 * SIM_S);
    remove("/tmp/overlapsim-test-nosum.prom");
}

static void test_histogram_errors_name_file_and_line(void **state)
{
    (void)state;
    /* several histograms and no NAME */
    FILE *f = fopen("/tmp/overlapsim-test-bad.prom", "w");
    assert_non_null(f);
    fputs("a_seconds_bucket{le=\"1\"} 1\na_seconds_bucket{le=\"+Inf\"} 1\n"
          "b_seconds_bucket{le=\"1\"} 1\nb_seconds_bucket{le=\"+Inf\"} 1\n",
          f);
    fclose(f);
    const char *e = parse_error("histogram(/tmp/overlapsim-test-bad.prom)");
    assert_non_null(strstr(e, "'a_seconds', 'b_seconds'"));
    /* not cumulative */
    f = fopen("/tmp/overlapsim-test-bad.prom", "w");
    fputs("x_bucket{le=\"1\"} 5\nx_bucket{le=\"2\"} 3\nx_bucket{le=\"+Inf\"} 6\n", f);
    fclose(f);
    assert_non_null(
        strstr(parse_error("histogram(/tmp/overlapsim-test-bad.prom, x)"), "not cumulative"));
    /* a bad value, with its line */
    f = fopen("/tmp/overlapsim-test-bad.prom", "w");
    fputs("# HELP x help\n\nx_bucket{le=\"1\"} five\n", f);
    fclose(f);
    e = parse_error("histogram(/tmp/overlapsim-test-bad.prom, x)");
    assert_non_null(strstr(e, "'/tmp/overlapsim-test-bad.prom':3: bad value"));
    /* an unterminated label value */
    f = fopen("/tmp/overlapsim-test-bad.prom", "w");
    fputs("x_bucket{le=\"1} 5\n", f);
    fclose(f);
    assert_non_null(
        strstr(parse_error("histogram(/tmp/overlapsim-test-bad.prom, x)"), ":1: bad label"));
    /* no +Inf bucket */
    f = fopen("/tmp/overlapsim-test-bad.prom", "w");
    fputs("x_bucket{le=\"1\"} 5\n", f);
    fclose(f);
    assert_non_null(strstr(parse_error("histogram(/tmp/overlapsim-test-bad.prom, x)"), "+Inf"));
    remove("/tmp/overlapsim-test-bad.prom");
    /* a summary is not a histogram */
    assert_non_null(
        strstr(parse_error("histogram(etl-metrics.prom, go_gc_duration_seconds)"), "is a summary"));
    /* a missing file, named relative to the scenario's directory */
    assert_non_null(
        strstr(parse_error("histogram(nope.prom)"), "cannot open 'tests/data/nope.prom'"));
    assert_non_null(strstr(parse_error("mix(histogram(etl-metrics.prom):0.5, 1s:0.5)"),
                           "cannot be part of mix()"));
}

static void test_empirical_list_and_csv(void **state)
{
    (void)state;
    struct dist d = parse_in("empirical(durations.txt)");
    assert_int_equal(d.kind, DIST_EMPIRICAL);
    assert_int_equal(d.data->n, 5);
    /* sorted: 18s (bare seconds), 22.25s, 24s, 31.5s, 1m2s */
    assert_int_equal(d.data->obs[0], 18 * SIM_S);
    assert_int_equal(d.data->obs[1], 22250 * SIM_MS);
    assert_int_equal(dist_max(&d), 62 * SIM_S);
    struct prng r;
    prng_seed(&r, 3, PRNG_JOB);
    int hits[5] = {0};
    for (int i = 0; i < 5000; i++) {
        sim_time v = dist_sample(&d, &r);
        int k = 0;
        while (k < 5 && d.data->obs[k] != v)
            k++;
        assert_true(k < 5); /* only observed values */
        hits[k]++;
    }
    for (int k = 0; k < 5; k++)
        assert_true(hits[k] > 900 && hits[k] < 1100); /* uniform among observations */

    /* a CSV column by name: a quoted comma, an empty cell skipped */
    struct dist c = parse_in("empirical(durations.csv, duration_s)");
    assert_int_equal(c.data->n, 3);
    assert_int_equal(c.data->obs[1], 31500 * SIM_MS);
    assert_non_null(strstr(c.data->origin, "column 'duration_s'"));
    assert_non_null(strstr(parse_error("empirical(durations.csv)"), "name one"));
    assert_non_null(strstr(parse_error("empirical(durations.csv, secs)"), "no column 'secs'"));

    FILE *f = fopen("/tmp/overlapsim-test-bad.txt", "w");
    fputs("# header\n12s\nlong\n", f);
    fclose(f);
    assert_non_null(strstr(parse_error("empirical(/tmp/overlapsim-test-bad.txt)"),
                           "'/tmp/overlapsim-test-bad.txt':3: bad duration 'long'"));
    remove("/tmp/overlapsim-test-bad.txt");
}

/* A scenario's data file is found relative to the scenario, and a run is reproducible. */
static void test_scenario_relative_path(void **state)
{
    (void)state;
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load("tests/data/own-job.ini", &sc, err, sizeof(err)), 0);
    struct model *m = malloc(sizeof(*m));
    assert_int_equal(scenario_model(sc, -1, m, err, sizeof(err)), 0);
    assert_int_equal(m->cfg.api.kind, DIST_HISTOGRAM);
    assert_string_equal(m->cfg.api.data->path, "tests/data/etl-metrics.prom");
    free(m);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_median_bucket_and_inf),
        cmocka_unit_test(test_histogram_without_sum),
        cmocka_unit_test(test_histogram_errors_name_file_and_line),
        cmocka_unit_test(test_empirical_list_and_csv),
        cmocka_unit_test(test_scenario_relative_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
