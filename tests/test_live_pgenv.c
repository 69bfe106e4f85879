/*
 * The live environment's database (sim/live/pgenv.c) against a real
 * throwaway cluster: each statement kind through the port with simulated
 * time converted at speed 100, client time bound as :now, sessions that keep
 * their advisory locks, the client's timeout (a statement waiting on a row
 * lock is cancelled; one whose reply is late keeps its effect), an outage,
 * a terminated session and a stepped database clock.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sim/live/sys/pgdb.h"
#include "../sim/live/pgenv.h"
#include "../sim/live/sys/proc.h"
#include "helpers.h"
#include "pg_fixture.h"

#define SPEED 100.0

struct fixture {
    struct pgenv *p;
    struct env_live e;
    int node; /* a node of its own: its sessions are named SCHEMA:NODE */
};

static int fixture_setup(void **state)
{
    static int nodes;
    struct fixture *f = calloc(1, sizeof(*f));
    struct pgenv_config c = {.node = ++nodes, .seed = 1, .pool = 2, .timeout = 20 * SIM_S};
    char err[400];
    c.latency = dist_const(0);
    snprintf(c.schema, sizeof(c.schema), "%s", db.schema);
    if (!f || pgenv_new(&c, cluster.conninfo, NULL, &f->p, err, sizeof(err)) != 0) {
        fprintf(stderr, "pgenv_new: %s\n", f ? err : "out of memory");
        free(f);
        return -1;
    }
    env_live_init(&f->e, SPEED, env_live_realtime());
    f->e.db = pgenv_db(f->p);
    f->node = c.node;
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    pgenv_free(f->p);
    free(f);
    return 0;
}

static struct env_stmt stmt(enum env_stmt_kind kind, const char *name, const char *owner)
{
    return (struct env_stmt){.kind = kind,
                             .session = ENV_DB_ANY,
                             .name = name,
                             .owner = owner,
                             .hold = 50 * SIM_S,
                             .min_hold = 0};
}

/* |a - b| <= tol */
static void assert_near(sim_time a, sim_time b, sim_time tol)
{
    if (a - b > tol || b - a > tol)
        fail_msg("%lld and %lld differ by more than %lld", (long long)a, (long long)b,
                 (long long)tol);
}

static void test_live_pgenv_lease_on_the_database_clock(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "lease", "a");
    struct env_row row = {0, 0, 0}, again = {0, 0, 0};
    sim_time now = env_clock_now(e);
    assert_int_equal(env_db_exec(e, &up, &row), 1);
    assert_near(row.started_at, now, SIM_S); /* a statement takes far less than 10 ms */
    assert_int_equal(row.locked_until - row.started_at, 50 * SIM_S); /* 500 ms real, exactly */
    up.owner = "b";
    assert_int_equal(env_db_exec(e, &up, NULL), 0); /* held */
    struct env_stmt sh = stmt(ENV_LEASE_SHORTEN, "lease", "b");
    assert_int_equal(env_db_exec(e, &sh, NULL), 1); /* no owner check, as merged */
    assert_int_equal(env_db_exec(e, &up, &again), 1);
    assert_true(again.token > row.token); /* a fencing token per grant */
    struct env_stmt rd = stmt(ENV_LEASE_READ, "lease", "c");
    assert_int_equal(env_db_exec(e, &rd, NULL), 0);
    rd.name = "nobody";
    assert_int_equal(env_db_exec(e, &rd, NULL), 1); /* no row: free */
}

