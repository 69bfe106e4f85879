/*
 * Process tables of simulated hosts. PIDs are handed out as Linux does
 * (kernel/pid.c alloc_pid: the next number after the last one given, skipping
 * PIDs in use, wrapping at pid_max back to 300), so a PID comes back once the
 * counter has gone round: soon with a small pid_max or a busy host
 * (pid_rate: other programs starting), never within a short run otherwise.
 * A process is identified by its PID and its start time (/proc/PID/stat
 * field 22, in 10 ms ticks since boot): a reused PID has a later start.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "world.h"

void world_host_init(struct host *h, const char *name, int pid_max, double pid_rate, int first)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->pid_max = pid_max;
    h->pid_rate = pid_rate;
    h->pid_last = first - 1;
    h->next_ofd = 1;
    for (int i = 0; i < WORLD_MAX_FILES; i++)
        h->ino[i].used = false;
}

struct world_pident *world_pid_find(struct host *h, int pid)
{
    for (int i = 0; i < h->nlive; i++)
        if (h->live[i].pid == pid)
            return &h->live[i];
    return NULL;
}

bool world_pid_free(const struct host *h, int pid)
{
    for (int i = 0; i < h->nlive; i++)
        if (h->live[i].pid == pid)
            return false;
    return true;
}

static int pid_step(const struct host *h, int pid)
{
    pid++;
    if (pid >= h->pid_max)
        pid = h->pid_max > WORLD_RESERVED_PIDS + 1 ? WORLD_RESERVED_PIDS : 2;
    return pid;
}

int world_pid_alloc(struct host *h, sim_time now)
{
    /* other programs that came and went since the last allocation took PIDs */
    if (h->pid_rate > 0 && now > h->pid_seen) {
        double n = h->pid_carry + h->pid_rate * time_to_sec(now - h->pid_seen);
        long whole = (long)n;
        h->pid_carry = n - (double)whole;
        h->pid_seen = now;
        int span = h->pid_max - WORLD_RESERVED_PIDS;
        if (span > 0)
            whole %= span;
        for (long i = 0; i < whole; i++)
            h->pid_last = pid_step(h, h->pid_last);
    }
    int pid = h->pid_last;
    for (int tries = 0; tries < h->pid_max; tries++) {
        pid = pid_step(h, pid);
        if (world_pid_free(h, pid)) {
            h->pid_last = pid;
            return pid;
        }
    }
    return -EAGAIN;
}

int world_pid_add(struct host *h, const struct world_pident *id)
{
    if (h->nlive == WORLD_MAX_LIVE)
        return -EAGAIN;
    h->live[h->nlive++] = *id;
    return 0;
}

void world_pid_remove(struct host *h, int pid)
{
    for (int i = 0; i < h->nlive; i++) {
        if (h->live[i].pid == pid) {
            if (h->live[i].cmd == WORLD_CMD_JOB)
                h->last_job_exit = pid;
            h->live[i] = h->live[--h->nlive];
            return;
        }
    }
}

void world_pid_describe(const struct host *h, const struct world_pident *id, const char *job_cmd,
                        struct env_proc *out)
{
    memset(out, 0, sizeof(*out));
    out->pid = id->pid;
    out->start_ticks = (id->started - h->boot) / WORLD_TICK;
    snprintf(out->host, sizeof(out->host), "%s", h->name);
    switch (id->cmd) {
    case WORLD_CMD_JOB:
        snprintf(out->cmdline, sizeof(out->cmdline), "%s", job_cmd);
        break;
    case WORLD_CMD_SERVICE:
        snprintf(out->cmdline, sizeof(out->cmdline), "java -jar app.jar");
        break;
    case WORLD_CMD_CRON:
        snprintf(out->cmdline, sizeof(out->cmdline), "/usr/sbin/cron -f");
        break;
    case WORLD_CMD_OTHER:
        snprintf(out->cmdline, sizeof(out->cmdline), "/usr/bin/unrelated --daemon");
        break;
    }
}
