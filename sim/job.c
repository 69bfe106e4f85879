/*
 * Triggers and the job they start: ask the guard, run the phases, release.
 * The work a trigger would do is drawn when it fires, whether it runs or
 * not, so every guard meets the same workload for the same seed.
 * Also the simulated environment a guard sees (sim_env_ops).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "engine_impl.h"

void sim_trace(struct sim *s, struct node *n, uint64_t run, const char *kind, const char *detail)
{
    if (s->trace)
        trace_event(s->trace, s->now, n ? n->name : NULL, run, kind, detail);
}

struct trigger sim_trigger_new(struct sim *s, struct node *n, sim_time at, bool manual)
{
    const struct config *c = n->cfg;
    struct trigger t = {
        .id = ++s->next_trigger,
        .at = at,
        .manual = manual,
    };
    t.api = dist_sample(&c->api, &s->rng_job);
    t.db = dist_sample(&c->db, &s->rng_job);
    /* an explicit [trigger N] replaces the draw (the draw still happens, so
     * the triggers after it keep theirs) */
    const struct model *mod = s->model;
    while (s->next_explicit < mod->ntriggers && mod->triggers[s->next_explicit].n < t.id)
        s->next_explicit++;
    if (s->next_explicit < mod->ntriggers && mod->triggers[s->next_explicit].n == t.id) {
        const struct trigger_spec *ex = &mod->triggers[s->next_explicit];
        if (ex->has_api)
            t.api = ex->api;
        if (ex->has_db)
            t.db = ex->db;
    }
    if (s->observer)
        s->observer->trigger(s->observer, t.id, at, manual, n->id, t.api, t.db);
    checker_trigger(&s->chk, manual);
    if (s->trace) {
        char d[64];
        snprintf(d, sizeof(d), "#%" PRIu64 "%s", t.id, manual ? " manual" : "");
        sim_trace(s, n, 0, "trigger", d);
    }
    return t;
}

void sim_job_run(struct actor *a, const struct trigger *t)
{
    struct sim *s = a->sim;
    struct guard *g = a->proc->guard;
    struct checker *chk = &s->chk;
    struct guard_hold hold = {0, -1, 0};
    char d[128], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];

    if (s->xp)
        export_bind(s, t, &g, &chk);
    int rc = guard_try_acquire(g, &a->env, &hold);
    if (rc != 1) {
        if (rc < 0)
            checker_guard_error(chk);
        checker_skip(chk);
        if (s->trace) {
            snprintf(d, sizeof(d), "#%" PRIu64 "%s", t->id, rc < 0 ? " guard error" : "");
            sim_trace(s, a->node, 0, "skip", d);
        }
        return;
    }
    uint64_t run = ++s->next_run;
    sim_time started = s->now;
    if (checker_start(chk, started, run, a->node->id, t->at) != 0 && !s->error)
        s->error = -ENOMEM;

    sim_time api = t->api;
    const struct dist *slow = inject_api_override(s);
    if (slow)
        api = dist_sample(slow, &s->rng_fault);
    if (s->observer)
        s->observer->start(s->observer, t->id, api);
    if (s->trace) {
        snprintf(d, sizeof(d), "#%" PRIu64 " api=%s db=%s%s", t->id, time_format(api, t1),
                 time_format(t->db, t2), slow ? " (api slowed)" : "");
        sim_trace(s, a->node, run, "start", d);
    }
    if (s->xp) {
        export_job(a, t, run, api, &hold);
    } else {
        sim_sleep(a, api);
        sim_sleep(a, t->db);
    }
    checker_end(chk, s->now, run, started);
    sim_trace(s, a->node, run, "end", NULL);
    guard_release(g, &a->env, &hold);
}

static void worker_main(struct actor *a) { sim_job_run(a, &a->trig); }

void sim_spawn_job(struct sim *s, struct node *n, const struct trigger *t)
{
    struct actor *a = sim_actor_new(s, n, worker_main);
    if (!a)
        return;
    a->trig = *t;
    sim_actor_start(s, a);
}

/* --- the environment a guard sees inside the simulator --- */

static sim_time env_clock_now_sim(struct env *e)
{
    struct actor *a = (struct actor *)e;
    return a->sim->now;
}

static void env_sleep_sim(struct env *e, sim_time d) { sim_sleep((struct actor *)e, d); }

static void env_mutex_lock_sim(struct env *e, pthread_mutex_t *m)
{
    while (pthread_mutex_trylock(m) == EBUSY)
        sim_wait_on((struct actor *)e, m);
}

static void env_mutex_unlock_sim(struct env *e, pthread_mutex_t *m)
{
    pthread_mutex_unlock(m);
    sim_wake_one(((struct actor *)e)->sim, m);
}

const struct env_ops sim_env_ops = {
    .clock_now = env_clock_now_sim,
    .sleep = env_sleep_sim,
    .mutex_lock = env_mutex_lock_sim,
    .mutex_unlock = env_mutex_unlock_sim,
};
