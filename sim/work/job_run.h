/*
 * The job's run, written once: the simulator (job.c, in a fiber) and live
 * mode (a thread of the harness, of a node's worker process, or a cron
 * firing's own process) run this very body; only the backend behind the
 * port differs. The order of the steps is the model: the fault point
 * before the acquire, the guard, the start, the point after the acquire,
 * the API phase, the point before the write, the write (a fencing sink may
 * turn it away), the DB phase, the point after the write, the end, and the
 * release in a finally block, or none when the job threw and has no
 * finally (its hold is kept, for a wrapper's exit trap to release).
 *
 * Each backend passes a `static const` port, so that GCC inlines the body
 * and the port's calls: no indirect call is left in the simulator's run.
 */
#ifndef SIM_WORK_JOB_RUN_H
#define SIM_WORK_JOB_RUN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../guards/guard.h"
#include "../base/time.h"
#include "../scenario/fault.h"

/* A backend's port function: inlined where the body calls it through its static const port. */
#define JOB_PORT_FN static inline __attribute__((always_inline))

#define JOB_THROW 1 /* a fault point's answer: the job throws here (INJECT_THROW) */

/* One trigger's order, as its run sees it: number, due time, drawn work. */
struct job_order {
    uint64_t id;
    sim_time at;
    bool manual;
    sim_time api, db;
};

/* What a backend does at each step of a run (ctx: its run context). */
struct job_port {
    struct env *(*env)(void *ctx);
    /* The faults placed at point `at` for this run: JOB_THROW or 0. */
    int (*point)(void *ctx, enum fault_point_id at);
    bool (*killed)(void *ctx);      /* its process is gone (kill -9) */
    bool (*interrupted)(void *ctx); /* SIGTERM cut its phase short */
    /* The guard refused (rc 0) or failed (rc < 0). */
    void (*skipped)(void *ctx, const struct job_order *o, int rc);
    /* The run begins now (the backend keeps when, for ended): returns its
     * number (0: past the run's end) and sets *api, the API phase (a fault
     * may slow it). */
    uint64_t (*started)(void *ctx, const struct job_order *o, const struct guard_hold *h,
                        sim_time *api);
    /* The run's work with exports on (job_run's `exports`): fetch, write,
     * commit; returns thrown with what it threw. */
    int (*exports)(void *ctx, const struct job_order *o, uint64_t run, sim_time api,
                   const struct guard_hold *h, int thrown);
    void (*phase_sleep)(void *ctx, sim_time d);
    /* The result written to the sink with the hold's fencing token: 0 or -ESTALE. */
    int (*sink_write)(void *ctx, uint64_t run, uint64_t token);
    /* The run ended, having thrown or not, or was cut off by kill -9 (then
     * no finally and no trap follow). */
    void (*ended)(void *ctx, uint64_t run, int thrown);
    /* Its process was killed before it acquired. */
    void (*killed_early)(void *ctx);
    /* The job threw and has no finally: the hold stays, maybe for an exit trap. */
    void (*keep_hold)(void *ctx, const struct guard_hold *h);
    void (*released)(void *ctx, uint64_t run, const struct guard_hold *h);
};

/*
 * Runs order o with guard g. exports: the run's work is the port's export
 * (else the two phases and the write); release_on_error: the job's finally
 * block releases after a throw. Returns the run's number, 0 if it did not run.
 */
static inline __attribute__((always_inline)) uint64_t job_run(const struct job_port *p, void *ctx,
                                                              struct guard *g,
                                                              const struct job_order *o,
                                                              bool exports, bool release_on_error)
{
    struct guard_hold hold = {0, -1, 0, 0, false};
    int thrown = p->point(ctx, POINT_BEFORE_ACQUIRE);
    int rc = p->killed(ctx) ? -ESRCH : guard_try_acquire(g, p->env(ctx), &hold);
    if (p->killed(ctx)) {
        p->killed_early(ctx);
        return 0;
    }
    if (rc != 1) {
        p->skipped(ctx, o, rc);
        return 0;
    }
    sim_time api;
    uint64_t run = p->started(ctx, o, &hold, &api);
    thrown |= p->point(ctx, POINT_AFTER_ACQUIRE);
    if (exports) {
        thrown = p->exports(ctx, o, run, api, &hold, thrown);
    } else {
        if (!thrown)
            p->phase_sleep(ctx, api);
        if (!thrown)
            thrown |= p->point(ctx, POINT_BEFORE_WRITE);
        if (!thrown && !p->interrupted(ctx) && !p->killed(ctx)) {
            /* the write: a sink that checks fencing tokens may turn it away */
            if (p->sink_write(ctx, run, hold.token) != -ESTALE)
                p->phase_sleep(ctx, o->db);
        }
        if (!thrown)
            thrown |= p->point(ctx, POINT_AFTER_WRITE);
    }
    p->ended(ctx, run, thrown);
    if (p->killed(ctx))
        return run;
    if (thrown) {
        hold.failed = true;
        if (!release_on_error) { /* no finally block */
            p->keep_hold(ctx, &hold);
            return run;
        }
    }
    p->point(ctx, POINT_BEFORE_RELEASE);
    if (!p->killed(ctx)) {
        guard_release(g, p->env(ctx), &hold);
        p->released(ctx, run, &hold);
    }
    p->point(ctx, POINT_AFTER_RELEASE);
    return run;
}

#endif
