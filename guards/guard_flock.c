/*
 * flock: flock(LOCK_EX|LOCK_NB) on a lock file that is never unlinked, as
 * `flock -n 200` in the seed's option 2. The lock belongs to the open file
 * description, so the kernel drops it when the holder's last descriptor
 * closes, which a kill -9 does too: no stale lock. It reaches one host only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include "../sim/base/mem.h"
#include "guard.h"

struct flock_guard {
    struct guard base;
    char path[GUARD_PATH_LEN];
};

static struct guard *flock_create(const struct guard_params *p)
{
    struct flock_guard *g = mem_calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    snprintf(g->path, sizeof(g->path), "%s", p->path);
    return &g->base;
}

static void flock_destroy(struct guard *g)
{
    mem_free(g);
}

static int flock_try_acquire(struct guard *gg, struct env *env, struct guard_hold *h)
{
    struct flock_guard *g = (struct flock_guard *)gg;
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

static void flock_release(struct guard *g, struct env *env, struct guard_hold *h)
{
    (void)g;
    if (h->fd < 0)
        return;
    env_flock(env, h->fd, LOCK_UN);
    env_close(env, h->fd);
    h->fd = -1;
}

const struct guard_ops guard_flock = {
    .name = "flock",
    .summary = "flock(LOCK_EX|LOCK_NB) on a never-unlinked file; the kernel frees it when the "
               "holder dies; one host only",
    .scope = GUARD_SCOPE_HOST,
    .create = flock_create,
    .destroy = flock_destroy,
    .try_acquire = flock_try_acquire,
    .release = flock_release,
};
