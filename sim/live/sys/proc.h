/*
 * Starting and ending real processes for live mode: fork and exec with a
 * prepared environment, in a process group of their own (so a terminal's
 * Ctrl-C reaches only the harness, which then ends them itself), optionally
 * held at a start gate so that several begin at the same instant.
 */
#ifndef SIM_LIVE_PROC_H
#define SIM_LIVE_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_spec {
    const char *path; /* absolute path of the program */
    const char *const *argv;
    char *const *envp;  /* NULL: this process's environment */
    int gate;           /* read until end of file before exec, -1: none */
    int gate_w;         /* the gate's write end, closed in the child */
    int fd3;            /* becomes fd 3 in the child, -1: none */
    const char *output; /* stdout and stderr appended here, NULL: inherited */
    bool devnull_in;    /* stdin from /dev/null */
    bool own_group;     /* setpgid(0, 0): a group of its own */
    const char *cwd;    /* change to this directory first, NULL: stay */
};

/*
 * Forks and execs spec. Returns the pid, or a negative errno: the fork
 * failed, or (without a gate, which the parent cannot wait for) the exec
 * failed in the child. Signals are unblocked and SIGPIPE reset in the child.
 */
pid_t proc_start(const struct proc_spec *spec);

/*
 * Runs argv[0] (searched in PATH unless it has a '/') to completion with
 * output appended to log (NULL: discarded). Returns its exit status (0..255),
 * 128+N when killed by signal N, or a negative errno when it cannot start.
 */
int proc_run(const char *const *argv, const char *log);
/* proc_run in directory cwd. */
int proc_run_in(const char *const *argv, const char *log, const char *cwd);

/* Finds name in PATH (or takes it as given with a '/'): 0 or -ENOENT. */
int proc_which(const char *name, char *out, size_t len);

/*
 * A copy of this process's environment with each "KEY=VALUE" of set
 * replacing or adding KEY; NULL-terminated, free with proc_env_free. NULL
 * when out of memory.
 */
char **proc_env_new(const char *const *set, int nset);
void proc_env_free(char **env);

/* Removes path and everything under it; 0 or the first negative errno. */
int proc_rmtree(const char *path);

/*
 * Makes this process the reaper of orphans from its descendants (a killed
 * worker's children, the postmaster after pg_ctl exits), so they are not
 * left as zombies where init does not reap. on = false undoes it.
 */
void proc_subreaper(bool on);

/* Reaps exited children for up to timeout_ms, until none are left. */
void proc_reap(int timeout_ms);

/*
 * Waits (timeout_ms at most) until every thread of process pid is stopped
 * (SIGSTOP has taken effect) or gone: a process told to stop must not run on
 * past the point where it was stopped. True when it is stopped or gone.
 */
bool proc_wait_stopped(int pid, int timeout_ms);
#endif
