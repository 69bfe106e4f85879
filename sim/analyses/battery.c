/*
 * The failure battery (see battery.h): the failures table and, for each, a
 * builder that turns the user's base scenario into the failure's variant.
 * Variants are built in the scenario's own representation (overrides as
 * key = value, faults as fault_spec), never as text to re-parse. Faults
 * that are about a holder sit at the point right after acquiring (or before
 * releasing), armed at a quarter, half and three quarters of the run, once
 * each, so every seed meets the failure three times.
 */
#include "battery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/mem.h"
#include "case.h"

const struct battery_failure battery_failures[BATTERY_FAILURES] = {
    {"overrun-interval", "some runs last longer than the interval",
     "API phases starting in three windows of 3 intervals take 1.5 x interval",
     "seed 000 (a quarter of the ETL cycles outlast the 30 s ticker)", BH_HOLDER},
    {"overrun-lease", "some runs last longer than the guard's maximum hold",
     "API phases starting in three windows of 3 intervals take 1.5 x the maximum hold",
     "ShedLock README (lockAtMostFor caveat); catalogue lease-outlasts-max.ini", BH_HOLDER},
    {"manual-at-tick", "a manual start at the very instant of a scheduled one",
     "a manual-run placed before the acquire of a scheduled run, 11 times (every 2 h of a day)",
     "seed 002 (the wrapper run by hand as cron fires); catalogue pidfile-check-then-create.ini",
     BH_MANUAL},
    {"pause-holding", "a stop-the-world pause right after acquiring, 1.5 x the maximum hold",
     "pause after = acquire for 1.5 x the maximum hold, three times",
     "Kleppmann, \"How to do distributed locking\" (2016); catalogue lease-gc-pause.ini",
     BH_HOLDER},
    {"crash-holding", "kill -9 right after acquiring; the service restarts one interval later",
     "crash (cleanup = no) after = acquire, restart_after = interval, three times",
     "flock(2), PostgreSQL docs 13.3.5; catalogue crash-while-holding.ini", BH_HOLDER},
    {"sigterm-holding", "SIGTERM right after acquiring (traps and finally blocks run)",
     "crash (cleanup = yes) after = acquire, restart_after = interval, three times",
     "seed 002 (the wrapper's `trap cleanup EXIT`); Kubernetes pod termination", BH_HOLDER},
    {"session-drop",
     "the holder's database session ends right after acquiring (its next statement, the "
     "write, fails: the job throws)",
     "db-disconnect target = process after = acquire, and a job-error before the write, three "
     "times",
     "PostgreSQL docs 13.3.5 (session-level advisory locks); catalogue advisory-session-killed.ini",
     BH_HOLDER},
    {"db-outage-release", "the database is unreachable when the holder releases",
     "db-outage before = release for 2 x db.timeout, three times",
     "seed 003 (a lease left held until it expires); ShedLock lockAtMostFor", BH_HOLDER},
    {"db-slow-reply", "the reply to an acquire arrives after the client gave up",
     "db-slow-reply before = acquire for 1s, latency 2 x db.timeout, three times",
     "Kleppmann 2016 (network delay); catalogue lease-reply-lost.ini", BH_DB_ERROR},
    {"node-skew", "one node's clock is off by 1.5 x the maximum hold",
     "the first node's clock_offset moved back by 1.5 x the maximum hold",
     "ShedLock issue 231; seed 003 (a VM where NTP never ran); catalogue shedlock-clock-skew.ini",
     BH_RUNS},
    {"node-step-forward",
     "one node's clock jumps forward by 1.5 x the maximum hold while a run holds",
     "clock-step after = acquire on the holder's node, by +1.5 x the maximum hold, three times",
     "NTP step corrections (ntpd -g, chronyd makestep); VM resume", BH_HOLDER},
    {"node-step-back", "one node's clock jumps back by 1.5 x the maximum hold while a run holds",
     "clock-step after = acquire on the holder's node, by -1.5 x the maximum hold, three times",
     "NTP step corrections; leap-second and manual `date -s` fixes", BH_HOLDER},
    {"db-step-forward",
     "the database's clock jumps forward by 1.5 x the maximum hold while a run holds",
     "clock-step target = database after = acquire, by +1.5 x the maximum hold, three times",
     "seed 003 (the lease on the database clock); database host NTP steps", BH_HOLDER},
    {"db-step-back", "the database's clock jumps back by 1.5 x the maximum hold while a run holds",
     "clock-step target = database after = acquire, by -1.5 x the maximum hold, three times",
     "seed 003; database host NTP steps", BH_HOLDER},
    {"two-processes", "two processes of the job on one host",
     "a copy of the first node on the same host (a second service or crontab line)",
     "ShedLock issue 317 (two processes share locked_by); catalogue shedlock-shared-owner.ini",
     BH_RUNS},
    {"two-hosts", "the job installed on two hosts", "a copy of the first node on a host of its own",
     "seed 003 (replicas each running the task); ShedLock issues 6 and 8", BH_RUNS},
    {"pid-reuse", "after a crash, the dead run's PID comes back running the same command",
     "crash (kill -9) after = acquire, then pid-reuse after = crash, cmdline = same, for 10 "
     "intervals, three times",
     "proc(5), seed 002; catalogue pidfile-pid-reuse.ini", BH_HOLDER},
    {"config-mismatch",
     "one node holds its lock for half the time its runs take (a rolling upgrade)",
     "the first node's maximum hold set to half the median run",
     "seed 003 (@rolling-upgrade: per-node interval and factors)", BH_RUNS},
    {"host-asleep", "one node is suspended for ten intervals and catches up",
     "pause target = node after = acquire for 10 intervals, three times",
     "spring-framework issue 18458 (fixed rate after sleep); catalogue fixed-rate-after-sleep.ini",
     BH_HOLDER},
};

