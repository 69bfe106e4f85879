/*
 * A systemd timer (OnCalendar, here written as schedule.cron on the node's
 * wall clock) that starts a oneshot service, each activation a process
 * (man systemd.timer; systemd's src/core/timer.c). The
 * service is never started twice: while it is active the timer is not
 * armed. When it deactivates the timer computes the next elapse after the
 * previous trigger; if that is already past it fires at once, exactly once:
 * every slot missed during an overrun coalesces into that one start. At
 * timer start (boot, or the node's restart) the next elapse is computed
 * from now, so slots missed while down are lost, unless Persistent=yes: the
 * stamp file's time is the previous trigger, and if a slot passed since,
 * the elapse is moved to the boot and the timer fires once.
 *
 * Each elapse is delayed by a fresh draw from [0, RandomizedDelaySec)
 * (timer.c add_random) and then armed with AccuracySec as slack: sd-event
 * wakes at a spot in [elapse, elapse + accuracy] that is the same within
 * every minute on this host (else every 10 s, 1 s, 250 ms), the
 * perturbation being derived from the boot ID (sd-event.c sleep_between,
 * initialize_perturb). Here it is a hash of the host's name and boot count:
 * stable per boot, new at each restart, the same for every seed.
 *
 * schedule.misfire: skip makes an elapse missed by the threshold wait for
 * the next slot after now (what DeferReactivation=yes does after an
 * overrun, and what Persistent=no does after downtime); burst starts one
 * activation per missed slot, one after the other.
 */
#include <string.h>

#include "sched.h"
#include "../work/job.h"
#include "misfire.h"

static sim_time local_now(struct actor *a)
{
    return node_clock_local(&a->node->clock, a->sim->now);
}

/* Sleeps until the node's wall clock reads at least target. */
static void sleep_until_local(struct actor *a, sim_time target)
{
    sim_time d;
    while (!a->killed && (d = target - local_now(a)) > 0)
        sim_sleep(a, d);
}

static sim_time floor_to(sim_time t, sim_time step)
{
    sim_time q = t / step;
    return (q - (t % step < 0)) * step;
}

/* sd-event's sleep_between: the time in [a, b] to wake at, preferring the
 * host's spot within each minute, then each 10 s, 1 s and 250 ms, else b. */
static sim_time sleep_between(sim_time perturb, sim_time a, sim_time b)
{
    static const sim_time steps[] = {SIM_MIN, 10 * SIM_S, SIM_S, 250 * SIM_MS};
    if (b <= a + SIM_US)
        return a;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        sim_time c = floor_to(b, steps[i]) + perturb % steps[i];
        if (c >= b)
            c -= steps[i];
        if (c >= a)
            return c;
    }
    return b;
}

/* (bootid.qwords[0] ^ bootid.qwords[1]) % USEC_PER_MINUTE, in microseconds. */
static sim_time perturbation(const char *host, int boot)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a of the name, then mixed with the boot */
    for (const char *p = host; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    h ^= (uint64_t)boot;
    return (sim_time)(prng_splitmix(&h) % (uint64_t)(SIM_MIN / SIM_US)) * SIM_US;
}

/* When an elapse at `elapse` wakes the manager: its random delay, then the slack. */
static sim_time arm(struct node *n, struct systemd_state *sd, sim_time elapse)
{
    const struct config *c = n->cfg;
    if (c->randomized_delay > 0)
        elapse += (sim_time)prng_below(&sd->rng, (uint64_t)c->randomized_delay);
    sim_time acc = c->accuracy > 0 ? c->accuracy : 250 * SIM_MS; /* 0: sd-event's default */
    return sleep_between(sd->perturb, elapse, elapse + acc);
}

static void timer_loop(struct actor *a)
{
    struct sim *s = a->sim;
    struct node *n = a->node;
    const struct config *c = n->cfg;
    const struct cron_expr *e = &c->cron;
    struct systemd_state *sd = &sched_node(s, n)->sd;
    enum misfire p = misfire_policy(c);
    sim_time boot = local_now(a); /* the manager's start: past elapses move here */
    sim_time last = c->persistent && sd->stamped ? sd->last : boot;
    while (!a->killed && !a->interrupted) {
        int64_t m = cron_next(e, node_clock_minute(last));
        if (m < 0)
            return;
        sim_time slot = m * SIM_MIN;
        sim_time fire = arm(n, sd, slot > boot ? slot : boot);
        if (fire > local_now(a)) {
            sleep_until_local(a, fire);
            if (a->killed)
                return;
        }
        sim_time now_l = local_now(a);
        int64_t now_min = node_clock_minute(now_l), later = 0;
        for (int64_t x = cron_next(e, m); x >= 0 && x <= now_min; x = cron_next(e, x))
            later++; /* slots that passed meanwhile: this activation stands for them */
        bool missed = misfire_missed(c, p, now_l - slot);
        if (missed && p == MISFIRE_SKIP) {
            for (int64_t i = 0; i <= later; i++)
                checker_coalesce(&s->chk);
            sim_tracef(s, n, 0, "systemd", "misfire: wait for the next elapse after now");
            last = now_l;
            continue;
        }
        if (p == MISFIRE_BURST) {
            last = slot; /* the next elapse is the next missed slot, if any */
        } else {
            for (int64_t i = 0; i < later; i++)
                checker_coalesce(&s->chk);
            if (later)
                sim_tracef(s, n, 0, "systemd", "elapse already past: trigger once now");
            last = now_l;
        }
        sd->last = last; /* Persistent=: touch the stamp file */
        sd->stamped = true;
        struct trigger t = sim_trigger_new(s, n, s->now - (now_l - slot), false);
        sim_spawn_job(s, n, &t);
        sim_wait_on(a, sd); /* the unit is active: the timer is not armed */
    }
}

/* The service the timer started deactivated (a manual `systemctl start` of
 * it is not the timer's). */
static void systemd_job_done(struct sim *s, struct node *n, bool manual)
{
    if (!manual)
        sim_wake_one(s, &sched_node(s, n)->sd);
}

static void systemd_boot(struct sim *s, struct node *n)
{
    struct systemd_state *sd = &sched_node(s, n)->sd;
    if (!sd->seeded) {
        sd->seeded = true;
        prng_seed(&sd->rng, s->seed, ((uint64_t)PRNG_TIMER << 8) | (uint64_t)n->id);
    }
    sd->perturb = perturbation(n->host->name, sd->boots++);
    struct actor *a = sim_actor_new(s, n, timer_loop);
    if (a)
        sim_actor_start_at(s, a, s->now);
}

const struct sched_type sched_systemd_type = {SCHED_SYSTEMD, systemd_boot, systemd_job_done};
