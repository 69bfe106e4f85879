/*
 * PostgreSQL for live mode, for real: a throwaway cluster started and
 * stopped by the test, the seed-003 lease statements under real concurrency
 * from several sessions in threads and in processes, the release, a
 * database clock skewed in SQL, advisory locks dropped with their session,
 * and row-lock contention from a second session.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sim/live/live.h"
#include "../sim/live/sql.h"
#include "../sim/live/sys/pgdb.h"
#include "../sim/live/sys/proc.h"
#include "helpers.h"
#include "pg_fixture.h"

static PGconn *session(int64_t skew_us)
{
    char err[300];
    PGconn *c = pg_session(db.conninfo, db.schema, skew_us, err, sizeof(err));
    if (!c)
        fail_msg("session: %s", err);
    return c;
}

/* The statements the database guards send (sql.c), as the lease guard makes them. */
static int lease_acquire(PGconn *c, const char *task, const char *owner, int64_t hold_us,
                         struct sql_row *out)
{
    struct env_stmt st = {
        .kind = ENV_LEASE_UPSERT, .session = ENV_DB_ANY, .name = task, .owner = owner};
    struct sql_times t = {.hold_us = hold_us};
    return sql_exec(c, &st, &t, out);
}

/* The seed-003 release: locked_until = started_at + min_hold_us, no owner check. */
static int lease_release(PGconn *c, const char *task, int64_t min_hold_us)
{
    struct env_stmt st = {.kind = ENV_LEASE_SHORTEN, .session = ENV_DB_ANY, .name = task};
    struct sql_times t = {.min_hold_us = min_hold_us};
    return sql_exec(c, &st, &t, NULL);
}

static int advisory(PGconn *c, enum env_stmt_kind kind, int64_t key)
{
    struct env_stmt st = {.kind = kind, .session = ENV_DB_ANY, .key = key};
    struct sql_times t = {0};
    return sql_exec(c, &st, &t, NULL);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* --- exactly one winner per expiry, from threads and processes --- */

#define ROUNDS 4
#define THREADS 4
#define PROCS 2
#define LEASE_US 300000 /* a round waits 400 ms: the lease is over */

struct arena {
    pthread_barrier_t bar;
    atomic_int wins[ROUNDS];      /* acquired when the round began */
    atomic_int held_wins[ROUNDS]; /* acquired again while the lease ran: must stay 0 */
    atomic_int errors;
    atomic_long tokens[ROUNDS];
};

static struct arena *arena;

static void contend(void)
{
    char err[300];
    PGconn *c = pg_session(db.conninfo, db.schema, 0, err, sizeof(err));
    if (!c)
        atomic_fetch_add(&arena->errors, 1);
    for (int r = 0; r < ROUNDS; r++) {
        struct sql_row l;
        pthread_barrier_wait(&arena->bar);
        int got = c ? lease_acquire(c, "etl", "tester", LEASE_US, &l) : -1;
        if (got < 0)
            atomic_fetch_add(&arena->errors, 1);
        if (got == 1) {
            atomic_fetch_add(&arena->wins[r], 1);
            atomic_store(&arena->tokens[r], (long)l.token);
        }
        pthread_barrier_wait(&arena->bar);
        got = c ? lease_acquire(c, "etl", "tester", LEASE_US, &l) : -1;
        if (got == 1)
            atomic_fetch_add(&arena->held_wins[r], 1);
        pthread_barrier_wait(&arena->bar);
        sleep_ms(400);
    }
    PQfinish(c);
}

static void *contend_thread(void *arg)
{
    (void)arg;
    contend();
    return NULL;
}

static void test_live_pg_lease_one_winner_per_expiry(void **state)
{
    (void)state;
    arena = mmap(NULL, sizeof(*arena), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(arena != MAP_FAILED);
    memset(arena, 0, sizeof(*arena));
    pthread_barrierattr_t ba;
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&arena->bar, &ba, THREADS + PROCS);
    pid_t kids[PROCS];
    for (int i = 0; i < PROCS; i++) { /* other processes, sessions of their own */
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            contend();
            _exit(0);
        }
    }
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, contend_thread, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < PROCS; i++) {
        int st;
        assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(atomic_load(&arena->errors), 0);
    for (int r = 0; r < ROUNDS; r++) {
        assert_int_equal(atomic_load(&arena->wins[r]), 1);
        assert_int_equal(atomic_load(&arena->held_wins[r]), 0);
        /* a fencing token per grant, from a sequence: it only grows */
        assert_true(atomic_load(&arena->tokens[r]) > (r ? atomic_load(&arena->tokens[r - 1]) : 0));
    }
    pthread_barrier_destroy(&arena->bar);
    munmap(arena, sizeof(*arena));
}

