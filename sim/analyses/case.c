/* Running a case over its seeds, re-running one seed for its trace, and the
 * command that replays a seed (see case.h). */
#include "case.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../run/run.h"
#include "../base/mem.h"

/* Failing seeds re-run per case, as FoundationDB re-runs a share of its
 * seeds: enough to catch nondeterminism, cheap. */
#define RECHECK_SEEDS 3

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

/* The model of variant v with guard g on every node: 0, or negative with err. */
static int case_model(const struct scenario *sc, int v, const struct guard_ops *g, struct model *m,
                      char *err, size_t errlen)
{
    int rc = scenario_model(sc, v, m, err, errlen);
    if (rc)
        return rc;
    m->cfg.guard = g;
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = g;
    return 0;
}

int case_run(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
             struct trace *trace, seed_cb cb, void *user, struct case_result *out, char *err,
             size_t errlen)
{
    struct model *m = mem_alloc(sizeof(*m));
    struct metrics *met = mem_alloc(sizeof(*met));
    int rc = verdict_begin(sc, v, g, seeds, out);
    if (rc || !m || !met) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = case_model(sc, v, g, m, err, errlen);
    if (rc)
        goto out;

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
        verdict_add_seed(out, met, m->cfg.limit, &o);
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
    verdict_end(out);
    rc = 0;
out:
    mem_free(met);
    mem_free(m);
    return rc;
}

int case_run_traced(const struct scenario *sc, int v, const struct guard_ops *g, uint64_t seed,
                    const struct case_trace_reader *rd, void *user, char *err, size_t errlen)
{
    struct model *m = mem_alloc(sizeof(*m));
    struct metrics *met = mem_alloc(sizeof(*met));
    void *state = NULL;
    int rc = -ENOMEM;
    if (!m || !met) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = case_model(sc, v, g, m, err, errlen);
    if (rc)
        goto out;

    errno = 0;
    FILE *stream = rd->open(user, m, &state);
    if (!stream) {
        int e = errno ? errno : ENOMEM;
        rc = -e;
        snprintf(err, errlen, "cannot collect the trace: %s", strerror(e));
        goto out;
    }
    struct trace tr;
    trace_init(&tr, stream);
    rc = sim_run(m, seed, &tr, met);
    fclose(stream);
    if (!rc)
        rc = rd->status(state);
    if (rc) {
        snprintf(err, errlen, "%s, guard %s, seed %" PRIu64 ": %s", sc->path, g->name, seed,
                 strerror(-rc));
        goto out;
    }
    rc = rd->done(user, state, m, met, err, errlen);
out:
    if (rd->release)
        rd->release(state);
    mem_free(met);
    mem_free(m);
    return rc;
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
