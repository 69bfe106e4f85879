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
#include "cron_loop.h"
#include "misfire.h"

/* --- the simulator's side of cron_loop_run (cron_loop.h): an actor --- */

static sim_time cron_now(void *loop)
{
    return ((struct actor *)loop)->sim->now;
}

static sim_time cron_local_now(void *loop)
{
    struct actor *a = loop;
    return node_clock_local(&a->node->clock, a->sim->now);
}

static void cron_sleep(void *loop, sim_time d)
{
    sim_sleep(loop, d);
}

static bool cron_killed(void *loop)
{
    return ((struct actor *)loop)->killed;
}

static bool cron_interrupted(void *loop)
{
    return ((struct actor *)loop)->interrupted;
}

static void cron_spawn(void *loop, sim_time at)
{
    struct actor *a = loop;
    struct trigger t = sim_trigger_new(a->sim, a->node, at, false);
    sim_spawn_job(a->sim, a->node, &t);
}

static void cron_coalesce(void *loop)
{
    checker_coalesce(&((struct actor *)loop)->sim->chk);
}

static void cron_note(void *loop, const char *what)
{
    struct actor *a = loop;
    sim_tracef(a->sim, a->node, 0, "cron", "%s", what);
}

static const struct cron_loop_env sim_cron_env = {
    .now = cron_now,
    .local_now = cron_local_now,
    .sleep = cron_sleep,
    .killed = cron_killed,
    .interrupted = cron_interrupted,
    .spawn = cron_spawn,
    .coalesce = cron_coalesce,
    .note = cron_note,
};

static void cron_loop(struct actor *a)
{
    cron_loop_run(&sim_cron_env, a, a->node->cfg, a->sim->now == 0);
}

static void cron_boot(struct sim *s, struct node *n)
{
    struct actor *a = sim_actor_new(s, n, cron_loop);
    if (a)
        sim_actor_start_at(s, a, s->now);
}

const struct sched_type sched_cron_type = {SCHED_CRON, cron_boot, NULL};
