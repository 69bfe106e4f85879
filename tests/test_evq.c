/* The event queue: time order, and insertion order among equal times. */
#include "helpers.h"

#include "../sim/core/evq.h"
#include "../sim/base/prng.h"

static void test_evq_orders_by_time_then_insertion(void **state)
{
    (void)state;
    struct evq q;
    evq_init(&q);
    struct prng r;
    prng_seed(&r, 1, PRNG_WORLD);
    enum { N = 5000 };
    static sim_time at[N];
    for (int i = 0; i < N; i++) {
        at[i] = (sim_time)prng_below(&r, 50); /* many ties */
        assert_int_equal(evq_push(&q, at[i], NULL, NULL, (uint64_t)i), 0);
    }
    struct evq_event ev;
    sim_time last_t = -1;
    uint64_t last_tag = 0;
    int n = 0;
    while (evq_pop(&q, &ev)) {
        assert_true(ev.at >= last_t);
        if (ev.at == last_t)
            assert_true(ev.tag > last_tag); /* pushed earlier, popped earlier */
        assert_true(at[ev.tag] == ev.at);
        last_t = ev.at;
        last_tag = ev.tag;
        n++;
    }
    assert_int_equal(n, N);
    assert_true(evq_empty(&q));
    evq_release(&q);
}

static void test_evq_interleaved_push_pop(void **state)
{
    (void)state;
    struct evq q;
    evq_init(&q);
    struct evq_event ev;
    evq_push(&q, 10, NULL, NULL, 1);
    evq_push(&q, 5, NULL, NULL, 2);
    assert_true(evq_pop(&q, &ev) && ev.tag == 2);
    evq_push(&q, 10, NULL, NULL, 3);
    evq_push(&q, 7, NULL, NULL, 4);
    assert_true(evq_next_time(&q) == 7);
    assert_true(evq_pop(&q, &ev) && ev.tag == 4);
    assert_true(evq_pop(&q, &ev) && ev.tag == 1);
    assert_true(evq_pop(&q, &ev) && ev.tag == 3);
    assert_false(evq_pop(&q, &ev));
    evq_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evq_orders_by_time_then_insertion),
        cmocka_unit_test(test_evq_interleaved_push_pop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
