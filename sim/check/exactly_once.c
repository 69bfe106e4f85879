/*
 * The exactly-once checker (see exactly_once.h). The window is a ring indexed
 * by ID. Only when it is full does the head move (exactly_once_settle), past items
 * that are settled: delivered and either older than the allowance or more
 * than half a ring behind, or undelivered past the allowance (lost: the ID
 * joins a run of lost IDs). Settling in bulk keeps the per-item cost to a
 * store and a load; the ring grows only when its items are all in flight.
 */
#include "exactly_once.h"

#include <errno.h>
#include <string.h>

#include "../base/mem.h"

#define EXACTLY_ONCE_RING_MIN 64

int exactly_once_init(struct exactly_once *c, sim_time allowance, bool idempotent, struct hist *lag)
{
    memset(c, 0, sizeof(*c));
    c->allowance = allowance;
    c->idempotent = idempotent;
    c->lag = lag;
    c->base = c->next = 1;
    c->ring = mem_alloc(EXACTLY_ONCE_RING_MIN * sizeof(*c->ring));
    if (!c->ring)
        return -ENOMEM;
    c->mask = EXACTLY_ONCE_RING_MIN - 1;
    return 0;
}

void exactly_once_release(struct exactly_once *c)
{
    mem_free(c->ring);
    c->ring = NULL;
}

static inline struct exactly_once_slot *slot(const struct exactly_once *c, uint64_t id)
{
    return &c->ring[id & c->mask];
}

static void lost_add(struct exactly_once *c, uint64_t id)
{
    if (c->nlost && c->lost_ranges[c->nlost - 1].to == id) {
        c->lost_ranges[c->nlost - 1].to++;
        return;
    }
    if (c->nlost == EXACTLY_ONCE_LOST_RANGES) { /* forget the oldest run */
        memmove(&c->lost_ranges[0], &c->lost_ranges[1],
                (EXACTLY_ONCE_LOST_RANGES - 1) * sizeof(c->lost_ranges[0]));
        c->nlost--;
    }
    c->lost_ranges[c->nlost++] = (struct exactly_once_range){id, id + 1};
}

/* Takes id out of the remembered lost IDs; false if it is not among them. */
static bool lost_take(struct exactly_once *c, uint64_t id)
{
    for (int i = c->nlost - 1; i >= 0; i--) {
        struct exactly_once_range *r = &c->lost_ranges[i];
        if (id < r->from || id >= r->to)
            continue;
        if (r->to - r->from == 1) {
            memmove(r, r + 1, (size_t)(c->nlost - i - 1) * sizeof(*r));
            c->nlost--;
        } else if (id == r->from) {
            r->from++;
        } else if (id == r->to - 1) {
            r->to--;
        } else { /* split: the upper part goes right after */
            if (c->nlost == EXACTLY_ONCE_LOST_RANGES) {
                memmove(&c->lost_ranges[0], &c->lost_ranges[1],
                        (EXACTLY_ONCE_LOST_RANGES - 1) * sizeof(c->lost_ranges[0]));
                c->nlost--;
                r--;
                i--;
            }
            if (i < 0) /* the range itself was the one forgotten */
                return true;
            memmove(r + 2, r + 1, (size_t)(c->nlost - i - 1) * sizeof(*r));
            r[1] = (struct exactly_once_range){id + 1, r->to};
            r->to = id;
            c->nlost++;
        }
        return true;
    }
    return false;
}

void exactly_once_settle(struct exactly_once *c, sim_time now)
{
    /* keep half the ring's worth of delivered items, for naming first writers */
    uint64_t keep = (c->mask + 1) / 2;
    while (c->base < c->next) {
        const struct exactly_once_slot *s = slot(c, c->base);
        bool old = s->arrived + c->allowance <= now;
        if (s->run) {
            if (!old && c->next - c->base <= keep)
                break;
        } else {
            if (!old)
                break;
            lost_add(c, c->base);
            c->lost++;
        }
        c->base++;
    }
}

