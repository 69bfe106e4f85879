/*
 * The guard interface: what stands between a trigger and a second concurrent
 * run of a job. Like Redis's ConnectionType, a guard is a table of function
 * pointers (struct guard_ops), one static table per guard, looked up by name
 * in a registry; callers use the small inline wrappers below.
 *
 * Lifecycle: guard_new() creates one instance per scope the guard lives in
 * (an in-process flag lives in one process; a PID file's state lives in the
 * world's files, so its instance only holds parameters). Each trigger then
 * calls guard_try_acquire(); when it returns 1 the job runs and
 * guard_release() follows with the same hold.
 */
#ifndef GUARDS_GUARD_H
#define GUARDS_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "../sim/base/time.h"
#include "env.h"

/* Where a guard's mutual exclusion reaches. */
enum guard_scope {
    GUARD_SCOPE_NONE,    /* excludes nothing */
    GUARD_SCOPE_PROCESS, /* threads of one process */
    GUARD_SCOPE_HOST,    /* processes of one host */
    GUARD_SCOPE_GLOBAL,  /* every node sharing the database */
};

#define GUARD_F_MUTANT 1u /* deliberately wrong, to prove a checker fires */
/* Its release is an exit trap (`trap cleanup EXIT`): it also runs when the
 * process exits after a run that threw without releasing; kill -9 skips it. */
#define GUARD_F_TRAP 2u
/* Its grant carries a fencing token that the sink checks. */
#define GUARD_F_FENCED 4u

enum guard_release_mode { GUARD_RELEASE_SHORTEN, GUARD_RELEASE_DELETE_OR_SHORTEN };
enum guard_clock { GUARD_CLOCK_DB, GUARD_CLOCK_CLIENT };
/* Whether release checks the owner: each guard's own default (lease: no, as
 * merged; shedlock: yes, as its newer unlock does), or forced. */
enum guard_owner_check { GUARD_OWNER_DEFAULT, GUARD_OWNER_YES, GUARD_OWNER_NO };
/* ShedLock's locked_by: the host name (Utils.getHostname(), its default) or
 * the host name and the PID (withLockedByValue, the fix of its issue 317). */
enum guard_locked_by { GUARD_LOCKED_BY_HOST, GUARD_LOCKED_BY_HOST_PID };

#define GUARD_NAME_LEN 32
#define GUARD_PATH_LEN 48

/* Parameters of all guards; each guard reads the ones it knows. */
struct guard_params {
    sim_time gap;      /* flag: time between its check and its set */
    sim_time interval; /* the task's period, which lease factors multiply */
    double min_factor; /* lease: release shortens to started_at + min_factor x interval */
    double max_factor; /* lease: a grant lasts max_factor x interval */
    enum guard_release_mode release;
    enum guard_owner_check owner_check; /* lease, shedlock: release only our own row */
    enum guard_locked_by locked_by;     /* shedlock: who the row says holds it */
    sim_time at_most;                   /* shedlock: lockAtMostFor */
    sim_time at_least;                  /* shedlock: lockAtLeastFor */
    enum guard_clock clock;             /* shedlock: database or client time */
    char name[GUARD_NAME_LEN];          /* the lock's name (task_name, shedlock name) */
    char path[GUARD_PATH_LEN];          /* pidfile-check, pidfile, flock: the file */
    int key;                            /* advisory: the lock key */
};

/* What one successful acquire leaves for its release. */
struct guard_hold {
    uint64_t token; /* fencing token of the grant (0: none) */
    int fd;         /* an open file or a database session, -1 if none */
    sim_time until; /* when the grant ends, by the clock that set it */
    sim_time at;    /* when it was taken, by that clock */
    bool failed;    /* set by the job before release: the run threw */
};

struct guard;

struct guard_ops {
    const char *name;
    const char *summary; /* one line for `overlapsim guards` */
    enum guard_scope scope;
    unsigned flags;
    /* Returns a new instance, or NULL when out of memory. Never blocks. */
    struct guard *(*create)(const struct guard_params *p);
    /* Frees an instance (held or not). */
    void (*destroy)(struct guard *g);
    /*
     * 1: acquired, the job may run and *h is for release; 0: busy, skip this
     * trigger; negative errno: the guard failed (also a skip). May block
     * through env (a wait, a database round trip).
     */
    int (*try_acquire)(struct guard *g, struct env *env, struct guard_hold *h);
    /* Ends the hold taken by a successful try_acquire. May block through env. */
    void (*release)(struct guard *g, struct env *env, struct guard_hold *h);
};

/* Every instance starts with this header. */
struct guard {
    const struct guard_ops *ops;
};

static inline int guard_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    return g->ops->try_acquire(g, env, h);
}

static inline void guard_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    g->ops->release(g, env, h);
}

static inline void guard_destroy(struct guard *g)
{
    if (g)
        g->ops->destroy(g);
}

/* A new instance of guard ops (create() need not set ->ops), or NULL. */
static inline struct guard *guard_new(const struct guard_ops *ops, const struct guard_params *p)
{
    struct guard *g = ops->create(p);
    if (g)
        g->ops = ops;
    return g;
}

/* The registry: NULL if no guard has that name. */
const struct guard_ops *guard_lookup(const char *name);

/* All guards in registry order, NULL-terminated. */
extern const struct guard_ops *const guard_registry[];

#endif
