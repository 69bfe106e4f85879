/*
 * Simulated processes and what happens to them: start (a PID from the host,
 * a start time, an instance of the guard), normal exit (the kernel closes
 * its files, dropping flocks, and its database connections, ending advisory
 * locks), kill -9 (the same, but no trap and no finally block runs: a PID
 * file stays behind), SIGTERM (runs stop early and release), SIGSTOP-like
 * pauses, and node crashes with restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "../base/mem.h"

static const char *const cmd_names[] = {"job", "other", "service", "cron"};

static struct proc *proc_alloc(struct sim *s)
{
    struct proc *p = s->free_procs;
    if (p) {
        s->free_procs = p->next;
        return p;
    }
    if (s->nprocs == s->procs_cap) {
        int cap = s->procs_cap ? 2 * s->procs_cap : 8;
        struct proc **all = mem_realloc(s->all_procs, (size_t)cap * sizeof(*all));
        if (!all)
            return NULL;
        s->all_procs = all;
        s->procs_cap = cap;
    }
    p = mem_calloc(1, sizeof(*p));
    if (p)
        s->all_procs[s->nprocs++] = p;
    return p;
}

static void proc_free(struct sim *s, struct proc *p)
{
    guard_destroy(p->guard);
    p->guard = NULL;
    p->next = s->free_procs;
    s->free_procs = p;
}

void sim_procs_free(struct sim *s)
{
    for (int i = 0; i < s->nprocs; i++) {
        guard_destroy(s->all_procs[i]->guard);
        mem_free(s->all_procs[i]);
    }
    mem_free(s->all_procs);
    s->all_procs = NULL;
    s->nprocs = s->procs_cap = 0;
    s->free_procs = NULL;
}

struct proc *sim_proc_spawn(struct sim *s, struct node *n, enum world_cmd cmd)
{
    int pid = world_pid_alloc(n->host, s->now);
    if (pid < 0) { /* fork: Resource temporarily unavailable */
        sim_tracef(s, n, 0, "proc", "fork failed: no free PID");
        return NULL;
    }
    struct proc *p = proc_alloc(s);
    if (!p)
        goto nomem;
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->started = s->now;
    p->cmd = cmd;
    p->node = n;
    world_fdtab_init(&p->fds);
    if (cmd == WORLD_CMD_JOB || cmd == WORLD_CMD_SERVICE) {
        p->guard = guard_new(n->cfg->guard, &n->cfg->gp);
        if (!p->guard) {
            proc_free(s, p);
            goto nomem;
        }
    }
    struct world_pident id = {pid, s->now, cmd, p};
    if (world_pid_add(n->host, &id) != 0) {
        proc_free(s, p);
        sim_tracef(s, n, 0, "proc", "fork failed: process table full");
        return NULL;
    }
    if (cmd == WORLD_CMD_SERVICE || cmd == WORLD_CMD_CRON) {
        p->held = true; /* a long-running process: idle is not done */
        p->nactors = 1;
    }
    p->next = n->procs;
    n->procs = p;
    if (s->trace && (cmd != WORLD_CMD_SERVICE || s->now > 0))
        sim_tracef(s, n, 0, "proc", "start pid %d (%s)", pid, cmd_names[cmd]);
    return p;
nomem:
    if (!s->error)
        s->error = -ENOMEM;
    return NULL;
}

void sim_proc_leave_last(struct actor *a, struct proc *p)
{
    struct sim *s = a->sim;
    /* a cron-started run's process ends with its run; a terminated one with its last run */
    if (!p->dead && (p->cmd == WORLD_CMD_JOB || p->terminating))
        sim_proc_exit(s, p); /* frees it too */
    else if (p->dead)
        proc_free(s, p);
}

