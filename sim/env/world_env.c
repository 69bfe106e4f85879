/*
 * The simulated world behind the environment port: files and the process
 * table of the caller's host, and the database. Every call may let other
 * actors run: a file call takes node.fs_latency, `ps` takes node.ps_latency,
 * and a statement travels to the server (half of a db.latency round trip),
 * may wait there (db-contention), runs atomically as an event on the server's
 * own clock, and travels back (db-slow-reply adds to that). The client gives
 * up after db.timeout: a statement that had not run yet is cancelled, one
 * that had run keeps its effect while the client believes it failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "world_env.h"
#include "../base/mem.h"

#define CALLS_MAX 64

struct db_call {
    bool used, done, canceled, gone;
    struct node *node; /* the caller, for the trace */
    uint64_t run;
    struct env_stmt st;
    char name[32], owner[64];
    struct env_row row;
    int rc, sid;
    sim_time arrive, tx_age;
};

struct world_calls {
    int nfree;
    struct db_call *free[CALLS_MAX];
    struct db_call call[CALLS_MAX];
};

static int world_env_part_init(struct sim *s)
{
    s->env_ops = &sim_env_ops; /* the call table comes with the first statement */
    return 0;
}

static void world_env_part_release(struct sim *s)
{
    mem_free(s->world_state);
    s->world_state = NULL;
}

sim_time world_db_now(struct sim *s)
{
    return node_clock_local(&s->db.clock, s->now);
}

static struct actor *actor_of(struct env *e)
{
    return (struct actor *)e;
}

/* The call's latency, then: is the caller still alive to act? */
static bool syscall(struct actor *a, sim_time latency)
{
    if (a->killed)
        return false;
    sim_sleep(a, latency);
    return !a->killed;
}

int world_env_open(struct env *e, const char *path, int flags)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_open(a->node->host, &a->proc->fds, path, flags);
}

int world_env_close(struct env *e, int fd)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_close(a->node->host, &a->proc->fds, fd);
}

int world_env_read(struct env *e, int fd, char *buf, size_t len)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_read(a->node->host, &a->proc->fds, fd, buf, len);
}

int world_env_write(struct env *e, int fd, const char *buf, size_t len)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_write(a->node->host, &a->proc->fds, fd, buf, len);
}

int world_env_unlink(struct env *e, const char *path)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_unlink(a->node->host, path);
}

int world_env_rename(struct env *e, const char *from, const char *to)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_rename(a->node->host, from, to);
}

int world_env_flock(struct env *e, int fd, int op)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->fs_latency))
        return -ESRCH;
    return world_file_flock(a->node->host, &a->proc->fds, fd, op);
}

static void job_cmdline(const struct sim *s, char *buf, size_t len)
{
    snprintf(buf, len, "/bin/sh ./run-%.40s.sh", s->model->cfg.name);
}

int world_env_proc_self(struct env *e, struct env_proc *out)
{
    struct actor *a = actor_of(e);
    if (a->killed)
        return -ESRCH;
    char cmd[64];
    job_cmdline(a->sim, cmd, sizeof(cmd));
    struct world_pident id = {a->proc->pid, a->proc->started, a->proc->cmd, a->proc};
    world_pid_describe(a->node->host, &id, cmd, out);
    return 0;
}

int world_env_proc_lookup(struct env *e, int pid, struct env_proc *out)
{
    struct actor *a = actor_of(e);
    if (!syscall(a, a->node->cfg->ps_latency))
        return -ESRCH;
    const struct world_pident *id = world_pid_find(a->node->host, pid);
    if (!id)
        return -ESRCH;
    char cmd[64];
    job_cmdline(a->sim, cmd, sizeof(cmd));
    world_pid_describe(a->node->host, id, cmd, out);
    return 0;
}

/* --- the database --- */

static sim_time rtt(struct actor *a)
{
    return dist_sample(&a->node->cfg->db_latency, &a->sim->rng_world);
}