enum {
    F_OVERRUN_INTERVAL,
    F_OVERRUN_LEASE,
    F_MANUAL_AT_TICK,
    F_PAUSE_HOLDING,
    F_CRASH_HOLDING,
    F_SIGTERM_HOLDING,
    F_SESSION_DROP,
    F_DB_OUTAGE_RELEASE,
    F_DB_SLOW_REPLY,
    F_NODE_SKEW,
    F_NODE_STEP_FORWARD,
    F_NODE_STEP_BACK,
    F_DB_STEP_FORWARD,
    F_DB_STEP_BACK,
    F_TWO_PROCESSES,
    F_TWO_HOSTS,
    F_PID_REUSE,
    F_CONFIG_MISMATCH,
    F_HOST_ASLEEP,
};

#define ARMS 3         /* each point fault is armed three times: at 1/4, 1/2 and 3/4 of the run */
#define MANUAL_ARMS 11 /* manual-at-tick: every 2 h of a day */
#define EXTRA 64       /* room for the overrides a variant adds */

static const struct battery_failure battery_base = {
    "base", "nothing fails: the base scenario as it is", "no change", "", BH_RUNS};

int battery_failure_find(const char *name)
{
    for (int i = 0; i < BATTERY_FAILURES; i++)
        if (strcmp(battery_failures[i].name, name) == 0)
            return i;
    return strcmp(name, battery_base.name) == 0 ? BATTERY_BASE : -1;
}

const struct battery_failure *battery_failure_get(int f)
{
    return f >= 0 && f < BATTERY_FAILURES ? &battery_failures[f] : &battery_base;
}

/* The guards whose grant runs out by itself: the task_lock leases and ShedLock. */
static bool is_lease(const struct guard_ops *g)
{
    return strncmp(g->name, "lease", 5) == 0;
}
static bool is_shedlock(const struct guard_ops *g)
{
    return strcmp(g->name, "shedlock") == 0;
}

sim_time battery_max_hold(const struct guard_ops *g, const struct config *cfg)
{
    if (is_lease(g))
        return (sim_time)(cfg->gp.max_factor * (double)cfg->gp.interval);
    if (is_shedlock(g))
        return cfg->gp.at_most;
    return 0;
}

/* The scenario being built and what the builders need to know of the base. */
struct build {
    struct scenario *sc;
    const struct model *m; /* the base, resolved */
    const struct guard_ops *g;
    sim_time hold; /* the guard's maximum hold (0: none) */
    sim_time size; /* 1.5 x the maximum hold (or the lease's, for a guard without one) */
    sim_time arm[ARMS];
    int cap; /* room in sc->overrides */
    char *what;
    size_t whatlen;
};