static void test_live_pg_release_shortens_to_min_lock(void **state)
{
    (void)state;
    PGconn *a = session(0), *b = session(0);
    struct sql_row l;
    assert_int_equal(lease_acquire(a, "release", "a", 60000000, &l), 1);
    assert_int_equal(l.locked_until_us - l.started_us, 60000000);
    assert_int_equal(lease_acquire(b, "release", "b", 60000000, NULL), 0);
    /* release: locked_until = started_at + min lock (0 here): free at once */
    assert_int_equal(lease_release(a, "release", 0), 1);
    assert_int_equal(lease_acquire(b, "release", "b", 60000000, &l), 1);
    /* a release after expiry finds nothing to shorten and never deletes */
    assert_int_equal(lease_release(b, "release", 0), 1);
    assert_int_equal(lease_release(b, "release", 0), 0);
    PQfinish(a);
    PQfinish(b);
}

static void test_live_pg_skew_in_sql_gives_two_holders(void **state)
{
    (void)state;
    PGconn *a = session(0), *ahead = session(3600LL * 1000000);
    int64_t ta, tb;
    assert_int_equal(pg_now(a, &ta), 0);
    assert_int_equal(pg_now(ahead, &tb), 0);
    assert_true(llabs((tb - ta) - 3600LL * 1000000) < 60 * 1000000);
    assert_int_equal(lease_acquire(a, "skew", "a", 60000000, NULL), 1);
    /* an hour ahead, the lease has long expired: a second holder */
    assert_int_equal(lease_acquire(ahead, "skew", "b", 60000000, NULL), 1);
    assert_int_equal(pg_set_skew(ahead, 0), 0);
    PQfinish(a);
    PQfinish(ahead);
}

static void test_live_pg_advisory_dies_with_its_session(void **state)
{
    (void)state;
    PGconn *a = session(0), *b = session(0);
    assert_int_equal(advisory(a, ENV_ADVISORY_TRY_LOCK, 42), 1);
    assert_int_equal(advisory(a, ENV_ADVISORY_TRY_LOCK, 42), 1); /* re-entrant per session */
    assert_int_equal(advisory(b, ENV_ADVISORY_TRY_LOCK, 42), 0);
    assert_int_equal(pg_terminate(db.admin, PQbackendPID(a)), 0);
    for (int i = 0; i < 100 && advisory(b, ENV_ADVISORY_TRY_LOCK, 42) != 1; i++)
        sleep_ms(20); /* the backend exits asynchronously */
    assert_int_equal(advisory(b, ENV_ADVISORY_UNLOCK, 42), 1);
    assert_int_equal(advisory(a, ENV_ADVISORY_TRY_LOCK, 42), -ECONNRESET);
    PQfinish(a);
    PQfinish(b);
}

struct acquirer {
    PGconn *c;
    atomic_int done;
    int rc;
};

static void *acquire_thread(void *arg)
{
    struct acquirer *q = arg;
    q->rc = lease_acquire(q->c, "contended", "q", 60000000, NULL);
    atomic_store(&q->done, 1);
    return NULL;
}

