/* All-or-nothing output directories (see outdir.h). */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* May an existing directory be replaced? Empty, or ours. */
static int replaceable(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *e;
    int entries = 0, marker = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        entries++;
        if (strcmp(e->d_name, OUTDIR_MARKER) == 0)
            marker = 1;
    }
    closedir(d);
    return entries == 0 || marker ? 0 : -EEXIST;
}

int outdir_begin(struct outdir *o, const char *target, char *err, size_t errlen)
{
    size_t n = strlen(target);
    while (n > 1 && target[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof(o->target))
        return fail(err, errlen, -EINVAL, "--out: bad directory name '%s'", target);
    snprintf(o->target, sizeof(o->target), "%.*s", (int)n, target);
    o->tmp[0] = 0;

    struct stat st;
    if (stat(o->target, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fail(err, errlen, -ENOTDIR,
                        "cannot write to '%s': it is a file, not a directory", o->target);
        int rc = replaceable(o->target);
        if (rc == -EEXIST)
            return fail(
                err, errlen, rc,
                "cannot write to '%s': it holds files overlapsim did not write (choose a new "
                "or empty directory)",
                o->target);
        if (rc)
            return fail(err, errlen, rc, "cannot write to '%s': %s", o->target, strerror(-rc));
    }
    /* dirname and basename may modify their argument: give each a copy */
    char copy[sizeof(o->target)], base[sizeof(o->target)];
    snprintf(copy, sizeof(copy), "%s", o->target);
    snprintf(base, sizeof(base), "%s", basename(copy));
    snprintf(copy, sizeof(copy), "%s", o->target);
    const char *parent = dirname(copy);
    snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(o->tmp)) {
        int e = errno;
        o->tmp[0] = 0;
        return fail(err, errlen, -e, "cannot write to '%s': %s", o->target, strerror(e));
    }
    /* mkdtemp makes it private; the finished directory gets the usual permissions */
    mode_t um = umask(0);
    umask(um);
    chmod(o->tmp, 0777 & ~um);
    char marker[1200];
    FILE *f = fopen(outdir_path(o, OUTDIR_MARKER, marker, sizeof(marker)), "w");
    if (!f ||
        fputs("written by overlapsim; the directory may be replaced by the next run\n", f) < 0 ||
        fclose(f) != 0) {
        int e = errno ? errno : EIO;
        outdir_abort(o);
        return fail(err, errlen, -e, "cannot write to '%s': %s", o->target, strerror(e));
    }
    return 0;
}

char *outdir_path(const struct outdir *o, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", o->tmp, name);
    return buf;
}

FILE *outdir_open(const struct outdir *o, const char *name)
{
    char path[1400];
    outdir_path(o, name, path, sizeof(path));
    for (char *p = path + strlen(o->tmp) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return NULL;
        *p = '/';
    }
    return fopen(path, "w");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 ? -1 : 0;
}

int outdir_remove_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 ? -errno : 0;
}

int outdir_commit(struct outdir *o, char *err, size_t errlen)
{
    char old[1200] = "";
    struct stat st;
    if (stat(o->target, &st) == 0) {
        snprintf(old, sizeof(old), "%s.old", o->tmp);
        if (rename(o->target, old) != 0) {
            int e = errno;
            outdir_abort(o);
            return fail(err, errlen, -e, "cannot replace '%s': %s", o->target, strerror(e));
        }
    }
    if (rename(o->tmp, o->target) != 0) {
        int e = errno;
        if (old[0])
            rename(old, o->target);
        outdir_abort(o);
        return fail(err, errlen, -e, "cannot create '%s': %s", o->target, strerror(e));
    }
    o->tmp[0] = 0;
    if (old[0])
        outdir_remove_tree(old);
    return 0;
}

void outdir_abort(struct outdir *o)
{
    if (o->tmp[0])
        outdir_remove_tree(o->tmp);
    o->tmp[0] = 0;
}