static int override_add(struct build *b, const char *node, const char *key, const char *value)
{
    struct scenario *sc = b->sc;
    if (sc->noverrides == b->cap)
        return -ENOSPC;
    struct override *o = &sc->overrides[sc->noverrides++];
    memset(o, 0, sizeof(*o));
    snprintf(o->key, sizeof(o->key), "%s%s%s", node ? node : "", node ? "/" : "", key);
    snprintf(o->value, sizeof(o->value), "%s", value);
    o->line = -1; /* set, as a --set is: config_resolve must not replace it */
    sc->variants[0].count++;
    return 0;
}

/* A duration (time_format writes a negative one with its sign). */
static int override_time(struct build *b, const char *node, const char *key, sim_time t)
{
    char v[TIME_FMT_LEN];
    return override_add(b, node, key, time_format(t, v));
}

static struct fault_spec *fault_add(struct build *b, enum fault_kind k, int point, sim_time at)
{
    struct scenario *sc = b->sc;
    if (sc->nfaults == MODEL_MAX_FAULTS)
        return NULL;
    struct fault_spec *f = &sc->fault[sc->nfaults++];
    fault_init(f, 0);
    f->kind = k;
    f->has_kind = 1;
    f->point = point;
    f->at = at;
    return f;
}

/* Adds one fault per arm; fill sets each one's parameters. */
static int faults_armed(struct build *b, enum fault_kind k, int point,
                        void (*fill)(struct build *, struct fault_spec *))
{
    for (int i = 0; i < ARMS; i++) {
        struct fault_spec *f = fault_add(b, k, point, b->arm[i]);
        if (!f)
            return -ENOSPC;
        fill(b, f);
    }
    return 0;
}

static bool uses_db(const struct guard_ops *g)
{
    return g->scope == GUARD_SCOPE_GLOBAL;
}

static int na(struct build *b, const char *why)
{
    snprintf(b->what, b->whatlen, "%s", why);
    return 1;
}

/* --- fault parameters, one filler per failure --- */

static void fill_slow_interval(struct build *b, struct fault_spec *f)
{
    f->dur = 3 * b->m->cfg.interval;
    f->latency = dist_const(b->m->cfg.interval * 3 / 2);
}

static void fill_slow_hold(struct build *b, struct fault_spec *f)
{
    f->dur = 3 * b->m->cfg.interval;
    f->latency = dist_const(b->hold * 3 / 2);
}

static void fill_none(struct build *b, struct fault_spec *f)
{
    (void)b, (void)f;
}

static void fill_pause(struct build *b, struct fault_spec *f)
{
    f->dur = b->size;
}

static void fill_kill(struct build *b, struct fault_spec *f)
{
    f->cleanup = false;
    f->restart_after = b->m->cfg.interval;
}

static void fill_term(struct build *b, struct fault_spec *f)
{
    f->cleanup = true;
    f->restart_after = b->m->cfg.interval;
}

static void fill_process(struct build *b, struct fault_spec *f)
{
    (void)b;
    f->target = FT_PROCESS;
}

static void fill_outage(struct build *b, struct fault_spec *f)
{
    f->dur = 2 * b->m->cfg.db_timeout;
}

static void fill_slow_reply(struct build *b, struct fault_spec *f)
{
    f->dur = SIM_S;
    f->latency = dist_const(2 * b->m->cfg.db_timeout);
}

static void fill_step_fwd(struct build *b, struct fault_spec *f)
{
    f->by = b->size;
    f->has_by = true;
}

static void fill_step_back(struct build *b, struct fault_spec *f)
{
    f->by = -b->size;
    f->has_by = true;
}

static void fill_db_step_fwd(struct build *b, struct fault_spec *f)
{
    fill_step_fwd(b, f);
    f->target = FT_DATABASE;
}

static void fill_db_step_back(struct build *b, struct fault_spec *f)
{
    fill_step_back(b, f);
    f->target = FT_DATABASE;
}

static void fill_reuse(struct build *b, struct fault_spec *f)
{
    f->same_cmdline = true;
    f->dur = 10 * b->m->cfg.interval;
}

static void fill_asleep(struct build *b, struct fault_spec *f)
{
    f->target = FT_NODE;
    f->dur = 10 * b->m->cfg.interval;
}

