/*
 * The trace costs nothing it need not: a hash-only trace (the one a failing
 * seed is re-run with, for determinism) formats no row, which made such a
 * re-run 20-40 times slower than the run; a written trace keeps its bytes
 * and hash. Counted, not timed: `make bench` times a point fault beside the
 * same scenario without it.
 */
#include "../sim/analyses/case.h"
#include "../sim/run/run.h"
#include "helpers.h"

static void test_trace_hash_only_formats_nothing(void **state)
{
    (void)state;
    struct trace t, w;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    trace_init(&t, NULL);
    trace_init(&w, f);
    /* formatting this detail would crash: a hash-only trace must not format it */
    trace_eventf(&t, 5, "app", 1, "start", "%s", (const char *)8);
    trace_eventf(&w, 5, "app", 1, "start", "#%d api=%s", 7, "1s");
    trace_event(&t, 6, NULL, 0, "end", "x,y");
    trace_event(&w, 6, NULL, 0, "end", "x,y");
    fclose(f);
    assert_string_equal(buf, TRACE_HEADER "5,00:00:00.000,app,1,start,#7 api=1s\n"
                                          "6,00:00:00.000,,,end,\"x,y\"\n");
    /* the hash covers time, node, run and kind: the same written or not */
    assert_true(t.hash == w.hash);
    assert_int_equal(t.rows, 2);
    free(buf);
}

/* Every row of a hash-only trace, over whole runs of the scenarios whose rows
 * are the richest (leases, clocks, pauses, exports, faults at points), comes
 * without a detail: nobody formatted text that nobody reads. */
static void test_trace_hash_only_run_formats_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *file, *variant, *guard;
    } cases[] = {
        {"scenarios/replicas-lease.ini", "gc-pause", "lease"},
        {"scenarios/replicas-lease.ini", "client-clock", "shedlock"},
        {"scenarios/etl-ticker.ini", "spawn-manual", "none"},
        {"scenarios/export-failures.ini", NULL, "lease-fenced"},
        {"scenarios/catalogue/pidfile-pid-reuse.ini", NULL, "pidfile-check"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[600];
        struct scenario *sc = NULL;
        if (scenario_load(cases[i].file, &sc, err, sizeof(err)) != 0)
            fail_msg("%s", err);
        struct model *m = malloc(sizeof(*m));
        struct metrics *met = malloc(sizeof(*met));
        assert_non_null(m);
        assert_non_null(met);
        int v = cases[i].variant ? scenario_variant_find(sc, cases[i].variant) : -1;
        assert_int_equal(scenario_model(sc, v, m, err, sizeof(err)), 0);
        m->cfg.guard = guard_lookup(cases[i].guard);
        struct trace t;
        trace_init(&t, NULL);
        assert_int_equal(sim_run(m, 2, &t, met), 0);
        struct metrics *plain = malloc(sizeof(*plain)); /* and a trace changes nothing */
        assert_non_null(plain);
        assert_int_equal(sim_run(m, 2, NULL, plain), 0);
        assert_true(verdict_same_run(met, 0, plain, 0));
        assert_true(met->events == plain->events && met->longest_gap == plain->longest_gap);
        free(plain);
        if (t.wasted)
            fail_msg("%s@%s/%s: %llu of %llu rows formatted for a hash-only trace", cases[i].file,
                     cases[i].variant ? cases[i].variant : "", cases[i].guard,
                     (unsigned long long)t.wasted, (unsigned long long)t.rows);
        assert_true(t.rows > 100);
        free(met);
        free(m);
        scenario_free(sc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_hash_only_formats_nothing),
        cmocka_unit_test(test_trace_hash_only_run_formats_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
