/*
 * Trace rows due at a later true time (see engine_impl.h): a windowed
 * fault's end, a lease's expiry. They wait in a small table rather than in
 * the event queue, because an event would take part in the order of events
 * due at the same instant (explore's choices, a replayed schedule) and the
 * same seed must behave the same with and without a trace.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

static void due_min_update(struct sim *s)
{
    s->due_min = SIM_TIME_MAX;
    for (int i = 0; i < s->ndue; i++)
        if (s->due[i].at < s->due_min)
            s->due_min = s->due[i].at;
}

static void due_write(struct sim *s, const struct sim_due *d)
{
    trace_event(s->trace, d->at, d->n ? d->n->name : NULL, d->run, d->kind,
                trace_writes(s->trace) ? d->detail : NULL);
}

void sim_trace_due_cancel(struct sim *s, const void *key)
{
    for (int i = 0; key && i < s->ndue; i++)
        if (s->due[i].key == key) {
            memmove(&s->due[i], &s->due[i + 1], (size_t)(s->ndue - i - 1) * sizeof(s->due[0]));
            s->ndue--;
            due_min_update(s);
            return;
        }
}

void sim_trace_due(struct sim *s, sim_time at, struct node *n, uint64_t run, const char *kind,
                   const char *detail, const void *key)
{
    if (!s->trace)
        return;
    sim_trace_due_cancel(s, key);
    if (at >= s->end)
        return;
    struct sim_due d = {at, n, run, key, "", ""};
    size_t kl = strnlen(kind, sizeof(d.kind) - 1); /* not snprintf: a row per lease grant */
    memcpy(d.kind, kind, kl);
    if (detail && trace_writes(s->trace))
        snprintf(d.detail, sizeof(d.detail), "%s", detail);
    if (at <= s->now) { /* due already */
        sim_trace_due_flush(s, at);
        due_write(s, &d);
        return;
    }
    if (s->ndue == SIM_MAX_DUE) { /* full: the earliest goes out now, a little early */
        sim_trace_due_flush(s, s->due_min);
    }
    s->due[s->ndue++] = d;
    if (s->ndue == 1 || at < s->due_min)
        s->due_min = at;
}

void sim_trace_due_flush(struct sim *s, sim_time upto)
{
    while (s->ndue && s->due_min <= upto) {
        int k = 0;
        for (int i = 1; i < s->ndue; i++) /* the earliest; the first added among equals */
            if (s->due[i].at < s->due[k].at)
                k = i;
        struct sim_due d = s->due[k];
        memmove(&s->due[k], &s->due[k + 1], (size_t)(s->ndue - k - 1) * sizeof(d));
        s->ndue--;
        due_min_update(s);
        if (s->trace)
            due_write(s, &d);
    }
}
