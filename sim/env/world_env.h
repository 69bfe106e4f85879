/*
 * The simulated environment behind the guards' port (world_env.c): file,
 * process and database calls of an actor become steps of the simulated
 * world, each an interleaving point. Live mode's counterpart is
 * live/sys/env_live.c.
 */
#ifndef SIM_ENV_WORLD_ENV_H
#define SIM_ENV_WORLD_ENV_H

#include "../core/sim.h"

/* What an actor's environment calls in a simulation. */
extern const struct env_ops sim_env_ops;

/* The simulated world's part of a simulation: hosts, the database, the
 * environment table (it sets sim->env_ops). */
extern const struct sim_part world_env_part;

/* The database server's clock now. */
sim_time world_db_now(struct sim *s);
/* The environment operations beyond clock, sleep and mutexes (sim_env_ops). */
int world_env_open(struct env *e, const char *path, int flags);
int world_env_close(struct env *e, int fd);
int world_env_read(struct env *e, int fd, char *buf, size_t len);
int world_env_write(struct env *e, int fd, const char *buf, size_t len);
int world_env_unlink(struct env *e, const char *path);
int world_env_rename(struct env *e, const char *from, const char *to);
int world_env_flock(struct env *e, int fd, int op);
int world_env_proc_self(struct env *e, struct env_proc *out);
int world_env_proc_lookup(struct env *e, int pid, struct env_proc *out);
int world_env_session_open(struct env *e);
void world_env_session_close(struct env *e, int session);
int world_env_db_exec(struct env *e, const struct env_stmt *st, struct env_row *out);
int world_env_sink_write(struct env *e, uint64_t token);
/* The run's write reaches the sink (see env.h sink_write): 0 or -ESTALE. */
static inline int sim_sink_write(struct actor *a, uint64_t token)
{
    struct sim *s = a->sim;
    if (a->killed)
        return -ESRCH;
    if (!world_db_sink_take(&s->db, token)) { /* ENV_SINK_WRITE, without its round trip */
        checker_write(&s->chk, a->run, true);
        return -ESTALE;
    }
    checker_write(&s->chk, a->run, false);
    return 0;
}

#endif
