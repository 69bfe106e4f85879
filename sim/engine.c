/*
 * The engine's run loop: set up nodes, processes, guards, schedulers and
 * faults, then pop events in (time, insertion) order until the simulated
 * duration is over. Events at or after the end are not run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "mem.h"

static int nodes_init(struct sim *s)
{
    const struct model *m = s->model;
    s->nnodes = m->nnodes;
    for (int i = 0; i < m->nnodes; i++) {
        struct node *n = &s->node[i];
        n->id = i;
        n->name = m->node[i].name;
        n->cfg = &m->node[i].cfg;
        n->service.pid = 100 + i;
        n->service.node = n;
        n->service.guard = guard_new(n->cfg->guard, &n->cfg->gp);
        if (!n->service.guard)
            return -ENOMEM;
    }
    return 0;
}

static void nodes_release(struct sim *s)
{
    for (int i = 0; i < s->nnodes; i++)
        guard_destroy(s->node[i].service.guard);
}

#define SIM_MAX_TIED 64

/* Several events due now: let the chooser pick one, put the rest back. */
static struct evq_event choose_tied(struct sim *s, struct evq_event first)
{
    struct evq_event tied[SIM_MAX_TIED];
    uint64_t owner[SIM_MAX_TIED];
    int n = 0;
    tied[n++] = first;
    while (n < SIM_MAX_TIED && !evq_empty(&s->q) && evq_next_time(&s->q) == first.at)
        evq_pop(&s->q, &tied[n++]);
    for (int i = 0; i < n; i++)
        owner[i] = sim_event_owner(&tied[i]);
    int pick = s->chooser->choose(s->chooser, n, owner);
    if (pick < 0 || pick >= n)
        pick = 0;
    for (int i = 0; i < n; i++)
        if (i != pick && evq_push_event(&s->q, &tied[i]) != 0 && !s->error)
            s->error = -ENOMEM;
    return tied[pick];
}

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

int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out)
{
    struct sim_hooks h = {.trace = trace};
    return sim_run_hooked(m, seed, &h, out);
}

static int sim_run_inner(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                         struct metrics *out);

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

static int sim_run_inner(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                         struct metrics *out)
{
    int rc;
    metrics_init(out);
    out->seed = seed;
    struct sim *s = mem_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->model = m;
    s->seed = seed;
    s->end = m->cfg.duration;
    s->m = out;
    s->trace = h->trace;
    s->chooser = h->chooser;
    s->observer = h->observer;
    evq_init(&s->q);
    fiber_init_thread(&s->main);
    prng_seed(&s->rng_job, seed, PRNG_JOB);
    prng_seed(&s->rng_manual, seed, PRNG_MANUAL);
    prng_seed(&s->rng_fault, seed, PRNG_FAULT);

    rc = checker_init(&s->chk, out, m->cfg.interval, m->cfg.limit);
    if (rc)
        goto out_checker;
    s->sched_state = mem_calloc((size_t)m->nnodes, sched_state_size());
    if (!s->sched_state) {
        rc = -ENOMEM;
        goto out_sched;
    }
    rc = nodes_init(s);
    if (rc)
        goto out_nodes;
    rc = export_init(s);
    if (rc)
        goto out_nodes;

    if (!export_owns_schedule(s))
        for (int i = 0; i < s->nnodes; i++)
            sched_start(s, &s->node[i]);
    export_start(s);
    inject_start(s);

    struct evq_event ev;
    while (!s->error && evq_pop(&s->q, &ev)) {
        if (ev.at >= s->end)
            break;
        if (s->chooser && !evq_empty(&s->q) && evq_next_time(&s->q) == ev.at)
            ev = choose_tied(s, ev);
        s->now = ev.at;
        out->events++;
        ev.fn(s, ev.arg, ev.tag);
    }
    rc = s->error;
    checker_finish(&s->chk, s->end);
    export_finish(s);

out_nodes:
    sim_actors_free(s);
    export_release(s);
    nodes_release(s);
    mem_free(s->sched_state);
out_sched:
    checker_release(&s->chk);
out_checker:
    evq_release(&s->q);
    mem_free(s);
    return rc;
}
