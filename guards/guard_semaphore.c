/*
 * semaphore: a binary POSIX semaphore with sem_trywait, the seed's
 * channel-based semaphore (a buffered channel of one). In-process only.
 */
#include <errno.h>
#include <semaphore.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct sem_guard {
    struct guard base;
    sem_t sem;
};

static struct guard *sem_create(const struct guard_params *p)
{
    (void)p;
    struct sem_guard *s = mem_alloc(sizeof(*s));
    if (!s)
        return NULL;
    if (sem_init(&s->sem, 0, 1) != 0) {
        mem_free(s);
        return NULL;
    }
    return &s->base;
}

static void sem_destroy_guard(struct guard *g)
{
    struct sem_guard *s = (struct sem_guard *)g;
    sem_destroy(&s->sem);
    mem_free(s);
}

static int sem_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    if (sem_trywait(&((struct sem_guard *)g)->sem) == 0)
        return 1;
    return errno == EAGAIN ? 0 : -errno;
}

static void sem_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    sem_post(&((struct sem_guard *)g)->sem);
}

const struct guard_ops guard_semaphore = {
    .name = "semaphore",
    .summary = "binary POSIX semaphore with sem_trywait: in-process only",
    .scope = GUARD_SCOPE_PROCESS,
    .create = sem_create,
    .destroy = sem_destroy_guard,
    .try_acquire = sem_try_acquire,
    .release = sem_release,
};
