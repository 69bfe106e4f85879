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
#include "job_run.h"
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

/* --- the simulator's side of job_run (job_run.h) --- */

struct sim_run {
    struct actor *a;
    const struct trigger *t;
    struct checker *chk;
    sim_time started;
    bool point_faults;
};

JOB_PORT_FN struct env *run_env(void *ctx)
{
    return &((struct sim_run *)ctx)->a->env;
}

JOB_PORT_FN int run_point(void *ctx, enum fault_point_id at)
{
    struct sim_run *r = ctx;
    return point(r->point_faults, r->a, at);
}

JOB_PORT_FN bool run_killed(void *ctx)
{
    return ((struct sim_run *)ctx)->a->killed;
}

JOB_PORT_FN bool run_interrupted(void *ctx)
{
    return ((struct sim_run *)ctx)->a->interrupted;
}

JOB_PORT_FN void run_killed_early(void *ctx)
{
    struct actor *a = ((struct sim_run *)ctx)->a;
    sim_tracef(a->sim, a->node, 0, "killed", "before it acquired");
}

JOB_PORT_FN void run_skipped(void *ctx, const struct job_order *o, int rc)
{
    struct sim_run *r = ctx;
    struct sim *s = r->a->sim;
    if (rc < 0)
        checker_guard_error(r->chk);
    checker_skip(r->chk);
    if (s->trace)
        sim_tracef(s, r->a->node, 0, "skip", "#%" PRIu64 "%s", o->id, rc < 0 ? " guard error" : "");
}

JOB_PORT_FN uint64_t run_started(void *ctx, const struct job_order *o, const struct guard_hold *h,
                                 sim_time *api_out)
{
    (void)h;
    struct sim_run *r = ctx;
    struct actor *a = r->a;
    struct sim *s = a->sim;
    char d[128], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    uint64_t run = ++s->next_run;
    r->started = s->now;
    a->run = run;
    a->proc->holding++;
    if (checker_start(r->chk, r->started, run, a->node->id, o->at) != 0 && !s->error)
        s->error = -ENOMEM;
    sim_time api = o->api;
    const struct dist *slow = s->inject_state ? s->faults->api_override(s, a->node) : NULL;
    if (slow) {
        api = dist_sample(slow, &s->rng_fault);
        s->faults->hit(s, true); /* slows a run that holds its guard */
    }
    if (s->observer)
        s->observer->start(s->observer, o->id, api);
    if (s->trace) {
        d[0] = 0; /* the detail only for a written trace: time_format is not free */
        if (trace_writes(s->trace))
            snprintf(d, sizeof(d), "#%" PRIu64 " api=%s db=%s%s", o->id, time_format(api, t1),
                     time_format(o->db, t2), slow ? " (api slowed)" : "");
        sim_trace(s, a->node, run, "start", d);
    }
    *api_out = api;
    return run;
}

JOB_PORT_FN int run_exports(void *ctx, const struct job_order *o, uint64_t run, sim_time api,
                            const struct guard_hold *h, int thrown)
{
    (void)o;
    struct sim_run *r = ctx;
    return export_job(r->a, r->t, run, api, h, thrown);
}

JOB_PORT_FN void run_phase_sleep(void *ctx, sim_time d)
{
    sim_phase_sleep(((struct sim_run *)ctx)->a, d);
}

JOB_PORT_FN int run_sink_write(void *ctx, uint64_t run, uint64_t token)
{
    struct actor *a = ((struct sim_run *)ctx)->a;
    int rc = sim_sink_write(a, token);
    if (rc == -ESTALE)
        sim_tracef(a->sim, a->node, run, "write", "rejected: a newer fencing token was seen");
    return rc;
}

JOB_PORT_FN void run_ended(void *ctx, uint64_t run, int thrown)
{
    struct sim_run *r = ctx;
    struct actor *a = r->a;
    struct sim *s = a->sim;
    checker_end(r->chk, s->now, run, r->started);
    if (a->killed) { /* kill -9: no finally, no trap */
        s->m->runs_killed++;
        sim_trace(s, a->node, run, "killed", NULL);
        return;
    }
    if (s->trace)
        sim_trace(s, a->node, run, "end", thrown ? "threw" : a->interrupted ? "interrupted" : NULL);
    if (thrown)
        s->m->job_errors++;
}

JOB_PORT_FN void run_keep_hold(void *ctx, const struct guard_hold *h)
{
    struct proc *p = ((struct sim_run *)ctx)->a->proc;
    p->release_pending = true;
    p->pending = *h;
}

JOB_PORT_FN void run_released(void *ctx, uint64_t run, const struct guard_hold *h)
{
    (void)ctx, (void)run, (void)h;
}

static const struct job_port sim_job_port = {
    .env = run_env,
    .point = run_point,
    .killed = run_killed,
    .interrupted = run_interrupted,
    .skipped = run_skipped,
    .started = run_started,
    .exports = run_exports,
    .phase_sleep = run_phase_sleep,
    .sink_write = run_sink_write,
    .ended = run_ended,
    .killed_early = run_killed_early,
    .keep_hold = run_keep_hold,
    .released = run_released,
};

void sim_job_run(struct actor *a, const struct trigger *t)
{
    struct sim *s = a->sim;
    struct guard *g = a->proc->guard;
    struct sim_run r = {.a = a, .t = t, .chk = &s->chk, .point_faults = s->point_faults};
    struct job_order o = {t->id, t->at, t->manual, t->api, t->db};
    bool was_job = a->is_job;
    bool release = a->node->cfg->release_on_error;
    a->is_job = true;
    if (s->xp) /* the event store: its consumer's guard and checker */
        export_bind(s, t, &g, &r.chk);
    job_run(&sim_job_port, &r, g, &o, s->xp != NULL, release);
    if (a->run)
        a->proc->holding--;
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
