/*
 * Actors on fibers. The event loop runs on the thread's own stack; an actor
 * runs until it parks (a sleep, a lock wait) or finishes, then switches back.
 * Finished workers keep their fiber and wait on a free list for the next
 * trigger, so a trigger costs a switch, not a stack allocation.
 */
#include <errno.h>

#include "sim.h"
#include "../base/mem.h"

#ifdef __SANITIZE_ADDRESS__
#define ACTOR_STACK (512 * 1024)
#else
#define ACTOR_STACK (128 * 1024)
#endif

void sim_at(struct sim *s, sim_time at, evq_fn fn, void *arg, uint64_t tag)
{
    if (evq_push(&s->q, at, fn, arg, tag) != 0 && !s->error)
        s->error = -ENOMEM;
}

static void actor_loop(void *arg)
{
    struct actor *a = arg;
    for (;;) {
        a->main(a);
        /* done: back to the free list, and to the event loop for good */
        a->busy = false;
        a->gen++; /* nothing may wake it any more */
        sim_proc_leave(a);
        a->next = a->sim->free_actors;
        a->sim->free_actors = a;
        fiber_switch(&a->fiber, &a->sim->main);
    }
}

struct actor *sim_actor_new(struct sim *s, struct node *n, void (*main)(struct actor *))
{
    return sim_actor_new_in(s, n, n->service, main);
}

struct actor *sim_actor_new_in(struct sim *s, struct node *n, struct proc *p,
                               void (*main)(struct actor *))
{
    struct actor *a = s->free_actors;
    if (a) {
        s->free_actors = a->next;
    } else {
        if (s->nactors >= SIM_MAX_ACTORS) {
            if (!s->error)
                s->error = -E2BIG;
            return NULL;
        }
        if (s->nactors == s->actors_cap) {
            int cap = s->actors_cap ? 2 * s->actors_cap : 16;
            struct actor **all = mem_realloc(s->all_actors, (size_t)cap * sizeof(*all));
            if (!all)
                goto nomem;
            s->all_actors = all;
            s->actors_cap = cap;
        }
        a = mem_calloc(1, sizeof(*a));
        if (!a)
            goto nomem;
        if (fiber_create(&a->fiber, ACTOR_STACK, actor_loop, a) != 0) {
            mem_free(a);
            goto nomem;
        }
        a->env.ops = s->env_ops;
        a->sim = s;
        a->id = (uint64_t)s->nactors + 1;
        s->all_actors[s->nactors++] = a;
    }
    a->node = n;
    a->main = main;
    a->next = NULL;
    a->ctx = NULL;
    a->busy = true;
    a->killed = a->interrupted = a->in_phase = a->is_job = false;
    a->wq = NULL;
    a->slot = NULL;
    a->run = 0;
    sim_proc_enter(a, p);
    return a;
nomem:
    if (!s->error)
        s->error = -ENOMEM;
    return NULL;
}

void sim_actor_start(struct sim *s, struct actor *a)
{
    s->current = a;
    fiber_switch(&s->main, &a->fiber);
    s->current = NULL;
}

void sim_park(struct actor *a)
{
    fiber_switch(&a->fiber, &a->sim->main);
}

/* When a stopped process or node lets a's actor run again (0: not stopped). */
static sim_time resume_time(const struct actor *a)
{
    sim_time n = a->node->paused_until, p = a->proc ? a->proc->paused_until : 0;
    return n > p ? n : p;
}

static void wake(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct actor *a = arg;
    if (tag != a->gen) /* voided by a kill or an interrupt */
        return;
    if (!a->killed) { /* a stopped process resumes where it was, at the pause's end */
        sim_time r = resume_time(a);
        if (r > s->now) {
            sim_at(s, r, wake, a, tag);
            return;
        }
    }
    sim_actor_start(s, a);
}

void sim_wake_at(struct sim *s, struct actor *a, sim_time at)
{
    sim_at(s, at, wake, a, a->gen);
}

void sim_actor_start_at(struct sim *s, struct actor *a, sim_time at)
{
    sim_wake_at(s, a, at);
}

