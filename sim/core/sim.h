/*
 * The engine's core, shared by everything that runs inside a simulation:
 * triggers, processes, nodes, actors on fibers and the event loop, and the
 * tables through which the parts above it plug in (sim_part, the scheduler
 * and fault tables, the environment's env_ops). Not for guards or the
 * command line.
 */
#ifndef SIM_CORE_SIM_H
#define SIM_CORE_SIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../guards/env.h"
#include "../../guards/guard.h"
#include "../base/node_clock.h"
#include "../base/prng.h"
#include "../check/checker.h"
#include "../world/world.h"
#include "engine.h"
#include "evq.h"
#include "fiber.h"

struct sim;
struct node;
struct actor;

/*
 * The parts of a simulation above the core (the simulated environment,
 * exports, schedulers, faults) plug in through these tables, as guards do,
 * so the core calls none of them by name and depends on none of them.
 */

/* The schedulers as the engine sees them (sched/sched.c). */
struct sim_sched_ops {
    /* Boots node n's scheduler (at the start and after each restart). */
    void (*start)(struct sim *s, struct node *n);
    /* A run the scheduler started on n has ended; manual: a manual request. */
    void (*job_done)(struct sim *s, struct node *n, bool manual);
};

/* Faults as the job, the simulated world and the database meet them (faults/). */
struct sim_fault_ops {
    /* The API latency override active now on node n, or NULL. */
    const struct dist *(*api_override)(struct sim *s, const struct node *n);
    /* Runs the faults placed at point for actor a: INJECT_* flags. */
    int (*point)(struct actor *a, enum fault_point_id point);
    /* A fault took effect (faults_hit); holder: on a run that held its guard. */
    void (*hit)(struct sim *s, bool holder);
    /* Is the database unreachable at t? */
    bool (*db_outage)(struct sim *s, sim_time t);
    /* When a statement arriving at arrive runs: after any contention window. */
    sim_time (*db_wait)(struct sim *s, sim_time arrive);
    /* Extra delay of a reply sent at t (db-slow-reply). */
    sim_time (*db_reply_delay)(struct sim *s, sim_time t);
};

/* What a fault at a point asks of the run. */
#define INJECT_THROW 1 /* the job throws here */

/*
 * One part of a simulation, set up by sim_new in list order and released in
 * reverse: init always (tests build bare simulations), start unless bare,
 * finish when the simulated time is over. Each hook may be NULL; init and
 * start return 0 or a negative errno.
 */
struct sim_part {
    int (*init)(struct sim *s);
    int (*start)(struct sim *s);
    void (*finish)(struct sim *s);
    void (*release)(struct sim *s);
};

#define SIM_MAX_PARTS 8

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
    struct guard *guard;   /* this process's instance of the guard */
    bool dead;             /* exited or killed */
    bool terminating;      /* SIGTERM received: runs stop, finally blocks and traps run */
    sim_time paused_until; /* SIGSTOP: its actors make no progress until then */
    int nactors;           /* actors running in it, +1 while its node holds it (a service) */
    bool held;             /* the node's hold on its service: it does not exit when idle */
    int holding;           /* its runs between a successful acquire and their end */
    bool release_pending;  /* a run threw without releasing: the exit trap's job */
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
    struct actor *next;  /* free list or wait queue */
    void *ctx;           /* what main needs besides the trigger */
    uint64_t gen;        /* wake events carry it; a kill bumps it to void them */
    bool busy;           /* running main (not on the free list) */
    bool killed;         /* its process died: every call returns at once, nothing happens */
    bool interrupted;    /* SIGTERM: the job's phases end early */
    bool in_phase;       /* sleeping in a job phase, which SIGTERM cuts short */
    bool is_job;         /* runs triggers (not a scheduler loop) */
    struct waitq *wq;    /* the wait queue it is parked in */
    struct actor **slot; /* a pointer to it to clear when it is killed while parked */
    uint64_t run;        /* the run it is doing, 0 if none */
    uint64_t id;         /* creation order, stable across runs of a seed */
};

struct waitq {
    const void *key;
    struct actor *head, *tail;
};

#define SIM_MAX_WAITQ 32
#define SIM_MAX_DUE 64 /* trace rows waiting for their time (trace_due.c) */

/* A trace row due at a later true time: a fault window's end, a lease's expiry. */
struct sim_due {
    sim_time at;
    struct node *n;
    uint64_t run;
    const void *key; /* what it is about, to replace or cancel it */
    char kind[16];
    char detail[112];
};

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
    int error;                     /* first error; stops the loop */
    struct sim_chooser *chooser;   /* explore mode, else NULL */
    struct sim_observer *observer; /* shrink's recorder, else NULL */
    int next_explicit;             /* cursor into model->triggers */
    void *sched_state;
    struct actor *current; /* the actor running now, NULL on the event loop */
    int nhosts;
    struct host *host;
    struct world_db db;
    struct proc *free_procs;
    struct proc **all_procs; /* every proc block ever allocated, for freeing */
    int nprocs, procs_cap;
    void *inject_state;
    bool point_faults;                   /* some fault is placed at a point inside a run */
    void *world_state;                   /* world_env.c: statements in flight */
    struct export_state *xp;             /* exports and the event store, or NULL (export.c) */
    const struct env_ops *env_ops;       /* what an actor's environment calls (env/) */
    const struct sim_sched_ops *sched;   /* the schedulers (sched/) */
    const struct sim_fault_ops *faults;  /* never NULL: no faults answer "none" */
    const struct sim_part *const *parts; /* NULL-terminated */
    int ndue;
    sim_time due_min; /* the earliest due row's time, when ndue > 0 */
    struct sim_due due[SIM_MAX_DUE];
};

/* --- set-up (engine.c): sim_run is sim_new + sim_loop + sim_free; tests use the parts --- */

/* A simulation of m for seed with hooks h (may be NULL) and parts (NULL-
 * terminated, see run.h), ready to run (parts started unless bare). NULL with *rc set
 * on failure. */
struct sim *sim_new(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                    const struct sim_part *const *parts, struct metrics *out, bool bare, int *rc);
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
static inline bool sim_node_gate(struct sim *s, struct node *n, evq_fn fn, void *arg, uint64_t tag)
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

/* --- the trace (engine.c, trace_due.c) --- */

/* Traces an event if tracing is on. */
void sim_trace(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *detail);
/* Traces n's clock now (n NULL: the database's), as a `clock` row. */
void sim_trace_clock(struct sim *s, struct node *n);
/* A trace row whose detail (printf) is formatted only if the trace is written. */
void sim_trace_printf(struct sim *s, struct node *n, uint64_t run, const char *kind,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* sim_trace_printf behind one branch: an untraced run makes no variadic call. */
#define sim_tracef(s, ...) ((s)->trace ? sim_trace_printf((s), __VA_ARGS__) : (void)0)

/*
 * Writes a row at true time at (after now), when the trace gets there: the
 * event loop and every later row write the rows due first, so the trace
 * stays in time order and no event is added (the event order, and with it
 * every other row, is the same with and without these rows). A row with the
 * same non-NULL key replaces the one waiting. Rows due at or after the end
 * are dropped. Does nothing when tracing is off.
 */
void sim_trace_due(struct sim *s, sim_time at, struct node *n, uint64_t run, const char *kind,
                   const char *detail, const void *key);
/* Drops the waiting row with this key, if any. */
void sim_trace_due_cancel(struct sim *s, const void *key);
/* Writes the waiting rows due at or before upto, in time order. */
void sim_trace_due_flush(struct sim *s, sim_time upto);

#endif
