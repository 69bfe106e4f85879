/*
 * The seed-003 task_lock lease, shared by the lease, lease-local and
 * lease-fenced guards (internal to guards/; not a guard itself).
 */
#ifndef GUARDS_LEASE_SQL_H
#define GUARDS_LEASE_SQL_H

#include "guard.h"

enum lease_clock {
    LEASE_DB_CLOCK,     /* now() on the database: the statement as merged */
    LEASE_CLIENT_CLOCK, /* :now from the caller's node clock */
};

struct lease_guard {
    struct guard base;
    struct guard_params p;
    enum lease_clock clock;
    bool fenced;
    char owner[64]; /* host:pid:start of the process, filled on first use */
};

/* A new instance (NULL when out of memory). */
struct guard *lease_new(const struct guard_params *p, enum lease_clock clock, bool fenced);
void lease_free(struct guard *g);
/* The upsert: 1 acquired (h filled), 0 held by someone, -errno. */
int lease_acquire(struct guard *g, struct env *env, struct guard_hold *h);
/* Fills the owner (host:pid:start) on first use. */
void lease_owner_fill(struct lease_guard *g, struct env *env);
/* A statement of this kind with the guard's name, owner and holds. */
struct env_stmt lease_stmt(struct lease_guard *g, struct env *env, enum env_stmt_kind kind);
/* The finally block: shorten (or delete, then shorten). */
void lease_release(struct guard *g, struct env *env, struct guard_hold *h);

#endif
