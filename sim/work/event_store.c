/*
 * The feature-flag exporter's event store (seed 001, go-feature-flag PR
 * #5134). Producers call Add(), which appends an event under the store
 * mutex. Each consumer has its own offset and exporter and flushes
 * (ProcessPendingEvents) on its own ticker and on demand, from another
 * goroutine, so two Flush() calls of one consumer can meet. A flush fetches
 * the events after the consumer's offset, exports them (slow I/O: the job's
 * API phase), then updates the offset. store.lock_scope says what is locked:
 *
 *   global        store mutex across fetch, export and update (the original
 *                 code): correct, but Add() waits for the export;
 *   split         store mutex around fetch and around update only (the PR's
 *                 first version): Add() no longer waits, but two flushes of
 *                 one consumer fetch the same events and export them twice;
 *   per-consumer  split, plus a per-consumer mutex across the whole flush
 *                 (the merged fix): correct, and Add() never waits for I/O.
 *
 * store.offset_update = last is the bug the PR also fixed: the offset is
 * set to the store's last offset instead of the one fetched, so events added
 * during the export are skipped. The guard of the scenario stands where the
 * PR's interim flushMu stood: around Flush(), one instance per consumer.
 *
 * Blocking is real simulated blocking: every mutex is a pthread mutex taken
 * through the environment port (env_mutex_lock parks the actor on a wait
 * queue). An Add() made while nobody wants the store mutex costs no event
 * (see store_catch_up); only a blocked one gets an actor of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "../base/mem.h"

#define STREAM_ADD (((uint64_t)PRNG_EXPORT << 8) | 2)
#define STREAM_DEMAND (((uint64_t)PRNG_EXPORT << 8) | 0x10)

struct store_consumer {
    int k;
    struct store *st;
    uint64_t offset;
    pthread_mutex_t mu; /* the per-consumer lock */
    bool mu_ok;
    struct guard *guard; /* around Flush(): the PR's flushMu when it is mutex-wait */
    struct checker chk;  /* flushes of this consumer at once (consumer 0 uses the sim's) */
    struct checker *chkp;
    /* its ticker: Go's time.Ticker, received by the consumer's loop */
    sim_time next;
    bool slot_full;
    struct trigger slot;
    struct actor *receiver;
    struct prng demand_rng;
};

struct store {
    struct sim *sim;
    const struct store_config *cfg;
    pthread_mutex_t mu;
    bool mu_ok;
    uint64_t last;     /* offset of the newest event */
    sim_time next_add; /* arrival of the next Add() call not yet made */
    int lockers;       /* actors holding or waiting for the store mutex */
    uint64_t gen;      /* of the Add() event chain while the mutex is wanted */
    struct prng add_rng;
    int n;
    struct store_consumer cons[STORE_MAX_CONSUMERS];
};

int store_init(struct sim *s, struct export_state *x)
{
    const struct config *c = &s->model->cfg;
    struct store *st = mem_calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    x->store = st;
    st->sim = s;
    st->cfg = &c->store;
    st->n = c->store.consumers;
    prng_seed(&st->add_rng, s->seed, STREAM_ADD);
    if (pthread_mutex_init(&st->mu, NULL) != 0)
        return -ENOMEM;
    st->mu_ok = true;
    for (int k = 0; k < st->n; k++) {
        struct store_consumer *sc = &st->cons[k];
        sc->k = k;
        sc->st = st;
        prng_seed(&sc->demand_rng, s->seed, STREAM_DEMAND + (uint64_t)k);
        if (pthread_mutex_init(&sc->mu, NULL) != 0)
            return -ENOMEM;
        sc->mu_ok = true;
        sc->guard = guard_new(s->node[0].cfg->guard, &s->node[0].cfg->gp);
        if (!sc->guard)
            return -ENOMEM;
        sc->chkp = &s->chk;
        if (k > 0) {
            int rc = checker_init(&sc->chk, s->m, c->interval, c->limit);
            if (rc)
                return rc;
            sc->chkp = &sc->chk;
        }
    }
    return 0;
}

static void mutex_free(pthread_mutex_t *m)
{
    /* an actor cut off by the end may hold it: take it either way, then free it */
    (void)pthread_mutex_trylock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_destroy(m);
}

void store_release(struct export_state *x)
{
    struct store *st = x->store;
    for (int k = 0; k < st->n; k++) {
        struct store_consumer *sc = &st->cons[k];
        guard_destroy(sc->guard);
        if (k > 0)
            checker_release(&sc->chk);
        if (sc->mu_ok)
            mutex_free(&sc->mu);
    }
    if (st->mu_ok)
        mutex_free(&st->mu);
    mem_free(st);
    x->store = NULL;
}

/* --- producers: Add() --- */

