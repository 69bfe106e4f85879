/*
 * A throwaway PostgreSQL cluster (see pgdb.h): initdb with trust auth and
 * no sync, then pg_ctl start with no TCP listener, the socket in the
 * cluster's own directory, and durability off: up in about a second. Stop
 * is an immediate shutdown followed by removing the directory, and it is
 * safe to call at any point of a failed start.
 */
#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "owner.h"
#include "sys/pgdb.h"
#include "sys/proc.h"

#define PG_PORT "5432" /* only names the socket file: the directory is ours alone */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -LIVE_EDB;
}

/* initdb's directory: PATH first, then the newest /usr/lib/postgresql/N/bin. */
static int find_bin(char *out, size_t len)
{
    char p[PATH_MAX];
    if (proc_which("initdb", p, sizeof(p)) == 0) {
        snprintf(out, len, "%.*s", (int)(strrchr(p, '/') - p), p);
        return 0;
    }
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
        return -ENOENT;
    const char *best = NULL;
    for (size_t i = 0; i < g.gl_pathc; i++) /* numeric version order */
        if (!best || atoi(g.gl_pathv[i] + 20) > atoi(best + 20))
            best = g.gl_pathv[i];
    snprintf(out, len, "%.*s", (int)(strrchr(best, '/') - best), best);
    globfree(&g);
    return 0;
}

/* Runs a server program, as postgres when we are root; its exit status. */
static int run_pg(struct pg_cluster *c, const char *prog, const char *const *args, const char *log)
{
    char path[PATH_MAX + 16], runuser[PATH_MAX];
    const char *argv[32];
    int n = 0;
    snprintf(path, sizeof(path), "%s/%s", c->bin, prog);
    if (c->as_postgres) {
        if (proc_which("runuser", runuser, sizeof(runuser)) != 0 &&
            proc_which("/usr/sbin/runuser", runuser, sizeof(runuser)) != 0 &&
            proc_which("/sbin/runuser", runuser, sizeof(runuser)) != 0)
            return -ENOENT;
        argv[n++] = runuser, argv[n++] = "-u", argv[n++] = "postgres", argv[n++] = "--";
    }
    argv[n++] = path;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return proc_run_in(argv, log, "/"); /* "/" : postgres may not read our cwd */
}

/* Can others search every directory above path (path itself we make 0711)? */
static bool traversable(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", path);
    for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
        *slash = 0;
        struct stat st;
        if (stat(p[0] ? p : "/", &st) != 0 || !(st.st_mode & S_IXOTH))
            return false;
    }
    return true;
}

/* The last non-empty line of a log, for a one-line error. */
static const char *last_line(const char *path, char *buf, size_t len)
{
    char line[512];
    FILE *f = fopen(path, "r");
    snprintf(buf, len, "no output");
    if (!f)
        return buf;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0])
            snprintf(buf, len, "%s", line);
    }
    fclose(f);
    return buf;
}

