/*
 * atomic: C11 compare-exchange on an atomic bool, the seed's recommended
 * fix (Go's atomic.Bool.CompareAndSwap). Correct within one process, blind
 * to any other process or replica.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct atomic_guard {
    struct guard base;
    atomic_bool running;
};

static struct guard *atomic_create(const struct guard_params *p)
{
    (void)p;
    struct atomic_guard *a = mem_alloc(sizeof(*a));
    if (!a)
        return NULL;
    atomic_init(&a->running, false);
    return &a->base;
}

static void atomic_destroy(struct guard *g)
{
    mem_free(g);
}

static int atomic_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    bool expected = false;
    return atomic_compare_exchange_strong(&((struct atomic_guard *)g)->running, &expected, true);
}

static void atomic_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    atomic_store(&((struct atomic_guard *)g)->running, false);
}

const struct guard_ops guard_atomic = {
    .name = "atomic",
    .summary = "C11 compare-exchange on an atomic bool: in-process only",
    .scope = GUARD_SCOPE_PROCESS,
    .create = atomic_create,
    .destroy = atomic_destroy,
    .try_acquire = atomic_try_acquire,
    .release = atomic_release,
};
