/*
 * The environment port: everything a guard or a job may ask of the world it
 * runs in — its node's clock, sleeping, waiting on a lock, files on its
 * host, the process table, the database and the job's output sink. A guard
 * never calls clock_gettime, sleep, open, kill or libpq itself: the
 * simulator implements this port with virtual time and a simulated world,
 * and may switch to another actor inside any call, which is how it makes two
 * triggers meet between a guard's check and its set; live mode implements it
 * with the real system calls and PostgreSQL.
 *
 * The operations have POSIX shapes (flags from <fcntl.h>, flock operations
 * from <sys/file.h>, negative errno results) so that a live backend is a thin
 * wrapper. Database work is expressed as semantic statements (struct
 * env_stmt) rather than SQL text: the simulator executes their meaning
 * (sim/world/world_db.c), live mode sends their SQL, written once in
 * sim/live/sql.c.
 */
#ifndef GUARDS_ENV_H
#define GUARDS_ENV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/base/time.h"

struct env;

/* A process as `ps` and /proc show it. */
struct env_proc {
    int pid;
    int64_t start_ticks; /* /proc/PID/stat field 22: clock ticks (10 ms) since boot */
    char cmdline[64];    /* `ps -p PID -o command=` */
    char host[32];       /* the host name (gethostname) */
};

/*
 * Database statements. Each runs as one atomic statement in its own short
 * transaction, so now() is the server's clock when the statement's
 * transaction began (the simulated server may be skewed, and a lock wait
 * makes that time stale). With client_time, the client's clock reading
 * client_now is bound as :now instead of calling now().
 */
enum env_stmt_kind {
    /* The seed-003 acquire, on the database clock: insert the task's row, or
     * take it over only where locked_until <= now(); locked_until = now() +
     * :hold, locked_by = :owner, token = the next value of one sequence (a
     * fencing token that only grows, also across deleted rows). Returns the
     * row (acquired) or nothing (held). */
    ENV_LEASE_UPSERT,
    /* The release: locked_until = started_at + :min_hold where the lease still
     * runs (locked_until > now()) [and locked_by = :owner]. */
    ENV_LEASE_SHORTEN,
    /* Deletes the row where started_at + :min_hold <= now() [and locked_by = :owner]. */
    ENV_LEASE_DELETE,
    /* ShedLock, client time (JdbcTemplateStorageAccessor): insert the lock's
     * row with lock_until = :now + :hold, locked_at = :now; a duplicate key is
     * -EEXIST. */
    ENV_SHEDLOCK_INSERT,
    /* Then: lock_until = :now + :hold, locked_at = :now, locked_by = :owner
     * where lock_until <= :now. */
    ENV_SHEDLOCK_UPDATE,
    /* ShedLock usingDbTime() on PostgreSQL: the insert-or-take-over in one
     * statement, on now(), where lock_until <= now(). */
    ENV_SHEDLOCK_UPSERT,
    /* Unlock. Database time: lock_until = the later of locked_at + :min_hold
     * and now(); client time: lock_until = :until [where locked_by = :owner]. */
    ENV_SHEDLOCK_UNLOCK,
    /* pg_try_advisory_lock(:key), on the session given */
    ENV_ADVISORY_TRY_LOCK,
    /* pg_advisory_unlock(:key) */
    ENV_ADVISORY_UNLOCK,
    /* The read of a read-then-write lease (the lease-rw mutant): is the row
     * free (locked_until <= now(), or no row)? */
    ENV_LEASE_READ,
    /* Its write: the acquire without the condition (it always takes the row). */
    ENV_LEASE_WRITE,
    /* pg_try_advisory_xact_lock(:key) outside a transaction block: the
     * statement is its own transaction, so the lock is released as it ends.
     * 1 unless another session holds the key at session level. */
    ENV_ADVISORY_XACT_TRY_LOCK,
    /* The job's write of its result to the sink, carrying the run's fencing
     * token :token (0: none): taken (1) unless the sink has already taken a
     * write with a higher token (0: refused); a taken token raises the
     * sink's highest. */
    ENV_SINK_WRITE,
    /*
     * The export's storage (sim/work/export_run.h), live only: the simulator's
     * export model keeps its source, sink and watermark in memory
     * (sim/work/export.c). The committed watermark and the newest item that
     * has arrived (out->watermark, out->last).
     */
    ENV_EXPORT_FETCH,
    /* Writes items :from..:to for run :run of node :node to the sink. */
    ENV_EXPORT_WRITE,
    /* Updates shared row :key (an aggregate) in the transaction: its row lock
     * is held to the end; -EDEADLK when the database picks it as a deadlock's
     * victim. */
    ENV_EXPORT_LOCK_ROW,
    /* The watermark commit, refused (0) when the sink has taken a write with a
     * higher token than :token (0: none); moves it to :to when :move. */
    ENV_EXPORT_WATERMARK,
    /* A transaction on a held session: BEGIN, COMMIT, ROLLBACK. */
    ENV_TX_BEGIN,
    ENV_TX_COMMIT,
    ENV_TX_ROLLBACK,
};

#define ENV_DB_ANY (-1) /* a pooled connection for just this statement */

struct env_stmt {
    enum env_stmt_kind kind;
    int session;         /* from db_session_open, or ENV_DB_ANY */
    const char *name;    /* task_name / shedlock name */
    const char *owner;   /* locked_by */
    bool check_owner;    /* add AND locked_by = :owner */
    sim_time hold;       /* lock for this long (max_factor x interval, lockAtMostFor) */
    sim_time min_hold;   /* min_factor x interval, lockAtLeastFor */
    bool client_time;    /* bind the client's clock as :now */
    sim_time client_now; /* the client's reading, when client_time */
    sim_time until;      /* ENV_SHEDLOCK_UNLOCK with client time: the new lock_until */
    int64_t key;         /* advisory lock key */
    uint64_t token;      /* ENV_SINK_WRITE, ENV_EXPORT_WATERMARK: the writer's fencing token */
    uint64_t from, to;   /* ENV_EXPORT_WRITE: items; ENV_EXPORT_WATERMARK: to */
    uint64_t run;        /* ENV_EXPORT_WRITE: the writer */
    int node;            /* ENV_EXPORT_WRITE: its node */
    bool move;           /* ENV_EXPORT_WATERMARK */
};

