/*
 * Output files named on the command line (--out, --junit, --trace): "-" is
 * standard output, as in every Unix tool, and a file is written whole, to a
 * temporary file renamed into place, so that a failure leaves no half file.
 * A failure names the real reason: when no temporary file can be made beside
 * the target (/proc, /dev), the target itself is written, so that the error
 * is the target's, not "No such file or directory" for "/proc/version.tmp.42".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

bool cli_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

FILE *cli_stdout_take(void)
{
    static FILE *taken;
    if (taken)
        return taken;
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return NULL;
    }
    /* the command's own report goes to stderr: stdout carries the data alone */
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        fclose(f);
        return NULL;
    }
    return taken = f;
}

int cli_out_begin(struct cli_out *w, const char *opt, const char *path, bool ours_only)
{
    memset(w, 0, sizeof(*w));
    w->opt = opt;
    w->path = path;
    if (cli_is_stdout(path)) {
        w->f = cli_stdout_take();
        return w->f ? 0
                    : cli_error("%s -: cannot write to standard output: %s", opt, strerror(errno));
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return cli_error("%s %s: cannot write: %s", opt, path, strerror(EISDIR));
    if (ours_only && stat(path, &st) == 0) {
        char first[64] = "";
        FILE *old = fopen(path, "r");
        if (old) {
            if (!fgets(first, sizeof(first), old))
                first[0] = 0;
            fclose(old);
        }
        if (strstr(first, "by: overlapsim ") == NULL)
            return cli_error("%s %s: the file exists and overlapsim did not write it "
                             "(remove it first)",
                             opt, path);
        w->replaced = true;
    }
    snprintf(w->tmp, sizeof(w->tmp), "%s.tmp.%d", path, (int)getpid());
    w->f = fopen(w->tmp, "w");
    if (!w->f) {
        /* no file can be made beside it (/proc, /dev): write the target itself */
        w->tmp[0] = 0;
        w->direct = true;
        w->f = fopen(path, "w");
        if (!w->f)
            return cli_error("%s %s: cannot write: %s", opt, path, strerror(errno));
    }
    return 0;
}

int cli_out_end(struct cli_out *w, bool failed)
{
    int rc = 0;
    if (!w->f)
        return 0;
    if (!w->tmp[0] && !w->direct) { /* standard output */
        if (fflush(w->f) != 0 && !failed)
            rc = cli_error("%s -: cannot write to standard output: %s", w->opt, strerror(errno));
        w->f = NULL;
        return rc;
    }
    int bad = ferror(w->f);
    int e = bad ? EIO : 0;
    if (fclose(w->f) != 0 && !bad)
        bad = 1, e = errno;
    w->f = NULL;
    if (!failed && bad)
        rc = cli_error("%s %s: cannot write: %s", w->opt, w->path, strerror(e));
    if (w->direct)
        return rc;
    if (!failed && !rc && rename(w->tmp, w->path) != 0)
        rc = cli_error("%s %s: cannot write: %s", w->opt, w->path, strerror(errno));
    if (failed || rc)
        remove(w->tmp);
    return rc;
}
