/*
 * Faults on the scenario's timeline: `[fault]` sections with a kind, a time
 * (`at`), a duration (`for`), a target (a node, a process, the database) and
 * the kind's parameters. A fault may instead be placed at a point inside a
 * run (`after = acquire`, `before = write`): armed at `at`, it hits the next
 * `count` runs that reach that point. `every = DIST` repeats a fault at
 * random intervals drawn from the seed. The engine's fault injector
 * (inject.c) turns them into events.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/dist.h"
#include "../base/time.h"

enum fault_kind {
    FAULT_API_SLOW,      /* API phases starting in the window take `latency` */
    FAULT_MANUAL_RUN,    /* one manual trigger at `at` */
    FAULT_PAUSE,         /* stop the world for `for` (GC, SIGSTOP, VM freeze) */
    FAULT_CRASH,         /* kill -9 (cleanup = no) or SIGTERM (yes); restart_after */
    FAULT_CLOCK_STEP,    /* a node's or the database's clock jumps by `by` */
    FAULT_DB_CONTENTION, /* statements arriving in the window wait for a row lock until its end */
    FAULT_DB_OUTAGE,     /* statements sent in the window fail after the client's timeout */
    FAULT_DB_DISCONNECT, /* the server ends sessions: advisory locks go */
    FAULT_DB_SLOW_REPLY, /* the server acts, the reply comes `latency` late */
    FAULT_PID_REUSE,     /* another process takes the PID of the last job process that went */
    FAULT_JOB_ERROR,     /* the job throws */
    FAULT_KIND_COUNT,
};

enum fault_target { FT_DEFAULT, FT_NODE, FT_PROCESS, FT_DATABASE };

/* Points inside a run where a fault can be placed. */
enum fault_point_id {
    POINT_NONE = -1, /* at a time */
    POINT_BEFORE_ACQUIRE,
    POINT_AFTER_ACQUIRE,
    POINT_BEFORE_WRITE,
    POINT_AFTER_WRITE,
    POINT_BEFORE_RELEASE,
    POINT_AFTER_RELEASE,
    POINT_CRASH, /* `after = crash`: right after a crash fault killed a process */
    POINT_COUNT,
};

#define FAULT_NODE_LEN 32

struct fault_spec {
    enum fault_kind kind;
    sim_time at, dur;
    struct dist latency;
    int line;
    int has_kind;
    enum fault_target target;
    char node[FAULT_NODE_LEN]; /* "" = every node */
    int node_line;             /* where node = was written */
    int node_idx;              /* resolved by scenario_model: -1 = every node */
    int point;                 /* enum fault_point_id */
    int count;                 /* point faults: runs it hits (0: every one) */
    double probability;        /* point faults: chance per run at the point */
    bool cleanup;              /* crash */
    sim_time restart_after;    /* crash: -1 = never */
    sim_time by;               /* clock-step */
    bool same_cmdline;         /* pid-reuse */
    struct dist every;         /* repeat at random intervals (DIST_NONE: once) */
    sim_time until;            /* repeats stop here (0: the end) */
    sim_time delay;            /* after = crash: this long after the crash */
    bool has_by;
    int nvariants; /* [fault @a @b]: only in these variants (0: in all) */
    char variants[4][32];
};

/* Name of a kind, as written in scenario files. */
const char *fault_kind_name(enum fault_kind k);
/* Name of a point ("after acquire"). */
const char *fault_point_name(int point);

/* A fault with the defaults of every key. */
void fault_init(struct fault_spec *f, int line);

/*
 * Sets key of a [fault] section from text. Returns 0, -ENOENT for an unknown
 * key, or -EINVAL with the reason in err.
 */
int fault_set(struct fault_spec *f, const char *key, const char *value, char *err, size_t errlen);

/* Checks a complete fault (it has a kind, a window where one is needed). */
int fault_check(const struct fault_spec *f, char *err, size_t errlen);

#endif
