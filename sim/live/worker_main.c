/*
 * `overlapsim worker`, the worker's side (the harness's is worker.c). It
 * waits on its control socket (fd 3) for triggers; on "go" it starts every
 * trigger received since the last "go" at once — the user's commands held
 * at a pipe gate until all are forked, or the guard's runs on threads held
 * at a condition — so racing starts really race. It reports each run's
 * start and end (or the guard's refusal, or the command's exit) on the
 * event socket. Under libfaketime its wall clock, and so env_clock_now, is
 * skewed; its sleeps and the harness's timestamps are not.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/env_live.h"
#include "../../guards/guard.h"
#include "../base/mem.h"
#include "sys/events.h"
#include "live.h"
#include "pgenv.h"
#include "sys/proc.h"

#define CTL 3

struct wk_kid {
    pid_t pid;
    uint64_t trigger;
};

struct wk {
    const struct live_worker_args *a;
    struct env_live env; /* the template each run copies */
    struct guard *guard;
    struct pgenv *db; /* database guards: the pool behind env.db */
    struct live_order *pending;
    int npending, pending_cap;
    struct wk_kid *kids;
    int nkids, kids_cap;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint64_t batch, released;
    char params[1024]; /* the guard's, as received, for `worker --once` */
    bool exports;
    struct export_config xp; /* the export's knobs, when exports */
    char xp_text[256];       /* as received, for `worker --once` */
};

struct wk_job {
    struct wk *k;
    struct live_order r;
    uint64_t gate;
};

static void report(struct wk *k, enum live_ev kind, uint64_t trigger, long value)
{
    struct live_msg m = {.kind = kind, .trigger = trigger, .pid = (int)getpid(), .value = value};
    live_msg_send(k->a->events, &m);
}

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

/* --- the guard's runs, on threads --- */

static void *job_main(void *arg)
{
    struct wk_job *j = arg;
    struct wk *k = j->k;
    pthread_mutex_lock(&k->mu);
    while (k->released < j->gate)
        pthread_cond_wait(&k->cond, &k->mu);
    pthread_mutex_unlock(&k->mu);

    struct env_live e = k->env;
    struct guard_hold kept; /* no finally: held until the process ends, as the simulator's */
    live_job_remote(&e, k->guard, k->a->node, &j->r, k->exports ? &k->xp : NULL, k->a->events,
                    &kept);
    report(k, LIVE_EV_DONE, j->r.o.id, 0);
    mem_free(j);
    return NULL;
}

static void launch_threads(struct wk *k)
{
    pthread_mutex_lock(&k->mu);
    uint64_t gate = ++k->batch;
    pthread_mutex_unlock(&k->mu);
    for (int i = 0; i < k->npending; i++) {
        struct wk_job *j = mem_alloc(sizeof(*j));
        pthread_t th;
        pthread_attr_t attr;
        if (!j) {
            report(k, LIVE_EV_ERROR, k->pending[i].o.id, -ENOMEM);
            report(k, LIVE_EV_DONE, k->pending[i].o.id, 0);
            continue;
        }
        *j = (struct wk_job){k, k->pending[i], gate};
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 512 * 1024);
        if (pthread_create(&th, &attr, job_main, j) != 0) {
            mem_free(j);
            report(k, LIVE_EV_ERROR, k->pending[i].o.id, -EAGAIN);
            report(k, LIVE_EV_DONE, k->pending[i].o.id, 0);
        }
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_lock(&k->mu);
    k->released = gate;
    pthread_cond_broadcast(&k->cond);
    pthread_mutex_unlock(&k->mu);
}

/* --- a process per run: the user's command, or `worker --once` (cron) --- */

/*
 * Racing firings must meet at the guard, not in exec: a `worker --once`
 * process says it is ready on the batch's socket (its fd 3) and waits for
 * the worker to close its end, which it does once all are ready (or after
 * BARRIER_MS, should one die on the way).
 */
#define BARRIER_MS 2000

static void barrier_release(int fd, int n)
{
    char buf[64];
    for (int got = 0; got < n;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, BARRIER_MS) <= 0)
            break;
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r <= 0)
            break;
        got += (int)r;
    }
    close(fd); /* everyone goes now */
}

