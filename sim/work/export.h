/*
 * Engine-side state of the export model, shared by export.c (the source,
 * the sinks and a scheduled job's fetch/write/commit), export_db.c (the sink
 * database's transactions, row locks and deadlock check) and event_store.c
 * (the seed-001 workload). Not for guards or the command line.
 *
 * Plug-in points for the simulated world (crashes, fencing tokens):
 * - every sink write carries the run's fencing token (guard_hold.token, 0 for
 *   none): export_sink_write() rejects a token older than the newest it has seen;
 * - export_crash_point() is asked at each step of a run where its process
 *   may die (after the fetch, before each transaction's COMMIT, before the
 *   watermark commit); today only export.crash answers yes, between the
 *   write and the commit. A run told "dead" stops there: an open
 *   transaction rolls back, nothing later happens.
 */
#ifndef SIM_EXPORT_H
#define SIM_EXPORT_H

#include "../env/world_env.h"
#include "export_run.h"
#include "job.h"
#include "../check/exactly_once.h"

/* One consumer's destination: what a run writes to, and its committed watermark. */
struct sink {
    int id;                  /* consumer index */
    struct exactly_once chk; /* did each item get here once? */
    uint64_t max_token;      /* fencing: the newest token a write carried */
    uint64_t watermark;      /* committed offset: every item up to it is done */
};

/* --- the sink database: transactions and row locks (export_db.c) --- */

struct export_db_tx {
    struct actor *a;
    uint64_t run;
    int waiting;               /* row waited for, or -1 */
    uint64_t wait_gen;         /* identifies the current wait, for its deadlock timer */
    int aborted;               /* chosen as a deadlock victim */
    uint32_t held;             /* rows held, one bit each */
    int open;                  /* begun and not yet ended */
    struct export_db_tx *next; /* in a row's wait queue, or the free list */
};

struct xrow {
    struct export_db_tx *holder;
    struct export_db_tx *head, *tail; /* waiters, granted in order */
};

struct export_db {
    struct sim *sim;
    sim_time deadlock_timeout;
    int nrows;
    struct xrow row[EXPORT_MAX_ROWS];
    uint64_t gen;
    struct export_db_tx *free; /* transaction records, reused; all freed at the end */
    struct export_db_tx **all;
    int nall, cap;
};

void export_db_init(struct export_db *db, struct sim *s, int nrows, sim_time deadlock_timeout);
void export_db_release(struct export_db *db);
/* A new transaction of run in actor a, or NULL (and s->error) when out of memory. */
struct export_db_tx *export_db_begin(struct export_db *db, struct actor *a, uint64_t run);
/*
 * Locks row for tx until export_db_end, waiting (in FIFO order) while another
 * transaction holds it. A waiter checks for a deadlock once, after
 * deadlock_timeout; if it is in a cycle it is aborted. Returns 0 or -EDEADLK
 * (then the caller must export_db_end it). Blocks.
 */
int export_db_lock(struct export_db *db, struct export_db_tx *tx, int row);
/* Commits or rolls back tx: releases its rows to their next waiters. */
void export_db_end(struct export_db *db, struct export_db_tx *tx);
/*
 * The connection of actor a dropped (its process was killed): the database
 * rolls back a's open transaction, if any, as PostgreSQL does when a backend
 * loses its client. The actor itself is not woken.
 */
void export_db_kill(struct export_db *db, struct actor *a);

/* --- the export model (export.c) --- */

struct source {
    uint64_t last;    /* ID of the newest item that arrived */
    sim_time next_at; /* arrival time of item last + 1 */
    struct prng rng;
};

struct store;

struct export_state {
    struct sim *sim;
    const struct export_config *cfg;
    int nsinks;
    struct sink sink[STORE_MAX_CONSUMERS];
    struct source src;
    struct export_db db;
    struct store *store; /* the seed-001 event store, or NULL */
};

/*
 * Writes items [from, to] of sink k as one committed unit, by run on node
 * by, carrying fencing token (0: none). Returns 0, or -ESTALE when the token is older
 * than one the sink has already seen (nothing is written).
 */
int export_sink_write(struct sim *s, struct sink *k, struct node *by, uint64_t from, uint64_t to,
                      uint64_t run, uint64_t token);

/*
 * Does the process running a die at this step of its run? struck says that
 * export.crash picked this step of this run (drawn per trigger); the
 * simulated world's own crashes plug in here. Draws nothing.
 */
int export_crash_point(struct actor *a, enum export_step step, int struck);

/*
 * Seeds r with the stream of a run's own random choices: a function of its
 * trigger (number and drawn DB time), not of the seed, so every guard meets
 * the same ones and an explicit scenario ([trigger N] sections) replays them
 * whatever the seed.
 */
void export_run_rng(struct prng *r, const struct trigger *t);

/* --- the event store (event_store.c) --- */

int store_init(struct sim *s, struct export_state *x);
void store_start(struct sim *s, struct export_state *x);
/* One ProcessPendingEvents of t's consumer (see export_job for thrown). */
int store_flush(struct actor *a, const struct trigger *t, uint64_t run, sim_time io,
                const struct guard_hold *hold, int thrown);
void store_bind(struct store *st, const struct trigger *t, struct guard **g, struct checker **chk);
void store_finish(struct sim *s, struct export_state *x);
void store_release(struct export_state *x);

/* --- the export model as a part of a simulation (export.c) --- */

/* Does the event store replace the node schedulers (it runs its own timers)? */
bool export_owns_schedule(const struct sim *s);
/* The guard instance and concurrency checker a trigger's run uses (event store: its consumer's). */
void export_bind(struct sim *s, const struct trigger *t, struct guard **g, struct checker **chk);
/*
 * The job's work with exports on: fetch after the watermark, write, commit
 * (or an event-store flush), with the fault points of the job's phases.
 * thrown: what the run had thrown so far; returns it with what it throws.
 */
int export_job(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
               const struct guard_hold *hold, int thrown);
/*
 * The process running a was killed (for the simulated world's crashes): the
 * sink database rolls back a's open transaction and frees its row locks.
 */
void export_kill(struct sim *s, struct actor *a);

/* The exports' part of a simulation: s->xp when the model has exports, the
 * event store's producers and flush timers, the books closed at the end
 * (loss, per-consumer counts). */
extern const struct sim_part export_part;

#endif
