/* 4-ary heap event queue (see evq.h). Four children per node halve the depth
 * of a binary heap and keep siblings in one or two cache lines. */
#include "evq.h"

#include <errno.h>
#include "../base/mem.h"

void evq_init(struct evq *q)
{
    q->heap = NULL;
    q->len = q->cap = 0;
    q->next_seq = 0;
}

void evq_release(struct evq *q)
{
    mem_free(q->heap);
    evq_init(q);
}

static inline bool before(const struct evq_event *a, const struct evq_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

int evq_push(struct evq *q, sim_time at, evq_fn fn, void *arg, uint64_t tag)
{
    struct evq_event ev = {at, q->next_seq++, fn, arg, tag};
    return evq_push_event(q, &ev);
}

int evq_push_event(struct evq *q, const struct evq_event *event)
{
    struct evq_event ev = *event;
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        struct evq_event *h = mem_realloc(q->heap, cap * sizeof(*h));
        if (!h)
            return -ENOMEM;
        q->heap = h;
        q->cap = cap;
    }
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!before(&ev, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
    return 0;
}

bool evq_pop(struct evq *q, struct evq_event *out)
{
    if (q->len == 0)
        return false;
    *out = q->heap[0];
    struct evq_event last = q->heap[--q->len];
    size_t n = q->len, i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t best = c, end = c + 4 < n ? c + 4 : n;
        for (size_t k = c + 1; k < end; k++)
            if (before(&q->heap[k], &q->heap[best]))
                best = k;
        if (!before(&q->heap[best], &last))
            break;
        q->heap[i] = q->heap[best];
        i = best;
    }
    if (n > 0)
        q->heap[i] = last;
    return true;
}