static void test_live_pgenv_client_time_is_bound(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "client", "a");
    struct env_row row = {0, 0, 0};
    up.client_time = true;
    up.client_now = env_clock_now(e) + SIM_HOUR; /* a clock an hour ahead */
    assert_int_equal(env_db_exec(e, &up, &row), 1);
    assert_near(row.started_at, up.client_now, 100 * SIM_US); /* a real microsecond */
    assert_near(row.locked_until, up.client_now + 50 * SIM_S, 100 * SIM_US);
    /* the database clock sees it held; a client another hour ahead does not */
    struct env_stmt other = stmt(ENV_LEASE_UPSERT, "client", "b");
    assert_int_equal(env_db_exec(e, &other, NULL), 0);
    other.client_time = true;
    other.client_now = up.client_now + SIM_HOUR;
    assert_int_equal(env_db_exec(e, &other, NULL), 1);
}

static void test_live_pgenv_shedlock(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    sim_time now = env_clock_now(e);
    struct env_stmt ins = stmt(ENV_SHEDLOCK_INSERT, "shed", "host1");
    ins.client_time = true;
    ins.client_now = now;
    assert_int_equal(env_db_exec(e, &ins, NULL), 1);
    assert_int_equal(env_db_exec(e, &ins, NULL), -EEXIST); /* duplicate key */
    struct env_stmt upd = stmt(ENV_SHEDLOCK_UPDATE, "shed", "host2");
    upd.client_time = true;
    upd.client_now = now + 10 * SIM_S;
    assert_int_equal(env_db_exec(e, &upd, NULL), 0); /* locked until now + 50 s */
    struct env_stmt ups = stmt(ENV_SHEDLOCK_UPSERT, "shed", "host2");
    assert_int_equal(env_db_exec(e, &ups, NULL), 0);
    struct env_stmt un = stmt(ENV_SHEDLOCK_UNLOCK, "shed", "host2");
    un.check_owner = true;
    assert_int_equal(env_db_exec(e, &un, NULL), 0); /* not its row */
    un.owner = "host1";
    assert_int_equal(env_db_exec(e, &un, NULL), 1); /* lock_until = max(locked_at + 0, now) */
    assert_int_equal(env_db_exec(e, &ups, NULL), 1);
}

static void test_live_pgenv_advisory_lives_with_its_session(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    int s = env_db_session_open(e);
    assert_true(s >= 0);
    struct env_stmt lk = {.kind = ENV_ADVISORY_TRY_LOCK, .session = s, .key = 7};
    struct env_stmt other = {.kind = ENV_ADVISORY_TRY_LOCK, .session = ENV_DB_ANY, .key = 7};
    struct env_stmt xact = {.kind = ENV_ADVISORY_XACT_TRY_LOCK, .session = ENV_DB_ANY, .key = 7};
    assert_int_equal(env_db_exec(e, &lk, NULL), 1);
    assert_int_equal(env_db_exec(e, &other, NULL), 0); /* the pool's other session */
    assert_int_equal(env_db_exec(e, &xact, NULL), 0);
    /* the server ends the session: only the one this node opened, not a spare */
    char app[96];
    snprintf(app, sizeof(app), "%s:%d", db.schema, f->node);
    assert_int_equal(pg_terminate_app(db.admin, app, false), 2);
    struct env_stmt un = {.kind = ENV_ADVISORY_UNLOCK, .session = s, .key = 7};
    assert_int_equal(env_db_exec(e, &un, NULL), -ECONNRESET);
    assert_int_equal(env_db_exec(e, &un, NULL), -ECONNRESET); /* a held session stays gone */
    env_db_session_close(e, s);
    assert_int_equal(env_db_exec(e, &xact, NULL), 1); /* the lock went with it; reconnected */
    assert_int_equal(env_db_exec(e, &other, NULL), 1);
}

static void test_live_pgenv_timeout_cancels_a_waiting_statement(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    char err[300];
    PGconn *holder = pg_session(db.conninfo, db.schema, 0, err, sizeof(err));
    assert_non_null(holder);
    assert_int_equal(pg_contend_begin(holder, "waits"), 0);
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "waits", "late");
    int64_t t0 = env_live_mono();
    assert_int_equal(env_db_exec(e, &up, NULL), -ETIMEDOUT);
    int64_t took = env_live_mono() - t0;
    assert_true(took >= 190000000 && took < 1000000000); /* db.timeout 20 s: 200 ms */
    assert_int_equal(pg_contend_end(holder), 0);
    PQfinish(holder);
    up.owner = "next";
    struct env_row row = {0, 0, 0};
    assert_int_equal(env_db_exec(e, &up, &row), 1); /* the cancelled upsert took nothing */
}

