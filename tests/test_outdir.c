/* Output directories appear whole or not at all, and never replace foreign files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../reports/outdir.h"

static char base[256];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof(base), "/tmp/overlapsim-test-outdir-XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return outdir_remove_tree(base);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void test_outdir_commit_and_replace(void **state)
{
    (void)state;
    char target[400], err[600], path[1200];
    snprintf(target, sizeof(target), "%s/report", base);
    struct outdir od;
    assert_int_equal(outdir_begin(&od, target, err, sizeof(err)), 0);
    FILE *f = outdir_open(&od, "sub/index.html");
    assert_non_null(f);
    fputs("one", f);
    fclose(f);
    assert_false(exists(target)); /* nothing visible before the commit */
    assert_int_equal(outdir_commit(&od, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/sub/index.html", target);
    assert_true(exists(path));

    /* a second run replaces it (it holds the marker) and leaves no temporary behind */
    assert_int_equal(outdir_begin(&od, target, err, sizeof(err)), 0);
    f = outdir_open(&od, "other.txt");
    fclose(f);
    assert_int_equal(outdir_commit(&od, err, sizeof(err)), 0);
    assert_false(exists(path));
    snprintf(path, sizeof(path), "%s/other.txt", target);
    assert_true(exists(path));
    assert_int_equal(entries(base), 1);
}

static void test_outdir_abort_leaves_nothing(void **state)
{
    (void)state;
    char target[400], err[600];
    snprintf(target, sizeof(target), "%s/aborted", base);
    struct outdir od;
    int before = entries(base);
    assert_int_equal(outdir_begin(&od, target, err, sizeof(err)), 0);
    FILE *f = outdir_open(&od, "half.csv");
    fputs("x", f);
    fclose(f);
    outdir_abort(&od);
    assert_false(exists(target));
    assert_int_equal(entries(base), before);
}

static void test_outdir_refuses_foreign_and_unwritable(void **state)
{
    (void)state;
    char target[400], err[600], file[500];
    struct outdir od;
    snprintf(target, sizeof(target), "%s/mine", base);
    mkdir(target, 0777);
    snprintf(file, sizeof(file), "%s/notes.txt", target);
    FILE *f = fopen(file, "w");
    fclose(f);
    assert_int_equal(outdir_begin(&od, target, err, sizeof(err)), -EEXIST);
    assert_non_null(strstr(err, "did not write"));
    assert_true(exists(file));

    assert_int_not_equal(outdir_begin(&od, "/etc/hostname/report", err, sizeof(err)), 0);
    assert_non_null(strstr(err, "cannot write to '/etc/hostname/report'"));
    assert_int_not_equal(outdir_begin(&od, file, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "is a file"));

    /* an empty directory may be used */
    snprintf(target, sizeof(target), "%s/empty", base);
    mkdir(target, 0777);
    assert_int_equal(outdir_begin(&od, target, err, sizeof(err)), 0);
    assert_int_equal(outdir_commit(&od, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outdir_commit_and_replace),
        cmocka_unit_test(test_outdir_abort_leaves_nothing),
        cmocka_unit_test(test_outdir_refuses_foreign_and_unwritable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
