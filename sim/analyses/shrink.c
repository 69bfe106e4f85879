/*
 * The shrinker (see shrink.h). First the failing run is recorded and turned
 * explicit: each trigger's work becomes a [trigger N] section, each manual
 * request a manual-run fault, slowed API phases keep the length they really
 * had. Then passes run until none makes progress; each candidate is kept only
 * if it still fails the same expectation.
 */
#include "shrink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../run/run.h"
#include "../base/mem.h"

/* --- recording the failing run --- */

struct rec_trigger {
    sim_time at, api, db;
    bool manual, started;
};

struct recorder {
    struct sim_observer base;
    struct rec_trigger *t;
    uint64_t n, cap;
    int error;
    sim_time node_offset[MODEL_MAX_NODES], node_phase[MODEL_MAX_NODES];
};

static void rec_node(struct sim_observer *o, int i, sim_time offset, sim_time phase)
{
    struct recorder *r = (struct recorder *)o;
    if (i >= 0 && i < MODEL_MAX_NODES) {
        r->node_offset[i] = offset;
        r->node_phase[i] = phase;
    }
}

static void rec_trigger(struct sim_observer *o, uint64_t n, sim_time at, bool manual, int node,
                        sim_time api, sim_time db)
{
    struct recorder *r = (struct recorder *)o;
    (void)node;
    if (n > r->cap) {
        uint64_t cap = r->cap ? 2 * r->cap : 256;
        struct rec_trigger *t = mem_realloc(r->t, cap * sizeof(*t));
        if (!t) {
            r->error = -ENOMEM;
            return;
        }
        r->t = t;
        r->cap = cap;
    }
    r->t[n - 1] = (struct rec_trigger){at, api, db, manual, false};
    r->n = n;
}

static void rec_start(struct sim_observer *o, uint64_t n, sim_time api)
{
    struct recorder *r = (struct recorder *)o;
    if (n <= r->n) {
        r->t[n - 1].api = api;
        r->t[n - 1].started = true;
    }
}

/* --- the predicate --- */

struct shrinker {
    struct shrink_result *res;
    uint64_t seed;
    struct metrics *met;
    int ntrig, cap;
};

/* Does m still fail the target expectation? */
static int still_fails(struct shrinker *k, const struct model *m, bool *fails)
{
    k->res->attempts++;
    int rc = sim_run(m, k->seed, NULL, k->met);
    if (rc)
        return rc;
    double v = metric_value(k->met, k->res->target.metric);
    *fails = !expect_holds(&k->res->target, v);
    if (*fails)
        k->res->final_value = v;
    return 0;
}

/* --- candidates --- */

static struct model *candidate(struct shrinker *k, struct trigger_spec **trig)
{
    struct model *c = mem_alloc(sizeof(*c));
    struct trigger_spec *t = mem_alloc(sizeof(*t) * (size_t)(k->ntrig ? k->ntrig : 1));
    if (!c || !t) {
        mem_free(c);
        mem_free(t);
        return NULL;
    }
    *c = *k->res->m;
    memcpy(t, k->res->triggers, sizeof(*t) * (size_t)k->ntrig);
    c->triggers = t;
    *trig = t;
    return c;
}

/* Keeps candidate c (with its triggers) if it still fails. */
static int try_keep(struct shrinker *k, struct model *c, struct trigger_spec *t, int ntrig,
                    bool *kept)
{
    bool fails;
    c->ntriggers = ntrig;
    int rc = still_fails(k, c, &fails);
    *kept = !rc && fails;
    if (*kept) {
        mem_free(k->res->m);
        mem_free(k->res->triggers);
        k->res->m = c;
        k->res->triggers = t;
        k->ntrig = ntrig;
    } else {
        mem_free(c);
        mem_free(t);
    }
    return rc;
}

