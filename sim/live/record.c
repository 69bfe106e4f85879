/*
 * The recorder: every trigger, skip, start and end of a live run goes
 * through here, under one lock, and is timestamped inside that lock on
 * CLOCK_MONOTONIC. The checker therefore sees events in the order they
 * happened and with non-decreasing times, exactly as in the simulator.
 * Runs in other processes arrive as datagrams on the event socket (see
 * events.h) and are matched to their trigger here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mem.h"
#include "live_impl.h"

static const char *node_name(struct live *lv, int node)
{
    return node >= 0 && node < lv->model->nnodes ? lv->model->node[node].name : NULL;
}

/* Under rec. */
static void trace_locked(struct live *lv, sim_time at, int node, uint64_t run, const char *kind,
                         const char *detail)
{
    if (lv->opt->trace)
        trace_event(lv->opt->trace, at, node_name(lv, node), run, kind, detail);
}

void live_trace(struct live *lv, int node, uint64_t run, const char *kind, const char *detail)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->closed)
        trace_locked(lv, live_now(lv), node, run, kind, detail);
    pthread_mutex_unlock(&lv->rec);
}

/* Is a record at now still inside the run? Under rec. */
static bool open_at(struct live *lv, sim_time now)
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
            trace_locked(lv, live_now(lv), node, 0, "trigger", d);
        }
    }
    pthread_mutex_unlock(&lv->rec);
    return t;
}

/* Under rec. */
static void skip_locked(struct live *lv, int node, uint64_t trigger, bool error, sim_time now)
{
    if (lv->closed)
        return;
    if (error)
        checker_guard_error(&lv->chk);
    checker_skip(&lv->chk);
    if (lv->opt->trace) {
        char d[64];
        snprintf(d, sizeof(d), "#%" PRIu64 "%s", trigger, error ? " guard error" : "");
        trace_locked(lv, now < lv->end ? now : lv->end, node, 0, "skip", d);
    }
}

void live_record_skip(struct live *lv, int node, uint64_t trigger, bool error)
{
    pthread_mutex_lock(&lv->rec);
    skip_locked(lv, node, trigger, error, live_now(lv));
    pthread_mutex_unlock(&lv->rec);
}

