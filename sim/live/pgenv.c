/*
 * The live environment's database (see pgenv.h): a pool of libpq
 * connections per process and the SQL of each env_stmt kind. A statement
 * goes out with PQsendQueryParams and is waited for with ppoll up to the
 * client's deadline, so a timeout is the client's alone: the server may
 * still act. The same simulator steps as world_env.c, in the same order:
 * check out a connection (waiting while the pool is exhausted, reconnecting
 * a broken one), half a round trip there, the statement, half back plus
 * any slow reply, and -ETIMEDOUT if that ends past the deadline.
 */
#include "pgenv.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../scenario/model.h"
#include "../base/prng.h"
#include "../world/world.h"
#include "sys/events.h"
#include "sql.h"
#include "sys/pgdb.h"

#define PGENV_POOL_MAX WORLD_POOL_MAX /* the simulator's cap on a process's pool */
#define DRAIN_NS 2000000000LL /* after a cancel, how long the connection may take to settle */

struct pgenv_conn {
    PGconn *c;       /* NULL: broken (the server ended it, or we gave up on it) */
    bool busy;       /* checked out */
    bool opened;     /* used once: named as the node's (a spare is not, see checkout) */
    bool never;      /* never connected (a lazy pool): the first connection costs no round trip */
    int64_t skew_us; /* app.skew as set on this session */
};

struct pgenv_slow {
    bool on, seeded;
    struct dist latency;
    struct prng rng; /* the fault's own stream, as in the simulator */
};

struct pgenv {
    struct env_live_db base; /* first */
    struct pgenv_config cfg;
    char conninfo[PATH_MAX + 64];
    char app[80];   /* SCHEMA:NODE, what a disconnect fault looks for */
    char spare[96]; /* SCHEMA-spare:NODE */
    char events[PATH_MAX + 16];
    pthread_mutex_t mu; /* what follows; a checked-out connection is its holder's alone */
    pthread_cond_t freed;
    struct prng rng; /* db.latency */
    int64_t skew_us; /* what app.skew should be */
    int outage, contention;
    struct pgenv_slow slow[MODEL_MAX_FAULTS];
    int nconn;
    struct pgenv_conn conn[PGENV_POOL_MAX];
};

/* --- the configuration message --- */