static void test_live_pgenv_late_reply_keeps_its_effect(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "late", "a");
    assert_int_equal(pgenv_control(f->p, "slow 3 const(30s)"), 0);
    assert_int_equal(env_db_exec(e, &up, NULL), -ETIMEDOUT);
    assert_int_equal(pgenv_control(f->p, "slow 3 -"), 0);
    up.owner = "b";
    assert_int_equal(env_db_exec(e, &up, NULL), 0); /* granted to the client that gave up */
}

static void test_live_pgenv_outage_sends_nothing(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "outage", "a");
    assert_int_equal(pgenv_control(f->p, "outage 1"), 0);
    int64_t t0 = env_live_mono();
    assert_int_equal(env_db_exec(e, &up, NULL), -ETIMEDOUT);
    assert_true(env_live_mono() - t0 >= 190000000);
    assert_int_equal(pgenv_control(f->p, "outage 0"), 0);
    up.owner = "b";
    assert_int_equal(env_db_exec(e, &up, NULL), 1); /* nothing was granted */
    assert_int_equal(pgenv_control(f->p, "nonsense"), -EPROTO);
}

static void test_live_pgenv_database_clock_steps(void **state)
{
    struct fixture *f = *state;
    struct env *e = &f->e.env;
    struct env_stmt up = stmt(ENV_LEASE_UPSERT, "step", "a");
    struct env_row row = {0, 0, 0};
    assert_int_equal(pgenv_control(f->p, "skew 10000000"), 0); /* 10 s real: 1000 s simulated */
    assert_int_equal(env_db_exec(e, &up, &row), 1);
    assert_near(row.started_at, env_clock_now(e) + 1000 * SIM_S, SIM_S);
    assert_int_equal(pgenv_control(f->p, "skew 0"), 0);
    up.owner = "b";
    assert_int_equal(env_db_exec(e, &up, NULL), 0); /* held until 1050 s from now */
}

static void test_live_pgenv_config_round_trip(void **state)
{
    (void)state;
    struct pgenv_config c = {.node = 3,
                             .seed = 9,
                             .pool = 4,
                             .timeout = 30 * SIM_S,
                             .skew_us = -1500},
                        back;
    char buf[512], err[64];
    assert_int_equal(dist_parse("mix(1ms:0.5, uniform(2ms,5ms):0.5)", &c.latency, err, 64), 0);
    snprintf(c.schema, sizeof(c.schema), "overlapsim_1_ab");
    assert_true(pgenv_config_format(&c, buf, sizeof(buf)) > 0);
    assert_int_equal(pgenv_config_parse(buf + 6, &back), 0);
    assert_int_equal(back.node, 3);
    assert_int_equal(back.pool, 4);
    assert_int_equal(back.skew_us, -1500);
    assert_string_equal(back.schema, c.schema);
    assert_int_equal(back.latency.kind, DIST_MIX);
    assert_int_equal(pgenv_config_parse("1 2", &back), -EPROTO);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_live_pgenv_lease_on_the_database_clock),
        T(test_live_pgenv_client_time_is_bound),
        T(test_live_pgenv_shedlock),
        T(test_live_pgenv_advisory_lives_with_its_session),
        T(test_live_pgenv_timeout_cancels_a_waiting_statement),
        T(test_live_pgenv_late_reply_keeps_its_effect),
        T(test_live_pgenv_outage_sends_nothing),
        T(test_live_pgenv_database_clock_steps),
        cmocka_unit_test(test_live_pgenv_config_round_trip),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