/* A new [node] section copying the first node's, on host (NULL: its own). */
static int node_copy(struct build *b, const struct scenario *base, const char *suffix,
                     const char *host)
{
    struct scenario *sc = b->sc;
    const struct node_spec *n0 = &b->m->node[0];
    if (b->m->nnodes == MODEL_MAX_NODES)
        return na(b, "the base already has the most nodes a model may have");
    struct node_section *ns = &sc->nodes[sc->nnodes];
    memset(ns, 0, sizeof(*ns));
    snprintf(ns->name, sizeof(ns->name), "%.*s-%s", (int)(sizeof(ns->name) - 2 - strlen(suffix)),
             n0->name, suffix);
    ns->first = sc->noverrides;
    int have = base->nnodes ? base->nodes[0].count : 0;
    if (sc->noverrides + have + 1 > b->cap)
        return -ENOSPC;
    for (int i = 0; i < have; i++) /* its section's overrides */
        sc->overrides[sc->noverrides++] = base->overrides[base->nodes[0].first + i];
    struct override *o = &sc->overrides[sc->noverrides++];
    memset(o, 0, sizeof(*o));
    snprintf(o->key, sizeof(o->key), "node.host");
    snprintf(o->value, sizeof(o->value), "%s",
             host              ? host
             : n0->cfg.host[0] ? n0->cfg.host
                               : n0->name);
    o->line = -1;
    ns->count = have + 1;
    sc->nnodes++;
    return 0;
}

