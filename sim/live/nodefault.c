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

#include "live_impl.h"

/* Faults live mode cannot do: a one-line reason, or NULL. */
static const char *unsupported(const struct live *lv, const struct fault_spec *f)
{
    if (f->point != POINT_NONE && f->kind != FAULT_MANUAL_RUN)
        return "faults at a point of a run (after = ...) are simulated only";
    if (f->every.kind != DIST_NONE)
        return "repeating faults (every = ...) are simulated only";
    if (f->target == FT_PROCESS && (f->kind == FAULT_PAUSE || f->kind == FAULT_CRASH))
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
    case FAULT_JOB_ERROR:
        return "job-error is simulated only";
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

/* arg: the crash fault, whose restart is due now. */
static void restart(void *ctx, void *arg, uint64_t tag)
{
    struct live *lv = ctx;
    const struct fault_spec *f = arg;
    int node = (int)tag;
    if (lv->workers[node].pid > 0)
        return;
    /* the scheduler's new life begins when the restart was due, however long the spawn took */
    if (live_worker_restart(&lv->workers[node]) == 0)
        live_sched_node_up(lv, node, f->at + f->restart_after);
}

void live_node_fault(struct live *lv, const struct fault_spec *f)
{
    for (int i = 0; i < lv->nworkers; i++) {
        struct live_worker *w = &lv->workers[i];
        if (!targets(f, i) || w->pid <= 0)
            continue;
        switch (f->kind) {
        case FAULT_PAUSE:
            hit(lv, i);
            if (f->at + f->dur > w->paused_until)
                w->paused_until = f->at + f->dur; /* its scheduler's timers wait too */
            if (!w->paused && live_worker_pause(w) == 0 &&
                evq_push(&lv->q, f->at + f->dur, resume, NULL, (uint64_t)i) != 0)
                live_fail(lv, -ENOMEM, "out of memory");
            break;
        case FAULT_CRASH:
            hit(lv, i);
            live_sched_node_down(lv, i);
            live_worker_crash(w);
            if (f->restart_after >= 0 &&
                evq_push(&lv->q, f->at + f->restart_after, restart, (void *)f, (uint64_t)i) != 0)
                live_fail(lv, -ENOMEM, "out of memory");
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
