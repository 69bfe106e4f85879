/*
 * The SQL of each database statement of the environment port (env.h), on
 * the database clock (now() plus the session's app.skew) or with the
 * client's clock bound as :now. Used by live mode's client (pgenv.c) and by
 * the tests that run the statements on a real cluster.
 */
#ifndef SIM_LIVE_SQL_H
#define SIM_LIVE_SQL_H

#include <libpq-fe.h>
#include <stdint.h>

#include "../../guards/env.h"

/* What a statement's result looks like. */
enum sql_shape { SQL_ROWS_RETURNED, SQL_ROWS_AFFECTED, SQL_BOOL, SQL_PAIR };

/* Most parameters a statement binds as numbers (the size of sql_bind's buf). */
#define SQL_NUM_PARAMS 5

/* A statement's times, in real microseconds (instants since 1970). */
struct sql_times {
    int64_t hold_us, min_hold_us, client_now_us, until_us;
};

/* A granted lease row, in real microseconds; or SQL_PAIR's two numbers. */
struct sql_row {
    int64_t started_us, locked_until_us;
    uint64_t token;
    uint64_t first, second;
};

/*
 * The SQL of st and its parameters as text (vals has room for 8 and points
 * into buf, which has SQL_NUM_PARAMS rows). Returns the result's enum sql_shape, or -EINVAL for a
 * statement without SQL.
 */
int sql_bind(const struct env_stmt *st, const struct sql_times *t, const char **sql,
             const char **vals, int *n, char buf[][32]);

/* A finished statement's result r (borrowed): rows (0 or 1, or a boolean),
 * -EEXIST for a duplicate key, -EIO for another error. Fills out (may be
 * NULL) for a granted row. */
int sql_result(PGresult *r, int shape, struct sql_row *out);

/* Runs st on c and waits for it: as sql_result, or -ECONNRESET when the
 * session is gone. May block. */
int sql_exec(PGconn *c, const struct env_stmt *st, const struct sql_times *t, struct sql_row *out);

/*
 * The harness's own statements on the export's tables (export_live.c): the
 * source's items before the run ($1 their numbers, $2 their arrival in
 * real microseconds, as int8 arrays), and the rows to count after it: the
 * source (item, arrival us) and the sink (item, run, transaction, written us).
 */
extern const char sql_export_fill[], sql_export_source_rows[], sql_export_sink_rows[];

#endif
