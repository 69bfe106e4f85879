/*
 * Actors on fibers. The event loop runs on the thread's own stack; an actor
 * runs until it parks (a sleep, a lock wait) or finishes, then switches back.
 * Finished workers keep their fiber and wait on a free list for the next
 * trigger, so a trigger costs a switch, not a stack allocation.
 */
#include <errno.h>

#include "engine_impl.h"
#include "mem.h"

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
        a->next = a->sim->free_actors;
        a->sim->free_actors = a;
        fiber_switch(&a->fiber, &a->sim->main);
    }
}

struct actor *sim_actor_new(struct sim *s, struct node *n, void (*main)(struct actor *))
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
        a->env.ops = &sim_env_ops;
        a->sim = s;
        a->id = (uint64_t)s->nactors + 1;
        s->all_actors[s->nactors++] = a;
    }
    a->node = n;
    a->proc = &n->service;
    a->main = main;
    a->next = NULL;
    a->ctx = NULL;
    return a;
nomem:
    if (!s->error)
        s->error = -ENOMEM;
    return NULL;
}

void sim_actor_start(struct sim *s, struct actor *a) { fiber_switch(&s->main, &a->fiber); }

void sim_park(struct actor *a) { fiber_switch(&a->fiber, &a->sim->main); }

static void wake(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    sim_actor_start(ctx, arg);
}

void sim_wake_at(struct sim *s, struct actor *a, sim_time at) { sim_at(s, at, wake, a, 0); }

uint64_t sim_event_owner(const struct evq_event *ev)
{
    return ev->fn == wake ? ((const struct actor *)ev->arg)->id : 0;
}

void sim_sleep(struct actor *a, sim_time d)
{
    struct sim *s = a->sim;
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
    if (!create || s->nwaitq == SIM_MAX_WAITQ)
        return NULL;
    struct waitq *w = &s->waitq[s->nwaitq++];
    *w = (struct waitq){key, NULL, NULL};
    return w;
}

void sim_wait_on(struct actor *a, const void *key)
{
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
    sim_park(a);
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
