/*
 * What a caller hands the simulation engine besides the model and the seed
 * (run/run.h runs it): a trace, an order for tied events, an observer.
 * Deterministic: the same model, seed and build give the
 * same trace, byte for byte. Reads no clock and no unseeded randomness.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../check/metrics.h"
#include "../scenario/model.h"
#include "trace.h"

/* Worker actors allowed at once; past this, runs pile up without bound. */
#define SIM_MAX_ACTORS 4096

/*
 * Explore mode: whenever several events are due at the same instant, the
 * chooser picks which runs first, so every interleaving of racing actors at
 * their environment calls can be tried.
 */
struct sim_chooser {
    /* n >= 2 events are due now; owner[i] is a stable id of event i's actor
     * (0 for world events such as ticks). Returns the index of the one to
     * run first (0: insertion order, what a plain run does). */
    int (*choose)(struct sim_chooser *c, int n, const uint64_t *owner);
};

/* What shrink records of a run: each trigger's work, as it was used. */
struct sim_observer {
    /* Trigger n (1-based) fired at `at` on node; its drawn work. */
    void (*trigger)(struct sim_observer *o, uint64_t n, sim_time at, bool manual, int node,
                    sim_time api, sim_time db);
    /* Trigger n's run started and its API phase really takes api (a fault may slow it). */
    void (*start)(struct sim_observer *o, uint64_t n, sim_time api);
    /* Node i's draws for this seed: its clock offset (jitter included) and
     * its scheduler's phase. May be NULL. */
    void (*node)(struct sim_observer *o, int i, sim_time clock_offset, sim_time phase);
};

struct sim_hooks {
    struct trace *trace;           /* every event as CSV, or NULL */
    struct sim_chooser *chooser;   /* explore: order of tied events, or NULL */
    struct sim_observer *observer; /* or NULL */
};

/*
 * Asks every simulation in progress (and every later one, until
 * sim_interrupt_clear) to stop at its next check, every 65536 events; it
 * then returns -EINTR. Async-signal-safe: a SIGINT handler calls it.
 */
void sim_interrupt(void);
void sim_interrupt_clear(void);
bool sim_interrupted(void);

/*
 * Progress of a long run: fn is called from the event loop every 65536
 * events with the simulated time reached and the end. For this thread only
 * (set NULL to stop); fn must not touch the simulation.
 */
struct sim_progress {
    void (*fn)(void *user, sim_time now, sim_time end);
    void *user;
};
void sim_progress_set(const struct sim_progress *p);

#endif