/* A connection of the caller's pool, checked out; waits while all are busy. */
static int conn_get(struct actor *a)
{
    struct sim *s = a->sim;
    struct proc *p = a->proc;
    for (;;) {
        if (a->killed)
            return -ESRCH;
        int slot = -1;
        for (int i = 0; i < p->nconn && slot < 0; i++)
            if (!p->conn[i].busy)
                slot = i;
        if (slot < 0 && p->nconn < a->node->cfg->db_pool && p->nconn < WORLD_POOL_MAX) {
            /* a new connection: the pool fills at start-up, so it costs nothing now */
            int sid = world_db_session_new(&s->db);
            if (sid < 0)
                return sid;
            slot = p->nconn++;
            p->conn[slot] = (struct world_conn){sid, false, false};
        }
        if (slot < 0) { /* pool exhausted */
            sim_wait_on(a, &p->conn);
            continue;
        }
        struct world_conn *c = &p->conn[slot];
        c->busy = true;
        if (c->broken) { /* reconnect: one round trip, or a timeout in an outage */
            sim_time d = rtt(a);
            if (s->faults->db_outage(s, s->now)) {
                sim_sleep(a, a->node->cfg->db_timeout);
                c->busy = false;
                sim_wake_one(s, &p->conn);
                return a->killed ? -ESRCH : -ETIMEDOUT;
            }
            sim_sleep(a, d);
            if (a->killed)
                return -ESRCH;
            int sid = world_db_session_new(&s->db);
            if (sid < 0) {
                c->busy = false;
                sim_wake_one(s, &p->conn);
                return sid;
            }
            c->sid = sid;
            c->broken = false;
        }
        return slot;
    }
}

static void conn_put(struct actor *a, int slot)
{
    struct proc *p = a->proc;
    if (a->killed || slot < 0 || slot >= p->nconn)
        return;
    p->conn[slot].busy = false;
    sim_wake_one(a->sim, &p->conn);
}

int world_env_session_open(struct env *e)
{
    return conn_get(actor_of(e));
}

void world_env_session_close(struct env *e, int session)
{
    conn_put(actor_of(e), session);
}

static void call_free(struct sim *s, struct db_call *c)
{
    struct world_calls *w = s->world_state;
    c->used = false;
    w->free[w->nfree++] = c;
}

/* A lease row (task_lock or shedlock) as a statement found it. */
struct lease_seen {
    const void *row; /* NULL: none */
    sim_time until;
    char owner[64];
};

static struct lease_seen lease_seen(const struct world_db *db, const struct env_stmt *st)
{
    struct lease_seen v = {NULL, 0, ""};
    const char *name = st->name ? st->name : "";
    switch (st->kind) {
    case ENV_LEASE_UPSERT:
    case ENV_LEASE_SHORTEN:
    case ENV_LEASE_DELETE:
    case ENV_LEASE_WRITE: {
        const struct db_lease_row *r = world_db_lease_row(db, name);
        if (r)
            v = (struct lease_seen){r, r->locked_until, ""},
            world_strcpy(v.owner, sizeof(v.owner), r->owner);
        break;
    }
    case ENV_SHEDLOCK_INSERT:
    case ENV_SHEDLOCK_UPDATE:
    case ENV_SHEDLOCK_UPSERT:
    case ENV_SHEDLOCK_UNLOCK: {
        const struct db_shed_row *r = world_db_shed_row(db, name);
        if (r)
            v = (struct lease_seen){r, r->lock_until, ""},
            world_strcpy(v.owner, sizeof(v.owner), r->locked_by);
        break;
    }
    default:
        break;
    }
    return v;
}

/*
 * Applies a statement for node n's run, tracing what it did to a time-based
 * lease: a `lease` row for each grant, renewal and release, with the true
 * time until which the lease holds (the instant the clock that wrote the
 * time, the database's or the caller's, reaches it), and one for its expiry
 * when that time comes. A grant names no run: it is for the run about to
 * start (plotdata ties it to the node's next run).
 */