/* Shortest duration that still fails (binary search on whole seconds). */
static int pass_duration(struct shrinker *k, bool *progress)
{
    sim_time lo = 0, hi = k->res->m->cfg.duration;
    while (hi - lo > SIM_S) {
        sim_time mid = (lo + hi) / 2 / SIM_S * SIM_S;
        if (mid <= lo)
            break;
        struct trigger_spec *t;
        struct model *c = candidate(k, &t);
        if (!c)
            return -ENOMEM;
        c->cfg.duration = mid;
        bool kept;
        int rc = try_keep(k, c, t, k->ntrig, &kept);
        if (rc)
            return rc;
        if (kept) {
            hi = mid;
            *progress = true;
        } else {
            lo = mid;
        }
    }
    return 0;
}

/* Fewest faults: drop them one at a time while it still fails. */
static int pass_faults(struct shrinker *k, bool *progress)
{
    for (int i = k->res->m->nfaults - 1; i >= 0; i--) {
        struct trigger_spec *t;
        struct model *c = candidate(k, &t);
        if (!c)
            return -ENOMEM;
        memmove(&c->fault[i], &c->fault[i + 1], sizeof(c->fault[0]) * (size_t)(c->nfaults - i - 1));
        c->nfaults--;
        bool kept;
        int rc = try_keep(k, c, t, k->ntrig, &kept);
        if (rc)
            return rc;
        *progress |= kept;
    }
    return 0;
}

/* Shortest runs, roundest values: per trigger, zero, then coarser roundings. */
static int pass_values(struct shrinker *k, bool *progress)
{
    static const sim_time grains[] = {0, 10 * SIM_MIN, SIM_MIN, 10 * SIM_S, SIM_S, 100 * SIM_MS};
    for (int i = 0; i < k->ntrig; i++) {
        for (int field = 0; field < 3; field++) {
            const struct trigger_spec *cur = &k->res->triggers[i];
            if (field == 2 && !cur->manual)
                break;
            for (size_t g = field == 2; g < sizeof(grains) / sizeof(grains[0]); g++) {
                cur = &k->res->triggers[i];
                sim_time v = field == 2 ? cur->at : field ? cur->db : cur->api, nv;
                if (grains[g] == 0)
                    nv = 0;
                else
                    nv = (v + grains[g] / 2) / grains[g] * grains[g];
                if (nv == v)
                    break; /* already this round: finer grains change nothing */
                struct trigger_spec *t;
                struct model *c = candidate(k, &t);
                if (!c)
                    return -ENOMEM;
                if (field == 2)
                    t[i].at = nv;
                else if (field)
                    t[i].db = nv;
                else
                    t[i].api = nv;
                bool kept;
                int rc = try_keep(k, c, t, k->ntrig, &kept);
                if (rc)
                    return rc;
                if (kept) {
                    *progress = true;
                    break;
                }
            }
        }
    }
    return 0;
}

/* Fewest runs: drop manual triggers one at a time (later ones move up a number). */
static int pass_manual(struct shrinker *k, bool *progress)
{
    for (int i = k->ntrig - 1; i >= 0; i--) {
        if (i >= k->ntrig || !k->res->triggers[i].manual)
            continue;
        struct trigger_spec *t;
        struct model *c = candidate(k, &t);
        if (!c)
            return -ENOMEM;
        uint64_t gone = t[i].n;
        memmove(&t[i], &t[i + 1], sizeof(*t) * (size_t)(k->ntrig - i - 1));
        for (int j = i; j < k->ntrig - 1; j++)
            if (t[j].n > gone)
                t[j].n--;
        bool kept;
        int rc = try_keep(k, c, t, k->ntrig - 1, &kept);
        if (rc)
            return rc;
        *progress |= kept;
    }
    return 0;
}

/* Sections that change nothing: work equal to the default (zero) on a
 * scheduled trigger, or a manual request after the end. */