static void test_live_pg_row_lock_blocks_the_acquire(void **state)
{
    (void)state;
    PGconn *holder = session(0);
    struct acquirer q = {.c = session(0)};
    pthread_t th;
    assert_int_equal(pg_contend_begin(holder, "contended"), 0);
    assert_int_equal(pthread_create(&th, NULL, acquire_thread, &q), 0);
    sleep_ms(200);
    assert_int_equal(atomic_load(&q.done), 0); /* waiting on the row lock */
    assert_int_equal(pg_contend_end(holder), 0);
    pthread_join(th, NULL);
    assert_int_equal(q.rc, 1);
    PQfinish(holder);
    PQfinish(q.c);
}

static void test_live_pg_unreachable_server_is_one_line(void **state)
{
    (void)state;
    struct pg_db bad;
    char err[600];
    assert_int_equal(
        pg_db_open(&bad, "host=/nonexistent port=1 connect_timeout=2", err, sizeof(err)),
        -LIVE_EDB);
    assert_non_null(strstr(err, "cannot connect"));
    assert_null(strchr(err, '\n'));
}

/* The count of rows sql (one $1 parameter) returns, as the admin session. */
static int count(const char *sql, const char *param)
{
    const char *p[] = {param};
    PGresult *r = PQexecParams(db.admin, sql, param ? 1 : 0, NULL, p, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    int n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

static void test_live_pg_dsn_touches_only_its_own(void **state)
{
    (void)state;
    /* the user's own task_lock, with a row of theirs */
    PGresult *r =
        PQexec(db.admin, "CREATE TABLE public.task_lock (task_name text PRIMARY KEY, "
                         "note text); INSERT INTO public.task_lock VALUES ('etl', 'theirs')");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);

    struct pg_db mine;
    char err[600], schema[64];
    assert_int_equal(pg_db_open(&mine, cluster.conninfo, err, sizeof(err)), 0);
    snprintf(schema, sizeof(schema), "%s", mine.schema);
    PGconn *s = pg_session(cluster.conninfo, mine.schema, 0, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(lease_acquire(s, "etl", "me", 1000000, NULL), 1); /* ours, not theirs */
    PQfinish(s);
    pg_db_close(&mine);

    assert_int_equal(count("SELECT count(*) FROM public.task_lock WHERE note = 'theirs'", NULL), 1);
    assert_int_equal(count("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema), 0);
    PQclear(PQexec(db.admin, "DROP TABLE public.task_lock"));
}

/* A whole live run against a server given as --dsn: it works and drops what it made. */
static void test_live_pg_live_run_with_dsn(void **state)
{
    (void)state;
    struct scenario *sc = helper_parse("[scenario]\nduration = 20s\n[schedule]\ninterval = 5s\n"
                                       "dispatch = spawn\n[job]\napi = 1s\n",
                                       NULL, 0);
    assert_non_null(sc);
    struct model *m = malloc(sizeof(*m));
    struct metrics *met = malloc(sizeof(*met));
    char err[600];
    assert_int_equal(scenario_model(sc, -1, m, err, sizeof(err)), 0);
    struct live_opts o = {.speed = 100,
                          .seed = 1,
                          .guard = guard_lookup("atomic"),
                          .dsn = cluster.conninfo,
                          .self = "/nonexistent"};
    struct live_result res;
    int before = count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'overlapsim%'", NULL);
    int rc = live_run(m, &o, met, &res);
    if (rc)
        fail_msg("live_run: %s", res.detail);
    assert_int_equal(met->runs, 3); /* ticks at 5, 10, 15 s */
    assert_int_equal(
        count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'overlapsim%'", NULL), before);
    free(met);
    free(m);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_pg_lease_one_winner_per_expiry),
        cmocka_unit_test(test_live_pg_release_shortens_to_min_lock),
        cmocka_unit_test(test_live_pg_skew_in_sql_gives_two_holders),
        cmocka_unit_test(test_live_pg_advisory_dies_with_its_session),
        cmocka_unit_test(test_live_pg_row_lock_blocks_the_acquire),
        cmocka_unit_test(test_live_pg_unreachable_server_is_one_line),
        cmocka_unit_test(test_live_pg_dsn_touches_only_its_own),
        cmocka_unit_test(test_live_pg_live_run_with_dsn),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
