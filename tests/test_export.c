/*
 * Tests of the export model and the event store through the engine, on small
 * hand-made models: deadlocks and their absence with sorted rows, crashes
 * between write and commit, partial writes, the idempotent and transactional
 * fixes, fencing at the sink, the event store's lock scopes and offset bug,
 * byte-identical traces for a seed, and clean unwinding when memory runs out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/run/run.h"
#include "../sim/work/export.h"
#include "../sim/base/mem.h"

static struct model model;
static struct metrics met;

/* A model from the defaults and "key=value" settings, NULL-terminated. */
static void make(const char *const *sets)
{
    char err[256];
    int line;
    memset(&model, 0, sizeof(model));
    config_defaults(&model.cfg);
    for (; *sets; sets++) {
        char key[64];
        const char *eq = strchr(*sets, '=');
        assert_non_null(eq);
        snprintf(key, sizeof(key), "%.*s", (int)(eq - *sets), *sets);
        if (config_set(&model.cfg, key, eq + 1, 0, err, sizeof(err)) != 0)
            fail_msg("%s", err);
    }
    if (config_check(&model.cfg, err, sizeof(err), &line) != 0)
        fail_msg("%s", err);
    model.nnodes = 1;
    snprintf(model.node[0].name, sizeof(model.node[0].name), "app");
    model.node[0].cfg = model.cfg;
}

static void run(uint64_t seed)
{
    assert_int_equal(sim_run(&model, seed, NULL, &met), 0);
}

/* Unguarded runs every second, each 3 s in the database: they meet there. */
#define OVERLAPPING                                                                                \
    "scenario.duration=10m", "schedule.interval=1s", "schedule.dispatch=spawn", "guard.kind=none", \
        "job.api=0", "job.db=3s", "export.arrival=exp(100ms)", "export.shared_rows=2"

static void test_export_opposite_orders_deadlock(void **state)
{
    (void)state;
    make((const char *const[]){OVERLAPPING, NULL});
    run(1);
    const struct export_metrics *x = &met.xp;
    assert_true(x->deadlocks > 0);
    /* no retries: each deadlock victim gives up, the other commits */
    assert_int_equal(x->export_failures, x->deadlocks);
    /* a victim found its deadlock only after waiting deadlock_timeout */
    assert_true(x->lock_wait_time >= (sim_time)x->deadlocks * SIM_S);
    assert_true(x->duplicates > 0);
}

static void test_export_sorted_rows_wait_without_deadlock(void **state)
{
    (void)state;
    make((const char *const[]){OVERLAPPING, "export.row_order=sorted", NULL});
    run(1);
    assert_int_equal(met.xp.deadlocks, 0);
    assert_true(met.xp.lock_waits > 0);
    assert_int_equal(met.xp.export_failures, 0);
}

static void test_export_deadlock_retry(void **state)
{
    (void)state;
    make((const char *const[]){OVERLAPPING, "export.retries=5", "export.retry_delay=100ms", NULL});
    run(1);
    assert_true(met.xp.deadlocks > 0);
    assert_true(met.xp.export_failures < met.xp.deadlocks);
}

/* Go's ticker loop: runs never overlap. */
#define SERIAL                                                                                     \
    "scenario.duration=1h", "schedule.interval=30s", "schedule.dispatch=inline",                   \
        "guard.kind=atomic", "job.api=uniform(1s,20s)", "job.db=uniform(2s,6s)",                   \
        "export.arrival=exp(1s)"

static void test_export_serial_runs_are_exactly_once(void **state)
{
    (void)state;
    make((const char *const[]){SERIAL, NULL});
    run(3);
    const struct export_metrics *x = &met.xp;
    assert_true(x->items > 3000);
    assert_int_equal(x->duplicates, 0);
    assert_int_equal(x->lost, 0);
    assert_int_equal(x->delivered + x->pending, x->items);
    assert_int_equal(x->exports, x->delivered);
    /* a record waits at most about one cycle plus a run */
    assert_true(x->lag.max <= 30 * SIM_S + 26 * SIM_S + SIM_S);
}

static void test_export_crash_before_commit_duplicates(void **state)
{
    (void)state;
    make((const char *const[]){SERIAL, "export.crash=20%", NULL});
    run(3);
    assert_true(met.xp.crashes > 0);
    assert_true(met.xp.duplicates > 0);
    assert_int_equal(met.xp.lost, 0);

    make((const char *const[]){SERIAL, "export.crash=20%", "export.sink=idempotent", NULL});
    run(3);
    assert_true(met.xp.crashes > 0);
    assert_int_equal(met.xp.duplicates, 0);
    assert_true(met.xp.redelivered > 0);

    make((const char *const[]){SERIAL, "export.crash=20%", "export.commit=transactional", NULL});
    run(3);
    assert_true(met.xp.crashes > 0);
    assert_int_equal(met.xp.duplicates, 0);
    assert_int_equal(met.xp.redelivered, 0);
    assert_int_equal(met.xp.lost, 0);
}

