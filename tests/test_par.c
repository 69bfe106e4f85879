/* The ordered parallel map: delivery order, errors, the bounded ring. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/analyses/par.h"

struct ctx {
    size_t next;     /* the index done() expects */
    int results[64]; /* per slot */
    size_t fail_at;  /* work fails at this index (SIZE_MAX: never) */
    size_t done_count;
    int order_ok;
};

static int work(void *user, size_t i, size_t slot, int worker)
{
    struct ctx *c = user;
    (void)worker;
    if (i == c->fail_at)
        return -EIO;
    /* uneven work, so threads finish out of order */
    volatile unsigned x = 0;
    for (unsigned k = 0; k < (unsigned)((i * 7919) % 5000); k++)
        x += k;
    c->results[slot] = (int)i * 3;
    return 0;
}

static int done(void *user, size_t i, size_t slot)
{
    struct ctx *c = user;
    if (i != c->next || c->results[slot] != (int)i * 3)
        c->order_ok = 0;
    c->next++;
    c->done_count++;
    return 0;
}

static void run(int jobs, size_t n, size_t fail_at, struct ctx *c, int *rc)
{
    memset(c, 0, sizeof(*c));
    c->fail_at = fail_at;
    c->order_ok = 1;
    struct par p = {
        .n = n, .jobs = jobs, .window = jobs > 1 ? 8 : 1, .work = work, .done = done, .user = c};
    *rc = par_run(&p);
}

static void test_par_delivers_in_order(void **state)
{
    (void)state;
    struct ctx c;
    int rc;
    for (int jobs = 1; jobs <= 4; jobs++) {
        run(jobs, 500, SIZE_MAX, &c, &rc);
        assert_int_equal(rc, 0);
        assert_int_equal(c.done_count, 500);
        assert_true(c.order_ok);
    }
}

static void test_par_stops_at_first_error(void **state)
{
    (void)state;
    struct ctx c;
    int rc;
    for (int jobs = 1; jobs <= 3; jobs++) {
        run(jobs, 200, 77, &c, &rc);
        assert_int_equal(rc, -EIO);
        /* everything before the failing item was delivered, nothing after */
        assert_int_equal(c.done_count, 77);
        assert_true(c.order_ok);
    }
}

static void test_par_handles_empty_and_single(void **state)
{
    (void)state;
    struct ctx c;
    int rc;
    run(4, 0, SIZE_MAX, &c, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c.done_count, 0);
    run(4, 1, SIZE_MAX, &c, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c.done_count, 1);
}

static void test_par_window_and_cores(void **state)
{
    (void)state;
    assert_int_equal(par_window(1), 1);
    assert_true(par_window(4) >= 4);
    assert_true(par_cores() >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_par_delivers_in_order),
        cmocka_unit_test(test_par_stops_at_first_error),
        cmocka_unit_test(test_par_handles_empty_and_single),
        cmocka_unit_test(test_par_window_and_cores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
