/*
 * Faults on the scenario's timeline: `[fault]` sections with a kind, a time
 * and a duration. The engine's fault injector turns them into events.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stddef.h>

#include "dist.h"
#include "time.h"

enum fault_kind {
    FAULT_API_SLOW,   /* API phases starting in the window take `latency` */
    FAULT_MANUAL_RUN, /* one manual trigger at `at` */
    FAULT_KIND_COUNT,
};

struct fault_spec {
    enum fault_kind kind;
    sim_time at, dur;
    struct dist latency;
    int line;
    int has_kind;
};

/* Name of a kind, as written in scenario files. */
const char *fault_kind_name(enum fault_kind k);

/*
 * Sets key of a [fault] section from text. Returns 0, -ENOENT for an unknown
 * key, or -EINVAL with the reason in err.
 */
int fault_set(struct fault_spec *f, const char *key, const char *value, char *err, size_t errlen);

/* Checks a complete fault (it has a kind, a window where one is needed). */
int fault_check(const struct fault_spec *f, char *err, size_t errlen);

#endif