/* What the kernel does for any process that goes away, however it goes. */
static void proc_gone(struct sim *s, struct proc *p, const char *how)
{
    struct node *n = p->node;
    p->dead = true;
    world_fdtab_close_all(n->host, &p->fds);
    for (int i = 0; i < p->nconn; i++)
        world_db_session_end(&s->db, p->conn[i].sid);
    p->nconn = 0;
    world_pid_remove(n->host, p->pid);
    for (struct proc **pp = &n->procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    p->next = NULL;
    if (n->service == p)
        n->service = NULL;
    if (p->held) {
        p->held = false;
        p->nactors--;
    }
    if (s->trace && (p->cmd != WORLD_CMD_SERVICE || *how != 'e'))
        sim_tracef(s, n, 0, "proc", "%s pid %d (%s)", how, p->pid, cmd_names[p->cmd]);
}

void sim_proc_exit(struct sim *s, struct proc *p)
{
    if (p->dead)
        return;
    proc_gone(s, p, "exit");
    if (p->nactors == 0)
        proc_free(s, p);
}

void sim_proc_kill(struct sim *s, struct proc *p)
{
    if (p->dead)
        return;
    p->nactors++; /* hold it while its actors are told */
    proc_gone(s, p, "kill -9");
    for (int i = 0; i < s->nactors; i++) {
        struct actor *a = s->all_actors[i];
        if (a->busy && a->proc == p)
            sim_actor_kill(s, a);
    }
    if (--p->nactors == 0)
        proc_free(s, p);
}

void sim_proc_terminate(struct sim *s, struct proc *p)
{
    if (p->dead || p->terminating)
        return;
    p->terminating = true;
    if (s->trace)
        sim_tracef(s, p->node, 0, "proc", "SIGTERM pid %d (%s)", p->pid, cmd_names[p->cmd]);
    p->nactors++;
    if (p->held) { /* it exits once its runs have finished */
        p->held = false;
        p->nactors--;
    }
    for (int i = 0; i < s->nactors; i++) {
        struct actor *a = s->all_actors[i];
        if (!a->busy || a->proc != p)
            continue;
        if (a->is_job)
            sim_actor_interrupt(s, a); /* the run stops early; finally and trap run */
        else
            sim_actor_kill(s, a); /* a scheduler loop just stops */
    }
    if (--p->nactors == 0)
        sim_proc_exit(s, p);
}

static void node_restart(void *ctx, void *arg, uint64_t tag)
{
    struct sim *s = ctx;
    struct node *n = arg;
    if (tag != n->epoch || !n->down)
        return;
    n->down = false;
    sim_tracef(s, n, 0, "fault", "restart");
    n->service = sim_proc_spawn(
        s, n, config_sched_forks(n->cfg->sched) ? WORLD_CMD_CRON : WORLD_CMD_SERVICE);
    if (n->service)
        s->sched->start(s, n); /* last: it may start actors */
}

void sim_node_crash(struct sim *s, struct node *n, bool cleanup, sim_time restart)
{
    if (n->down)
        return;
    sim_trace(s, n, 0, "fault", cleanup ? "crash (SIGTERM, traps run)" : "crash (kill -9)");
    n->down = true;
    n->epoch++;
    n->paused_until = 0;
    while (n->procs) {
        struct proc *p = n->procs;
        if (cleanup) {
            sim_proc_terminate(s, p);
            if (n->procs == p) { /* still exiting: take it off the node's list */
                n->procs = p->next;
                p->next = NULL;
            }
        } else {
            sim_proc_kill(s, p);
        }
    }
    n->service = NULL;
    if (restart >= 0)
        sim_at(s, s->now + restart, node_restart, n, n->epoch);
}

void sim_pause(struct sim *s, struct node *n, struct proc *p, sim_time until)
{
    sim_time *pu = p ? &p->paused_until : &n->paused_until;
    if (until > *pu)
        *pu = until;
    if (s->trace) {
        char d[96] = "", t[TIME_FMT_LEN];
        bool text = trace_writes(s->trace); /* a hash-only trace needs no text */
        if (text && p)
            snprintf(d, sizeof(d), "pause pid %d for %s", p->pid, time_format(until - s->now, t));
        else if (text)
            snprintf(d, sizeof(d), "pause for %s", time_format(until - s->now, t));
        sim_trace(s, n, 0, "fault", d);
        /* the window's end, when the trace gets there (a longer pause moves it) */
        if (text && p)
            snprintf(d, sizeof(d), "pause pid %d: resumed", p->pid);
        else if (text)
            snprintf(d, sizeof(d), "pause: resumed");
        sim_trace_due(s, *pu, n, 0, "fault-end", d, pu);
    }
}

void sim_proc_disconnect(struct sim *s, struct proc *p)
{
    for (int i = 0; i < p->nconn; i++)
        world_db_session_end(&s->db, p->conn[i].sid);
    if (s->trace && p->nconn)
        sim_tracef(s, p->node, 0, "fault", "db sessions of pid %d end", p->pid);
}
