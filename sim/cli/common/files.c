/* Finding scenario files: a file as given, a directory searched for *.ini (see cli.h). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static int list_add(struct cli_files *l, const char *path)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->path, (size_t)cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        l->path = p;
        l->cap = cap;
    }
    l->path[l->n] = strdup(path);
    return l->path[l->n] ? (l->n++, 0) : -ENOMEM;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect(const char *path, struct cli_files *l)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_error("cannot open '%s': %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return list_add(l, path) ? cli_error("out of memory") : 0;
    DIR *d = opendir(path);
    if (!d)
        return cli_error("cannot open '%s': %s", path, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        size_t n = strlen(e->d_name);
        struct stat s2;
        if (stat(sub, &s2) == 0 && S_ISDIR(s2.st_mode))
            rc = collect(sub, l);
        else if (n > 4 && strcmp(e->d_name + n - 4, ".ini") == 0)
            rc = list_add(l, sub) ? cli_error("out of memory") : 0;
    }
    closedir(d);
    return rc;
}

int cli_files_collect(struct cli_files *l, char *const *paths, int n, const char *fallback)
{
    memset(l, 0, sizeof(*l));
    int rc = 0;
    if (n == 0)
        rc = collect(fallback, l);
    for (int i = 0; !rc && i < n; i++)
        rc = collect(paths[i], l);
    if (!rc && l->n == 0)
        rc = cli_error("no scenario files found");
    if (rc) {
        cli_files_free(l);
        return rc;
    }
    qsort(l->path, (size_t)l->n, sizeof(char *), by_name);
    return 0;
}

void cli_files_free(struct cli_files *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
    memset(l, 0, sizeof(*l));
}
