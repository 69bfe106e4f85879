/*
 * `overlapsim probe`: the job inside a user's own wrapper under `live
 * --guard exec`. It reports its start, lasts its duration, and reports its
 * end, on the event socket named in its environment; the harness
 * timestamps both. So an overlap is caught whatever the wrapper does to
 * keep two jobs apart, and whatever it gets wrong. It sleeps in short
 * slices on the raw monotonic clock: libfaketime does not bend it, and a
 * SIGSTOP of its node stretches it, as it would stretch real work.
 */
#include <errno.h>
#include <unistd.h>

#include "sys/env_live.h"
#include "sys/events.h"
#include "live.h"

int live_probe(const char *events, uint64_t trigger, double speed, sim_time d)
{
    struct live_msg m = {.kind = LIVE_EV_START, .trigger = trigger, .pid = (int)getpid()};
    int rc = live_msg_send(events, &m);
    if (rc)
        return rc;
    env_live_sleep_for(env_live_real(d, speed > 0 ? speed : 1));
    m.kind = LIVE_EV_END;
    return live_msg_send(events, &m);
}
