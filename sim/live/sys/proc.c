/*
 * Processes for live mode (see proc.h). Between fork and exec the child of
 * a threaded parent may only make async-signal-safe calls, so everything it
 * needs (paths, argv, the environment) is prepared before the fork.
 */

#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void child_fail(int errfd, int err)
{
    if (errfd >= 0)
        (void)!write(errfd, &err, sizeof(err));
    _exit(127);
}

pid_t proc_start(const struct proc_spec *s)
{
    int ep[2] = {-1, -1};
    if (s->gate < 0 && pipe2(ep, O_CLOEXEC) != 0)
        return -errno;
    int outfd = -1;
    if (s->output) {
        outfd = open(s->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (outfd < 0) {
            int e = -errno;
            if (ep[0] >= 0)
                close(ep[0]), close(ep[1]);
            return e;
        }
    }
    char *const *envp = s->envp ? s->envp : environ;
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        if (ep[0] >= 0)
            close(ep[0]), close(ep[1]);
        if (outfd >= 0)
            close(outfd);
        return e;
    }
    if (pid == 0) {
        sigset_t all;
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        if (s->own_group)
            setpgid(0, 0);
        if (s->cwd && chdir(s->cwd) != 0)
            child_fail(ep[1], errno);
        if (s->gate >= 0) {
            char c;
            if (s->gate_w >= 0)
                close(s->gate_w);
            for (;;) { /* the harness closes its end: everyone goes at once */
                ssize_t r = read(s->gate, &c, 1);
                if (r == 0 || (r < 0 && errno != EINTR))
                    break;
            }
        }
        if (s->devnull_in) {
            int fd = open("/dev/null", O_RDONLY);
            if (fd >= 0 && fd != 0)
                dup2(fd, 0), close(fd);
        }
        if (outfd >= 0)
            dup2(outfd, 1), dup2(outfd, 2);
        if (s->fd3 >= 0 && dup2(s->fd3, 3) < 0)
            child_fail(ep[1], errno);
        execve(s->path, (char *const *)s->argv, envp);
        child_fail(ep[1], errno);
    }
    if (outfd >= 0)
        close(outfd);
    if (ep[0] < 0)
        return pid;
    close(ep[1]);
    int err = 0;
    ssize_t n;
    while ((n = read(ep[0], &err, sizeof(err))) < 0 && errno == EINTR)
        ;
    close(ep[0]);
    if (n == sizeof(err)) { /* exec failed: reap the child */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return -err;
    }
    return pid;
}

int proc_which(const char *name, char *out, size_t len)
{
    if (strchr(name, '/')) {
        snprintf(out, len, "%s", name);
        return access(out, X_OK) == 0 ? 0 : -ENOENT;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    for (const char *p = path; *p;) {
        const char *e = strchrnul(p, ':');
        snprintf(out, len, "%.*s/%s", (int)(e - p), p, name);
        if (e > p && access(out, X_OK) == 0)
            return 0;
        p = *e ? e + 1 : e;
    }
    return -ENOENT;
}

int proc_run(const char *const *argv, const char *log)
{
    return proc_run_in(argv, log, NULL);
}

int proc_run_in(const char *const *argv, const char *log, const char *cwd)
{
    char path[4096];
    if (proc_which(argv[0], path, sizeof(path)) != 0)
        return -ENOENT;
    struct proc_spec s = {.path = path,
                          .argv = argv,
                          .gate = -1,
                          .gate_w = -1,
                          .fd3 = -1,
                          .output = log ? log : "/dev/null",
                          .devnull_in = true,
                          .own_group = true,
                          .cwd = cwd};
    pid_t pid = proc_start(&s);
    if (pid < 0)
        return pid;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char **proc_env_new(const char *const *set, int nset)
{
    int n = 0;
    while (environ[n])
        n++;
    char **env = calloc((size_t)(n + nset + 1), sizeof(*env));
    if (!env)
        return NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t kl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (int j = 0; j < nset && !replaced; j++)
            replaced = strncmp(set[j], environ[i], kl) == 0 && set[j][kl] == '=';
        if (!replaced && !(env[k++] = strdup(environ[i])))
            goto nomem;
    }
    for (int j = 0; j < nset; j++)
        if (!(env[k++] = strdup(set[j])))
            goto nomem;
    return env;
nomem:
    proc_env_free(env);
    return NULL;
}

void proc_env_free(char **env)
{
    if (!env)
        return;
    for (int i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
    return rc == 0 || errno == ENOENT ? 0 : -errno;
}

int proc_rmtree(const char *path)
{
    int rc = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc < 0 && errno == ENOENT ? 0 : rc;
}

void proc_subreaper(bool on)
{
    prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0);
}

void proc_reap(int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        pid_t pid;
        while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if ((pid < 0 && errno == ECHILD) || waited >= timeout_ms)
            return;
        usleep(10000);
    }
}

/* The state letter of /proc/PID/task/TID/stat ('T' stopped), 0 when it is gone. */
static char task_state(int pid, const char *tid)
{
    char path[320], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, tid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    const char *end = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    return end && end[1] == ' ' ? end[2] : 0;
}

bool proc_wait_stopped(int pid, int timeout_ms)
{
    char dir[48];
    snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
    for (int waited = 0;; waited++) {
        DIR *d = opendir(dir);
        if (!d)
            return true; /* gone */
        bool all = true;
        struct dirent *e;
        while (all && (e = readdir(d)))
            if (e->d_name[0] != '.') {
                char st = task_state(pid, e->d_name);
                all = st == 0 || st == 'T' || st == 't' || st == 'Z' || st == 'X';
            }
        closedir(d);
        if (all)
            return true;
        if (waited >= timeout_ms * 10)
            return false;
        struct timespec ts = {0, 100000}; /* 0.1 ms */
        nanosleep(&ts, NULL);
    }
}
