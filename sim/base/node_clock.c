/*
 * Clock arithmetic (see node_clock.h). Drift is exact integer arithmetic in
 * 128 bits, so a year at 50 ppm is off by no rounding at all, and the same
 * seed gives the same readings on every machine.
 */
#include "node_clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void node_clock_init(struct node_clock *c, sim_time offset, double drift_ppm)
{
    memset(c, 0, sizeof(*c));
    c->offset = offset;
    c->drift_ppb = (int64_t)llround(drift_ppm * 1000.0);
}

int node_clock_step(struct node_clock *c, sim_time at, sim_time by)
{
    if (c->nsteps == NODE_CLOCK_MAX_STEPS) {
        /* fold the oldest into the offset: it is in the past for good */
        c->offset += c->step_by[0];
        c->stepped -= c->step_by[0];
        memmove(c->step_at, c->step_at + 1, sizeof(c->step_at[0]) * (NODE_CLOCK_MAX_STEPS - 1));
        memmove(c->step_by, c->step_by + 1, sizeof(c->step_by[0]) * (NODE_CLOCK_MAX_STEPS - 1));
        c->nsteps--;
    }
    if (c->nsteps && at < c->step_at[c->nsteps - 1])
        return -EINVAL;
    c->step_at[c->nsteps] = at;
    c->step_by[c->nsteps] = by;
    c->nsteps++;
    c->stepped += by;
    return 0;
}

sim_time node_clock_local(const struct node_clock *c, sim_time t)
{
    sim_time local = t + c->offset;
    if (c->drift_ppb)
        local += (sim_time)((__int128)t * c->drift_ppb / 1000000000);
    if (c->nsteps) {
        if (t >= c->step_at[c->nsteps - 1]) {
            local += c->stepped; /* the usual case: every step is past */
        } else {
            for (int i = 0; i < c->nsteps && c->step_at[i] <= t; i++)
                local += c->step_by[i];
        }
    }
    return local;
}

sim_time node_clock_true(const struct node_clock *c, sim_time local)
{
    /* the reading runs at 1 +- drift per true second: a few corrections
     * converge to the nanosecond, except right at a step, where a reading
     * that the step skipped has no true time and the nearest one is fine */
    sim_time t = local - c->offset - c->stepped;
    for (int i = 0; i < 4; i++) {
        sim_time err = node_clock_local(c, t) - local;
        if (err == 0)
            break;
        t -= err;
    }
    return t;
}

char *node_clock_describe(const struct node_clock *c, sim_time t, char *buf)
{
    char off[TIME_FMT_LEN];
    sim_time d = node_clock_local(c, t) - t;
    int n =
        snprintf(buf, NODE_CLOCK_DESC_LEN, "offset=%s%s", d >= 0 ? "+" : "", time_format(d, off));
    if (c->drift_ppb && n > 0 && n < NODE_CLOCK_DESC_LEN) {
        int64_t a = c->drift_ppb < 0 ? -c->drift_ppb : c->drift_ppb;
        char frac[8] = "";
        if (a % 1000) { /* "12.5", not "12.500"; "50", not "50.000" */
            snprintf(frac, sizeof(frac), ".%03lld", (long long)(a % 1000));
            for (size_t k = strlen(frac); frac[k - 1] == '0'; k--)
                frac[k - 1] = 0;
        }
        snprintf(buf + n, NODE_CLOCK_DESC_LEN - (size_t)n, " drift=%c%lld%sppm",
                 c->drift_ppb < 0 ? '-' : '+', (long long)(a / 1000), frac);
    }
    return buf;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t node_clock_minute(sim_time local)
{
    return floor_div(local, SIM_MIN);
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* 2024-01-01 is day 19723 after 1970-01-01, a Monday. */
#define EPOCH_DAYS 19723

void node_clock_civil(sim_time local, struct civil *out)
{
    int64_t sec = floor_div(local, SIM_S);
    int64_t days = floor_div(sec, 86400);
    int64_t rem = sec - days * 86400;
    int64_t abs_days = days + EPOCH_DAYS;
    civil_from_days(abs_days, &out->year, &out->month, &out->mday);
    out->month -= 1;
    out->hour = (int)(rem / 3600);
    out->minute = (int)(rem / 60 % 60);
    out->second = (int)(rem % 60);
    out->wday = (int)(((abs_days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
}
