/*
 * flock-unlink (mutant): flock(LOCK_EX|LOCK_NB) as `flock` does, but the
 * holder deletes its lock file on exit ("clean up after ourselves"): unlock,
 * close, unlink. A process that opened the path before the unlink locks the
 * old inode once the holder lets go, and keeps it after the unlink; a
 * process that opens the path after the unlink creates a new file and locks
 * that: two holders, one path, two inodes. Shipped to prove the concurrency checker fires where
 * `flock` (which never unlinks) holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct flock_unlink {
    struct guard base;
    char path[GUARD_PATH_LEN];
};

static struct guard *fu_create(const struct guard_params *p)
{
    struct flock_unlink *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    snprintf(g->path, sizeof(g->path), "%s", p->path);
    return &g->base;
}

static void fu_destroy(struct guard *g)
{
    mem_free(g);
}

static int fu_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct flock_unlink *g = (struct flock_unlink *)gg;
    int fd = env_open(env, g->path, O_RDWR | O_CREAT);
    if (fd < 0)
        return fd;
    int rc = env_flock(env, fd, LOCK_EX | LOCK_NB);
    if (rc == 0) {
        h->fd = fd;
        return 1;
    }
    env_close(env, fd);
    return rc == -EWOULDBLOCK ? 0 : rc;
}

static void fu_release(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct flock_unlink *g = (struct flock_unlink *)gg;
    if (h->fd < 0)
        return;
    env_flock(env, h->fd, LOCK_UN);
    env_close(env, h->fd);
    h->fd = -1;
    /* the bug: a process that opened the file meanwhile may hold it now, and
     * the next opener creates a new inode */
    env_unlink(env, g->path);
}

const struct guard_ops guard_flock_unlink = {
    .name = "flock-unlink",
    .summary = "flock that unlinks its lock file on exit: two processes can lock "
               "different inodes at one path",
    .scope = GUARD_SCOPE_HOST,
    .flags = GUARD_F_MUTANT,
    .create = fu_create,
    .destroy = fu_destroy,
    .try_acquire = fu_try_acquire,
    .release = fu_release,
};