int pg_cluster_start(struct pg_cluster *c, const char *parent, bool keep, char *err, size_t errlen)
{
    char why[600];
    memset(c, 0, sizeof(*c));
    c->keep = keep;
    if (find_bin(c->bin, sizeof(c->bin)) != 0)
        return fail(err, errlen,
                    "PostgreSQL's initdb not found (install postgresql, or use --dsn)");
    c->as_postgres = geteuid() == 0;
    /* postgres must reach its directory: under parent if it can, else in /tmp */
    if (c->as_postgres && !traversable(parent)) {
        struct live_owner me; /* named by its owner: a killed run's is found and stopped */
        live_owner_self(&me);
        snprintf(c->dir, sizeof(c->dir), "/tmp/overlapsim-pg-%ld-%llu-XXXXXX", me.pid, me.start);
    } else {
        snprintf(c->dir, sizeof(c->dir), "%s/pg-XXXXXX", parent);
    }
    if (!mkdtemp(c->dir)) {
        c->dir[0] = 0;
        return fail(err, errlen, "cannot create a directory in '%s': %s", parent, strerror(errno));
    }
    if (c->as_postgres) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            pg_cluster_stop(c);
            return fail(err, errlen, "no 'postgres' user to run the server as (use --dsn)");
        }
        /* postgres must reach its directory through ours */
        if (chown(c->dir, pw->pw_uid, pw->pw_gid) != 0 ||
            (strncmp(c->dir, parent, strlen(parent)) == 0 && chmod(parent, 0711) != 0)) {
            pg_cluster_stop(c);
            return fail(err, errlen, "cannot hand '%s' to postgres: %s", parent, strerror(errno));
        }
    }
    char data[PATH_MAX + 8], log[PATH_MAX + 16], slog[PATH_MAX + 16], opts[PATH_MAX + 160];
    snprintf(data, sizeof(data), "%s/data", c->dir);
    snprintf(log, sizeof(log), "%s/setup.log", c->dir);
    snprintf(slog, sizeof(slog), "%s/server.log", c->dir);
    const char *initdb[] = {"-D", data,   "-U",         "postgres",  "-A", "trust",
                            "-E", "UTF8", "--locale=C", "--no-sync", NULL};
    int rc = run_pg(c, "initdb", initdb, log);
    if (rc != 0) {
        pg_cluster_stop(c);
        return fail(err, errlen, "initdb failed: %s",
                    rc < 0 ? strerror(-rc) : last_line(log, why, sizeof(why)));
    }
    snprintf(opts, sizeof(opts),
             "-c listen_addresses='' -k %s -p " PG_PORT " -c fsync=off -c synchronous_commit=off "
             "-c full_page_writes=off -c dynamic_shared_memory_type=mmap "
             "-c max_connections=300", /* every worker keeps its pool: up to 16 x 16 */
             c->dir);
    const char *start[] = {"-D", data, "-l", slog, "-w", "-t", "30", "-o", opts, "start", NULL};
    c->running = true; /* from here on, stop must try pg_ctl stop */
    rc = run_pg(c, "pg_ctl", start, log);
    if (rc != 0) {
        pg_cluster_stop(c);
        return fail(err, errlen, "the PostgreSQL server did not start: %s",
                    rc < 0 ? strerror(-rc) : last_line(slog, why, sizeof(why)));
    }
    snprintf(c->conninfo, sizeof(c->conninfo),
             "host=%s port=" PG_PORT " user=postgres dbname=postgres connect_timeout=10", c->dir);
    return 0;
}

/* The postmaster's pid from its pid file, or 0. */
static pid_t postmaster_pid(const struct pg_cluster *c)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/data/postmaster.pid", c->dir);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

void pg_cluster_stop(struct pg_cluster *c)
{
    if (!c->dir[0])
        return;
    if (c->running) {
        char data[PATH_MAX + 8];
        snprintf(data, sizeof(data), "%s/data", c->dir);
        const char *stop[] = {"-D", data, "-m", "immediate", "-w", "-t", "10", "stop", NULL};
        if (run_pg(c, "pg_ctl", stop, NULL) != 0) {
            pid_t pid = postmaster_pid(c); /* pg_ctl failed: end it ourselves */
            if (pid > 0 && kill(pid, SIGQUIT) == 0) {
                for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
                    usleep(20000);
                kill(pid, SIGKILL);
            }
        }
        c->running = false;
    }
    if (!c->keep)
        proc_rmtree(c->dir);
    c->dir[0] = 0;
}

void pg_cluster_orphan_stop(const char *dir)
{
    struct pg_cluster c;
    memset(&c, 0, sizeof(c));
    snprintf(c.dir, sizeof(c.dir), "%s", dir);
    if (find_bin(c.bin, sizeof(c.bin)) != 0)
        c.bin[0] = 0; /* pg_ctl cannot run: stop kills the postmaster itself */
    c.as_postgres = geteuid() == 0;
    c.running = true;
    pg_cluster_stop(&c);
}
