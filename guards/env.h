/*
 * The environment port: everything a guard or a job may ask of the world it
 * runs in — its node's clock, sleeping, waiting on a lock, and (added with
 * the simulated world) files, processes and a database. A guard never calls
 * clock_gettime, sleep or open itself: the simulator implements this port
 * with virtual time and may switch to another actor inside any call, which is
 * how it makes two triggers meet between a guard's check and its set; live
 * mode implements it with the real system calls.
 */
#ifndef GUARDS_ENV_H
#define GUARDS_ENV_H

#include <pthread.h>
#include <stdint.h>

#include "../sim/time.h"

struct env;

struct env_ops {
    /* Wall-clock time of the caller's node, as that node believes it to be. */
    sim_time (*clock_now)(struct env *env);
    /* Blocks the caller for d; other actors run meanwhile. */
    void (*sleep)(struct env *env, sim_time d);
    /* pthread_mutex_lock that lets the simulator run others while waiting. */
    void (*mutex_lock)(struct env *env, pthread_mutex_t *m);
    /* pthread_mutex_unlock that wakes a waiter parked by mutex_lock. */
    void (*mutex_unlock)(struct env *env, pthread_mutex_t *m);
};

struct env {
    const struct env_ops *ops;
};

static inline sim_time env_clock_now(struct env *e) { return e->ops->clock_now(e); }
static inline void env_sleep(struct env *e, sim_time d) { e->ops->sleep(e, d); }
static inline void env_mutex_lock(struct env *e, pthread_mutex_t *m) { e->ops->mutex_lock(e, m); }
static inline void env_mutex_unlock(struct env *e, pthread_mutex_t *m)
{
    e->ops->mutex_unlock(e, m);
}

#endif
