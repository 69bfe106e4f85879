/*
 * Concurrency, overlap windows, gaps, lateness and cycle durations, computed
 * online (see checker.h). An overlap window opens when a start lifts the
 * number of runs above the limit and closes when an end brings it back.
 */
#include "checker.h"

#include <errno.h>
#include <string.h>

#include "../base/mem.h"

int checker_init(struct checker *c, struct metrics *m, sim_time interval, int limit)
{
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->limit = limit;
    c->window_start = -1;
    c->prev_start = -1;
    m->interval = interval;
    c->act_cap = 16;
    c->act = mem_alloc(c->act_cap * sizeof(*c->act));
    return c->act ? 0 : -ENOMEM;
}

void checker_release(struct checker *c)
{
    mem_free(c->act);
    c->act = NULL;
}

void checker_trigger(struct checker *c, int manual)
{
    c->m->triggers++;
    if (manual)
        c->m->manual++;
}

void checker_skip(struct checker *c)
{
    c->m->skipped++;
}
void checker_coalesce(struct checker *c)
{
    c->m->coalesced++;
}
void checker_guard_error(struct checker *c)
{
    c->m->guard_errors++;
}

static void note_gap(struct metrics *m, sim_time from, sim_time to)
{
    if (to - from > m->longest_gap) {
        m->longest_gap = to - from;
        m->longest_gap_at = from;
    }
}

int checker_start(struct checker *c, sim_time now, uint64_t run, int node, sim_time trigger_at)
{
    struct metrics *m = c->m;
    if ((size_t)c->active == c->act_cap) {
        struct active_run *a = mem_realloc(c->act, 2 * c->act_cap * sizeof(*a));
        if (!a)
            return -ENOMEM;
        c->act = a;
        c->act_cap *= 2;
    }
    c->act[c->active++] = (struct active_run){run, node};
    m->runs++;
    if (c->active > m->max_concurrency)
        m->max_concurrency = c->active;
    if (c->active == c->limit + 1) { /* an overlap begins */
        c->window_start = now;
        m->overlaps++;
        if (m->nwindows < METRICS_WINDOWS) {
            struct overlap_window *w = &m->window[m->nwindows++];
            w->start = now;
            w->end = -1;
            w->run_a = c->act[0].run;
            w->node_a = c->act[0].node;
            w->run_b = run;
            w->node_b = node;
        }
    }
    note_gap(m, c->prev_start < 0 ? 0 : c->prev_start, now);
    if (m->first_start < 0)
        m->first_start = now;
    m->last_start = now;
    c->prev_start = now;
    hist_add(&m->lateness, now - trigger_at);
    return 0;
}

static void close_window(struct checker *c, sim_time now)
{
    struct metrics *m = c->m;
    m->overlap_time += now - c->window_start;
    if (m->nwindows > 0 && m->window[m->nwindows - 1].end < 0 &&
        m->window[m->nwindows - 1].start == c->window_start)
        m->window[m->nwindows - 1].end = now;
    c->window_start = -1;
}

void checker_end(struct checker *c, sim_time now, uint64_t run, sim_time started)
{
    struct metrics *m = c->m;
    for (int i = 0; i < c->active; i++) {
        if (c->act[i].run == run) {
            memmove(&c->act[i], &c->act[i + 1], (size_t)(c->active - i - 1) * sizeof(c->act[0]));
            c->active--;
            break;
        }
    }
    if (c->window_start >= 0 && c->active <= c->limit)
        close_window(c, now);
    sim_time d = now - started;
    hist_add(&m->cycle, d);
    if (d > m->interval)
        m->long_cycles++;
}

void checker_finish(struct checker *c, sim_time end)
{
    struct metrics *m = c->m;
    if (c->window_start >= 0)
        close_window(c, end);
    m->unfinished += (uint64_t)c->active; /* several checkers may share m */
    m->duration = end;
    note_gap(m, c->prev_start < 0 ? 0 : c->prev_start, end);
}
