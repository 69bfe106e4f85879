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

#include "../guards/guard.h"
#include "dist.h"
#include "export_config.h"
#include "time.h"

enum sched_kind { SCHED_TICKER, SCHED_FIXED_RATE, SCHED_FIXED_DELAY };
enum dispatch { DISPATCH_INLINE, DISPATCH_SPAWN };

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
    int limit; /* the invariant: at most this many runs at once */
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
    /* [export] and [store] (export_config.h) */
    struct export_config xp;
    struct store_config store;
    /* where each key was last set, for error messages (0: default) */
    int line[CONFIG_MAX_KEYS];
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
    CT_PROB, /* a probability: 0.02 or 2% */
};

struct config_key {
    const char *name; /* "schedule.interval" */
    enum config_type type;
    size_t offset;
    size_t size;                 /* CT_STRING: buffer size; CT_INT: minimum */
    const char *const *choices;  /* CT_ENUM: names, NULL-terminated */
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
