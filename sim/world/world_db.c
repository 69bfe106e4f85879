/*
 * The simulated database's state and the meaning of each statement (env.h;
 * the SQL live mode sends is in sim/live/sql.c). A statement is applied at
 * one instant, so two statements on the same row are serialized by the order
 * in which they reach the server: of N concurrent upserts exactly one takes
 * the row, as PostgreSQL's INSERT ... DO UPDATE guarantees. The time a statement sees as
 * now() is the caller's business (world_env.c): the start of its transaction
 * on the server's clock, which a lock wait makes stale.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "world.h"

void world_db_init(struct world_db *db)
{
    memset(db, 0, sizeof(*db));
    node_clock_init(&db->clock, 0, 0);
}

/*
 * A session's handle is its slot and the slot's generation: a slot is
 * reused once its session has ended, and a client that still holds the old
 * handle (it has not yet learned that its session ended) must find it dead,
 * not alive under a new owner.
 */
#define GEN_MAX (INT_MAX / WORLD_MAX_SESSIONS)

static int handle(const struct world_db *db, int slot)
{
    return (int)(db->sess[slot].gen % GEN_MAX) * WORLD_MAX_SESSIONS + slot;
}

int world_db_session_new(struct world_db *db)
{
    for (int i = 0; i < db->nsess; i++) {
        if (!db->sess[i].alive) {
            db->sess[i].alive = true;
            db->sess[i].gen++;
            return handle(db, i);
        }
    }
    if (db->nsess == WORLD_MAX_SESSIONS)
        return -EAGAIN;
    db->sess[db->nsess].alive = true;
    return handle(db, db->nsess++);
}

bool world_db_session_alive(const struct world_db *db, int sid)
{
    int slot = sid % WORLD_MAX_SESSIONS;
    return sid >= 0 && slot < db->nsess && db->sess[slot].alive && handle(db, slot) == sid;
}

void world_db_session_end(struct world_db *db, int sid)
{
    if (!world_db_session_alive(db, sid))
        return;
    db->sess[sid % WORLD_MAX_SESSIONS].alive = false;
    /* session-level advisory locks end with the session */
    for (int i = 0; i < db->nadv;) {
        if (db->adv[i].session == sid)
            db->adv[i] = db->adv[--db->nadv];
        else
            i++;
    }
}

int world_db_advisory_holder(const struct world_db *db, int64_t key)
{
    for (int i = 0; i < db->nadv; i++)
        if (db->adv[i].key == key)
            return db->adv[i].session;
    return -1;
}

static struct db_lease_row *lease_row(struct world_db *db, const char *name, bool create)
{
    struct db_lease_row *free_row = NULL;
    for (int i = 0; i < WORLD_MAX_ROWS; i++) {
        if (db->lease[i].used && strcmp(db->lease[i].name, name) == 0)
            return &db->lease[i];
        if (!db->lease[i].used && !free_row)
            free_row = &db->lease[i];
    }
    return create ? free_row : NULL;
}

const struct db_lease_row *world_db_lease_row(const struct world_db *db, const char *name)
{
    return lease_row((struct world_db *)db, name, false);
}

static struct db_shed_row *shed_row(struct world_db *db, const char *name, bool create)
{
    struct db_shed_row *free_row = NULL;
    for (int i = 0; i < WORLD_MAX_ROWS; i++) {
        if (db->shed[i].used && strcmp(db->shed[i].name, name) == 0)
            return &db->shed[i];
        if (!db->shed[i].used && !free_row)
            free_row = &db->shed[i];
    }
    return create ? free_row : NULL;
}

