/*
 * The exactly-once checker of one consumer (one sink): every item that
 * arrived at the source must reach the sink once. It sees each arrival and
 * each write as it happens and counts duplicates (a second copy in the sink),
 * redeliveries (a repeat an idempotent sink absorbed), lost items (never
 * delivered although they arrived more than the lag allowance before the end)
 * and the delivery lag. Item IDs are consecutive from 1 in arrival order, so
 * the state is a watermark (every ID below `base` is settled) plus a ring
 * window of the items in flight: memory follows the items in flight, not the
 * items ever seen. An item still undelivered `allowance` after it arrived
 * may be declared lost and leave the window; if it is delivered after all,
 * it counts as late, not lost (the last EXACTLY_ONCE_LOST_RANGES runs of lost IDs are
 * remembered for that; past them a late delivery counts as a duplicate).
 * Any first delivery more than `allowance` after the arrival counts as late.
 */
#ifndef SIM_EXACTLY_ONCE_H
#define SIM_EXACTLY_ONCE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/hist.h"
#include "../base/time.h"

#define EXACTLY_ONCE_LOST_RANGES 64

/* What one write of one item turned out to be. */
enum exactly_once_outcome {
    EXACTLY_ONCE_FIRST,       /* first copy in the sink */
    EXACTLY_ONCE_DUPLICATE,   /* a second copy (non-idempotent sink) */
    EXACTLY_ONCE_REDELIVERED, /* a repeat that an idempotent sink absorbed */
    EXACTLY_ONCE_LATE,        /* first copy, after the item had been declared lost */
    EXACTLY_ONCE_UNKNOWN,     /* an ID that never arrived: a bug in the caller */
};

struct exactly_once_slot {
    sim_time arrived;
    uint64_t run; /* the run that delivered it first; 0: not yet delivered */
};

struct exactly_once_range {
    uint64_t from, to; /* [from, to) */
};

struct exactly_once {
    sim_time allowance;
    bool idempotent;
    uint64_t base; /* lowest ID in the window; every ID below is settled */
    uint64_t next; /* the ID the next arrival gets */
    struct exactly_once_slot *ring;
    uint64_t mask; /* ring capacity - 1 (a power of two) */
    int nlost;
    struct exactly_once_range lost_ranges[EXACTLY_ONCE_LOST_RANGES]; /* oldest first */
    struct hist *lag; /* borrowed: first deliveries' lag goes here (may be NULL) */
    /* counters */
    uint64_t arrived;     /* items that arrived */
    uint64_t writes;      /* item writes that reached the sink, repeats included */
    uint64_t delivered;   /* distinct items delivered */
    uint64_t duplicates;  /* extra copies in the sink */
    uint64_t redelivered; /* repeats absorbed by an idempotent sink */
    uint64_t lost;        /* declared lost and not (yet) delivered */
    uint64_t late;        /* first delivered more than the allowance after arriving */
    uint64_t pending;     /* at the end: undelivered but younger than the allowance */
};

/*
 * Starts a checker. lag (borrowed, may be NULL) receives the lag of each
 * first delivery. Returns 0 or -ENOMEM.
 */
int exactly_once_init(struct exactly_once *c, sim_time allowance, bool idempotent,
                      struct hist *lag);
void exactly_once_release(struct exactly_once *c);

/*
 * Item ID c->next arrives at time at (arrivals come in time order). Returns
 * its ID, or 0 when out of memory.
 */
uint64_t exactly_once_arrive(struct exactly_once *c, sim_time at);

/*
 * Item id is written to the sink at time at by run. Returns what that write
 * was; *first_run (may be NULL) gets the run that delivered it first, or 0
 * when that is no longer known (the item left the window).
 */
enum exactly_once_outcome exactly_once_deliver(struct exactly_once *c, uint64_t id, sim_time at,
                                               uint64_t run, uint64_t *first_run);

/* What writing a range of items did. */
struct exactly_once_batch {
    uint64_t first;            /* items of the range delivered for the first time (late ones too) */
    uint64_t repeats;          /* duplicates or redeliveries */
    uint64_t repeat_id;        /* the first repeated item (0: none) */
    uint64_t repeat_first_run; /* the run that wrote it first; 0: no longer known */
};

/*
 * Items from..to (inclusive) are written at time at by run: exactly_once_deliver for
 * each, in one pass. Fills *out.
 */
void exactly_once_deliver_range(struct exactly_once *c, uint64_t from, uint64_t to, sim_time at,
                                uint64_t run, struct exactly_once_batch *out);

/*
 * Settles the window at time now: moves past delivered items no longer
 * needed and declares lost the undelivered ones older than the allowance.
 * exactly_once_arrive does this by itself when the window is full.
 */
void exactly_once_settle(struct exactly_once *c, sim_time now);

/*
 * Closes the books at end: every undelivered item that arrived at least the
 * allowance before end is lost; the younger ones are only pending.
 */
void exactly_once_finish(struct exactly_once *c, sim_time end);

/* Items in the window now (for tests of the memory bound). */
static inline uint64_t exactly_once_window(const struct exactly_once *c)
{
    return c->next - c->base;
}

#endif