/* The failure's variant: overrides of variant 0, faults, nodes. */
static int build_failure(struct build *b, const struct scenario *base, int fi)
{
    const struct model *m = b->m;
    const char *n0 = m->node[0].name;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    switch (fi) {
    case F_OVERRUN_INTERVAL:
        snprintf(b->what, b->whatlen, "API phases of %s (interval %s)",
                 time_format(m->cfg.interval * 3 / 2, t1), time_format(m->cfg.interval, t2));
        return faults_armed(b, FAULT_API_SLOW, POINT_NONE, fill_slow_interval);
    case F_OVERRUN_LEASE:
        if (!b->hold)
            return na(b, "no maximum hold: a run keeps the guard to its end");
        snprintf(b->what, b->whatlen, "API phases of %s (maximum hold %s)",
                 time_format(b->hold * 3 / 2, t1), time_format(b->hold, t2));
        return faults_armed(b, FAULT_API_SLOW, POINT_NONE, fill_slow_hold);
    case F_MANUAL_AT_TICK: {
        /* the race only matters at a tick whose run gets the lock, which
         * cannot be known in advance: arm it every two hours of the run */
        snprintf(b->what, b->whatlen, "a manual start as a scheduled run acquires, %d times",
                 MANUAL_ARMS);
        for (int i = 0; i < MANUAL_ARMS; i++)
            if (!fault_add(b, FAULT_MANUAL_RUN, POINT_BEFORE_ACQUIRE,
                           m->cfg.duration / SIM_S * (i + 1) / (MANUAL_ARMS + 1) * SIM_S))
                return -ENOSPC;
        return 0;
    }
    case F_PAUSE_HOLDING:
        snprintf(b->what, b->whatlen, "pauses of %s after acquiring", time_format(b->size, t1));
        return faults_armed(b, FAULT_PAUSE, POINT_AFTER_ACQUIRE, fill_pause);
    case F_CRASH_HOLDING:
    case F_SIGTERM_HOLDING:
        snprintf(b->what, b->whatlen, "%s after acquiring, restart after %s",
                 fi == F_CRASH_HOLDING ? "kill -9" : "SIGTERM", time_format(m->cfg.interval, t1));
        return faults_armed(b, FAULT_CRASH, POINT_AFTER_ACQUIRE,
                            fi == F_CRASH_HOLDING ? fill_kill : fill_term);
    case F_SESSION_DROP:
        if (!uses_db(b->g) && dist_quantile(&m->cfg.db, 1.0) <= 0 &&
            m->cfg.xp.arrival.kind == DIST_NONE && m->cfg.store.consumers == 0)
            return na(b, "no database: neither the guard nor the job uses one");
        snprintf(b->what, b->whatlen, "the session ends after acquiring; the write throws");
        if (faults_armed(b, FAULT_DB_DISCONNECT, POINT_AFTER_ACQUIRE, fill_process) != 0)
            return -ENOSPC;
        return faults_armed(b, FAULT_JOB_ERROR, POINT_BEFORE_WRITE, fill_none);
    case F_DB_OUTAGE_RELEASE:
        if (!uses_db(b->g))
            return na(b, "the guard does not use the database");
        snprintf(b->what, b->whatlen, "outages of %s from the release",
                 time_format(2 * m->cfg.db_timeout, t1));
        return faults_armed(b, FAULT_DB_OUTAGE, POINT_BEFORE_RELEASE, fill_outage);
    case F_DB_SLOW_REPLY:
        if (!uses_db(b->g))
            return na(b, "the guard does not use the database");
        snprintf(b->what, b->whatlen, "the acquire's reply %s late (timeout %s)",
                 time_format(2 * m->cfg.db_timeout, t1), time_format(m->cfg.db_timeout, t2));
        return faults_armed(b, FAULT_DB_SLOW_REPLY, POINT_BEFORE_ACQUIRE, fill_slow_reply);
    case F_NODE_SKEW:
        if (m->nnodes < 2)
            return na(b, "one node: no other clock to disagree with");
        /* behind: the grants it writes by its own clock look expired to the others */
        snprintf(b->what, b->whatlen, "%s's clock %s behind", n0, time_format(b->size, t1));
        return override_time(b, n0, "node.clock_offset", m->node[0].cfg.clock_offset - b->size);
    case F_NODE_STEP_FORWARD:
    case F_NODE_STEP_BACK:
        snprintf(b->what, b->whatlen, "the holder's clock steps %s%s",
                 fi == F_NODE_STEP_BACK ? "-" : "+", time_format(b->size, t1));
        return faults_armed(b, FAULT_CLOCK_STEP, POINT_AFTER_ACQUIRE,
                            fi == F_NODE_STEP_BACK ? fill_step_back : fill_step_fwd);
    case F_DB_STEP_FORWARD:
    case F_DB_STEP_BACK:
        if (!uses_db(b->g))
            return na(b, "the guard does not use the database");
        snprintf(b->what, b->whatlen, "the database clock steps %s%s while held",
                 fi == F_DB_STEP_BACK ? "-" : "+", time_format(b->size, t1));
        return faults_armed(b, FAULT_CLOCK_STEP, POINT_AFTER_ACQUIRE,
                            fi == F_DB_STEP_BACK ? fill_db_step_back : fill_db_step_fwd);
    case F_TWO_PROCESSES:
    case F_TWO_HOSTS: {
        char host[64];
        snprintf(host, sizeof(host), "%s-host2", m->node[0].cfg.host[0] ? m->node[0].cfg.host : n0);
        int rc = node_copy(b, base, fi == F_TWO_HOSTS ? "host2" : "proc2",
                           fi == F_TWO_HOSTS ? host : NULL);
        if (rc == 0)
            snprintf(b->what, b->whatlen, "a copy of %s %s", n0,
                     fi == F_TWO_HOSTS ? "on another host" : "on its host");
        return rc;
    }
    case F_PID_REUSE:
        snprintf(b->what, b->whatlen, "kill -9 after acquiring; its PID reused for %s",
                 time_format(10 * m->cfg.interval, t1));
        if (faults_armed(b, FAULT_CRASH, POINT_AFTER_ACQUIRE, fill_kill) != 0)
            return -ENOSPC;
        return faults_armed(b, FAULT_PID_REUSE, POINT_CRASH, fill_reuse);
    case F_CONFIG_MISMATCH: {
        if (m->nnodes < 2)
            return na(b, "one node: no other version to disagree with");
        if (!b->hold)
            return na(b, "no maximum hold: every version holds the guard to the run's end");
        const struct config *c = &m->node[0].cfg;
        sim_time run = dist_quantile(&c->api, 0.5) + dist_quantile(&c->db, 0.5), half = run / 2;
        if (half <= 0)
            return na(b, "runs take no time");
        snprintf(b->what, b->whatlen, "%s holds %s (half a median run of %s)", n0,
                 time_format(half, t1), time_format(run, t2));
        if (is_shedlock(b->g)) {
            int rc = override_time(b, n0, "guard.lock_at_most_for", half);
            if (!rc && c->gp.at_least > half)
                rc = override_time(b, n0, "guard.lock_at_least_for", half);
            return rc;
        }
        char v[32];
        double f = (double)half / (double)c->gp.interval;
        snprintf(v, sizeof(v), "%.6g", f);
        int rc = override_add(b, n0, "guard.max_factor", v);
        if (!rc && c->gp.min_factor > f)
            rc = override_add(b, n0, "guard.min_factor", v);
        return rc;
    }
    case BATTERY_BASE:
        snprintf(b->what, b->whatlen, "the base scenario, nothing added");
        return 0;
    case F_HOST_ASLEEP:
        snprintf(b->what, b->whatlen, "a node suspended %s after acquiring",
                 time_format(10 * m->cfg.interval, t1));
        return faults_armed(b, FAULT_PAUSE, POINT_AFTER_ACQUIRE, fill_asleep);
    }
    return -EINVAL;
}

