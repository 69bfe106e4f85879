/*
 * Worker processes, the harness's side. A worker is `overlapsim worker`
 * (this same binary), fork/exec'd in a process group of its own: one per
 * node, its service process. It runs the guard and the job for the triggers
 * the harness sends it, or the user's command for `exec`, and reports runs
 * on the event socket. Its clock is skewed for real: libfaketime preloaded
 * by full path with FAKETIME in its environment, monotonic time left alone.
 *
 * Faults act on the whole group, so the commands a worker started share its
 * fate: kill -9 (a crash: no trap, no cleanup, stale files stay), SIGSTOP
 * and SIGCONT (a pause). A SIGKILLed process under libfaketime leaves its
 * shared memory objects in /dev/shm; we delete them by the names the worker
 * reported (FAKETIME_SHARED, which its children inherit and share).
 *
 * Control messages go over a SOCK_SEQPACKET socket pair (the worker's fd
 * 3): "epoch NS", "params HEX", "run ID AT JOB API DB MANUAL", "go",
 * "clock", "quit"; the worker answers "hello PID FAKED SHARED" and
 * "clock SIM".
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/mem.h"
#include "live_impl.h"
#include "sys/proc.h"

#define HELLO_TIMEOUT_MS 10000

static int ctl_send(struct live_worker *w, const char *msg)
{
    pthread_mutex_lock(&w->send);
    int rc = 0;
    if (w->pid <= 0 || w->ctl < 0)
        rc = -ESRCH;
    else
        while (send(w->ctl, msg, strlen(msg), MSG_NOSIGNAL) < 0)
            if (errno != EINTR) {
                rc = -errno;
                break;
            }
    pthread_mutex_unlock(&w->send);
    return rc;
}

/* Receives one control message within timeout_ms: its length, or negative. */
static int ctl_recv(int fd, char *buf, size_t len, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        return -ETIMEDOUT;
    ssize_t r;
    while ((r = recv(fd, buf, len - 1, 0)) < 0 && errno == EINTR)
        ;
    if (r <= 0)
        return r == 0 ? -EPIPE : -errno;
    buf[r] = 0;
    return (int)r;
}

const char *live_faketime_lib(void)
{
    const char *lib = getenv(LIVE_ENV_FAKETIME);
    return lib && *lib ? lib : LIVE_FAKETIME_LIB;
}

void live_faketime_cleanup(const char *shared)
{
    char sem[64], shm[64];
    /* "/faketime_sem_PID /faketime_shm_PID" */
    if (!shared || sscanf(shared, "%63s %63s", sem, shm) != 2)
        return;
    sem_unlink(sem);
    shm_unlink(shm);
}

/* "+1.250000": FAKETIME wants decimal seconds ("ms" would read as minutes). */
static void faketime_offset(sim_time skew, double speed, char *buf, size_t len)
{
    int64_t real = env_live_real(skew < 0 ? -skew : skew, speed);
    snprintf(buf, len, "%c%" PRId64 ".%06" PRId64, skew < 0 ? '-' : '+', real / 1000000000,
             real % 1000000000 / 1000);
}

/*
 * kill -9 of the worker's whole group, until the group is empty: a process
 * being forked while the first kill goes out can miss it, so kill again
 * until nothing answers, reaping the members we adopted as subreaper
 * (waitpid on -pgid reaps only them). A process that left the group
 * (setsid) is beyond reach.
 */
