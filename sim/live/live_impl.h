/*
 * Live mode internals shared by its files: the run (struct live), its
 * clock and stop, the recorder that feeds the checkers, the schedulers, the
 * jobs on threads, and the worker processes. Not for the command line.
 *
 * Locks: `mu` guards the clock side (stop, the start gate, ticker slots,
 * completions) and is what every sleeper waits on; `rec` guards the records
 * (checker, metrics, PRNG streams, ids, runs in flight). A thread may take
 * rec while holding mu, never the other way round.
 */
#ifndef SIM_LIVE_LIVE_IMPL_H
#define SIM_LIVE_LIVE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/env_live.h"
#include "../../guards/guard.h"
#include "../check/checker.h"
#include "../core/evq.h"
#include "../base/prng.h"
#include "../sched/sched_loop.h"
#include "../work/workload.h"
#include "sys/events.h"
#include "live.h"
#include "sys/pgdb.h"

#define LIVE_MAX_THREADS 512                 /* job threads alive at once */
#define LIVE_MAX_LATER 64                    /* timers set and not yet taken by the dispatcher */
#define LIVE_MAX_LOOPS (4 * MODEL_MAX_NODES) /* scheduler loop threads, restarts included */

struct live;

/* One trigger and the work it would do (drawn when it fires, run or not). */
struct live_trigger {
    uint64_t id;
    sim_time at;
    bool manual;
    int node;
    struct workload w;
};

/* A run reported by another process, until its end. */
struct live_remote_run {
    int pid;
    uint64_t trigger, run;
    sim_time started;
    int node;
};

/* A trigger handed to a worker, until it is done. */
struct live_flight {
    uint64_t id;
    sim_time at;
    int node;
    int starts;
    uint64_t run; /* its latest run: a lease's release names it */
};

/*
 * A node's scheduler: its ticker-family schedule (sched_loop.h: the grid,
 * the next firings, and Go's channel flag for inline dispatch, guarded by
 * mu), the channel's slot (guarded by mu) and, for cron, l.next. epoch
 * counts the node's crashes (guarded by mu): timers and loops of an earlier
 * life are stale.
 */
struct live_ticker {
    struct live *lv;
    int node;
    struct sched_loop l;
    uint64_t epoch;
    bool down;
    struct live_trigger slot;
    bool parked; /* the inline ticker's loop of this life waits in receive (under mu) */
};

/* A scheduler loop's thread: its node, the life it belongs to, the trigger it
 * runs; grid and delay loops walk their own copy of the grid, which a
 * restart (a new life, a new loop) does not move under them. */
struct live_loop {
    struct live_ticker *tk;
    uint64_t epoch;
    enum sched_loop_kind kind;
    struct sched_loop l;
    struct live_trigger t;
    /* cron's daemon (cron_loop.h): it runs only while it holds the baton, which the dispatcher
     * hands it as its timer fires (guarded by mu) */
    bool cron;
    bool baton;       /* the loop runs; the dispatcher waits */
    bool gone;        /* the loop has ended */
    sim_time now;     /* the time the dispatcher fired it at */
    sim_time wake_at; /* its timer's due time */
};

/* A worker process: one node's service process (worker.c). */
struct live_worker {
    struct live *lv;
    int node;
    pid_t pid;                      /* also its process group; 0: not running */
    int ctl;                        /* our end of its control socket */
    pthread_mutex_t send;           /* one sender at a time */
    sim_time skew;                  /* its clock's offset (libfaketime) */
    char clock_file[PATH_MAX + 32]; /* FAKETIME_TIMESTAMP_FILE, when its clock steps */
    bool faked;                     /* libfaketime is loaded in it */
    char shm[128];                  /* its libfaketime shared objects (FAKETIME_SHARED) */
    atomic_bool paused;            /* set by the dispatcher, or the receiver (a pause at a point) */
    _Atomic sim_time paused_until; /* the end of its latest pause */
    atomic_bool batch;             /* runs sent since the last go (loops and the dispatcher send) */
};

struct live {
    const struct model *model;
    const struct live_opts *opt;
    struct live_result *res;
    double speed;
    int64_t t0;    /* CLOCK_MONOTONIC (real ns) at simulated time 0 */
    int64_t epoch; /* CLOCK_REALTIME (real ns) at simulated time 0 */
    sim_time end;
    char dir[PATH_MAX];
    char evpath[PATH_MAX + 16];

