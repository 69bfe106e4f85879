/*
 * The guard registry: adding a guard is one file plus one line here. The
 * order is the order of `overlapsim guards` and of `compare` by default.
 */
#include <string.h>

#include "guard.h"

extern const struct guard_ops guard_none, guard_flag, guard_atomic, guard_mutex, guard_mutex_wait,
    guard_semaphore;
extern const struct guard_ops guard_pidfile_check, guard_pidfile, guard_flock, guard_lease,
    guard_lease_local, guard_shedlock, guard_lease_fenced, guard_advisory;
/* mutants: deliberately wrong, to prove the checkers fire */
extern const struct guard_ops guard_lease_rw, guard_advisory_xact, guard_semaphore_double_post,
    guard_flock_unlink;

const struct guard_ops *const guard_registry[] = {
    &guard_none,
    &guard_flag,
    &guard_atomic,
    &guard_mutex,
    &guard_mutex_wait,
    &guard_semaphore,
    &guard_pidfile_check,
    &guard_pidfile,
    &guard_flock,
    &guard_lease,
    &guard_lease_local,
    &guard_shedlock,
    &guard_lease_fenced,
    &guard_advisory,
    &guard_semaphore_double_post,
    &guard_flock_unlink,
    &guard_lease_rw,
    &guard_advisory_xact,
    NULL,
};

const struct guard_ops *guard_lookup(const char *name)
{
    for (int i = 0; guard_registry[i]; i++)
        if (strcmp(guard_registry[i]->name, name) == 0)
            return guard_registry[i];
    return NULL;
}
