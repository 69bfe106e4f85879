/* CSV fields, numbers and splitting (the reader merge relies on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../reports/csv_out.h"

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void field(FILE *f, const void *s)
{
    csv_field(f, s);
}
static void number(FILE *f, const void *v)
{
    csv_number(f, *(const double *)v);
}

static void test_csv_field_quotes_only_when_needed(void **state)
{
    (void)state;
    char *s = capture(field, "plain");
    assert_string_equal(s, "plain");
    free(s);
    s = capture(field, "a,b");
    assert_string_equal(s, "\"a,b\"");
    free(s);
    s = capture(field, "say \"hi\"");
    assert_string_equal(s, "\"say \"\"hi\"\"\"");
    free(s);
    s = capture(field, "two\nlines");
    assert_string_equal(s, "\"two\nlines\"");
    free(s);
}

static void test_csv_number_integers_and_reals(void **state)
{
    (void)state;
    double v[] = {42, -3, 0.5, 1e-7};
    const char *want[] = {"42", "-3", "0.5", "1e-07"};
    for (int i = 0; i < 4; i++) {
        char *s = capture(number, &v[i]);
        assert_string_equal(s, want[i]);
        free(s);
    }
}

static void test_csv_split_round_trips(void **state)
{
    (void)state;
    char line[] = "1,\"a,b\",,\"say \"\"hi\"\"\",end";
    char *f[8];
    int n = csv_split(line, f, 8);
    assert_int_equal(n, 5);
    assert_string_equal(f[0], "1");
    assert_string_equal(f[1], "a,b");
    assert_string_equal(f[2], "");
    assert_string_equal(f[3], "say \"hi\"");
    assert_string_equal(f[4], "end");
}

static void test_csv_split_rejects_bad_lines(void **state)
{
    (void)state;
    char open[] = "a,\"unclosed";
    char *f[4];
    assert_int_equal(csv_split(open, f, 4), -1);
    char many[] = "a,b,c,d,e";
    assert_int_equal(csv_split(many, f, 4), -1);
}

static void test_csv_headers_name_every_metric(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_case_header(f);
    fclose(f);
    for (int i = 0; metric_defs[i].name; i++) {
        char col[80];
        snprintf(col, sizeof(col), ",%s,", metric_defs[i].name);
        assert_non_null(strstr(buf, col));
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field_quotes_only_when_needed),
        cmocka_unit_test(test_csv_number_integers_and_reals),
        cmocka_unit_test(test_csv_split_round_trips),
        cmocka_unit_test(test_csv_split_rejects_bad_lines),
        cmocka_unit_test(test_csv_headers_name_every_metric),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