/* What a statement returned. */
struct env_row {
    uint64_t token; /* ENV_LEASE_UPSERT: the row's fencing token after the grant */
    sim_time started_at, locked_until;
    uint64_t watermark, last; /* ENV_EXPORT_FETCH */
};

struct env_ops {
    /* Wall-clock time of the caller's node, as that node believes it to be. */
    sim_time (*clock_now)(struct env *env);
    /* Blocks the caller for d; other actors run meanwhile. */
    void (*sleep)(struct env *env, sim_time d);
    /* pthread_mutex_lock that lets the simulator run others while waiting. */
    void (*mutex_lock)(struct env *env, pthread_mutex_t *m);
    /* pthread_mutex_unlock that wakes a waiter parked by mutex_lock. */
    void (*mutex_unlock)(struct env *env, pthread_mutex_t *m);

    /* --- files on the caller's host; each returns 0 (or a count/fd) or -errno --- */
    /* open(2): O_RDONLY/O_WRONLY/O_RDWR with O_CREAT, O_EXCL, O_TRUNC. Returns an fd. */
    int (*file_open)(struct env *env, const char *path, int flags);
    int (*file_close)(struct env *env, int fd);
    /* pread(fd, buf, len, 0): the file's content from the start; returns bytes read. */
    int (*file_read)(struct env *env, int fd, char *buf, size_t len);
    /* pwrite(fd, buf, len, 0) + ftruncate(fd, len): the file holds exactly buf. */
    int (*file_write)(struct env *env, int fd, const char *buf, size_t len);
    int (*file_unlink)(struct env *env, const char *path);
    int (*file_rename)(struct env *env, const char *from, const char *to);
    /* flock(2): LOCK_EX or LOCK_SH, | LOCK_NB, or LOCK_UN. -EWOULDBLOCK when held. */
    int (*file_flock)(struct env *env, int fd, int op);

    /* --- processes --- */
    /* The caller's own process. */
    int (*proc_self)(struct env *env, struct env_proc *out);
    /* `ps -p PID`: the live process with that PID, or -ESRCH. */
    int (*proc_lookup)(struct env *env, int pid, struct env_proc *out);

    /* --- database --- */
    /* Checks a connection out of the process's pool and keeps it (a session
     * whose advisory locks live until it ends). Returns a session handle. */
    int (*db_session_open)(struct env *env);
    /* Returns the connection to the pool; the server session lives on. */
    void (*db_session_close)(struct env *env, int session);
    /* Runs one statement. Returns rows affected or returned (0 or 1), or
     * -ETIMEDOUT (no reply within the client's timeout: the statement may
     * still have taken effect), -ECONNRESET (the session had ended), -EEXIST
     * (duplicate key), -ESRCH (the calling process is gone). */
    int (*db_exec)(struct env *env, const struct env_stmt *st, struct env_row *out);

    /* --- the job's output --- */
    /* Writes the run's result to the sink, tagged with a fencing token (0:
     * none). A sink that saw a higher token rejects it: -ESTALE. */
    int (*sink_write)(struct env *env, uint64_t token);
};

struct env {
    const struct env_ops *ops;
};

static inline sim_time env_clock_now(struct env *e)
{
    return e->ops->clock_now(e);
}
static inline void env_sleep(struct env *e, sim_time d)
{
    e->ops->sleep(e, d);
}
static inline void env_mutex_lock(struct env *e, pthread_mutex_t *m)
{
    e->ops->mutex_lock(e, m);
}
static inline void env_mutex_unlock(struct env *e, pthread_mutex_t *m)
{
    e->ops->mutex_unlock(e, m);
}
static inline int env_open(struct env *e, const char *path, int flags)
{
    return e->ops->file_open(e, path, flags);
}
static inline int env_close(struct env *e, int fd)
{
    return e->ops->file_close(e, fd);
}
static inline int env_read(struct env *e, int fd, char *buf, size_t len)
{
    return e->ops->file_read(e, fd, buf, len);
}
static inline int env_write(struct env *e, int fd, const char *buf, size_t len)
{
    return e->ops->file_write(e, fd, buf, len);
}
static inline int env_unlink(struct env *e, const char *path)
{
    return e->ops->file_unlink(e, path);
}
static inline int env_rename(struct env *e, const char *from, const char *to)
{
    return e->ops->file_rename(e, from, to);
}
static inline int env_flock(struct env *e, int fd, int op)
{
    return e->ops->file_flock(e, fd, op);
}
static inline int env_proc_self(struct env *e, struct env_proc *out)
{
    return e->ops->proc_self(e, out);
}
static inline int env_proc_lookup(struct env *e, int pid, struct env_proc *out)
{
    return e->ops->proc_lookup(e, pid, out);
}
static inline int env_db_session_open(struct env *e)
{
    return e->ops->db_session_open(e);
}
static inline void env_db_session_close(struct env *e, int s)
{
    e->ops->db_session_close(e, s);
}
static inline int env_db_exec(struct env *e, const struct env_stmt *st, struct env_row *out)
{
    return e->ops->db_exec(e, st, out);
}
static inline int env_sink_write(struct env *e, uint64_t token)
{
    return e->ops->sink_write(e, token);
}

#endif
