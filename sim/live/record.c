/*
 * The recorder: every trigger, skip, start and end of a live run goes
 * through here, under one lock, and is timestamped inside that lock on
 * CLOCK_MONOTONIC. The checker therefore sees events in the order they
 * happened and with non-decreasing times, exactly as in the simulator.
 * Runs in other processes arrive through remote.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "live_impl.h"

static const char *node_name(struct live *lv, int node)
{
    return node >= 0 && node < lv->model->nnodes ? lv->model->node[node].name : NULL;
}

/* Under rec. */
void live__trace_locked(struct live *lv, sim_time at, int node, uint64_t run, const char *kind,
                        const char *detail)
{
    if (lv->opt->trace)
        trace_event(lv->opt->trace, at, node_name(lv, node), run, kind, detail);
}

void live_trace(struct live *lv, int node, uint64_t run, const char *kind, const char *detail)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->closed)
        live__trace_locked(lv, live_now(lv), node, run, kind, detail);
    pthread_mutex_unlock(&lv->rec);
}

void live_trace_clock(struct live *lv, int node, sim_time offset)
{
    if (!lv->opt->trace)
        return;
    char d[96], t[TIME_FMT_LEN];
    snprintf(d, sizeof(d), "%soffset=%s%s", node < 0 ? "database " : "", offset >= 0 ? "+" : "",
             time_format(offset, t));
    pthread_mutex_lock(&lv->rec);
    sim_time now = live_now(lv);
    if (!lv->closed) /* the clocks as the run starts: before it, time 0 */
        live__trace_locked(lv, now > 0 ? now : 0, node, 0, "clock", d);
    pthread_mutex_unlock(&lv->rec);
}

/*
 * The grant with the true time it holds until (the clock that wrote it, the
 * database's or, for a client-clock lease, the node's, less its offset);
 * the release without one, as the statement that shortened or deleted it
 * returns no row. In-process guards call it through live_trace_lease, the
 * worker processes' guards through their LIVE_EV_LEASE events. Under rec.
 */
void live__lease_locked(struct live *lv, sim_time at, int node, uint64_t run, const char *guard,
                        sim_time until, bool grant)
{
    if (!lv->opt->trace || lv->closed || (grant && until <= 0))
        return;
    char d[160], u[TIME_FMT_LEN];
    if (!grant) {
        snprintf(d, sizeof(d), "release %s", guard);
        live__trace_locked(lv, at, node, run, "lease", d);
        return;
    }
    bool client = strcmp(guard, "lease-local") == 0;
    sim_time node_skew = lv->remote && lv->workers ? lv->workers[node].skew : lv->opt->skew;
    until -= client ? node_skew : live_db_clock_offset(lv);
    snprintf(d, sizeof(d), "grant %s lease_until=%s (by %s clock)", guard,
             time_format(until > 0 ? until : 0, u), client ? "the node's" : "the database");
    live__trace_locked(lv, at, node, 0, "lease", d);
}

void live_trace_lease(struct live *lv, int node, uint64_t run, const char *guard, sim_time until,
                      bool grant)
{
    pthread_mutex_lock(&lv->rec);
    live__lease_locked(lv, live_now(lv), node, run, guard, until, grant);
    pthread_mutex_unlock(&lv->rec);
}

/* Is a record at now still inside the run? Under rec. */
bool live__open_at(struct live *lv, sim_time now)
{
    return !lv->closed && now < lv->end;
}

struct live_trigger live_trigger_new(struct live *lv, int node, sim_time at, bool manual)
{
    struct live_trigger t = {.at = at, .manual = manual, .node = node};
    pthread_mutex_lock(&lv->rec);
    t.id = ++lv->next_trigger;
    t.w = workload_draw(&lv->model->node[node].cfg, &lv->rng_job);
    workload_explicit(lv->model, t.id, &lv->next_explicit, &t.w);
    if (!lv->closed) {
        checker_trigger(&lv->chk, manual);
        if (lv->opt->trace) { /* rows in the order things happened: now, not when due */
            char d[64];
            snprintf(d, sizeof(d), "#%" PRIu64 "%s", t.id, manual ? " manual" : "");
            live__trace_locked(lv, live_now(lv), node, 0, "trigger", d);
        }
    }
    pthread_mutex_unlock(&lv->rec);
    return t;
}

/* Under rec. */
void live__skip_locked(struct live *lv, int node, uint64_t trigger, bool error, sim_time now)
{
    if (lv->closed)
        return;
    if (error)
        checker_guard_error(&lv->chk);
    checker_skip(&lv->chk);
    if (lv->opt->trace) {
        char d[64];
        snprintf(d, sizeof(d), "#%" PRIu64 "%s", trigger, error ? " guard error" : "");
        live__trace_locked(lv, now < lv->end ? now : lv->end, node, 0, "skip", d);
    }
}

