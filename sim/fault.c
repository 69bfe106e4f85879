/* Parsing of [fault] sections (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[FAULT_KIND_COUNT] = {
    [FAULT_API_SLOW] = "api-slow",
    [FAULT_MANUAL_RUN] = "manual-run",
};

const char *fault_kind_name(enum fault_kind k) { return kind_names[k]; }

int fault_set(struct fault_spec *f, const char *key, const char *value, char *err, size_t errlen)
{
    char derr[200];
    if (strcmp(key, "kind") == 0) {
        for (int i = 0; i < FAULT_KIND_COUNT; i++) {
            if (strcmp(value, kind_names[i]) == 0) {
                f->kind = (enum fault_kind)i;
                f->has_kind = 1;
                return 0;
            }
        }
        snprintf(err, errlen, "unknown fault kind '%s' (expected api-slow, manual-run)", value);
        return -EINVAL;
    }
    if (strcmp(key, "at") == 0 || strcmp(key, "for") == 0) {
        sim_time *t = key[0] == 'a' ? &f->at : &f->dur;
        if (time_parse_duration(value, t) != 0) {
            snprintf(err, errlen, "fault %s: bad duration '%s'", key, value);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(key, "latency") == 0) {
        if (dist_parse(value, &f->latency, derr, sizeof(derr)) != 0) {
            snprintf(err, errlen, "fault latency: %s", derr);
            return -EINVAL;
        }
        return 0;
    }
    snprintf(err, errlen, "unknown fault key '%s'", key);
    return -ENOENT;
}

int fault_check(const struct fault_spec *f, char *err, size_t errlen)
{
    if (!f->has_kind) {
        snprintf(err, errlen, "fault without a kind");
        return -EINVAL;
    }
    if (f->kind == FAULT_API_SLOW && (f->dur <= 0 || f->latency.kind == DIST_NONE)) {
        snprintf(err, errlen, "api-slow needs 'for' and 'latency'");
        return -EINVAL;
    }
    return 0;
}
