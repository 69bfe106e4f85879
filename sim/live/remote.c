/*
 * Runs in other processes: the triggers handed to workers until they are
 * done, the runs their probes and guards report, and the event socket
 * they report on (see events.h). A thread receives the datagrams in the
 * order they were sent and hands each to the recorder (record.c), matched
 * to its trigger; a command that exits, or a node that crashes, closes
 * whatever it left open.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/mem.h"
#include "live_impl.h"
#include "sys/proc.h"

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
        lv->flight[lv->nflight++] = (struct live_flight){t->id, t->at, t->node, 0, 0};
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

/* Closes run i (its process is gone or said so; threw: the job failed). Under rec. */
static void run_close_as(struct live *lv, int i, sim_time now, bool threw)
{
    struct live_remote_run *r = &lv->runs[i];
    if (threw)
        live__threw_locked(lv, r->node, r->run, r->started, now);
    else
        live__end_locked(lv, r->node, r->run, r->started, now);
    lv->runs[i] = lv->runs[--lv->nruns];
}

static void run_close(struct live *lv, int i, sim_time now)
{
    run_close_as(lv, i, now, false);
}

/* The open run of m's trigger in m's process, or -1. Under rec. */
static int run_of(const struct live *lv, const struct live_msg *m)
{
    for (int i = 0; i < lv->nruns; i++)
        if (lv->runs[i].pid == m->pid && lv->runs[i].trigger == m->trigger)
            return i;
    return -1;
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
        live__skip_locked(lv, f->node, f->id, false, now);
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
    uint64_t run = live__start_locked(lv, node, f ? f->at : now, now);
    if (!run)
        return;
    if (f) {
        f->starts++;
        f->run = run;
    }
    if (grow((void **)&lv->runs, &lv->runs_cap, lv->nruns, sizeof(*lv->runs)) != 0) {
        lv->closed = true;
        return;
    }
    lv->runs[lv->nruns++] = (struct live_remote_run){m->pid, m->trigger, run, now, node};
    if (lv->opt->trace) {
        char d[64];
        snprintf(d, sizeof(d), "#%" PRIu64 " pid %d", m->trigger, m->pid);
        live__trace_locked(lv, now, node, run, "start", d);
    }
}

static void on_end(struct live *lv, const struct live_msg *m, sim_time now)
{
    int i = run_of(lv, m);
    if (i >= 0)
        run_close_as(lv, i, now, m->value != 0);
}

static void on_write(struct live *lv, const struct live_msg *m, sim_time now)
{
    int i = run_of(lv, m);
    if (i >= 0)
        live__write_locked(lv, lv->runs[i].node, lv->runs[i].run, m->value != 0, now);
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
    case LIVE_EV_WRITE:
        on_write(lv, m, now);
        break;
    case LIVE_EV_POINT: /* answered by the receiver (on_point) */
        break;
    case LIVE_EV_EXPORT:
        live__export_count_locked(lv, m->value);
        break;
    case LIVE_EV_SKIP:
    case LIVE_EV_ERROR:
        if ((f = flight_find(lv, m->trigger)))
            f->starts = -1; /* counted here, not again when done */
        live__skip_locked(lv, f ? f->node : 0, m->trigger, m->kind == LIVE_EV_ERROR, now);
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
        for (int i = 0; i < lv->nruns;)
            if (lv->runs[i].node == node) {
                if (!lv->closed) /* kill -9: the run ends where it was */
                    lv->m->runs_killed++;
                run_close(lv, i, now);
            } else {
                i++;
            }
        for (int i = 0; i < lv->nflight;)
            if (lv->flight[i].node == node)
                flight_close(lv, &lv->flight[i], now);
            else
                i++;
        break;
    case LIVE_EV_DB:
        live__db_note_locked(lv, m->value);
        break;
    case LIVE_EV_LEASE: /* a grant comes before its run's start, a release after its end */
        f = flight_find(lv, m->trigger);
        live__lease_locked(lv, now, f ? f->node : 0, m->value > 0 || !f ? 0 : f->run,
                           lv->opt->guard->name, m->value, m->value > 0);
        break;
    case LIVE_EV_QUIT:
    case LIVE_EV_COUNT:
        pthread_mutex_unlock(&lv->rec);
        return false;
    }
    pthread_mutex_unlock(&lv->rec);
    if (cmd_failed) {
        int st = WEXITSTATUS((int)m->value);
        if (lv->opt->cmd)
            live_fail(lv, -LIVE_ECMD, "--cmd '%s' cannot start: %s (exit status %d)", lv->opt->cmd,
                      st == 126 ? "not executable" : "command not found", st);
        else
            live_fail(lv, -LIVE_EWORKER, "a job process cannot start (exit status %d)", st);
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

/*
 * A run reached a fault point and waits for the answer: the faults placed
 * there act (a pause or a crash stops or kills the asker before it hears
 * back), then the answer goes to the address it asked from.
 */
static void on_point(struct live *lv, const struct live_msg *m, const struct sockaddr_un *from,
                     socklen_t fromlen)
{
    pthread_mutex_lock(&lv->rec);
    struct live_flight *f = flight_find(lv, m->trigger);
    int node = f ? f->node : 0;
    uint64_t run = f ? f->run : 0;
    pthread_mutex_unlock(&lv->rec);
    long flags = 0;
    if (m->value >= 0 && m->value < POINT_COUNT)
        flags = live_point(lv, node, m->trigger, run, (enum fault_point_id)m->value);
    /* a pause there: the asker must not run on before SIGSTOP takes it (it hears back after) */
    if (lv->remote && lv->workers[node].paused)
        proc_wait_stopped(m->pid, 1000);
    live_msg_answer(lv->evfd, from, fromlen, flags);
}

static void *receiver_main(void *arg)
{
    struct live *lv = arg;
    char buf[LIVE_MSG_MAX + 1];
    for (;;) {
        struct sockaddr_un from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(lv->evfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* an error, or shut down (live_events_stop) */
            break;
        struct live_msg m;
        if (live_msg_parse(buf, (int)n, &m) != 0)
            continue;
        if (m.kind == LIVE_EV_POINT)
            on_point(lv, &m, &from, fromlen);
        else if (!on_msg(lv, &m))
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
        if (live_msg_send(lv->evpath, &q) != 0) /* its file is gone: wake it all the same */
            shutdown(lv->evfd, SHUT_RDWR);
        pthread_join(lv->receiver, NULL);
        lv->have_receiver = false;
    }
    if (lv->evfd >= 0)
        close(lv->evfd);
    lv->evfd = -1;
}