static void kill_group_of(struct live_worker *w, bool reaped)
{
    if (w->pid <= 0)
        return;
    kill(-w->pid, SIGKILL);
    if (!reaped) {
        kill(w->pid, SIGKILL); /* in case it had not yet made its group */
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (int i = 0; i < 400 && (kill(-w->pid, SIGKILL) == 0 || errno != ESRCH); i++) {
        while (waitpid(-w->pid, NULL, WNOHANG) > 0)
            ;
        usleep(5000);
    }
    live_faketime_cleanup(w->shm);
    w->shm[0] = 0;
    if (w->ctl >= 0)
        close(w->ctl);
    w->ctl = -1;
    w->pid = 0;
    w->paused = false;
}

static void kill_group(struct live_worker *w)
{
    kill_group_of(w, false);
}

static void kill_locked(struct live_worker *w)
{
    pthread_mutex_lock(&w->send);
    kill_group(w);
    pthread_mutex_unlock(&w->send);
}

static int worker_fail(struct live_worker *w, int rc, const char *what)
{
    struct live *lv = w->lv;
    if (rc == -LIVE_EFAKETIME)
        live_fail(lv, rc,
                  "libfaketime %s (%s): install faketime and libfaketime "
                  "(scripts/setup.sh --live), or run without clock skew",
                  what, live_faketime_lib());
    else
        live_fail(lv, rc, "worker %d %s (see %s/worker-%d.log with --keep)", w->node, what, lv->dir,
                  w->node);
    return rc;
}

/* The environment of a worker: ours plus the run's variables, and libfaketime for a skew. */
static char **worker_env(struct live_worker *w)
{
    struct live *lv = w->lv;
    const struct live_opts *o = lv->opt;
    char v[16][PATH_MAX + 128];
    const char *set[16];
    int n = 0;
    const char *path = getenv("PATH");
    int dirlen = (int)(strrchr(o->self, '/') - o->self);
    snprintf(v[n++], sizeof(v[0]), LIVE_ENV_EVENTS "=%s", lv->evpath);
    snprintf(v[n++], sizeof(v[0]), LIVE_ENV_SPEED "=%.17g", lv->speed);
    snprintf(v[n++], sizeof(v[0]), LIVE_ENV_DIR "=%s", lv->dir);
    snprintf(v[n++], sizeof(v[0]), LIVE_ENV_BIN "=%s", o->self);
    const struct config *c = &lv->model->node[w->node].cfg;
    snprintf(v[n++], sizeof(v[0]), ENV_LIVE_LATENCY "=%" PRId64 " %" PRId64, c->fs_latency,
             c->ps_latency);
    /* `overlapsim probe` works in a user's command without a path */
    snprintf(v[n++], sizeof(v[0]), "PATH=%.*s:%s", dirlen, o->self, path ? path : "/usr/bin:/bin");
    if (lv->have_db) {
        snprintf(v[n++], sizeof(v[0]), LIVE_ENV_DSN "=%s", lv->dsn);
        char opt[400]; /* the name quoted, as in the harness's own sessions */
        pg_search_path_option(lv->db.schema, opt, sizeof(opt));
        snprintf(v[n++], sizeof(v[0]), "PGOPTIONS=%s", opt);
    }
    if (w->skew || w->clock_file[0]) {
        const char *pre = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
        char off[48];
        faketime_offset(w->skew, lv->speed, off, sizeof(off));
        snprintf(v[n++], sizeof(v[0]), "LD_PRELOAD=%s%s%s", live_faketime_lib(), pre ? ":" : "",
                 pre ? pre : "");
        if (w->clock_file[0]) { /* a clock that steps: re-read at every call */
            snprintf(v[n++], sizeof(v[0]), "FAKETIME_TIMESTAMP_FILE=%s", w->clock_file);
            snprintf(v[n++], sizeof(v[0]), "FAKETIME_NO_CACHE=1");
        } else {
            snprintf(v[n++], sizeof(v[0]), "FAKETIME=%s", off);
        }
        snprintf(v[n++], sizeof(v[0]), "FAKETIME_DONT_FAKE_MONOTONIC=1");
        /* a sanitizer build refuses a preload placed before its runtime */
        snprintf(v[n++], sizeof(v[0]), "ASAN_OPTIONS=%s%sverify_asan_link_order=0",
                 asan ? asan : "", asan ? ":" : "");
    }
    for (int i = 0; i < n; i++)
        set[i] = v[i];
    return proc_env_new(set, n);
}

/*
 * The directory of the node's host, its working directory: nodes naming one
 * host share it (and so their lock and PID files), other hosts have their
 * own, as in the simulated world.
 */
static int host_dir(struct live_worker *w, char *buf, size_t len)
{
    const struct node_spec *n = &w->lv->model->node[w->node];
    snprintf(buf, len, "%s/host-%s", w->lv->dir, n->cfg.host[0] ? n->cfg.host : n->name);
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* The guard's parameters, byte for byte (plain data, same binary), its file in the host's
 * directory. */
static void params_message(struct live_worker *w, char *msg, size_t len)
{
    struct guard_params gp = w->lv->model->node[w->node].cfg.gp;
    const char *base = strrchr(gp.path, '/');
    if (base)
        memmove(gp.path, base + 1, strlen(base));
    const unsigned char *p = (const unsigned char *)&gp;
    int k = snprintf(msg, len, "params ");
    for (size_t i = 0; i < sizeof(gp) && k + 3 < (int)len; i++)
        k += snprintf(msg + k, len - (size_t)k, "%02x", p[i]);
}

static int worker_spawn(struct live_worker *w)
{
    struct live *lv = w->lv;
    const struct live_opts *o = lv->opt;
    char node[16], speed[32], log[PATH_MAX + 32], msg[1024], cwd[PATH_MAX + 48];
    bool fake = w->skew || w->clock_file[0];
    if (fake && access(live_faketime_lib(), R_OK) != 0)
        return worker_fail(w, -LIVE_EFAKETIME, "is missing");
    snprintf(node, sizeof(node), "%d", w->node);
    snprintf(speed, sizeof(speed), "%.17g", lv->speed);
    snprintf(log, sizeof(log), "%s/worker-%d.log", lv->dir, w->node);
    const char *argv[16] = {o->self,    "worker",  "--node", node,    "--events",
                            lv->evpath, "--speed", speed,    "--dir", lv->dir};
    int n = 10;
    if (o->cmd)
        argv[n++] = "--cmd", argv[n++] = o->cmd;
    else
        argv[n++] = "--guard", argv[n++] = o->guard->name;
    if (!o->cmd && config_sched_forks(lv->model->node[w->node].cfg.sched))
        argv[n++] = "--fork";
    argv[n] = NULL;
    int hrc = host_dir(w, cwd, sizeof(cwd));
    if (hrc)
        return worker_fail(w, hrc, "has no host directory");

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return worker_fail(w, -errno, "cannot get a control socket");
    char **env = worker_env(w);
    if (!env) {
        close(sv[0]), close(sv[1]);
        return worker_fail(w, -ENOMEM, "is out of memory");
    }
    struct proc_spec s = {.path = o->self,
                          .argv = argv,
                          .envp = env,
                          .gate = -1,
                          .gate_w = -1,
                          .fd3 = sv[1],
                          .output = log,
                          .devnull_in = true,
                          .own_group = true,
                          .cwd = o->cmd ? NULL : cwd}; /* a command runs where live was started */
    pid_t pid = proc_start(&s);
    proc_env_free(env);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return worker_fail(w, (int)pid, "cannot start");
    }
    pthread_mutex_lock(&w->send);
    w->pid = pid;
    w->ctl = sv[0];
    pthread_mutex_unlock(&w->send);

    int faked = 0, off = 0;
    int rc = ctl_recv(w->ctl, msg, sizeof(msg), HELLO_TIMEOUT_MS);
    if (rc < 0 || sscanf(msg, "hello %*d %d %n", &faked, &off) != 1 || !off) {
        kill_locked(w);
        return worker_fail(w, -LIVE_EWORKER, "did not start");
    }
    /* the rest of the line: FAKETIME_SHARED's two names, or "-" */
    snprintf(w->shm, sizeof(w->shm), "%s", strcmp(msg + off, "-") ? msg + off : "");
    w->faked = faked;
    if (fake && !faked) {
        kill_locked(w);
        return worker_fail(w, -LIVE_EFAKETIME, "did not load");
    }
    _Static_assert(7 + 2 * sizeof(struct guard_params) < sizeof(msg), "params message too long");
    if (!o->cmd) {
        params_message(w, msg, sizeof(msg));
        int rc_x = ctl_send(w, msg);
        if (!rc_x && live_exports_on(lv->model)) { /* the export's knobs, for its runs */
            memcpy(msg, "export ", 7);
            rc_x = live_export_format(&lv->model->cfg.xp, msg + 7, sizeof(msg) - 7) < 0
                       ? -ENOSPC
                       : ctl_send(w, msg);
        }
        if (rc_x != 0) {
            kill_locked(w);
            return worker_fail(w, -LIVE_EWORKER, "stopped talking");
        }
        int rc_db = live_db_worker_setup(w); /* database guards: its client, connected */
        if (rc_db) {
            kill_locked(w);
            return rc_db == -LIVE_EDB ? rc_db : worker_fail(w, -LIVE_EWORKER, "stopped talking");
        }
    }
    return lv->epoch ? live_worker_epoch(w) : 0;
}

int live_worker_ctl(struct live_worker *w, const char *msg)
{
    return ctl_send(w, msg);
}

int live_worker_ask(struct live_worker *w, const char *msg, char *reply, size_t len)
{
    pthread_mutex_lock(&w->send);
    int rc = w->ctl < 0 ? -ESRCH : 0;
    if (!rc && send(w->ctl, msg, strlen(msg), MSG_NOSIGNAL) < 0)
        rc = -errno;
    if (!rc && (rc = ctl_recv(w->ctl, reply, len, HELLO_TIMEOUT_MS)) > 0)
        rc = 0;
    pthread_mutex_unlock(&w->send);
    return rc;
}

/* Writes the worker's clock offset where libfaketime reads it: whole, by a rename. */
static int clock_file_write(struct live_worker *w)
{
    char tmp[sizeof(w->clock_file) + 8], off[48];
    faketime_offset(w->skew, w->lv->speed, off, sizeof(off));
    snprintf(tmp, sizeof(tmp), "%s.tmp", w->clock_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -errno;
    bool ok = fprintf(f, "%s\n", off) > 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, w->clock_file) != 0)
        return -EIO;
    return 0;
}

