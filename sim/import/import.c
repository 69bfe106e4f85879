/*
 * What the importers share (see import.h): telling the formats apart,
 * warnings and notes, the wrappers in front of a command, and writing the
 * scenario. The wrappers are recognised as their manuals define them:
 * flock(1) -n/--nonblock fails at once when the lock is held (the flock
 * guard); without -n it waits, so runs queue instead of skipping. run-one(1)
 * takes a non-blocking flock on a file named after the command line.
 * solo binds a localhost port, which the kernel frees when the process
 * dies: a host-wide lock with flock's semantics. timeout(1) kills the job
 * after a deadline, which the scenario format cannot express yet.
 */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cron.h"

enum import_format import_detect(const char *text)
{
    /* a manifest names its kind; a unit file has [Section] headers */
    if (strstr(text, "apiVersion:") || strstr(text, "kind: CronJob"))
        return IMPORT_K8S;
    if (strstr(text, "[Timer]") || strstr(text, "[Unit]") || strstr(text, "[Service]"))
        return IMPORT_SYSTEMD;
    return IMPORT_CRONTAB;
}

static void vappend(char *buf, size_t len, const char *fmt, va_list ap)
{
    size_t n = strlen(buf);
    if (n + 1 < len)
        vsnprintf(buf + n, len - n, fmt, ap);
}

static void append(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vappend(buf, len, fmt, ap);
    va_end(ap);
}

void import_note(struct import_scn *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vappend(s->notes, sizeof(s->notes), fmt, ap);
    va_end(ap);
    append(s->notes, sizeof(s->notes), "\n");
}

void import_warn(struct import_opts *o, struct import_scn *s, int line, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        fprintf(o->warn, "overlapsim: %s:%d: warning: %s\n", o->path, line, msg);
    else
        fprintf(o->warn, "overlapsim: %s: warning: %s\n", o->path, msg);
    o->nwarnings++;
    if (s)
        import_note(s, "NOT SIMULATED (line %d): %s", line, msg);
}

void import_sched(struct import_scn *s, const char *key, const char *fmt, ...)
{
    append(s->sched, sizeof(s->sched), "%s = ", key);
    va_list ap;
    va_start(ap, fmt);
    vappend(s->sched, sizeof(s->sched), fmt, ap);
    va_end(ap);
    append(s->sched, sizeof(s->sched), "\n");
}

sim_time import_cron_interval(const char *text)
{
    struct cron_expr e;
    char err[200];
    if (cron_parse(text, &e, err, sizeof(err)) != 0)
        return 0;
    int64_t a = cron_next(&e, -1), b = a >= 0 ? cron_next(&e, a) : -1;
    return b > a ? (b - a) * SIM_MIN : 0;
}

/* --- the wrappers in front of a command --- */

#define MAX_WORDS 64

/* Splits a shell command into words (quotes removed), stopping at ;, &&, || and |. */
static int words(const char *cmd, char (*w)[256], int max, const char **rest)
{
    int n = 0;
    const char *p = cmd;
    *rest = NULL;
    while (*p && n < max) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (*p == ';' || (*p == '&' && p[1] == '&') || *p == '|') {
            p += (*p == ';') ? 1 : (p[1] == *p ? 2 : 1);
            *rest = p;
            break;
        }
        size_t k = 0;
        char q = 0;
        while (*p && (q || (!isspace((unsigned char)*p) && *p != ';'))) {
            if (!q && (*p == '"' || *p == '\'')) {
                q = *p++;
                continue;
            }
            if (q && *p == q) {
                q = 0;
                p++;
                continue;
            }
            if (k + 1 < 256)
                w[n][k++] = *p;
            p++;
        }
        w[n++][k] = 0;
    }
    return n;
}

static const char *base_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool is_number(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.')
            return false;
    return true;
}

/* The PID file a wrapper script writes: the first word naming a .pid file. */
static void wrapper_pidfile(struct import_opts *o, struct import_scn *s, int line, char *out,
                            size_t len)
{
    FILE *f = fopen(o->wrapper, "r");
    char buf[1024];
    out[0] = 0;
    while (f && !out[0] && fgets(buf, sizeof(buf), f)) {
        char *p = strstr(buf, ".pid");
        if (!p || buf[strspn(buf, " \t")] == '#')
            continue;
        char *start = p;
        while (start > buf && !strchr(" \t=\"'(", start[-1]))
            start--;
        snprintf(out, len, "%.*s", (int)(p + 4 - start), start);
    }
    if (f)
        fclose(f);
    if (!out[0]) {
        snprintf(out, len, "/var/run/%s.pid", base_of(o->wrapper));
        import_warn(o, s, line, "--wrapper %s: %s; its PID file is assumed to be %s", o->wrapper,
                    f ? "no .pid path found in it" : "cannot read it", out);
    }
}

