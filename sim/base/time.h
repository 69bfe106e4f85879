/*
 * Virtual time. Every instant and duration in the engine is a signed 64-bit
 * count of nanoseconds: exact, fast to compare, enough for 292 years. Only the
 * command line converts to seconds, and only for printing.
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NS ((sim_time)1)
#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S ((sim_time)1000000000)
#define SIM_MIN (60 * SIM_S)
#define SIM_HOUR (60 * SIM_MIN)
#define SIM_DAY (24 * SIM_HOUR)
#define SIM_TIME_MAX INT64_MAX

/*
 * Parses a duration such as "250ms", "30s", "5m", "1h30m", "7d", "1.5s" or
 * "0". Units: ns, us, ms, s, m, h, d; a bare "0" is allowed. Returns 0, or
 * -EINVAL for anything else (no unit, unknown unit, negative, overflow).
 */
int time_parse_duration(const char *s, sim_time *out);

/* Like time_parse_duration but also accepts a leading '-' (clock offsets). */
int time_parse_signed(const char *s, sim_time *out);

/*
 * Formats d compactly and exactly ("1h30m", "250ms", "20.5s", "-3s") into buf
 * (at least TIME_FMT_LEN bytes) and returns buf.
 */
#define TIME_FMT_LEN 40
char *time_format(sim_time d, char *buf);

/* Formats an instant as "[Nd ]HH:MM:SS.mmm" from the start of the run. */
char *time_format_clock(sim_time t, char *buf);

static inline double time_to_sec(sim_time d)
{
    return (double)d / 1e9;
}

#endif
