/*
 * The world's faults on nodes, for real: a pause is SIGSTOP of the node's
 * process group until SIGCONT, a crash is kill -9 of the group (no trap, no
 * finally: stale PID files stay, flock goes with the process) and a restart
 * starts the node's worker again, as sim/inject.c and sim/proc.c do in the
 * simulator. A clock step rewrites the node's libfaketime offset file.
 * What has no faithful live counterpart is refused before the run starts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../faults/point.h"
#include "live_impl.h"

/* Faults at a point of a run live mode cannot do: a one-line reason, or NULL. */
static const char *unsupported_at_point(const struct fault_spec *f)
{
    switch (f->kind) {
    case FAULT_JOB_ERROR:
    case FAULT_MANUAL_RUN:
        return NULL;
    case FAULT_PAUSE:
    case FAULT_CRASH:
    case FAULT_CLOCK_STEP:
        if (f->point == POINT_CRASH)
            return "faults after a crash (after = crash) are simulated only";
        if (f->target == FT_DATABASE)
            return "a database clock step at a point of a run is simulated only";
        return NULL;
    default:
        return "only job-error, pause, crash and clock-step are live at a point of a run "
               "(after = ...); the rest are simulated only";
    }
}

/* Faults live mode cannot do: a one-line reason, or NULL. */
static const char *unsupported(const struct live *lv, const struct fault_spec *f)
{
    if (fault_point_placed(f) && unsupported_at_point(f))
        return unsupported_at_point(f);
    if (f->every.kind != DIST_NONE)
        return "repeating faults (every = ...) are simulated only";
    bool own = f->target == FT_PROCESS || (fault_point_placed(f) && f->target != FT_NODE);
    if (own && (f->kind == FAULT_PAUSE || f->kind == FAULT_CRASH))
        for (int i = 0; i < lv->model->nnodes; i++)
            if ((f->node_idx < 0 || f->node_idx == i) &&
                config_sched_forks(lv->model->node[i].cfg.sched))
                return "target = process under cron (the job's own process) is simulated only";
    switch (f->kind) {
    case FAULT_CRASH:
        if (f->cleanup)
            return "crash with cleanup = yes (SIGTERM, traps run) is simulated only; "
                   "live crashes are kill -9";
        return NULL;
    case FAULT_PAUSE:
        return NULL;
    case FAULT_CLOCK_STEP:
        if (f->target == FT_DATABASE)
            return NULL; /* the database's clock: dbfault */
        if (lv->opt->cmd)
            return "clock-step under --guard exec is simulated only";
        for (int i = 0; i < lv->model->nnodes; i++)
            if ((f->node_idx < 0 || f->node_idx == i) && lv->model->node[i].cfg.sched == SCHED_CRON)
                return "cron's catch-up after a clock jump is simulated only";
        return NULL;
    case FAULT_PID_REUSE:
        return "pid-reuse is simulated only: live, the kernel picks PIDs";
    default:
        return NULL;
    }
}

int live_faults_check(struct live *lv)
{
    for (int i = 0; i < lv->model->nfaults; i++) {
        const struct fault_spec *f = &lv->model->fault[i];
        const char *why = unsupported(lv, f);
        if (why) {
            live_fail(lv, -ENOTSUP, "fault %s (line %d): %s", fault_kind_name(f->kind), f->line,
                      why);
            return -ENOTSUP;
        }
    }
    return 0;
}

static bool targets(const struct fault_spec *f, int node)
{
    return f->node_idx < 0 || f->node_idx == node;
}

/* faults_hit, and faults_hit_holder when a run of the node was going. */
static void hit(struct live *lv, int node)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->closed) {
        lv->m->faults_hit++;
        for (int i = 0; i < lv->nruns; i++)
            if (lv->runs[i].node == node) {
                lv->m->faults_hit_holder++;
                break;
            }
    }
    pthread_mutex_unlock(&lv->rec);
}

static void resume(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    struct live_worker *w = &lv->workers[(int)tag];
    (void)arg;
    if (w->paused && w->paused_until <= live_now(lv) + SIM_MS) /* not a longer pause since */
        live_worker_resume(w);
}

