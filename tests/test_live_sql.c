/*
 * One meaning for every database statement: the SQL live mode sends
 * (sim/live/sql.c), run on a real PostgreSQL cluster, and the simulated
 * database (sim/world/world_db.c) must answer a script of statements alike:
 * the same rows granted or refused, the same duplicate keys, the same
 * advisory locks, lease lengths and fencing tokens that grow the same way.
 * Time moves by skewing the real sessions' database clock (app.skew) by
 * minutes, so the milliseconds a real statement takes change no answer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../sim/live/sql.h"
#include "../sim/world/world.h"
#include "pg_fixture.h"

#define SESSIONS 2
#define SEC 1000000LL /* microseconds */

struct step {
    const char *what;
    struct env_stmt st; /* session: 0 or 1 (both databases' session of that index) */
    int64_t at_s;       /* the database clock, seconds after the start */
    int want;           /* rows (0 or 1, or a boolean), or -EEXIST */
};

#define LEASE(k, row, who, hold_s, min_s, check)                                                   \
    {                                                                                              \
        .kind = (k), .name = (row), .owner = (who), .hold = (hold_s)*SIM_S,                        \
        .min_hold = (min_s)*SIM_S, .check_owner = (check)                                          \
    }
#define SHED_CLIENT(k, row, who, hold_s, now_s, until_s)                                           \
    {                                                                                              \
        .kind = (k), .name = (row), .owner = (who), .hold = (hold_s)*SIM_S, .client_time = true,   \
        .client_now = (now_s)*SIM_S, .until = (until_s)*SIM_S                                      \
    }
#define SINK(tok)                                                                                  \
    {                                                                                              \
        .kind = ENV_SINK_WRITE, .token = (tok)                                                     \
    }
#define ADVISORY(k, sess)                                                                          \
    {                                                                                              \
        .kind = (k), .session = (sess), .key = 7                                                   \
    }

static const struct step script[] = {
    {"a acquires", LEASE(ENV_LEASE_UPSERT, "t", "a", 60, 0, false), 0, 1},
    {"b is refused while a holds", LEASE(ENV_LEASE_UPSERT, "t", "b", 60, 0, false), 10, 0},
    {"the read says held", LEASE(ENV_LEASE_READ, "t", "b", 0, 0, false), 10, 0},
    {"b cannot shorten a's lease", LEASE(ENV_LEASE_SHORTEN, "t", "b", 0, 20, true), 30, 0},
    {"a shortens to min lock", LEASE(ENV_LEASE_SHORTEN, "t", "a", 0, 20, true), 30, 1},
    {"the read says free", LEASE(ENV_LEASE_READ, "t", "b", 0, 0, false), 30, 1},
    {"b takes the row over", LEASE(ENV_LEASE_UPSERT, "t", "b", 60, 0, false), 30, 1},
    {"a cannot delete b's row", LEASE(ENV_LEASE_DELETE, "t", "a", 0, 0, true), 40, 0},
    {"b deletes its row", LEASE(ENV_LEASE_DELETE, "t", "b", 0, 0, true), 40, 1},
    {"a inserts it again", LEASE(ENV_LEASE_UPSERT, "t", "a", 60, 0, false), 40, 1},
    {"a read-then-write takes it anyway", LEASE(ENV_LEASE_WRITE, "t", "b", 60, 0, false), 50, 1},
    {"release after expiry shortens nothing", LEASE(ENV_LEASE_SHORTEN, "t", "b", 0, 0, false), 200,
     0},
    {"shedlock insert", SHED_CLIENT(ENV_SHEDLOCK_INSERT, "s", "a", 60, 0, 0), 0, 1},
    {"shedlock insert again: duplicate key", SHED_CLIENT(ENV_SHEDLOCK_INSERT, "s", "b", 60, 10, 0),
     10, -EEXIST},
    {"shedlock update while held", SHED_CLIENT(ENV_SHEDLOCK_UPDATE, "s", "b", 60, 10, 0), 10, 0},
    {"shedlock update after expiry", SHED_CLIENT(ENV_SHEDLOCK_UPDATE, "s", "b", 60, 70, 0), 70, 1},
    {"shedlock unlock at client time", SHED_CLIENT(ENV_SHEDLOCK_UNLOCK, "s", "b", 0, 80, 80), 80,
     1},
    {"shedlock update once unlocked", SHED_CLIENT(ENV_SHEDLOCK_UPDATE, "s", "a", 60, 90, 0), 90, 1},
    {"shedlock db-time upsert", LEASE(ENV_SHEDLOCK_UPSERT, "u", "a", 60, 0, false), 0, 1},
    {"shedlock db-time upsert while held", LEASE(ENV_SHEDLOCK_UPSERT, "u", "b", 60, 0, false), 10,
     0},
    {"shedlock db-time unlock keeps lockAtLeastFor",
     LEASE(ENV_SHEDLOCK_UNLOCK, "u", "a", 0, 30, true), 20, 1},
    {"still held until locked_at + 30 s", LEASE(ENV_SHEDLOCK_UPSERT, "u", "b", 60, 0, false), 25,
     0},
    {"free after it", LEASE(ENV_SHEDLOCK_UPSERT, "u", "b", 60, 0, false), 31, 1},
    {"advisory lock, session 0", ADVISORY(ENV_ADVISORY_TRY_LOCK, 0), 0, 1},
    {"advisory lock, session 1 refused", ADVISORY(ENV_ADVISORY_TRY_LOCK, 1), 0, 0},
    {"xact lock refused while held", ADVISORY(ENV_ADVISORY_XACT_TRY_LOCK, 1), 0, 0},
    {"unlock by a non-holder", ADVISORY(ENV_ADVISORY_UNLOCK, 1), 0, 0},
    {"unlock by the holder", ADVISORY(ENV_ADVISORY_UNLOCK, 0), 0, 1},
    {"xact lock, released as it ends", ADVISORY(ENV_ADVISORY_XACT_TRY_LOCK, 1), 0, 1},
    {"so session 0 gets it again", ADVISORY(ENV_ADVISORY_TRY_LOCK, 0), 0, 1},
    {"the sink takes a write with no token", SINK(0), 0, 1},
    {"and one with token 5", SINK(5), 0, 1},
    {"it refuses token 4: fenced", SINK(4), 0, 0},
    {"token 5 again is taken", SINK(5), 0, 1},
    {"no token is still taken", SINK(0), 0, 1},
    {"token 9 is taken", SINK(9), 0, 1},
    {"and now 5 is refused", SINK(5), 0, 0},
};

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

