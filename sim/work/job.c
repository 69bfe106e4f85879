/*
 * Triggers and the job they start: ask the guard, run the phases, release.
 * The work a trigger would do is drawn when it fires, whether it runs or
 * not, so every guard meets the same workload for the same seed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "../env/world_env.h"
#include "export.h"
#include "job.h"
#include "workload.h"

struct trigger sim_trigger_new(struct sim *s, struct node *n, sim_time at, bool manual)
{
    const struct config *c = n->cfg;
    struct trigger t = {
        .id = ++s->next_trigger,
        .at = at,
        .manual = manual,
    };
    struct workload w = workload_draw(c, &s->rng_job);
    workload_explicit(s->model, t.id, &s->next_explicit, &w);
    t.api = w.api;
    t.db = w.db;
    if (s->observer)
        s->observer->trigger(s->observer, t.id, at, manual, n->id, t.api, t.db);
    checker_trigger(&s->chk, manual);
    sim_tracef(s, n, 0, "trigger", "#%" PRIu64 "%s", t.id, manual ? " manual" : "");
    return t;
}

/* A fault point, when any fault is placed at one (the common case pays a branch). */
static inline int point(bool faults, struct actor *a, enum fault_point_id at)
{
    return faults && !a->killed ? a->sim->faults->point(a, at) : 0;
}

int sim_job_point(struct actor *a, enum fault_point_id at)
{
    return point(a->sim->point_faults, a, at);
}

void sim_job_run(struct actor *a, const struct trigger *t)
{
    struct sim *s = a->sim;
    struct proc *p = a->proc;
    struct guard *g = p->guard;
    struct checker *chk = &s->chk;
    struct guard_hold hold = {0, -1, 0, 0, false};
    char d[128], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    bool was_job = a->is_job;
    const bool pf = s->point_faults;
    a->is_job = true;

    if (s->xp) /* the event store: its consumer's guard and checker */
        export_bind(s, t, &g, &chk);
    int thrown = point(pf, a, POINT_BEFORE_ACQUIRE);
    int rc = a->killed ? -ESRCH : guard_try_acquire(g, &a->env, &hold);
    if (a->killed) {
        sim_tracef(s, a->node, 0, "killed", "before it acquired");
        goto out;
    }
    if (rc != 1) {
        if (rc < 0)
            checker_guard_error(chk);
        checker_skip(chk);
        if (s->trace) {
            sim_tracef(s, a->node, 0, "skip", "#%" PRIu64 "%s", t->id,
                       rc < 0 ? " guard error" : "");
        }
        goto out;
    }
    uint64_t run = ++s->next_run;
    sim_time started = s->now;
    a->run = run;
    p->holding++;
    if (checker_start(chk, started, run, a->node->id, t->at) != 0 && !s->error)
        s->error = -ENOMEM;

    sim_time api = t->api;
    const struct dist *slow = s->inject_state ? s->faults->api_override(s, a->node) : NULL;
    if (slow) {
        api = dist_sample(slow, &s->rng_fault);
        s->faults->hit(s, true); /* slows a run that holds its guard */
    }
    if (s->observer)
        s->observer->start(s->observer, t->id, api);
    if (s->trace) {
        d[0] = 0; /* the detail only for a written trace: time_format is not free */
        if (trace_writes(s->trace))
            snprintf(d, sizeof(d), "#%" PRIu64 " api=%s db=%s%s", t->id, time_format(api, t1),
                     time_format(t->db, t2), slow ? " (api slowed)" : "");
        sim_trace(s, a->node, run, "start", d);
    }
    thrown |= point(pf, a, POINT_AFTER_ACQUIRE);
    if (s->xp) { /* fetch after the watermark, write, commit (export.c) */
        thrown = export_job(a, t, run, api, &hold, thrown);
    } else {
        if (!thrown)
            sim_phase_sleep(a, api);
        if (!thrown)
            thrown |= point(pf, a, POINT_BEFORE_WRITE);
        if (!thrown && !a->interrupted && !a->killed) {
            /* the write: a sink that checks fencing tokens may turn it away */
            if (sim_sink_write(a, hold.token) == -ESTALE)
                sim_tracef(s, a->node, run, "write", "rejected: a newer fencing token was seen");
            else
                sim_phase_sleep(a, t->db);
        }
        if (!thrown)
            thrown |= point(pf, a, POINT_AFTER_WRITE);
    }
    checker_end(chk, s->now, run, started);
    if (a->killed) { /* kill -9: no finally, no trap */
        s->m->runs_killed++;
        sim_trace(s, a->node, run, "killed", NULL);
        goto out;
    }
    if (s->trace)
        sim_trace(s, a->node, run, "end", thrown ? "threw" : a->interrupted ? "interrupted" : NULL);
    if (thrown) {
        s->m->job_errors++;
        hold.failed = true;
        if (!a->node->cfg->release_on_error) { /* no finally block */
            p->release_pending = true;
            p->pending = hold;
            goto out;
        }
    }
    point(pf, a, POINT_BEFORE_RELEASE);
    if (!a->killed)
        guard_release(g, &a->env, &hold);
    point(pf, a, POINT_AFTER_RELEASE);
out:
    if (a->run)
        p->holding--;
    a->run = 0;
    a->is_job = was_job;
}

static void worker_main(struct actor *a)
{
    struct proc *p = a->proc;
    bool own = p->cmd == WORLD_CMD_JOB; /* a process of its own (cron) */
    if (own)
        sim_sleep(a, a->node->cfg->exec_latency); /* fork and exec */
    sim_job_run(a, &a->trig);
    if (own && p->release_pending && !a->killed && (p->guard->ops->flags & GUARD_F_TRAP)) {
        p->release_pending = false; /* `trap cleanup EXIT` runs as the process exits */
        guard_release(p->guard, &a->env, &p->pending);
    }
    if (own) /* a CronJob's controller, a timer's unit: told that the run ended */
        a->sim->sched->job_done(a->sim, a->node, a->trig.manual);
}

void sim_spawn_job(struct sim *s, struct node *n, const struct trigger *t)
{
    struct proc *p = n->service;
    if (n->down)
        return;
    if (config_sched_forks(n->cfg->sched)) /* every run is a new process (or pod) */
        p = sim_proc_spawn(s, n, WORLD_CMD_JOB);
    if (!p)
        return;
    struct actor *a = sim_actor_new_in(s, n, p, worker_main);
    if (!a)
        return;
    a->trig = *t;
    if (s->current || n->paused_until > s->now || p->paused_until > s->now)
        sim_actor_start_at(s, a, s->now); /* not from inside another actor */
    else
        sim_actor_start(s, a);
}
