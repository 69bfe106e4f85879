/*
 * The one table of SQL behind the database statements of the environment
 * port (guards/env.h): what live mode sends for each statement, and what the
 * tests run on a real cluster. The simulated database (world/world_db.c)
 * implements the same statements' meaning; tests/test_live_sql.c runs every
 * statement on both and compares. Times are real microseconds here.
 */
#include "sql.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements' SQL, laid out as SQL rather than by clang-format. */
/* clang-format off */

/* The database clock: the transaction's start plus this session's skew. */
#define DBNOW "(now() + current_setting('app.skew')::interval)"
#define US(n) "($" #n "::int8 * interval '1 microsecond')"
#define TS(n) "('epoch'::timestamptz + $" #n "::int8 * interval '1 microsecond')"
#define EPOCH_US(x) "(extract(epoch from " x ") * 1000000)::int8"

/* $1 name, $2 owner, $3 hold, then :now */
#define LEASE_GRANT(T, WHERE)                                                                      \
    "INSERT INTO task_lock AS t (task_name, started_at, locked_until, locked_by, token) "          \
    "VALUES ($1, " T ", " T " + " US(3) ", $2, nextval('task_lock_token')) "                       \
    "ON CONFLICT (task_name) DO UPDATE SET started_at = EXCLUDED.started_at, "                     \
    "locked_until = EXCLUDED.locked_until, locked_by = EXCLUDED.locked_by, "                       \
    "token = EXCLUDED.token " WHERE " RETURNING " EPOCH_US("t.started_at") ", " EPOCH_US(          \
        "t.locked_until") ", t.token"
#define LEASE_UPSERT(T) LEASE_GRANT(T, "WHERE t.locked_until <= " T)
#define LEASE_WRITE(T) LEASE_GRANT(T, "")
/* $1 name, $2 owner, $3 check owner, $4 min_hold, then :now */
#define OWNER "(NOT $3::bool OR locked_by = $2)"
#define LEASE_SHORTEN(T)                                                                           \
    "UPDATE task_lock SET locked_until = started_at + " US(4) " WHERE task_name = $1 "             \
    "AND locked_until > " T " AND " OWNER
#define LEASE_DELETE(T)                                                                            \
    "DELETE FROM task_lock WHERE task_name = $1 AND started_at + " US(4) " <= " T " AND " OWNER
/* $1 name, then :now */
#define LEASE_READ(T)                                                                              \
    "SELECT coalesce((SELECT locked_until <= " T " FROM task_lock WHERE task_name = $1), true)"
/* $1 name, $2 owner, $3 hold, then :now */
#define SHED_INSERT(T)                                                                             \
    "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) "                               \
    "VALUES ($1, " T " + " US(3) ", " T ", $2)"
#define SHED_UPDATE(T)                                                                             \
    "UPDATE shedlock SET lock_until = " T " + " US(3) ", locked_at = " T ", locked_by = $2 "       \
    "WHERE name = $1 AND lock_until <= " T
#define SHED_UPSERT(T)                                                                             \
    "INSERT INTO shedlock AS s (name, lock_until, locked_at, locked_by) "                          \
    "VALUES ($1, " T " + " US(3) ", " T ", $2) ON CONFLICT (name) DO UPDATE SET "                  \
    "lock_until = EXCLUDED.lock_until, locked_at = EXCLUDED.locked_at, "                           \
    "locked_by = EXCLUDED.locked_by WHERE s.lock_until <= " T
/* $1 name, $2 owner, $3 check owner, $4 min_hold (database time) or until (client time) */
#define SHED_UNLOCK_DB                                                                             \
    "UPDATE shedlock SET lock_until = CASE WHEN locked_at + " US(4) " > " DBNOW                   \
    " THEN locked_at + " US(4) " ELSE " DBNOW " END WHERE name = $1 AND " OWNER
#define SHED_UNLOCK_CLIENT                                                                         \
    "UPDATE shedlock SET lock_until = " TS(4) " WHERE name = $1 AND " OWNER
/* $1 token: the sink's one row keeps the highest token it took */
#define SINK_WRITE                                                                                 \
    "INSERT INTO job_sink AS s (id, max_token, writes) VALUES (1, $1::int8, 1) "                  \
    "ON CONFLICT (id) DO UPDATE SET max_token = greatest(s.max_token, EXCLUDED.max_token), "      \
    "writes = s.writes + 1 WHERE EXCLUDED.max_token = 0 OR EXCLUDED.max_token >= s.max_token"
/* the export's storage: $1 from, $2 to, $3 run, $4 node */
#define EXPORT_FETCH                                                                               \
    "SELECT (SELECT watermark FROM export_state WHERE id = 1), "                                  \
    "coalesce((SELECT max(item) FROM export_source WHERE arrives <= clock_timestamp()), 0)"
