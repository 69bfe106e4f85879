/*
 * `overlapsim probe`: the job inside a user's own wrapper under `live
 * --guard exec`. It reports its start, lasts its duration, and reports its
 * end, on the event socket named in its environment; the harness
 * timestamps both. So an overlap is caught whatever the wrapper does to
 * keep two jobs apart, and whatever it gets wrong. Its sleep uses the raw
 * monotonic clock: a wrapper under libfaketime does not stretch it.
 */
#include <errno.h>
#include <unistd.h>

#include "../../guards/env_live.h"
#include "events.h"
#include "live.h"

int live_probe(const char *events, uint64_t trigger, double speed, sim_time d)
{
    struct live_msg m = {.kind = LIVE_EV_START, .trigger = trigger, .pid = (int)getpid()};
    int64_t until = env_live_mono() + env_live_real(d, speed > 0 ? speed : 1);
    int rc = live_msg_send(events, &m);
    if (rc)
        return rc;
    env_live_sleep_until(until);
    m.kind = LIVE_EV_END;
    return live_msg_send(events, &m);
}
