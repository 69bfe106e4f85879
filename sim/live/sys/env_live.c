/*
 * The live environment (see env_live.h). Clock reads and sleeps go through
 * raw system calls where libfaketime must not interfere: its clock_nanosleep
 * and monotonic clock misbehave under a skew, and the harness measures true
 * time on CLOCK_MONOTONIC, which a skewed node must not see moved.
 */
#include "env_live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

void env_live_latencies(struct env_live *e)
{
    const char *v = getenv(ENV_LIVE_LATENCY);
    long long fs, ps;
    if (v && sscanf(v, "%lld %lld", &fs, &ps) == 2 && fs >= 0 && ps >= 0)
        e->fs_latency = fs, e->ps_latency = ps;
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

/* --- files and processes: the real system calls --- */

static int neg(int rc)
{
    return rc < 0 ? -errno : rc;
}

/* A file call of the scenario's world takes fs_latency (see env_live.h). */
static void fs_wait(struct env *env)
{
    struct env_live *e = (struct env_live *)env;
    if (e->fs_latency > 0)
        live_sleep(env, e->fs_latency);
}

static int live_open(struct env *env, const char *path, int flags)
{
    fs_wait(env);
    return neg(open(path, flags | O_CLOEXEC, 0644));
}

static int live_close(struct env *env, int fd)
{
    fs_wait(env);
    return neg(close(fd));
}

static int live_read(struct env *env, int fd, char *buf, size_t len)
{
    fs_wait(env);
    return neg((int)pread(fd, buf, len, 0));
}

static int live_write(struct env *env, int fd, const char *buf, size_t len)
{
    fs_wait(env);
    ssize_t n = pwrite(fd, buf, len, 0);
    if (n < 0 || ftruncate(fd, (off_t)len) != 0)
        return -errno;
    return (int)n;
}

static int live_unlink(struct env *env, const char *path)
{
    fs_wait(env);
    return neg(unlink(path));
}

static int live_rename(struct env *env, const char *from, const char *to)
{
    fs_wait(env);
    return neg(rename(from, to));
}

static int live_flock(struct env *env, int fd, int op)
{
    fs_wait(env);
    return neg(flock(fd, op));
}

/* /proc/PID: start time (field 22 of stat) and command line, as ps shows them. */
static int proc_read(int pid, struct env_proc *out)
{
    char path[64], buf[1024];
    memset(out, 0, sizeof(*out));
    out->pid = pid;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -ESRCH;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long start = 0;
    if (!p || sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                     "%*d %*d %*d %llu",
                     &start) != 1)
        return -ESRCH;
    out->start_ticks = (int64_t)start;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    f = fopen(path, "r");
    if (f) {
        n = fread(out->cmdline, 1, sizeof(out->cmdline) - 1, f);
        fclose(f);
        for (size_t i = 0; i + 1 < n; i++)
            if (!out->cmdline[i])
                out->cmdline[i] = ' ';
    }
    gethostname(out->host, sizeof(out->host) - 1);
    return 0;
}

static int live_proc_self(struct env *env, struct env_proc *out)
{
    (void)env;
    return proc_read((int)getpid(), out);
}

static int live_proc_lookup(struct env *env, int pid, struct env_proc *out)
{
    struct env_live *e = (struct env_live *)env;
    if (e->ps_latency > 0) /* `ps -p PID` is a process of its own */
        live_sleep(env, e->ps_latency);
    return pid > 0 ? proc_read(pid, out) : -ESRCH;
}

/* --- the database: the plugged-in backend, if any --- */

static int live_session_open(struct env *env)
{
    struct env_live *e = (struct env_live *)env;
    return e->db ? e->db->session_open(e->db, e) : -ENOSYS;
}

static void live_session_close(struct env *env, int session)
{
    struct env_live *e = (struct env_live *)env;
    if (e->db)
        e->db->session_close(e->db, e, session);
}

static int live_db_exec(struct env *env, const struct env_stmt *st, struct env_row *out)
{
    struct env_live *e = (struct env_live *)env;
    return e->db ? e->db->exec(e->db, e, st, out) : -ENOSYS;
}

/* The sink is a table in the database (ENV_SINK_WRITE); with none, every write is taken. */
static int live_sink_write(struct env *env, uint64_t token)
{
    struct env_live *e = (struct env_live *)env;
    if (!e->db)
        return 0;
    struct env_stmt st = {.kind = ENV_SINK_WRITE, .session = ENV_DB_ANY, .token = token};
    int rc = e->db->exec(e->db, e, &st, NULL);
    return rc == 0 ? -ESTALE : rc < 0 ? rc : 0;
}

const struct env_ops env_live_ops = {
    .clock_now = live_clock_now,
    .sleep = live_sleep,
    .mutex_lock = live_mutex_lock,
    .mutex_unlock = live_mutex_unlock,
    .file_open = live_open,
    .file_close = live_close,
    .file_read = live_read,
    .file_write = live_write,
    .file_unlink = live_unlink,
    .file_rename = live_rename,
    .file_flock = live_flock,
    .proc_self = live_proc_self,
    .proc_lookup = live_proc_lookup,
    .db_session_open = live_session_open,
    .db_session_close = live_session_close,
    .db_exec = live_db_exec,
    .sink_write = live_sink_write,
};
