/*
 * semaphore-double-post (mutant): the binary semaphore of `semaphore` with a
 * release bug found in hand-written error handling: the error path posts
 * (`catch { sem.post(); throw; }`) and the finally block posts again. After
 * one run that throws, the semaphore's count is 2 and it admits two runs at
 * once from then on. Shipped to prove the concurrency checker fires after a
 * job error where `semaphore` holds.
 */
#include <errno.h>
#include <semaphore.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct sem_dp {
    struct guard base;
    sem_t sem;
};

static struct guard *sdp_create(const struct guard_params *p)
{
    (void)p;
    struct sem_dp *s = mem_alloc(sizeof(*s));
    if (!s)
        return NULL;
    if (sem_init(&s->sem, 0, 1) != 0) {
        mem_free(s);
        return NULL;
    }
    return &s->base;
}

static void sdp_destroy(struct guard *g)
{
    struct sem_dp *s = (struct sem_dp *)g;
    sem_destroy(&s->sem);
    mem_free(s);
}

static int sdp_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    if (sem_trywait(&((struct sem_dp *)g)->sem) == 0)
        return 1;
    return errno == EAGAIN ? 0 : -errno;
}

static void sdp_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env;
    struct sem_dp *s = (struct sem_dp *)g;
    if (h->failed) /* the catch block's post */
        sem_post(&s->sem);
    sem_post(&s->sem); /* the finally block's */
}

const struct guard_ops guard_semaphore_double_post = {
    .name = "semaphore-double-post",
    .summary = "binary semaphore whose error path and finally block both post: after a "
               "job error it admits two",
    .scope = GUARD_SCOPE_PROCESS,
    .flags = GUARD_F_MUTANT,
    .create = sdp_create,
    .destroy = sdp_destroy,
    .try_acquire = sdp_try_acquire,
    .release = sdp_release,
};
