/*
 * Kubernetes CronJob, as the v2 controller runs it
 * (pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob, utils.go
 * mostRecentScheduleTime). The controller
 * reads its own wall clock (the node's). On each sync it looks at the slots
 * after max(lastScheduleTime, now - startingDeadlineSeconds) up to now and
 * considers only the most recent: older missed slots are never run one by
 * one (they coalesce). More than 100 missed slots only log a warning now
 * (the old v1 controller refused to start anything). A slot later than the
 * deadline is a MissSchedule. concurrencyPolicy: Allow always starts a Job;
 * Forbid skips while a Job is active, leaving lastScheduleTime alone, so
 * when the Job ends the controller syncs again and starts the most recent
 * missed slot then, if it is within the deadline; Replace deletes the
 * active Job in the background and creates the new one in the same sync:
 * the old pod gets SIGTERM and lives until its termination grace period
 * ends (a container's PID 1 without a handler ignores SIGTERM), so old and
 * new run together for up to that long. Every Job is a pod of its own (a
 * process). The controller requeues itself at the next slot + 100 ms.
 *
 * Downtime of the controller (a pause, a restart) is caught up the same
 * way, since its state lives in the API server: the most recent missed
 * slot runs (coalesce). schedule.misfire changes that for slots missed by
 * misfire_threshold or more: skip drops them, burst starts one Job per
 * missed slot, oldest first (one sync each, at once; under Forbid each
 * waits for the previous Job to end).
 */
#include <inttypes.h>
#include <stdio.h>

#include "sched.h"
#include "../work/job.h"
#include "misfire.h"

#define K8S_NEXT_DELTA (100 * SIM_MS) /* nextScheduleDelta */
#define K8S_MANY_MISSED 100

static sim_time local_now(struct sim *s, struct node *n)
{
    return node_clock_local(&n->clock, s->now);
}

static int active_jobs(const struct node *n)
{
    int k = 0;
    for (const struct proc *p = n->procs; p; p = p->next)
        k += p->cmd == WORLD_CMD_JOB && !p->dead;
    return k;
}

static void kill_event(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct k8s_kill *k = arg;
    k->used = false;
    for (struct proc *p = k->node->procs; p; p = p->next) {
        if (p->cmd == WORLD_CMD_JOB && !p->dead && p->pid == k->pid && p->started == k->started) {
            sim_tracef(s, k->node, 0, "k8s", "replaced Job's pod killed: grace period over");
            sim_proc_kill(s, p);
            return;
        }
    }
}

/* Replace: delete the active Jobs; their pods die when the grace period ends. */
static void replace_active(struct sim *s, struct node *n)
{
    for (struct proc *p = n->procs; p; p = p->next) {
        if (p->cmd != WORLD_CMD_JOB || p->dead)
            continue;
        struct k8s_kill *k = NULL;
        for (int i = 0; i < K8S_MAX_KILLS && !k; i++)
            if (!sched_node(s, n)->k8s.kill[i].used)
                k = &sched_node(s, n)->k8s.kill[i];
        if (!k) { /* more pods terminating than tracked: this one dies at once */
            sim_proc_kill(s, p);
            continue;
        }
        *k = (struct k8s_kill){n, p->pid, p->started, true};
        sim_tracef(s, n, 0, "k8s", "Replace: active Job deleted, its pod terminating");
        sim_at(s, s->now + n->cfg->grace_period, kill_event, k, 0);
    }
}

static void timer_event(void *ctx, void *arg, uint64_t tag);