static void launch_processes(struct wk *k)
{
    int g[2], b[2] = {-1, -1};
    if (pipe2(g, O_CLOEXEC) != 0)
        g[0] = g[1] = -1;
    if (!k->a->cmd && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) != 0)
        b[0] = b[1] = -1;
    const char *self = getenv(LIVE_ENV_BIN);
    char speed[32], epoch[32], node[16], run[160];
    snprintf(speed, sizeof(speed), "%.17g", k->a->speed);
    snprintf(epoch, sizeof(epoch), "%" PRId64, k->env.epoch);
    snprintf(node, sizeof(node), "%d", k->a->node);
    const char *sh[] = {"sh", "-c", k->a->cmd, NULL};
    char db[600] = ""; /* a database guard's client, its clock as it is now */
    if (k->db && pgenv_config_now(k->db, db, sizeof(db)) < 0)
        db[0] = 0;
    const char *once[24] = {self,       "worker",     "--once",    "--node",   node,
                            "--events", k->a->events, "--speed",   speed,      "--dir",
                            k->a->dir,  "--guard",    k->a->guard, "--params", k->params,
                            "--epoch",  epoch,        "--run",     run,        "--barrier"};
    int nonce = 20;
    if (db[0])
        once[nonce++] = "--db", once[nonce++] = db;
    if (k->exports)
        once[nonce++] = "--export", once[nonce++] = k->xp_text;
    once[nonce] = NULL;
    for (int i = 0; i < k->npending; i++) {
        const struct live_order *r = &k->pending[i];
        char trig[64], job[64 + TIME_FMT_LEN], t[TIME_FMT_LEN];
        snprintf(trig, sizeof(trig), LIVE_ENV_TRIGGER "=%" PRIu64, r->o.id);
        snprintf(job, sizeof(job), LIVE_ENV_JOB "=%s", time_format(r->o.api + r->o.db, t));
        live_order_format(r, run, sizeof(run));
        const char *set[] = {trig, job};
        char **env = proc_env_new(set, 2);
        struct proc_spec s = {.path = k->a->cmd ? "/bin/sh" : self,
                              .argv = k->a->cmd ? sh : once,
                              .envp = env,
                              .gate = k->a->cmd ? g[0] : -1,
                              .gate_w = k->a->cmd ? g[1] : -1,
                              .fd3 = b[1],
                              .devnull_in = true};
        pid_t pid = env ? proc_start(&s) : -ENOMEM;
        proc_env_free(env);
        if (pid < 0 || grow((void **)&k->kids, &k->kids_cap, k->nkids, sizeof(*k->kids)) != 0) {
            fprintf(stderr, "overlapsim worker: cannot start the command: %s\n",
                    strerror(pid < 0 ? (int)-pid : ENOMEM));
            report(k, LIVE_EV_EXIT, r->o.id, 127 << 8);
            continue;
        }
        k->kids[k->nkids++] = (struct wk_kid){pid, r->o.id};
    }
    if (g[0] >= 0)
        close(g[0]), close(g[1]); /* the gate opens: all of them go now */
    if (b[0] >= 0) {
        close(b[1]);
        barrier_release(b[0], k->npending);
    }
}

static void reap(struct wk *k)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < k->nkids; i++) {
            if (k->kids[i].pid == pid) {
                report(k, LIVE_EV_EXIT, k->kids[i].trigger, st);
                k->kids[i] = k->kids[--k->nkids];
                break;
            }
        }
    }
}

/* --- control messages --- */

static int on_params(struct wk *k, const char *hex)
{
    struct guard_params gp;
    if (live_params_decode(hex, &gp) != 0 || strlen(hex) >= sizeof(k->params))
        return -EPROTO;
    const struct guard_ops *ops = guard_lookup(k->a->guard);
    if (!ops)
        return -ENOENT;
    snprintf(k->params, sizeof(k->params), "%s", hex); /* for the runs it forks */
    guard_destroy(k->guard);
    k->guard = guard_new(ops, &gp);
    return k->guard ? 0 : -ENOMEM;
}

