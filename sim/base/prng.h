/*
 * Seeded pseudo-random numbers: xoshiro256** (Blackman and Vigna, 2018),
 * seeded through splitmix64. Each purpose (job durations, manual triggers,
 * faults, ...) draws from its own stream derived from (seed, stream id), so
 * that changing one part of a scenario does not shift the draws of another,
 * and every guard sees the same workload for the same seed.
 */
#ifndef SIM_PRNG_H
#define SIM_PRNG_H

#include <stdint.h>

struct prng {
    uint64_t s[4];
};

/* Streams of one seed; the numbers are part of the trace format: keep them. */
enum prng_stream {
    PRNG_JOB = 1,
    PRNG_MANUAL = 2,
    PRNG_FAULT = 3,
    PRNG_PHASE = 4,
    PRNG_WORLD = 5,
    PRNG_EXPORT = 6,
    PRNG_TIMER = 7, /* << 8 | node: a systemd timer's RandomizedDelaySec= draws */
};

void prng_seed(struct prng *r, uint64_t seed, uint64_t stream);

static inline uint64_t prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t prng_next(struct prng *r)
{
    uint64_t *s = r->s;
    uint64_t result = prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = prng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double prng_unit(struct prng *r)
{
    return (double)(prng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1]: safe to take the logarithm of. */
static inline double prng_unit_open(struct prng *r)
{
    return (double)((prng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
uint64_t prng_below(struct prng *r, uint64_t n);

/* splitmix64 step, also useful to hash integers. */
uint64_t prng_splitmix(uint64_t *state);

#endif