/* syncCronJob. Starts at most one Job, as its last action. */
static void k8s_sync(struct sim *s, struct node *n)
{
    const struct config *c = n->cfg;
    struct k8s_state *k = &sched_node(s, n)->k8s;
    sim_time now_l = local_now(s, n);
    sim_time earliest = k->last;
    if (c->starting_deadline > 0 && now_l - c->starting_deadline > earliest)
        earliest = now_l - c->starting_deadline;
    int64_t now_min = node_clock_minute(now_l);
    int64_t m = cron_next(&c->cron, node_clock_minute(earliest));
    bool start = false;
    struct trigger t;
    bool again = false; /* burst: more missed slots to start, in a sync right now */
    if (m >= 0 && m <= now_min) {
        int64_t recent = m, missed = 1;
        for (int64_t x = cron_next(&c->cron, m); x >= 0 && x <= now_min;
             x = cron_next(&c->cron, x)) {
            recent = x;
            missed++;
        }
        enum misfire p = misfire_policy(c);
        bool skip = false;
        if (p != MISFIRE_COALESCE && now_l - m * SIM_MIN >= c->misfire_threshold) {
            skip = p == MISFIRE_SKIP;
            if (p == MISFIRE_BURST) { /* the oldest first */
                again = missed > 1;
                recent = m;
            }
        }
        sim_time slot = recent * SIM_MIN;
        if (missed > K8S_MANY_MISSED)
            sim_trace(s, n, 0, "k8s",
                      "TooManyMissedTimes: more than 100 missed start times "
                      "(warning only: still scheduled)");
        if (c->starting_deadline > 0 && slot + c->starting_deadline < now_l) {
            sim_tracef(s, n, 0, "k8s", "MissSchedule: later than startingDeadlineSeconds");
            again = false;
        } else if (skip) {
            for (int64_t x = cron_next(&c->cron, node_clock_minute(k->last)); x >= 0 && x <= recent;
                 x = cron_next(&c->cron, x))
                checker_coalesce(&s->chk);
            sim_tracef(s, n, 0, "k8s", "misfire: missed slots dropped");
            k->last = slot;
        } else if (c->k8s_policy == K8S_FORBID && active_jobs(n) > 0) {
            /* not a skip yet: the slot may still start when the Job ends */
            sim_tracef(s, n, 0, "k8s", "JobAlreadyActive: Forbid, not starting");
            again = false;
        } else {
            if (c->k8s_policy == K8S_REPLACE)
                replace_active(s, n);
            /* only the most recent slot runs: the ones since the last start are dropped */
            for (int64_t x = cron_next(&c->cron, node_clock_minute(k->last)); x >= 0 && x < recent;
                 x = cron_next(&c->cron, x))
                checker_coalesce(&s->chk);
            k->last = slot;
            t = sim_trigger_new(s, n, s->now - (now_l - slot), false);
            start = true;
        }
    }
    int64_t next = cron_next(&c->cron, now_min);
    k->gen++;
    if (again)
        sim_at(s, s->now, timer_event, n, k->gen);
    else if (next >= 0)
        sim_at(s, s->now + (next * SIM_MIN - now_l) + K8S_NEXT_DELTA, timer_event, n, k->gen);
    if (start)
        sim_spawn_job(s, n, &t);
}

/* The controller's requeue. Its tag is the requeue's generation, not the
 * node's epoch: a restart syncs anew, which makes older requeues stale. */
static void timer_event(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct node *n = arg;
    if (tag != sched_node(s, n)->k8s.gen || n->down)
        return;
    sim_time until = n->paused_until;
    if (n->service && n->service->paused_until > until)
        until = n->service->paused_until;
    if (until > s->now) { /* a stopped controller syncs when it runs again */
        sim_at(s, until, timer_event, n, tag);
        return;
    }
    k8s_sync(s, n);
}

static void done_event(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct node *n = arg;
    if (tag != n->epoch || n->down)
        return;
    k8s_sync(s, n);
}

static void k8s_job_done(struct sim *s, struct node *n, bool manual)
{
    (void)manual;                         /* the controller syncs after any of its Jobs ends */
    if (n->cfg->k8s_policy == K8S_FORBID) /* the Job's end is a sync */
        sim_at(s, s->now, done_event, n, n->epoch);
}

static void k8s_boot(struct sim *s, struct node *n)
{
    struct k8s_state *k = &sched_node(s, n)->k8s;
    if (!k->created) { /* the CronJob object is created now; it outlives restarts */
        k->created = true;
        k->last = local_now(s, n);
    }
    k8s_sync(s, n);
}

const struct sched_type sched_k8s_type = {SCHED_K8S, k8s_boot, k8s_job_done};
