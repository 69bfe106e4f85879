/*
 * Fault injection (inject.c): the scenario's faults, fired at their times or
 * at points inside runs, and the answers the job, the world and the database
 * get through sim->faults.
 */
#ifndef SIM_FAULTS_INJECT_H
#define SIM_FAULTS_INJECT_H

#include "../core/sim.h"

/* The faults' part of a simulation: it sets sim->faults at init and fires
 * the scenario's faults from its start. */
extern const struct sim_part inject_part;

#endif