int pgenv_config_format(const struct pgenv_config *c, char *buf, size_t len)
{
    char lat[256];
    int n = snprintf(buf, len, "setup %d %" PRIu64 " %d %" PRId64 " %" PRId64 " %s %s", c->node,
                     c->seed, c->pool, c->timeout, c->skew_us, c->schema,
                     dist_format(&c->latency, lat, sizeof(lat)));
    return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int pgenv_config_parse(const char *text, struct pgenv_config *c)
{
    int off = 0;
    char err[128];
    memset(c, 0, sizeof(*c));
    if (sscanf(text, "%d %" SCNu64 " %d %" SCNd64 " %" SCNd64 " %63s %n", &c->node, &c->seed,
               &c->pool, &c->timeout, &c->skew_us, c->schema, &off) != 6 ||
        !off || c->pool < 1 || dist_parse(text + off, &c->latency, err, sizeof(err)) != 0)
        return -EPROTO;
    return 0;
}

/* --- time: simulated at the port, real on the server --- */

static int64_t real_dur_us(const struct env_live *e, sim_time d)
{
    return env_live_real(d, e->speed) / 1000;
}

/* An instant of simulated time as microseconds since 1970 on the real clock. */
static int64_t real_at_us(const struct env_live *e, sim_time t)
{
    return (e->epoch + (int64_t)((double)t / e->speed)) / 1000;
}

static sim_time sim_at(const struct env_live *e, int64_t us)
{
    return (sim_time)((double)(us * 1000 - e->epoch) * e->speed);
}

/* --- reports to the harness --- */

static void note(struct pgenv *p, unsigned flags)
{
    if (!flags || !p->events[0])
        return;
    struct live_msg m = {.kind = LIVE_EV_DB, .trigger = 0, .pid = (int)getpid(), .value = flags};
    live_msg_send(p->events, &m);
}

/* --- the pool --- */

static PGconn *connect_one(struct pgenv *p, const char *app, int64_t skew_us, char *err,
                           size_t errlen)
{
    return pg_session_as(p->conninfo, p->cfg.schema, app, skew_us, err, errlen);
}

static const struct env_live_db pgenv_ops;

int pgenv_new(const struct pgenv_config *c, const char *conninfo, const char *events,
              struct pgenv **out, char *err, size_t errlen)
{
    *out = NULL;
    struct pgenv *p = mem_calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    p->base = pgenv_ops;
    p->cfg = *c;
    snprintf(p->conninfo, sizeof(p->conninfo), "%s", conninfo);
    snprintf(p->app, sizeof(p->app), "%s:%d", c->schema, c->node);
    snprintf(p->spare, sizeof(p->spare), "%s-spare:%d", c->schema, c->node);
    snprintf(p->events, sizeof(p->events), "%s", events ? events : "");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, NULL);
    prng_seed(&p->rng, c->seed, 0x200 + (uint64_t)c->node);
    p->skew_us = c->skew_us;
    p->nconn = c->pool < PGENV_POOL_MAX ? c->pool : PGENV_POOL_MAX;
    /*
     * The simulator's pool opens a connection when all open ones are busy,
     * at no cost; ours are all connected at set-up, before time 0, as spares
     * that take the node's name when first used. A disconnect ends the
     * sessions the node has opened, not spares the simulator has no session for.
     */
    for (int i = 0; i < p->nconn; i++) {
        char why[256];
        if (c->lazy) {
            p->conn[i] = (struct pgenv_conn){.opened = true, .never = true};
            continue;
        }
        p->conn[i].c = connect_one(p, p->spare, p->skew_us, why, sizeof(why));
        if (!p->conn[i].c) {
            snprintf(err, errlen, "cannot connect to the database: %s", why);
            pgenv_free(p);
            return -LIVE_EDB;
        }
        p->conn[i].skew_us = p->skew_us;
    }
    *out = p;
    return 0;
}

void pgenv_free(struct pgenv *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nconn; i++)
        PQfinish(p->conn[i].c);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->mu);
    mem_free(p);
}

static sim_time draw(struct pgenv *p, const struct dist *d, struct prng *r)
{
    pthread_mutex_lock(&p->mu);
    sim_time v = dist_sample(d, r);
    pthread_mutex_unlock(&p->mu);
    return v;
}

static bool in_outage(struct pgenv *p)
{
    pthread_mutex_lock(&p->mu);
    bool o = p->outage > 0;
    pthread_mutex_unlock(&p->mu);
    return o;
}

static void sleep_real(int64_t ns)
{
    if (ns > 0)
        env_live_sleep_until(env_live_mono() + ns);
}

/* Gives up on a connection: the next checkout connects anew. */
static void conn_drop(struct pgenv_conn *c)
{
    PQfinish(c->c);
    c->c = NULL;
}

