/*
 * The simulated world the guards live in: hosts with a process table (PIDs
 * handed out cyclically and reused, start times as identity) and a small
 * file system (exclusive create, rename, unlink, flock owned by an open file
 * description and released when the last descriptor closes), and one
 * database (rows of task_lock and shedlock, advisory locks owned by
 * sessions, a fencing sink). This header holds the plain data and the
 * operations that change it at one instant; world_env.c wraps them into the
 * environment port with latencies, waits and faults.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../guards/env.h"
#include "../base/node_clock.h"
#include "../base/time.h"

#define WORLD_PATH_LEN 112
#define WORLD_DATA_LEN 64
#define WORLD_MAX_FILES 32 /* inodes per host */
#define WORLD_MAX_FDS 8    /* open files per process */
#define WORLD_MAX_LIVE 128 /* live processes per host */
#define WORLD_POOL_MAX 16  /* database connections per process */
#define WORLD_MAX_SESSIONS 256
#define WORLD_MAX_ROWS 8
#define WORLD_MAX_ADVISORY 32
#define WORLD_RESERVED_PIDS 300  /* where Linux wraps PIDs to (kernel/pid.c) */
#define WORLD_TICK (10 * SIM_MS) /* USER_HZ = 100: /proc start times count these */

struct proc;

/* What a process runs: the job's command line, or something else. */
enum world_cmd { WORLD_CMD_JOB, WORLD_CMD_OTHER, WORLD_CMD_SERVICE, WORLD_CMD_CRON };

struct world_pident {
    int pid;
    sim_time started; /* true time */
    enum world_cmd cmd;
    struct proc *p; /* NULL for a stand-in that only holds the PID */
};

struct world_inode {
    bool used, linked;
    char path[WORLD_PATH_LEN];
    char data[WORLD_DATA_LEN];
    int len;
    int refs;          /* open descriptions referring to it */
    uint64_t lock_ofd; /* the open file description holding its flock, 0 if none */
};

struct world_fd {
    int ino; /* -1: closed */
    uint64_t ofd;
};

struct world_fdtab {
    struct world_fd fd[WORLD_MAX_FDS];
};

struct host {
    char name[32];
    sim_time boot; /* true time the host booted: start times count from here */
    int pid_last, pid_max;
    double pid_rate;   /* other processes started per second, taking PIDs */
    sim_time pid_seen; /* their PIDs are taken up to this time */
    double pid_carry;
    int nlive;
    struct world_pident live[WORLD_MAX_LIVE];
    int last_job_exit; /* PID of the last job process that went away, 0 if none */
    uint64_t next_ofd;
    struct world_inode ino[WORLD_MAX_FILES];
};

/* Copies the string src into dst of size n, truncating; cheaper than snprintf. */
static inline void world_strcpy(char *dst, size_t n, const char *src)
{
    size_t k = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", k);
    dst[k] = 0;
}

/* --- processes (world_procs.c) --- */

void world_host_init(struct host *h, const char *name, int pid_max, double pid_rate, int first);
/* Takes the next free PID at time now (cyclic, skipping live ones), or -EAGAIN. */
int world_pid_alloc(struct host *h, sim_time now);
/* Registers a live process. Returns 0 or -EAGAIN when the table is full. */
int world_pid_add(struct host *h, const struct world_pident *id);
/* Removes the live process with that pid. */
void world_pid_remove(struct host *h, int pid);
/* The live process with that pid, or NULL. */
struct world_pident *world_pid_find(struct host *h, int pid);
/* Is pid free to be taken (not alive)? */
bool world_pid_free(const struct host *h, int pid);
/* Fills *out as `ps` would show id. */
void world_pid_describe(const struct host *h, const struct world_pident *id, const char *job_cmd,
                        struct env_proc *out);

/* --- files (world_files.c); every call returns >= 0 or -errno --- */

void world_fdtab_init(struct world_fdtab *t);
int world_file_open(struct host *h, struct world_fdtab *t, const char *path, int flags);
int world_file_close(struct host *h, struct world_fdtab *t, int fd);
int world_file_read(struct host *h, struct world_fdtab *t, int fd, char *buf, size_t len);
int world_file_write(struct host *h, struct world_fdtab *t, int fd, const char *buf, size_t len);
int world_file_unlink(struct host *h, const char *path);
int world_file_rename(struct host *h, const char *from, const char *to);
int world_file_flock(struct host *h, struct world_fdtab *t, int fd, int op);
/* Closes every descriptor: a process exits or dies (the kernel drops its flocks). */
void world_fdtab_close_all(struct host *h, struct world_fdtab *t);
/* Does path exist (for tests and traces)? Its content into buf when it does. */
bool world_file_peek(const struct host *h, const char *path, char *buf, size_t len);

/* --- database (world_db.c) --- */

struct db_lease_row {
    bool used;
    char name[32];
    sim_time started_at, locked_until;
    char owner[64];
    uint64_t token;
};

struct db_shed_row {
    bool used;
    char name[32];
    sim_time lock_until, locked_at;
    char locked_by[64];
};

struct db_session {
    bool alive;
    uint32_t gen;
};

struct db_advisory {
    int64_t key;
    int session;
    int count;
};

struct world_db {
    struct node_clock clock;
    struct db_lease_row lease[WORLD_MAX_ROWS];
    struct db_shed_row shed[WORLD_MAX_ROWS];
    struct db_session sess[WORLD_MAX_SESSIONS];
    int nsess;
    struct db_advisory adv[WORLD_MAX_ADVISORY];
    int nadv;
    uint64_t token_seq; /* fencing tokens: nextval('task_lock_token') */
    uint64_t sink_max;  /* highest fencing token the sink has accepted */
};

void world_db_init(struct world_db *db);
/* ENV_SINK_WRITE's meaning: does the sink take a write with this fencing token (0: none)? */
static inline bool world_db_sink_take(struct world_db *db, uint64_t token)
{
    if (token && token < db->sink_max) /* a newer holder has written: fenced off */
        return false;
    if (token > db->sink_max)
        db->sink_max = token;
    return true;
}
/* A new server session. Returns its id or -EAGAIN. */
int world_db_session_new(struct world_db *db);
/* The server ends a session (disconnect, client death): its advisory locks go. */
void world_db_session_end(struct world_db *db, int sid);
bool world_db_session_alive(const struct world_db *db, int sid);
/*
 * Executes st atomically on session sid with now() = now (database time;
 * st->client_time binds st->client_now instead). Returns rows (0 or 1), or
 * -EEXIST for a duplicate key, -ENOSPC when a table is full.
 */
int world_db_apply(struct world_db *db, const struct env_stmt *st, int sid, sim_time now,
                   struct env_row *out);
/* Who holds advisory lock key: a session id, or -1. */
int world_db_advisory_holder(const struct world_db *db, int64_t key);
/* The task_lock row named name, or NULL. */
const struct db_lease_row *world_db_lease_row(const struct world_db *db, const char *name);
const struct db_shed_row *world_db_shed_row(const struct world_db *db, const char *name);

#endif
