/*
 * Helpers for engine-level tests: a model built in code, a bare simulation
 * (no schedulers, no faults) and scripts that run as actors on a node, so a
 * test can drive guards and the world through the environment port exactly
 * as jobs do. Included by tests; not a test program itself.
 */
#ifndef TESTS_SIM_HARNESS_H
#define TESTS_SIM_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../sim/env/world_env.h"
#include "../sim/faults/inject.h"
#include "../sim/run/run.h"
#include "../sim/base/mem.h"

/* A model with n nodes named n0, n1, ... (each on its own host) and the given guard. */
static inline struct model *harness_model(int n, const char *guard)
{
    struct model *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    config_defaults(&m->cfg);
    m->cfg.guard = guard_lookup(guard);
    assert_non_null(m->cfg.guard);
    config_resolve(&m->cfg);
    m->nnodes = n;
    for (int i = 0; i < n; i++) {
        snprintf(m->node[i].name, sizeof(m->node[i].name), "n%d", i);
        m->node[i].cfg = m->cfg;
    }
    return m;
}

/* Sets key=value on the model and every node (asserting it parses). */
static inline void harness_set(struct model *m, const char *key, const char *value)
{
    char err[256];
    assert_int_equal(config_set(&m->cfg, key, value, 1, err, sizeof(err)), 0);
    config_resolve(&m->cfg);
    for (int i = 0; i < m->nnodes; i++) {
        assert_int_equal(config_set(&m->node[i].cfg, key, value, 1, err, sizeof(err)), 0);
        config_resolve(&m->node[i].cfg);
    }
}

struct harness {
    struct model *m;
    struct sim *s;
    struct metrics met;
};

static inline void harness_start(struct harness *h, struct model *m)
{
    int rc;
    h->m = m;
    h->s = sim_new(m, 1, NULL, sim_parts, &h->met, true, &rc);
    assert_non_null(h->s);
}

static inline void harness_end(struct harness *h)
{
    sim_free(h->s);
    free(h->m);
}

struct script {
    void (*fn)(struct actor *a, void *arg);
    void *arg;
};

static inline void script_main(struct actor *a)
{
    struct script *sc = a->ctx;
    sc->fn(a, sc->arg);
}

/* Runs fn(actor, arg) at time at on node, in process p (NULL: the node's
 * service). sc must outlive the run (a static or the test's frame). */
static inline struct actor *harness_script(struct harness *h, int node, struct proc *p,
                                           struct script *sc, sim_time at)
{
    struct node *n = &h->s->node[node];
    struct actor *a = sim_actor_new_in(h->s, n, p ? p : n->service, script_main);
    assert_non_null(a);
    a->ctx = sc;
    sim_actor_start_at(h->s, a, at);
    return a;
}

/* A new job process on node (its own PID and guard instance). */
static inline struct proc *harness_proc(struct harness *h, int node)
{
    struct proc *p = sim_proc_spawn(h->s, &h->s->node[node], WORLD_CMD_JOB);
    assert_non_null(p);
    return p;
}

static inline void harness_run(struct harness *h, sim_time until)
{
    assert_int_equal(sim_loop(h->s, until), 0);
}

#endif
