/* Trace rows and their running hash (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static void emit(struct trace *t, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t->hash = (t->hash ^ (unsigned char)buf[i]) * FNV_PRIME;
    if (t->out && !t->error && fwrite(buf, 1, n, t->out) != n)
        t->error = errno ? errno : EIO;
}

void trace_init(struct trace *t, FILE *out)
{
    t->out = out;
    t->hash = FNV_OFFSET;
    t->rows = 0;
    t->error = 0;
    emit(t, TRACE_HEADER, strlen(TRACE_HEADER));
}

/* CSV field: quoted only when it needs to be. */
static size_t field(char *dst, size_t cap, const char *s)
{
    if (!s)
        return 0;
    if (!strpbrk(s, ",\"\n"))
        return (size_t)snprintf(dst, cap, "%s", s);
    size_t n = 0;
    if (n < cap)
        dst[n++] = '"';
    for (; *s && n + 2 < cap; s++) {
        if (*s == '"')
            dst[n++] = '"';
        dst[n++] = *s;
    }
    if (n < cap)
        dst[n++] = '"';
    return n;
}

void trace_event(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                 const char *detail)
{
    char buf[512], clock[TIME_FMT_LEN];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "%" PRId64 ",%s,", at,
                                time_format_clock(at, clock));
    n += field(buf + n, sizeof(buf) - n, node);
    if (run)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",%" PRIu64 ",", run);
    else
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",,");
    n += field(buf + n, sizeof(buf) - n, kind);
    if (n < sizeof(buf))
        buf[n++] = ',';
    n += field(buf + n, sizeof(buf) - n, detail);
    if (n >= sizeof(buf) - 1)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    emit(t, buf, n);
    t->rows++;
}
