/* none: no guard at all, the baseline every run is compared against. */
#include "../sim/base/mem.h"
#include "guard.h"

static struct guard *none_create(const struct guard_params *p)
{
    (void)p;
    struct guard *g = mem_alloc(sizeof(*g));
    return g;
}

static void none_destroy(struct guard *g)
{
    mem_free(g);
}

static int none_try_acquire(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g, (void)env, (void)h;
    return 1;
}

static void none_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g, (void)env, (void)h;
}

const struct guard_ops guard_none = {
    .name = "none",
    .summary = "no guard (baseline): overlaps whenever a run outlasts the interval",
    .scope = GUARD_SCOPE_NONE,
    .create = none_create,
    .destroy = none_destroy,
    .try_acquire = none_try_acquire,
    .release = none_release,
};
