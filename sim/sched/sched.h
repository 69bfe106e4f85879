/*
 * The schedulers (one file per kind, chosen through sched/registry.c's
 * table) and their part of a simulation: each node's scheduler state,
 * booted at the start unless the event store runs its own timers.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include "../core/sim.h"
#include "sched_loop.h"

/* A Kubernetes CronJob's controller state (sched_k8s.c); it lives in the API
 * server, so a restart of the node keeps it. */
#define K8S_MAX_KILLS 8
struct k8s_state {
    bool created;     /* creationTimestamp set */
    sim_time last;    /* lastScheduleTime (or creationTimestamp), controller wall clock */
    uint64_t gen;     /* the requeue in effect; timers of older ones are stale */
    struct k8s_kill { /* a replaced Job's pod, killed when its grace period ends */
        struct node *node;
        int pid;
        sim_time started;
        bool used;
    } kill[K8S_MAX_KILLS];
};

/* A systemd timer's state (sched_systemd.c); the stamp file survives restarts. */
struct systemd_state {
    bool stamped;     /* Persistent=: the stamp file exists */
    sim_time last;    /* last_trigger.realtime, the node's wall clock */
    int boots;        /* each boot has a new boot ID, hence a new perturbation */
    sim_time perturb; /* sd-event's spot within every minute, from the boot ID */
    bool seeded;
    struct prng rng; /* RandomizedDelaySec= draws */
};

/* A ticker-family schedule's state on one node (sched.c; its logic is sched_loop.h's). */
struct ticker {
    struct sim *sim;
    struct node *node;
    struct sched_loop l;
    bool begun;             /* started once: a persistent schedule keeps its grid */
    struct trigger slot;    /* Go's channel's one slot, when l.full */
    struct actor *receiver; /* the loop, when parked in receive */
};

/* Per-node state of the schedulers, kept in sim->sched_state. */
struct sched_node {
    struct ticker tk;
    struct k8s_state k8s;    /* schedule.kind = k8s-cronjob */
    struct systemd_state sd; /* schedule.kind = systemd-timer */
};

static inline struct sched_node *sched_node(struct sim *s, const struct node *n)
{
    return &((struct sched_node *)s->sched_state)[n->id];
}

/* A scheduler kind: its own timers, booted by sched_start, and what it does
 * when a run it started ends (NULL: nothing). */
struct sched_type {
    int kind; /* enum sched (config.h) */
    void (*boot)(struct sim *s, struct node *n);
    void (*job_done)(struct sim *s, struct node *n, bool manual);
};

extern const struct sched_type sched_cron_type, sched_k8s_type, sched_systemd_type;

/* The schedulers' part of a simulation (it sets sim->sched). */
extern const struct sim_part sched_part;

#endif
