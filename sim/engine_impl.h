/*
 * Engine internals shared by the engine's files (actors, schedulers, the
 * simulated environment). Not for guards or the command line.
 */
#ifndef SIM_ENGINE_IMPL_H
#define SIM_ENGINE_IMPL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "../guards/env.h"
#include "../guards/guard.h"
#include "checker.h"
#include "engine.h"
#include "evq.h"
#include "fiber.h"
#include "node_clock.h"
#include "prng.h"
#include "world.h"

struct sim;

/* One trigger and the work it would do (drawn when it fires, run or not). */
struct trigger {
    uint64_t id;
    sim_time at;
    bool manual;
    sim_time api, db;
    int consumer; /* event store: the consumer this flush is for */
};

/*
 * A simulated process: a node's long-running service, its cron daemon, one
 * cron-started run, or a stand-in that only holds a PID. Each process that
 * runs the job has its own instance of the guard, so an in-process guard
 * protects nothing between two cron runs.
 */
struct proc {
    int pid;
    sim_time started; /* true time; with pid, the process's identity */
    enum world_cmd cmd;
    struct node *node;
    struct guard *guard;  /* this process's instance of the guard */
    bool dead;            /* exited or killed */
    bool terminating;     /* SIGTERM received: runs stop, finally blocks and traps run */
    sim_time paused_until; /* SIGSTOP: its actors make no progress until then */
    int nactors;          /* actors running in it, +1 while its node holds it (a service) */
    bool held;            /* the node's hold on its service: it does not exit when idle */
    int holding;          /* its runs between a successful acquire and their end */
    bool release_pending; /* a run threw without releasing: the exit trap's job */
    struct guard_hold pending;
    struct world_fdtab fds;
    int nconn; /* database connections in its pool */
    struct world_conn {
        int sid;
        bool busy;
        bool broken; /* the server ended its session; the pool reconnects */
    } conn[WORLD_POOL_MAX];
    struct proc *next; /* the node's processes, or the free list */
};

/* A Kubernetes CronJob's controller state (sched_k8s.c); it lives in the API
 * server, so a restart of the node keeps it. */
#define K8S_MAX_KILLS 8
struct k8s_state {
    bool created;        /* creationTimestamp set */
    sim_time last;       /* lastScheduleTime (or creationTimestamp), controller wall clock */
    uint64_t gen;        /* the requeue in effect; timers of older ones are stale */
    struct k8s_kill {    /* a replaced Job's pod, killed when its grace period ends */
        struct node *node;
        int pid;
        sim_time started;
        bool used;
    } kill[K8S_MAX_KILLS];
};

/* A systemd timer's state (sched_systemd.c); the stamp file survives restarts. */
struct systemd_state {
    bool stamped;     /* Persistent=: the stamp file exists */
    sim_time last;    /* last_trigger.realtime, the node's wall clock */
    int boots;        /* each boot has a new boot ID, hence a new perturbation */
    sim_time perturb; /* sd-event's spot within every minute, from the boot ID */
    bool seeded;
    struct prng rng;  /* RandomizedDelaySec= draws */
};

struct node {
    int id;
    const char *name;
    const struct config *cfg;
    struct proc *service; /* the long-running process (service or cron), NULL while down */
    struct host *host;
    struct node_clock clock;
    bool down;             /* crashed, not restarted yet */
    uint64_t epoch;        /* bumped by a crash: timers of the old process are ignored */
    sim_time paused_until; /* stop-the-world pause of every process on it */
    struct proc *procs;    /* live processes */
    sim_time phase;        /* random timer phase of this seed */
    struct k8s_state k8s;  /* schedule.kind = k8s-cronjob */
    struct systemd_state sd; /* schedule.kind = systemd-timer */
};

/*
 * An actor: a fiber with an environment. Workers run one trigger's job and
 * return to a free list; schedulers with inline dispatch loop forever.
 */
struct waitq;

