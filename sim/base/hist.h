/*
 * Fixed-size log-linear histogram of non-negative durations (the idea of
 * HdrHistogram): 32 linear sub-buckets per power of two, so any quantile is
 * within about 3% of the true value, while memory stays constant however long
 * the simulation runs. Count, sum, min and max are exact.
 */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#include "time.h"

#define HIST_SUB_BITS 5
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_LINEAR (2 * HIST_SUB)
#define HIST_BUCKETS (HIST_LINEAR + (63 - HIST_SUB_BITS - 1) * HIST_SUB)

struct hist {
    uint64_t count;
    sim_time min, max;
    double sum;
    uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct hist *h);
/* hist_init for a histogram whose bytes are already zero (inside a zeroed struct). */
static inline void hist_init_zeroed(struct hist *h)
{
    h->min = SIM_TIME_MAX;
}
void hist_add(struct hist *h, sim_time v);
void hist_merge(struct hist *into, const struct hist *from);

/* The q-quantile (0 <= q <= 1) as the midpoint of its bucket; 0 if empty. */
sim_time hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

/* Bucket bounds, for plotting: [lo, hi) of bucket i. */
sim_time hist_bucket_low(int i);
sim_time hist_bucket_high(int i);

#endif
