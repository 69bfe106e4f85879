/*
 * The fault injector: turns the scenario's fault timeline into events, runs
 * the faults placed at points inside runs, and answers which windowed fault
 * (slow API, database contention, outage, slow replies) is in effect. Each
 * fault draws its random repeats and probabilities from a stream of its own,
 * so adding a fault to a scenario moves no other draw.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../work/job.h"
#include "inject.h"
#include "point.h"

static void inject_crashed(struct sim *s, struct node *n, struct proc *p);
static void inject_hit(struct sim *s, bool holder);
#include "../base/mem.h"

/* A process that only holds a PID (pid-reuse), until it exits. */
struct standin {
    struct node *node; /* whose last job's PID it took */
    struct host *host;
    int pid;
    sim_time started;
};

struct inj_fault {
    const struct fault_spec *f;
    struct prng rng;
    int hits;
    sim_time win_start, win_end; /* the window in effect (windowed kinds) */
    struct node *crash_node;     /* after = crash with a delay: what it follows */
    int crash_pid;
};

struct inject_state {
    int n;
    struct inj_fault f[MODEL_MAX_FAULTS];
    int nstandin;
    struct standin standin[MODEL_MAX_FAULTS];
};

static bool windowed(enum fault_kind k)
{
    return k == FAULT_API_SLOW || k == FAULT_DB_CONTENTION || k == FAULT_DB_OUTAGE ||
           k == FAULT_DB_SLOW_REPLY;
}

static bool targets(const struct fault_spec *f, const struct node *n)
{
    return f->node_idx < 0 || f->node_idx == n->id;
}

static void trace_fault(struct sim *s, struct node *n, const struct fault_spec *f, const char *what)
{
    if (s->trace)
        sim_tracef(s, n, 0, "fault", "%s%s%s", fault_kind_name(f->kind), what ? " " : "",
                   what ? what : "");
}

static void inject_hit(struct sim *s, bool holder)
{
    s->m->faults_hit++;
    if (holder)
        s->m->faults_hit_holder++;
}

/* Does a run on n (or only in p) hold its guard right now? */
static bool holding(const struct node *n, const struct proc *p)
{
    if (p)
        return p->holding > 0;
    for (const struct proc *q = n->procs; q; q = q->next)
        if (q->holding > 0)
            return true;
    return false;
}

static void standin_exit(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct standin *si = arg;
    struct world_pident *id = world_pid_find(si->host, si->pid);
    if (id && !id->p && id->started == si->started) {
        int keep = si->host->last_job_exit; /* a stand-in is no job that exited */
        world_pid_remove(si->host, si->pid);
        si->host->last_job_exit = keep;
        if (((struct sim *)ctx)->trace) {
            char d[64];
            snprintf(d, sizeof(d), "pid-reuse: pid %d exits", si->pid);
            sim_trace(ctx, si->node, 0, "fault-end", d);
        }
    }
}

/* Another program starts with PID pid on n's host. */
static void pid_reuse(struct sim *s, struct inj_fault *in, struct node *n, int pid)
{
    struct inject_state *st = s->inject_state;
    struct host *h = n->host;
    char d[96];
    if (pid <= 0 || !world_pid_free(h, pid) || st->nstandin == MODEL_MAX_FAULTS) {
        trace_fault(s, n, in->f, "(no free PID of a job to reuse)");
        return;
    }
    struct world_pident id = {pid, s->now, in->f->same_cmdline ? WORLD_CMD_JOB : WORLD_CMD_OTHER,
                              NULL};
    if (world_pid_add(h, &id) != 0)
        return;
    snprintf(d, sizeof(d), "pid %d taken by %s", pid,
             in->f->same_cmdline ? "a process with the job's command line"
                                 : "an unrelated program");
    trace_fault(s, n, in->f, d);
    if (in->f->dur > 0) {
        struct standin *si = &st->standin[st->nstandin++];
        *si = (struct standin){n, h, pid, s->now};
        sim_at(s, s->now + in->f->dur, standin_exit, si, 0);
    }
}

/* The processes a fault with target = process hits on n at a time: its job
 * processes under cron, else its service. */
static void each_target_proc(struct sim *s, struct node *n,
                             void (*fn)(struct sim *, struct proc *, const struct fault_spec *),
                             const struct fault_spec *f)
{
    if (!config_sched_forks(n->cfg->sched)) {
        if (n->service)
            fn(s, n->service, f);
        return;
    }
    struct proc *list[WORLD_MAX_LIVE];
    int k = 0;
    for (struct proc *p = n->procs; p && k < WORLD_MAX_LIVE; p = p->next)
        if (p->cmd == WORLD_CMD_JOB)
            list[k++] = p;
    for (int i = 0; i < k; i++)
        fn(s, list[i], f);
}

