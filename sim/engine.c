/*
 * The engine's run loop: set up nodes, processes, guards, schedulers and
 * faults, then pop events in (time, insertion) order until the simulated
 * duration is over. Events at or after the end are not run.
 */
#include <errno.h>
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

int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out)
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
    s->trace = trace;
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