/* Handles one message: 1 to go on, 0 to quit, negative on error. */
static int on_ctl(struct wk *k, char *msg)
{
    struct live_order r;
    long long epoch;
    if (strncmp(msg, "run ", 4) == 0) {
        if (live_order_parse(msg + 4, &r) != 0)
            return -EPROTO;
        if (grow((void **)&k->pending, &k->pending_cap, k->npending, sizeof(r)) != 0)
            return -ENOMEM;
        k->pending[k->npending++] = r;
    } else if (strcmp(msg, "go") == 0) {
        if (k->a->cmd || (k->a->fork_runs && k->guard && getenv(LIVE_ENV_BIN)))
            launch_processes(k);
        else if (k->guard)
            launch_threads(k);
        else
            return -EPROTO;
        k->npending = 0;
    } else if (sscanf(msg, "epoch %lld", &epoch) == 1) {
        k->env.epoch = epoch;
    } else if (strncmp(msg, "params ", 7) == 0) {
        return on_params(k, msg + 7) == 0 ? 1 : -EPROTO;
    } else if (strcmp(msg, "clock") == 0) {
        char reply[64];
        int n = snprintf(reply, sizeof(reply), "clock %" PRId64, env_clock_now(&k->env.env));
        send(CTL, reply, (size_t)n, MSG_NOSIGNAL);
    } else if (strncmp(msg, "db ", 3) == 0) {
        char reply[512];
        int rc = pgenv_worker_ctl(&k->db, &k->env, k->a, msg + 3, reply, sizeof(reply));
        if (rc > 0)
            send(CTL, reply, strlen(reply), MSG_NOSIGNAL);
        return rc < 0 ? rc : 1;
    } else if (strncmp(msg, "export ", 7) == 0) {
        if (live_export_parse(msg + 7, &k->xp) != 0 || strlen(msg + 7) >= sizeof(k->xp_text))
            return -EPROTO;
        snprintf(k->xp_text, sizeof(k->xp_text), "%s", msg + 7);
        k->exports = true;
    } else if (strcmp(msg, "quit") == 0) {
        return 0;
    } else {
        return -EPROTO;
    }
    return 1;
}

/* Is libfaketime mapped into this process? */
static bool faked(void)
{
    char line[512];
    bool yes = false;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && !yes && fgets(line, sizeof(line), f))
        yes = strstr(line, "libfaketime") != NULL;
    if (f)
        fclose(f);
    return yes;
}

int live_worker_serve(const struct live_worker_args *a)
{
    int type = 0;
    socklen_t tl = sizeof(type);
    if (getsockopt(CTL, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_SEQPACKET)
        return -LIVE_EWORKER;
    fcntl(CTL, F_SETFD, FD_CLOEXEC);  /* the user's commands must not hold it */
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the harness is gone: so are we */

    struct wk k = {.a = a};
    env_live_init(&k.env, a->speed, 0);
    env_live_latencies(&k.env);
    pthread_mutex_init(&k.mu, NULL);
    pthread_cond_init(&k.cond, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC);

    char msg[1024]; /* "params" carries struct guard_params in hex */
    const char *shared = getenv("FAKETIME_SHARED");
    int n = snprintf(msg, sizeof(msg), "hello %d %d %s", (int)getpid(), faked(),
                     shared && *shared ? shared : "-");
    int rc = send(CTL, msg, (size_t)n, MSG_NOSIGNAL) < 0 ? -errno : 1;
    while (rc > 0) {
        struct pollfd p[2] = {{CTL, POLLIN, 0}, {sfd, POLLIN, 0}};
        if (poll(p, sfd >= 0 ? 2 : 1, sfd >= 0 ? -1 : 100) < 0) {
            if (errno != EINTR)
                rc = -errno;
            continue;
        }
        if (sfd < 0 || (p[1].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (sfd >= 0)
                (void)!read(sfd, &si, sizeof(si));
            reap(&k);
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(CTL, msg, sizeof(msg) - 1, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) { /* the harness went away */
                rc = 0;
                break;
            }
            msg[r] = 0;
            rc = on_ctl(&k, msg);
        }
    }
    guard_destroy(k.guard);
    pgenv_free(k.db);
    mem_free(k.pending);
    mem_free(k.kids);
    if (sfd >= 0)
        close(sfd);
    return rc < 0 ? rc : 0;
}
