/*
 * Same scenario, seed and build: the same trace, byte for byte (compared by
 * its hash), with the whole world in play: replicas, skewed clocks, a
 * database, pauses, processes started by cron.
 */
#include "../sim/run/run.h"
#include "../sim/scenario/scenario.h"
#include "sim_harness.h"

static uint64_t trace_hash(const char *file, const char *variant, const char *guard, uint64_t seed,
                           uint64_t *rows)
{
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load(file, &sc, err, sizeof(err)), 0);
    struct model *m = malloc(sizeof(*m));
    assert_int_equal(scenario_model(sc, scenario_variant_find(sc, variant), m, err, sizeof(err)),
                     0);
    m->cfg.guard = guard_lookup(guard);
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = m->cfg.guard;
    struct metrics met;
    struct trace tr;
    trace_init(&tr, NULL);
    assert_int_equal(sim_run(m, seed, &tr, &met), 0);
    *rows = tr.rows;
    free(m);
    scenario_free(sc);
    return tr.hash;
}

static void test_determinism_replicas(void **state)
{
    (void)state;
    uint64_t r1, r2, r3;
    uint64_t a = trace_hash("scenarios/replicas-lease.ini", "gc-pause", "lease-fenced", 3, &r1);
    uint64_t b = trace_hash("scenarios/replicas-lease.ini", "gc-pause", "lease-fenced", 3, &r2);
    uint64_t c = trace_hash("scenarios/replicas-lease.ini", "gc-pause", "lease-fenced", 4, &r3);
    assert_true(r1 > 10000);
    assert_int_equal(r1, r2);
    assert_int_equal(a, b);
    assert_true(a != c);
}

static void test_determinism_cron(void **state)
{
    (void)state;
    uint64_t r1, r2;
    uint64_t a = trace_hash("scenarios/cron-pidfile.ini", "mixed", "pidfile-check", 5, &r1);
    uint64_t b = trace_hash("scenarios/cron-pidfile.ini", "mixed", "pidfile-check", 5, &r2);
    assert_true(r1 > 1000);
    assert_int_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism_replicas),
        cmocka_unit_test(test_determinism_cron),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