struct actor {
    struct env env; /* first, so an env pointer is its actor */
    struct sim *sim;
    struct node *node;
    struct proc *proc;
    struct fiber fiber;
    void (*main)(struct actor *a);
    struct trigger trig;
    struct actor *next; /* free list or wait queue */
    void *ctx;          /* what main needs besides the trigger */
    uint64_t gen;       /* wake events carry it; a kill bumps it to void them */
    bool busy;          /* running main (not on the free list) */
    bool killed;        /* its process died: every call returns at once, nothing happens */
    bool interrupted;   /* SIGTERM: the job's phases end early */
    bool in_phase;      /* sleeping in a job phase, which SIGTERM cuts short */
    bool is_job;        /* runs triggers (not a scheduler loop) */
    struct waitq *wq;   /* the wait queue it is parked in */
    struct actor **slot; /* a pointer to it to clear when it is killed while parked */
    uint64_t run;       /* the run it is doing, 0 if none */
    uint64_t id;        /* creation order, stable across runs of a seed */
};

struct waitq {
    const void *key;
    struct actor *head, *tail;
};

#define SIM_MAX_WAITQ 32

struct sim {
    sim_time now, end;
    struct evq q;
    struct fiber main; /* the event loop's own stack */
    const struct model *model;
    uint64_t seed;
    struct prng rng_job, rng_manual, rng_fault, rng_world, rng_phase;
    struct checker chk;
    struct metrics *m;
    struct trace *trace;
    int nnodes;
    struct node node[MODEL_MAX_NODES];
    struct actor *free_actors;
    struct actor **all_actors;
    int nactors, actors_cap;
    int nwaitq;
    struct waitq waitq[SIM_MAX_WAITQ];
    uint64_t next_trigger, next_run;
    int error; /* first error; stops the loop */
    struct sim_chooser *chooser; /* explore mode, else NULL */
    struct sim_observer *observer; /* shrink's recorder, else NULL */
    int next_explicit; /* cursor into model->triggers */
    void *sched_state;
    struct actor *current; /* the actor running now, NULL on the event loop */
    int nhosts;
    struct host *host;
    struct world_db db;
    struct proc *free_procs;
    struct proc **all_procs; /* every proc block ever allocated, for freeing */
    int nprocs, procs_cap;
    void *inject_state;
    bool point_faults; /* some fault is placed at a point inside a run */
    void *world_state; /* world_env.c: statements in flight */
    struct export_state *xp; /* exports and the event store, or NULL (export.c) */
};

/* --- set-up (engine.c): sim_run is sim_new + sim_loop + sim_free; tests use the parts --- */

/* A simulation of m for seed with hooks h (may be NULL), ready to run (nodes,
 * processes, schedulers and faults started unless bare). NULL with *rc set
 * on failure. */
struct sim *sim_new(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                    struct metrics *out, bool bare, int *rc);
/* Runs events until the end (or until time until, if earlier). Returns s->error. */
int sim_loop(struct sim *s, sim_time until);
void sim_free(struct sim *s);

/* --- actors (actor.c) --- */

/* A new or recycled actor on node running main; NULL (and sim->error) on failure. */
struct actor *sim_actor_new(struct sim *s, struct node *n, void (*main)(struct actor *));
/* The same, in process p rather than the node's service. */
struct actor *sim_actor_new_in(struct sim *s, struct node *n, struct proc *p,
                               void (*main)(struct actor *));
/*
 * Starts a from the event loop: runs until it first blocks or ends. The actor
 * may run ahead in time (see sim_sleep), so this must be the last thing an
 * event handler does: push the handler's own future events first.
 */
