/*
 * Parallel map with ordered delivery: work(i) runs on up to `jobs` threads,
 * done(i) runs on the calling thread strictly in index order, so whatever
 * done() prints is the same for any job count. Workers never run more than
 * `window` items ahead of the last delivered one, so results need only a
 * ring of `window` slots: memory does not grow with n.
 */
#ifndef SIM_PAR_H
#define SIM_PAR_H

#include <stddef.h>

struct par {
    size_t n;      /* items 0..n-1 */
    int jobs;      /* threads; <= 1 runs everything on the calling thread */
    size_t window; /* slots; 0: par_window(jobs) */
    /*
     * Computes item i into ring slot `slot` (i % window) on worker `worker`
     * (0..jobs-1). Returns 0 or a negative errno, which stops the map.
     */
    int (*work)(void *user, size_t i, size_t slot, int worker);
    /* Delivers item i from its slot, in order. Returns 0 or a negative errno to stop. */
    int (*done)(void *user, size_t i, size_t slot);
    void *user;
};

/* The ring size par_run uses for jobs threads when p->window is 0. */
size_t par_window(int jobs);

/* Threads worth starting here: the online processor count (at least 1). */
int par_cores(void);

/*
 * Runs the map. Returns 0; the error of the lowest-numbered failing item
 * (items before it were all delivered, none after it); or -ENOMEM/-EAGAIN
 * when threads cannot be started. Blocks until every started item ended.
 */
int par_run(const struct par *p);

#endif