    pthread_mutex_t mu;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    bool stop;
    int error;                /* first failure, negative */
    uint64_t batch, released; /* start gate: batches opened and released */
    int nthreads;             /* job threads alive */
    struct live_ticker *tickers;

    pthread_mutex_t rec;
    bool closed;   /* past the end (or stopped): records are ignored */
    bool finished; /* the checker's books are closed */
    struct checker chk;
    struct metrics *m;
    struct prng rng_job, rng_manual, rng_fault;
    struct live_arm { /* faults at points: the draws of each (sim/faults/point.h) */
        struct prng rng;
        int hits;
    } arm[MODEL_MAX_FAULTS];
    uint64_t next_trigger, next_run;
    int next_explicit; /* cursor into model->triggers */
    struct live_flight *flight;
    int nflight, flight_cap;
    struct live_remote_run *runs;
    int nruns, runs_cap;

    struct guard *guards[MODEL_MAX_NODES]; /* per node, when guards run on threads here */
    bool remote;                           /* guards (or the user's command) run in workers */
    struct live_worker *workers;
    int nworkers;
    int evfd; /* the event socket */
    pthread_t receiver, dispatcher;
    bool have_receiver, have_dispatcher;
    int nloops;
    pthread_t loops[LIVE_MAX_LOOPS];
    struct live_loop loop_ctx[LIVE_MAX_LOOPS]; /* loops[i]'s */
    struct evq q;                              /* the dispatcher's, only it touches it */
    /* timers other threads set (live_later), under mu, until the dispatcher takes them */
    struct live_later {
        sim_time at;
        evq_fn fn;
        void *arg;
        uint64_t tag;
    } later[LIVE_MAX_LATER];
    int nlater;
    struct pg_cluster pg;
    struct pg_db db;
    bool have_db;
    char dsn[PATH_MAX + 64];
    struct live_dbf *dbf; /* the database's faults and clients (dbfault.c) */
};

/* --- the run (run.c) --- */

/*
 * live_run in pieces, for tests that drive a run by hand: live_open sets
 * up everything (directory, database, workers or guard) and starts the
 * clock, *out set even on failure; live_close tears it all down and frees
 * it, returning the run's first error. live_run = open, schedule, wait, close.
 */
int live_open(const struct model *m, const struct live_opts *o, struct metrics *out,
              struct live_result *res, struct live **lvp);
int live_close(struct live *lv);

/* --- clock and stop (run.c) --- */

/* Simulated time now. */
sim_time live_now(const struct live *lv);
/* The CLOCK_MONOTONIC instant (real ns) of simulated time at. */
int64_t live_deadline(const struct live *lv, sim_time at);
/* Waits until deadline (real ns); false if the run stopped first. For env_live. */
bool live_wait(void *lv, int64_t deadline);
bool live_wait_until(struct live *lv, sim_time at);
/* Sets a timer for the dispatcher, from any thread (a fault at a point of a run); on the
 * dispatcher's own thread it goes straight into its queue. */
void live_later(struct live *lv, sim_time at, evq_fn fn, void *arg, uint64_t tag);
/*
 * The dispatcher's wait: until at, or until another thread sets a timer
 * (then the timers set are in its queue). 1: at is reached, -1: timers
 * came first, 0: the run stopped.
 */
