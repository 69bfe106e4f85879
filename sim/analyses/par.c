/*
 * Ordered parallel map (see par.h). One mutex guards the counters; workers
 * take the next index, compute without the lock, mark the slot ready and
 * signal. The caller's thread delivers ready slots in order and wakes
 * workers waiting for room in the ring. Determinism comes from delivery
 * order, never from which thread computed what.
 */
#include "par.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "../base/mem.h"

struct par_state {
    const struct par *p;
    size_t window;
    pthread_mutex_t mu;
    pthread_cond_t ready; /* a slot became ready */
    pthread_cond_t room;  /* the ring moved on */
    size_t next;          /* next index to hand out */
    size_t delivered;     /* indices below this were delivered */
    bool stop;
    int *status; /* per slot: 0 empty, 1 ready, or the error + 2 encoded below */
    int *err;
};

struct worker_arg {
    struct par_state *st;
    int id;
};

size_t par_window(int jobs)
{
    return jobs <= 1 ? 1 : (size_t)jobs * 16;
}

int par_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static void *worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct par_state *st = wa->st;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->stop && st->next < st->p->n && st->next >= st->delivered + st->window)
            pthread_cond_wait(&st->room, &st->mu);
        if (st->stop || st->next >= st->p->n)
            break;
        size_t i = st->next++;
        size_t slot = i % st->window;
        pthread_mutex_unlock(&st->mu);
        int rc = st->p->work(st->p->user, i, slot, wa->id);
        pthread_mutex_lock(&st->mu);
        st->err[slot] = rc;
        st->status[slot] = 1;
        pthread_cond_signal(&st->ready);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

static int run_serial(const struct par *p)
{
    for (size_t i = 0; i < p->n; i++) {
        int rc = p->work(p->user, i, 0, 0);
        if (!rc)
            rc = p->done(p->user, i, 0);
        if (rc)
            return rc;
    }
    return 0;
}

int par_run(const struct par *p)
{
    if (p->jobs <= 1 || p->n <= 1)
        return run_serial(p);
    struct par_state st = {.p = p, .window = p->window ? p->window : par_window(p->jobs)};
    int jobs = (size_t)p->jobs > p->n ? (int)p->n : p->jobs;
    pthread_t *th = mem_calloc((size_t)jobs, sizeof(*th));
    struct worker_arg *wa = mem_calloc((size_t)jobs, sizeof(*wa));
    st.status = mem_calloc(st.window, sizeof(int));
    st.err = mem_calloc(st.window, sizeof(int));
    int rc = 0, started = 0;
    if (!th || !wa || !st.status || !st.err) {
        rc = -ENOMEM;
        goto out;
    }
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.ready, NULL);
    pthread_cond_init(&st.room, NULL);
    for (; started < jobs; started++) {
        wa[started] = (struct worker_arg){&st, started};
        if (pthread_create(&th[started], NULL, worker_main, &wa[started]) != 0) {
            rc = -EAGAIN;
            break;
        }
    }
    pthread_mutex_lock(&st.mu);
    if (rc)
        st.stop = true;
    while (!rc && st.delivered < p->n) {
        size_t slot = st.delivered % st.window;
        while (!st.status[slot])
            pthread_cond_wait(&st.ready, &st.mu);
        int e = st.err[slot];
        pthread_mutex_unlock(&st.mu);
        if (!e)
            e = p->done(p->user, st.delivered, slot);
        pthread_mutex_lock(&st.mu);
        st.status[slot] = 0;
        if (e) {
            rc = e;
            st.stop = true;
        } else {
            st.delivered++;
        }
        pthread_cond_broadcast(&st.room);
    }
    st.stop = true;
    pthread_cond_broadcast(&st.room);
    pthread_mutex_unlock(&st.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&st.room);
    pthread_cond_destroy(&st.ready);
    pthread_mutex_destroy(&st.mu);
out:
    mem_free(st.err);
    mem_free(st.status);
    mem_free(wa);
    mem_free(th);
    return rc;
}
