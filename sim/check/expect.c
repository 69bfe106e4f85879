/* Parsing, selection and evaluation of expectations (see expect.h). */
#include "expect.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/num.h"
#include "../base/time.h"
#include "metrics.h"

static const char *const op_names[] = {"=", "<=", ">=", "!="};

int expect_parse(const char *key, const char *value, struct expectation *e, char *err,
                 size_t errlen)
{
    char name[64];
    size_t len = strlen(key);
    if (len == 0 || len >= sizeof(name)) {
        snprintf(err, errlen, "bad expectation '%s'", key);
        return -EINVAL;
    }
    strcpy(name, key);
    e->op = EXPECT_EQ;
    char last = name[len - 1];
    if (last == '<' || last == '>' || last == '!') {
        e->op = last == '<' ? EXPECT_LE : last == '>' ? EXPECT_GE : EXPECT_NE;
        name[--len] = 0;
        while (len && isspace((unsigned char)name[len - 1]))
            name[--len] = 0;
    }
    const char *metric = name;
    e->mode = EXPECT_EVERY;
    if (strncmp(name, "some.", 5) == 0) {
        e->mode = EXPECT_SOME;
        metric += 5;
    }
    e->metric = metric_find(metric);
    if (e->metric < 0) {
        snprintf(err, errlen, "unknown metric '%s' (see scenarios/README.md)", metric);
        return -EINVAL;
    }
    /* finite decimals only: "nan" would fail every comparison, "0x10" surprise */
    if (num_parse_decimal(value, &e->value) != 0) {
        /* durations are welcome where seconds are meant */
        sim_time t;
        size_t mlen = strlen(metric);
        if (mlen > 2 && strcmp(metric + mlen - 2, "_s") == 0 &&
            time_parse_duration(value, &t) == 0) {
            e->value = time_to_sec(t);
        } else {
            snprintf(err, errlen, "%s: bad number '%s'", metric, value);
            return -EINVAL;
        }
    }
    return 0;
}

bool expect_holds(const struct expectation *e, double v)
{
    /* counters are exact; seconds compare with a little slack for rounding */
    double eps = 1e-9 * fmax(1.0, fabs(e->value));
    switch (e->op) {
    case EXPECT_EQ:
        return fabs(v - e->value) <= eps;
    case EXPECT_LE:
        return v <= e->value + eps;
    case EXPECT_GE:
        return v >= e->value - eps;
    case EXPECT_NE:
        return fabs(v - e->value) > eps;
    }
    return false;
}

char *expect_format(const struct expectation *e, char *buf, size_t len)
{
    char v[32];
    snprintf(buf, len, "%s%s %s %s", e->mode == EXPECT_SOME ? "some." : "",
             metric_defs[e->metric].name, op_names[e->op], num_format(e->value, v, sizeof(v)));
    return buf;
}

/* 3: guard and variant named; 2: guard; 1: variant; 0: global; -1: not ours. */
static int specificity(const struct expectation *e, const char *guard, const char *variant)
{
    if (e->guard[0] && strcmp(e->guard, guard) != 0)
        return -1;
    if (e->variant[0] && (!variant || strcmp(e->variant, variant) != 0))
        return -1;
    return (e->guard[0] ? 2 : 0) + (e->variant[0] ? 1 : 0);
}

/*
 * Does the more specific line spec override the less specific gen on the
 * same metric? When it bounds the same side (>= and >=, <= and <=; = bounds
 * both sides, != is its own kind) or contradicts it (no value satisfies
 * both). A compatible bound on the other side still applies: global
 * `runs_per_period <= 1.01` stays beside `[expect @v] runs_per_period >= 0.99`.
 */
static bool expect_overrides(const struct expectation *spec, const struct expectation *gen)
{
    if (spec->op == EXPECT_NE || gen->op == EXPECT_NE)
        return spec->op == gen->op || (spec->op == EXPECT_EQ && !expect_holds(gen, spec->value)) ||
               (gen->op == EXPECT_EQ && !expect_holds(spec, gen->value));
    if (spec->op == EXPECT_EQ || gen->op == EXPECT_EQ || spec->op == gen->op)
        return true;
    /* opposite sides, <= a and >= b: they contradict when b > a */
    return !expect_holds(gen, spec->value);
}

int expect_select(const struct expectation *all, int n, const char *guard, const char *variant,
                  const struct expectation **out)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        int sp = specificity(&all[i], guard, variant);
        if (sp < 0)
            continue;
        bool beaten = false;
        for (int j = 0; j < n && !beaten; j++)
            if (j != i && all[j].metric == all[i].metric &&
                specificity(&all[j], guard, variant) > sp && expect_overrides(&all[j], &all[i]))
                beaten = true;
        if (!beaten)
            out[count++] = &all[i];
    }
    return count;
}

bool expect_describes_workload(const struct expectation *e)
{
    static const char *const workload[] = {"long_cycles",    "long_cycle_ratio", "duration_p50_s",
                                           "duration_p99_s", "duration_max_s",   NULL};
    if (e->metric < 0)
        return false;
    for (int i = 0; workload[i]; i++)
        if (strcmp(metric_defs[e->metric].name, workload[i]) == 0)
            return true;
    return false;
}
