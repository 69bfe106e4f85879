/*
 * libFuzzer target: the value parsers (durations, signed durations,
 * distributions, seed ranges, expectations, cron expressions, and every
 * configuration key as "key=value"). Whatever parses must format back to
 * text that parses to the same value (not merely the same kind: a mix()
 * weight of 1e-17 once came back as 0), and sample without crashing.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/scenario/config.h"
#include "../../sim/base/cron.h"
#include "../../sim/base/dist.h"
#include "../../sim/check/expect.h"
#include "../../sim/base/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int simple_same(const struct dist_simple *a, const struct dist_simple *b)
{
    return a->kind == b->kind && a->a == b->a && a->b == b->b && a->mu == b->mu &&
           a->sigma == b->sigma;
}

static int dist_same(const struct dist *a, const struct dist *b)
{
    if (a->kind != b->kind || !simple_same(&a->one, &b->one) || a->nparts != b->nparts)
        return 0;
    for (int i = 0; i < a->nparts; i++)
        if (!simple_same(&a->part[i], &b->part[i]) || a->cum[i] != b->cum[i] ||
            a->weight[i] != b->weight[i])
            return 0;
    return 1;
}

/* "key=value" for a configuration key: config_get's text sets the same value. */
static void config_round_trip(const char *key, const char *value)
{
    static struct config c1, c2;
    char err[300], t1[4096], t2[4096];
    const struct config_key *k = config_key_find(key);
    if (!k)
        return;
    config_defaults(&c1);
    if (config_set(&c1, key, value, 1, err, sizeof(err)) != 0) {
        if (!err[0])
            abort(); /* a rejection always says why */
        return;
    }
    config_get(&c1, k, t1, sizeof(t1));
    if (!t1[0])
        return; /* "automatic": the default, written as nothing */
    config_defaults(&c2);
    if (config_set(&c2, key, t1, 1, err, sizeof(err)) != 0)
        abort(); /* written back as text the parser refuses */
    config_get(&c2, k, t2, sizeof(t2));
    if (strcmp(t1, t2) != 0)
        abort();
    const char *f1 = (const char *)&c1 + k->offset, *f2 = (const char *)&c2 + k->offset;
    switch (k->type) {
    case CT_DURATION:
    case CT_SIGNED:
        if (memcmp(f1, f2, sizeof(sim_time)) != 0)
            abort();
        break;
    case CT_FACTOR:
    case CT_REAL:
    case CT_PROB:
        if (*(const double *)f1 != *(const double *)f2)
            abort();
        break;
    case CT_INT:
    case CT_ENUM:
        if (*(const int *)f1 != *(const int *)f2)
            abort();
        break;
    case CT_DIST:
        if (!dist_same((const struct dist *)f1, (const struct dist *)f2))
            abort();
        break;
    case CT_SEEDS:
        if (memcmp(f1, f2, sizeof(struct seed_range)) != 0)
            abort();
        break;
    default: /* text, guards, cron, bool: the same text is the same value */
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[600], err[300], buf[600];
    if (size >= sizeof(text))
        return 0;
    memcpy(text, data, size);
    text[size] = 0;

    sim_time t, back;
    char f[TIME_FMT_LEN];
    if (time_parse_duration(text, &t) == 0) {
        if (t < 0 || time_parse_duration(time_format(t, f), &back) != 0 || back != t)
            abort();
    }
    if (time_parse_signed(text, &t) == 0) {
        if (time_parse_signed(time_format(t, f), &back) != 0 || back != t)
            abort();
    }
    struct dist d, d2;
    if (dist_parse(text, &d, err, sizeof(err)) == 0) {
        struct prng r;
        prng_seed(&r, 1, PRNG_JOB);
        for (int i = 0; i < 4; i++)
            if (dist_sample(&d, &r) < 0)
                abort();
        dist_format(&d, buf, sizeof(buf));
        if (dist_parse(buf, &d2, err, sizeof(err)) != 0 || !dist_same(&d, &d2))
            abort();
        (void)dist_quantile(&d, 0.99);
    } else if (!err[0]) {
        abort(); /* a rejection always says why */
    }
    struct cron_expr ce;
    if (cron_parse(text, &ce, err, sizeof(err)) == 0) {
        /* an accepted expression fires, and its next firing is later */
        int64_t next = cron_next(&ce, 0);
        if (next >= 0 && next <= 0)
            abort();
    } else if (!err[0]) {
        abort();
    }
    struct seed_range sr, sr2;
    if (config_parse_seeds(text, &sr) == 0) {
        snprintf(buf, sizeof(buf), "%" PRIu64 "..%" PRIu64, sr.from, sr.to);
        if (sr.from > sr.to || config_parse_seeds(buf, &sr2) != 0 || sr2.from != sr.from ||
            sr2.to != sr.to)
            abort();
    }
    struct expectation e, e2;
    char *eq = strchr(text, '=');
    if (eq) {
        *eq = 0;
        if (expect_parse(text, eq + 1, &e, err, sizeof(err)) == 0) {
            /* written back as the INI line "metric OP value", split as libinih does */
            char line[300];
            expect_format(&e, line, sizeof(line));
            char *op = strchr(line, '=');
            if (!op)
                abort();
            *op = 0;
            char *val = op + 1;
            while (*val == ' ')
                val++;
            size_t n = strlen(line);
            while (n && line[n - 1] == ' ')
                line[--n] = 0;
            if (expect_parse(line, val, &e2, err, sizeof(err)) != 0 || e2.value != e.value ||
                e2.op != e.op || e2.metric != e.metric || e2.mode != e.mode)
                abort();
        }
        config_round_trip(text, eq + 1);
    }
    return 0;
}
