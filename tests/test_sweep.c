/*
 * Sweeps: --vary parsing and its errors, unit indexing and shards, and rows
 * that are the same bytes for any number of threads and for merged shards.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/analyses/par.h"
#include "../sim/analyses/sweep.h"
#include "../reports/sweep_out.h"

static void test_sweep_vary_durations_numbers_lists(void **state)
{
    (void)state;
    struct sweep_key k;
    char err[400];
    assert_int_equal(sweep_key_parse("schedule.interval=20s..60s/5s", &k, err, sizeof(err)), 0);
    assert_int_equal(k.nvalues, 9);
    assert_true(k.duration);
    assert_string_equal(k.text[0], "20s");
    assert_string_equal(k.text[8], "1m");
    assert_true(k.num[8] == 60.0);
    sweep_key_release(&k);

    assert_int_equal(sweep_key_parse("scenario.max_concurrency=1..3/1", &k, err, sizeof(err)), 0);
    assert_int_equal(k.nvalues, 3);
    assert_false(k.duration);
    assert_string_equal(k.text[2], "3");
    sweep_key_release(&k);

    assert_int_equal(
        sweep_key_parse("job.db=const(1s),uniform(2s,6s),exp(3s)", &k, err, sizeof(err)), 0);
    assert_int_equal(k.nvalues, 3);
    assert_string_equal(k.text[1], "uniform(2s,6s)");
    sweep_key_release(&k);

    assert_int_equal(sweep_key_parse("schedule.dispatch=inline,spawn", &k, err, sizeof(err)), 0);
    assert_int_equal(k.nvalues, 2);
    sweep_key_release(&k);
}

static void expect_error(const char *arg, int rc, const char *words)
{
    struct sweep_key k;
    char err[400] = "";
    assert_int_equal(sweep_key_parse(arg, &k, err, sizeof(err)), rc);
    if (!strstr(err, words))
        fail_msg("'%s': error '%s' lacks '%s'", arg, err, words);
    assert_null(strchr(err, '\n'));
}

static void test_sweep_vary_errors(void **state)
{
    (void)state;
    expect_error("schedule.intervl=20s..60s/5s", -ENOENT, "did you mean 'schedule.interval'");
    expect_error("interval=20s..60s/5s", -ENOENT, "did you mean 'schedule.interval'");
    expect_error("nothing.like.it=1..2/1", -ENOENT, "unknown key");
    expect_error("schedule.interval", -EINVAL, "expected KEY=FROM..TO/STEP");
    expect_error("schedule.interval=60s..20s/5s", -EINVAL, "FROM is above TO");
    expect_error("schedule.interval=20s..60s/0s", -EINVAL, "STEP must be positive");
    expect_error("schedule.interval=20s..60s", -EINVAL, "expected KEY=FROM..TO/STEP");
    expect_error("schedule.interval=20s..60/5s", -EINVAL, "all durations");
    expect_error("schedule.interval=20..60/5", -EINVAL, "bad duration");
    expect_error("scenario.max_concurrency=1..3/0.5", -EINVAL, "bad number '1.5'");
    expect_error("schedule.interval=1ms..10s/1ms", -EINVAL, "at most");
    expect_error("schedule.dispatch=inline,", -EINVAL, "empty value");
    expect_error("schedule.dispatch=inline,sideways", -EINVAL, "unknown value 'sideways'");
}

static void test_sweep_shards(void **state)
{
    (void)state;
    int k, n;
    assert_int_equal(sweep_shard_parse("2/8", &k, &n), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 8);
    assert_int_not_equal(sweep_shard_parse("0/8", &k, &n), 0);
    assert_int_not_equal(sweep_shard_parse("9/8", &k, &n), 0);
    assert_int_not_equal(sweep_shard_parse("1", &k, &n), 0);
    assert_int_not_equal(sweep_shard_parse("a/b", &k, &n), 0);

    struct sweep sw = {.units = 10, .shard_k = 3, .shard_n = 4};
    assert_int_equal(sweep_shard_units(&sw), 2); /* 2 and 6 */
    assert_int_equal(sweep_shard_index(&sw, 1), 6);
    sw.shard_k = 4;
    assert_int_equal(sweep_shard_units(&sw), 2); /* 3 and 7 */
}

/* Runs a small sweep on `jobs` threads (one shard) and returns its CSV. */
struct run {
    struct sweep *sw;
    struct sweep_row *ring;
    FILE *out;
};

static int work(void *user, size_t j, size_t slot, int worker)
{
    struct run *r = user;
    char err[600];
    return sweep_run_unit(r->sw, worker, sweep_shard_index(r->sw, j), &r->ring[slot], err,
                          sizeof(err));
}

static int done(void *user, size_t j, size_t slot)
{
    (void)j;
    struct run *r = user;
    sweep_out_csv_row(r->out, r->sw, &r->ring[slot]);
    return 0;
}

