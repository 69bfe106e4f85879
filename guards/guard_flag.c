/*
 * flag: a plain bool, checked and then set with an environment call in
 * between (a log line, a metrics call). Racy on purpose: two triggers that
 * both check before either sets both run. The bool is read and written with
 * relaxed atomics so that, on real threads in live mode, the race is the
 * logical one (check, then set) and not undefined behaviour in C.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct flag_guard {
    struct guard base;
    atomic_bool running;
    sim_time gap;
};

static struct guard *flag_create(const struct guard_params *p)
{
    struct flag_guard *f = mem_calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->gap = p->gap;
    atomic_init(&f->running, false);
    return &f->base;
}

static void flag_destroy(struct guard *g)
{
    mem_free(g);
}

static int flag_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    struct flag_guard *f = (struct flag_guard *)g;
    (void)h;
    if (atomic_load_explicit(&f->running, memory_order_relaxed)) /* someone running? */
        return 0;
    env_sleep(env, f->gap); /* the window: another trigger may check now */
    atomic_store_explicit(&f->running, true, memory_order_relaxed);
    return 1;
}

static void flag_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)env, (void)h;
    atomic_store_explicit(&((struct flag_guard *)g)->running, false, memory_order_relaxed);
}

const struct guard_ops guard_flag = {
    .name = "flag",
    .summary = "plain bool, check then set with a call between: loses the race when triggers meet",
    .scope = GUARD_SCOPE_PROCESS,
    .create = flag_create,
    .destroy = flag_destroy,
    .try_acquire = flag_try_acquire,
    .release = flag_release,
};
