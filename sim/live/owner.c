/*
 * Owners of live runs' leftovers and their clean-up (see owner.h). A run
 * directory is "overlapsim-live-PID-START-XXXXXX" in $TMPDIR; its cluster
 * is inside it, or "overlapsim-pg-PID-START-XXXXXX" in /tmp when postgres
 * cannot reach $TMPDIR. Finding one whose owner is gone, we stop the
 * cluster with pg_ctl (which also frees its SysV segment), remove the
 * segment ourselves if the postmaster is dead too, and remove the tree.
 */
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/pgdb.h"
#include "sys/proc.h"

/* Field 22 of /proc/PID/stat, the start time; 0 if there is no such process, or a zombie. */
static unsigned long long start_of(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command may hold spaces and parentheses */
    unsigned long long start = 0;
    if (p && (p[2] == 'Z' || p[2] == 'X'))
        return 0; /* a zombie: dead, only not yet reaped (its parent was killed too) */
    for (int field = 2; p && *p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        start = strtoull(p + 1, NULL, 10);
    return start;
}

static unsigned host_hash(void)
{
    char name[256] = "";
    gethostname(name, sizeof(name) - 1);
    unsigned h = 2166136261u;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h;
}

void live_owner_self(struct live_owner *o)
{
    o->pid = (long)getpid();
    o->start = start_of(o->pid);
    o->host = host_hash();
}

bool live_owner_gone(const struct live_owner *o)
{
    return o->pid > 0 && start_of(o->pid) != o->start;
}

int live_owner_parse(const char *name, const char *prefix, bool schema, struct live_owner *o)
{
    size_t n = strlen(prefix);
    char sep = schema ? '_' : '-';
    if (strncmp(name, prefix, n) != 0)
        return -EINVAL;
    char *end;
    const char *p = name + n;
    o->pid = strtol(p, &end, 10);
    if (end == p || *end != sep || o->pid <= 0)
        return -EINVAL;
    p = end + 1;
    o->start = strtoull(p, &end, 10);
    if (end == p || (schema ? *end != sep : *end != '-'))
        return -EINVAL;
    o->host = 0;
    if (schema) {
        p = end + 1;
        unsigned long h = strtoul(p, &end, 16);
        if (end == p || (*end && *end != '_')) /* "_N": the process's Nth schema */
            return -EINVAL;
        o->host = (unsigned)h;
    }
    return 0;
}

static void note_add(char *note, size_t len, const char *fmt, const char *what)
{
    size_t n = strlen(note);
    snprintf(note + n, len - n, fmt, n ? ", " : "", what);
}

/* A killed run's cluster in dir: stop the server if it runs, free its shared memory. */
static bool cluster_stop(const char *dir)
{
    char pidfile[PATH_MAX + 32], line[128];
    snprintf(pidfile, sizeof(pidfile), "%s/data/postmaster.pid", dir);
    FILE *f = fopen(pidfile, "r");
    if (!f)
        return false;
    long pid = 0;
    int shmid = -1;
    for (int i = 1; fgets(line, sizeof(line), f); i++) {
        if (i == 1)
            pid = strtol(line, NULL, 10);
        if (i == 7) /* "KEY ID" of the SysV segment */
            sscanf(line, "%*d %d", &shmid);
    }
    fclose(f);
    if (pid > 0 && kill((pid_t)pid, 0) == 0)
        pg_cluster_orphan_stop(dir);
    struct shmid_ds ds;
    if (shmid >= 0 && shmctl(shmid, IPC_STAT, &ds) == 0 && ds.shm_nattch == 0)
        shmctl(shmid, IPC_RMID, NULL);
    return true;
}

#define KEPT "KEPT" /* the marker of a directory kept with --keep */

void live_owner_keep(const char *dir)
{
    char path[PATH_MAX + 8];
    if (!dir || !dir[0])
        return;
    snprintf(path, sizeof(path), "%s/" KEPT, dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("kept by overlapsim live --keep: remove this directory yourself\n", f);
        fclose(f);
    }
}

/* Every overlapsim-live-* and overlapsim-pg-* in dir whose owner is gone. */
static void clean_dir(const char *dir, char *note, size_t len, int *runs)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct live_owner o;
        bool run = live_owner_parse(e->d_name, "overlapsim-live-", false, &o) == 0;
        bool pg = !run && live_owner_parse(e->d_name, "overlapsim-pg-", false, &o) == 0;
        if ((!run && !pg) || !live_owner_gone(&o))
            continue;
        char path[PATH_MAX], sub[PATH_MAX + 300];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        snprintf(sub, sizeof(sub), "%s/" KEPT, path);
        /* ours (as root: also the clusters handed to postgres) */
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
            (st.st_uid != geteuid() && geteuid() != 0) || access(sub, F_OK) == 0)
            continue;
        bool stopped = false;
        if (pg) {
            stopped = cluster_stop(path);
        } else { /* its cluster inside: pg-XXXXXX */
            DIR *in = opendir(path);
            struct dirent *ie;
            while (in && (ie = readdir(in)))
                if (strncmp(ie->d_name, "pg-", 3) == 0) {
                    snprintf(sub, sizeof(sub), "%s/%s", path, ie->d_name);
                    stopped |= cluster_stop(sub);
                }
            if (in)
                closedir(in);
        }
        if (stopped)
            note_add(note, len, "%sstopped its PostgreSQL cluster", "");
        proc_rmtree(path);
        note_add(note, len, "%sremoved '%s'", path);
        (*runs)++;
    }
    closedir(d);
}

/* libfaketime's objects of a SIGKILLed process: faketime_shm_PID, sem.faketime_sem_PID. */
static void clean_faketime(char *note, size_t len)
{
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        const char *p = NULL;
        if (strncmp(e->d_name, "faketime_shm_", 13) == 0)
            p = e->d_name + 13;
        else if (strncmp(e->d_name, "sem.faketime_sem_", 17) == 0)
            p = e->d_name + 17;
        char *end;
        long pid = p ? strtol(p, &end, 10) : 0;
        if (pid <= 0 || *end || start_of(pid) != 0)
            continue; /* its process runs */
        char path[300];
        struct stat st;
        snprintf(path, sizeof(path), "/dev/shm/%s", e->d_name);
        if (stat(path, &st) == 0 && st.st_uid == geteuid() && unlink(path) == 0)
            n++;
    }
    closedir(d);
    if (n) {
        char what[64];
        snprintf(what, sizeof(what), "unlinked %d libfaketime object%s in /dev/shm", n,
                 n == 1 ? "" : "s");
        note_add(note, len, "%s%s", what);
    }
}

void live_leftovers_clean(const char *tmpdir, char *note, size_t len)
{
    int runs = 0;
    note[0] = 0;
    clean_dir(tmpdir && *tmpdir ? tmpdir : "/tmp", note, len, &runs);
    if (tmpdir && *tmpdir && strcmp(tmpdir, "/tmp") != 0)
        clean_dir("/tmp", note, len, &runs); /* clusters postgres could not have in $TMPDIR */
    if (runs)
        clean_faketime(note, len);
}
