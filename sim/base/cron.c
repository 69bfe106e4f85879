/*
 * Cron expression parsing and matching (see cron.h). The grammar follows
 * cronie's entry.c: `*`, N, N-M, each optionally /STEP, comma lists; names
 * only as single values or range ends; 7 is Sunday too.
 */
#include "cron.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node_clock.h"
#include "time.h"

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field {
    const char *name;
    int lo, hi;
    const char *const *names; /* names[i] is value lo_name + i */
    int nnames, name_base;
};

static const struct field fields[5] = {
    {"minute", 0, 59, NULL, 0, 0},          {"hour", 0, 23, NULL, 0, 0},
    {"day-of-month", 1, 31, NULL, 0, 0},    {"month", 1, 12, month_names, 12, 1},
    {"day-of-week", 0, 7, dow_names, 7, 0},
};

/* One number or name at *p; advances *p. */
static int value(const struct field *f, const char **p, int *out, char *err, size_t errlen)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (*s++ - '0');
            if (v > 1000)
                break;
        }
        if (v < f->lo || v > f->hi) {
            snprintf(err, errlen, "%s field: %ld is out of range %d-%d", f->name, v, f->lo, f->hi);
            return -EINVAL;
        }
        *out = (int)v;
        *p = s;
        return 0;
    }
    for (int i = 0; i < f->nnames; i++) {
        if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
            *out = f->name_base + i;
            *p = s + 3;
            return 0;
        }
    }
    snprintf(err, errlen, "%s field: expected a number%s at '%.20s'", f->name,
             f->names ? " or a name" : "", s);
    return -EINVAL;
}

static int parse_field(const struct field *f, const char *text, uint64_t *bits, bool *star,
                       char *err, size_t errlen)
{
    const char *p = text;
    *bits = 0;
    *star = *p == '*';
    for (;;) {
        int a, b, step = 1;
        if (*p == '*') {
            a = f->lo;
            b = f->hi;
            p++;
        } else {
            if (value(f, &p, &a, err, errlen))
                return -EINVAL;
            b = a;
            if (*p == '-') {
                p++;
                if (value(f, &p, &b, err, errlen))
                    return -EINVAL;
                if (b < a) {
                    snprintf(err, errlen, "%s field: range %d-%d runs backwards", f->name, a, b);
                    return -EINVAL;
                }
            }
        }
        if (*p == '/') {
            p++;
            if (!isdigit((unsigned char)*p)) {
                snprintf(err, errlen, "%s field: expected a step after '/'", f->name);
                return -EINVAL;
            }
            step = atoi(p);
            while (isdigit((unsigned char)*p))
                p++;
            if (step < 1 || step > f->hi) {
                snprintf(err, errlen, "%s field: step %d is out of range 1-%d", f->name, step,
                         f->hi);
                return -EINVAL;
            }
            if (a == b) /* "5/15" means 5-max/15, as cronie reads it */
                b = f->hi;
        }
        for (int v = a; v <= b; v += step)
            *bits |= 1ull << v;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) {
            snprintf(err, errlen, "%s field: unexpected '%.20s'", f->name, p);
            return -EINVAL;
        }
        return 0;
    }
}

static const struct {
    const char *name, *expr;
    unsigned flags;
} specials[] = {
    {"@yearly", "0 0 1 1 *", CRON_DOW_STAR},  {"@annually", "0 0 1 1 *", CRON_DOW_STAR},
    {"@monthly", "0 0 1 * *", CRON_DOW_STAR}, {"@weekly", "0 0 * * 0", CRON_DOM_STAR},
    {"@daily", "0 0 * * *", CRON_DOW_STAR},   {"@midnight", "0 0 * * *", CRON_DOW_STAR},
    {"@hourly", "0 * * * *", CRON_HR_STAR},
};

int cron_parse(const char *text, struct cron_expr *out, char *err, size_t errlen)
{
    char buf[256], *tok[6], *save;
    int n = 0;
    memset(out, 0, sizeof(*out));
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '@') {
        for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
            if (strcasecmp(text, specials[i].name) == 0) {
                int rc = cron_parse(specials[i].expr, out, err, errlen);
                out->flags = specials[i].flags;
                return rc;
            }
        }
        snprintf(err, errlen,
                 "unknown cron shorthand '%.40s' (expected @hourly, @daily, "
                 "@weekly, @monthly or @yearly)",
                 text);
        return -EINVAL;
    }
    if (strlen(text) >= sizeof(buf)) {
        snprintf(err, errlen, "cron expression too long");
        return -EINVAL;
    }
    strcpy(buf, text);
    for (char *t = strtok_r(buf, " \t", &save); t && n < 6; t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    if (n != 5) {
        snprintf(err, errlen,
                 "cron expression '%.60s' has %s fields (expected 5: minute hour "
                 "day-of-month month day-of-week)",
                 text,
                 n > 5    ? "more than 5"
                 : n == 4 ? "4"
                 : n == 3 ? "3"
                 : n == 2 ? "2"
                 : n == 1 ? "1"
                          : "no");
        return -EINVAL;
    }
    uint64_t bits[5];
    bool star[5];
    for (int i = 0; i < 5; i++)
        if (parse_field(&fields[i], tok[i], &bits[i], &star[i], err, errlen))
            return -EINVAL;
    out->minute = bits[0];
    out->hour = (uint32_t)bits[1];
    out->dom = (uint32_t)bits[2];
    out->month = (uint16_t)bits[3];
    out->dow = (uint8_t)(bits[4] & 0x7f);
    if (bits[4] & (1u << 7)) /* 7 is Sunday too */
        out->dow |= 1;
    out->flags = (star[0] ? CRON_MIN_STAR : 0) | (star[1] ? CRON_HR_STAR : 0) |
                 (star[2] ? CRON_DOM_STAR : 0) | (star[4] ? CRON_DOW_STAR : 0);
    return 0;
}

static bool day_matches(const struct cron_expr *e, const struct civil *c)
{
    bool dom = (e->dom >> c->mday) & 1, dow = (e->dow >> c->wday) & 1;
    if (!((e->month >> (c->month + 1)) & 1))
        return false;
    /* cron's odd rule: a restricted dom and a restricted dow are OR-ed */
    if ((e->flags & CRON_DOM_STAR) || (e->flags & CRON_DOW_STAR))
        return dom && dow;
    return dom || dow;
}

bool cron_matches(const struct cron_expr *e, int64_t m)
{
    struct civil c;
    node_clock_civil(m * SIM_MIN, &c);
    return ((e->minute >> c.minute) & 1) && ((e->hour >> c.hour) & 1) && day_matches(e, &c);
}

int64_t cron_next(const struct cron_expr *e, int64_t m)
{
    int64_t limit = m + 8LL * 366 * 24 * 60;
    struct civil c;
    for (m++; m < limit;) {
        node_clock_civil(m * SIM_MIN, &c);
        if (!day_matches(e, &c)) { /* to the next midnight */
            m += (int64_t)(24 - c.hour) * 60 - c.minute;
            continue;
        }
        if (!((e->hour >> c.hour) & 1)) { /* to the next hour */
            m += 60 - c.minute;
            continue;
        }
        if ((e->minute >> c.minute) & 1)
            return m;
        m++;
    }
    return -1;
}
