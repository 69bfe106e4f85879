/*
 * The configuration of one simulated run: every knob a scenario file, a
 * variant, a node section or `--set` can change. It is plain data (no
 * pointers to the heap), so it copies by value. One table of keys
 * (config_keys) drives parsing, overrides, validation messages and the
 * format reference, so a key exists in exactly one place.
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../guards/guard.h"
#include "../base/cron.h"
#include "../base/dist.h"
#include "export_config.h"
#include "../base/time.h"

enum sched_kind {
    SCHED_TICKER,
    SCHED_FIXED_RATE,
    SCHED_FIXED_DELAY,
    SCHED_CRON,
    SCHED_QUARTZ,
    SCHED_K8S,     /* Kubernetes CronJob */
    SCHED_SYSTEMD, /* a systemd timer starting a oneshot service */
};
/* Kubernetes CronJob spec.concurrencyPolicy. */
enum k8s_policy { K8S_ALLOW, K8S_FORBID, K8S_REPLACE };

/* Does every trigger of this scheduler start a process of its own? */
static inline bool config_sched_forks(enum sched_kind k)
{
    return k == SCHED_CRON || k == SCHED_K8S || k == SCHED_SYSTEMD;
}
enum dispatch { DISPATCH_INLINE, DISPATCH_SPAWN };
/* What a scheduler does with slots it missed by its threshold or more
 * (misfire.h); DEFAULT: what the real scheduler does. */
enum misfire { MISFIRE_DEFAULT, MISFIRE_COALESCE, MISFIRE_SKIP, MISFIRE_BURST };

#define CONFIG_MAX_GUARDS 32
#define CONFIG_NAME_LEN 64
#define CONFIG_MAX_KEYS 128

struct seed_range {
    uint64_t from, to;
};

struct config {
    /* [scenario] */
    char name[CONFIG_NAME_LEN];
    sim_time duration;
    struct seed_range seeds;
    int limit;              /* the invariant: at most this many runs at once */
    char interleaving[256]; /* explore: the order of events due together */
    int nguards;
    const struct guard_ops *guards[CONFIG_MAX_GUARDS];
    /* [schedule] */
    enum sched_kind sched;
    sim_time interval;
    enum dispatch dispatch;
    bool run_at_start;
    sim_time first_at; /* first tick or first scheduled run */
    struct dist manual;
    /* [job] */
    struct dist api, db;
    /* [guard] */
    const struct guard_ops *guard;
    struct guard_params gp;
    /* added with the simulated world */
    int nnodes;            /* scenario.nodes: nodes when the file has no [node] sections */
    char cron_text[64];    /* schedule.cron as written */
    struct cron_expr cron; /* schedule.cron parsed */
    struct dist phase;     /* schedule.phase: random delay of each node's first run */
    bool release_on_error; /* job.release_on_error: release in a finally block */
    char host[32];         /* node.host ("": the node's name) */
    sim_time clock_offset, clock_jitter;
    double drift_ppm;
    int pid_max;
    double pid_rate;
    sim_time exec_latency, fs_latency, ps_latency;
    struct dist db_latency; /* round trip of a statement */
    int db_pool;
    sim_time db_timeout, db_tx_age;
    sim_time db_clock_offset;
    double db_drift_ppm;
    /* added with the catalogue */
    enum misfire misfire;       /* schedule.misfire */
    sim_time misfire_threshold; /* schedule.misfire_threshold (-1: automatic) */
    enum k8s_policy k8s_policy; /* schedule.concurrency_policy */
    sim_time grace_period;      /* schedule.grace_period: terminationGracePeriodSeconds */
    sim_time starting_deadline; /* schedule.starting_deadline (0: none) */
    bool persistent;            /* schedule.persistent: the schedule survives a restart */
    sim_time accuracy;          /* schedule.accuracy: systemd's AccuracySec= */
    sim_time randomized_delay;  /* schedule.randomized_delay: systemd's RandomizedDelaySec= */
    /* [export] and [store] (export_config.h) */
    struct export_config xp;
    struct store_config store;
    /* where each key was last set, for error messages (0: default) */
    int line[CONFIG_MAX_KEYS];
    /* the scenario file's directory: histogram() and empirical() files are relative to it */
    char data_dir[256];
};

enum config_type {
    CT_DURATION,
    CT_DIST,
    CT_INT,
    CT_BOOL,
    CT_ENUM,
    CT_STRING,
    CT_GUARD,
    CT_GUARDS,
    CT_SEEDS,
    CT_SIGNED, /* a duration that may be negative (clock offsets) */
    CT_FACTOR, /* a non-negative number (double) */
    CT_REAL,   /* any number (double), e.g. a drift in ppm */
    CT_CRON,   /* a cron expression */
    CT_PROB,   /* a probability: 0.02 or 2% */
};

struct config_key {
    const char *name; /* "schedule.interval" */
    enum config_type type;
    size_t offset;
    size_t size;                /* CT_STRING: buffer size; CT_INT: minimum */
    const char *const *choices; /* CT_ENUM: names, NULL-terminated */
    const char *example;
    const char *doc;
};

extern const struct config_key config_keys[];

/* The defaults every scenario starts from. */
void config_defaults(struct config *c);

/* Does some key live in [section] ("schedule" for schedule.interval)? */
bool config_section_known(const char *section);

/* The key of that name, or NULL. */
const struct config_key *config_key_find(const char *name);

/*
 * Sets key to the text value, remembering line as where it came from.
 * Returns 0, -ENOENT for an unknown key, or -EINVAL for a bad value; either
 * way err receives a lower-case reason ("bad duration 'x'").
 */
int config_set(struct config *c, const char *key, const char *value, int line, char *err,
               size_t errlen);

/*
 * Checks the combination of values (a ticker needs an interval, ...).
 * Returns 0, or -EINVAL with the reason in err and the offending key's line
 * in *line (0 if it kept its default).
 */
int config_check(const struct config *c, char *err, size_t errlen, int *line);

/*
 * Fills in what follows from other keys once every override is applied: a
 * cron schedule's interval (the gap between its first two firings, unless
 * schedule.interval is set), the guard's interval (schedule.interval unless
 * guard.interval is set) and ShedLock's lockAtMostFor (max_factor x interval
 * unless set).
 */
void config_resolve(struct config *c);

/* Formats a key's current value as text that config_set accepts. */
char *config_get(const struct config *c, const struct config_key *k, char *buf, size_t len);

/*
 * Parses an interleaving ("0.2.1": which of the events due together goes
 * first, tie by tie, then insertion order) into choices (room for max).
 * Returns the count, or -EINVAL.
 */
int config_parse_interleaving(const char *text, int *choices, int max);

/* Parses "A..B" or "N". Returns 0 or -EINVAL. */
int config_parse_seeds(const char *s, struct seed_range *out);

#endif