/* A restart's tag: when it is due, and the node (fewer than 256). */
static uint64_t restart_tag(sim_time due, int node)
{
    return (uint64_t)due << 8 | (uint64_t)node;
}

/* A node restarts now, as its crash fault said. */
static void restart(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    (void)arg;
    int node = (int)(tag & 0xff);
    if (lv->workers[node].pid > 0)
        return;
    /* the scheduler's new life begins when the restart was due, however long the spawn took */
    if (live_worker_restart(&lv->workers[node]) == 0)
        live_sched_node_up(lv, node, (sim_time)(tag >> 8));
}

/* Fault f begins at `at` on node i (every node it targets when i < 0). */
static void node_fault_at(struct live *lv, const struct fault_spec *f, sim_time at, int node)
{
    for (int i = 0; i < lv->nworkers; i++) {
        struct live_worker *w = &lv->workers[i];
        if ((node >= 0 ? i != node : !targets(f, i)) || w->pid <= 0)
            continue;
        switch (f->kind) {
        case FAULT_PAUSE:
            hit(lv, i);
            if (at + f->dur > w->paused_until)
                w->paused_until = at + f->dur; /* its scheduler's timers wait too */
            if (!w->paused && live_worker_pause(w) == 0)
                live_later(lv, at + f->dur, resume, NULL, (uint64_t)i);
            break;
        case FAULT_CRASH:
            hit(lv, i);
            live_sched_node_down(lv, i);
            live_worker_crash(w);
            if (f->restart_after >= 0)
                live_later(lv, at + f->restart_after, restart, NULL,
                           restart_tag(at + f->restart_after, i));
            break;
        case FAULT_CLOCK_STEP:
            hit(lv, i);
            if (live_worker_clock_step(w, f->by) != 0)
                live_fail(lv, -LIVE_EFAKETIME, "node %d: cannot step its clock", i);
            break;
        default:
            break;
        }
    }
}

void live_node_fault(struct live *lv, const struct fault_spec *f)
{
    node_fault_at(lv, f, f->at, -1);
}

unsigned live_points(const struct live *lv, int node)
{
    unsigned bits = 0;
    for (int i = 0; i < lv->model->nfaults; i++) {
        const struct fault_spec *f = &lv->model->fault[i];
        int at = fault_point_of(f);
        if (fault_point_placed(f) && f->kind != FAULT_MANUAL_RUN && at >= 0 && at < POINT_CRASH &&
            targets(f, node))
            bits |= 1u << at;
    }
    return bits;
}

int live_point(struct live *lv, int node, uint64_t trigger, uint64_t run, enum fault_point_id point)
{
    const struct model *m = lv->model;
    const struct fault_spec *hit_now[MODEL_MAX_FAULTS];
    int n = 0, flags = 0;
    pthread_mutex_lock(&lv->rec);
    sim_time now = live_now(lv);
    for (int i = 0; i < m->nfaults && !lv->closed; i++) {
        const struct fault_spec *f = &m->fault[i];
        if (!fault_point_placed(f) || f->kind == FAULT_MANUAL_RUN ||
            fault_point_of(f) != (int)point ||
            !fault_point_hits(f, &lv->arm[i].rng, &lv->arm[i].hits, now, node))
            continue;
        char d[96];
        snprintf(d, sizeof(d), "%s (%s) #%" PRIu64, fault_kind_name(f->kind),
                 fault_point_name(point), trigger);
        live__trace_locked(lv, now, node, run, "fault", d);
        if (f->kind == FAULT_JOB_ERROR) {
            lv->m->faults_hit++;
            if (run && point != POINT_AFTER_RELEASE)
                lv->m->faults_hit_holder++;
            flags |= JOB_THROW;
        } else {
            hit_now[n++] = f;
        }
    }
    pthread_mutex_unlock(&lv->rec);
    /* a pause or a crash of the run's own node: the asker stops or dies before it hears back */
    for (int i = 0; i < n; i++)
        node_fault_at(lv, hit_now[i], now, node);
    return flags;
}
