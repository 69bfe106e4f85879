/*
 * Cron expressions as Vixie cron and cronie read them: five fields (minute,
 * hour, day of month, month, day of week) of numbers, names (jan, mon),
 * ranges, lists and steps, or one of @yearly @monthly @weekly @daily
 * @hourly. The dom/dow rule is cron's: when both fields are restricted a day
 * matches if either does. The *_STAR flags say which fields start with `*`,
 * which is how cron tells "wildcard" jobs from "fixed-time" jobs when the
 * clock jumps (see sched_cron.c).
 */
#ifndef SIM_CRON_H
#define SIM_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRON_MIN_STAR 1u
#define CRON_HR_STAR 2u
#define CRON_DOM_STAR 4u
#define CRON_DOW_STAR 8u

struct cron_expr {
    uint64_t minute; /* bit i: minute i */
    uint32_t hour;
    uint32_t dom;   /* bit i: day i (1..31) */
    uint16_t month; /* bit i: month i (1..12) */
    uint8_t dow;    /* bit i: weekday i (0 = Sunday) */
    unsigned flags;
};

/*
 * Parses text. Returns 0, or -EINVAL with a lower-case reason in err
 * ("minute field: 61 is out of range 0-59").
 */
int cron_parse(const char *text, struct cron_expr *out, char *err, size_t errlen);

/* Does local minute m (minutes since the calendar epoch) match? */
bool cron_matches(const struct cron_expr *e, int64_t m);

/* Is the entry a "wildcard" job (minute or hour field starts with `*`)? */
static inline bool cron_is_wild(const struct cron_expr *e)
{
    return (e->flags & (CRON_MIN_STAR | CRON_HR_STAR)) != 0;
}

/* The first matching minute after m, or -1 if none within 8 years. */
int64_t cron_next(const struct cron_expr *e, int64_t m);

#endif
