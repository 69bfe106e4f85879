/*
 * Engine internals shared by the engine's files (actors, schedulers, the
 * simulated environment). Not for guards or the command line.
 */
#ifndef SIM_ENGINE_IMPL_H
#define SIM_ENGINE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "../guards/env.h"
#include "../guards/guard.h"
#include "checker.h"
#include "engine.h"
#include "evq.h"
#include "fiber.h"
#include "prng.h"

struct sim;

/* One trigger and the work it would do (drawn when it fires, run or not). */
struct trigger {
    uint64_t id;
    sim_time at;
    bool manual;
    sim_time api, db;
    int consumer; /* event store: the consumer this flush is for */
};

struct proc {
    int pid;
    struct node *node;
    struct guard *guard; /* this process's instance of the guard */
};

struct node {
    int id;
    const char *name;
    const struct config *cfg;
    struct proc service; /* the long-running process of the node */
};

/*
 * An actor: a fiber with an environment. Workers run one trigger's job and
 * return to a free list; schedulers with inline dispatch loop forever.
 */
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
    struct prng rng_job, rng_manual, rng_fault;
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
    struct export_state *xp; /* exports and the event store, or NULL (export.c) */
};

/* --- actors (actor.c) --- */

/* A new or recycled actor on node running main; NULL (and sim->error) on failure. */
struct actor *sim_actor_new(struct sim *s, struct node *n, void (*main)(struct actor *));
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

/* --- triggers and the job (job.c) --- */

/* Creates the next trigger at time at (due time), counting and tracing it. */
struct trigger sim_trigger_new(struct sim *s, struct node *n, sim_time at, bool manual);
/* Runs one trigger's job inside actor a: guard, phases, release. */
void sim_job_run(struct actor *a, const struct trigger *t);
/* Starts a worker actor for trigger t on node n. */
void sim_spawn_job(struct sim *s, struct node *n, const struct trigger *t);
/* Traces an event if tracing is on. */
void sim_trace(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *detail);
extern const struct env_ops sim_env_ops;

/* --- schedulers (sched_*.c) and faults (inject.c) --- */

void sched_start(struct sim *s, struct node *n);
/* Bytes of scheduler state per node, kept in sim->sched_state. */
size_t sched_state_size(void);
void inject_start(struct sim *s);
/* The API latency override active at now, or NULL. */
const struct dist *inject_api_override(struct sim *s);

/* --- exports and the event store (export.c, event_store.c) --- */

/* Sets up s->xp when the model has exports. Returns 0 or -ENOMEM. */
int export_init(struct sim *s);
/* Does the event store replace the node schedulers (it runs its own timers)? */
bool export_owns_schedule(const struct sim *s);
/* Starts the event store's producers and flush timers, if any. */
void export_start(struct sim *s);
/* The guard instance and concurrency checker a trigger's run uses (event store: its consumer's). */
void export_bind(struct sim *s, const struct trigger *t, struct guard **g, struct checker **chk);
/* The job's work with exports on: fetch after the watermark, write, commit (or an event-store flush). */
void export_job(struct actor *a, const struct trigger *t, uint64_t run, sim_time api,
                const struct guard_hold *hold);
/*
 * The process running a was killed (for the simulated world's crashes): the
 * sink database rolls back a's open transaction and frees its row locks.
 */
void export_kill(struct sim *s, struct actor *a);
/* Closes the books at the end: loss, per-consumer counts, into the metrics. */
void export_finish(struct sim *s);
void export_release(struct sim *s);

#endif