int live_dispatcher_wait(struct live *lv, sim_time at);
/* Records the first failure (rc negative), with a reason, and stops the run. */
void live_fail(struct live *lv, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool live_stopped(struct live *lv);

/* --- records (record.c); the live__ ones are for remote.c, under rec --- */

struct live_trigger live_trigger_new(struct live *lv, int node, sim_time at, bool manual);
void live_record_skip(struct live *lv, int node, uint64_t trigger, bool error);
void live_record_coalesce(struct live *lv, int node);
/* A run begins now: false if the run is over. Sets *run, *started, *api (maybe slowed). */
bool live_record_start(struct live *lv, const struct live_trigger *t, uint64_t *run,
                       sim_time *started, sim_time *api);
/* The run ended now, having thrown (threw: the job failed, job_errors) or not. */
void live_record_end(struct live *lv, int node, uint64_t run, sim_time started, bool threw);
/* The run wrote its result to the sink; rejected: the fencing check turned it away. */
void live_record_write(struct live *lv, int node, uint64_t run, bool rejected);
void live_trace(struct live *lv, int node, uint64_t run, const char *kind, const char *detail);
/* A `clock` row: node's clock (node -1: the database's) is offset from true time, as the simulator
 * writes it. */
void live_trace_clock(struct live *lv, int node, sim_time offset);
/* A `lease` row, as the simulator writes it, for a guard whose grant carries its end: a grant until
 * `until` (by the clock that set it; none if until <= 0: not a time-based guard), or a release. */
void live_trace_lease(struct live *lv, int node, uint64_t run, const char *guard, sim_time until,
                      bool grant);
/* The job length of a trigger run elsewhere: api (slowed if a fault says so at t->at) + db. */
sim_time live_job_length(struct live *lv, const struct live_trigger *t);
/* Closes the books: no more records; finishes the checker at the end or now. */
void live_record_close(struct live *lv);
bool live__open_at(struct live *lv, sim_time now);
void live__trace_locked(struct live *lv, sim_time at, int node, uint64_t run, const char *kind,
                        const char *detail);
void live__skip_locked(struct live *lv, int node, uint64_t trigger, bool error, sim_time now);
void live__lease_locked(struct live *lv, sim_time at, int node, uint64_t run, const char *guard,
                        sim_time until, bool grant);
/* The new run's id, 0 if the run is over. */
uint64_t live__start_locked(struct live *lv, int node, sim_time trigger_at, sim_time now);
void live__end_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now);
void live__threw_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now);
void live__write_locked(struct live *lv, int node, uint64_t run, bool rejected, sim_time now);

/* --- runs in other processes (remote.c) --- */

/* Remembers a trigger handed to a worker; live_flight_drop gives up on it (a skip). */
int live_flight_add(struct live *lv, const struct live_trigger *t);
void live_flight_drop(struct live *lv, uint64_t id);
/* Is trigger id still with a worker? (Loops with inline dispatch wait on it.) */
bool live_flight_pending(struct live *lv, uint64_t id);
/* The event socket: bind it, receive on a thread, stop it. */
int live_events_open(struct live *lv);
int live_events_start(struct live *lv);
void live_events_stop(struct live *lv);

/* --- schedulers and faults (sched.c) --- */

int live_sched_start(struct live *lv);
/* Is the caller the dispatcher's thread? */
bool live_sched_on_dispatcher(void);
void live_sched_join(struct live *lv);
/* A node crashed: its timers and loop stop. It restarted: they begin anew from at. */
void live_sched_node_down(struct live *lv, int node);
void live_sched_node_up(struct live *lv, int node, sim_time at);

/* --- the world's faults on nodes (nodefault.c) --- */

/* Refuses, with a one-line reason and -ENOTSUP, faults live mode cannot do. */
int live_faults_check(struct live *lv);
/* A pause, crash or clock step begins now on the nodes it targets. */
void live_node_fault(struct live *lv, const struct fault_spec *f);
/* The fault points of node's runs where a fault is placed: bit k for point k. */
unsigned live_points(const struct live *lv, int node);
/*
 * A run of trigger on node (run: its number, 0 if not known here) reached
 * point: the faults placed there that hit it (sim/faults/point.h, the
 * simulator's decision) take effect. Returns JOB_THROW or 0.
 */
int live_point(struct live *lv, int node, uint64_t trigger, uint64_t run,
               enum fault_point_id point);

/* --- jobs (job.c) --- */

/* A run live, for job_run's port (job.c) and export_run's (export_live.c). */
struct live_job {
    struct env_live *e;
    const struct live_order *order;
    struct guard *g;
    int node;
    const struct export_config *xp; /* the export's knobs; NULL: no exports */
    /* a run on the harness's thread: the recorder */
    struct live *lv;
    const struct live_trigger *t;
    sim_time started;
    /* a run in another process: the event socket */
    const char *events;
    uint64_t run;
    bool kept;
    struct guard_hold hold;
};

