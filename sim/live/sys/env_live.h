/*
 * The live backend of the environment port: the real clock of the process
 * (which libfaketime may skew, as NTP skew would), sleeps scaled from
 * simulated to real time, and real pthread mutexes. Time stays simulated
 * nanoseconds at the port: at speed 100, env_sleep(1 s) sleeps 10 ms and
 * env_clock_now advances 100 simulated seconds per real second, so a guard
 * runs unchanged in both worlds.
 *
 * The database is a backend of its own (struct env_live_db), plugged in by
 * whoever has one: live mode's worker processes plug in PostgreSQL
 * (sim/live/pgenv.c), so guards/ needs no libpq. Without one, a guard's
 * statements fail with -ENOSYS.
 */
#ifndef GUARDS_ENV_LIVE_H
#define GUARDS_ENV_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../guards/env.h"

struct env_live;

/*
 * A database behind the port, shared by every copy of the env_live it is
 * plugged into (a process's threads share one pool). Each function has the
 * contract of the env_ops member of the same name; e is the caller's
 * environment (its speed and epoch convert simulated time to real time).
 * Thread-safe; every call may block.
 */
struct env_live_db {
    int (*session_open)(struct env_live_db *db, struct env_live *e);
    void (*session_close)(struct env_live_db *db, struct env_live *e, int session);
    int (*exec)(struct env_live_db *db, struct env_live *e, const struct env_stmt *st,
                struct env_row *out);
};

struct env_live {
    struct env env; /* first: an env pointer is its env_live */
    double speed;   /* simulated time per real time, > 0 */
    int64_t epoch;  /* CLOCK_REALTIME (real ns) that is simulated time 0 */
    sim_time skew;  /* added to this clock (threads; a process gets libfaketime) */
    /*
     * How to wait until a CLOCK_MONOTONIC deadline (real ns): false when the
     * run is over and the caller should wind up. NULL: env_live_sleep_for
     * (a worker process, which the harness may pause or kill).
     */
    bool (*wait)(void *ctx, int64_t deadline);
    void *wait_ctx;
    bool stopped;           /* a wait returned false */
    struct env_live_db *db; /* the database, NULL: none (borrowed) */
    /*
     * What a file call and `ps -p` take in the scenario's world
     * (node.fs_latency, node.ps_latency): the real calls take microseconds,
     * so each waits this long first, as the simulated world does. A check
     * and a write of a PID file are then as far apart live as simulated.
     */
    sim_time fs_latency, ps_latency;
};

/* The environment variable a worker reads them from: "FS PS", simulated ns. */
#define ENV_LIVE_LATENCY "OVERLAPSIM_LATENCY"

extern const struct env_ops env_live_ops;

/* Sets up e (wait hook NULL, skew 0, no database, no latencies). */
void env_live_init(struct env_live *e, double speed, int64_t epoch);

/* Takes the latencies from $OVERLAPSIM_LATENCY, if set. */
void env_live_latencies(struct env_live *e);

/* CLOCK_MONOTONIC in ns, read with a raw system call: libfaketime never fakes it. */
int64_t env_live_mono(void);

/* CLOCK_REALTIME in ns as this process sees it (libfaketime's, when preloaded). */
int64_t env_live_realtime(void);

/* Sleeps until the CLOCK_MONOTONIC deadline (real ns), bypassing libfaketime. */
void env_live_sleep_until(int64_t deadline);

/*
 * Sleeps for d real ns of the process's own running time, in slices of at
 * most 5 ms: a SIGSTOP stretches it by the pause, as it would stretch real
 * work (an absolute deadline would not). A slice that ends more than 50 ms
 * late counts as a pause; a slightly late one counts in full, so a busy
 * machine does not stretch it. Bypasses libfaketime.
 */
void env_live_sleep_for(int64_t d);

/* Real nanoseconds that simulated duration d lasts at speed (never negative). */
static inline int64_t env_live_real(sim_time d, double speed)
{
    return d > 0 ? (int64_t)((double)d / speed) : 0;
}

#endif