void sim_actor_kill(struct sim *s, struct actor *a)
{
    if (a->killed || !a->busy)
        return;
    a->killed = true;
    if (a->wq) { /* out of its wait queue, so it absorbs no wake-up */
        struct waitq *w = a->wq;
        struct actor **pp = &w->head, *prev = NULL;
        while (*pp && *pp != a)
            prev = *pp, pp = &(*pp)->next;
        if (*pp) {
            *pp = a->next;
            if (w->tail == a)
                w->tail = prev;
        }
        a->wq = NULL;
    }
    if (a->slot) {
        *a->slot = NULL;
        a->slot = NULL;
    }
    if (s->current == a) /* it killed itself: it sees the flag as it returns */
        return;
    a->gen++;
    sim_wake_at(s, a, s->now);
}

void sim_actor_interrupt(struct sim *s, struct actor *a)
{
    a->interrupted = true;
    if (a->in_phase && s->current != a) {
        a->gen++;
        sim_wake_at(s, a, s->now);
    }
}

bool sim_node_gate_slow(struct sim *s, struct node *n, evq_fn fn, void *arg, uint64_t tag)
{
    if (tag != n->epoch || n->down)
        return true; /* a timer of a process that crashed */
    /* the node, or the process whose scheduler thread fires this, is stopped */
    sim_time until = n->paused_until;
    if (n->service && n->service->paused_until > until)
        until = n->service->paused_until;
    if (until > s->now) {
        sim_at(s, until, fn, arg, tag);
        return true;
    }
    return false;
}

uint64_t sim_event_owner(const struct evq_event *ev)
{
    return ev->fn == wake ? ((const struct actor *)ev->arg)->id : 0;
}

void sim_sleep(struct actor *a, sim_time d)
{
    struct sim *s = a->sim;
    if (a->killed) /* a dead process's code unwinds in no time */
        return;
    sim_time at = s->now + (d > 0 ? d : 0);
    /* Nothing else is due before we wake? Then the loop would pop our wake
     * next and resume us: skip the round trip, same outcome, same trace. */
    if (at < s->end && !s->error && (evq_empty(&s->q) || at < evq_next_time(&s->q))) {
        s->now = at;
        s->m->events++;
        return;
    }
    sim_wake_at(s, a, at);
    sim_park(a);
}

static struct waitq *waitq_find(struct sim *s, const void *key, bool create)
{
    for (int i = 0; i < s->nwaitq; i++)
        if (s->waitq[i].key == key)
            return &s->waitq[i];
    if (!create)
        return NULL;
    struct waitq *w = NULL;
    for (int i = 0; i < s->nwaitq && !w; i++)
        if (!s->waitq[i].head) /* an empty queue can take another key */
            w = &s->waitq[i];
    if (!w && s->nwaitq == SIM_MAX_WAITQ)
        return NULL;
    if (!w)
        w = &s->waitq[s->nwaitq++];
    *w = (struct waitq){key, NULL, NULL};
    return w;
}

void sim_wait_on(struct actor *a, const void *key)
{
    if (a->killed)
        return;
    struct waitq *w = waitq_find(a->sim, key, true);
    if (!w) { /* out of queues: poll instead of parking forever */
        sim_sleep(a, SIM_MS);
        return;
    }
    a->next = NULL;
    if (w->tail)
        w->tail->next = a;
    else
        w->head = a;
    w->tail = a;
    a->wq = w;
    sim_park(a);
    a->wq = NULL;
}

void sim_wake_one(struct sim *s, const void *key)
{
    struct waitq *w = waitq_find(s, key, false);
    if (!w || !w->head)
        return;
    struct actor *a = w->head;
    w->head = a->next;
    if (!w->head)
        w->tail = NULL;
    a->next = NULL;
    sim_wake_at(s, a, s->now);
}

void sim_actors_free(struct sim *s)
{
    for (int i = 0; i < s->nactors; i++) {
        fiber_destroy(&s->all_actors[i]->fiber);
        mem_free(s->all_actors[i]);
    }
    mem_free(s->all_actors);
    s->all_actors = NULL;
    s->nactors = s->actors_cap = 0;
    s->free_actors = NULL;
}