static void crash_proc(struct sim *s, struct proc *p, const struct fault_spec *f)
{
    struct node *n = p->node;
    inject_hit(s, holding(n, p == n->service ? NULL : p));
    if (p == n->service) { /* the service is the node: it restarts as one */
        sim_node_crash(s, n, f->cleanup, f->restart_after);
    } else if (f->cleanup) {
        sim_proc_terminate(s, p);
    } else {
        sim_proc_kill(s, p);
    }
    inject_crashed(s, n, p);
}

static void pause_proc(struct sim *s, struct proc *p, const struct fault_spec *f)
{
    inject_hit(s, holding(p->node, p));
    sim_pause(s, p->node, p, s->now + f->dur);
}

static void disconnect_proc(struct sim *s, struct proc *p, const struct fault_spec *f)
{
    (void)f;
    inject_hit(s, holding(p->node, p));
    sim_proc_disconnect(s, p);
}

static void disconnect_node(struct sim *s, struct node *n)
{
    inject_hit(s, holding(n, NULL));
    for (struct proc *p = n->procs; p; p = p->next)
        sim_proc_disconnect(s, p);
}

static void occur(struct sim *s, struct inj_fault *in);

static void fault_event(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct inj_fault *in = arg;
    const struct fault_spec *f = in->f;
    if (f->every.kind != DIST_NONE) { /* the next occurrence first: occur may start actors */
        sim_time next = s->now + dist_sample(&f->every, &in->rng);
        if (next > s->now && (f->until <= 0 || next < f->until))
            sim_at(s, next, fault_event, in, 0);
    }
    occur(s, in);
}

/* A window's end: a `fault-end` row on the node (or world) its start named. */
static void fault_end(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct inj_fault *in = arg;
    const struct fault_spec *f = in->f;
    char t[TIME_FMT_LEN];
    if (s->trace)
        sim_tracef(s, f->node_idx >= 0 ? &s->node[f->node_idx] : NULL, 0, "fault-end",
                   "%s after %s", fault_kind_name(f->kind),
                   trace_writes(s->trace) ? time_format(f->dur, t) : "");
}

static void occur(struct sim *s, struct inj_fault *in)
{
    const struct fault_spec *f = in->f;
    if (windowed(f->kind)) { /* the first window is set at the start: see inject_start */
        in->win_start = s->now;
        in->win_end = s->now + f->dur;
        if (f->kind == FAULT_API_SLOW && f->node_idx < 0)
            sim_tracef(s, NULL, 0, "fault", "api-slow begins");
        else
            trace_fault(s, f->node_idx >= 0 ? &s->node[f->node_idx] : NULL, f, "begins");
        sim_at(s, in->win_end, fault_end, in, 0);
        return;
    }
    if (f->kind == FAULT_CLOCK_STEP) {
        char d[64], t[TIME_FMT_LEN];
        snprintf(d, sizeof(d), "by %s", time_format(f->by, t));
        if (f->target == FT_DATABASE) {
            node_clock_step(&s->db.clock, s->now, f->by);
            inject_hit(s, false);
            trace_fault(s, NULL, f, d);
            sim_trace_clock(s, NULL);
            return;
        }
        for (int i = 0; i < s->nnodes; i++) {
            if (targets(f, &s->node[i])) {
                node_clock_step(&s->node[i].clock, s->now, f->by);
                inject_hit(s, holding(&s->node[i], NULL));
                trace_fault(s, &s->node[i], f, d);
                sim_trace_clock(s, &s->node[i]);
            }
        }
        return;
    }
    if (f->kind == FAULT_DB_DISCONNECT &&
        (f->target == FT_DATABASE || (f->target == FT_DEFAULT && f->node_idx < 0))) {
        trace_fault(s, NULL, f, "(every session ends)");
        for (int i = 0; i < s->nnodes; i++)
            disconnect_node(s, &s->node[i]);
        return;
    }
    /* manual runs start actors: they go last, after the other nodes' work */
    for (int i = 0; i < s->nnodes; i++) {
        struct node *n = &s->node[i];
        if (!targets(f, n) || f->kind == FAULT_MANUAL_RUN)
            continue;
        switch (f->kind) {
        case FAULT_PAUSE:
            if (f->target == FT_PROCESS)
                each_target_proc(s, n, pause_proc, f);
            else {
                inject_hit(s, holding(n, NULL));
                sim_pause(s, n, NULL, s->now + f->dur);
            }
            break;
        case FAULT_CRASH:
            if (f->target == FT_PROCESS) {
                each_target_proc(s, n, crash_proc, f);
            } else {
                inject_hit(s, holding(n, NULL));
                sim_node_crash(s, n, f->cleanup, f->restart_after);
                inject_crashed(s, n, NULL);
            }
            break;
        case FAULT_DB_DISCONNECT:
            if (f->target == FT_PROCESS)
                each_target_proc(s, n, disconnect_proc, f);
            else
                disconnect_node(s, n);
            break;
        case FAULT_PID_REUSE:
            pid_reuse(s, in, n, n->host->last_job_exit);
            break;
        default:
            break;
        }
    }
    if (f->kind == FAULT_MANUAL_RUN) {
        struct node *n = &s->node[f->node_idx >= 0 ? f->node_idx : 0];
        struct trigger t = sim_trigger_new(s, n, s->now, true);
        sim_tracef(s, NULL, 0, "fault", "manual-run");
        sim_spawn_job(s, n, &t);
    }
}

