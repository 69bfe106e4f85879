/*
 * systemd timers (systemd.timer(5), systemd.time(7)), read with libinih,
 * one line per reader call so warnings name the line. OnCalendar= becomes
 * schedule.cron where cron can say the same: the shorthands (hourly, daily,
 * weekly = Mon 00:00, ...) and "[WEEKDAYS] [*-MM-DD] [HH:MM[:SS]]" with
 * lists, ranges (..) and repetitions (/) in any field, seconds 0, any year;
 * anything else (seconds, a year, ~ last days, a weekday together with a
 * day of month, which systemd ANDs and cron ORs, several OnCalendar=) is
 * refused naming the line. Persistent=, AccuracySec= and
 * RandomizedDelaySec= have keys of their own. Without OnCalendar=,
 * OnUnitActiveSec= (the delay after the service's last activation) and
 * OnBootSec= (the first run) become fixed-delay: a timer never starts its
 * service while it runs. The .service's ExecStart= is scanned for wrappers.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/cron.h"
#include "import.h"

struct unit_reader {
    const char *text, *pos;
    int line;
};

static char *read_line(char *str, int num, void *stream)
{
    struct unit_reader *r = stream;
    if (!r->pos || !*r->pos)
        return NULL;
    const char *end = strchr(r->pos, '\n');
    size_t n = end ? (size_t)(end - r->pos + 1) : strlen(r->pos);
    if (n >= (size_t)num)
        n = (size_t)num - 1;
    memcpy(str, r->pos, n);
    str[n] = 0;
    r->pos += n;
    r->line++;
    return str;
}

struct timer_parse {
    struct import_opts *o;
    struct import_scn *s;
    struct unit_reader r;
    bool service; /* reading the .service */
    char calendar[256];
    int calendar_line, ncalendar;
    sim_time active, boot, inactive;
    int active_line;
    char randomized[64], accuracy[64];
    bool persistent;
    char err[600];
};

/* A systemd time span ("5min", "1h 30min", "2.5s", "90" = seconds) in sim time. */
static int span_parse(const char *text, sim_time *out)
{
    static const struct {
        const char *u;
        sim_time ns;
    } units[] = {
        {"usec", SIM_US},      {"us", SIM_US},      {"msec", SIM_MS}, {"ms", SIM_MS},
        {"seconds", SIM_S},    {"second", SIM_S},   {"sec", SIM_S},   {"s", SIM_S},
        {"minutes", SIM_MIN},  {"minute", SIM_MIN}, {"min", SIM_MIN}, {"m", SIM_MIN},
        {"hours", SIM_HOUR},   {"hour", SIM_HOUR},  {"hr", SIM_HOUR}, {"h", SIM_HOUR},
        {"days", SIM_DAY},     {"day", SIM_DAY},    {"d", SIM_DAY},   {"weeks", 7 * SIM_DAY},
        {"week", 7 * SIM_DAY}, {"w", 7 * SIM_DAY}};
    double total = 0;
    const char *p = text;
    bool any = false;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *end;
        double v = strtod(p, &end);
        if (end == p || v < 0)
            return -1;
        p = end;
        while (*p == ' ')
            p++;
        size_t k = 0;
        while (isalpha((unsigned char)p[k]))
            k++;
        sim_time unit = k ? 0 : SIM_S;
        for (size_t i = 0; k && i < sizeof(units) / sizeof(units[0]); i++)
            if (strlen(units[i].u) == k && strncmp(p, units[i].u, k) == 0)
                unit = units[i].ns;
        if (!unit)
            return -1;
        p += k;
        total += v * (double)unit;
        any = true;
    }
    if (!any || total > 9e18)
        return -1;
    *out = (sim_time)(total + 0.5);
    return 0;
}

static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int dow_value(const char *s, size_t n)
{
    for (int i = 0; i < 7; i++)
        if (n >= 3 && strncasecmp(s, dow_names[i], 3) == 0)
            return i;
    return -1;
}

