/*
 * The database side of live mode (see pgdb.h): the run's schema and
 * task_lock table, and the statements of the database guards. Every value
 * goes in as a parameter (PQexecParams); the one identifier we build, the
 * schema's name, is quoted: with PQescapeIdentifier in SQL text (CREATE,
 * DROP), and by the same rule in each session's search_path option.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/env_live.h"
#include "live.h"
#include "owner.h"
#include "sys/pgdb.h"

/* The database clock: the transaction's start plus this session's skew. */
#define DB_NOW "(now() + current_setting('app.skew')::interval)"
#define EPOCH_US(x) "(extract(epoch from " x ") * 1000000)::int8"

const char *pg_error(PGconn *c, char *buf, size_t len)
{
    const char *m = c ? PQerrorMessage(c) : "out of memory";
    snprintf(buf, len, "%.*s", (int)strcspn(m, "\n"), m);
    if (!buf[0])
        snprintf(buf, len, "unknown error");
    return buf;
}

/* Runs sql with text parameters; the result, or NULL with *rc set. */
static PGresult *exec(PGconn *c, const char *sql, int n, const char *const *v, int *rc)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    PQclear(r);
    *rc = PQstatus(c) == CONNECTION_BAD ? -ECONNRESET : -EIO;
    return NULL;
}

static int exec_cmd(PGconn *c, const char *sql, int n, const char *const *v)
{
    int rc = 0;
    PGresult *r = exec(c, sql, n, v, &rc);
    PQclear(r);
    return rc;
}

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* name as a quoted SQL identifier ("a""b"), or "" if it cannot be quoted. */
static char *quote_ident(PGconn *c, const char *name, char *buf, size_t len)
{
    char *q = PQescapeIdentifier(c, name, strlen(name));
    snprintf(buf, len, "%s", q && strlen(q) < len ? q : "");
    PQfreemem(q);
    return buf;
}

/*
 * "-c search_path=..." for the startup packet (no round trip: cron starts a
 * client per firing): the name quoted as an identifier, as
 * PQescapeIdentifier would (there is no connection yet to ask), then
 * spaces and backslashes escaped for libpq's options.
 */
void pg_search_path_option(const char *schema, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "-c search_path=\\\"");
    for (const char *p = schema; *p && n + 6 < len; p++) {
        if (*p == '"')
            buf[n++] = '\\', buf[n++] = '"'; /* "" inside the identifier */
        if (*p == ' ' || *p == '\\' || *p == '"')
            buf[n++] = '\\';
        buf[n++] = *p;
    }
    snprintf(buf + n, len - n, "\\\"");
}

static PGconn *connect_to(const char *conninfo, const char *schema, const char *app, char *err,
                          size_t errlen)
{
    char opts[400], why[256];
    const char *keys[] = {"dbname", "options", "application_name", NULL};
    const char *vals[] = {conninfo, opts, app, NULL};
    pg_search_path_option(schema && *schema ? schema : "public", opts, sizeof(opts));
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c)
        PQsetNoticeProcessor(c, quiet, NULL); /* "drop cascades to ...": not for the user */
    if (!c || PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "%s", pg_error(c, why, sizeof(why)));
        PQfinish(c);
        return NULL;
    }
    return c;
}

int pg_set_skew(PGconn *c, int64_t skew_us)
{
    char v[64];
    snprintf(v, sizeof(v), "%lld microseconds", (long long)skew_us);
    const char *p[] = {v};
    return exec_cmd(c, "SELECT set_config('app.skew', $1, false)", 1, p);
}

