/*
 * The event queue: a 4-ary min-heap ordered by (time, insertion number), so
 * events due at the same instant fire in the order they were pushed, as
 * libuv orders its timers by (timeout, start_id). That tie-break is what makes
 * a run reproducible byte for byte.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/time.h"

typedef void (*evq_fn)(void *ctx, void *arg, uint64_t tag);

struct evq_event {
    sim_time at;
    uint64_t seq;
    evq_fn fn;
    void *arg;
    uint64_t tag; /* free for the handler: a generation to ignore stale timers */
};

struct evq {
    struct evq_event *heap;
    size_t len, cap;
    uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_release(struct evq *q);

/* Queues fn(ctx, arg, tag) at time at. Returns 0 or -ENOMEM. */
int evq_push(struct evq *q, sim_time at, evq_fn fn, void *arg, uint64_t tag);

/* Puts back an event popped earlier, keeping its place among equals. */
int evq_push_event(struct evq *q, const struct evq_event *ev);

/* Removes the earliest event into *out; false when the queue is empty. */
bool evq_pop(struct evq *q, struct evq_event *out);

static inline bool evq_empty(const struct evq *q)
{
    return q->len == 0;
}
static inline sim_time evq_next_time(const struct evq *q)
{
    return q->heap[0].at;
}

#endif
