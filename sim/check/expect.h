/*
 * Expectations: what must hold (or must fail) for a guard in a scenario.
 * Written in [expect], [expect GUARD], [expect @VARIANT] or
 * [expect GUARD @VARIANT] as `metric OP value`, where OP is =, <=, >= or !=
 * (INI splits at the '=', so "runs >= 100" arrives as key "runs >" and value
 * "100"). A plain metric must hold on every seed; `some.metric` on at least
 * one. A more specific section replaces every expectation on the same metric
 * from a less specific one: guard+variant, then guard, then variant, then
 * global.
 */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"

enum expect_op { EXPECT_EQ, EXPECT_LE, EXPECT_GE, EXPECT_NE };
enum expect_mode { EXPECT_EVERY, EXPECT_SOME };

struct expectation {
    char guard[32];   /* "" for any guard */
    char variant[32]; /* "" for any variant */
    int metric;
    enum expect_mode mode;
    enum expect_op op;
    double value;
    int line;
};

/*
 * Parses one `key = value` line of an expect section into *e (guard and
 * variant are set by the caller). Returns 0 or -EINVAL with a reason in err.
 */
int expect_parse(const char *key, const char *value, struct expectation *e, char *err,
                 size_t errlen);

/* Does the value satisfy e? */
bool expect_holds(const struct expectation *e, double value);

/* "max_concurrency <= 1", "some.runs >= 3" */
char *expect_format(const struct expectation *e, char *buf, size_t len);

/*
 * Picks the expectations that apply to guard in variant out of all n, most
 * specific first per metric; writes pointers into out (room for n) and
 * returns how many.
 */
int expect_select(const struct expectation *all, int n, const char *guard, const char *variant,
                  const struct expectation **out);

#endif