static void drop_idle_triggers(struct shrinker *k)
{
    int n = 0;
    for (int i = 0; i < k->ntrig; i++) {
        const struct trigger_spec *t = &k->res->triggers[i];
        if (t->manual ? t->at < k->res->m->cfg.duration : (t->api || t->db))
            k->res->triggers[n++] = *t;
    }
    k->ntrig = n;
    k->res->m->ntriggers = n;
}

/*
 * No randomness left: every distribution still in the configuration (a
 * database latency, a phase) becomes a constant — its median, else another
 * quantile — as long as the failure stays. *left names any that had to stay.
 */
static int pass_derandomize(struct shrinker *k, char *left, size_t leftlen)
{
    static const double qs[] = {0.5, 0.1, 0.9, 0.01, 0.99};
    left[0] = 0;
    for (const struct config_key *key = config_keys; key->name; key++) {
        if (key->type != CT_DIST)
            continue;
        bool random = false;
        for (int i = -1; i < k->res->m->nnodes; i++) {
            const struct config *c = i < 0 ? &k->res->m->cfg : &k->res->m->node[i].cfg;
            const struct dist *d = (const struct dist *)((const char *)c + key->offset);
            random |= !dist_is_constant(d);
        }
        if (!random)
            continue;
        bool kept = false;
        for (size_t q = 0; q < sizeof(qs) / sizeof(qs[0]) && !kept; q++) {
            struct trigger_spec *t;
            struct model *c = candidate(k, &t);
            if (!c)
                return -ENOMEM;
            for (int i = -1; i < c->nnodes; i++) {
                struct config *cfg = i < 0 ? &c->cfg : &c->node[i].cfg;
                struct dist *d = (struct dist *)((char *)cfg + key->offset);
                if (!dist_is_constant(d))
                    *d = dist_const(dist_quantile(d, qs[q]));
            }
            int rc = try_keep(k, c, t, k->ntrig, &kept);
            if (rc)
                return rc;
        }
        if (!kept)
            snprintf(left + strlen(left), leftlen - strlen(left), "%s%s", left[0] ? ", " : "",
                     key->name);
    }
    return 0;
}

/* --- making the run explicit --- */

static int make_explicit(struct shrinker *k, const struct recorder *r, char *err, size_t errlen)
{
    struct model *m = k->res->m;
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *f = &m->fault[i];
        /* manual runs are recorded as triggers; other random faults are not yet */
        if (f->kind != FAULT_MANUAL_RUN && (f->every.kind != DIST_NONE || f->probability < 1.0)) {
            snprintf(err, errlen,
                     "the fault of line %d strikes at random (every/probability): shrink cannot "
                     "write it out yet",
                     f->line);
            return -EINVAL;
        }
    }
    int nfaults = 0;
    for (int i = 0; i < m->nfaults; i++) /* API slowdowns live on in the recorded lengths */
        if (m->fault[i].kind != FAULT_API_SLOW && m->fault[i].kind != FAULT_MANUAL_RUN)
            m->fault[nfaults++] = m->fault[i];
    m->nfaults = nfaults;
    m->cfg.manual.kind = DIST_NONE;
    m->cfg.api = dist_const(0);
    m->cfg.db = dist_const(0);
    export_config_make_explicit(&m->cfg);
    for (int i = 0; i < m->nnodes; i++) {
        struct config *c = &m->node[i].cfg;
        c->manual.kind = DIST_NONE;
        c->api = c->db = dist_const(0);
        /* the node's draws for this seed, written down */
        c->clock_offset = r->node_offset[i];
        c->clock_jitter = 0;
        if (c->phase.kind != DIST_NONE)
            c->phase = dist_const(r->node_phase[i]);
        export_config_make_explicit(c);
    }
    k->ntrig = 0;
    k->res->triggers = mem_alloc(sizeof(struct trigger_spec) * (size_t)(r->n ? r->n : 1));
    if (!k->res->triggers)
        return -ENOMEM;
    for (uint64_t i = 0; i < r->n; i++) {
        const struct rec_trigger *t = &r->t[i];
        if (!t->started && !t->manual) /* a skipped trigger's work never mattered */
            continue;
        k->res->triggers[k->ntrig++] = (struct trigger_spec){.n = i + 1,
                                                             .api = t->api,
                                                             .db = t->db,
                                                             .at = t->at,
                                                             .has_api = t->started,
                                                             .has_db = t->started,
                                                             .manual = t->manual};
    }
    m->triggers = k->res->triggers;
    m->ntriggers = k->ntrig;
    return 0;
}

