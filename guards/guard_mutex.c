/*
 * mutex and mutex-wait: a pthread mutex. `mutex` uses trylock and skips when
 * busy (Go's sync.Mutex.TryLock in the seed); `mutex-wait` blocks until the
 * holder is done, so no run is skipped but runs pile up and start late.
 */
#include <errno.h>
#include <pthread.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct mutex_guard {
    struct guard base;
    pthread_mutex_t mu;
};

static struct guard *mutex_create(const struct guard_params *p)
{
    (void)p;
    struct mutex_guard *m = mem_alloc(sizeof(*m));
    if (!m)
        return NULL;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        mem_free(m);
        return NULL;
    }
    return &m->base;
}

static void mutex_destroy(struct guard *g)
{
    struct mutex_guard *m = (struct mutex_guard *)g;
    /* a run cut off by the end of a simulation may still hold it: take it
     * either way, then free it unlocked */
    (void)pthread_mutex_trylock(&m->mu);
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_destroy(&m->mu);
    mem_free(m);
}

static int mutex_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    int rc = pthread_mutex_trylock(&((struct mutex_guard *)g)->mu);
    return rc == 0 ? 1 : rc == EBUSY ? 0 : -rc;
}

static int mutex_wait_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)h;
    env_mutex_lock(env, &((struct mutex_guard *)g)->mu);
    return 1;
}

static void mutex_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)h;
    env_mutex_unlock(env, &((struct mutex_guard *)g)->mu);
}

const struct guard_ops guard_mutex = {
    .name = "mutex",
    .summary = "pthread_mutex_trylock, skip when busy: in-process only",
    .scope = GUARD_SCOPE_PROCESS,
    .create = mutex_create,
    .destroy = mutex_destroy,
    .try_acquire = mutex_try_acquire,
    .release = mutex_release,
};

const struct guard_ops guard_mutex_wait = {
    .name = "mutex-wait",
    .summary = "pthread_mutex_lock, wait when busy: no overlap, but runs pile up and start late",
    .scope = GUARD_SCOPE_PROCESS,
    .create = mutex_create,
    .destroy = mutex_destroy,
    .try_acquire = mutex_wait_acquire,
    .release = mutex_release,
};