/* Reports a step of run j in another process on the event socket (its trigger, its pid). */
void live_job_report(const struct live_job *j, enum live_ev kind, long value);
/* The live side of job_run (job.c); its ctx is a struct live_job. */
extern const struct job_port live_job_port;

/* What the harness orders for trigger t (job.c). */
struct live_order live_order_of(struct live *lv, const struct live_trigger *t);
/* Runs t: on this thread (inline), on a new thread, or in the node's worker. */
void live_dispatch(struct live *lv, const struct live_trigger *t, bool inline_);
/* Opens a new start gate; live_gate_release lets everything dispatched since go at once. */
void live_gate_open(struct live *lv);
void live_gate_release(struct live *lv);
/* Waits until every job thread has ended (after stop). */
void live_jobs_join(struct live *lv);

/* --- workers (worker.c) --- */

int live_workers_start(struct live *lv);
void live_workers_stop(struct live *lv);
/* Fails the run if a worker died on its own (not by live_worker_crash). */
int live_workers_check(struct live *lv);
int live_worker_send_run(struct live_worker *w, const struct live_trigger *t);
int live_worker_go(struct live_worker *w);
/* Faults on a worker: kill -9 its whole process group; SIGSTOP / SIGCONT. */
int live_worker_crash(struct live_worker *w);
int live_worker_restart(struct live_worker *w);
int live_worker_pause(struct live_worker *w);
int live_worker_resume(struct live_worker *w);
/* Moves the worker's clock by `by` from now on (its libfaketime offset file). */
int live_worker_clock_step(struct live_worker *w, sim_time by);
/* Tells the worker the run's epoch (CLOCK_REALTIME at simulated 0). */
int live_worker_epoch(struct live_worker *w);
/* Asks the worker its clock (simulated time of its node): 0 or negative errno. */
int live_worker_clock(struct live_worker *w, sim_time *out);
/* Removes a dead process's libfaketime objects named in FAKETIME_SHARED. */
void live_faketime_cleanup(const char *shared);
/* Sends the worker a control message: 0 or negative errno (-ESRCH: it is down). */
int live_worker_ctl(struct live_worker *w, const char *msg);
/* Sends msg and waits (10 s at most) for the worker's one-message reply into reply. */
int live_worker_ask(struct live_worker *w, const char *msg, char *reply, size_t len);

/* --- exports (export_live.c) --- */

/* Does the scenario model exports? (Live needs the database and worker processes then.) */
bool live_exports_on(const struct model *m);
/* Refuses, with one line and -ENOTSUP, the exports live mode cannot do. */
int live_export_check(struct live *lv);
/* The throwaway cluster's deadlock_timeout, the scenario's export.deadlock_timeout. */
int live_export_cluster(struct live *lv);
/* Fills the source with the items that arrive before the end (once the epoch is set). */
int live_export_fill(struct live *lv);
/* Counts the sink's rows into the metrics (after the workers have stopped). */
void live_export_finish(struct live *lv);
/* A worker's LIVE_EV_EXPORT report (enum export_count). Under rec. */
void live__export_count_locked(struct live *lv, long what);
/* The job's export (job_port.exports), on a struct live_job. */
int live_job_export(void *ctx, const struct job_order *o, uint64_t run, sim_time api,
                    const struct guard_hold *h, int thrown);

/* --- the database: worker clients and faults (dbfault.c) --- */

/* Refuses, with one line (-ENOTSUP), the database faults that have no live meaning. */
int live_db_check(struct live *lv);
/* After the database is set up: the sessions faults need. 0 or -LIVE_EDB (reported). */
int live_db_start(struct live *lv);
void live_db_stop(struct live *lv);
/* Sets up a (re)started worker's database client, if its guard needs one. 0 or negative (reported).
 */
int live_db_worker_setup(struct live_worker *w);
/* A database fault (db-*, clock-step of the database) begins or its window ends; others are
 * ignored. */
void live_db_fault_begin(struct live *lv, const struct fault_spec *f);
/* The database clock's offset from true time now ([db] clock_offset and steps). */
sim_time live_db_clock_offset(struct live *lv);
void live_db_fault_end(struct live *lv, const struct fault_spec *f);
/* A worker's report of a statement (PGENV_NOTE_* flags). Under rec. */
void live__db_note_locked(struct live *lv, long flags);

#endif