/* An explicit manual trigger ([trigger N] manual_at = T). */
static void explicit_manual(void *ctx, void *arg, uint64_t tag)
{
    (void)arg;
    (void)tag;
    struct sim *s = ctx;
    struct trigger t = sim_trigger_new(s, &s->node[0], s->now, true);
    sim_spawn_job(s, &s->node[0], &t);
}

static int inject_start(struct sim *s)
{
    const struct model *m = s->model;
    for (int i = 0; i < m->ntriggers; i++)
        if (m->triggers[i].manual)
            sim_at(s, m->triggers[i].at, explicit_manual, NULL, 0);
    if (m->nfaults == 0)
        return 0;
    struct inject_state *st = mem_calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    s->inject_state = st;
    st->n = m->nfaults;
    for (int i = 0; i < m->nfaults; i++) {
        struct inj_fault *in = &st->f[i];
        const struct fault_spec *f = &m->fault[i];
        in->f = f;
        in->win_start = in->win_end = -1;
        if (windowed(f->kind) && f->point == POINT_NONE) { /* in effect from `at` on */
            in->win_start = f->at;
            in->win_end = f->at + f->dur;
        }
        prng_seed(&in->rng, s->seed, FAULT_STREAM(i));
        if (fault_point_placed(f)) {
            s->point_faults = true;
            continue;
        }
        sim_at(s, f->at, fault_event, in, 0);
    }
    return 0;
}

static void inject_release(struct sim *s)
{
    mem_free(s->inject_state);
    s->inject_state = NULL;
}

/* A point fault of this kind fires for a at the point: do it. */
static int fire_point(struct actor *a, struct inj_fault *in)
{
    struct sim *s = a->sim;
    const struct fault_spec *f = in->f;
    struct proc *p = a->proc;
    switch (f->kind) {
    case FAULT_JOB_ERROR:
        return INJECT_THROW;
    case FAULT_PAUSE:
        sim_pause(s, a->node, f->target == FT_NODE ? NULL : p, s->now + f->dur);
        sim_sleep(a, f->dur); /* the pause stops this very run too */
        return 0;
    case FAULT_CRASH:
        if (f->target == FT_NODE) {
            sim_node_crash(s, a->node, f->cleanup, f->restart_after); /* counted at the point */
            inject_crashed(s, a->node, NULL);
        } else {
            crash_proc(s, p, f);
        }
        return 0;
    case FAULT_DB_DISCONNECT:
        if (f->target == FT_NODE)
            disconnect_node(s, a->node);
        else
            sim_proc_disconnect(s, p);
        return 0;
    case FAULT_MANUAL_RUN: {
        struct trigger t = sim_trigger_new(s, a->node, s->now, true);
        sim_spawn_job(s, a->node, &t);
        return 0;
    }
    case FAULT_CLOCK_STEP: /* this run's node's clock, or the database's */
        node_clock_step(f->target == FT_DATABASE ? &s->db.clock : &a->node->clock, s->now, f->by);
        return 0;
    default:
        if (windowed(f->kind)) { /* the window opens at the point */
            in->win_start = s->now;
            in->win_end = s->now + f->dur;
            sim_at(s, in->win_end, fault_end, in, 0);
        }
        return 0;
    }
}

/* Does the armed point fault in hit this time? (point.h) */
static bool hits(struct sim *s, struct inj_fault *in, const struct node *n)
{
    return fault_point_hits(in->f, &in->rng, &in->hits, s->now, n->id);
}