/* A copy of base with no variant and no expectation, room for a failure's
 * variant, nodes and faults; faults of base variant v (and of none) kept. */
static struct scenario *scenario_copy(const struct scenario *base, int v, const struct model *m)
{
    struct scenario *sc = mem_calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    *sc = *base;
    sc->variants = mem_calloc(1, sizeof(*sc->variants));
    sc->overrides = mem_calloc((size_t)(base->noverrides + EXTRA * 2), sizeof(*sc->overrides));
    sc->cli = mem_calloc((size_t)base->ncli + 1, sizeof(*sc->cli));
    sc->nodes = mem_calloc((size_t)m->nnodes + 1, sizeof(*sc->nodes));
    sc->triggers = mem_calloc((size_t)base->ntriggers + 1, sizeof(*sc->triggers));
    sc->expect = NULL;
    sc->nexpect = 0;
    if (!sc->variants || !sc->overrides || !sc->cli || !sc->nodes || !sc->triggers) {
        scenario_free(sc);
        return NULL;
    }
    if (base->noverrides) /* (memcpy from NULL is undefined even for 0 bytes) */
        memcpy(sc->overrides, base->overrides, sizeof(*sc->overrides) * (size_t)base->noverrides);
    if (base->ncli)
        memcpy(sc->cli, base->cli, sizeof(*sc->cli) * (size_t)base->ncli);
    if (base->ntriggers)
        memcpy(sc->triggers, base->triggers, sizeof(*sc->triggers) * (size_t)base->ntriggers);
    if (base->nnodes) {
        memcpy(sc->nodes, base->nodes, sizeof(*sc->nodes) * (size_t)base->nnodes);
    } else { /* anonymous nodes become sections of the same names, so one can be added */
        for (int i = 0; i < m->nnodes; i++)
            snprintf(sc->nodes[i].name, sizeof(sc->nodes[i].name), "%s", m->node[i].name);
        sc->nnodes = m->nnodes;
    }
    sc->nvariants = 1;
    sc->variants[0].first = base->noverrides;
    /* the base variant's overrides first: the failure's come after and win */
    if (v >= 0 && base->variants[v].count) {
        const struct variant *bv = &base->variants[v];
        memcpy(&sc->overrides[sc->noverrides], &base->overrides[bv->first],
               sizeof(*sc->overrides) * (size_t)bv->count);
        sc->noverrides += bv->count;
        sc->variants[0].count = bv->count;
    }
    sc->nfaults = 0;
    for (int i = 0; i < base->nfaults; i++) {
        const struct fault_spec *f = &base->fault[i];
        bool in = f->nvariants == 0;
        for (int j = 0; j < f->nvariants && !in; j++)
            in = v >= 0 && strcmp(f->variants[j], base->variants[v].name) == 0;
        if (in) {
            sc->fault[sc->nfaults] = *f;
            sc->fault[sc->nfaults++].nvariants = 0;
        }
    }
    return sc;
}