static void checkin(struct pgenv *p, int slot)
{
    pthread_mutex_lock(&p->mu);
    p->conn[slot].busy = false;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

/* A connection of the pool, checked out: its slot, or negative errno. */
static int checkout(struct pgenv *p, struct env_live *e)
{
    pthread_mutex_lock(&p->mu);
    int slot = -1;
    for (;;) {
        for (int i = 0; i < p->nconn && slot < 0; i++)
            if (!p->conn[i].busy)
                slot = i;
        if (slot >= 0)
            break;
        pthread_cond_wait(&p->freed, &p->mu); /* pool exhausted */
    }
    p->conn[slot].busy = true;
    pthread_mutex_unlock(&p->mu);
    struct pgenv_conn *pc = &p->conn[slot];
    if (pc->c && !pc->opened) { /* a spare becomes the node's */
        const char *v[] = {p->app};
        PGresult *r = PQexecParams(pc->c, "SELECT set_config('application_name', $1, false)", 1,
                                   NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            conn_drop(pc); /* connect anew, below */
        PQclear(r);
        pc->opened = true;
    }
    if (pc->c)
        return slot;
    if (pc->never) /* a lazy pool's first connection: the simulator's costs nothing */
        goto connect;
    /* reconnect: a round trip, or the client's timeout in an outage */
    if (in_outage(p)) {
        note(p, PGENV_NOTE_FAULT | PGENV_NOTE_ERROR);
        sleep_real(env_live_real(p->cfg.timeout, e->speed));
        checkin(p, slot);
        return -ETIMEDOUT;
    }
    sleep_real(env_live_real(draw(p, &p->cfg.latency, &p->rng), e->speed));
connect:;
    char why[256];
    pthread_mutex_lock(&p->mu);
    int64_t skew = p->skew_us;
    pthread_mutex_unlock(&p->mu);
    PGconn *c = connect_one(p, p->app, skew, why, sizeof(why));
    if (!c) {
        note(p, PGENV_NOTE_ERROR);
        checkin(p, slot);
        return -ECONNREFUSED;
    }
    p->conn[slot].c = c;
    p->conn[slot].skew_us = skew;
    p->conn[slot].never = false;
    return slot;
}

static int pool_session_open(struct env_live_db *db, struct env_live *e)
{
    return checkout((struct pgenv *)db, e);
}

static void pool_session_close(struct env_live_db *db, struct env_live *e, int session)
{
    struct pgenv *p = (struct pgenv *)db;
    (void)e;
    if (session >= 0 && session < p->nconn)
        checkin(p, session);
}

/* --- the statements (their SQL: sql.c) --- */

/* The statement's SQL and its parameters, with its times made real. */
static int stmt_bind(const struct env_stmt *st, const struct env_live *e, const char **sql,
                     const char **vals, int *n, char buf[][32])
{
    struct sql_times t = {
        .hold_us = real_dur_us(e, st->hold),
        .min_hold_us = real_dur_us(e, st->min_hold),
        .client_now_us = real_at_us(e, st->client_now),
        .until_us = real_at_us(e, st->until),
    };
    return sql_bind(st, &t, sql, vals, n, buf);
}

/* Waits for conn's reply until deadline (CLOCK_MONOTONIC ns): 0, -ETIMEDOUT, -ECONNRESET. */
static int await(PGconn *c, int64_t deadline)
{
    for (;;) {
        int f = PQflush(c);
        if (f < 0 || !PQconsumeInput(c))
            return -ECONNRESET;
        if (f == 0 && !PQisBusy(c))
            return 0;
        int64_t left = deadline - env_live_mono();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd = {PQsocket(c), (short)(POLLIN | (f ? POLLOUT : 0)), 0};
        struct timespec ts = {left / 1000000000, left % 1000000000};
        /* the raw call: libfaketime must not touch the client's timeout */
        if (syscall(SYS_ppoll, &pfd, 1, &ts, NULL, (size_t)8) < 0 && errno != EINTR)
            return -ECONNRESET;
    }
}

/* Does the error end the session (the server terminated it, the connection dropped)? */
static bool session_gone(PGconn *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return PQstatus(c) == CONNECTION_BAD ||
           (state && (strncmp(state, "57P", 3) == 0 || strncmp(state, "08", 2) == 0));
}

/* Reads the finished statement's result: rows (0 or 1) or negative errno. */
static int result(PGconn *c, int shape, const struct env_live *e, struct env_row *out)
{
    PGresult *r = PQgetResult(c), *more;
    struct sql_row row;
    int rc = sql_result(r, shape, &row);
    if (rc == -EIO && session_gone(c, r))
        rc = -ECONNRESET;
    if (rc == 1 && shape == SQL_ROWS_RETURNED && out) {
        out->started_at = sim_at(e, row.started_us);
        out->locked_until = sim_at(e, row.locked_until_us);
        out->token = row.token;
    }
    if (rc == 1 && shape == SQL_PAIR && out) {
        out->watermark = row.first;
        out->last = row.second;
    }
    PQclear(r);
    while ((more = PQgetResult(c))) /* one statement, one result: the rest is the end marker */
        PQclear(more);
    return rc;
}

/*
 * The client's timeout: a cancel request, so a statement still waiting for
 * a lock is cancelled and one that ran keeps its effect; then the
 * connection settles and stays in the pool, its server session alive (an
 * advisory lock it took stays taken), or is dropped if it does not settle.
 */
static void give_up(struct pgenv_conn *pc)
{
    char why[128];
    PGcancel *cancel = PQgetCancel(pc->c);
    if (cancel) {
        PQcancel(cancel, why, sizeof(why));
        PQfreeCancel(cancel);
    }
    PGresult *r;
    if (await(pc->c, env_live_mono() + DRAIN_NS) != 0) {
        conn_drop(pc);
        return;
    }
    while ((r = PQgetResult(pc->c)))
        PQclear(r);
    if (PQstatus(pc->c) != CONNECTION_OK || PQtransactionStatus(pc->c) != PQTRANS_IDLE)
        conn_drop(pc);
}

/* Brings the session's app.skew to the database clock's (after a clock step). */
static int skew_sync(struct pgenv *p, struct pgenv_conn *pc)
{
    pthread_mutex_lock(&p->mu);
    int64_t want = p->skew_us;
    pthread_mutex_unlock(&p->mu);
    if (pc->skew_us == want)
        return 0;
    int rc = pg_set_skew(pc->c, want);
    if (!rc)
        pc->skew_us = want;
    return rc;
}

/* The extra delay of a reply leaving the server now: slow-reply windows in effect. */
static sim_time slow_reply(struct pgenv *p)
{
    sim_time extra = 0;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < MODEL_MAX_FAULTS; i++)
        if (p->slow[i].on)
            extra += dist_sample(&p->slow[i].latency, &p->slow[i].rng);
    pthread_mutex_unlock(&p->mu);
    return extra;
}

static int pool_exec(struct env_live_db *db, struct env_live *e, const struct env_stmt *st,
                     struct env_row *out)
{
    struct pgenv *p = (struct pgenv *)db;
    const char *sql, *vals[8];
    char buf[SQL_NUM_PARAMS][32];
    int n;
    int shape = stmt_bind(st, e, &sql, vals, &n, buf);
    if (shape < 0)
        return shape;
    bool held = st->session != ENV_DB_ANY;
    if (held && (st->session < 0 || st->session >= p->nconn))
        return -EBADF;
    int slot = held ? st->session : checkout(p, e);
    if (slot < 0)
        return slot;
    struct pgenv_conn *pc = &p->conn[slot];
    unsigned flags = 0;
    int rc;
    sim_time d = draw(p, &p->cfg.latency, &p->rng), half = d / 2;
    int64_t deadline = env_live_mono() + env_live_real(p->cfg.timeout, e->speed);
    pthread_mutex_lock(&p->mu);
    bool outage = p->outage > 0, contention = p->contention > 0;
    pthread_mutex_unlock(&p->mu);
    if (!pc->c) { /* the server ended it; a held session cannot come back */
        rc = -ECONNRESET;
        goto out;
    }
    if (outage) { /* nothing answers: the client times out */
        flags |= PGENV_NOTE_FAULT;
        env_live_sleep_until(deadline);
        rc = -ETIMEDOUT;
        goto out;
    }
    if (contention)
        flags |= PGENV_NOTE_FAULT; /* it will wait for the rows, if it writes them */
    sleep_real(env_live_real(half, e->speed));
    rc = skew_sync(p, pc);
    if (!rc && !PQsendQueryParams(pc->c, sql, n, NULL, vals, NULL, NULL, 0))
        rc = -ECONNRESET;
    if (!rc)
        rc = await(pc->c, deadline);
    if (rc == -ETIMEDOUT) {
        give_up(pc);
        goto out;
    }
    if (!rc)
        rc = result(pc->c, shape, e, out);
    if (rc == -ECONNRESET || (rc == -EIO && session_gone(pc->c, NULL))) {
        rc = -ECONNRESET;
        conn_drop(pc);
        goto out;
    }
    sim_time extra = slow_reply(p);
    if (extra)
        flags |= PGENV_NOTE_FAULT;
    int64_t reply = env_live_mono() + env_live_real(d - half + extra, e->speed);
    if (reply > deadline) { /* it ran, but the client has given up */
        env_live_sleep_until(deadline);
        rc = -ETIMEDOUT;
    } else {
        env_live_sleep_until(reply);
    }
out:
    if (rc < 0 && rc != -EEXIST && rc != -EDEADLK) /* answers, not failures */
        flags |= PGENV_NOTE_ERROR;
    note(p, flags);
    if (!held)
        checkin(p, slot);
    return rc;
}

int pgenv_config_now(struct pgenv *p, char *buf, size_t len)
{
    struct pgenv_config c = p->cfg;
    pthread_mutex_lock(&p->mu);
    c.skew_us = p->skew_us;
    pthread_mutex_unlock(&p->mu);
    return pgenv_config_format(&c, buf, len);
}

struct env_live_db *pgenv_db(struct pgenv *p)
{
    return &p->base;
}

/* --- faults announced by the harness --- */

int pgenv_control(struct pgenv *p, const char *msg)
{
    int v, idx, off = 0;
    long long us;
    char text[256];
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    if (sscanf(msg, "outage %d", &v) == 1) {
        p->outage = v;
    } else if (sscanf(msg, "contention %d", &v) == 1) {
        p->contention = v;
    } else if (sscanf(msg, "skew %lld", &us) == 1) {
        p->skew_us = us;
    } else if (sscanf(msg, "slow %d %n", &idx, &off) == 1 && off && idx >= 0 &&
               idx < MODEL_MAX_FAULTS) {
        struct pgenv_slow *s = &p->slow[idx];
        if (strcmp(msg + off, "-") == 0) {
            s->on = false;
        } else if (dist_parse(msg + off, &s->latency, text, sizeof(text)) == 0) {
            if (!s->seeded) /* the fault's stream, as the simulator's (seed, 0x100 + index) */
                prng_seed(&s->rng, p->cfg.seed, 0x100 + (uint64_t)idx);
            s->on = s->seeded = true;
        } else {
            rc = -EPROTO;
        }
    } else {
        rc = -EPROTO;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static const struct env_live_db pgenv_ops = {
    .session_open = pool_session_open,
    .session_close = pool_session_close,
    .exec = pool_exec,
};

int pgenv_worker_ctl(struct pgenv **p, struct env_live *env, const struct live_worker_args *a,
                     const char *msg, char *reply, size_t len)
{
    if (strncmp(msg, "setup ", 6) != 0)
        return *p && pgenv_control(*p, msg) == 0 ? 0 : -EPROTO;
    struct pgenv_config c;
    const char *dsn = getenv(LIVE_ENV_DSN);
    char err[400];
    if (pgenv_config_parse(msg + 6, &c) != 0)
        return -EPROTO;
    c.lazy = a->fork_runs;
    if (*p) { /* set up once: a second setup is a harness bug */
        snprintf(reply, len, "db error set up twice");
        return 1;
    }
    if (!dsn || !*dsn) {
        snprintf(reply, len, "db error no %s in the environment", LIVE_ENV_DSN);
        return 1;
    }
    if (pgenv_new(&c, dsn, a->events, p, err, sizeof(err)) != 0) {
        snprintf(reply, len, "db error %s", err);
        return 1;
    }
    env->db = &(*p)->base;
    snprintf(reply, len, "db ok");
    return 1;
}
