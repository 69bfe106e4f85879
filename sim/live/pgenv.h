/*
 * PostgreSQL behind the live environment port (see guards/env_live.h): the
 * backend a worker process plugs into its env_live so that the database
 * guards run live. One pool of db.pool connections per process, filled at
 * set-up; each env_stmt kind becomes the SQL written beside it in
 * guards/env.h, every value a parameter, on the database clock now() +
 * app.skew; simulated durations and instants become real ones at the run's
 * speed and epoch, and timestamps coming back become simulated again.
 *
 * The network between client and server is emulated where PostgreSQL on
 * the same host has none: db.latency is added to each round trip, and the
 * windows of db-outage and db-slow-reply (which the harness announces) act
 * here, in the client, as the simulator's do: a statement sent in an outage
 * is never sent and fails after db.timeout; one executed in a slow-reply
 * window has its reply held back. db.timeout is the client's: at the
 * deadline it sends a cancel request (JDBC's query timeout), so a statement
 * still waiting for a lock is cancelled while one that ran keeps its effect.
 */
#ifndef SIM_LIVE_PGENV_H
#define SIM_LIVE_PGENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/env_live.h"
#include "../base/dist.h"
#include "live.h"

/* What a worker's database client needs to know (the harness sends it). */
struct pgenv_config {
    int node;
    uint64_t seed;    /* draws of db.latency and slow replies */
    int pool;         /* db.pool */
    sim_time timeout; /* db.timeout, simulated */
    int64_t skew_us;  /* app.skew: the database clock minus true time, less db.tx_age (real us) */
    struct dist latency; /* db.latency: one round trip, simulated */
    char schema[64];
    bool lazy; /* connect when first needed, not at set-up (not in the message) */
};

struct pgenv;

/* "setup NODE SEED POOL TIMEOUT SKEW_US SCHEMA LATENCY" into buf: its length, or -ENOSPC. */
int pgenv_config_format(const struct pgenv_config *c, char *buf, size_t len);
/* Reads what pgenv_config_format wrote (after "setup "): 0 or -EPROTO. */
int pgenv_config_parse(const char *text, struct pgenv_config *c);

/*
 * Connects the pool (c->pool sessions of schema c->schema on conninfo, each
 * named "SCHEMA:NODE" in pg_stat_activity, or none yet if c->lazy: each
 * connects when first needed) and returns the backend in *out;
 * database errors and fault hits are reported to the event socket at events
 * (NULL: nowhere). 0, or -LIVE_EDB with a one-line reason in err.
 */
int pgenv_new(const struct pgenv_config *c, const char *conninfo, const char *events,
              struct pgenv **out, char *err, size_t errlen);

/*
 * The configuration of p with its database clock as it is now, formatted as
 * pgenv_config_format does: what a process of its own (cron's `worker
 * --once`) needs to set up a client like p's. Its length, or -ENOSPC.
 */
int pgenv_config_now(struct pgenv *p, char *buf, size_t len);

/* Disconnects and frees p (NULL is fine). No statement may be running. */
void pgenv_free(struct pgenv *p);

/* The env_live_db to plug into an env_live (owned by p). */
struct env_live_db *pgenv_db(struct pgenv *p);

/*
 * A fault the harness announces: "outage N" and "contention N" (windows in
 * effect), "slow I DIST" / "slow I -" (slow-reply window of fault I opens /
 * closes), "skew US" (the database clock stepped). 0 or -EPROTO.
 */
int pgenv_control(struct pgenv *p, const char *msg);

/*
 * The worker's side of a "db ..." control message (worker_main.c): "setup
 * ..." creates the backend in *p (lazy when the worker forks a process per
 * run: the runs have clients of their own), plugs it into env and writes "db
 * ok" or "db error REASON" into reply; anything else goes to pgenv_control. 1 when
 * reply is to be sent back, 0 when not, -EPROTO for a bad message.
 */
int pgenv_worker_ctl(struct pgenv **p, struct env_live *env, const struct live_worker_args *a,
                     const char *msg, char *reply, size_t len);

/* Flags of a LIVE_EV_DB report: what one statement met. */
#define PGENV_NOTE_ERROR 1u /* it failed or timed out (db_errors) */
#define PGENV_NOTE_FAULT 2u /* a database fault took effect on it (faults_hit) */

#endif
