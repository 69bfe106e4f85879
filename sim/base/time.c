/*
 * Duration parsing and formatting. Parsing is strict: every number needs a
 * unit (except a bare 0), so "30" never silently means 30 ns or 30 s.
 */
#include "time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct unit {
    const char *name;
    sim_time ns;
} units[] = {
    {"ns", SIM_NS}, {"us", SIM_US},  {"ms", SIM_MS}, {"s", SIM_S},
    {"m", SIM_MIN}, {"h", SIM_HOUR}, {"d", SIM_DAY},
};

/* Longest unit name that prefixes s, so "ms" wins over "m". */
static const struct unit *unit_match(const char *s, size_t *len)
{
    const struct unit *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].name);
        if (n > best_len && strncmp(s, units[i].name, n) == 0 && !(s[n] >= 'a' && s[n] <= 'z')) {
            best = &units[i];
            best_len = n;
        }
    }
    *len = best_len;
    return best;
}

int time_parse_duration(const char *s, sim_time *out)
{
    if (!s || !*s)
        return -EINVAL;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    long double total = 0;
    const char *p = s;
    while (*p) {
        /* a number: digits with at most one decimal point */
        const char *num = p;
        int dots = 0;
        while ((*p >= '0' && *p <= '9') || *p == '.') {
            if (*p == '.')
                dots++;
            p++;
        }
        if (p == num || dots > 1 || (p - num == 1 && *num == '.'))
            return -EINVAL;
        long double v = strtold(num, NULL);
        size_t ulen;
        const struct unit *u = unit_match(p, &ulen);
        if (!u)
            return -EINVAL;
        p += ulen;
        total += v * (long double)u->ns;
        if (total > (long double)SIM_TIME_MAX / 2)
            return -EINVAL;
    }
    *out = (sim_time)llroundl(total);
    return 0;
}

int time_parse_signed(const char *s, sim_time *out)
{
    if (s && (*s == '-' || *s == '+')) {
        int rc = time_parse_duration(s + 1, out);
        if (rc == 0 && *s == '-')
            *out = -*out;
        return rc;
    }
    return time_parse_duration(s, out);
}

/* Appends whole + frac/scale with the fraction's trailing zeros trimmed. */
static int fmt_fixed(char *p, size_t left, long long whole, long long frac, int digits,
                     const char *unit)
{
    if (!frac)
        return snprintf(p, left, "%lld%s", whole, unit);
    char f[16];
    snprintf(f, sizeof(f), "%0*lld", digits, frac);
    for (int i = digits - 1; i > 0 && f[i] == '0'; i--)
        f[i] = 0;
    return snprintf(p, left, "%lld.%s%s", whole, f, unit);
}

char *time_format(sim_time d, char *buf)
{
    char *p = buf;
    size_t left = TIME_FMT_LEN;
    if (d == 0) {
        snprintf(buf, left, "0s");
        return buf;
    }
    if (d < 0) {
        *p++ = '-';
        left--;
        d = -d;
    }
    if (d < SIM_US) {
        snprintf(p, left, "%lldns", (long long)d);
    } else if (d < SIM_MS) {
        fmt_fixed(p, left, d / SIM_US, d % SIM_US, 3, "us");
    } else if (d < SIM_S) {
        fmt_fixed(p, left, d / SIM_MS, d % SIM_MS, 6, "ms");
    } else {
        long long s = d / SIM_S, frac = d % SIM_S;
        long long dd = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, ss = s % 60;
        int n = 0;
        if (dd)
            n += snprintf(p + n, left - n, "%lldd", dd);
        if (h)
            n += snprintf(p + n, left - n, "%lldh", h);
        if (m)
            n += snprintf(p + n, left - n, "%lldm", m);
        if (ss || frac)
            fmt_fixed(p + n, left - n, ss, frac, 9, "s");
    }
    return buf;
}

char *time_format_clock(sim_time t, char *buf)
{
    const char *sign = "";
    if (t < 0) {
        sign = "-";
        t = -t;
    }
    long long ms = t / SIM_MS;
    long long s = ms / 1000, d = s / 86400;
    if (d)
        snprintf(buf, TIME_FMT_LEN, "%s%lldd %02lld:%02lld:%02lld.%03lld", sign, d, s / 3600 % 24,
                 s / 60 % 60, s % 60, ms % 1000);
    else
        snprintf(buf, TIME_FMT_LEN, "%s%02lld:%02lld:%02lld.%03lld", sign, s / 3600 % 24,
                 s / 60 % 60, s % 60, ms % 1000);
    return buf;
}