/* One field of a date or time ("*", "5", "1,15", "1..5", "0/15", "*​/2") in cron syntax. */
static int field_to_cron(const char *f, int max, char *out, size_t len, const char **why)
{
    out[0] = 0;
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", f);
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        if (strchr(item, '~')) {
            *why = "'~' (days counted from the month's end)";
            return -1;
        }
        char a[32] = "", b[32] = "", step[32] = "";
        char *slash = strchr(item, '/');
        if (slash) {
            *slash = 0;
            snprintf(step, sizeof(step), "%s", slash + 1);
        }
        char *dots = strstr(item, "..");
        if (dots) {
            *dots = 0;
            snprintf(b, sizeof(b), "%s", dots + 2);
        }
        snprintf(a, sizeof(a), "%s", item);
        for (const char *c = a; *c; c++)
            if (!isdigit((unsigned char)*c) && strcmp(a, "*") != 0) {
                *why = "a field that is not a number, a list or a range";
                return -1;
            }
        char piece[64];
        int av = atoi(a), bv = b[0] ? atoi(b) : -1;
        if (strcmp(a, "*") == 0)
            snprintf(piece, sizeof(piece), "*");
        else if (b[0])
            snprintf(piece, sizeof(piece), "%d-%d", av, bv);
        else if (step[0]) /* systemd: A/S starts at A and repeats every S */
            snprintf(piece, sizeof(piece), "%d-%d", av, max);
        else
            snprintf(piece, sizeof(piece), "%d", av);
        snprintf(out + strlen(out), len - strlen(out), "%s%s%s%s", out[0] ? "," : "", piece,
                 step[0] ? "/" : "", step);
    }
    return 0;
}

