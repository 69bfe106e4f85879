/*
 * The sink database's row locks, as PostgreSQL behaves (its manual,
 * "Explicit Locking": row-level locks and deadlocks): a transaction that finds a row locked waits
 * in line, without limit, and is granted the row when the holder commits or rolls back. After
 * waiting deadlock_timeout it checks, once, whether it waits in a cycle
 * (it waits for a holder that waits ... for it); if so it is the one
 * aborted, which releases its rows. Which member of a cycle dies is thus the
 * one whose timer fires first: deterministic here, "difficult to predict"
 * for PostgreSQL.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "../base/mem.h"

void export_db_init(struct export_db *db, struct sim *s, int nrows, sim_time deadlock_timeout)
{
    memset(db, 0, sizeof(*db));
    db->sim = s;
    db->nrows = nrows;
    db->deadlock_timeout = deadlock_timeout;
}

void export_db_release(struct export_db *db)
{
    for (int i = 0; i < db->nall; i++)
        mem_free(db->all[i]);
    mem_free(db->all);
    db->all = NULL;
    db->nall = db->cap = 0;
    db->free = NULL;
}

struct export_db_tx *export_db_begin(struct export_db *db, struct actor *a, uint64_t run)
{
    struct export_db_tx *tx = db->free;
    if (tx) {
        db->free = tx->next;
    } else {
        if (db->nall == db->cap) {
            int cap = db->cap ? 2 * db->cap : 8;
            struct export_db_tx **all = mem_realloc(db->all, (size_t)cap * sizeof(*all));
            if (!all)
                goto nomem;
            db->all = all;
            db->cap = cap;
        }
        tx = mem_alloc(sizeof(*tx));
        if (!tx)
            goto nomem;
        db->all[db->nall++] = tx;
    }
    *tx = (struct export_db_tx){.a = a, .run = run, .waiting = -1, .open = 1};
    return tx;
nomem:
    if (!db->sim->error)
        db->sim->error = -ENOMEM;
    return NULL;
}

/* Takes tx out of row's wait queue. */
static void unqueue(struct xrow *row, struct export_db_tx *tx)
{
    struct export_db_tx **p = &row->head, *prev = NULL;
    while (*p && *p != tx) {
        prev = *p;
        p = &(*p)->next;
    }
    if (!*p)
        return;
    *p = tx->next;
    if (row->tail == tx)
        row->tail = prev;
    tx->next = NULL;
}

/* Does the chain of waits starting at tx's lead back to tx? */
static int in_cycle(const struct export_db *db, const struct export_db_tx *tx)
{
    const struct export_db_tx *h = db->row[tx->waiting].holder;
    for (int steps = 0; h && steps <= db->nall; steps++) {
        if (h == tx)
            return 1;
        if (h->waiting < 0)
            return 0;
        h = db->row[h->waiting].holder;
    }
    return 0;
}

/* tx's deadlock_timeout passed: the one check PostgreSQL makes per wait. */
static void deadlock_check(void *ctx, void *arg, uint64_t gen)
{
    struct sim *s = ctx;
    struct export_db *db = &s->xp->db;
    struct export_db_tx *tx = arg;
    if (tx->waiting < 0 || tx->wait_gen != gen || tx->a->killed || !in_cycle(db, tx))
        return;
    int row = tx->waiting;
    unqueue(&db->row[row], tx);
    tx->waiting = -1;
    tx->aborted = 1;
    s->m->xp.deadlocks++;
    if (s->trace) {
        char t[TIME_FMT_LEN];
        const struct export_db_tx *h = db->row[row].holder;
        sim_tracef(s, tx->a->node, tx->run, "deadlock",
                   "waiting %s for row %d held by run %" PRIu64 ", which waits too: aborted",
                   trace_writes(s->trace) ? time_format(db->deadlock_timeout, t) : "", row,
                   h ? h->run : 0);
    }
    sim_wake_at(s, tx->a, s->now);
}

int export_db_lock(struct export_db *db, struct export_db_tx *tx, int row)
{
    struct sim *s = db->sim;
    struct xrow *r = &db->row[row];
    if (!r->holder || r->holder == tx) {
        r->holder = tx;
        tx->held |= 1u << row;
        return 0;
    }
    tx->next = NULL;
    if (r->tail)
        r->tail->next = tx;
    else
        r->head = tx;
    r->tail = tx;
    tx->waiting = row;
    tx->wait_gen = ++db->gen;
    s->m->xp.lock_waits++;
    if (s->trace)
        sim_tracef(s, tx->a->node, tx->run, "lock-wait", "row %d held by run %" PRIu64, row,
                   r->holder->run);
    sim_time since = s->now;
    sim_at(s, s->now + db->deadlock_timeout, deadlock_check, tx, tx->wait_gen);
    sim_park(tx->a);
    s->m->xp.lock_wait_time += s->now - since;
    if (tx->a->killed) { /* woken by the kill: out of the line, holding what it held */
        if (tx->waiting >= 0)
            unqueue(&db->row[tx->waiting], tx);
        tx->waiting = -1;
        return -ESRCH;
    }
    return tx->aborted ? -EDEADLK : 0;
}

void export_db_end(struct export_db *db, struct export_db_tx *tx)
{
    for (int i = 0; i < db->nrows; i++) {
        if (!(tx->held & (1u << i)))
            continue;
        struct xrow *r = &db->row[i];
        struct export_db_tx *w;
        while ((w = r->head) && w->a->killed) { /* it leaves the line as it unwinds */
            r->head = w->next;
            w->next = NULL;
            w->waiting = -1;
        }
        if (!r->head)
            r->tail = NULL;
        r->holder = w;
        if (w) { /* granted in line: the waiter wakes holding it */
            r->head = w->next;
            if (!r->head)
                r->tail = NULL;
            w->next = NULL;
            w->waiting = -1;
            w->held |= 1u << i;
            sim_wake_at(db->sim, w->a, db->sim->now);
        }
    }
    tx->held = 0;
    if (tx->waiting >= 0) /* killed while waiting */
        unqueue(&db->row[tx->waiting], tx);
    tx->waiting = -1;
    tx->open = 0;
    tx->next = db->free;
    db->free = tx;
}

void export_db_kill(struct export_db *db, struct actor *a)
{
    for (int i = 0; i < db->nall; i++)
        if (db->all[i]->open && db->all[i]->a == a)
            export_db_end(db, db->all[i]);
}