static void test_export_partial_write_duplicates(void **state)
{
    (void)state;
    make((const char *const[]){SERIAL, "export.chunk=3", "export.write_fail=5%",
                               "export.retries=10", NULL});
    run(3);
    assert_true(met.xp.write_errors > 0);
    assert_true(met.xp.duplicates > 0);

    /* one transaction per write: a failure rolls it all back */
    make((const char *const[]){SERIAL, "export.write_fail=5%", "export.retries=10", NULL});
    run(3);
    assert_true(met.xp.write_errors > 0);
    assert_int_equal(met.xp.duplicates, 0);
    assert_int_equal(met.xp.redelivered, 0);
}

static void test_export_gave_up_writes_are_not_lost(void **state)
{
    (void)state;
    /* every write fails: nothing is delivered, all of it older than the allowance is lost */
    make((const char *const[]){SERIAL, "export.write_fail=100%", "export.lag_allowance=5m", NULL});
    run(3);
    assert_int_equal(met.xp.exports, 0);
    assert_true(met.xp.export_failures > 0);
    assert_true(met.xp.lost > 2500);
    assert_int_equal(met.xp.lost + met.xp.pending, met.xp.items);
}

/* The sink rejects a write whose fencing token is older than one it has seen. */
static void test_export_sink_fencing(void **state)
{
    (void)state;
    static struct sim s;
    struct sink k = {0};
    metrics_init(&met);
    memset(&s, 0, sizeof(s));
    s.m = &met;
    assert_int_equal(exactly_once_init(&k.chk, SIM_HOUR, false, &met.xp.lag), 0);
    for (int i = 0; i < 6; i++)
        exactly_once_arrive(&k.chk, 0);
    assert_int_equal(export_sink_write(&s, &k, NULL, 1, 2, 1, 5), 0);
    assert_int_equal(export_sink_write(&s, &k, NULL, 3, 4, 2, 4), -ESTALE);
    assert_int_equal(met.xp.fenced, 1);
    assert_int_equal(export_sink_write(&s, &k, NULL, 3, 4, 3, 0), 0); /* unfenced writer */
    assert_int_equal(export_sink_write(&s, &k, NULL, 5, 6, 4, 6), 0);
    assert_int_equal(k.max_token, 6);
    assert_int_equal(k.chk.delivered, 6);
    assert_int_equal(k.chk.duplicates, 0);
    exactly_once_release(&k.chk);
}

/* A killed connection's transaction rolls back: its rows are free again. */
static void test_export_db_kill_frees_rows(void **state)
{
    (void)state;
    static struct sim s;
    static struct actor a, b;
    struct export_db db;
    memset(&s, 0, sizeof(s));
    s.m = &met;
    metrics_init(&met);
    export_db_init(&db, &s, 2, SIM_S);
    struct export_db_tx *tx = export_db_begin(&db, &a, 1);
    assert_non_null(tx);
    assert_int_equal(export_db_lock(&db, tx, 0), 0);
    assert_int_equal(export_db_lock(&db, tx, 1), 0);
    assert_ptr_equal(db.row[1].holder, tx);
    export_db_kill(&db, &b); /* someone else's connection: nothing happens */
    assert_ptr_equal(db.row[0].holder, tx);
    export_db_kill(&db, &a);
    assert_null(db.row[0].holder);
    assert_null(db.row[1].holder);
    struct export_db_tx *again = export_db_begin(&db, &b, 2); /* the record is reused */
    assert_ptr_equal(again, tx);
    assert_int_equal(export_db_lock(&db, again, 1), 0);
    export_db_end(&db, again);
    export_db_release(&db);
}

#define STORE                                                                                      \
    "scenario.duration=5m", "scenario.max_concurrency=8", "schedule.interval=5s",                  \
        "job.api=lognormal(median=500ms,p99=3s)", "store.consumers=2", "store.add=exp(20ms)",      \
        "store.flush_demand=exp(5s)", "export.lag_allowance=1m"

