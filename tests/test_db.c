/*
 * The simulated database through the environment port: statements are
 * atomic and serialized in arrival order (of concurrent upserts exactly one
 * wins), now() is the start of the statement's transaction, replies can be
 * late or lost, sessions and their advisory locks end with a disconnect, and
 * a process's pool is finite.
 */
#include "sim_harness.h"

struct upsert {
    int rc;
    sim_time done;
    struct env_row row;
};

static void do_upsert(struct actor *a, void *arg)
{
    struct upsert *u = arg;
    struct env_stmt st = {.kind = ENV_LEASE_UPSERT,
                          .session = ENV_DB_ANY,
                          .name = "task",
                          .owner = a->node->name,
                          .hold = 5 * SIM_MIN};
    u->rc = env_db_exec(&a->env, &st, &u->row);
    u->done = a->sim->now;
}

static void concurrent_upserts(const char *latency, int *winners, int *losers)
{
    struct harness h;
    struct model *m = harness_model(8, "lease");
    harness_set(m, "db.latency", latency);
    harness_start(&h, m);
    struct upsert u[8];
    struct script sc[8];
    for (int i = 0; i < 8; i++) {
        sc[i] = (struct script){do_upsert, &u[i]};
        harness_script(&h, i, NULL, &sc[i], 10 * SIM_S);
    }
    harness_run(&h, SIM_MIN);
    *winners = *losers = 0;
    for (int i = 0; i < 8; i++) {
        assert_true(u[i].rc == 0 || u[i].rc == 1);
        *winners += u[i].rc == 1;
        *losers += u[i].rc == 0;
    }
    harness_end(&h);
}

static void test_db_concurrent_upserts_one_winner(void **state)
{
    (void)state;
    int w, l;
    concurrent_upserts("2ms", &w, &l); /* all arrive in the same instant */
    assert_int_equal(w, 1);
    assert_int_equal(l, 7);
    concurrent_upserts("uniform(1ms,9ms)", &w, &l);
    assert_int_equal(w, 1);
    assert_int_equal(l, 7);
}

