/*
 * The live environment (see env_live.h). Clock reads and sleeps go through
 * raw system calls where libfaketime must not interfere: its clock_nanosleep
 * and monotonic clock misbehave under a skew, and the harness measures true
 * time on CLOCK_MONOTONIC, which a skewed node must not see moved.
 */
#include "env_live.h"

#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int64_t env_live_mono(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t env_live_realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void env_live_sleep_until(int64_t deadline)
{
    struct timespec ts = {deadline / 1000000000, deadline % 1000000000};
    /* absolute, so an interrupted sleep resumes without drift */
    while (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0 &&
           errno == EINTR)
        ;
}

void env_live_sleep_for(int64_t d)
{
    const int64_t slice = 5000000, stall = 50000000;
    for (int64_t done = 0; done < d;) {
        int64_t s = d - done < slice ? d - done : slice, t0 = env_live_mono();
        env_live_sleep_until(t0 + s);
        int64_t e = env_live_mono() - t0;
        /* a late wake-up still counts (no drift on a busy machine); a long
         * gap is the process stopped, and does not */
        done += e > s + stall ? s : e;
    }
}

void env_live_init(struct env_live *e, double speed, int64_t epoch)
{
    *e = (struct env_live){.env = {&env_live_ops}, .speed = speed, .epoch = epoch};
}

static sim_time live_clock_now(struct env *env)
{
    struct env_live *e = (struct env_live *)env;
    return (sim_time)((double)(env_live_realtime() - e->epoch) * e->speed) + e->skew;
}

static void live_sleep(struct env *env, sim_time d)
{
    struct env_live *e = (struct env_live *)env;
    if (!e->wait)
        env_live_sleep_for(env_live_real(d, e->speed));
    else if (!e->wait(e->wait_ctx, env_live_mono() + env_live_real(d, e->speed)))
        e->stopped = true;
}

static void live_mutex_lock(struct env *env, pthread_mutex_t *m)
{
    (void)env;
    pthread_mutex_lock(m);
}

static void live_mutex_unlock(struct env *env, pthread_mutex_t *m)
{
    (void)env;
    pthread_mutex_unlock(m);
}

const struct env_ops env_live_ops = {
    .clock_now = live_clock_now,
    .sleep = live_sleep,
    .mutex_lock = live_mutex_lock,
    .mutex_unlock = live_mutex_unlock,
};
