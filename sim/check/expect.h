/*
 * Expectations: what must hold (or must fail) for a guard in a scenario.
 * Written in [expect], [expect GUARD], [expect @VARIANT] or
 * [expect GUARD @VARIANT] as `metric OP value`, where OP is =, <=, >= or !=
 * (INI splits at the '=', so "runs >= 100" arrives as key "runs >" and value
 * "100"). A plain metric must hold on every seed; `some.metric` on at least
 * one. Sections rank guard+variant, then guard, then variant, then global; a
 * line of a more specific section overrides the less specific lines on the
 * same metric it conflicts with (the same side of a bound, or a bound it
 * contradicts), and the compatible ones still apply: global
 * `runs_per_period >= 0.98` and `<= 1.01` with [expect @v]
 * `runs_per_period >= 0.99` give `>= 0.99` and `<= 1.01`; global
 * `duplicates = 0` with [expect none @v] `duplicates >= 1000` gives
 * `>= 1000` alone.
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

/*
 * Does e only describe the workload (how long runs are: long_cycles,
 * long_cycle_ratio, duration_*) rather than what a guard did? A sweep that
 * varies the workload does not count such a line as a failure (tune reads
 * only the bounds and the invariants either).
 */
bool expect_describes_workload(const struct expectation *e);

/* "max_concurrency <= 1", "some.runs >= 3" */
char *expect_format(const struct expectation *e, char *buf, size_t len);

/*
 * Picks the expectations that apply to guard in variant out of all n, by
 * the rule above; writes pointers into out (room for n), in file order, and
 * returns how many.
 */
int expect_select(const struct expectation *all, int n, const char *guard, const char *variant,
                  const struct expectation **out);

#endif
