/* Log-linear histogram (see hist.h). */
#include "hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = SIM_TIME_MAX;
}

static int bucket_of(sim_time v)
{
    if (v < HIST_LINEAR)
        return (int)(v < 0 ? 0 : v);
    int e = 63 - __builtin_clzll((unsigned long long)v); /* >= HIST_SUB_BITS + 1 */
    int sub = (int)((unsigned long long)v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1);
    return HIST_LINEAR + (e - HIST_SUB_BITS - 1) * HIST_SUB + sub;
}

sim_time hist_bucket_low(int i)
{
    if (i < HIST_LINEAR)
        return i;
    int e = (i - HIST_LINEAR) / HIST_SUB + HIST_SUB_BITS + 1;
    int sub = (i - HIST_LINEAR) % HIST_SUB;
    return ((sim_time)1 << e) + ((sim_time)sub << (e - HIST_SUB_BITS));
}

sim_time hist_bucket_high(int i)
{
    if (i < HIST_LINEAR)
        return i + 1;
    int e = (i - HIST_LINEAR) / HIST_SUB + HIST_SUB_BITS + 1;
    return hist_bucket_low(i) + ((sim_time)1 << (e - HIST_SUB_BITS));
}

void hist_add(struct hist *h, sim_time v)
{
    if (v < 0)
        v = 0;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->bucket[bucket_of(v)]++;
}

void hist_merge(struct hist *into, const struct hist *from)
{
    if (!from->count)
        return;
    into->count += from->count;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    for (int i = 0; i < HIST_BUCKETS; i++)
        into->bucket[i] += from->bucket[i];
}

sim_time hist_quantile(const struct hist *h, double q)
{
    if (!h->count)
        return 0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen > rank) {
            sim_time lo = hist_bucket_low(i), hi = hist_bucket_high(i) - 1;
            sim_time mid = lo + (hi - lo) / 2;
            /* never report outside the exact range */
            if (mid < h->min)
                mid = h->min;
            if (mid > h->max)
                mid = h->max;
            return mid;
        }
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}
