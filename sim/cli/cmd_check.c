/*
 * overlapsim check: the CI suite. Every scenario file (a directory is
 * searched for *.ini, recursively, in name order) x variant x guard is one
 * test case; prints PASS or FAIL per case, the failing expectations and the
 * replay command, and `N passed, N failed` alone on the last line.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../verdict.h"
#include "cli.h"

static const char usage[] =
    "usage: overlapsim check [DIR|FILE]... [--seeds A..B] [--set KEY=VALUE]...\n"
    "\n"
    "Runs every scenario (directories are searched for *.ini) with its expectations:\n"
    "one case per scenario, variant and guard of scenario.guards, over the\n"
    "scenario's seeds (or --seeds). Ends with 'N passed, N failed'.\n"
    "Exit: 0 every case passes, 1 one fails, 2 bad input.\n";

struct file_list {
    char **path;
    int n, cap;
};

static int list_add(struct file_list *l, const char *path)
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

static int collect(const char *path, struct file_list *l)
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

static void list_free(struct file_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
}

static int check_file(const char *path, const struct cli_opts *o, int *passed, int *failed)
{
    struct cli_opts fo = *o;
    struct scenario *sc;
    fo.file = path;
    int rc = cli_load(&fo, &sc);
    if (rc)
        return rc;
    int vs[64];
    const struct guard_ops *gs[CONFIG_MAX_GUARDS];
    int nv = cli_variants(sc, NULL, true, vs, 64);
    int ng = cli_guards(sc, NULL, gs, CONFIG_MAX_GUARDS);
    struct case_result *res = malloc(sizeof(*res));
    char err[600], why[2048], replay[1024];
    rc = res ? 0 : cli_error("out of memory");
    for (int i = 0; i < nv && !rc; i++) {
        for (int j = 0; j < ng && !rc; j++) {
            struct seed_range seeds = o->have_seeds ? o->seeds : sc->base.seeds;
            int crc = case_run(sc, vs[i], gs[j], seeds, NULL, NULL, NULL, res, err, sizeof(err));
            if (crc != 0) {
                rc = cli_case_error(crc, err);
                break;
            }
            const char *v = scenario_variant_name(sc, vs[i]);
            printf("%s %s%s%s/%s", res->pass ? "PASS" : "FAIL", sc->base.name, *v ? "@" : "", v,
                   gs[j]->name);
            if (res->pass) {
                printf("\n");
                (*passed)++;
            } else {
                uint64_t seed = res->violating_seeds ? res->first_violating_seed : seeds.from;
                for (int k = 0; k < res->nexpect; k++)
                    if (!res->st[k].held && res->st[k].e->mode == EXPECT_EVERY) {
                        seed = res->st[k].first_failing_seed;
                        break;
                    }
                printf(": %s\n    replay: %s\n", case_failures(res, why, sizeof(why)),
                       case_replay(sc, res, seed, replay, sizeof(replay)));
                (*failed)++;
            }
            fflush(stdout);
        }
    }
    free(res);
    scenario_free(sc);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "seeds,set,files", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct file_list files = {0};
    if (!o.file)
        rc = collect("scenarios", &files);
    for (int i = optind - 1; !rc && i < argc && o.file; i++)
        if (argv[i][0] != '-')
            rc = collect(argv[i], &files);
    if (rc) {
        list_free(&files);
        return rc;
    }
    qsort(files.path, (size_t)files.n, sizeof(char *), by_name);
    int passed = 0, failed = 0;
    for (int i = 0; i < files.n && !rc; i++)
        rc = check_file(files.path[i], &o, &passed, &failed);
    list_free(&files);
    if (rc)
        return rc;
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? EXIT_VIOLATED : 0;
}