int live_worker_clock_step(struct live_worker *w, sim_time by)
{
    if (!w->clock_file[0])
        return -EINVAL;
    w->skew += by;
    char d[64], t[TIME_FMT_LEN];
    snprintf(d, sizeof(d), "clock-step by %s", time_format(by, t));
    live_trace(w->lv, w->node, 0, "fault", d);
    live_trace_clock(w->lv, w->node, w->skew);
    return clock_file_write(w);
}

/* Does a clock-step fault move node i's clock? */
static bool clock_steps(const struct model *m, int i)
{
    for (int k = 0; k < m->nfaults; k++)
        if (m->fault[k].kind == FAULT_CLOCK_STEP && m->fault[k].target != FT_DATABASE &&
            (m->fault[k].node_idx < 0 || m->fault[k].node_idx == i))
            return true;
    return false;
}

int live_worker_epoch(struct live_worker *w)
{
    char msg[64];
    snprintf(msg, sizeof(msg), "epoch %" PRId64, w->lv->epoch);
    return ctl_send(w, msg);
}

int live_workers_start(struct live *lv)
{
    int n = lv->model->nnodes;
    lv->workers = mem_calloc((size_t)n, sizeof(*lv->workers));
    if (!lv->workers) {
        live_fail(lv, -ENOMEM, "out of memory");
        return -ENOMEM;
    }
    lv->nworkers = n;
    for (int i = 0; i < n; i++) {
        struct live_worker *w = &lv->workers[i];
        w->lv = lv;
        w->node = i;
        w->ctl = -1;
        w->skew = lv->opt->skew + lv->model->node[i].cfg.clock_offset;
        atomic_init(&w->batch, false);
        pthread_mutex_init(&w->send, NULL);
    }
    for (int i = 0; i < n; i++) {
        struct live_worker *w = &lv->workers[i];
        if (!clock_steps(lv->model, i))
            continue;
        snprintf(w->clock_file, sizeof(w->clock_file), "%s/clock-%d", lv->dir, i);
        if (clock_file_write(w) != 0) {
            live_fail(lv, -EIO, "cannot write %s", w->clock_file);
            return -EIO;
        }
    }
    for (int i = 0; i < n; i++) {
        int rc = worker_spawn(&lv->workers[i]);
        if (rc)
            return rc;
    }
    return 0;
}