/*
 * Add() calls arrive at st->next_add, one after another. While nobody wants
 * the store mutex, an Add() takes it and returns at once, so those calls are
 * done lazily, in arrival order, when someone next wants the mutex (or at
 * the end): no event each. While the mutex is wanted, each call is an event
 * that takes the mutex through the environment port and, if it is busy,
 * waits in an actor of its own: real simulated blocking, measured.
 */

/* The append itself, under the store mutex, at time at after waiting `blocked`. */
static void store_append(struct store *st, sim_time at, sim_time blocked)
{
    struct sim *s = st->sim;
    struct export_state *x = s->xp;
    st->last++;
    s->m->xp.adds++;
    hist_add(&s->m->xp.add_blocked, blocked);
    for (int i = 0; i < x->nsinks; i++)
        if (!exactly_once_arrive(&x->sink[i].chk, at) && !s->error)
            s->error = -ENOMEM;
    if (blocked > 0 && s->trace) {
        char t[TIME_FMT_LEN];
        sim_tracef(s, NULL, 0, "add-blocked", "event %" PRIu64 " after waiting %s", st->last,
                   trace_writes(s->trace) ? time_format(blocked, t) : "");
    }
}

/* The Add() calls up to upto (and before the end), made while the mutex was free. */
static void store_catch_up(struct store *st, sim_time upto)
{
    struct sim *s = st->sim;
    while (st->next_add <= upto && st->next_add < s->end) {
        store_append(st, st->next_add, 0);
        st->next_add += dist_sample(&st->cfg->add, &st->add_rng);
    }
}

static void add_fire(void *ctx, void *arg, uint64_t gen);

/* One fewer actor wants the store mutex. */
static void store_unwant(struct store *st)
{
    if (!--st->lockers)
        st->gen++; /* nobody wants it: the pending Add() event goes stale */
}

/*
 * Takes the store mutex; Add() calls become events while anyone wants it.
 * False when a's process was killed while it waited (it holds nothing).
 */
static bool store_lock(struct actor *a, struct store *st)
{
    struct sim *s = a->sim;
    if (!st->lockers++) {
        store_catch_up(st, s->now);
        sim_at(s, st->next_add, add_fire, st, ++st->gen);
    }
    env_mutex_lock(&a->env, &st->mu);
    if (a->killed) {
        store_unwant(st);
        return false;
    }
    return true;
}

static void store_unlock(struct actor *a, struct store *st)
{
    env_mutex_unlock(&a->env, &st->mu);
    store_unwant(st);
}

static void add_main(struct actor *a)
{
    struct store *st = a->ctx;
    sim_time since = a->sim->now;
    env_mutex_lock(&a->env, &st->mu);
    if (a->killed) { /* its process died while it waited */
        store_unwant(st);
        return;
    }
    store_append(st, a->sim->now, a->sim->now - since);
    store_unlock(a, st);
}

/* One Add() call while the mutex is wanted. */
static void add_fire(void *ctx, void *arg, uint64_t gen)
{
    struct sim *s = ctx;
    struct store *st = arg;
    if (gen != st->gen)
        return;
    st->next_add += dist_sample(&st->cfg->add, &st->add_rng);
    sim_at(s, st->next_add, add_fire, st, gen);
    if (pthread_mutex_trylock(&st->mu) == 0) { /* free for a moment: returns at once */
        store_append(st, s->now, 0);
        pthread_mutex_unlock(&st->mu);
        return;
    }
    struct actor *a = sim_actor_new(s, &s->node[0], add_main);
    if (!a)
        return;
    a->ctx = st;
    st->lockers++;
    sim_actor_start(s, a);
}

/* --- consumers: a ticker each, and on-demand flushes --- */

static void tick_fire(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct store_consumer *sc = arg;
    struct trigger t = sim_trigger_new(s, &s->node[0], s->now, false);
    t.consumer = sc->k;
    sc->next += s->model->cfg.interval;
    sim_at(s, sc->next, tick_fire, sc, 0);
    if (sc->receiver) {
        struct actor *r = sc->receiver;
        sc->receiver = NULL;
        r->trig = t;
        sim_actor_start(s, r);
    } else if (!sc->slot_full) {
        sc->slot = t;
        sc->slot_full = true;
    } else {
        checker_coalesce(sc->chkp);
        sim_tracef(s, NULL, 0, "coalesce", "tick dropped: channel full");
    }
}

static void consumer_loop(struct actor *a)
{
    struct store_consumer *sc = a->ctx;
    for (;;) {
        struct trigger t;
        if (sc->slot_full) {
            sc->slot_full = false;
            t = sc->slot;
        } else {
            sc->receiver = a;
            sim_park(a);
            t = a->trig;
        }
        sim_job_run(a, &t);
    }
}

static void loop_begin(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    sim_actor_start(ctx, arg);
}

static void demand_fire(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct store_consumer *sc = arg;
    struct trigger t = sim_trigger_new(s, &s->node[0], s->now, true);
    t.consumer = sc->k;
    sim_at(s, s->now + dist_sample(&sc->st->cfg->demand, &sc->demand_rng), demand_fire, sc, 0);
    sim_spawn_job(s, &s->node[0], &t);
}