#define EXPORT_WRITE                                                                               \
    "INSERT INTO export_sink (item, run, node) "                                                  \
    "SELECT g, $3::int8, $4::int4 FROM generate_series($1::int8, $2::int8) g"
/* $1 the row */
#define EXPORT_LOCK_ROW "UPDATE export_shared SET n = n + 1 WHERE id = $1::int4"
/* $1 move, $2 to, $3 token */
#define EXPORT_WATERMARK                                                                           \
    "UPDATE export_state SET watermark = CASE WHEN $1::bool THEN $2::int8 ELSE watermark END "    \
    "WHERE id = 1 AND ($3::int8 = 0 OR "                                                          \
    "$3::int8 >= coalesce((SELECT max_token FROM job_sink WHERE id = 1), 0))"
/* clang-format on */

const char sql_export_fill[] =
    "INSERT INTO export_source (item, arrives) SELECT i, 'epoch'::timestamptz + t * interval "
    "'1 microsecond' FROM unnest($1::int8[], $2::int8[]) AS s(i, t)";
const char sql_export_source_rows[] =
    "SELECT item, " EPOCH_US("arrives") " FROM export_source ORDER BY item";
const char sql_export_sink_rows[] =
    "SELECT item, run, txid, " EPOCH_US("at") " FROM export_sink ORDER BY seq";

struct stmt_sql {
    const char *db, *client; /* on the database clock; with :now bound */
    int nargs;               /* before :now */
    enum sql_shape shape;
};

static const struct stmt_sql sqls[] = {
    [ENV_LEASE_UPSERT] = {LEASE_UPSERT(DBNOW), LEASE_UPSERT(TS(4)), 3, SQL_ROWS_RETURNED},
    [ENV_LEASE_SHORTEN] = {LEASE_SHORTEN(DBNOW), LEASE_SHORTEN(TS(5)), 4, SQL_ROWS_AFFECTED},
    [ENV_LEASE_DELETE] = {LEASE_DELETE(DBNOW), LEASE_DELETE(TS(5)), 4, SQL_ROWS_AFFECTED},
    [ENV_SHEDLOCK_INSERT] = {SHED_INSERT(DBNOW), SHED_INSERT(TS(4)), 3, SQL_ROWS_AFFECTED},
    [ENV_SHEDLOCK_UPDATE] = {SHED_UPDATE(DBNOW), SHED_UPDATE(TS(4)), 3, SQL_ROWS_AFFECTED},
    [ENV_SHEDLOCK_UPSERT] = {SHED_UPSERT(DBNOW), SHED_UPSERT(TS(4)), 3, SQL_ROWS_AFFECTED},
    [ENV_SHEDLOCK_UNLOCK] = {SHED_UNLOCK_DB, SHED_UNLOCK_CLIENT, 4, SQL_ROWS_AFFECTED},
    [ENV_ADVISORY_TRY_LOCK] = {"SELECT pg_try_advisory_lock($1::int8)", NULL, 1, SQL_BOOL},
    [ENV_ADVISORY_UNLOCK] = {"SELECT pg_advisory_unlock($1::int8)", NULL, 1, SQL_BOOL},
    [ENV_LEASE_READ] = {LEASE_READ(DBNOW), LEASE_READ(TS(2)), 1, SQL_BOOL},
    [ENV_LEASE_WRITE] = {LEASE_WRITE(DBNOW), LEASE_WRITE(TS(4)), 3, SQL_ROWS_RETURNED},
    [ENV_ADVISORY_XACT_TRY_LOCK] = {"SELECT pg_try_advisory_xact_lock($1::int8)", NULL, 1,
                                    SQL_BOOL},
    [ENV_SINK_WRITE] = {SINK_WRITE, NULL, 1, SQL_ROWS_AFFECTED},
    [ENV_EXPORT_FETCH] = {EXPORT_FETCH, NULL, 0, SQL_PAIR},
    [ENV_EXPORT_WRITE] = {EXPORT_WRITE, NULL, 4, SQL_ROWS_AFFECTED},
    [ENV_EXPORT_LOCK_ROW] = {EXPORT_LOCK_ROW, NULL, 1, SQL_ROWS_AFFECTED},
    [ENV_EXPORT_WATERMARK] = {EXPORT_WATERMARK, NULL, 3, SQL_ROWS_AFFECTED},
    [ENV_TX_BEGIN] = {"BEGIN", NULL, 0, SQL_ROWS_AFFECTED},
    [ENV_TX_COMMIT] = {"COMMIT", NULL, 0, SQL_ROWS_AFFECTED},
    [ENV_TX_ROLLBACK] = {"ROLLBACK", NULL, 0, SQL_ROWS_AFFECTED},
};