static int db_apply(struct sim *s, struct node *n, uint64_t run, const struct env_stmt *st, int sid,
                    sim_time now, struct env_row *out)
{
    if (!s->trace)
        return world_db_apply(&s->db, st, sid, now, out);
    struct lease_seen before = lease_seen(&s->db, st);
    int rc = world_db_apply(&s->db, st, sid, now, out);
    if (rc != 1)
        return rc;
    struct lease_seen after = lease_seen(&s->db, st);
    const char *what;
    bool grant = false;
    sim_time t = st->client_time ? st->client_now : now;
    switch (st->kind) {
    case ENV_LEASE_UPSERT:
    case ENV_LEASE_WRITE:
    case ENV_SHEDLOCK_INSERT:
    case ENV_SHEDLOCK_UPDATE:
    case ENV_SHEDLOCK_UPSERT:
        grant = true;
        what = before.row && before.until > t && strcmp(before.owner, after.owner) == 0 ? "renew"
                                                                                        : "grant";
        break;
    case ENV_LEASE_SHORTEN:
    case ENV_SHEDLOCK_UNLOCK:
        what = "release";
        break;
    case ENV_LEASE_DELETE:
        what = "release (row deleted)";
        after.row = before.row;
        after.until = t;
        break;
    default:
        return rc;
    }
    /* a release without an owner check may end another holder's lease: the
     * row is then about that holder (found by the host its owner names) */
    struct node *about = n;
    char who[96] = "";
    if (!grant && before.owner[0] && strcmp(before.owner, st->owner ? st->owner : "") != 0) {
        size_t hl = strcspn(before.owner, ":");
        for (int i = 0; i < s->nnodes; i++)
            if (strlen(s->node[i].host->name) == hl &&
                strncmp(s->node[i].host->name, before.owner, hl) == 0) {
                about = &s->node[i];
                break;
            }
        snprintf(who, sizeof(who), " (by %s, run %llu: the holder is %s)", n->name,
                 (unsigned long long)run, before.owner);
        run = 0;
    }
    const struct node_clock *clk = st->client_time ? &n->clock : &s->db.clock;
    sim_time until = node_clock_true(clk, after.until);
    if (!trace_writes(s->trace)) { /* hashed only: the rows, no text */
        sim_trace(s, about, grant ? 0 : run, "lease", NULL);
        if (until > s->now)
            sim_trace_due(s, until, about, grant ? 0 : run, "lease", NULL, after.row);
        else
            sim_trace_due_cancel(s, after.row);
        return rc;
    }
    char d[320], u[TIME_FMT_LEN], l[TIME_FMT_LEN];
    char by[80];
    if (st->client_time)
        snprintf(by, sizeof(by), "by %s's clock", n->name);
    else
        snprintf(by, sizeof(by), "by the database clock");
    snprintf(d, sizeof(d), "%s %s lease_until=%s (%s %s)%s", what, st->name ? st->name : "",
             time_format(until > 0 ? until : 0, u), time_format_clock(after.until, l), by, who);
    sim_trace(s, about, grant ? 0 : run, "lease", d);
    if (until > s->now) {
        snprintf(d, sizeof(d), "expire %s lease_until=%s", st->name ? st->name : "",
                 time_format(until, u));
        sim_trace_due(s, until, about, grant ? 0 : run, "lease", d, after.row);
    } else {
        sim_trace_due_cancel(s, after.row);
    }
    return rc;
}

/* The statement reaches the server and runs, atomically, on its clock. */
static void db_run(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    struct sim *s = ctx;
    struct db_call *c = arg;
    if (c->canceled) { /* the client's cancel request came first */
        call_free(s, c);
        return;
    }
    if (!world_db_session_alive(&s->db, c->sid)) {
        c->rc = -ECONNRESET;
    } else {
        sim_time now = node_clock_local(&s->db.clock, c->arrive - c->tx_age);
        c->rc = db_apply(s, c->node, c->run, &c->st, c->sid, now, &c->row);
    }
    c->done = true;
    if (c->gone)
        call_free(s, c);
}