void live_workers_stop(struct live *lv)
{
    for (int i = 0; i < lv->nworkers; i++) {
        pthread_mutex_lock(&lv->workers[i].send);
        kill_group(&lv->workers[i]);
        pthread_mutex_unlock(&lv->workers[i].send);
        pthread_mutex_destroy(&lv->workers[i].send);
    }
    mem_free(lv->workers);
    lv->workers = NULL;
    lv->nworkers = 0;
}

int live_workers_check(struct live *lv)
{
    for (int i = 0; i < lv->nworkers; i++) {
        struct live_worker *w = &lv->workers[i];
        int st = 0;
        pthread_mutex_lock(&w->send); /* a crash fault reaps under this lock too */
        pid_t r = w->pid > 0 ? waitpid(w->pid, &st, WNOHANG) : 0;
        if (r == w->pid)
            kill_group_of(w, true);
        pthread_mutex_unlock(&w->send);
        if (r > 0) {
            live_fail(lv, -LIVE_EWORKER,
                      "worker %d died unexpectedly (%s %d; see %s/worker-%d.log with --keep)", i,
                      WIFSIGNALED(st) ? "signal" : "exit status",
                      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), lv->dir, i);
            return -LIVE_EWORKER;
        }
    }
    return 0;
}

int live_worker_send_run(struct live_worker *w, const struct live_trigger *t)
{
    char msg[200] = "run ";
    struct live_order o = live_order_of(w->lv, t);
    o.o.api = live_job_length(w->lv, t) - t->w.db; /* slowed if a fault says so */
    if (live_order_format(&o, msg + 4, sizeof(msg) - 4) < 0)
        return -ENOSPC;
    int rc = ctl_send(w, msg);
    if (!rc)
        atomic_store(&w->batch, true);
    return rc;
}