static void test_db_round_trip_and_clock(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(1, "lease");
    harness_set(m, "db.latency", "4ms");
    m->cfg.db_clock_offset = 90 * SIM_S; /* the server's clock is 90 s ahead */
    harness_start(&h, m);
    struct upsert u;
    struct script sc = {do_upsert, &u};
    harness_script(&h, 0, NULL, &sc, 10 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(u.rc, 1);
    assert_int_equal(u.done, 10 * SIM_S + 4 * SIM_MS); /* one round trip */
    /* now() = the server's clock when the statement arrived (half the trip) */
    assert_int_equal(u.row.started_at, 100 * SIM_S + 2 * SIM_MS);
    assert_int_equal(u.row.locked_until, 100 * SIM_S + 2 * SIM_MS + 5 * SIM_MIN);
    harness_end(&h);
}

static void add_fault(struct model *m, enum fault_kind k, sim_time at, sim_time dur,
                      const char *latency)
{
    struct fault_spec *f = &m->fault[m->nfaults++];
    char err[100];
    fault_init(f, 1);
    f->kind = k;
    f->has_kind = 1;
    f->at = at;
    f->dur = dur;
    if (latency)
        assert_int_equal(dist_parse(latency, &f->latency, err, sizeof(err)), 0);
}

/* A row lock held by another transaction: statements arriving in the window
 * wait for its end, and then compare with the now() of when they arrived. */
static void test_db_lock_wait_makes_now_stale(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(2, "lease");
    harness_set(m, "db.latency", "2ms");
    add_fault(m, FAULT_DB_CONTENTION, 12 * SIM_S, 8 * SIM_S, NULL); /* until 20 s */
    harness_start(&h, m);
    assert_int_equal(inject_part.start(h.s), 0);
    /* node 0 holds the lease until 10 s + 5 s: hold 5 s */
    struct upsert u0, u1;
    struct script s0 = {do_upsert, &u0}, s1 = {do_upsert, &u1};
    harness_script(&h, 0, NULL, &s0, 10 * SIM_S - SIM_MS);
    harness_script(&h, 1, NULL, &s1, 14 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(u0.rc, 1);
    assert_int_equal(u0.row.locked_until, 10 * SIM_S + 5 * SIM_MIN);
    /* node 1 arrives at 14 s, waits until 20 s, and sees the lease as held */
    assert_int_equal(u1.rc, 0);
    assert_int_equal(u1.done, 20 * SIM_S + SIM_MS);
    harness_end(&h);
}

static void test_db_transaction_age(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(1, "lease");
    harness_set(m, "db.latency", "2ms");
    harness_set(m, "db.tx_age", "3s"); /* inside a transaction begun 3 s before */
    harness_start(&h, m);
    struct upsert u;
    struct script sc = {do_upsert, &u};
    harness_script(&h, 0, NULL, &sc, 10 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(u.row.started_at, 7 * SIM_S + SIM_MS);
    harness_end(&h);
}

/* db-slow-reply: the server grants, the reply comes after the client gave up. */
static void test_db_slow_reply_grants_what_the_client_thinks_failed(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(1, "lease");
    harness_set(m, "db.latency", "2ms");
    harness_set(m, "db.timeout", "5s");
    add_fault(m, FAULT_DB_SLOW_REPLY, 5 * SIM_S, 10 * SIM_S, "20s");
    harness_start(&h, m);
    assert_int_equal(inject_part.start(h.s), 0);
    struct upsert u;
    struct script sc = {do_upsert, &u};
    harness_script(&h, 0, NULL, &sc, 10 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(u.rc, -ETIMEDOUT);
    assert_int_equal(u.done, 15 * SIM_S);
    const struct db_lease_row *r = world_db_lease_row(&h.s->db, "task");
    assert_non_null(r); /* but the lease is taken */
    assert_int_equal(r->locked_until, 10 * SIM_S + SIM_MS + 5 * SIM_MIN);
    assert_int_equal(h.met.db_errors, 1);
    harness_end(&h);
}

/* db-outage: no answer; the client times out and nothing happened. */
static void test_db_outage(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(1, "lease");
    harness_set(m, "db.timeout", "7s");
    add_fault(m, FAULT_DB_OUTAGE, 5 * SIM_S, 10 * SIM_S, NULL);
    harness_start(&h, m);
    assert_int_equal(inject_part.start(h.s), 0);
    struct upsert u, v;
    struct script sc = {do_upsert, &u}, sv = {do_upsert, &v};
    harness_script(&h, 0, NULL, &sc, 10 * SIM_S);
    harness_script(&h, 0, NULL, &sv, 16 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(u.rc, -ETIMEDOUT);
    assert_int_equal(u.done, 17 * SIM_S);
    assert_int_equal(v.rc, 1); /* after the outage */
    assert_int_equal(v.row.token, 1);
    harness_end(&h);
}

/* --- advisory locks and sessions --- */

struct adv {
    int sid, lock, unlock;
    sim_time hold;
};

static void do_advisory(struct actor *a, void *arg)
{
    struct adv *x = arg;
    x->sid = env_db_session_open(&a->env);
    struct env_stmt st = {.kind = ENV_ADVISORY_TRY_LOCK, .session = x->sid, .key = 7};
    x->lock = env_db_exec(&a->env, &st, NULL);
    env_sleep(&a->env, x->hold);
    st.kind = ENV_ADVISORY_UNLOCK;
    x->unlock = env_db_exec(&a->env, &st, NULL);
    env_db_session_close(&a->env, x->sid);
}

static void disconnect(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    sim_proc_disconnect(s, ((struct node *)arg)->service);
}

static void test_db_advisory_released_on_disconnect(void **state)
{
    (void)state;
    struct harness h;
    harness_start(&h, harness_model(2, "advisory"));
    struct adv a = {.hold = 60 * SIM_S}, b = {.hold = SIM_S}, c = {.hold = SIM_S};
    struct script sa = {do_advisory, &a}, sb = {do_advisory, &b}, scc = {do_advisory, &c};
    harness_script(&h, 0, NULL, &sa, SIM_S);
    harness_script(&h, 1, NULL, &sb, 10 * SIM_S);  /* held: busy */
    harness_script(&h, 1, NULL, &scc, 30 * SIM_S); /* after node 0's session dropped */
    sim_at(h.s, 20 * SIM_S, disconnect, &h.s->node[0], 0);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.lock, 1);
    assert_int_equal(b.lock, 0);
    assert_int_equal(c.lock, 1);             /* the lock vanished with the session */
    assert_int_equal(a.unlock, -ECONNRESET); /* and the holder finds out only now */
    assert_int_equal(c.unlock, 1);
    harness_end(&h);
}

/* A pool of one: a second statement waits for the held connection. */
static void test_db_pool_exhaustion(void **state)
{
    (void)state;
    struct harness h;
    struct model *m = harness_model(1, "lease");
    harness_set(m, "db.pool", "1");
    harness_set(m, "db.latency", "2ms");
    harness_start(&h, m);
    struct adv a = {.hold = 30 * SIM_S};
    struct upsert u;
    struct script sa = {do_advisory, &a}, su = {do_upsert, &u};
    harness_script(&h, 0, NULL, &sa, SIM_S);
    harness_script(&h, 0, NULL, &su, 2 * SIM_S);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(u.rc, 1);
    /* a: lock at 1 s (2 ms), hold 30 s, unlock (2 ms), hand the connection over;
     * u waited from 2 s and takes one round trip more */
    assert_int_equal(u.done, 31 * SIM_S + 6 * SIM_MS);
    harness_end(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_concurrent_upserts_one_winner),
        cmocka_unit_test(test_db_round_trip_and_clock),
        cmocka_unit_test(test_db_lock_wait_makes_now_stale),
        cmocka_unit_test(test_db_transaction_age),
        cmocka_unit_test(test_db_slow_reply_grants_what_the_client_thinks_failed),
        cmocka_unit_test(test_db_outage),
        cmocka_unit_test(test_db_advisory_released_on_disconnect),
        cmocka_unit_test(test_db_pool_exhaustion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
