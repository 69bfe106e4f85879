/*
 * The engine's run loop: set up hosts, nodes, processes, guards, schedulers
 * and faults, then pop events in (time, insertion) order until the simulated
 * duration is over. Events at or after the end are not run.
 */
#include <errno.h>
#include <string.h>

#include "engine_impl.h"
#include "mem.h"

/* Nodes that name the same host share its files and process table. */
static int hosts_init(struct sim *s)
{
    const struct model *m = s->model;
    s->host = mem_calloc((size_t)m->nnodes, sizeof(*s->host));
    if (!s->host)
        return -ENOMEM;
    for (int i = 0; i < m->nnodes; i++) {
        struct node *n = &s->node[i];
        const struct config *c = n->cfg;
        const char *name = c->host[0] ? c->host : n->name;
        for (int h = 0; h < s->nhosts && !n->host; h++)
            if (strcmp(s->host[h].name, name) == 0)
                n->host = &s->host[h];
        if (!n->host) {
            n->host = &s->host[s->nhosts++];
            world_host_init(n->host, name, c->pid_max, c->pid_rate, 1000);
        }
    }
    return 0;
}

static int nodes_init(struct sim *s)
{
    const struct model *m = s->model;
    s->nnodes = m->nnodes;
    for (int i = 0; i < m->nnodes; i++) {
        struct node *n = &s->node[i];
        n->id = i;
        n->name = m->node[i].name;
        n->cfg = &m->node[i].cfg;
    }
    int rc = hosts_init(s);
    if (rc)
        return rc;
    for (int i = 0; i < s->nnodes; i++) {
        struct node *n = &s->node[i];
        const struct config *c = n->cfg;
        sim_time offset = c->clock_offset;
        if (c->clock_jitter > 0) /* uniform in [-jitter, +jitter] */
            offset += (sim_time)prng_below(&s->rng_world, 2 * (uint64_t)c->clock_jitter + 1) -
                      c->clock_jitter;
        node_clock_init(&n->clock, offset, c->drift_ppm);
        if (c->phase.kind != DIST_NONE)
            n->phase = dist_sample(&c->phase, &s->rng_phase);
    }
    world_db_init(&s->db);
    node_clock_init(&s->db.clock, m->cfg.db_clock_offset, m->cfg.db_drift_ppm);
    for (int i = 0; i < s->nnodes; i++) {
        struct node *n = &s->node[i];
        n->service = sim_proc_spawn(s, n, n->cfg->sched == SCHED_CRON ? WORLD_CMD_CRON
                                                                       : WORLD_CMD_SERVICE);
        if (!n->service)
            return s->error ? s->error : -ENOMEM;
    }
    return 0;
}

struct sim *sim_new(const struct model *m, uint64_t seed, struct trace *trace,
                    struct metrics *out, bool bare, int *rc)
{
    metrics_init(out);
    out->seed = seed;
    struct sim *s = mem_calloc(1, sizeof(*s));
    if (!s) {
        *rc = -ENOMEM;
        return NULL;
    }
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
    prng_seed(&s->rng_world, seed, PRNG_WORLD);
    prng_seed(&s->rng_phase, seed, PRNG_PHASE);

    *rc = checker_init(&s->chk, out, m->cfg.interval, m->cfg.limit);
    if (*rc)
        goto fail;
    s->sched_state = mem_calloc((size_t)m->nnodes, sched_state_size());
    if (!s->sched_state) {
        *rc = -ENOMEM;
        goto fail;
    }
    *rc = nodes_init(s);
    if (!*rc)
        *rc = world_env_init(s);
    if (!*rc && !bare)
        *rc = inject_start(s);
    if (*rc)
        goto fail;
    if (!bare)
        for (int i = 0; i < s->nnodes; i++)
            sched_start(s, &s->node[i]);
    return s;
fail:
    sim_free(s);
    return NULL;
}

int sim_loop(struct sim *s, sim_time until)
{
    sim_time limit = until < s->end ? until : s->end;
    struct evq_event ev;
    while (!s->error && !evq_empty(&s->q) && evq_next_time(&s->q) < limit) {
        evq_pop(&s->q, &ev);
        s->now = ev.at;
        s->m->events++;
        ev.fn(s, ev.arg, ev.tag);
    }
    if (limit == s->end && !s->error) {
        s->now = s->end;
        checker_finish(&s->chk, s->end);
    } else if (!s->error) {
        s->now = limit;
    }
    return s->error;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    sim_actors_free(s);
    sim_procs_free(s);
    inject_release(s);
    world_env_release(s);
    mem_free(s->host);
    mem_free(s->sched_state);
    checker_release(&s->chk);
    evq_release(&s->q);
    mem_free(s);
}

int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out)
{
    int rc;
    struct sim *s = sim_new(m, seed, trace, out, false, &rc);
    if (!s)
        return rc;
    rc = sim_loop(s, s->end);
    if (rc) /* close the books even so: the metrics so far are still reported */
        checker_finish(&s->chk, s->now);
    sim_free(s);
    return rc;
}