static void test_event_store_global_blocks_add(void **state)
{
    (void)state;
    make((const char *const[]){STORE, "store.lock_scope=global", NULL});
    run(1);
    const struct export_metrics *x = &met.xp;
    assert_true(x->adds > 10000);
    assert_int_equal(x->duplicates, 0);
    assert_int_equal(x->lost, 0);
    assert_true(x->add_blocked.max >= 500 * SIM_MS);
    assert_int_equal(x->nconsumers, 2);
    assert_int_equal(x->consumer[0].exports + x->consumer[1].exports, x->exports);
}

static void test_event_store_split_duplicates(void **state)
{
    (void)state;
    make((const char *const[]){STORE, "store.lock_scope=split", NULL});
    run(1);
    assert_true(met.xp.duplicates > 0);
    assert_int_equal(met.xp.lost, 0);
    assert_true(met.xp.add_blocked.max < SIM_MS);
    /* the PR's flushMu: Flush() serialised per consumer */
    make((const char *const[]){STORE, "store.lock_scope=split", "guard.kind=mutex-wait", NULL});
    run(1);
    assert_int_equal(met.xp.duplicates, 0);
}

static void test_event_store_per_consumer_is_exact(void **state)
{
    (void)state;
    make((const char *const[]){STORE, "store.lock_scope=per-consumer", NULL});
    run(1);
    assert_int_equal(met.xp.duplicates, 0);
    assert_int_equal(met.xp.lost, 0);
    assert_true(met.max_concurrency >= 2); /* concurrent Flush() callers did meet */
    assert_true(met.xp.add_blocked.max < SIM_MS);
    assert_int_equal(met.xp.delivered + met.xp.pending, 2 * met.xp.adds);
}

static void test_event_store_last_offset_loses(void **state)
{
    (void)state;
    make((const char *const[]){STORE, "store.offset_update=last", NULL});
    run(1);
    assert_true(met.xp.lost > 0);
    assert_int_equal(met.xp.duplicates, 0);
    /* harmless while the lock covers the export */
    make((const char *const[]){STORE, "store.offset_update=last", "store.lock_scope=global", NULL});
    run(1);
    assert_int_equal(met.xp.lost, 0);
}

static uint64_t trace_hash(uint64_t seed)
{
    struct trace t;
    trace_init(&t, NULL);
    assert_int_equal(sim_run(&model, seed, &t, &met), 0);
    return t.hash;
}

static void test_export_trace_is_deterministic(void **state)
{
    (void)state;
    make((const char *const[]){OVERLAPPING, "export.crash=5%", "export.write_fail=5%",
                               "export.chunk=4", "export.retries=2", NULL});
    uint64_t a = trace_hash(7), b = trace_hash(7), c = trace_hash(8);
    assert_true(a == b);
    assert_true(a != c);
    make((const char *const[]){STORE, "store.lock_scope=split", NULL});
    a = trace_hash(7);
    b = trace_hash(7);
    assert_true(a == b);
}

/* Every allocation of a run with exports may fail: a clean -ENOMEM each time. */
static void test_export_out_of_memory_unwinds(void **state)
{
    (void)state;
    const char *const *models[] = {
        (const char *const[]){OVERLAPPING, "scenario.duration=30s", NULL},
        (const char *const[]){STORE, "scenario.duration=30s", NULL},
    };
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        make(models[i]);
        int rc;
        long n = 0;
        do {
            mem_fail_after(n++);
            rc = sim_run(&model, 1, NULL, &met);
            mem_fail_after(-1);
            assert_true(rc == 0 || rc == -ENOMEM);
        } while (rc != 0 && n < 10000);
        assert_int_equal(rc, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_opposite_orders_deadlock),
        cmocka_unit_test(test_export_sorted_rows_wait_without_deadlock),
        cmocka_unit_test(test_export_deadlock_retry),
        cmocka_unit_test(test_export_serial_runs_are_exactly_once),
        cmocka_unit_test(test_export_crash_before_commit_duplicates),
        cmocka_unit_test(test_export_partial_write_duplicates),
        cmocka_unit_test(test_export_gave_up_writes_are_not_lost),
        cmocka_unit_test(test_export_sink_fencing),
        cmocka_unit_test(test_export_db_kill_frees_rows),
        cmocka_unit_test(test_event_store_global_blocks_add),
        cmocka_unit_test(test_event_store_split_duplicates),
        cmocka_unit_test(test_event_store_per_consumer_is_exact),
        cmocka_unit_test(test_event_store_last_offset_loses),
        cmocka_unit_test(test_export_trace_is_deterministic),
        cmocka_unit_test(test_export_out_of_memory_unwinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
