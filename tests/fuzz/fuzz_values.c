/*
 * libFuzzer target: the value parsers (durations, distributions, seed
 * ranges, expectations, cron expressions). Whatever parses must format back to text that
 * parses to the same thing, and sample without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/scenario/config.h"
#include "../../sim/base/cron.h"
#include "../../sim/base/dist.h"
#include "../../sim/check/expect.h"
#include "../../sim/base/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[600], err[300], buf[600];
    if (size >= sizeof(text))
        return 0;
    memcpy(text, data, size);
    text[size] = 0;

    sim_time t, back;
    if (time_parse_duration(text, &t) == 0) {
        char f[TIME_FMT_LEN];
        if (t < 0 || time_parse_duration(time_format(t, f), &back) != 0 || back != t)
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
        if (dist_parse(buf, &d2, err, sizeof(err)) != 0 || d2.kind != d.kind)
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
    struct seed_range sr;
    if (config_parse_seeds(text, &sr) == 0 && sr.from > sr.to)
        abort();
    struct expectation e;
    char *eq = strchr(text, '=');
    if (eq) {
        *eq = 0;
        (void)expect_parse(text, eq + 1, &e, err, sizeof(err));
    }
    return 0;
}