PGconn *pg_session_as(const char *conninfo, const char *schema, const char *app, int64_t skew_us,
                      char *err, size_t errlen)
{
    PGconn *c = connect_to(conninfo, schema, app, err, errlen);
    if (c && pg_set_skew(c, skew_us) != 0) {
        char why[256];
        snprintf(err, errlen, "%s", pg_error(c, why, sizeof(why)));
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGconn *pg_session(const char *conninfo, const char *schema, int64_t skew_us, char *err,
                   size_t errlen)
{
    return pg_session_as(conninfo, schema, "overlapsim", skew_us, err, errlen);
}

int pg_db_drop_orphans(struct pg_db *db, char *names, size_t len)
{
    int rc = 0, n = 0;
    names[0] = 0;
    PGresult *r = exec(db->admin,
                       "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'overlapsim\\_%' "
                       "ORDER BY 1",
                       0, NULL, &rc);
    if (!r)
        return rc;
    struct live_owner me;
    live_owner_self(&me);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0);
        struct live_owner o;
        if (live_owner_parse(name, "overlapsim_", true, &o) != 0 || o.host != me.host ||
            !live_owner_gone(&o))
            continue; /* not ours, another machine's, or its run goes on */
        char sql[256], q[160];
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE",
                 quote_ident(db->admin, name, q, sizeof(q)));
        PGresult *d = PQexec(db->admin, sql);
        if (PQresultStatus(d) == PGRES_COMMAND_OK) {
            size_t k = strlen(names);
            snprintf(names + k, len - k, "%s%s", n ? ", " : "", name);
            n++;
        }
        PQclear(d);
    }
    PQclear(r);
    return n;
}

int pg_db_open(struct pg_db *db, const char *conninfo, char *err, size_t errlen)
{
    char why[300];
    memset(db, 0, sizeof(*db));
    snprintf(db->conninfo, sizeof(db->conninfo), "%s", conninfo);
    /* named by its owner, so that the next run drops it if this one is killed */
    static atomic_int serial;
    struct live_owner me;
    live_owner_self(&me);
    snprintf(db->schema, sizeof(db->schema), "overlapsim_%ld_%llu_%08x_%d", me.pid, me.start,
             me.host, atomic_fetch_add(&serial, 1));
    db->admin = connect_to(conninfo, db->schema, "overlapsim", why, sizeof(why));
    if (!db->admin) {
        snprintf(err, errlen, "cannot connect to the database: %s", why);
        db->schema[0] = 0;
        return -LIVE_EDB;
    }
    /* shedlock as ShedLock's PostgreSQL DDL, but timestamptz: no session time zone in play */
    char sql[4096], q[160];
    quote_ident(db->admin, db->schema, q, sizeof(q));
    snprintf(
        sql, sizeof(sql),
        "CREATE SCHEMA %s; CREATE TABLE %s.task_lock (task_name text PRIMARY KEY, "
        "started_at timestamptz NOT NULL, locked_until timestamptz NOT NULL, "
        "locked_by text NOT NULL DEFAULT '', token bigint NOT NULL DEFAULT 0); "
        "CREATE SEQUENCE %s.task_lock_token; "
        "CREATE TABLE %s.shedlock (name varchar(64) PRIMARY KEY, "
        "lock_until timestamptz NOT NULL, locked_at timestamptz NOT NULL, "
        "locked_by varchar(255) NOT NULL); "
        "CREATE TABLE %s.job_sink (id int PRIMARY KEY, max_token bigint NOT NULL, "
        "writes bigint NOT NULL); "
        "CREATE TABLE %s.export_source (item bigint PRIMARY KEY, arrives timestamptz NOT NULL); "
        "CREATE TABLE %s.export_sink (seq bigserial PRIMARY KEY, item bigint NOT NULL, "
        "run bigint NOT NULL, node int NOT NULL, txid bigint NOT NULL DEFAULT txid_current(), "
        "at timestamptz NOT NULL DEFAULT clock_timestamp()); "
        "CREATE TABLE %s.export_state (id int PRIMARY KEY, watermark bigint NOT NULL); "
        "INSERT INTO %s.export_state VALUES (1, 0); "
        "CREATE TABLE %s.export_shared (id int PRIMARY KEY, n bigint NOT NULL); "
        "INSERT INTO %s.export_shared SELECT g, 0 FROM generate_series(0, 15) g",
        q, q, q, q, q, q, q, q, q, q, q);
    PGresult *r = PQexec(db->admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok || pg_set_skew(db->admin, 0) != 0) {
        snprintf(err, errlen, "cannot create the lock and export tables: %s",
                 pg_error(db->admin, why, sizeof(why)));
        pg_db_close(db);
        return -LIVE_EDB;
    }
    return 0;
}