static void set_guard(struct import_scn *s, const char *kind, const char *path)
{
    snprintf(s->guard, sizeof(s->guard), "%s", kind);
    snprintf(s->guard_path, sizeof(s->guard_path), "%s", path);
}

/* One command of a list; returns the job's own words as text. */
static void scan_command(struct import_opts *o, struct import_scn *s, int line, char (*w)[256],
                         int n, char *job, size_t joblen)
{
    int i = 0;
    while (i < n) {
        const char *b = base_of(w[i]);
        if (strcmp(b, "timeout") == 0) {
            i++;
            while (i < n && w[i][0] == '-') {
                bool arg = (strcmp(w[i], "-s") == 0 || strcmp(w[i], "-k") == 0 ||
                            strcmp(w[i], "--signal") == 0 || strcmp(w[i], "--kill-after") == 0);
                i += arg ? 2 : 1;
            }
            if (i < n) {
                import_note(s, "timeout %s: the job is killed after %s%s", w[i], w[i],
                            is_number(w[i]) ? " seconds" : "");
                import_warn(o, s, line,
                            "timeout %s: the scenario format has no job deadline: runs are not "
                            "killed (a run longer than %s would be, in the real system)",
                            w[i], w[i]);
                i++;
            }
            continue;
        }
        if (strcmp(b, "flock") == 0 || strcmp(b, "setlock") == 0) {
            bool nonblock = false, shared = false, waits = false, flockp = b[0] == 'f';
            i++;
            for (; i < n && w[i][0] == '-'; i++) {
                const char *a = w[i];
                if (strcmp(a, "--nonblock") == 0 || strcmp(a, "--nb") == 0)
                    nonblock = true;
                else if (strcmp(a, "--shared") == 0)
                    shared = true;
                else if (strcmp(a, "-w") == 0 || strcmp(a, "--timeout") == 0 ||
                         strcmp(a, "--wait") == 0 || strcmp(a, "-E") == 0 ||
                         strcmp(a, "--conflict-exit-code") == 0) {
                    waits |= a[1] == 'w' || strstr(a, "wait") || strstr(a, "timeout");
                    i++;
                } else if (a[1] != '-') {
                    nonblock |= strchr(a, 'n') != NULL;
                    shared |= flockp && strchr(a, 's') != NULL;
                }
            }
            if (i >= n)
                break;
            const char *file = w[i++];
            if (is_number(file))
                import_warn(o, s, line,
                            "flock %s locks an open descriptor, not a file: guard flock "
                            "with no path (give guard.path by hand)",
                            file);
            if (shared)
                import_warn(o, s, line,
                            "flock -s takes a shared lock: it excludes nothing "
                            "between runs of this job; the scenario uses guard none");
            else if (!nonblock)
                import_warn(
                    o, s, line,
                    "%s %s without -n%s waits for the lock: runs queue up and start late "
                    "instead of skipping; the flock guard skips, the nearest the format has",
                    b, file, waits ? " (with a timeout)" : "");
            if (!shared)
                set_guard(s, "flock", is_number(file) ? "" : file);
            import_note(s, "%s %s%s: a lock file around the job: guard flock, path %s", b,
                        nonblock ? "-n " : "", file, file);
            if (i < n && strcmp(w[i], "-c") == 0)
                i++;
            continue;
        }
        if (strcmp(b, "run-one") == 0) {
            i++;
            char path[256] = "~/.cache/run-one/";
            for (int j = i; j < n; j++)
                append(path, sizeof(path), "%s%s", j > i ? "_" : "", base_of(w[j]));
            set_guard(s, "flock", path);
            import_note(s, "run-one: a non-blocking flock on a file named after the command "
                           "(run-one(1)): guard flock");
            continue;
        }
        if (strncmp(b, "run-one-", 8) == 0 || strcmp(b, "run-this-one") == 0 ||
            strcmp(b, "keep-one-running") == 0) {
            import_warn(o, s, line, "%s: not simulated (%s); only run-one's skip-when-running is",
                        b,
                        strcmp(b, "run-this-one") == 0 ? "it kills the running copy first"
                                                       : "it re-runs the command in a loop");
            i++;
            continue;
        }
        if (strcmp(b, "solo") == 0) {
            char port[64] = "";
            for (i++; i < n && w[i][0] == '-'; i++) {
                if (strncmp(w[i], "-port=", 6) == 0)
                    snprintf(port, sizeof(port), "%s", w[i] + 6);
                else if (strcmp(w[i], "-port") == 0 && i + 1 < n)
                    snprintf(port, sizeof(port), "%s", w[++i]);
            }
            char path[96];
            snprintf(path, sizeof(path), "127.0.0.1:%s", port[0] ? port : "?");
            set_guard(s, "flock", path);
            import_note(s,
                        "solo -port=%s: binds a localhost port, freed by the kernel when the "
                        "job dies: a host-wide lock with flock's semantics (guard flock)",
                        port);
            continue;
        }
        if (o->wrapper && (strcmp(w[i], o->wrapper) == 0 || strcmp(b, base_of(o->wrapper)) == 0)) {
            char pid[256];
            wrapper_pidfile(o, s, line, pid, sizeof(pid));
            set_guard(s, "pidfile-check", pid);
            import_note(s, "%s: a PID-file wrapper (--wrapper): guard pidfile-check, path %s", b,
                        pid);
            i++;
            continue;
        }
        if (strcmp(b, "nice") == 0 || strcmp(b, "ionice") == 0 || strcmp(b, "nohup") == 0 ||
            strcmp(b, "chronic") == 0 || strcmp(b, "env") == 0) {
            for (i++; i < n && (w[i][0] == '-' || is_number(w[i]) || strchr(w[i], '=')); i++)
                ;
            continue;
        }
        break;
    }
    for (; i < n; i++)
        append(job, joblen, "%s%s", job[0] ? " " : "", w[i]);
}

