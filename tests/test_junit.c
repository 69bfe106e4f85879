/*
 * JUnit XML: escaping, shape and counts, checked by parsing the document.
 * Run with a file argument (`test_junit FILE.xml`), it checks that file
 * instead: the shell suite uses that on `overlapsim check --junit`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../reports/junit.h"
#include "xml_check.h"

static char *render(const struct junit *j)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(junit_write(j, "overlapsim check", f), 0);
    fclose(f);
    return buf;
}

static void add(struct junit *j, const char *suite, const char *name, int failed)
{
    struct junit_case c = {.time_s = 0.25, .failed = failed != 0};
    snprintf(c.suite, sizeof(c.suite), "%s", suite);
    snprintf(c.file, sizeof(c.file), "scenarios/%s.ini", suite);
    snprintf(c.classname, sizeof(c.classname), "%s.spawn", suite);
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.out, sizeof(c.out), "runs 10 & skipped <3>");
    if (failed) {
        snprintf(c.message, sizeof(c.message), "max_concurrency <= 1 failed on seed 4 (was 2)");
        snprintf(c.details, sizeof(c.details),
                 "x.ini:12: expected \"max_concurrency <= 1\"\nreplay: overlapsim run 'a b.ini' "
                 "--seed 4 & <x>\x01\n");
    }
    assert_int_equal(junit_add(j, &c), 0);
}

static void test_junit_document_parses(void **state)
{
    (void)state;
    struct junit j = {0};
    add(&j, "etl-ticker", "none", 0);
    add(&j, "etl-ticker", "flag", 1);
    add(&j, "cron", "pidfile-check", 1);
    add(&j, "etl-ticker", "atomic", 0);
    char *doc = render(&j);
    struct xml_check x;
    int rc = xml_check_junit(doc, &x);
    if (rc)
        fail_msg("%s\n%s", x.why, doc);
    assert_int_equal(x.testsuites, 1);
    assert_int_equal(x.testsuite, 2); /* cases grouped by scenario */
    assert_int_equal(x.testcase, 4);
    assert_int_equal(x.failure, 2);
    /* special characters arrive escaped, the control character replaced */
    assert_non_null(strstr(doc, "&amp; &lt;x&gt;"));
    assert_non_null(strstr(doc, "&quot;max_concurrency &lt;= 1&quot;"));
    assert_null(strchr(doc, '\x01'));
    free(doc);
    junit_release(&j);
}

/* An xfail case passes: no <failure>, its safety and verdict as properties and in system-out. */
static void test_junit_xfail_passes_with_its_safety(void **state)
{
    (void)state;
    struct junit j = {0};
    struct junit_case c = {.time_s = 0.5};
    snprintf(c.suite, sizeof(c.suite), "etl-ticker");
    snprintf(c.file, sizeof(c.file), "scenarios/etl-ticker.ini");
    snprintf(c.classname, sizeof(c.classname), "etl-ticker.spawn");
    snprintf(c.name, sizeof(c.name), "none");
    snprintf(c.safety, sizeof(c.safety), "UNSAFE 20/20 (seed 1: 3 runs at once (limit 1))");
    snprintf(c.verdict, sizeof(c.verdict), "xfail");
    snprintf(c.out, sizeof(c.out), "safety %s, verdict xfail", c.safety);
    assert_int_equal(junit_add(&j, &c), 0);
    char *doc = render(&j);
    struct xml_check x;
    if (xml_check_junit(doc, &x))
        fail_msg("%s\n%s", x.why, doc);
    assert_int_equal(x.testcase, 1);
    assert_int_equal(x.failure, 0);
    assert_non_null(strstr(doc, "<property name=\"safety\" value=\"UNSAFE 20/20 (seed 1: 3 runs "
                                "at once (limit 1))\"/>"));
    assert_non_null(strstr(doc, "<property name=\"verdict\" value=\"xfail\"/>"));
    assert_non_null(strstr(doc, "<system-out>safety UNSAFE 20/20"));
    free(doc);
    junit_release(&j);
}

static void test_junit_empty_suite_parses(void **state)
{
    (void)state;
    struct junit j = {0};
    char *doc = render(&j);
    struct xml_check x;
    assert_int_equal(xml_check_junit(doc, &x), 0);
    assert_int_equal(x.testcase, 0);
    free(doc);
}

static void test_junit_checker_rejects_broken_xml(void **state)
{
    (void)state;
    struct xml_check x;
    assert_int_not_equal(xml_check_junit("<testsuites tests=\"0\" failures=\"0\"><testsuite>", &x),
                         0);
    assert_int_not_equal(
        xml_check_junit("<testsuites tests=\"1\" failures=\"0\"></testsuites>", &x), 0);
    assert_int_not_equal(
        xml_check_junit("<testsuites tests=\"0\" failures=\"0\">a & b</testsuites>", &x), 0);
    assert_int_not_equal(xml_check_junit("<testsuites tests=0 failures=\"0\"/>", &x), 0);
    assert_int_equal(xml_check_junit("<testsuites tests=\"0\" failures=\"0\"/>", &x), 0);
}

static int check_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open '%s'\n", path);
        return 2;
    }
    char *buf = NULL;
    size_t len = 0;
    ssize_t n = getdelim(&buf, &len, 0, f);
    fclose(f);
    if (n <= 0) {
        fprintf(stderr, "'%s' is empty\n", path);
        return 1;
    }
    struct xml_check x;
    int rc = xml_check_junit(buf, &x);
    if (rc)
        fprintf(stderr, "%s: not valid JUnit XML: %s\n", path, x.why);
    else
        printf("%s: valid JUnit XML: %d suites, %d cases, %d failures\n", path, x.testsuite,
               x.testcase, x.failure);
    free(buf);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return check_file(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_document_parses),
        cmocka_unit_test(test_junit_xfail_passes_with_its_safety),
        cmocka_unit_test(test_junit_empty_suite_parses),
        cmocka_unit_test(test_junit_checker_rejects_broken_xml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
