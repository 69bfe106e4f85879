/* Case runs and verdicts (see verdict.h). */
#include "verdict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../run/run.h"
#include "../base/mem.h"

/* Failing seeds re-run per case, as FoundationDB re-runs a share of its
 * seeds: enough to catch nondeterminism, cheap. */
#define RECHECK_SEEDS 3

bool verdict_same_run(const struct metrics *a, uint64_t hash_a, const struct metrics *b,
                      uint64_t hash_b)
{
    return hash_a == hash_b && a->triggers == b->triggers && a->runs == b->runs &&
           a->skipped == b->skipped && a->coalesced == b->coalesced &&
           a->max_concurrency == b->max_concurrency && a->overlaps == b->overlaps &&
           a->overlap_time == b->overlap_time && a->events == b->events &&
           a->longest_gap == b->longest_gap;
}

/*
 * Runs seed once more: it must give the metrics of the first run, to the
 * last event and nanosecond (nothing but the seed may decide what happens).
 * Untraced, so a failing seed costs twice a passing one; that a trace
 * changes nothing is the build's property, checked by test_trace_cost, and
 * test_determinism compares whole traces.
 */
static int recheck(const struct model *m, uint64_t seed, const struct metrics *first, char *err,
                   size_t errlen)
{
    struct metrics *again = mem_alloc(sizeof(*again));
    if (!again)
        return -ENOMEM;
    int rc = sim_run(m, seed, NULL, again);
    if (!rc && !verdict_same_run(first, 0, again, 0)) {
        snprintf(err, errlen,
                 "internal error: seed %" PRIu64 " is not deterministic: runs %" PRIu64 "/%" PRIu64
                 ", events %" PRIu64 "/%" PRIu64,
                 seed, first->runs, again->runs, first->events, again->events);
        rc = -EPROTO;
    }
    mem_free(again);
    return rc;
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

int case_begin(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
               struct case_result *out)
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

void case_add_seed(struct case_result *out, const struct metrics *met, int limit,
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

void case_end(struct case_result *out)
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

int case_run(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
             struct trace *trace, seed_cb cb, void *user, struct case_result *out, char *err,
             size_t errlen)
{
    struct model *m = mem_alloc(sizeof(*m));
    struct metrics *met = mem_alloc(sizeof(*met));
    int rc = case_begin(sc, v, g, seeds, out);
    if (rc || !m || !met) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = scenario_model(sc, v, m, err, errlen);
    if (rc)
        goto out;
    m->cfg.guard = g;
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = g;

    for (uint64_t seed = seeds.from;; seed++) {
        rc = sim_interrupted() ? -EINTR : sim_run(m, seed, trace, met);
        if (rc == -EINTR) { /* Ctrl-C: the seeds done so far are the result */
            out->interrupted = true;
            out->interrupted_seed = seed;
            break;
        }
        if (rc) {
            snprintf(err, errlen, "%s, guard %s, seed %" PRIu64 ": %s", sc->path, g->name, seed,
                     rc == -E2BIG ? "more runs alive at once than the simulator allows "
                                    "(runs pile up without bound)"
                                  : strerror(-rc));
            out->error = rc;
            goto out;
        }
        struct seed_outcome o;
        case_add_seed(out, met, m->cfg.limit, &o);
        if ((!o.pass || !o.safe) && out->rechecked < RECHECK_SEEDS) {
            out->rechecked++;
            rc = recheck(m, seed, met, err, errlen);
            if (rc == -EINTR) { /* the seed itself is done: only its re-check was cut */
                out->interrupted = true;
                out->interrupted_seed = seed + 1;
                rc = 0;
                if (cb)
                    cb(user, out, &o);
                break;
            }
            if (rc) {
                if (rc != -EPROTO)
                    snprintf(err, errlen, "%s", strerror(-rc));
                out->error = rc;
                goto out;
            }
        }
        if (cb)
            cb(user, out, &o);
        if (seed == seeds.to)
            break;
    }
    case_end(out);
    rc = 0;
out:
    mem_free(met);
    mem_free(m);
    return rc;
}

char *case_failures(const struct case_result *c, char *buf, size_t len)
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

char *case_unjudged(const struct case_result *c, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < c->nexpect; i++)
        if (c->st[i].unjudged) {
            char t[128];
            append(buf, len, expect_format(c->st[i].e, t, sizeof(t)));
        }
    return buf;
}

char *case_safety(const struct case_result *c, char *buf, size_t len)
{
    if (c->unsafe_seeds)
        snprintf(buf, len, "UNSAFE %" PRIu64 "/%" PRIu64, c->unsafe_seeds, c->nseeds);
    else
        snprintf(buf, len, "SAFE");
    return buf;
}

uint64_t case_replay_seed(const struct case_result *c)
{
    if (c->verdict == VERDICT_FAIL)
        for (int k = 0; k < c->nexpect; k++)
            if (!c->st[k].held && c->st[k].e->mode == EXPECT_EVERY)
                return c->st[k].first_failing_seed;
    return c->unsafe_seeds ? c->first_unsafe_seed : c->seeds.from;
}

void case_shell_word(char *buf, size_t len, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < len)
        buf[n++] = ' ', buf[n] = 0;
    if (*s && !strpbrk(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!")) {
        snprintf(buf + n, len - n, "%s", s);
        return;
    }
    if (n + 1 < len)
        buf[n++] = '\'';
    for (; *s && n + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            buf[n++] = *s;
        }
    }
    if (n + 1 < len)
        buf[n++] = '\'';
    buf[n < len ? n : len - 1] = 0;
}

static const char *replay_program = "overlapsim";

void case_replay_program(const char *argv0)
{
    if (argv0 && *argv0)
        replay_program = argv0;
}

const char *case_replay_program_name(void)
{
    return replay_program;
}

char *case_replay(const struct scenario *sc, const struct case_result *c, uint64_t seed, char *buf,
                  size_t len)
{
    char num[32];
    buf[0] = 0;
    case_shell_word(buf, len, replay_program);
    memmove(buf, buf + 1, strlen(buf)); /* no space before the first word */
    case_shell_word(buf, len, c->replay_cmd ? c->replay_cmd : "run");
    case_shell_word(buf, len, sc->path);
    if (c->variant >= 0) {
        case_shell_word(buf, len, "--variant");
        case_shell_word(buf, len, sc->variants[c->variant].name);
    }
    case_shell_word(buf, len, "--guard");
    case_shell_word(buf, len, c->guard->name);
    snprintf(num, sizeof(num), "%" PRIu64, seed);
    case_shell_word(buf, len, "--seed");
    case_shell_word(buf, len, num);
    for (int i = 0; i < sc->ncli; i++) {
        char kv[400];
        snprintf(kv, sizeof(kv), "%s=%s", sc->cli[i].key, sc->cli[i].value);
        case_shell_word(buf, len, "--set");
        case_shell_word(buf, len, kv);
    }
    if (c->replay_args)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s", c->replay_args);
    return buf;
}