static char *sweep_csv(int jobs, int shard_k, int shard_n, bool header)
{
    struct sweep sw = {.path = "scenarios/etl-ticker.ini",
                       .nguards = 2,
                       .variant = 0,
                       .seeds = {3, 5},
                       .shard_k = shard_k,
                       .shard_n = shard_n};
    char err[600];
    sw.guard[0] = guard_lookup("none");
    sw.guard[1] = guard_lookup("flag");
    assert_int_equal(sweep_key_parse("schedule.interval=20s..40s/10s", &sw.k[0], err, sizeof(err)),
                     0);
    assert_int_equal(sweep_key_parse("schedule.manual=none,exp(2m)", &sw.k[1], err, sizeof(err)),
                     0);
    sw.nkeys = 2;
    const char *sets[] = {"scenario.duration=2h"};
    if (sweep_open(&sw, sets, 1, jobs, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(sw.units, 2 * 3 * 2 * 3);
    char *buf = NULL;
    size_t len = 0;
    struct run r = {&sw, calloc(par_window(jobs), sizeof(struct sweep_row)),
                    open_memstream(&buf, &len)};
    if (header)
        sweep_out_csv_header(r.out, &sw);
    struct par p = {sweep_shard_units(&sw), jobs, par_window(jobs), work, done, &r};
    assert_int_equal(par_run(&p), 0);
    fclose(r.out);
    free(r.ring);
    sweep_close(&sw);
    return buf;
}

static void test_sweep_rows_do_not_depend_on_threads(void **state)
{
    (void)state;
    char *one = sweep_csv(1, 1, 1, true), *three = sweep_csv(3, 1, 1, true);
    assert_string_equal(one, three);
    /* the header names the keys; every unit is one row */
    assert_non_null(strstr(one, ",guard,schedule.interval,schedule.manual,seed,"));
    int rows = 0;
    for (const char *p = one; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 1 + 36);
    free(one);
    free(three);
}

static void test_sweep_shards_interleave_into_the_whole(void **state)
{
    (void)state;
    char *whole = sweep_csv(2, 1, 1, false);
    char *a = sweep_csv(1, 1, 2, false), *b = sweep_csv(2, 2, 2, false);
    /* shard 1/2 holds even indices, 2/2 odd ones: alternate their lines */
    size_t len = strlen(whole);
    char *merged = calloc(len + 1, 1), *pa = a, *pb = b, *m = merged;
    for (int i = 0; *pa || *pb; i++) {
        char **p = i % 2 ? &pb : &pa;
        char *nl = strchr(*p, '\n');
        assert_non_null(nl);
        memcpy(m, *p, (size_t)(nl - *p + 1));
        m += nl - *p + 1;
        *p = nl + 1;
    }
    assert_string_equal(merged, whole);
    free(merged);
    free(whole);
    free(a);
    free(b);
}

static void test_sweep_invalid_settings_are_rows_not_errors(void **state)
{
    (void)state;
    struct sweep sw = {
        .path = "scenarios/etl-ticker.ini", .nguards = 1, .variant = 0, .seeds = {1, 1}};
    char err[600];
    sw.guard[0] = guard_lookup("atomic");
    assert_int_equal(sweep_key_parse("schedule.interval=0s..20s/10s", &sw.k[0], err, sizeof(err)),
                     0);
    sw.nkeys = 1;
    const char *sets[] = {"scenario.duration=10m"};
    assert_int_equal(sweep_open(&sw, sets, 1, 1, err, sizeof(err)), 0);
    assert_true(sw.invalid[0][0] != 0); /* an interval of 0s cannot run */
    assert_true(sw.invalid[1][0] == 0);
    struct sweep_row row;
    assert_int_equal(sweep_run_unit(&sw, 0, 0, &row, err, sizeof(err)), 0);
    assert_true(row.invalid);
    assert_int_equal(sweep_run_unit(&sw, 0, 1, &row, err, sizeof(err)), 0);
    assert_false(row.invalid);
    assert_true(row.metric[metric_find("runs")] > 0);
    sweep_close(&sw);

    /* all settings invalid: an error */
    struct sweep bad = {
        .path = "scenarios/etl-ticker.ini", .nguards = 1, .variant = 0, .seeds = {1, 1}};
    bad.guard[0] = guard_lookup("atomic");
    assert_int_equal(sweep_key_parse("schedule.interval=0s,0s", &bad.k[0], err, sizeof(err)), 0);
    bad.nkeys = 1;
    assert_int_not_equal(sweep_open(&bad, NULL, 0, 1, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "no setting"));
    sweep_close(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_vary_durations_numbers_lists),
        cmocka_unit_test(test_sweep_vary_errors),
        cmocka_unit_test(test_sweep_shards),
        cmocka_unit_test(test_sweep_rows_do_not_depend_on_threads),
        cmocka_unit_test(test_sweep_shards_interleave_into_the_whole),
        cmocka_unit_test(test_sweep_invalid_settings_are_rows_not_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
