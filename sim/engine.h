/*
 * The simulation engine: runs a model for one seed in virtual time and fills
 * in the metrics. Deterministic: the same model, seed and build give the
 * same trace, byte for byte. Reads no clock and no unseeded randomness.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "model.h"
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
    struct trace *trace;          /* every event as CSV, or NULL */
    struct sim_chooser *chooser;  /* explore: order of tied events, or NULL */
    struct sim_observer *observer; /* or NULL */
};

/* sim_run with hooks (h may be NULL). Without a chooser, scenario.interleaving
 * (if set) orders tied events, else insertion order. */
int sim_run_hooked(const struct model *m, uint64_t seed, const struct sim_hooks *h,
                   struct metrics *out);

/*
 * Asks every sim_run in progress (and every later one, until
 * sim_interrupt_clear) to stop at its next check, every 65536 events; it
 * then returns -EINTR. Async-signal-safe: a SIGINT handler calls it.
 */
void sim_interrupt(void);
void sim_interrupt_clear(void);
bool sim_interrupted(void);

/*
 * Progress of a long run: fn is called from sim_run every 65536 events
 * with the simulated time reached and the end. For this thread only (set
 * NULL to stop); fn must not touch the simulation.
 */
struct sim_progress {
    void (*fn)(void *user, sim_time now, sim_time end);
    void *user;
};
void sim_progress_set(const struct sim_progress *p);

/*
 * Runs model m (borrowed) for seed. Writes every event to trace when it is
 * not NULL. Returns 0; -ENOMEM; -E2BIG when more than SIM_MAX_ACTORS
 * actors would be alive at once; or -EINTR after sim_interrupt. *out is
 * filled in either way (up to where it stopped).
 */
int sim_run(const struct model *m, uint64_t seed, struct trace *trace, struct metrics *out);

#endif