/*
 * Fewest runs: start the scenario later, at the due time of a scheduled
 * trigger, dropping everything before it and renumbering what follows.
 * Binary search for the latest start that still fails.
 */
static int shift_candidate(struct shrinker *k, const struct recorder *r, uint64_t idx, bool *kept)
{
    sim_time S = r->t[idx].at;
    struct trigger_spec *t;
    struct model *c = candidate(k, &t);
    if (!c)
        return -ENOMEM;
    c->cfg.duration -= S;
    c->cfg.first_at = 0;
    c->cfg.run_at_start = false;
    for (int i = 0; i < c->nnodes; i++) {
        c->node[i].cfg.first_at = 0;
        c->node[i].cfg.run_at_start = false;
    }
    int nf = 0;
    for (int i = 0; i < c->nfaults; i++) {
        struct fault_spec f = c->fault[i];
        if (f.at + f.dur < S || (f.dur == 0 && f.at < S))
            continue; /* over before the new start */
        if (f.at < S) {
            f.dur -= S - f.at;
            f.at = 0;
        } else {
            f.at -= S;
        }
        c->fault[nf++] = f;
    }
    c->nfaults = nf;
    int nt = 0;
    for (int i = 0; i < k->ntrig; i++) {
        struct trigger_spec s = t[i];
        if (s.n <= idx || (s.manual && s.at < S))
            continue;
        s.n -= idx;
        if (s.manual)
            s.at -= S;
        t[nt++] = s;
    }
    return try_keep(k, c, t, nt, kept);
}

static int shift_once(struct shrinker *k, const struct recorder *r, bool *shifted)
{
    uint64_t lo = 0, hi = r->n; /* the answer is in [lo, hi) */
    *shifted = false;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        while (mid > lo && r->t[mid].manual) /* start on a scheduled trigger */
            mid--;
        if (mid == lo)
            break;
        bool kept;
        int rc = shift_candidate(k, r, mid, &kept);
        if (rc)
            return rc;
        if (kept) {
            *shifted = true; /* the recording no longer matches: record again */
            return 0;
        }
        hi = mid;
    }
    return 0;
}

/* Shift, record the shifted scenario, shift again, while it helps. */
static int pass_shift(struct shrinker *k, struct recorder *r)
{
    bool shifted = true;
    for (int round = 0; shifted && round < 32; round++) {
        int rc = shift_once(k, r, &shifted);
        if (rc || !shifted)
            return rc;
        r->n = 0;
        struct sim_hooks h = {.observer = &r->base};
        if ((rc = sim_run_hooked(k->res->m, k->seed, &h, k->met)) != 0 || (rc = r->error) != 0)
            return rc;
    }
    return 0;
}

/* The expectation the seed fails: the first every-seed one, else the invariant. */
static int pick_target(const struct scenario *sc, int v, const struct model *m,
                       const struct metrics *met, struct expectation *target)
{
    const struct expectation *sel[64];
    int n = sc->nexpect < 64 ? sc->nexpect : 64;
    n = expect_select(sc->expect, n, m->cfg.guard->name, scenario_variant_name(sc, v), sel);
    for (int i = 0; i < n; i++) {
        if (sel[i]->mode == EXPECT_EVERY &&
            !expect_holds(sel[i], metric_value(met, sel[i]->metric))) {
            *target = *sel[i];
            return 0;
        }
    }
    if (!metrics_violates(met, m->cfg.limit))
        return -EINVAL;
    memset(target, 0, sizeof(*target));
    target->metric = metric_find("max_concurrency");
    target->op = EXPECT_LE;
    target->value = m->cfg.limit;
    return 0;
}