void live_record_skip(struct live *lv, int node, uint64_t trigger, bool error)
{
    pthread_mutex_lock(&lv->rec);
    live__skip_locked(lv, node, trigger, error, live_now(lv));
    pthread_mutex_unlock(&lv->rec);
}

void live_record_coalesce(struct live *lv, int node)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->closed) {
        checker_coalesce(&lv->chk);
        live__trace_locked(lv, live_now(lv), node, 0, "coalesce", "tick dropped: channel full");
    }
    pthread_mutex_unlock(&lv->rec);
}

/* The API phase of a run starting at now: slowed by an api-slow fault then. Under rec. */
static sim_time api_at(struct live *lv, sim_time now, sim_time api, bool *slowed)
{
    const struct model *m = lv->model;
    *slowed = false;
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *f = &m->fault[i];
        if (f->kind == FAULT_API_SLOW && now >= f->at && now < f->at + f->dur) {
            *slowed = true;
            return dist_sample(&f->latency, &lv->rng_fault);
        }
    }
    return api;
}

sim_time live_job_length(struct live *lv, const struct live_trigger *t)
{
    bool slowed;
    pthread_mutex_lock(&lv->rec);
    sim_time api = api_at(lv, t->at, t->w.api, &slowed);
    pthread_mutex_unlock(&lv->rec);
    return api + t->w.db;
}

/* Under rec. Returns the run id, 0 if the run is over. */
uint64_t live__start_locked(struct live *lv, int node, sim_time trigger_at, sim_time now)
{
    if (!live__open_at(lv, now))
        return 0;
    uint64_t run = ++lv->next_run;
    if (checker_start(&lv->chk, now, run, node, trigger_at) != 0) {
        lv->closed = true; /* out of memory: no more records */
        return 0;
    }
    return run;
}

bool live_record_start(struct live *lv, const struct live_trigger *t, uint64_t *run,
                       sim_time *started, sim_time *api)
{
    bool slowed;
    pthread_mutex_lock(&lv->rec);
    sim_time now = live_now(lv);
    *run = live__start_locked(lv, t->node, t->at, now);
    *started = now;
    *api = api_at(lv, now, t->w.api, &slowed);
    if (*run && lv->opt->trace) {
        char d[128], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
        snprintf(d, sizeof(d), "#%" PRIu64 " api=%s db=%s%s", t->id, time_format(*api, t1),
                 time_format(t->w.db, t2), slowed ? " (api slowed)" : "");
        live__trace_locked(lv, now, t->node, *run, "start", d);
    }
    pthread_mutex_unlock(&lv->rec);
    return *run != 0;
}

/* Under rec. threw: the job failed (job_errors). */
static void end_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now,
                       bool threw)
{
    if (!live__open_at(lv, now))
        return; /* past the end: the run counts as unfinished */
    checker_end(&lv->chk, now, run, started);
    if (threw)
        lv->m->job_errors++;
    live__trace_locked(lv, now, node, run, "end", threw ? "threw" : NULL);
}

void live__end_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now)
{
    end_locked(lv, node, run, started, now, false);
}

void live__threw_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now)
{
    end_locked(lv, node, run, started, now, true);
}

void live_record_end(struct live *lv, int node, uint64_t run, sim_time started, bool threw)
{
    pthread_mutex_lock(&lv->rec);
    end_locked(lv, node, run, started, live_now(lv), threw);
    pthread_mutex_unlock(&lv->rec);
}

/* Under rec. As the simulator's sim_sink_write: the checker counts stale and refused writes. */
void live__write_locked(struct live *lv, int node, uint64_t run, bool rejected, sim_time now)
{
    if (!live__open_at(lv, now))
        return;
    checker_write(&lv->chk, run, rejected);
    if (rejected)
        live__trace_locked(lv, now, node, run, "write", "rejected: a newer fencing token was seen");
}

void live_record_write(struct live *lv, int node, uint64_t run, bool rejected)
{
    pthread_mutex_lock(&lv->rec);
    live__write_locked(lv, node, run, rejected, live_now(lv));
    pthread_mutex_unlock(&lv->rec);
}

void live_record_close(struct live *lv)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->finished) {
        sim_time now = live_now(lv);
        lv->finished = lv->closed = true;
        checker_finish(&lv->chk, now < lv->end ? now : lv->end);
    }
    pthread_mutex_unlock(&lv->rec);
}
