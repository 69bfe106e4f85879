/*
 * Triggers and the job's run (job.c): what a scheduler or a fault calls to
 * start work, written once for every scheduler.
 */
#ifndef SIM_WORK_JOB_H
#define SIM_WORK_JOB_H

#include "../core/sim.h"

/* Creates the next trigger at time at (due time), counting and tracing it. */
struct trigger sim_trigger_new(struct sim *s, struct node *n, sim_time at, bool manual);
/* Runs one trigger's job inside actor a: guard, phases, release. */
void sim_job_run(struct actor *a, const struct trigger *t);
/* Starts a worker actor for trigger t on node n. */
void sim_spawn_job(struct sim *s, struct node *n, const struct trigger *t);

/* The faults placed at point `at` for a's run: INJECT_* flags. */
int sim_job_point(struct actor *a, enum fault_point_id at);

#endif