int shrink_run(const struct scenario *sc, int v, const struct guard_ops *g, uint64_t seed,
               struct shrink_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    struct shrinker k = {.res = res, .seed = seed};
    struct recorder rec = {.base = {rec_trigger, rec_start, rec_node}};
    int rc = -ENOMEM;
    res->m = mem_alloc(sizeof(*res->m));
    k.met = mem_alloc(sizeof(*k.met));
    if (!res->m || !k.met) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = scenario_model(sc, v, res->m, err, errlen)) != 0)
        goto fail;
    res->m->cfg.guard = g;
    for (int i = 0; i < res->m->nnodes; i++)
        res->m->node[i].cfg.guard = g;
    res->m->ntriggers = 0; /* start from draws; explicit sections come from the recording */

    struct sim_hooks h = {.observer = &rec.base};
    if ((rc = sim_run_hooked(res->m, seed, &h, k.met)) != 0 || (rc = rec.error) != 0) {
        snprintf(err, errlen, "the engine failed: %s", strerror(-rc));
        goto fail;
    }
    if (pick_target(sc, v, res->m, k.met, &res->target) != 0) {
        snprintf(err, errlen, "seed %llu of guard %s fails no expectation: nothing to shrink",
                 (unsigned long long)seed, g->name);
        rc = -EINVAL;
        goto fail;
    }
    res->original_value = metric_value(k.met, res->target.metric);
    res->original_triggers = k.met->triggers;
    res->original_faults = res->m->nfaults;
    res->original_duration = res->m->cfg.duration;
    if ((rc = make_explicit(&k, &rec, err, errlen)) != 0) {
        if (rc == -ENOMEM)
            snprintf(err, errlen, "out of memory");
        goto fail;
    }
    bool fails;
    if ((rc = still_fails(&k, res->m, &fails)) != 0)
        goto fail;
    if (!fails) {
        snprintf(err, errlen,
                 "the explicit form of seed %llu no longer fails (a bug: please report)",
                 (unsigned long long)seed);
        rc = -EPROTO;
        goto fail;
    }
    /* cut the end first, so the shift's binary search runs short scenarios */
    bool cut = false;
    if ((rc = pass_duration(&k, &cut)) != 0 || (rc = pass_shift(&k, &rec)) != 0)
        goto fail;
    drop_idle_triggers(&k);
    if ((rc = pass_derandomize(&k, res->random_left, sizeof(res->random_left))) != 0)
        goto fail;
    for (int pass = 0; pass < 20; pass++) {
        bool progress = false;
        if ((rc = pass_duration(&k, &progress)) || (rc = pass_faults(&k, &progress)))
            goto fail;
        drop_idle_triggers(&k);
        if ((rc = pass_manual(&k, &progress)) || (rc = pass_values(&k, &progress)))
            goto fail;
        drop_idle_triggers(&k);
        if (!progress)
            break;
    }
    if ((rc = still_fails(&k, res->m, &fails)) != 0)
        goto fail;
    if (!fails) {
        snprintf(err, errlen, "the shrunk scenario no longer fails (a bug: please report)");
        rc = -EPROTO;
        goto fail;
    }
    res->final_triggers = k.met->triggers;
    mem_free(rec.t);
    mem_free(k.met);
    return 0;
fail:
    mem_free(rec.t);
    mem_free(k.met);
    shrink_result_release(res);
    return rc;
}

void shrink_result_release(struct shrink_result *r)
{
    mem_free(r->m);
    mem_free(r->triggers);
    r->m = NULL;
    r->triggers = NULL;
}
