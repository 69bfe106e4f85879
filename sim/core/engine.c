/*
 * The engine's run loop: set up hosts, nodes and their processes, then the
 * parts above the core (run.c lists them: the simulated environment,
 * schedulers, exports, faults), then pop events in (time, insertion) order
 * until the simulated duration is over. Events at or after the end are not
 * run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "../base/mem.h"

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
        if (s->observer && s->observer->node)
            s->observer->node(s->observer, i, offset, n->phase);
    }
    world_db_init(&s->db);
    node_clock_init(&s->db.clock, m->cfg.db_clock_offset, m->cfg.db_drift_ppm);
    for (int i = 0; i <= s->nnodes; i++) /* every clock at time 0, in node order */
        sim_trace_clock(s, i < s->nnodes ? &s->node[i] : NULL);
    for (int i = 0; i < s->nnodes; i++) {
        struct node *n = &s->node[i];
        n->service = sim_proc_spawn(
            s, n, config_sched_forks(n->cfg->sched) ? WORLD_CMD_CRON : WORLD_CMD_SERVICE);
        if (!n->service)
            return s->error ? s->error : -ENOMEM;
    }
    return 0;
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

struct sim *sim_new(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                    const struct sim_part *const *parts, struct metrics *out, bool bare, int *rc)
{
    static const struct sim_hooks none = {0};
    if (!h)
        h = &none;
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
    s->trace = h->trace;
    s->chooser = h->chooser;
    s->observer = h->observer;
    s->parts = parts;
    evq_init(&s->q);
    fiber_init_thread(&s->main);
    prng_seed(&s->rng_job, seed, PRNG_JOB);
    prng_seed(&s->rng_manual, seed, PRNG_MANUAL);
    prng_seed(&s->rng_fault, seed, PRNG_FAULT);
    prng_seed(&s->rng_world, seed, PRNG_WORLD);
    prng_seed(&s->rng_phase, seed, PRNG_PHASE);

    *rc = checker_init(&s->chk, out, m->cfg.interval, m->cfg.limit);
    if (!*rc)
        *rc = nodes_init(s);
    for (int i = 0; !*rc && parts[i]; i++)
        if (parts[i]->init)
            *rc = parts[i]->init(s);
    for (int i = 0; !*rc && !bare && parts[i]; i++)
        if (parts[i]->start)
            *rc = parts[i]->start(s);
    if (*rc) {
        sim_free(s);
        return NULL;
    }
    return s;
}

static atomic_int interrupt_flag; /* lock-free: safe in a signal handler */
static _Thread_local const struct sim_progress *progress;

void sim_interrupt(void)
{
    atomic_store_explicit(&interrupt_flag, 1, memory_order_relaxed);
}

void sim_interrupt_clear(void)
{
    atomic_store_explicit(&interrupt_flag, 0, memory_order_relaxed);
}

bool sim_interrupted(void)
{
    return atomic_load_explicit(&interrupt_flag, memory_order_relaxed) != 0;
}

void sim_progress_set(const struct sim_progress *p)
{
    progress = p;
}

/* Every 65536 events: stop if asked, tell whoever watches. Never changes what happens. */
static bool sim_check_in(struct sim *s)
{
    if (sim_interrupted()) {
        s->error = -EINTR;
        return false;
    }
    if (progress)
        progress->fn(progress->user, s->now, s->end);
    return true;
}

int sim_loop(struct sim *s, sim_time until)
{
    sim_time limit = until < s->end ? until : s->end;
    struct evq_event ev;
    while (!s->error && !evq_empty(&s->q) && evq_next_time(&s->q) < limit) {
        evq_pop(&s->q, &ev);
        if (s->chooser && !evq_empty(&s->q) && evq_next_time(&s->q) == ev.at)
            ev = choose_tied(s, ev);
        if (s->ndue && s->due_min <= ev.at)
            sim_trace_due_flush(s, ev.at);
        s->now = ev.at;
        s->m->events++;
        ev.fn(s, ev.arg, ev.tag);
        if ((s->m->events & 0xffff) == 0 && !sim_check_in(s))
            break;
    }
    if (s->ndue)
        sim_trace_due_flush(s, limit - 1);
    if (limit == s->end && !s->error) {
        s->now = s->end;
        checker_finish(&s->chk, s->end);
        for (int i = 0; s->parts[i]; i++)
            if (s->parts[i]->finish)
                s->parts[i]->finish(s);
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
    int n = 0;
    while (s->parts && s->parts[n])
        n++;
    while (n-- > 0) /* a part's release frees what its init made, even if that failed */
        if (s->parts[n]->release)
            s->parts[n]->release(s);
    sim_procs_free(s);
    mem_free(s->host);
    checker_release(&s->chk);
    evq_release(&s->q);
    mem_free(s);
}

/* --- the trace --- */

void sim_trace(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *detail)
{
    if (!s->trace)
        return;
    if (s->ndue && s->due_min <= s->now) /* rows due earlier go first */
        sim_trace_due_flush(s, s->now);
    trace_event(s->trace, s->now, n ? n->name : NULL, run, kind, detail);
}

void sim_trace_printf(struct sim *s, struct node *n, uint64_t run, const char *kind,
                      const char *fmt, ...)
{
    if (!s->trace)
        return;
    if (!trace_writes(s->trace)) { /* hashed, never formatted */
        if (s->ndue && s->due_min <= s->now)
            sim_trace_due_flush(s, s->now);
        trace_event(s->trace, s->now, n ? n->name : NULL, run, kind, NULL);
        return;
    }
    char d[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, sizeof(d), fmt, ap);
    va_end(ap);
    sim_trace(s, n, run, kind, d);
}

void sim_trace_clock(struct sim *s, struct node *n)
{
    if (!s->trace)
        return;
    if (!trace_writes(s->trace)) {
        sim_trace(s, n, 0, "clock", NULL);
        return;
    }
    char d[NODE_CLOCK_DESC_LEN + 16], c[NODE_CLOCK_DESC_LEN];
    snprintf(d, sizeof(d), "%s%s", n ? "" : "database ",
             node_clock_describe(n ? &n->clock : &s->db.clock, s->now, c));
    sim_trace(s, n, 0, "clock", d);
}