static int inject_point(struct actor *a, enum fault_point_id point)
{
    struct sim *s = a->sim;
    struct inject_state *st = s->inject_state;
    int flags = 0;
    for (int i = 0; st && i < st->n && !a->killed; i++) {
        struct inj_fault *in = &st->f[i];
        if (fault_point_of(in->f) != (int)point || !hits(s, in, a->node))
            continue;
        if (in->f->kind != FAULT_CRASH || in->f->target == FT_NODE) /* crash_proc counts its own */
            inject_hit(s, a->run != 0 && point != POINT_AFTER_RELEASE);
        sim_tracef(s, a->node, a->run, "fault", "%s (%s)", fault_kind_name(in->f->kind),
                   fault_point_name(point));
        flags |= fire_point(a, in);
    }
    return flags;
}

static void after_crash(struct sim *s, struct inj_fault *in, struct node *n, int pid)
{
    const struct fault_spec *f = in->f;
    inject_hit(s, false);
    switch (f->kind) {
    case FAULT_PID_REUSE:
        pid_reuse(s, in, n, pid);
        break;
    case FAULT_PAUSE:
        sim_pause(s, n, NULL, s->now + f->dur);
        break;
    case FAULT_DB_DISCONNECT:
        disconnect_node(s, n);
        break;
    case FAULT_MANUAL_RUN: {
        struct trigger t = sim_trigger_new(s, n, s->now, true);
        sim_tracef(s, n, 0, "fault", "manual-run (after crash)");
        sim_spawn_job(s, n, &t);
        break;
    }
    default:
        break;
    }
}

static void after_crash_event(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct inj_fault *in = arg;
    after_crash(ctx, in, in->crash_node, in->crash_pid);
}

static void inject_crashed(struct sim *s, struct node *n, struct proc *p)
{
    struct inject_state *st = s->inject_state;
    for (int i = 0; st && i < st->n; i++) {
        struct inj_fault *in = &st->f[i];
        const struct fault_spec *f = in->f;
        if (f->point != POINT_CRASH || !hits(s, in, n))
            continue;
        int pid = p ? p->pid : n->host->last_job_exit;
        if (f->delay > 0) {
            in->crash_node = n;
            in->crash_pid = pid;
            sim_at(s, s->now + f->delay, after_crash_event, in, 0);
            continue;
        }
        after_crash(s, in, n, pid);
    }
}

static bool in_window(const struct inj_fault *in, sim_time t)
{
    return t >= in->win_start && t < in->win_end;
}

static const struct dist *inject_api_override(struct sim *s, const struct node *n)
{
    struct inject_state *st = s->inject_state;
    for (int i = 0; st && i < st->n; i++) {
        const struct inj_fault *in = &st->f[i];
        if (in->f->kind == FAULT_API_SLOW && in_window(in, s->now) && targets(in->f, n))
            return &in->f->latency;
    }
    return NULL;
}

static bool inject_db_outage(struct sim *s, sim_time t)
{
    struct inject_state *st = s->inject_state;
    for (int i = 0; st && i < st->n; i++)
        if (st->f[i].f->kind == FAULT_DB_OUTAGE && in_window(&st->f[i], t)) {
            inject_hit(s, false);
            return true;
        }
    return false;
}

static sim_time inject_db_wait(struct sim *s, sim_time arrive)
{
    struct inject_state *st = s->inject_state;
    sim_time at = arrive;
    for (int i = 0; st && i < st->n; i++) {
        struct inj_fault *in = &st->f[i];
        if (in->f->kind != FAULT_DB_CONTENTION || !in_window(in, arrive))
            continue;
        /* another transaction holds the row until the window ends */
        sim_time t = in->win_end;
        if (in->f->latency.kind != DIST_NONE)
            t += dist_sample(&in->f->latency, &in->rng);
        if (t > at)
            at = t;
        inject_hit(s, false);
    }
    return at;
}

static sim_time inject_db_reply_delay(struct sim *s, sim_time t)
{
    struct inject_state *st = s->inject_state;
    sim_time extra = 0;
    for (int i = 0; st && i < st->n; i++) {
        struct inj_fault *in = &st->f[i];
        if (in->f->kind == FAULT_DB_SLOW_REPLY && in_window(in, t)) {
            extra += dist_sample(&in->f->latency, &in->rng);
            inject_hit(s, false);
        }
    }
    return extra;
}

static const struct sim_fault_ops inject_fault_ops = {
    .api_override = inject_api_override,
    .point = inject_point,
    .hit = inject_hit,
    .db_outage = inject_db_outage,
    .db_wait = inject_db_wait,
    .db_reply_delay = inject_db_reply_delay,
};

static int inject_part_init(struct sim *s)
{
    s->faults = &inject_fault_ops;
    return 0;
}

const struct sim_part inject_part = {
    .init = inject_part_init, .start = inject_start, .release = inject_release};