int battery_scenario(const struct scenario *base, int v, const struct guard_ops *g, int f,
                     struct scenario **out, char *what, size_t whatlen, char *err, size_t errlen)
{
    *out = NULL;
    what[0] = 0;
    if (f < 0 || f > BATTERY_BASE) {
        snprintf(err, errlen, "no failure %d", f);
        return -EINVAL;
    }
    struct model *m = mem_alloc(sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int rc = scenario_model(base, v, m, err, errlen);
    struct scenario *sc = rc ? NULL : scenario_copy(base, v, m);
    if (!rc && !sc) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
    }
    if (!rc) {
        struct build b = {.sc = sc,
                          .m = m,
                          .g = g,
                          .what = what,
                          .whatlen = whatlen,
                          .cap = base->noverrides + 2 * EXTRA};
        snprintf(sc->variants[0].name, sizeof(sc->variants[0].name), "%s",
                 battery_failure_get(f)->name);
        b.hold = battery_max_hold(g, &m->cfg);
        /* a guard without a maximum hold meets the sizes the lease would */
        sim_time ref =
            b.hold ? b.hold : (sim_time)(m->cfg.gp.max_factor * (double)m->cfg.gp.interval);
        b.size = ref * 3 / 2 / SIM_MS * SIM_MS;
        for (int i = 0; i < ARMS; i++)
            b.arm[i] = m->cfg.duration / SIM_S * (i + 1) / (ARMS + 1) * SIM_S;
        rc = build_failure(&b, base, f);
        if (rc == -ENOSPC)
            snprintf(err, errlen, "%s: too many faults or overrides for the battery's %s",
                     base->path, battery_failure_get(f)->name);
        if (rc == 0) { /* the variant must make a runnable model */
            rc = scenario_model(sc, 0, m, err, errlen);
        }
    }
    mem_free(m);
    if (rc != 0) {
        scenario_free(sc);
        return rc;
    }
    *out = sc;
    return 0;
}

struct cell_acc {
    struct battery_cell *cell;
    int limit;
};

static bool seed_hit(enum battery_hit h, const struct metrics *m)
{
    switch (h) {
    case BH_HOLDER:
        return m->faults_hit_holder >= 1;
    case BH_MANUAL:
        return m->manual >= 1;
    case BH_DB_ERROR:
        return m->db_errors >= 1;
    case BH_RUNS:
        return m->runs >= 1;
    }
    return false;
}

/* Per seed: is it safe, did the failure hit? (case_result's own counts
 * judge only the concurrency limit; safety here is every invariant.) */
static void cell_seed(void *user, const struct case_result *c, const struct seed_outcome *o)
{
    (void)c;
    struct cell_acc *acc = user;
    struct battery_cell *cell = acc->cell;
    cell->nseeds++;
    if (seed_hit(battery_failure_get(cell->failure)->hit, o->m))
        cell->hit_seeds++;
    if (!metrics_safe(o->m, acc->limit) && !cell->unsafe_seeds++) {
        cell->first_unsafe_seed = o->m->seed;
        metrics_unsafe_reason(o->m, acc->limit, cell->reason, sizeof(cell->reason));
    }
}

int battery_cell_run(const struct scenario *base, int v, const struct guard_ops *g, int f,
                     struct seed_range seeds, struct battery_cell *cell, char *err, size_t errlen)
{
    struct scenario *sc = NULL;
    memset(cell, 0, sizeof(*cell));
    cell->guard = g;
    cell->failure = f;
    int rc = battery_scenario(base, v, g, f, &sc, cell->what, sizeof(cell->what), err, errlen);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0; /* cannot apply: what says why */
    cell->applies = true;
    struct case_result *res = mem_alloc(sizeof(*res));
    if (!res) {
        scenario_free(sc);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    struct cell_acc acc = {cell, sc->base.limit};
    struct model *m = mem_alloc(sizeof(*m));
    if (m && scenario_model(sc, 0, m, err, errlen) == 0)
        acc.limit = m->cfg.limit; /* a variant may set scenario.max_concurrency */
    mem_free(m);
    rc = case_run(sc, 0, g, seeds, NULL, cell_seed, &acc, res, err, errlen);
    if (rc == 0) {
        cell->max_gap_periods = metric_value(&res->agg, metric_find("max_gap_periods"));
        cell->runs_per_period = metric_value(&res->agg, metric_find("runs_per_period"));
    }
    mem_free(res);
    scenario_free(sc);
    return rc;
}
