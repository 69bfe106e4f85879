/*
 * cron, as cronie and Vixie cron run it (cron.c main loop): the daemon
 * sleeps until one second past the next minute of the node's wall clock,
 * reads the clock, and compares the minute with the one it expected
 * (virtualTime). One minute later: it runs the jobs due then. A late wake-up
 * of 2-5 minutes: every missed minute's jobs, in order, 10 s apart. A jump
 * forward of 6-180 minutes: "wildcard" jobs (minute or hour field starting
 * with *) once, and fixed-time jobs for each skipped minute. A jump back of
 * up to 180 minutes: only wildcard jobs, and fixed-time ones wait until the
 * clock catches up. More than 3 hours either way: a clock correction, run
 * the current minute and go on from there.
 *
 * Every firing starts a new process (cron keeps no record of running
 * children), so cron never skips a run because the previous one is still
 * going: only the guard can.
 *
 * Downtime: a stopped cron (a suspended VM, SIGSTOP) wakes late and takes
 * one of the paths above; a restarted one starts from the current minute
 * and knows nothing of what it missed (it keeps no state: anacron does).
 * schedule.misfire replaces the forward paths: every matching minute it
 * slept through is missed (minutes are its grain: no threshold); skip
 * drops them, coalesce folds them into one start with the current minute
 * (job_add keeps one queued start per entry), burst starts one per minute,
 * 10 s apart, as the late path does.
 */
#include "sched.h"
#include "../work/job.h"
#include "misfire.h"

struct cron_run {
    struct actor *a;
    bool queued;    /* job_add: at most one pending start per entry */
    int64_t minute; /* the minute it was queued for */
};

static int64_t floor_sec(sim_time local)
{
    return local >= 0 ? local / SIM_S : -((-local + SIM_S - 1) / SIM_S);
}

static sim_time local_now(struct actor *a)
{
    return node_clock_local(&a->node->clock, a->sim->now);
}

/* find_jobs: queue the entry if it is due at minute m and of a kind asked for. */
static void find_jobs(struct cron_run *r, int64_t m, bool wild, bool fixed)
{
    const struct cron_expr *e = &r->a->node->cfg->cron;
    bool is_wild = cron_is_wild(e);
    if (!r->queued && cron_matches(e, m) && ((wild && is_wild) || (fixed && !is_wild))) {
        r->queued = true;
        r->minute = m;
    }
}

/* job_runqueue: start what is queued, each run a process of its own. */
static bool run_queue(struct cron_run *r)
{
    if (!r->queued)
        return false;
    r->queued = false;
    struct sim *s = r->a->sim;
    /* due when the clock read that minute (plus cron's second): late if cron was */
    sim_time late = local_now(r->a) - sched_loop_cron_due(r->minute);
    struct trigger t = sim_trigger_new(s, r->a->node, s->now - (late > 0 ? late : 0), false);
    sim_spawn_job(s, r->a->node, &t);
    return true;
}

/* cron_sleep(target): sleep to one second past minute target, by the clock. */
static void cron_sleep(struct actor *a, int64_t target)
{
    int64_t t1 = floor_sec(local_now(a));
    int64_t wait = sched_loop_cron_due(target) / SIM_S - t1;
    while (wait > 0 && wait < 65 && !a->killed) {
        sim_sleep(a, wait * SIM_S);
        int64_t t2 = floor_sec(local_now(a));
        wait -= t2 - t1;
        t1 = t2;
    }
}

/* schedule.misfire on a forward jump: the minutes virtual+1 .. running-1
 * were slept through; running is on time. Returns the new virtualTime. */
static int64_t catch_up(struct cron_run *r, int64_t virtual, int64_t running, enum misfire p)
{
    struct actor *a = r->a;
    const struct cron_expr *e = &a->node->cfg->cron;
    int64_t n = 0;
    for (int64_t m = cron_next(e, virtual); m >= 0 && m < running; m = cron_next(e, m))
        n++;
    if (p == MISFIRE_BURST) {
        sim_tracef(a->sim, a->node, 0, "cron", "misfire: a run per missed minute");
        do {
            if (run_queue(r))
                sim_sleep(a, 10 * SIM_S);
            virtual ++;
            find_jobs(r, virtual, true, true);
        } while (virtual < running && !a->killed);
        return virtual;
    }
    find_jobs(r, running, true, true); /* the current minute, on time */
    int64_t dropped = n;
    if (p == MISFIRE_COALESCE && n > 0 && !r->queued) { /* one start stands for them all */
        r->queued = true;
        r->minute = running;
        dropped--;
    }
    for (int64_t i = 0; i < dropped; i++)
        checker_coalesce(&a->sim->chk);
    if (n > 0)
        sim_trace(a->sim, a->node, 0, "cron",
                  p == MISFIRE_SKIP ? "misfire: missed minutes dropped"
                                    : "misfire: missed minutes run once");
    return running;
}

static void cron_loop(struct actor *a)
{
    struct sim *s = a->sim;
    struct cron_run r = {a, false, 0};
    int64_t clock_min = node_clock_minute(local_now(a));
    /* at time 0 cron has been up for a while: minute 0's jobs are still to come */
    if (s->now == 0 && local_now(a) - clock_min * SIM_MIN < SIM_S)
        clock_min--;
    int64_t running = clock_min, virtual = clock_min;
    while (!a->killed && !a->interrupted) {
        do { /* wait for the time (in minutes) to change */
            cron_sleep(a, running + 1);
            clock_min = node_clock_minute(local_now(a));
        } while (!a->killed && clock_min == running);
        if (a->killed)
            return;
        running = clock_min;
        int64_t diff = running - virtual;
        enum misfire p = misfire_policy(a->node->cfg);
        if (p != MISFIRE_DEFAULT && diff > 1) {
            virtual = catch_up(&r, virtual, running, p);
        } else if (diff == 1) {
            virtual = running;
            find_jobs(&r, virtual, true, true);
        } else if (diff > 180 || diff < -180) { /* a clock correction */
            sim_tracef(s, a->node, 0, "cron", "clock jumped: run this minute, go on from here");
            virtual = running;
            find_jobs(&r, running, true, true);
        } else if (diff > 5) { /* DST begins: wildcard once, fixed-time per minute */
            sim_tracef(s, a->node, 0, "cron", "clock moved forward: catch up fixed-time jobs");
            find_jobs(&r, running, true, false);
            do {
                if (run_queue(&r))
                    sim_sleep(a, 10 * SIM_S);
                virtual ++;
                find_jobs(&r, virtual, false, true);
                clock_min = node_clock_minute(local_now(a));
            } while (virtual < running && clock_min == running && !a->killed);
        } else if (diff > 0) { /* woke up late: every minute until caught up */
            sim_tracef(s, a->node, 0, "cron", "woke up late: run each missed minute");
            do {
                if (run_queue(&r))
                    sim_sleep(a, 10 * SIM_S);
                virtual ++;
                find_jobs(&r, virtual, true, true);
            } while (virtual < running && !a->killed);
        } else { /* the clock went back: wildcard jobs only, until caught up */
            sim_tracef(s, a->node, 0, "cron", "clock moved back: wildcard jobs only");
            find_jobs(&r, running, true, false);
        }
        if (!a->killed)
            run_queue(&r);
    }
}

static void cron_boot(struct sim *s, struct node *n)
{
    struct actor *a = sim_actor_new(s, n, cron_loop);
    if (a)
        sim_actor_start_at(s, a, s->now);
}

const struct sched_type sched_cron_type = {SCHED_CRON, cron_boot, NULL};