static struct db_call *call_new(struct sim *s)
{
    struct world_calls *w = s->world_state;
    if (!w) {
        w = s->world_state = mem_alloc(sizeof(struct world_calls));
        if (!w)
            return NULL;
        w->nfree = CALLS_MAX;
        for (int i = 0; i < CALLS_MAX; i++)
            w->free[i] = &w->call[CALLS_MAX - 1 - i];
    }
    if (w->nfree == 0)
        return NULL;
    struct db_call *c = w->free[--w->nfree];
    c->used = true;
    c->done = c->canceled = c->gone = false;
    c->rc = 0;
    c->row = (struct env_row){0};
    return c;
}

static const char *const stmt_names[] = {
    [ENV_LEASE_UPSERT] = "lease upsert",
    [ENV_LEASE_SHORTEN] = "lease shorten",
    [ENV_LEASE_DELETE] = "lease delete",
    [ENV_SHEDLOCK_INSERT] = "shedlock insert",
    [ENV_SHEDLOCK_UPDATE] = "shedlock update",
    [ENV_SHEDLOCK_UPSERT] = "shedlock upsert",
    [ENV_SHEDLOCK_UNLOCK] = "shedlock unlock",
    [ENV_ADVISORY_TRY_LOCK] = "pg_try_advisory_lock",
    [ENV_ADVISORY_UNLOCK] = "pg_advisory_unlock",
    [ENV_LEASE_READ] = "lease read",
    [ENV_LEASE_WRITE] = "lease write",
    [ENV_ADVISORY_XACT_TRY_LOCK] = "pg_try_advisory_xact_lock",
};

static void trace_stmt(struct actor *a, const struct env_stmt *st, int rc, bool late)
{
    struct sim *s = a->sim;
    if (rc >= 0)
        sim_tracef(s, a->node, a->run, "db", "%s: %d row%s", stmt_names[st->kind], rc,
                   rc == 1 ? "" : "s");
    else
        sim_tracef(s, a->node, a->run, "db", "%s: %s%s", stmt_names[st->kind], strerror(-rc),
                   late ? " (it ran: the reply came too late)" : "");
}