static void test_live_sql_same_answers_as_the_simulated_database(void **state)
{
    (void)state;
    static struct world_db sim; /* large: not on the stack */
    world_db_init(&sim);
    int sid[SESSIONS];
    PGconn *real[SESSIONS];
    char err[300];
    for (int i = 0; i < SESSIONS; i++) {
        sid[i] = world_db_session_new(&sim);
        assert_true(sid[i] >= 0);
        real[i] = pg_session(db.conninfo, db.schema, 0, err, sizeof(err));
        if (!real[i])
            fail_msg("session: %s", err);
    }
    int64_t t0 = wall_us(); /* the real database's clock at time 0 of the script */
    uint64_t last_sim = 0, last_real = 0;
    for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
        const struct step *s = &script[i];
        int k = s->st.session; /* advisory steps name a session; the rest use session 0 */
        struct env_stmt st = s->st;
        st.session = sid[k];
        struct env_row row = {0};
        int got_sim = world_db_apply(&sim, &st, sid[k], s->at_s * SIM_S, &row);

        /* the real session's database clock reads t0 + at_s (plus the ms since t0) */
        assert_int_equal(pg_set_skew(real[k], t0 + s->at_s * SEC - wall_us()), 0);
        struct sql_times t = {
            .hold_us = st.hold / SIM_US,
            .min_hold_us = st.min_hold / SIM_US,
            .client_now_us = t0 + st.client_now / SIM_US,
            .until_us = t0 + st.until / SIM_US,
        };
        struct sql_row got = {0};
        int got_real = sql_exec(real[k], &st, &t, &got);

        if (got_sim != s->want || got_real != s->want)
            fail_msg("%s: simulated %d, PostgreSQL %d, expected %d", s->what, got_sim, got_real,
                     s->want);
        bool grant = got_real == 1 && (st.kind == ENV_LEASE_UPSERT || st.kind == ENV_LEASE_WRITE);
        if (grant) { /* the same lease length, and tokens that only grow, on both */
            assert_int_equal((row.locked_until - row.started_at) / SIM_US,
                             got.locked_until_us - got.started_us);
            assert_true(row.token > last_sim && got.token > last_real);
            last_sim = row.token;
            last_real = got.token;
        }
    }
    for (int i = 0; i < SESSIONS; i++)
        PQfinish(real[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_sql_same_answers_as_the_simulated_database),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