void store_start(struct sim *s, struct export_state *x)
{
    struct store *st = x->store;
    const struct config *c = &s->model->cfg;
    st->next_add = dist_sample(&st->cfg->add, &st->add_rng);
    sim_time first = c->first_at >= 0 ? c->first_at : c->interval;
    for (int k = 0; k < st->n; k++) {
        struct store_consumer *sc = &st->cons[k];
        /* exporters started one after another: their ticks are spread over the interval */
        sc->next = first + c->interval * k / st->n;
        struct actor *a = sim_actor_new(s, &s->node[0], consumer_loop);
        if (!a)
            return;
        a->ctx = sc;
        sim_at(s, 0, loop_begin, a, 0);
        sim_at(s, sc->next, tick_fire, sc, 0);
        if (st->cfg->demand.kind != DIST_NONE)
            sim_at(s, dist_sample(&st->cfg->demand, &sc->demand_rng), demand_fire, sc, 0);
    }
}

void store_bind(struct store *st, const struct trigger *t, struct guard **g, struct checker **chk)
{
    struct store_consumer *sc = &st->cons[t->consumer];
    *g = sc->guard;
    *chk = sc->chkp;
}

/* --- ProcessPendingEvents(consumer) --- */

int store_flush(struct actor *a, const struct trigger *t, uint64_t run, sim_time io,
                const struct guard_hold *hold, int thrown)
{
    struct sim *s = a->sim;
    struct store *st = s->xp->store;
    struct store_consumer *sc = &st->cons[t->consumer];
    struct sink *k = &s->xp->sink[t->consumer];
    const struct store_config *c = st->cfg;
    bool global = c->lock_scope == STORE_SCOPE_GLOBAL;
    bool have_consumer = false, have_store = false;
    if (thrown)
        return thrown;

    /* a killed process holds nothing: every lock below is checked */
    if (c->lock_scope == STORE_SCOPE_PER_CONSUMER) {
        env_mutex_lock(&a->env, &sc->mu);
        if (a->killed)
            return thrown;
        have_consumer = true;
    }
    if (!(have_store = store_lock(a, st)))
        goto out;
    sim_sleep(a, c->hold); /* fetchPendingEvents: copy the events after the offset */
    uint64_t from = sc->offset + 1, to = st->last;
    if (!global) {
        store_unlock(a, st);
        have_store = false;
    }
    if (s->trace)
        sim_tracef(s, a->node, run, "fetch",
                   "consumer %d offset %" PRIu64 ": events %" PRIu64 "..%" PRIu64, sc->k,
                   sc->offset, from, to);

    thrown |= sim_job_point(a, POINT_BEFORE_WRITE);
    if (thrown || a->killed || a->interrupted)
        goto out;
    if (to >= from) {
        sim_phase_sleep(a, io); /* processEventsFunc: the exporter's upload */
        if (a->killed || a->interrupted)
            goto out;
        struct prng r;
        export_run_rng(&r, t);
        if (s->xp->cfg->write_fail > 0 && prng_unit(&r) < s->xp->cfg->write_fail) {
            s->m->xp.write_errors++;
            sim_tracef(s, a->node, run, "write-error", "export failed: offset not updated");
            goto out;
        }
        if (export_sink_write(s, k, a->node, from, to, run, hold->token) != 0) {
            sim_tracef(s, a->node, run, "fenced", "export rejected: stale token");
            goto out;
        }
    }
    thrown |= sim_job_point(a, POINT_AFTER_WRITE);
    if (thrown || a->killed || a->interrupted)
        goto out;
    if (!global && !(have_store = store_lock(a, st)))
        goto out;
    sim_sleep(a, c->hold); /* updateConsumerOffset */
    uint64_t before = sc->offset;
    sc->offset = c->offset_update == STORE_OFFSET_GIVEN ? (to >= from ? to : before) : st->last;
    if (s->trace && sc->offset != before && sc->offset > to)
        sim_tracef(s, a->node, run, "offset",
                   "consumer %d offset %" PRIu64 " -> %" PRIu64 ": skips %" PRIu64
                   " unexported events",
                   sc->k, before, sc->offset, sc->offset - (to > before ? to : before));
    else if (s->trace && sc->offset != before)
        sim_tracef(s, a->node, run, "offset", "consumer %d offset %" PRIu64 " -> %" PRIu64, sc->k,
                   before, sc->offset);
out:
    if (have_store)
        store_unlock(a, st);
    if (have_consumer)
        env_mutex_unlock(&a->env, &sc->mu);
    return thrown;
}

void store_finish(struct sim *s, struct export_state *x)
{
    struct store *st = x->store;
    if (!st->lockers)
        store_catch_up(st, s->end);
    for (int k = 1; k < st->n; k++)
        checker_finish(&st->cons[k].chk, s->end);
}