const struct db_shed_row *world_db_shed_row(const struct world_db *db, const char *name)
{
    return shed_row((struct world_db *)db, name, false);
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static bool owner_ok(const struct env_stmt *st, const char *row_owner)
{
    return !st->check_owner || strcmp(row_owner, str(st->owner)) == 0;
}

static void lease_grant(struct world_db *db, struct db_lease_row *r, const struct env_stmt *st,
                        sim_time now, struct env_row *out)
{
    r->started_at = now;
    r->locked_until = now + st->hold;
    world_strcpy(r->owner, sizeof(r->owner), st->owner);
    r->token = ++db->token_seq; /* a sequence, so a deleted row cannot reset it */
    if (out) {
        out->token = r->token;
        out->started_at = r->started_at;
        out->locked_until = r->locked_until;
    }
}

static void shed_set(struct db_shed_row *r, const struct env_stmt *st, sim_time now)
{
    r->lock_until = now + st->hold;
    r->locked_at = now;
    world_strcpy(r->locked_by, sizeof(r->locked_by), st->owner);
}

static int advisory(struct world_db *db, const struct env_stmt *st, int sid)
{
    for (int i = 0; i < db->nadv; i++) {
        struct db_advisory *a = &db->adv[i];
        if (a->key != st->key)
            continue;
        if (a->session != sid) /* another session holds it */
            return 0;
        if (st->kind == ENV_ADVISORY_TRY_LOCK) {
            a->count++; /* re-entrant within a session */
        } else if (--a->count == 0) {
            db->adv[i] = db->adv[--db->nadv];
        }
        return 1;
    }
    if (st->kind == ENV_ADVISORY_UNLOCK)
        return 0; /* "you don't own a lock of type ExclusiveLock" */
    if (db->nadv == WORLD_MAX_ADVISORY)
        return -ENOSPC;
    db->adv[db->nadv++] = (struct db_advisory){st->key, sid, 1};
    return 1;
}

int world_db_apply(struct world_db *db, const struct env_stmt *st, int sid, sim_time now,
                   struct env_row *out)
{
    sim_time t = st->client_time ? st->client_now : now;
    const char *name = str(st->name);
    switch (st->kind) {
    case ENV_LEASE_UPSERT: {
        struct db_lease_row *r = lease_row(db, name, true);
        if (!r)
            return -ENOSPC;
        if (!r->used) { /* INSERT */
            memset(r, 0, sizeof(*r));
            r->used = true;
            world_strcpy(r->name, sizeof(r->name), name);
        } else if (r->locked_until > t) { /* the upsert's WHERE is false: nothing returned */
            return 0;
        }
        lease_grant(db, r, st, t, out);
        return 1;
    }
    case ENV_LEASE_SHORTEN: {
        struct db_lease_row *r = lease_row(db, name, false);
        if (!r || r->locked_until <= t || !owner_ok(st, r->owner))
            return 0;
        r->locked_until = r->started_at + st->min_hold;
        return 1;
    }
    case ENV_LEASE_DELETE: {
        struct db_lease_row *r = lease_row(db, name, false);
        if (!r || r->started_at + st->min_hold > t || !owner_ok(st, r->owner))
            return 0;
        r->used = false;
        return 1;
    }
    case ENV_SHEDLOCK_INSERT: {
        struct db_shed_row *r = shed_row(db, name, true);
        if (!r)
            return -ENOSPC;
        if (r->used)
            return -EEXIST;
        memset(r, 0, sizeof(*r));
        r->used = true;
        world_strcpy(r->name, sizeof(r->name), name);
        shed_set(r, st, t);
        return 1;
    }
    case ENV_SHEDLOCK_UPDATE: {
        struct db_shed_row *r = shed_row(db, name, false);
        if (!r || r->lock_until > t)
            return 0;
        shed_set(r, st, t);
        return 1;
    }
    case ENV_SHEDLOCK_UPSERT: {
        struct db_shed_row *r = shed_row(db, name, true);
        if (!r)
            return -ENOSPC;
        if (!r->used) {
            memset(r, 0, sizeof(*r));
            r->used = true;
            world_strcpy(r->name, sizeof(r->name), name);
        } else if (r->lock_until > t) {
            return 0;
        }
        shed_set(r, st, t);
        return 1;
    }
    case ENV_SHEDLOCK_UNLOCK: {
        struct db_shed_row *r = shed_row(db, name, false);
        if (!r || !owner_ok(st, r->locked_by))
            return 0;
        if (st->client_time) {
            r->lock_until = st->until;
        } else {
            sim_time least = r->locked_at + st->min_hold;
            r->lock_until = least > now ? least : now;
        }
        return 1;
    }
    case ENV_ADVISORY_TRY_LOCK:
    case ENV_ADVISORY_UNLOCK:
        return advisory(db, st, sid);
    case ENV_LEASE_READ: {
        const struct db_lease_row *r = lease_row(db, name, false);
        return !r || r->locked_until <= t;
    }
    case ENV_LEASE_WRITE: { /* no WHERE: whoever writes last holds the row */
        struct db_lease_row *r = lease_row(db, name, true);
        if (!r)
            return -ENOSPC;
        if (!r->used) {
            memset(r, 0, sizeof(*r));
            r->used = true;
            world_strcpy(r->name, sizeof(r->name), name);
        }
        lease_grant(db, r, st, t, out);
        return 1;
    }
    case ENV_ADVISORY_XACT_TRY_LOCK: { /* taken and, at the statement's end, released */
        int holder = world_db_advisory_holder(db, st->key);
        return holder < 0 || holder == sid;
    }
    case ENV_SINK_WRITE:
        return world_db_sink_take(db, st->token);
    case ENV_EXPORT_FETCH: /* the simulator's exports keep their books in sim/work/export.c */
    case ENV_EXPORT_WRITE:
    case ENV_EXPORT_LOCK_ROW:
    case ENV_EXPORT_WATERMARK:
    case ENV_TX_BEGIN:
    case ENV_TX_COMMIT:
    case ENV_TX_ROLLBACK:
        return -EINVAL;
    }
    return -EINVAL;
}
