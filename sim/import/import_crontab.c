/*
 * Crontabs (crontab(5)): a user's (five time fields, then the command) or
 * the system's, /etc/crontab and /etc/cron.d (a user name before the
 * command). Blank lines and # comments are skipped; NAME=value lines set
 * the job's environment (MAILTO, SHELL, PATH, CRON_TZ, ...), noted in the
 * scenario since none changes when a job starts except CRON_TZ, which is
 * warned about. @hourly etc. are kept (cron.c knows them); @reboot has no
 * schedule and is refused with a warning. One scenario per job line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cron.h"
#include "import.h"

static bool is_env(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    while (isalnum((unsigned char)*s) || *s == '_')
        s++;
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '=';
}

/* Splits off n whitespace-separated fields; returns the rest, or NULL. */
static const char *fields(const char *s, char (*out)[128], int n)
{
    for (int i = 0; i < n; i++) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t k = strcspn(s, " \t");
        if (k == 0 || k >= 128)
            return NULL;
        memcpy(out[i], s, k);
        out[i][k] = 0;
        s += k;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    return *s ? s : NULL;
}

/* System format: the path says so, or a job's sixth field is root. */
static bool system_format(const char *text, const char *path)
{
    if (strcmp(path, "/etc/crontab") == 0 || strstr(path, "cron.d/"))
        return true;
    const char *line = text;
    while (line && *line) {
        char f[7][128];
        const char *end = strchr(line, '\n');
        char buf[1024];
        snprintf(buf, sizeof(buf), "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
        const char *s = buf + strspn(buf, " \t");
        int nf = *s == '@' ? 2 : 6;
        if (*s && *s != '#' && !is_env(s) && fields(s, f, nf) && strcmp(f[nf - 1], "root") == 0)
            return true;
        line = end ? end + 1 : NULL;
    }
    return false;
}

int import_crontab(const char *text, struct import_opts *o, struct import_scn *out, int max,
                   char *err, size_t errlen)
{
    bool sys = system_format(text, o->path);
    char env[1024] = "", tz[200] = "";
    int tz_line = 0;
    int n = 0, lineno = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        char buf[2048];
        lineno++;
        snprintf(buf, sizeof(buf), "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
        line = end ? end + 1 : NULL;
        buf[strcspn(buf, "\r")] = 0;
        char *s = buf + strspn(buf, " \t");
        if (!*s || *s == '#')
            continue;
        if (is_env(s)) {
            size_t k = strcspn(s, " \t=");
            snprintf(env + strlen(env), sizeof(env) - strlen(env), "%s%s", env[0] ? ", " : "", s);
            if (strncmp(s, "CRON_TZ", k) == 0 && k == 7) {
                snprintf(tz, sizeof(tz), "%.190s", s);
                tz_line = lineno;
            }
            continue;
        }
        char f[7][128];
        bool at = *s == '@';
        int nt = at ? 1 : 5, nf = nt + (sys ? 1 : 0);
        const char *cmd = fields(s, f, nf);
        if (!cmd) {
            snprintf(err, errlen, "%s:%d: expected %s%s and a command", o->path, lineno,
                     at ? "@hourly (or another @ form)" : "five time fields",
                     sys ? ", a user" : "");
            return -EINVAL;
        }
        if (o->line && o->line != lineno)
            continue;
        if (at && strcmp(f[0], "@reboot") == 0) {
            import_warn(o, NULL, lineno, "@reboot runs once at boot, it has no schedule: skipped");
            continue;
        }
        char expr[700];
        if (at)
            snprintf(expr, sizeof(expr), "%s", f[0]);
        else
            snprintf(expr, sizeof(expr), "%s %s %s %s %s", f[0], f[1], f[2], f[3], f[4]);
        struct cron_expr ce;
        char cerr[200];
        if (cron_parse(expr, &ce, cerr, sizeof(cerr)) != 0) {
            snprintf(err, errlen, "%s:%d: %s", o->path, lineno, cerr);
            return -EINVAL;
        }
        if (n == max) {
            snprintf(err, errlen, "%s:%d: more than %d jobs (use --line N)", o->path, lineno, max);
            return -EINVAL;
        }
        struct import_scn *sc = &out[n++];
        memset(sc, 0, sizeof(*sc));
        sc->line = lineno;
        const char *base = strrchr(o->path, '/');
        snprintf(sc->name, sizeof(sc->name), "%.40s-line%d", base ? base + 1 : o->path, lineno);
        snprintf(sc->tag, sizeof(sc->tag), "line%d", lineno);
        snprintf(sc->source, sizeof(sc->source), "%s:%d", o->path, lineno);
        snprintf(sc->description, sizeof(sc->description), "%.290s", s);
        import_note(sc, "%s crontab line %d: %s", sys ? "system" : "user", lineno, s);
        import_note(sc, "schedule %s: cron (cronie) starts a process per slot, running or not",
                    expr);
        if (sys)
            import_note(sc, "runs as user %s", f[nt]);
        if (env[0])
            import_note(sc, "environment: %s (only CRON_TZ could change when the job starts)", env);
        if (tz[0] && n > 1) /* warned once, noted in each */
            import_note(sc, "NOT SIMULATED (line %d): %s: the simulated clock has no time zone",
                        tz_line, tz);
        else if (tz[0])
            import_warn(o, sc, tz_line,
                        "%s: the simulated clock has no time zone (nor daylight saving): the "
                        "job runs on it as if local",
                        tz);
        import_sched(sc, "kind", "cron");
        import_sched(sc, "cron", "%s", expr);
        sc->interval = import_cron_interval(expr);
        if (strchr(cmd, '%'))
            import_note(sc, "%% in the command: cron passes the text after it as standard input");
        import_command(o, sc, lineno, cmd);
    }
    if (o->line && n == 0) {
        snprintf(err, errlen, "%s: --line %d: no job on that line", o->path, o->line);
        return -EINVAL;
    }
    return n;
}