void sim_actor_start(struct sim *s, struct actor *a);
/* From inside an actor: gives the CPU back to the event loop until woken. */
void sim_park(struct actor *a);
/* Wakes a parked actor at time at. */
void sim_wake_at(struct sim *s, struct actor *a, sim_time at);
/* From inside an actor: sleeps d of virtual time. */
void sim_sleep(struct actor *a, sim_time d);
/* Wait queues keyed by an address (a mutex, a row). */
void sim_wait_on(struct actor *a, const void *key);
void sim_wake_one(struct sim *s, const void *key);
void sim_actors_free(struct sim *s);
/* The id of the actor an event resumes, or 0 for world events. */
uint64_t sim_event_owner(const struct evq_event *ev);
/* Schedules fn at time at; records -ENOMEM in s->error. */
void sim_at(struct sim *s, sim_time at, evq_fn fn, void *arg, uint64_t tag);
/* Starts a on the event loop at time at (from an actor or a handler). */
void sim_actor_start_at(struct sim *s, struct actor *a, sim_time at);
/* Its process died: wake it at once to unwind without effects (kill -9). */
void sim_actor_kill(struct sim *s, struct actor *a);
/* SIGTERM: cut a job phase it sleeps in short. */
void sim_actor_interrupt(struct sim *s, struct actor *a);
/* Sleeps d in a job phase: returns early when the actor is interrupted. */
static inline void sim_phase_sleep(struct actor *a, sim_time d)
{
    if (a->interrupted || a->killed)
        return;
    a->in_phase = true;
    sim_sleep(a, d);
    a->in_phase = false;
}
bool sim_node_gate_slow(struct sim *s, struct node *n, evq_fn fn, void *arg, uint64_t tag);
/* When an event for node n should wait (paused) or be dropped (epoch gone):
 * returns true after re-queueing it at the pause's end or dropping it. */
static inline bool sim_node_gate(struct sim *s, struct node *n, evq_fn fn, void *arg,
                                 uint64_t tag)
{
    if (tag == n->epoch && !n->down && n->paused_until <= s->now &&
        (!n->service || n->service->paused_until <= s->now))
        return false; /* the usual case */
    return sim_node_gate_slow(s, n, fn, arg, tag);
}

/* --- processes (proc.c) --- */

/* Starts a process running cmd on n (a PID, a start time, a guard instance
 * if it runs the job). NULL and s->error on failure. */
struct proc *sim_proc_spawn(struct sim *s, struct node *n, enum world_cmd cmd);
/* An actor joins or leaves p; a job process exits with its last actor. */
static inline void sim_proc_enter(struct actor *a, struct proc *p)
{
    a->proc = p;
    if (p)
        p->nactors++;
}
void sim_proc_leave_last(struct actor *a, struct proc *p);
static inline void sim_proc_leave(struct actor *a)
{
    struct proc *p = a->proc;
    a->proc = NULL;
    if (p && --p->nactors == 0)
        sim_proc_leave_last(a, p);
}
/* Normal exit: the kernel closes files and connections, the PID is free. */
void sim_proc_exit(struct sim *s, struct proc *p);
/* kill -9: no trap, no finally; files stay as they are. */
void sim_proc_kill(struct sim *s, struct proc *p);
/* SIGTERM: runs are cut short and release (the trap and finally blocks run). */
void sim_proc_terminate(struct sim *s, struct proc *p);
/* Crashes node n (cleanup: SIGTERM, else kill -9); restarts after restart
 * (negative: never). */
void sim_node_crash(struct sim *s, struct node *n, bool cleanup, sim_time restart);
/* Pauses everything on n (or only p when not NULL) until until. */
void sim_pause(struct sim *s, struct node *n, struct proc *p, sim_time until);
/* The process's database sessions end on the server side. */
void sim_proc_disconnect(struct sim *s, struct proc *p);
void sim_procs_free(struct sim *s);

/* --- triggers and the job (job.c) --- */