/* OnCalendar= as a cron expression, or -1 with why. */
static int calendar_to_cron(const char *spec, char *out, size_t len, const char **why, bool *zone)
{
    static const struct {
        const char *name, *cron;
    } shorthand[] = {{"minutely", "* * * * *"},      {"hourly", "0 * * * *"},
                     {"daily", "0 0 * * *"},         {"weekly", "0 0 * * 1"},
                     {"monthly", "0 0 1 * *"},       {"yearly", "0 0 1 1 *"},
                     {"annually", "0 0 1 1 *"},      {"quarterly", "0 0 1 1,4,7,10 *"},
                     {"semiannually", "0 0 1 1,7 *"}};
    char tok[4][128];
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", spec);
    *zone = false;
    for (char *t = strtok(buf, " \t"); t; t = strtok(NULL, " \t")) {
        if (n == 4) {
            *why = "too many parts";
            return -1;
        }
        snprintf(tok[n++], sizeof(tok[0]), "%s", t);
    }
    if (n == 0) {
        *why = "an empty expression";
        return -1;
    }
    /* a trailing time zone (UTC, Europe/Berlin) */
    if (n > 1 && (strchr(tok[n - 1], '/') || strcmp(tok[n - 1], "UTC") == 0) &&
        !strchr(tok[n - 1], ':') && isalpha((unsigned char)tok[n - 1][0])) {
        *zone = true;
        n--;
    }
    for (size_t i = 0; n == 1 && i < sizeof(shorthand) / sizeof(shorthand[0]); i++)
        if (strcasecmp(tok[0], shorthand[i].name) == 0) {
            snprintf(out, len, "%s", shorthand[i].cron);
            return 0;
        }
    int i = 0;
    char dow[64] = "*", date[128] = "*-*-*", tim[128] = "00:00:00";
    if (isalpha((unsigned char)tok[0][0])) { /* weekdays: Mon, Mon..Fri, Sat,Sun */
        dow[0] = 0;
        char w[128];
        snprintf(w, sizeof(w), "%s", tok[0]);
        for (char *item = strtok(w, ","); item; item = strtok(NULL, ",")) {
            char *dots = strstr(item, "..");
            int a = dow_value(item, dots ? (size_t)(dots - item) : strlen(item));
            int b = dots ? dow_value(dots + 2, strlen(dots + 2)) : a;
            if (a < 0 || b < 0) {
                *why = "an unknown weekday";
                return -1;
            }
            snprintf(dow + strlen(dow), sizeof(dow) - strlen(dow), "%s%d", dow[0] ? "," : "", a);
            if (b != a)
                snprintf(dow + strlen(dow), sizeof(dow) - strlen(dow), "-%d", b);
        }
        i++;
    }
    if (i < n && !strchr(tok[i], ':'))
        snprintf(date, sizeof(date), "%.120s", tok[i++]);
    if (i < n)
        snprintf(tim, sizeof(tim), "%.120s", tok[i++]);
    if (i != n) {
        *why = "parts in an unknown order";
        return -1;
    }
    /* date: [YEAR-]MONTH-DAY */
    char *d[3], star[] = "*";
    int nd = 0;
    char dbuf[128];
    snprintf(dbuf, sizeof(dbuf), "%s", date);
    for (char *p = dbuf, *q; nd < 3; p = q + 1) {
        d[nd++] = p;
        q = strchr(p, '-');
        if (!q)
            break;
        *q = 0;
    }
    if (nd == 2) {
        d[2] = d[1];
        d[1] = d[0];
        d[0] = star;
        nd = 3;
    }
    if (nd != 3 || strchr(d[2], '-')) {
        *why = "a date that is not [YEAR-]MONTH-DAY";
        return -1;
    }
    if (strcmp(d[0], "*") != 0) {
        *why = "a year (cron repeats every year)";
        return -1;
    }
    /* time: HOUR:MINUTE[:SECOND] */
    char tbuf[128], *t[3] = {NULL, NULL, NULL};
    int nt = 0;
    snprintf(tbuf, sizeof(tbuf), "%s", tim);
    for (char *p = tbuf, *q; nt < 3; p = q + 1) {
        t[nt++] = p;
        q = strchr(p, ':');
        if (!q)
            break;
        *q = 0;
    }
    if (nt < 2) {
        *why = "a time that is not HOUR:MINUTE[:SECOND]";
        return -1;
    }
    if (nt == 3 && strspn(t[2], "0") != strlen(t[2])) {
        *why = "seconds other than 0 (cron counts whole minutes)";
        return -1;
    }
    if (strcmp(dow, "*") != 0 && strcmp(d[2], "*") != 0) {
        *why = "a weekday and a day of the month together (systemd wants both, cron either)";
        return -1;
    }
    char mi[128], hr[128], dom[128], mon[128];
    if (field_to_cron(t[1], 59, mi, sizeof(mi), why) ||
        field_to_cron(t[0], 23, hr, sizeof(hr), why) ||
        field_to_cron(d[2], 31, dom, sizeof(dom), why) ||
        field_to_cron(d[1], 12, mon, sizeof(mon), why))
        return -1;
    snprintf(out, len, "%s %s %s %s %s", mi, hr, dom, mon, dow);
    return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
    struct timer_parse *p = user;
    struct import_scn *s = p->s;
    int line = p->r.line;
    sim_time v;
    char t1[TIME_FMT_LEN];
    const char *what = p->service ? "service" : "timer";
    if (strcmp(section, "Unit") == 0) {
        if (strcmp(key, "Description") == 0 && !s->description[0])
            snprintf(s->description, sizeof(s->description), "%.290s", value);
        else
            import_note(s, "[Unit] %s=%s (%s): no effect on when the job runs", key, value, what);
        return 1;
    }
    if (strcmp(section, "Install") == 0) {
        import_note(s, "[Install] %s=%s: how the unit is enabled, no effect on the schedule", key,
                    value);
        return 1;
    }
    if (p->service && strcmp(section, "Service") == 0) {
        if (strcmp(key, "ExecStart") == 0) {
            import_command(p->o, s, line, value + strspn(value, "-@:+!"));
        } else if (strcmp(key, "Type") == 0) {
            import_note(s, "Type=%s%s", value,
                        strcmp(value, "oneshot") == 0
                            ? ": the service is active while the job runs"
                            : ": the timer sees the service active while its process runs");
        } else if (strcmp(key, "TimeoutStartSec") == 0 || strcmp(key, "RuntimeMaxSec") == 0 ||
                   strcmp(key, "TimeoutSec") == 0) {
            import_warn(p->o, s, line,
                        "%s=%s: the scenario format has no job deadline: runs are not killed", key,
                        value);
        } else if (strcmp(key, "User") == 0 || strcmp(key, "Group") == 0 ||
                   strcmp(key, "WorkingDirectory") == 0 || strcmp(key, "Environment") == 0 ||
                   strcmp(key, "EnvironmentFile") == 0 || strcmp(key, "Nice") == 0 ||
                   strcmp(key, "IOSchedulingClass") == 0 || strcmp(key, "StandardOutput") == 0 ||
                   strcmp(key, "StandardError") == 0) {
            import_note(s, "[Service] %s=%s: no effect on when the job runs", key, value);
        } else {
            import_warn(p->o, s, line, "[Service] %s=%s: not simulated", key, value);
        }
        return 1;
    }
    if (p->service || strcmp(section, "Timer") != 0) {
        import_warn(p->o, s, line, "[%s] %s=%s: not simulated", section, key, value);
        return 1;
    }
    if (strcmp(key, "OnCalendar") == 0) {
        if (!value[0]) { /* an empty assignment resets the list */
            p->ncalendar = 0;
            return 1;
        }
        if (p->ncalendar++ == 0) {
            snprintf(p->calendar, sizeof(p->calendar), "%s", value);
            p->calendar_line = line;
        } else if (!p->err[0]) {
            snprintf(p->err, sizeof(p->err),
                     "%s:%d: a second OnCalendar= (%s): one cron expression cannot hold both",
                     p->o->path, line, value);
        }
    } else if (strcmp(key, "Persistent") == 0) {
        p->persistent = strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
                        strcmp(value, "1") == 0 || strcmp(value, "on") == 0;
        import_note(s, "Persistent=%s: %s", value,
                    p->persistent ? "slots missed while down run once at boot (schedule.persistent)"
                                  : "slots missed while down are lost");
    } else if (strcmp(key, "AccuracySec") == 0 || strcmp(key, "RandomizedDelaySec") == 0) {
        if (span_parse(value, &v) != 0) {
            snprintf(p->err, sizeof(p->err), "%s:%d: %s: bad time span '%s'", p->o->path, line, key,
                     value);
            return 1;
        }
        snprintf(key[0] == 'A' ? p->accuracy : p->randomized, 64, "%s", time_format(v, t1));
    } else if (strcmp(key, "OnUnitActiveSec") == 0 || strcmp(key, "OnUnitInactiveSec") == 0 ||
               strcmp(key, "OnBootSec") == 0 || strcmp(key, "OnStartupSec") == 0 ||
               strcmp(key, "OnActiveSec") == 0) {
        if (span_parse(value, &v) != 0) {
            snprintf(p->err, sizeof(p->err), "%s:%d: %s: bad time span '%s'", p->o->path, line, key,
                     value);
            return 1;
        }
        if (strcmp(key, "OnUnitActiveSec") == 0) {
            p->active = v;
            p->active_line = line;
        } else if (strcmp(key, "OnUnitInactiveSec") == 0) {
            p->inactive = v;
            p->active_line = line;
        } else {
            p->boot = v;
            import_note(s, "%s=%s: the first run, that long after boot", key, value);
        }
    } else if (strcmp(key, "Unit") == 0) {
        import_note(s, "Unit=%s: the service the timer starts", value);
    } else {
        import_warn(p->o, s, line, "%s=%s: not simulated", key, value);
    }
    return 1;
}

