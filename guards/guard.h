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

#include "../sim/time.h"
#include "env.h"

/* Where a guard's mutual exclusion reaches. */
enum guard_scope {
    GUARD_SCOPE_NONE,    /* excludes nothing */
    GUARD_SCOPE_PROCESS, /* threads of one process */
    GUARD_SCOPE_HOST,    /* processes of one host */
    GUARD_SCOPE_GLOBAL,  /* every node sharing the database */
};

#define GUARD_F_MUTANT 1u /* deliberately wrong, to prove a checker fires */

/* Parameters of all guards; each guard reads the ones it knows. */
struct guard_params {
    sim_time gap; /* flag: time between its check and its set */
};

/* What one successful acquire leaves for its release. */
struct guard_hold {
    uint64_t token;
    int fd;
    sim_time until;
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
