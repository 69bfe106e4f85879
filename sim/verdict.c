/* Case runs and verdicts (see verdict.h). */
#include "verdict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "mem.h"

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
 * Runs seed once more, with a hash-only trace (which formats nothing): it
 * must give the metrics of the first, untraced run, to the last event and
 * nanosecond (tracing must not change what happens, nor may anything but
 * the seed). One run, not two with their hashes compared: a failing seed
 * then costs twice a passing one, not three times; test_determinism
 * compares whole traces.
 */
static int recheck(const struct model *m, uint64_t seed, const struct metrics *first, char *err,
                   size_t errlen)
{
    struct metrics *again = mem_alloc(sizeof(*again));
    if (!again)
        return -ENOMEM;
    struct trace t;
    trace_init(&t, NULL);
    int rc = sim_run(m, seed, &t, again);
    if (!rc && !verdict_same_run(first, 0, again, 0)) {
        snprintf(err, errlen,
                 "internal error: seed %" PRIu64 " is not deterministic: runs %" PRIu64
                 "/%" PRIu64 ", events %" PRIu64 "/%" PRIu64,
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

int case_begin(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
               struct case_result *out)
{
    memset(out, 0, sizeof(*out));
    out->guard = g;
    out->variant = v;
    out->seeds = seeds;
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
    o->violation = metrics_violates(met, limit);
    if (o->violation && !out->violating_seeds++) {
        out->first_violating_seed = seed;
        if (met->nwindows)
            out->first_window = met->window[0];
    }
    for (int i = 0; i < out->nexpect; i++) {
        struct expect_status *st = &out->st[i];
        double val = metric_value(met, st->e->metric);
        bool ok = expect_holds(st->e, val);
        if (ok) {
            st->seeds_held++;
            if (st->e->mode == EXPECT_SOME)
                st->held = true;
        } else {
            char t[128], d[200];
            if (st->e->mode == EXPECT_EVERY && st->held) {
                st->held = false;
                st->first_failing_seed = seed;
                st->first_failing_value = val;
            }
            o->pass = false;
            snprintf(d, sizeof(d), "%s (was %g)", expect_format(st->e, t, sizeof(t)), val);
            append(o->failed, sizeof(o->failed), d);
        }
    }
    metrics_merge(&out->agg, met);
    out->nseeds++;
}

void case_end(struct case_result *out)
{
    out->pass = true;
    for (int i = 0; i < out->nexpect; i++)
        out->pass &= out->st[i].held;
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
        if ((!o.pass || o.violation) && out->rechecked < RECHECK_SEEDS) {
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
            snprintf(d, sizeof(d), "%s held on no seed", t);
        append(buf, len, d);
    }
    return buf;
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

char *case_replay(const struct scenario *sc, const struct case_result *c, uint64_t seed, char *buf,
                  size_t len)
{
    char num[32];
    snprintf(buf, len, "overlapsim %s", c->replay_cmd ? c->replay_cmd : "run");
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