void live_record_coalesce(struct live *lv, int node)
{
    pthread_mutex_lock(&lv->rec);
    if (!lv->closed) {
        checker_coalesce(&lv->chk);
        trace_locked(lv, live_now(lv), node, 0, "coalesce", "tick dropped: channel full");
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
static uint64_t start_locked(struct live *lv, int node, sim_time trigger_at, sim_time now)
{
    if (!open_at(lv, now))
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
    *run = start_locked(lv, t->node, t->at, now);
    *started = now;
    *api = api_at(lv, now, t->w.api, &slowed);
    if (*run && lv->opt->trace) {
        char d[128], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
        snprintf(d, sizeof(d), "#%" PRIu64 " api=%s db=%s%s", t->id, time_format(*api, t1),
                 time_format(t->w.db, t2), slowed ? " (api slowed)" : "");
        trace_locked(lv, now, t->node, *run, "start", d);
    }
    pthread_mutex_unlock(&lv->rec);
    return *run != 0;
}

/* Under rec. */
static void end_locked(struct live *lv, int node, uint64_t run, sim_time started, sim_time now)
{
    if (!open_at(lv, now))
        return; /* past the end: the run counts as unfinished */
    checker_end(&lv->chk, now, run, started);
    trace_locked(lv, now, node, run, "end", NULL);
}

void live_record_end(struct live *lv, int node, uint64_t run, sim_time started)
{
    pthread_mutex_lock(&lv->rec);
    end_locked(lv, node, run, started, live_now(lv));
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

/* --- triggers and runs in other processes --- */

static int grow(void **p, int *cap, int n, size_t size)
{
    if (n < *cap)
        return 0;
    int c = *cap ? 2 * *cap : 16;
    void *q = mem_realloc(*p, (size_t)c * size);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

int live_flight_add(struct live *lv, const struct live_trigger *t)
{
    pthread_mutex_lock(&lv->rec);
    int rc = grow((void **)&lv->flight, &lv->flight_cap, lv->nflight, sizeof(*lv->flight));
    if (!rc)
        lv->flight[lv->nflight++] = (struct live_flight){t->id, t->at, t->node, 0};
    pthread_mutex_unlock(&lv->rec);
    return rc;
}

static struct live_flight *flight_find(struct live *lv, uint64_t id)
{
    for (int i = 0; i < lv->nflight; i++)
        if (lv->flight[i].id == id)
            return &lv->flight[i];
    return NULL;
}

bool live_flight_pending(struct live *lv, uint64_t id)
{
    pthread_mutex_lock(&lv->rec);
    bool p = flight_find(lv, id) != NULL;
    pthread_mutex_unlock(&lv->rec);
    return p;
}

/* A trigger is done: lets a loop waiting for it (live_flight_pending) go on. */
static void completed(struct live *lv)
{
    pthread_mutex_lock(&lv->mu);
    pthread_cond_broadcast(&lv->cond);
    pthread_mutex_unlock(&lv->mu);
}

/* Closes run i (its process is gone or said so). Under rec. */
static void run_close(struct live *lv, int i, sim_time now)
{
    struct live_remote_run *r = &lv->runs[i];
    end_locked(lv, r->node, r->run, r->started, now);
    lv->runs[i] = lv->runs[--lv->nruns];
}

/* A trigger is over: close what it left open, count a skip if it never ran. Under rec. */
static void flight_close(struct live *lv, struct live_flight *f, sim_time now)
{
    for (int i = 0; i < lv->nruns;)
        if (lv->runs[i].trigger == f->id)
            run_close(lv, i, now);
        else
            i++;
    if (f->starts == 0)
        skip_locked(lv, f->node, f->id, false, now);
    *f = lv->flight[--lv->nflight];
}

void live_flight_drop(struct live *lv, uint64_t id)
{
    pthread_mutex_lock(&lv->rec);
    struct live_flight *f = flight_find(lv, id);
    if (f)
        flight_close(lv, f, live_now(lv));
    pthread_mutex_unlock(&lv->rec);
    completed(lv);
}

static void on_start(struct live *lv, const struct live_msg *m, sim_time now)
{
    struct live_flight *f = flight_find(lv, m->trigger);
    int node = f ? f->node : 0;
    uint64_t run = start_locked(lv, node, f ? f->at : now, now);
    if (!run)
        return;
    if (f)
        f->starts++;
    if (grow((void **)&lv->runs, &lv->runs_cap, lv->nruns, sizeof(*lv->runs)) != 0) {
        lv->closed = true;
        return;
    }
    lv->runs[lv->nruns++] = (struct live_remote_run){m->pid, m->trigger, run, now, node};
    if (lv->opt->trace) {
        char d[64];
        snprintf(d, sizeof(d), "#%" PRIu64 " pid %d", m->trigger, m->pid);
        trace_locked(lv, now, node, run, "start", d);
    }
}

static void on_end(struct live *lv, const struct live_msg *m, sim_time now)
{
    for (int i = 0; i < lv->nruns; i++) {
        if (lv->runs[i].pid == m->pid && lv->runs[i].trigger == m->trigger) {
            run_close(lv, i, now);
            return;
        }
    }
}

/* The trigger's command exited: a status of 126 or 127 before any run means it cannot start. */
static bool on_exit_status(struct live *lv, const struct live_msg *m, int *node)
{
    struct live_flight *f = flight_find(lv, m->trigger);
    int st = (int)m->value;
    if (!f)
        return true;
    *node = f->node;
    if (f->starts == 0 && WIFEXITED(st) && (WEXITSTATUS(st) == 126 || WEXITSTATUS(st) == 127)) {
        *f = lv->flight[--lv->nflight];
        return false;
    }
    flight_close(lv, f, live_now(lv));
    return true;
}

/* Handles one message; false on quit. */
static bool on_msg(struct live *lv, const struct live_msg *m)
{
    int node = -1;
    bool cmd_failed = false;
    pthread_mutex_lock(&lv->rec);
    sim_time now = live_now(lv);
    struct live_flight *f;
    switch (m->kind) {
    case LIVE_EV_START:
        on_start(lv, m, now);
        break;
    case LIVE_EV_END:
        on_end(lv, m, now);
        break;
    case LIVE_EV_SKIP:
    case LIVE_EV_ERROR:
        if ((f = flight_find(lv, m->trigger)))
            f->starts = -1; /* counted here, not again when done */
        skip_locked(lv, f ? f->node : 0, m->trigger, m->kind == LIVE_EV_ERROR, now);
        break;
    case LIVE_EV_DONE:
        if ((f = flight_find(lv, m->trigger))) {
            node = f->node;
            flight_close(lv, f, now);
        }
        break;
    case LIVE_EV_EXIT:
        cmd_failed = !on_exit_status(lv, m, &node);
        break;
    case LIVE_EV_CRASH: /* trigger is the node: everything it ran is over */
        node = (int)m->trigger;
        for (int i = 0; i < lv->nflight;)
            if (lv->flight[i].node == node)
                flight_close(lv, &lv->flight[i], now);
            else
                i++;
        for (int i = 0; i < lv->nruns;)
            if (lv->runs[i].node == node)
                run_close(lv, i, now);
            else
                i++;
        break;
    case LIVE_EV_QUIT:
    case LIVE_EV_COUNT:
        pthread_mutex_unlock(&lv->rec);
        return false;
    }
    pthread_mutex_unlock(&lv->rec);
    if (cmd_failed) {
        int st = WEXITSTATUS((int)m->value);
        live_fail(lv, -LIVE_ECMD, "--cmd '%s' cannot start: %s (exit status %d)", lv->opt->cmd,
                  st == 126 ? "not executable" : "command not found", st);
    }
    if (node >= 0)
        completed(lv);
    return true;
}

/* --- the event socket --- */

int live_events_open(struct live *lv)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(lv->evpath, sizeof(lv->evpath), "%s/events.sock", lv->dir);
    if (strlen(lv->evpath) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    strcpy(a.sun_path, lv->evpath);
    lv->evfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (lv->evfd < 0)
        return -errno;
    if (bind(lv->evfd, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -errno;
    return 0;
}

static void *receiver_main(void *arg)
{
    struct live *lv = arg;
    char buf[LIVE_MSG_MAX + 1];
    for (;;) {
        ssize_t n = recv(lv->evfd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        struct live_msg m;
        if (live_msg_parse(buf, (int)n, &m) == 0 && !on_msg(lv, &m))
            break;
    }
    return NULL;
}

int live_events_start(struct live *lv)
{
    int rc = pthread_create(&lv->receiver, NULL, receiver_main, lv);
    if (rc)
        return -rc;
    lv->have_receiver = true;
    return 0;
}

void live_events_stop(struct live *lv)
{
    if (lv->have_receiver) {
        struct live_msg q = {.kind = LIVE_EV_QUIT};
        live_msg_send(lv->evpath, &q);
        pthread_join(lv->receiver, NULL);
        lv->have_receiver = false;
    }
    if (lv->evfd >= 0)
        close(lv->evfd);
    lv->evfd = -1;
}
