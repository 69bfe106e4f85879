/*
 * pidfile-check: exactly the seed-002 wrapper script.
 *
 *     if [ -f "$LOCKFILE" ] && [ -f "$PIDFILE" ]; then
 *         OLD_PID=$(cat "$PIDFILE")
 *         if is_running "$OLD_PID"; then exit 0; fi      # ps -p, then grep the command
 *     fi
 *     echo $$ > "$PIDFILE"; touch "$LOCKFILE"
 *     trap cleanup EXIT INT TERM                        # rm -f both
 *
 * Between the check and the write another starter can check too (the
 * check-then-write window, a few `ps` calls wide); kill -9 skips the trap
 * and leaves a stale file, which the liveness check then sees through,
 * unless the PID has been reused by a process with the same command line.
 * (The seed's is_running greps for the Python script's name in the command
 * line of $$, which is the wrapper shell's; modelled here as intended: "is
 * that PID running our command".)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct pidcheck {
    struct guard base;
    char pidfile[GUARD_PATH_LEN], lockfile[GUARD_PATH_LEN + 8];
};

static struct guard *pidcheck_create(const struct guard_params *p)
{
    struct pidcheck *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    snprintf(g->pidfile, sizeof(g->pidfile), "%s", p->path);
    snprintf(g->lockfile, sizeof(g->lockfile), "%s.lock", p->path);
    return &g->base;
}

static void pidcheck_destroy(struct guard *g)
{
    mem_free(g);
}

/* [ -f path ] */
static bool file_exists(struct env *env, const char *path)
{
    int fd = env_open(env, path, O_RDONLY);
    if (fd < 0)
        return false;
    env_close(env, fd);
    return true;
}

/* $(cat path), as a number; 0 when empty or missing */
static int cat_pid(struct env *env, const char *path)
{
    char buf[32];
    int fd = env_open(env, path, O_RDONLY);
    if (fd < 0)
        return 0;
    int n = env_read(env, fd, buf, sizeof(buf) - 1);
    env_close(env, fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    return atoi(buf);
}

/* is_running: ps -p PID, then ps -p PID -o command= | grep -q our command */
static bool is_running(struct env *env, int pid)
{
    struct env_proc them, me;
    if (pid <= 0 || env_proc_lookup(env, pid, &them) != 0)
        return false;
    if (env_proc_lookup(env, pid, &them) != 0 || env_proc_self(env, &me) != 0)
        return false;
    return strstr(them.cmdline, me.cmdline) != NULL;
}

static int pidcheck_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct pidcheck *g = (struct pidcheck *)gg;
    (void)h;
    if (file_exists(env, g->lockfile) && file_exists(env, g->pidfile)) {
        int old = cat_pid(env, g->pidfile);
        if (is_running(env, old))
            return 0; /* "Another instance is running. Skipping." */
    }
    struct env_proc me;
    int rc = env_proc_self(env, &me);
    if (rc)
        return rc;
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%d\n", me.pid);
    int fd = env_open(env, g->pidfile, O_WRONLY | O_CREAT | O_TRUNC); /* echo $$ > */
    if (fd < 0)
        return fd;
    rc = env_write(env, fd, buf, (size_t)n);
    env_close(env, fd);
    if (rc < 0)
        return rc;
    fd = env_open(env, g->lockfile, O_WRONLY | O_CREAT); /* touch */
    if (fd < 0)
        return fd;
    env_close(env, fd);
    return 1;
}

/* trap cleanup EXIT INT TERM */
static void pidcheck_release(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct pidcheck *g = (struct pidcheck *)gg;
    (void)h;
    env_unlink(env, g->pidfile);
    env_unlink(env, g->lockfile);
}

const struct guard_ops guard_pidfile_check = {
    .name = "pidfile-check",
    .summary = "the cron PID-file wrapper: skip if the PID file's process runs our command, else "
               "write our PID; racy check-then-write, trap skipped by kill -9",
    .scope = GUARD_SCOPE_HOST,
    .flags = GUARD_F_TRAP,
    .create = pidcheck_create,
    .destroy = pidcheck_destroy,
    .try_acquire = pidcheck_try_acquire,
    .release = pidcheck_release,
};