char *pg_db_schema_quoted(const struct pg_db *db, char *buf, size_t len)
{
    return quote_ident(db->admin, db->schema, buf, len);
}

void pg_db_close(struct pg_db *db)
{
    if (db->admin && db->schema[0]) {
        char sql[256], q[160];
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE",
                 quote_ident(db->admin, db->schema, q, sizeof(q)));
        PQclear(PQexec(db->admin, sql));
    }
    PQfinish(db->admin);
    db->admin = NULL;
    db->schema[0] = 0;
}

static int64_t col_i64(PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int pg_now(PGconn *c, int64_t *us)
{
    int rc = 0;
    PGresult *r = exec(c, "SELECT " EPOCH_US(DB_NOW), 0, NULL, &rc);
    if (!r)
        return rc;
    *us = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

static int bool_query(PGconn *c, const char *sql, int64_t key)
{
    char k[32];
    snprintf(k, sizeof(k), "%lld", (long long)key);
    const char *p[] = {k};
    int rc = 0;
    PGresult *r = exec(c, sql, 1, p, &rc);
    if (!r)
        return rc;
    rc = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return rc;
}

int pg_terminate(PGconn *admin, int pid)
{
    int rc = bool_query(admin, "SELECT pg_terminate_backend($1::int4)", pid);
    return rc == 1 ? 0 : rc == 0 ? -ESRCH : rc;
}

int pg_contend_begin(PGconn *c, const char *task)
{
    const char *p[] = {task};
    int rc = exec_cmd(c,
                      "INSERT INTO task_lock (task_name, started_at, locked_until) "
                      "VALUES ($1, 'epoch', 'epoch') ON CONFLICT (task_name) DO NOTHING",
                      1, p);
    if (!rc)
        rc = exec_cmd(c,
                      "INSERT INTO shedlock (name, lock_until, locked_at, locked_by) "
                      "VALUES ($1, 'epoch', 'epoch', '') ON CONFLICT (name) DO NOTHING",
                      1, p);
    if (!rc)
        rc = exec_cmd(c, "BEGIN", 0, NULL);
    if (!rc)
        rc = exec_cmd(c, "SELECT 1 FROM task_lock WHERE task_name = $1 FOR UPDATE", 1, p);
    if (!rc)
        rc = exec_cmd(c, "SELECT 1 FROM shedlock WHERE name = $1 FOR UPDATE", 1, p);
    if (rc && PQtransactionStatus(c) != PQTRANS_IDLE)
        exec_cmd(c, "ROLLBACK", 0, NULL);
    return rc;
}

int pg_terminate_app(PGconn *admin, const char *app, bool prefix)
{
    char sql[320];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FILTER (WHERE t), coalesce(string_agg(pid::text, ',') FILTER "
             "(WHERE t), '') FROM (SELECT pid, pg_terminate_backend(pid) AS t "
             "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND %s) AS s",
             prefix ? "left(application_name, length($1)) = $1" : "application_name = $1");
    const char *p[] = {app};
    int rc = 0;
    PGresult *r = exec(admin, sql, 1, p, &rc);
    if (!r)
        return rc;
    int n = (int)col_i64(r, 0, 0);
    char pids[1024];
    snprintf(pids, sizeof(pids), "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    /* the backends exit within a millisecond or so: until then they hold their locks
     * (pg_terminate_backend's own wait polls every 100 ms, too coarse here) */
    const char *q[] = {pids};
    for (int i = 0; n > 0 && i < 5000; i++) {
        r = exec(admin,
                 "SELECT count(*) FROM pg_stat_activity "
                 "WHERE pid = ANY(string_to_array($1, ',')::int4[])",
                 1, q, &rc);
        if (!r)
            return rc;
        bool gone = col_i64(r, 0, 0) == 0;
        PQclear(r);
        if (gone)
            break;
        usleep(200);
    }
    return n;
}

int pg_contend_end(PGconn *c)
{
    return exec_cmd(c, "COMMIT", 0, NULL);
}