int live_worker_go(struct live_worker *w)
{
    atomic_store(&w->batch, false);
    return ctl_send(w, "go");
}

int live_worker_clock(struct live_worker *w, sim_time *out)
{
    char msg[64];
    pthread_mutex_lock(&w->send);
    int rc = w->ctl < 0 ? -ESRCH : 0;
    if (!rc && send(w->ctl, "clock", 5, MSG_NOSIGNAL) < 0)
        rc = -errno;
    if (!rc && (rc = ctl_recv(w->ctl, msg, sizeof(msg), HELLO_TIMEOUT_MS)) > 0)
        rc = sscanf(msg, "clock %" SCNd64, out) == 1 ? 0 : -EPROTO;
    pthread_mutex_unlock(&w->send);
    return rc;
}

int live_worker_crash(struct live_worker *w)
{
    pthread_mutex_lock(&w->send);
    bool was = w->pid > 0;
    kill_group(w);
    pthread_mutex_unlock(&w->send);
    if (!was)
        return -ESRCH;
    /* after whatever its processes sent before dying, on the same socket */
    struct live_msg m = {.kind = LIVE_EV_CRASH, .trigger = (uint64_t)w->node, .pid = 0};
    live_trace(w->lv, w->node, 0, "fault", "crash (kill -9)");
    return live_msg_send(w->lv->evpath, &m);
}

int live_worker_restart(struct live_worker *w)
{
    if (w->pid > 0)
        return -EBUSY;
    live_trace(w->lv, w->node, 0, "fault", "restart");
    return worker_spawn(w);
}

int live_worker_pause(struct live_worker *w)
{
    if (w->pid <= 0 || kill(-w->pid, SIGSTOP) != 0)
        return -ESRCH;
    w->paused = true;
    live_trace(w->lv, w->node, 0, "fault", "pause (SIGSTOP)");
    return 0;
}

int live_worker_resume(struct live_worker *w)
{
    if (w->pid <= 0 || kill(-w->pid, SIGCONT) != 0)
        return -ESRCH;
    w->paused = false;
    live_trace(w->lv, w->node, 0, "fault-end", "pause: resumed (SIGCONT)");
    return 0;
}
