/* Judging a case: safety and the verdict (see verdict.h). */
#include "verdict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"

bool verdict_same_run(const struct metrics *a, uint64_t hash_a, const struct metrics *b,
                      uint64_t hash_b)
{
    return hash_a == hash_b && a->triggers == b->triggers && a->runs == b->runs &&
           a->skipped == b->skipped && a->coalesced == b->coalesced &&
           a->max_concurrency == b->max_concurrency && a->overlaps == b->overlaps &&
           a->overlap_time == b->overlap_time && a->events == b->events &&
           a->longest_gap == b->longest_gap;
}

static void append(char *buf, size_t len, const char *s)
{
    size_t n = strlen(buf);
    if (n && n + 2 < len)
        strcat(buf, "; "), n += 2;
    snprintf(buf + n, len - n, "%s", s);
}

const char *verdict_name(enum case_verdict v)
{
    return v == VERDICT_FAIL ? "fail" : v == VERDICT_XFAIL ? "xfail" : "pass";
}

/* The invariants, in the order their names are listed. */
static const struct {
    unsigned bit;
    const char *name;
} invariants[] = {
    {INV_CONCURRENCY, "max_concurrency"},
    {INV_DUPLICATES, "duplicates"},
    {INV_LOST, "lost"},
    {INV_STALE, "stale_writes"},
};

char *verdict_invariants(unsigned bits, char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(invariants) / sizeof(invariants[0]); i++)
        if (bits & invariants[i].bit) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, "%s%s", n ? ", " : "", invariants[i].name);
        }
    return buf;
}

/* The invariants a seed broke, as INV_* bits (the parts of metrics_safe). */
static unsigned broken_bits(const struct metrics *m, int limit)
{
    unsigned b = 0;
    if (metrics_violates(m, limit))
        b |= INV_CONCURRENCY;
    if (m->xp.on && m->xp.duplicates)
        b |= INV_DUPLICATES;
    if (m->xp.on && m->xp.lost)
        b |= INV_LOST;
    if (m->stale_writes)
        b |= INV_STALE;
    return b;
}

/* Can e hold on a value above t (where the invariant it measures is broken)? */
static bool admits_above(const struct expectation *e, double t)
{
    return e->op == EXPECT_GE || e->op == EXPECT_NE || e->value > t;
}

/*
 * The invariants expectation e says the guard may break: a line on an
 * invariant's metric that can hold with the invariant broken
 * (`some.max_concurrency >= 2`, `duplicates >= 1000`, `max_concurrency = 3`
 * with limit 1). A line that cannot (`max_concurrency = 1`) allows nothing.
 */
static unsigned expect_allows(const struct expectation *e, int limit)
{
    const char *name = metric_defs[e->metric].name;
    if (strcmp(name, "max_concurrency") == 0)
        return admits_above(e, limit) ? INV_CONCURRENCY : 0;
    if (strcmp(name, "overlaps") == 0 || strcmp(name, "overlap_s") == 0)
        return admits_above(e, 0) ? INV_CONCURRENCY : 0;
    if (strcmp(name, "duplicates") == 0)
        return admits_above(e, 0) ? INV_DUPLICATES : 0;
    if (strcmp(name, "lost") == 0)
        return admits_above(e, 0) ? INV_LOST : 0;
    if (strcmp(name, "exactly_once") == 0)
        return expect_holds(e, 0) ? INV_DUPLICATES | INV_LOST : 0;
    if (strcmp(name, "stale_writes") == 0)
        return admits_above(e, 0) ? INV_STALE : 0;
    return 0;
}

int verdict_begin(const struct scenario *sc, int v, const struct guard_ops *g,
                  struct seed_range seeds, struct case_result *out)
{
    memset(out, 0, sizeof(*out));
    out->guard = g;
    out->variant = v;
    out->seeds = seeds;
    out->limit = -1;
    out->safe = true;
    metrics_init(&out->agg);
    const struct expectation **sel = mem_alloc(sizeof(*sel) * (size_t)(sc->nexpect + 1));
    if (!sel)
        return -ENOMEM;
    int n = expect_select(sc->expect, sc->nexpect, g->name, scenario_variant_name(sc, v), sel);
    if (n > VERDICT_MAX_EXPECT)
        n = VERDICT_MAX_EXPECT;
    out->nexpect = n;
    for (int i = 0; i < n; i++)
        out->st[i] = (struct expect_status){.e = sel[i], .held = sel[i]->mode == EXPECT_EVERY};
    mem_free(sel);
    return 0;
}

