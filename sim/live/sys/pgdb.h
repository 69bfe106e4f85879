/*
 * PostgreSQL for live mode: a throwaway cluster (initdb and pg_ctl in a
 * temporary directory, unix socket only, fsync off; as the postgres user
 * when we are root, since postgres refuses to run as root), or a server the
 * user names with --dsn; the task_lock table; sessions on a skewed
 * database clock. The statements the database guards make are in sql.c.
 *
 * Database time is now() (the transaction's start; each statement here is
 * its own transaction) plus the session's app.skew: a skewed database clock
 * is skewed in SQL, never by preloading libfaketime into the server.
 * Durations and instants at this interface are real microseconds: the live
 * environment converts from simulated time.
 */
#ifndef SIM_LIVE_PGDB_H
#define SIM_LIVE_PGDB_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

struct pg_cluster {
    char dir[PATH_MAX]; /* data/, the socket, server.log; removed by stop */
    char bin[PATH_MAX]; /* where initdb and pg_ctl are */
    char conninfo[PATH_MAX + 64];
    bool as_postgres; /* we are root: run the server as postgres */
    bool keep;        /* stop leaves the directory and its logs */
    bool running;
};

/*
 * Creates and starts a cluster in a new directory under parent (which must
 * exist). About a second. Returns 0, or -LIVE_EDB with the reason in err;
 * on failure nothing is left behind (but the logs, with keep).
 */
int pg_cluster_start(struct pg_cluster *c, const char *parent, bool keep, char *err, size_t errlen);

/* Stops the server (immediate shutdown) and removes its directory unless keep. Idempotent. */
void pg_cluster_stop(struct pg_cluster *c);

/* Stops the server of a cluster in dir that a killed run left, and removes dir. */
void pg_cluster_orphan_stop(const char *dir);

/*
 * The harness's own session and what it created: a schema of its own, so a
 * server given with --dsn is touched nowhere else, holding task_lock (with
 * the sequence task_lock_token for fencing tokens) and ShedLock's shedlock.
 * Every session of the run puts that schema first in its search_path.
 */
struct pg_db {
    PGconn *admin;
    char conninfo[PATH_MAX + 64];
    char schema[64];
};

/*
 * Connects to conninfo (key=value or a URI) and creates the run's schema
 * and its task_lock table. 0, or -LIVE_EDB with a one-line reason in err
 * (an unreachable server, a refused login).
 */
int pg_db_open(struct pg_db *db, const char *conninfo, char *err, size_t errlen);

/*
 * Drops the schemas (overlapsim_PID_START_HOST) that killed runs of this
 * host left in db's server. Their names, comma-separated, in names ("" if
 * none). Returns how many, or a negative errno.
 */
int pg_db_drop_orphans(struct pg_db *db, char *names, size_t len);

/*
 * "-c search_path=NAME" for libpq's options or PGOPTIONS: NAME quoted as an
 * identifier, spaces and backslashes escaped as those options want.
 */
void pg_search_path_option(const char *schema, char *buf, size_t len);

/* The schema's name quoted as an SQL identifier (PQescapeIdentifier); "" if it cannot be. */
char *pg_db_schema_quoted(const struct pg_db *db, char *buf, size_t len);

/* Drops the schema (and so only what this run created) and disconnects. Idempotent. */
void pg_db_close(struct pg_db *db);

/*
 * A new session of the run (search_path = schema) whose database clock runs
 * skew_us ahead (negative: behind). NULL with a reason in err.
 */
PGconn *pg_session(const char *conninfo, const char *schema, int64_t skew_us, char *err,
                   size_t errlen);
/* pg_session whose application_name is app (pg_stat_activity shows it; a fault finds it). */
PGconn *pg_session_as(const char *conninfo, const char *schema, const char *app, int64_t skew_us,
                      char *err, size_t errlen);
/* Sets the session's database clock skew. 0 or negative errno. */
int pg_set_skew(PGconn *c, int64_t skew_us);
/* The database clock as this session sees it, in microseconds since 1970: 0 or negative errno. */
int pg_now(PGconn *c, int64_t *us);

/* Ends the session of backend pid from session admin (a disconnect fault): 0 or negative. */
int pg_terminate(PGconn *admin, int pid);

/*
 * Ends every other session whose application_name is app (prefix: begins
 * with app), and waits (a second at most) until their backends are gone,
 * and their locks with them. Returns how many were ended, or negative errno.
 */
int pg_terminate_app(PGconn *admin, const char *app, bool prefix);

/*
 * Row-lock contention from a second session: locks the rows named task in
 * task_lock and shedlock (creating them expired if missing) in an open
 * transaction until pg_contend_end. Statements that write those rows wait
 * meanwhile (a plain SELECT does not). 0 or negative errno.
 */
int pg_contend_begin(PGconn *c, const char *task);
int pg_contend_end(PGconn *c);

/* The first line of the session's last error, for messages. */
const char *pg_error(PGconn *c, char *buf, size_t len);

#endif