static int parse_unit(struct timer_parse *p, const char *text, bool service)
{
    p->service = service;
    p->r = (struct unit_reader){text, text, 0};
    int rc = ini_parse_stream(read_line, &p->r, on_key, p);
    if (rc > 0 && !p->err[0])
        snprintf(p->err, sizeof(p->err), "%s:%d: syntax error (expected [Section] or Key=Value)",
                 p->o->path, rc);
    return p->err[0] ? -EINVAL : 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

int import_systemd(const char *text, struct import_opts *o, struct import_scn *out, int max,
                   char *err, size_t errlen)
{
    if (max < 1)
        return 0;
    struct import_scn *s = &out[0];
    memset(s, 0, sizeof(*s));
    struct timer_parse *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    p->o = o;
    p->s = s;
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    snprintf(s->name, sizeof(s->name), "%.*s", (int)strcspn(base, "."), base);
    snprintf(s->source, sizeof(s->source), "%s", o->path);
    import_note(s, "systemd timer %s", o->path);
    int rc = parse_unit(p, text, false);
    /* the service: given, or the timer's name with .service beside it */
    char svc[600];
    if (o->service)
        snprintf(svc, sizeof(svc), "%s", o->service);
    else
        snprintf(svc, sizeof(svc), "%.*s.service",
                 (int)(strlen(o->path) - (strlen(base) - strcspn(base, "."))), o->path);
    char *stext = rc ? NULL : slurp(svc);
    if (!rc && stext) {
        const char *timer_path = o->path;
        o->path = svc;
        rc = parse_unit(p, stext, true);
        o->path = timer_path;
        snprintf(s->source + strlen(s->source), sizeof(s->source) - strlen(s->source), " and %s",
                 svc);
    } else if (!rc) {
        if (o->service) {
            snprintf(p->err, sizeof(p->err), "cannot open '%.500s'", svc);
            rc = -ENOENT;
        } else {
            import_note(s, "no %s beside it: the command (and its wrappers) unknown", svc);
        }
    }
    free(stext);
    char cron[700];
    const char *why = "";
    bool zone = false;
    if (!rc && p->ncalendar) {
        if (calendar_to_cron(p->calendar, cron, sizeof(cron), &why, &zone) != 0) {
            snprintf(p->err, sizeof(p->err), "%s:%d: OnCalendar=%s: cron cannot express %s",
                     o->path, p->calendar_line, p->calendar, why);
            rc = -EINVAL;
        } else {
            struct cron_expr ce;
            char cerr[200];
            if (cron_parse(cron, &ce, cerr, sizeof(cerr)) != 0) {
                snprintf(p->err, sizeof(p->err), "%s:%d: OnCalendar=%s: %s", o->path,
                         p->calendar_line, p->calendar, cerr);
                rc = -EINVAL;
            }
        }
    }
    if (!rc && p->ncalendar) {
        if (zone)
            import_warn(o, s, p->calendar_line,
                        "OnCalendar=%s: the simulated clock has no time zone (nor daylight "
                        "saving): the time zone is ignored",
                        p->calendar);
        import_note(s, "OnCalendar=%s is the cron schedule %s", p->calendar, cron);
        import_sched(s, "kind", "systemd-timer");
        import_sched(s, "cron", "%s", cron);
        s->interval = import_cron_interval(cron);
        if (p->persistent)
            import_sched(s, "persistent", "yes");
        if (p->accuracy[0])
            import_sched(s, "accuracy", "%s", p->accuracy);
        else
            import_note(s, "no AccuracySec=: systemd's default, 1min (schedule.accuracy)");
        if (p->randomized[0])
            import_sched(s, "randomized_delay", "%s", p->randomized);
        if (p->active || p->inactive || p->boot)
            import_warn(o, s, p->active_line,
                        "monotonic timers (OnUnitActiveSec=, OnBootSec=, ...) beside "
                        "OnCalendar=: only the calendar is simulated");
    } else if (!rc && (p->active || p->inactive)) {
        sim_time iv = p->active ? p->active : p->inactive;
        char t1[TIME_FMT_LEN];
        import_note(s,
                    "%s=%s: each run starts that long after the service's last %s, and a timer "
                    "never starts a service that is still running: fixed-delay",
                    p->active ? "OnUnitActiveSec" : "OnUnitInactiveSec", time_format(iv, t1),
                    p->active ? "activation" : "deactivation");
        import_sched(s, "kind", "fixed-delay");
        import_sched(s, "interval", "%s", t1);
        import_sched(s, "first_at", "%s", time_format(p->boot, t1));
        s->interval = iv;
        if (p->persistent)
            import_warn(o, s, 0,
                        "Persistent= applies to OnCalendar= only: ignored by systemd "
                        "here too");
        if (p->randomized[0])
            import_warn(o, s, 0, "RandomizedDelaySec=%s on a fixed-delay schedule: not simulated",
                        p->randomized);
        if (p->accuracy[0])
            import_warn(o, s, 0, "AccuracySec=%s on a fixed-delay schedule: not simulated",
                        p->accuracy);
    } else if (!rc) {
        snprintf(p->err, sizeof(p->err), "%s: no OnCalendar= nor OnUnitActiveSec=: the timer %s",
                 o->path, p->boot ? "runs the service once" : "never runs the service");
        rc = -EINVAL;
    }
    if (rc)
        snprintf(err, errlen, "%s", p->err);
    free(p);
    return rc ? rc : 1;
}