int world_env_db_exec(struct env *e, const struct env_stmt *st, struct env_row *out)
{
    struct actor *a = actor_of(e);
    struct sim *s = a->sim;
    const struct config *cfg = a->node->cfg;
    bool held = st->session != ENV_DB_ANY;
    if (a->killed)
        return -ESRCH;
    int slot = held ? st->session : conn_get(a);
    if (slot < 0)
        return slot;
    if (slot >= a->proc->nconn)
        return -EBADF;
    int rc;
    bool late = false;
    struct world_conn *conn = &a->proc->conn[slot];
    if (conn->broken) { /* the server ended it; a held session cannot come back */
        rc = -ECONNRESET;
        goto out;
    }
    sim_time d = rtt(a), half = d / 2;
    sim_time send = s->now, deadline = send + cfg->db_timeout;
    bool faults = s->inject_state != NULL;
    if (faults && s->faults->db_outage(s, send)) { /* nothing answers: the client times out */
        sim_sleep(a, cfg->db_timeout);
        rc = a->killed ? -ESRCH : -ETIMEDOUT;
        goto out;
    }
    sim_time arrive = send + half, exec = faults ? s->faults->db_wait(s, arrive) : arrive;
    sim_time reply = exec + (d - half) + (faults ? s->faults->db_reply_delay(s, exec) : 0);
    if (exec <= deadline && (evq_empty(&s->q) || evq_next_time(&s->q) > exec)) {
        /* Nothing else happens before the statement runs: run it in line at its
         * time (as sim_sleep's fast path does), same outcome as the event. */
        sim_sleep(a, exec - s->now);
        if (!world_db_session_alive(&s->db, conn->sid)) {
            rc = -ECONNRESET;
        } else {
            sim_time now = node_clock_local(&s->db.clock, arrive - cfg->db_tx_age);
            struct env_row row = {0};
            rc = db_apply(s, a->node, a->run, st, conn->sid, now, &row);
            if (out && rc >= 0)
                *out = row;
        }
        sim_sleep(a, (reply < deadline ? reply : deadline) - s->now);
        if (a->killed) {
            rc = -ESRCH;
        } else if (reply > deadline) {
            late = rc > 0;
            rc = -ETIMEDOUT;
        }
        if (rc == -ECONNRESET)
            conn->broken = true;
        goto out;
    }
    struct db_call *c = call_new(s);
    if (!c) {
        rc = -EAGAIN;
        goto out;
    }
    c->st = *st;
    world_strcpy(c->name, sizeof(c->name), st->name);
    world_strcpy(c->owner, sizeof(c->owner), st->owner);
    c->st.name = c->name;
    c->st.owner = c->owner;
    c->sid = conn->sid;
    c->node = a->node;
    c->run = a->run;
    c->arrive = arrive;
    c->tx_age = cfg->db_tx_age;
    sim_at(s, exec, db_run, c, 0);
    sim_sleep(a, (reply < deadline ? reply : deadline) - s->now);
    if (a->killed) {
        rc = -ESRCH;
        if (c->done)
            call_free(s, c);
        else
            c->gone = true; /* the statement was sent: it still runs */
        return rc;
    }
    if (reply <= deadline && c->done) {
        rc = c->rc;
        if (out && rc >= 0)
            *out = c->row;
        call_free(s, c);
    } else {
        rc = -ETIMEDOUT;
        late = c->done && c->rc > 0;
        if (c->done)
            call_free(s, c);
        else
            c->canceled = true; /* JDBC's query timeout sends a cancel */
    }
    if (rc == -ECONNRESET)
        conn->broken = true;
out:
    if (rc < 0 && rc != -EEXIST && rc != -ESRCH)
        s->m->db_errors++;
    trace_stmt(a, st, rc, late);
    if (!held)
        conn_put(a, slot);
    return rc;
}

int world_env_sink_write(struct env *e, uint64_t token)
{
    return sim_sink_write(actor_of(e), token);
}

/* --- the environment a guard sees inside the simulator --- */

static sim_time env_clock_now_sim(struct env *e)
{
    struct actor *a = (struct actor *)e;
    return node_clock_local(&a->node->clock, a->sim->now);
}

static void env_sleep_sim(struct env *e, sim_time d)
{
    sim_sleep((struct actor *)e, d);
}

static void env_mutex_lock_sim(struct env *e, pthread_mutex_t *m)
{
    struct actor *a = (struct actor *)e;
    while (!a->killed && pthread_mutex_trylock(m) == EBUSY)
        sim_wait_on(a, m);
}

static void env_mutex_unlock_sim(struct env *e, pthread_mutex_t *m)
{
    pthread_mutex_unlock(m);
    sim_wake_one(((struct actor *)e)->sim, m);
}

const struct env_ops sim_env_ops = {
    .clock_now = env_clock_now_sim,
    .sleep = env_sleep_sim,
    .mutex_lock = env_mutex_lock_sim,
    .mutex_unlock = env_mutex_unlock_sim,
    .file_open = world_env_open,
    .file_close = world_env_close,
    .file_read = world_env_read,
    .file_write = world_env_write,
    .file_unlink = world_env_unlink,
    .file_rename = world_env_rename,
    .file_flock = world_env_flock,
    .proc_self = world_env_proc_self,
    .proc_lookup = world_env_proc_lookup,
    .db_session_open = world_env_session_open,
    .db_session_close = world_env_session_close,
    .db_exec = world_env_db_exec,
    .sink_write = world_env_sink_write,
};

const struct sim_part world_env_part = {.init = world_env_part_init,
                                        .release = world_env_part_release};
