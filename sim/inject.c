/*
 * The fault injector: turns the scenario's fault timeline into events, and
 * answers which fault is active when a phase starts.
 */
#include <stdio.h>

#include "engine_impl.h"

static void fault_begin(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    const struct fault_spec *f = arg;
    switch (f->kind) {
    case FAULT_MANUAL_RUN: {
        struct trigger t = sim_trigger_new(s, &s->node[0], s->now, true);
        sim_trace(s, NULL, 0, "fault", "manual-run");
        sim_spawn_job(s, &s->node[0], &t);
        break;
    }
    case FAULT_API_SLOW:
        sim_trace(s, NULL, 0, "fault", "api-slow begins");
        break;
    default:
        break;
    }
}

static void fault_end(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    const struct fault_spec *f = arg;
    char d[64];
    snprintf(d, sizeof(d), "%s ends", fault_kind_name(f->kind));
    sim_trace(ctx, NULL, 0, "fault", d);
}

/* An explicit manual trigger ([trigger N] manual_at = T). */
static void explicit_manual(void *ctx, void *arg, uint64_t tag)
{
    (void)arg;
    (void)tag;
    struct sim *s = ctx;
    struct trigger t = sim_trigger_new(s, &s->node[0], s->now, true);
    sim_spawn_job(s, &s->node[0], &t);
}

void inject_start(struct sim *s)
{
    for (int i = 0; i < s->model->ntriggers; i++)
        if (s->model->triggers[i].manual)
            sim_at(s, s->model->triggers[i].at, explicit_manual, NULL, 0);
    for (int i = 0; i < s->model->nfaults; i++) {
        const struct fault_spec *f = &s->model->fault[i];
        sim_at(s, f->at, fault_begin, (void *)f, 0);
        if (f->dur > 0)
            sim_at(s, f->at + f->dur, fault_end, (void *)f, 0);
    }
}

const struct dist *inject_api_override(struct sim *s)
{
    for (int i = 0; i < s->model->nfaults; i++) {
        const struct fault_spec *f = &s->model->fault[i];
        if (f->kind == FAULT_API_SLOW && s->now >= f->at && s->now < f->at + f->dur)
            return &f->latency;
    }
    return NULL;
}
