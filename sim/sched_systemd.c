/*
 * A systemd timer (OnCalendar, here written as schedule.cron on the node's
 * wall clock) that starts a oneshot service, each activation a process
 * (man systemd.timer; src/core/timer.c; notes/semantics.md section 7). The
 * service is never started twice: while it is active the timer is not
 * armed. When it deactivates the timer computes the next elapse after the
 * previous trigger; if that is already past it fires at once, exactly once:
 * every slot missed during an overrun coalesces into that one start. At
 * timer start (boot, or the node's restart) the next elapse is computed
 * from now, so slots missed while down are lost, unless Persistent=yes: the
 * stamp file's time is the previous trigger, and if a slot passed since,
 * the timer fires once at once. AccuracySec and RandomizedDelaySec are 0
 * here (the model fires on the slot).
 */
#include "engine_impl.h"

static sim_time local_now(struct actor *a) { return node_clock_local(&a->node->clock, a->sim->now); }

/* Sleeps until the node's wall clock reads at least target. */
static void sleep_until_local(struct actor *a, sim_time target)
{
    sim_time d;
    while (!a->killed && (d = target - local_now(a)) > 0)
        sim_sleep(a, d);
}

static void timer_loop(struct actor *a)
{
    struct sim *s = a->sim;
    struct node *n = a->node;
    const struct cron_expr *e = &n->cfg->cron;
    struct systemd_state *sd = &n->sd;
    sim_time last = n->cfg->persistent && sd->stamped ? sd->last : local_now(a);
    while (!a->killed && !a->interrupted) {
        int64_t m = cron_next(e, node_clock_minute(last));
        if (m < 0)
            return;
        sim_time slot = m * SIM_MIN;
        if (slot > local_now(a)) {
            sleep_until_local(a, slot);
            if (a->killed)
                return;
        } else { /* past already: fire once now for every slot missed */
            int64_t now_min = node_clock_minute(local_now(a));
            for (int64_t x = cron_next(e, m); x >= 0 && x <= now_min; x = cron_next(e, x))
                checker_coalesce(&s->chk);
            sim_trace(s, n, 0, "systemd", "elapse already past: trigger once now");
        }
        last = local_now(a);
        sd->last = last; /* Persistent=: touch the stamp file */
        sd->stamped = true;
        struct trigger t = sim_trigger_new(s, n, s->now - (last - slot), false);
        sim_spawn_job(s, n, &t);
        sim_wait_on(a, sd); /* the unit is active: the timer is not armed */
    }
}

void sched_systemd_job_done(struct sim *s, struct node *n) { sim_wake_one(s, &n->sd); }

void sched_systemd_start(struct sim *s, struct node *n)
{
    struct actor *a = sim_actor_new(s, n, timer_loop);
    if (a)
        sim_actor_start_at(s, a, s->now);
}
