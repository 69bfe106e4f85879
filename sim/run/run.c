/*
 * A whole simulation: the core plus its parts, in the order they are set up
 * (the simulated environment, the schedulers, exports, faults; starts go in
 * this order too, so events due at the same instant keep their order).
 */
#include "run.h"

#include <errno.h>

#include "../env/world_env.h"
#include "../faults/inject.h"
#include "../sched/sched.h"
#include "../work/export.h"

const struct sim_part *const sim_parts[] = {&world_env_part, &sched_part, &export_part,
                                            &inject_part, NULL};

/* Replays a fixed interleaving (scenario.interleaving or --schedule). */
struct fixed_chooser {
    struct sim_chooser base;
    int choice[256];
    int n, at;
};

static int fixed_choose(struct sim_chooser *c, int n, const uint64_t *owner)
{
    struct fixed_chooser *f = (struct fixed_chooser *)c;
    (void)owner;
    int pick = f->at < f->n ? f->choice[f->at] : 0;
    f->at++;
    return pick < n ? pick : 0;
}

static int sim_run_inner(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                         struct metrics *out)
{
    int rc;
    struct sim *s = sim_new(m, seed, h, sim_parts, out, false, &rc);
    if (!s)
        return rc;
    rc = sim_loop(s, s->end);
    if (rc) /* close the books even so: the metrics so far are still reported */
        checker_finish(&s->chk, s->now);
    sim_free(s);
    return rc;
}

int sim_run_hooked(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                   struct metrics *out)
{
    struct sim_hooks none = {0};
    if (!h)
        h = &none;
    if (h->chooser || !m->cfg.interleaving[0])
        return sim_run_inner(m, seed, h, out);
    struct fixed_chooser f = {.base = {fixed_choose}};
    f.n = config_parse_interleaving(m->cfg.interleaving, f.choice, 256);
    if (f.n < 0)
        return -EINVAL;
    struct sim_hooks with = *h;
    with.chooser = &f.base;
    return sim_run_inner(m, seed, &with, out);
}

int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out)
{
    struct sim_hooks h = {.trace = trace};
    return sim_run_hooked(m, seed, &h, out);
}
