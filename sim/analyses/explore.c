/*
 * The explorer (see explore.h). Each run records, at every tie, how many
 * events were due and which one it picked; DFS then bumps the deepest choice
 * it may still bump within the preemption bound, and runs again.
 */
#include "explore.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../run/run.h"
#include "../base/mem.h"
#include "../base/prng.h"

#define MAX_DEPTH 256
#define MAX_OWNERS 256

struct recorder {
    struct sim_chooser base;
    /* DFS: follow prefix, then insertion order */
    int prefix[MAX_DEPTH], nprefix;
    /* PCT: priorities per owner, change points */
    bool pct;
    struct prng rng;
    uint64_t owner_id[MAX_OWNERS];
    double prio[MAX_OWNERS];
    int nowners;
    int change_at[8], nchange;
    double low; /* next priority below everyone after a change point */
    /* what happened */
    int options[MAX_DEPTH], chosen[MAX_DEPTH], depth, max_ties;
};

static double *priority_of(struct recorder *r, uint64_t owner)
{
    for (int i = 0; i < r->nowners; i++)
        if (r->owner_id[i] == owner)
            return &r->prio[i];
    if (r->nowners == MAX_OWNERS)
        return &r->prio[MAX_OWNERS - 1];
    r->owner_id[r->nowners] = owner;
    r->prio[r->nowners] = 1.0 + prng_unit(&r->rng); /* every new actor: a random rank */
    return &r->prio[r->nowners++];
}

static int pct_pick(struct recorder *r, int n, const uint64_t *owner)
{
    int best = 0;
    double best_p = -1e300;
    for (int i = 0; i < n; i++) {
        double p = *priority_of(r, owner[i]);
        if (p > best_p) {
            best_p = p;
            best = i;
        }
    }
    for (int k = 0; k < r->nchange; k++) {
        if (r->change_at[k] == r->depth) { /* demote the winner below all */
            *priority_of(r, owner[best]) = r->low;
            r->low -= 1.0;
            return pct_pick(r, n, owner);
        }
    }
    return best;
}

static int record_choose(struct sim_chooser *c, int n, const uint64_t *owner)
{
    struct recorder *r = (struct recorder *)c;
    int pick;
    if (r->pct)
        pick = pct_pick(r, n, owner);
    else
        pick = r->depth < r->nprefix ? r->prefix[r->depth] : 0;
    if (pick >= n)
        pick = 0;
    if (n > r->max_ties)
        r->max_ties = n;
    if (r->depth < MAX_DEPTH) {
        r->options[r->depth] = n;
        r->chosen[r->depth] = pick;
    }
    r->depth++;
    return pick;
}

static void format_interleaving(const struct recorder *r, char *buf, size_t len)
{
    int d = r->depth < MAX_DEPTH ? r->depth : MAX_DEPTH;
    while (d > 0 && r->chosen[d - 1] == 0) /* trailing insertion order is implied */
        d--;
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < d && n + 4 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%d", i ? "." : "", r->chosen[i]);
    if (d == 0)
        snprintf(buf, len, "0");
}

/* DFS: the next prefix within the bound, or false when all were tried. */
static bool dfs_next(struct recorder *r, int bound)
{
    int d = r->depth < MAX_DEPTH ? r->depth : MAX_DEPTH;
    for (int i = d - 1; i >= 0; i--) {
        int cost = 0;
        for (int j = 0; j < i; j++)
            cost += r->chosen[j] != 0;
        if (r->chosen[i] + 1 < r->options[i] && cost + 1 <= bound) {
            memcpy(r->prefix, r->chosen, sizeof(int) * (size_t)i);
            r->prefix[i] = r->chosen[i] + 1;
            r->nprefix = i + 1;
            return true;
        }
    }
    return false;
}

int explore_run(const struct model *m, const struct explore_opts *o, struct explore_result *res)
{
    memset(res, 0, sizeof(*res));
    struct recorder *r = mem_calloc(1, sizeof(*r));
    struct metrics *met = mem_alloc(sizeof(*met));
    int rc = 0;
    if (!r || !met) {
        rc = -ENOMEM;
        goto out;
    }
    r->base.choose = record_choose;
    r->pct = o->strategy == EXPLORE_PCT;
    int steps = 1; /* PCT's estimate of decision points, from the first run */
    for (uint64_t run = 0; run < o->budget; run++) {
        r->depth = 0;
        r->nowners = 0;
        if (r->pct) {
            prng_seed(&r->rng, o->seed * 1000003 + run, PRNG_WORLD);
            r->nchange = o->pct_depth > 1 ? o->pct_depth - 1 : 0;
            if (r->nchange > 8)
                r->nchange = 8;
            for (int k = 0; k < r->nchange; k++)
                r->change_at[k] = (int)prng_below(&r->rng, (uint64_t)steps);
            r->low = 0.0;
        }
        struct sim_hooks h = {.chooser = &r->base};
        rc = sim_run_hooked(m, o->seed, &h, met);
        if (rc)
            goto out;
        res->schedules++;
        if (r->max_ties > res->max_ties)
            res->max_ties = r->max_ties;
        if (r->depth > steps)
            steps = r->depth;
        if (metrics_violates(met, m->cfg.limit)) {
            res->found = true;
            res->m = *met;
            format_interleaving(r, res->interleaving, sizeof(res->interleaving));
            goto out;
        }
        if (!r->pct && !dfs_next(r, o->bound)) {
            res->exhausted = true;
            goto out;
        }
    }
out:
    mem_free(met);
    mem_free(r);
    return rc;
}
