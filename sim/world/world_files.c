/*
 * Files of a simulated host, with the POSIX rules guards depend on: O_EXCL
 * creation is atomic; rename replaces its target atomically; unlink removes
 * the name while open descriptors keep the inode; flock belongs to the open
 * file description (not the process or the path) and is released when the
 * last descriptor of that description closes, which the kernel does when a
 * process dies. A crash leaves every file as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

#include "world.h"

void world_fdtab_init(struct world_fdtab *t)
{
    for (int i = 0; i < WORLD_MAX_FDS; i++)
        t->fd[i].ino = -1;
}

static int lookup(const struct host *h, const char *path)
{
    for (int i = 0; i < WORLD_MAX_FILES; i++)
        if (h->ino[i].used && h->ino[i].linked && strcmp(h->ino[i].path, path) == 0)
            return i;
    return -1;
}

/* Frees an inode nobody names or holds open. */
static void maybe_free(struct host *h, int i)
{
    struct world_inode *n = &h->ino[i];
    if (!n->linked && n->refs == 0)
        n->used = false;
}

static struct world_fd *fd_get(struct world_fdtab *t, int fd)
{
    if (fd < 3 || fd >= WORLD_MAX_FDS + 3 || t->fd[fd - 3].ino < 0)
        return NULL;
    return &t->fd[fd - 3];
}

int world_file_open(struct host *h, struct world_fdtab *t, const char *path, int flags)
{
    if (strlen(path) >= WORLD_PATH_LEN)
        return -ENAMETOOLONG;
    int slot = -1;
    for (int i = 0; i < WORLD_MAX_FDS && slot < 0; i++)
        if (t->fd[i].ino < 0)
            slot = i;
    if (slot < 0)
        return -EMFILE;
    int i = lookup(h, path);
    if (i >= 0 && (flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (i < 0) {
        if (!(flags & O_CREAT))
            return -ENOENT;
        for (int j = 0; j < WORLD_MAX_FILES && i < 0; j++)
            if (!h->ino[j].used)
                i = j;
        if (i < 0)
            return -ENOSPC;
        struct world_inode *n = &h->ino[i];
        memset(n, 0, sizeof(*n));
        n->used = n->linked = true;
        strcpy(n->path, path);
    }
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
        h->ino[i].len = 0;
    h->ino[i].refs++;
    t->fd[slot].ino = i;
    t->fd[slot].ofd = h->next_ofd++;
    return slot + 3;
}

int world_file_close(struct host *h, struct world_fdtab *t, int fd)
{
    struct world_fd *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    struct world_inode *n = &h->ino[f->ino];
    /* no dup() or fork() here: each description has exactly one descriptor */
    if (n->lock_ofd == f->ofd)
        n->lock_ofd = 0;
    n->refs--;
    maybe_free(h, f->ino);
    f->ino = -1;
    return 0;
}

int world_file_read(struct host *h, struct world_fdtab *t, int fd, char *buf, size_t len)
{
    struct world_fd *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    const struct world_inode *n = &h->ino[f->ino];
    size_t k = (size_t)n->len < len ? (size_t)n->len : len;
    memcpy(buf, n->data, k);
    return (int)k;
}

int world_file_write(struct host *h, struct world_fdtab *t, int fd, const char *buf, size_t len)
{
    struct world_fd *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    if (len > WORLD_DATA_LEN)
        return -EFBIG;
    struct world_inode *n = &h->ino[f->ino];
    memcpy(n->data, buf, len);
    n->len = (int)len;
    return (int)len;
}

int world_file_unlink(struct host *h, const char *path)
{
    int i = lookup(h, path);
    if (i < 0)
        return -ENOENT;
    h->ino[i].linked = false;
    maybe_free(h, i);
    return 0;
}

int world_file_rename(struct host *h, const char *from, const char *to)
{
    if (strlen(to) >= WORLD_PATH_LEN)
        return -ENAMETOOLONG;
    int i = lookup(h, from);
    if (i < 0)
        return -ENOENT;
    if (strcmp(from, to) == 0)
        return 0;
    int j = lookup(h, to);
    if (j >= 0) { /* the target's name goes, atomically */
        h->ino[j].linked = false;
        maybe_free(h, j);
    }
    strcpy(h->ino[i].path, to);
    return 0;
}

int world_file_flock(struct host *h, struct world_fdtab *t, int fd, int op)
{
    struct world_fd *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    struct world_inode *n = &h->ino[f->ino];
    if (op & LOCK_UN) {
        if (n->lock_ofd == f->ofd)
            n->lock_ofd = 0;
        return 0;
    }
    if (n->lock_ofd && n->lock_ofd != f->ofd)
        return -EWOULDBLOCK; /* without LOCK_NB the caller waits and retries */
    n->lock_ofd = f->ofd;    /* shared locks are not modelled: every lock is exclusive */
    return 0;
}

void world_fdtab_close_all(struct host *h, struct world_fdtab *t)
{
    for (int i = 0; i < WORLD_MAX_FDS; i++)
        if (t->fd[i].ino >= 0)
            world_file_close(h, t, i + 3);
}

bool world_file_peek(const struct host *h, const char *path, char *buf, size_t len)
{
    int i = lookup(h, path);
    if (i < 0)
        return false;
    if (buf && len) {
        size_t k = (size_t)h->ino[i].len < len - 1 ? (size_t)h->ino[i].len : len - 1;
        memcpy(buf, h->ino[i].data, k);
        buf[k] = 0;
    }
    return true;
}
