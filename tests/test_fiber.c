/* Fibers: switching back and forth keeps each fiber's stack and registers. */
#include "helpers.h"

#include "../sim/core/fiber.h"

static struct fiber main_f, fa, fb;
static int trace_buf[16], ntrace;

static void body_a(void *arg)
{
    int local = *(int *)arg; /* lives on this fiber's stack across switches */
    for (int i = 0; i < 3; i++) {
        trace_buf[ntrace++] = local + i;
        fiber_switch(&fa, &fb);
    }
    fiber_switch(&fa, &main_f);
    abort();
}

static void body_b(void *arg)
{
    double d = *(double *)arg;
    for (int i = 0; i < 3; i++) {
        trace_buf[ntrace++] = (int)(d * 10) + i;
        fiber_switch(&fb, &fa);
    }
    abort();
}

static void test_fiber_ping_pong(void **state)
{
    (void)state;
    int a = 100;
    double b = 20.0;
    fiber_init_thread(&main_f);
    assert_int_equal(fiber_create(&fa, 64 * 1024, body_a, &a), 0);
    assert_int_equal(fiber_create(&fb, 64 * 1024, body_b, &b), 0);
    fiber_switch(&main_f, &fa);
    int want[] = {100, 200, 101, 201, 102, 202};
    assert_int_equal(ntrace, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(trace_buf[i], want[i]);
    fiber_destroy(&fa);
    fiber_destroy(&fb);
}

static struct fiber many[200];
static int counter;

static void body_step(void *arg)
{
    struct fiber *self = arg;
    for (;;) {
        counter++;
        fiber_switch(self, &main_f);
    }
}

static void test_fiber_many_round_trips(void **state)
{
    (void)state;
    fiber_init_thread(&main_f);
    for (int i = 0; i < 200; i++)
        assert_int_equal(fiber_create(&many[i], 32 * 1024, body_step, &many[i]), 0);
    counter = 0;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < 200; i++)
            fiber_switch(&main_f, &many[i]);
    assert_int_equal(counter, 200 * 50);
    for (int i = 0; i < 200; i++)
        fiber_destroy(&many[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fiber_ping_pong),
        cmocka_unit_test(test_fiber_many_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