void verdict_add_seed(struct case_result *out, const struct metrics *met, int limit,
                      struct seed_outcome *o)
{
    uint64_t seed = met->seed;
    *o = (struct seed_outcome){.m = met, .pass = true};
    if (out->limit != limit) {
        out->limit = limit;
        out->allowed = 0;
        for (int i = 0; i < out->nexpect; i++)
            out->allowed |= expect_allows(out->st[i].e, limit);
        /* runs allowed to overlap may overwrite each other: the stale write is the
         * harm of the overlap, not a second surprise (a stale_writes line still
         * judges it, e.g. `stale_writes = 0` for a fenced guard) */
        if (out->allowed & INV_CONCURRENCY)
            out->allowed |= INV_STALE;
    }
    o->violation = metrics_violates(met, limit);
    if (o->violation && !out->violating_seeds++) {
        out->first_violating_seed = seed;
        if (met->nwindows)
            out->first_window = met->window[0];
    }
    o->safe = metrics_safe(met, limit);
    metrics_unsafe_reason(met, limit, o->unsafe, sizeof(o->unsafe));
    unsigned broken = broken_bits(met, limit);
    out->broken |= broken;
    if (!o->safe && !out->unsafe_seeds++) {
        out->first_unsafe_seed = seed;
        snprintf(out->first_unsafe, sizeof(out->first_unsafe), "%s", o->unsafe);
    }
    bool every_failed = false;
    for (int i = 0; i < out->nexpect; i++) {
        struct expect_status *st = &out->st[i];
        double val = metric_value(met, st->e->metric);
        bool ok = expect_holds(st->e, val);
        if (ok) {
            st->seeds_held++;
            if (st->e->mode == EXPECT_SOME)
                st->held = true;
        } else if (st->e->mode == EXPECT_EVERY) {
            /* a some. line is judged over the seeds, never on one */
            char t[128], d[200];
            if (st->held) {
                st->held = false;
                st->first_failing_seed = seed;
                st->first_failing_value = val;
            }
            every_failed = true;
            snprintf(d, sizeof(d), "%s (was %g)", expect_format(st->e, t, sizeof(t)), val);
            append(o->failed, sizeof(o->failed), d);
        }
    }
    unsigned unexpected = broken & ~out->allowed;
    if (unexpected) {
        char names[80], d[300];
        snprintf(d, sizeof(d), "unsafe (%s) and no expectation allows %s", o->unsafe,
                 verdict_invariants(unexpected, names, sizeof(names)));
        append(o->failed, sizeof(o->failed), d);
    }
    o->verdict = every_failed || unexpected ? VERDICT_FAIL : o->safe ? VERDICT_PASS : VERDICT_XFAIL;
    o->pass = o->verdict != VERDICT_FAIL;
    metrics_merge(&out->agg, met);
    out->nseeds++;
}

void verdict_end(struct case_result *out)
{
    bool ok = !(out->broken & ~out->allowed);
    for (int i = 0; i < out->nexpect; i++) {
        struct expect_status *st = &out->st[i];
        if (st->e->mode == EXPECT_SOME && out->nseeds <= 1) {
            st->unjudged = true; /* one seed cannot decide "on at least one seed" */
            st->held = true;
        }
        ok &= st->held;
    }
    out->safe = out->unsafe_seeds == 0;
    out->verdict = !ok ? VERDICT_FAIL : out->safe ? VERDICT_PASS : VERDICT_XFAIL;
    out->pass = out->verdict != VERDICT_FAIL;
}

char *verdict_failures(const struct case_result *c, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < c->nexpect; i++) {
        const struct expect_status *st = &c->st[i];
        if (st->held)
            continue;
        char t[128], d[256];
        expect_format(st->e, t, sizeof(t));
        if (st->e->mode == EXPECT_EVERY)
            snprintf(d, sizeof(d), "%s failed on seed %" PRIu64 " (was %g)", t,
                     st->first_failing_seed, st->first_failing_value);
        else
            snprintf(d, sizeof(d), "%s held on none of %" PRIu64 " seeds", t, c->nseeds);
        append(buf, len, d);
    }
    unsigned unexpected = c->broken & ~c->allowed;
    if (unexpected) {
        char names[80], d[400];
        const char *example = unexpected & INV_CONCURRENCY  ? "some.max_concurrency >= 2"
                              : unexpected & INV_DUPLICATES ? "some.duplicates >= 1"
                              : unexpected & INV_LOST       ? "some.lost >= 1"
                                                            : "some.stale_writes >= 1";
        snprintf(d, sizeof(d),
                 "UNSAFE (%s) and no expectation allows it: a guard that must break says so, "
                 "e.g. %s under [expect %s]",
                 verdict_invariants(unexpected, names, sizeof(names)), example, c->guard->name);
        append(buf, len, d);
    }
    return buf;
}

char *verdict_unjudged(const struct case_result *c, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < c->nexpect; i++)
        if (c->st[i].unjudged) {
            char t[128];
            append(buf, len, expect_format(c->st[i].e, t, sizeof(t)));
        }
    return buf;
}

char *verdict_safety(const struct case_result *c, char *buf, size_t len)
{
    if (c->unsafe_seeds)
        snprintf(buf, len, "UNSAFE %" PRIu64 "/%" PRIu64, c->unsafe_seeds, c->nseeds);
    else
        snprintf(buf, len, "SAFE");
    return buf;
}
