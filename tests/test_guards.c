/*
 * The in-process guards through a fake environment: the fake's sleep runs a
 * second acquire "inside" the first one's environment call, which is exactly
 * the interleaving the simulator produces when two triggers meet.
 */
#include "helpers.h"

#include "../guards/guard.h"

struct fake_env {
    struct env env;
    struct guard *g;
    int nested; /* result of the acquire run inside sleep, -9 if none ran */
    struct guard_hold nested_hold;
    bool interleave;
};

static sim_time fake_now(struct env *e)
{
    (void)e;
    return 0;
}

static void fake_sleep(struct env *e, sim_time d)
{
    (void)d;
    struct fake_env *f = (struct fake_env *)e;
    if (f->interleave) {
        f->interleave = false; /* one nested trigger only */
        f->nested = guard_try_acquire(f->g, e, &f->nested_hold);
    }
}

static void fake_lock(struct env *e, pthread_mutex_t *m)
{
    (void)e;
    assert_int_equal(pthread_mutex_lock(m), 0);
}

static void fake_unlock(struct env *e, pthread_mutex_t *m)
{
    (void)e;
    assert_int_equal(pthread_mutex_unlock(m), 0);
}

static const struct env_ops fake_ops = {.clock_now = fake_now,
                                        .sleep = fake_sleep,
                                        .mutex_lock = fake_lock,
                                        .mutex_unlock = fake_unlock};

static int acquire_with_interleave(const char *name, int *nested)
{
    struct guard_params p = {.gap = SIM_MS};
    struct fake_env f = {.env = {&fake_ops}, .nested = -9, .interleave = true};
    f.g = guard_new(guard_lookup(name), &p);
    assert_non_null(f.g);
    struct guard_hold h = {0, -1, 0, 0, false};
    int rc = guard_try_acquire(f.g, &f.env, &h);
    *nested = f.nested;
    if (rc == 1)
        guard_release(f.g, &f.env, &h);
    if (f.nested == 1)
        guard_release(f.g, &f.env, &f.nested_hold);
    guard_destroy(f.g);
    return rc;
}

static void test_guard_flag_races_inside_its_window(void **state)
{
    (void)state;
    int nested;
    assert_int_equal(acquire_with_interleave("flag", &nested), 1);
    assert_int_equal(nested, 1); /* both acquired: the race */
}

static void test_guard_exclusive_sequence(void **state)
{
    (void)state;
    const char *names[] = {"atomic", "mutex", "semaphore", "flag"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct guard_params p = {.gap = 0};
        struct fake_env f = {.env = {&fake_ops}, .nested = -9};
        struct guard *g = guard_new(guard_lookup(names[i]), &p);
        assert_non_null(g);
        struct guard_hold h1 = {0, -1, 0, 0, false}, h2 = {0, -1, 0, 0, false};
        assert_int_equal(guard_try_acquire(g, &f.env, &h1), 1);
        assert_int_equal(guard_try_acquire(g, &f.env, &h2), 0); /* busy */
        guard_release(g, &f.env, &h1);
        assert_int_equal(guard_try_acquire(g, &f.env, &h2), 1); /* free again */
        guard_release(g, &f.env, &h2);
        guard_destroy(g);
    }
}

static void test_guard_none_never_excludes(void **state)
{
    (void)state;
    struct guard_params p = {0};
    struct fake_env f = {.env = {&fake_ops}};
    struct guard *g = guard_new(guard_lookup("none"), &p);
    struct guard_hold h = {0, -1, 0, 0, false};
    for (int i = 0; i < 3; i++)
        assert_int_equal(guard_try_acquire(g, &f.env, &h), 1);
    guard_destroy(g);
}

static void test_guard_registry(void **state)
{
    (void)state;
    assert_null(guard_lookup("spinlock"));
    for (int i = 0; guard_registry[i]; i++) {
        const struct guard_ops *g = guard_registry[i];
        assert_ptr_equal(guard_lookup(g->name), g);
        assert_non_null(g->summary);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(guard_registry[j]->name, g->name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_flag_races_inside_its_window),
        cmocka_unit_test(test_guard_exclusive_sequence),
        cmocka_unit_test(test_guard_none_never_excludes),
        cmocka_unit_test(test_guard_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
