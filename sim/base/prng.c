/* Seeding and bounded draws for xoshiro256** (see prng.h). */
#include "prng.h"

uint64_t prng_splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void prng_seed(struct prng *r, uint64_t seed, uint64_t stream)
{
    /* mix stream into the state so neighbouring seeds and streams differ */
    uint64_t sm = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    prng_splitmix(&sm);
    for (int i = 0; i < 4; i++)
        r->s[i] = prng_splitmix(&sm);
}

uint64_t prng_below(struct prng *r, uint64_t n)
{
    __uint128_t m = (__uint128_t)prng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (__uint128_t)prng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}