void import_command(struct import_opts *o, struct import_scn *s, int line, const char *command)
{
    char w[MAX_WORDS][256], job[512] = "";
    const char *p = command;
    while (p && *p) {
        const char *rest;
        int n = words(p, w, MAX_WORDS, &rest);
        char one[256] = "";
        if (n > 0)
            scan_command(o, s, line, w, n, one, sizeof(one));
        if (n > 0 && one[0] && strcmp(base_of(w[0]), "cd") != 0)
            append(job, sizeof(job), "%s%s", job[0] ? "; " : "", one);
        p = rest;
    }
    if (job[0])
        import_note(s, "the job: %s", job);
}

/* --- the scenario text --- */

static void comment(FILE *f, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "; %.*s\n", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

void import_write(FILE *f, const struct import_scn *s, const char *durations)
{
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    sim_time iv = s->interval > 0 ? s->interval : SIM_HOUR;
    sim_time dur = 30 * iv < SIM_DAY ? SIM_DAY : 30 * iv;
    if (dur > 366 * SIM_DAY)
        dur = 366 * SIM_DAY;
    sim_time hi = iv + iv / 2;
    fprintf(f, "; Imported by `overlapsim import` from %s.\n", s->source);
    comment(f, s->notes);
    fprintf(f, "\n[scenario]\nname = %s\n", s->name);
    if (s->description[0])
        fprintf(f, "description = %s\n", s->description);
    fprintf(f, "source = %s\nduration = %s\nseeds = 1..20\nguards = none%s%s\n", s->source,
            time_format(dur, t1), s->guard[0] ? ", " : "", s->guard);
    fprintf(f, "\n[schedule]\n%s", s->sched);
    fprintf(f, "\n[job]\n");
    if (durations) {
        fprintf(f,
                "; the job's durations, measured (see `overlapsim run` for what they hold)\n"
                "api = %s\ndb = 0s\n",
                durations);
    } else {
        fprintf(f,
                "; The job's duration is unknown from the schedule definition. This is a\n"
                "; placeholder (1s up to 1.5 periods, so overlaps can show): replace it with\n"
                "; your measurements, e.g. api = histogram(metrics.prom, NAME) or\n"
                "; empirical(durations.txt), or import again with --durations FILE.\n"
                "api = uniform(1s,%s)\ndb = 0s\n",
                time_format(hi > 2 * SIM_S ? hi : 2 * SIM_S, t2));
    }
    fprintf(f, "\n[guard]\nkind = %s\n", s->guard[0] ? s->guard : "none");
    if (s->guard_path[0])
        fprintf(f, "path = %s\n", s->guard_path);
}