/* The statement's SQL and its parameters as text (vals point into buf). */
int sql_bind(const struct env_stmt *st, const struct sql_times *t, const char **sql,
             const char **vals, int *n, char buf[][32])
{
    if ((unsigned)st->kind >= sizeof(sqls) / sizeof(sqls[0]) || !sqls[st->kind].db)
        return -EINVAL;
    const struct stmt_sql *s = &sqls[st->kind];
    const char *name = st->name ? st->name : "", *owner = st->owner ? st->owner : "";
    int k = 0;
    switch (st->kind) {
    case ENV_ADVISORY_TRY_LOCK:
    case ENV_ADVISORY_UNLOCK:
    case ENV_ADVISORY_XACT_TRY_LOCK:
    case ENV_EXPORT_LOCK_ROW:
        snprintf(buf[0], 32, "%" PRId64, st->key);
        vals[k++] = buf[0];
        break;
    case ENV_LEASE_READ:
        vals[k++] = name;
        break;
    case ENV_SINK_WRITE:
        snprintf(buf[0], 32, "%" PRIu64, st->token);
        vals[k++] = buf[0];
        break;
    case ENV_EXPORT_FETCH:
    case ENV_TX_BEGIN:
    case ENV_TX_COMMIT:
    case ENV_TX_ROLLBACK:
        break;
    case ENV_EXPORT_WRITE:
        snprintf(buf[0], 32, "%" PRIu64, st->from);
        snprintf(buf[1], 32, "%" PRIu64, st->to);
        snprintf(buf[2], 32, "%" PRIu64, st->run);
        snprintf(buf[3], 32, "%d", st->node);
        for (int i = 0; i < 4; i++)
            vals[k++] = buf[i];
        break;
    case ENV_EXPORT_WATERMARK:
        vals[k++] = st->move ? "t" : "f";
        snprintf(buf[0], 32, "%" PRIu64, st->to);
        snprintf(buf[1], 32, "%" PRIu64, st->token);
        vals[k++] = buf[0];
        vals[k++] = buf[1];
        break;
    case ENV_LEASE_SHORTEN:
    case ENV_LEASE_DELETE:
    case ENV_SHEDLOCK_UNLOCK:
        vals[k++] = name;
        vals[k++] = owner;
        vals[k++] = st->check_owner ? "t" : "f";
        if (st->kind == ENV_SHEDLOCK_UNLOCK && st->client_time)
            snprintf(buf[0], 32, "%" PRId64, t->until_us);
        else
            snprintf(buf[0], 32, "%" PRId64, t->min_hold_us);
        vals[k++] = buf[0];
        break;
    default: /* the grants */
        vals[k++] = name;
        vals[k++] = owner;
        snprintf(buf[0], 32, "%" PRId64, t->hold_us);
        vals[k++] = buf[0];
        break;
    }
    bool client = st->client_time && s->client;
    if (client && st->kind != ENV_SHEDLOCK_UNLOCK) {
        snprintf(buf[1], 32, "%" PRId64, t->client_now_us);
        vals[k++] = buf[1];
    }
    *sql = client ? s->client : s->db;
    *n = k;
    return (int)s->shape;
}

int sql_result(PGresult *r, int shape, struct sql_row *out)
{
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
        if (shape == SQL_BOOL)
            return PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
        if (shape == SQL_PAIR) {
            if (PQntuples(r) != 1 || PQnfields(r) != 2)
                return -EIO;
            if (out) {
                out->first = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
                out->second = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
            }
            return 1;
        }
        if (PQntuples(r) == 0)
            return 0;
        if (out) {
            out->started_us = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            out->locked_until_us = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            out->token = strtoull(PQgetvalue(r, 0, 2), NULL, 10);
        }
        return 1;
    case PGRES_COMMAND_OK:
        return atoi(PQcmdTuples(r)) > 0;
    default: {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && strcmp(state, "23505") == 0) /* unique_violation */
            return -EEXIST;
        if (state && strcmp(state, "40P01") == 0) /* deadlock_detected */
            return -EDEADLK;
        return -EIO;
    }
    }
}

int sql_exec(PGconn *c, const struct env_stmt *st, const struct sql_times *t, struct sql_row *out)
{
    const char *sql, *vals[8];
    char buf[SQL_NUM_PARAMS][32];
    int n;
    int shape = sql_bind(st, t, &sql, vals, &n, buf);
    if (shape < 0)
        return shape;
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    if (!r)
        return -ECONNRESET;
    int rc = sql_result(r, shape, out);
    if (rc == -EIO && PQstatus(c) == CONNECTION_BAD)
        rc = -ECONNRESET;
    PQclear(r);
    return rc;
}