static int grow(struct exactly_once *c)
{
    uint64_t cap = 2 * (c->mask + 1), mask = cap - 1;
    struct exactly_once_slot *ring = mem_alloc(cap * sizeof(*ring));
    if (!ring)
        return -ENOMEM;
    for (uint64_t id = c->base; id < c->next; id++)
        ring[id & mask] = *slot(c, id);
    mem_free(c->ring);
    c->ring = ring;
    c->mask = mask;
    return 0;
}

uint64_t exactly_once_arrive(struct exactly_once *c, sim_time at)
{
    if (c->next - c->base > c->mask) { /* full: settle what we can, else grow */
        exactly_once_settle(c, at);
        if (c->next - c->base > c->mask && grow(c) != 0)
            return 0;
    }
    uint64_t id = c->next++;
    *slot(c, id) = (struct exactly_once_slot){at, 0};
    c->arrived++;
    return id;
}

enum exactly_once_outcome exactly_once_deliver(struct exactly_once *c, uint64_t id, sim_time at,
                                               uint64_t run, uint64_t *first_run)
{
    uint64_t first = 0;
    if (id == 0 || id >= c->next) {
        if (first_run)
            *first_run = 0;
        return EXACTLY_ONCE_UNKNOWN;
    }
    c->writes++;
    if (id >= c->base) {
        struct exactly_once_slot *s = slot(c, id);
        if (!s->run) {
            s->run = run;
            c->delivered++;
            if (at - s->arrived > c->allowance)
                c->late++;
            if (c->lag)
                hist_add(c->lag, at - s->arrived);
            if (first_run)
                *first_run = run;
            return EXACTLY_ONCE_FIRST;
        }
        first = s->run;
    } else if (lost_take(c, id)) {
        c->lost--;
        c->late++;
        c->delivered++;
        if (first_run)
            *first_run = run;
        return EXACTLY_ONCE_LATE;
    }
    if (first_run)
        *first_run = first;
    if (c->idempotent) {
        c->redelivered++;
        return EXACTLY_ONCE_REDELIVERED;
    }
    c->duplicates++;
    return EXACTLY_ONCE_DUPLICATE;
}

void exactly_once_deliver_range(struct exactly_once *c, uint64_t from, uint64_t to, sim_time at,
                                uint64_t run, struct exactly_once_batch *out)
{
    *out = (struct exactly_once_batch){0};
    if (from == 0)
        from = 1;
    if (to >= c->next)
        to = c->next - 1;
    for (uint64_t id = from; id <= to; id++) {
        uint64_t first;
        enum exactly_once_outcome o;
        if (id >= c->base) { /* the common case, inline: in the window, first copy */
            struct exactly_once_slot *s = slot(c, id);
            if (!s->run) {
                s->run = run;
                c->writes++;
                c->delivered++;
                if (at - s->arrived > c->allowance)
                    c->late++;
                if (c->lag)
                    hist_add(c->lag, at - s->arrived);
                out->first++;
                continue;
            }
        }
        o = exactly_once_deliver(c, id, at, run, &first);
        if (o == EXACTLY_ONCE_FIRST || o == EXACTLY_ONCE_LATE) {
            out->first++;
        } else if (o == EXACTLY_ONCE_DUPLICATE || o == EXACTLY_ONCE_REDELIVERED) {
            if (!out->repeats++) {
                out->repeat_id = id;
                out->repeat_first_run = first;
            }
        }
    }
}

void exactly_once_finish(struct exactly_once *c, sim_time end)
{
    exactly_once_settle(c, end);
    for (uint64_t id = c->base; id < c->next; id++) {
        const struct exactly_once_slot *s = slot(c, id);
        if (s->run)
            continue;
        if (s->arrived + c->allowance <= end)
            c->lost++;
        else
            c->pending++;
    }
}