/* Creates the next trigger at time at (due time), counting and tracing it. */
struct trigger sim_trigger_new(struct sim *s, struct node *n, sim_time at, bool manual);
/* Runs one trigger's job inside actor a: guard, phases, release. */
void sim_job_run(struct actor *a, const struct trigger *t);
/* Starts a worker actor for trigger t on node n. */
void sim_spawn_job(struct sim *s, struct node *n, const struct trigger *t);
/* Traces an event if tracing is on. */
void sim_trace(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *detail);
/* A trace row whose detail (printf) is formatted only if the trace is written. */
void sim_tracef(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
extern const struct env_ops sim_env_ops;

/* --- schedulers (sched_*.c) and faults (inject.c) --- */

void sched_start(struct sim *s, struct node *n);
void sched_cron_start(struct sim *s, struct node *n);
void sched_k8s_start(struct sim *s, struct node *n);
/* A Job's pod on n ended: the controller syncs (Forbid runs a missed slot). */
void sched_k8s_job_done(struct sim *s, struct node *n);
void sched_systemd_start(struct sim *s, struct node *n);
/* The service a timer started on n deactivated. */
void sched_systemd_job_done(struct sim *s, struct node *n);
/* Bytes of scheduler state per node, kept in sim->sched_state. */
size_t sched_state_size(void);
int inject_start(struct sim *s);
/* A fault took effect (faults_hit); holder: on a run that held its guard. */
void inject_hit(struct sim *s, bool holder);
void inject_release(struct sim *s);
/* The API latency override active at now on node n, or NULL. */
const struct dist *inject_api_override(struct sim *s, const struct node *n);

/* What a fault at a point asks of the run. */
#define INJECT_THROW 1 /* the job throws here */
/* Runs the faults placed at point for actor a (it may pause, die, lose its
 * connection). Returns INJECT_* flags. */
int inject_point(struct actor *a, enum fault_point_id point);
/* A crash fault killed process p on node n (for faults placed `after = crash`). */
void inject_crashed(struct sim *s, struct node *n, struct proc *p);

/* --- the world behind the environment (world_env.c) --- */

int world_env_init(struct sim *s);
void world_env_release(struct sim *s);
/* The database server's clock now. */
sim_time world_db_now(struct sim *s);
/* The environment operations beyond clock, sleep and mutexes (sim_env_ops). */
int world_env_open(struct env *e, const char *path, int flags);
int world_env_close(struct env *e, int fd);
int world_env_read(struct env *e, int fd, char *buf, size_t len);
int world_env_write(struct env *e, int fd, const char *buf, size_t len);
int world_env_unlink(struct env *e, const char *path);
int world_env_rename(struct env *e, const char *from, const char *to);
int world_env_flock(struct env *e, int fd, int op);
int world_env_proc_self(struct env *e, struct env_proc *out);
int world_env_proc_lookup(struct env *e, int pid, struct env_proc *out);
int world_env_session_open(struct env *e);
void world_env_session_close(struct env *e, int session);
int world_env_db_exec(struct env *e, const struct env_stmt *st, struct env_row *out);
int world_env_sink_write(struct env *e, uint64_t token);
/* The run's write reaches the sink (see env.h sink_write): 0 or -ESTALE. */
static inline int sim_sink_write(struct actor *a, uint64_t token)
{
    struct sim *s = a->sim;
    if (a->killed)
        return -ESRCH;
    if (token && token < s->db.sink_max) { /* a newer holder has written: fenced off */
        checker_write(&s->chk, a->run, true);
        return -ESTALE;
    }
    if (token > s->db.sink_max)
        s->db.sink_max = token;
    checker_write(&s->chk, a->run, false);
    return 0;
}

/* Database faults in effect (inject.c). */
bool inject_db_outage(struct sim *s, sim_time t);
/* When a statement arriving at arrive runs: after any contention window. */
sim_time inject_db_wait(struct sim *s, sim_time arrive);
/* Extra delay of a reply sent at t (db-slow-reply). */
sim_time inject_db_reply_delay(struct sim *s, sim_time t);

/* --- exports and the event store (export.c, event_store.c) --- */

/* Sets up s->xp when the model has exports. Returns 0 or -ENOMEM. */
int export_init(struct sim *s);
/* Does the event store replace the node schedulers (it runs its own timers)? */
bool export_owns_schedule(const struct sim *s);
/* Starts the event store's producers and flush timers, if any. */
void export_start(struct sim *s);
/* The guard instance and concurrency checker a trigger's run uses (event store: its consumer's). */
void export_bind(struct sim *s, const struct trigger *t, struct guard **g, struct checker **chk);
/*
 * The job's work with exports on: fetch after the watermark, write, commit
 * (or an event-store flush), with the fault points of the job's phases.
 * thrown: what the run had thrown so far; returns it with what it throws.
 */
int export_job(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
               const struct guard_hold *hold, int thrown);
/* The faults placed at point `at` for a's run (job.c): INJECT_* flags. */
int sim_job_point(struct actor *a, enum fault_point_id at);
/*
 * The process running a was killed (for the simulated world's crashes): the
 * sink database rolls back a's open transaction and frees its row locks.
 */
void export_kill(struct sim *s, struct actor *a);
/* Closes the books at the end: loss, per-consumer counts, into the metrics. */
void export_finish(struct sim *s);
void export_release(struct sim *s);

#endif
