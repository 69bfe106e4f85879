/* Trace rows and their running hash (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#define HASH_SEED 0xcbf29ce484222325ULL

/* One 64-bit word into the hash: multiply, then fold the high bits down. */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/*
 * A short string as one word: its length, its first and its last eight
 * bytes (every byte of names and kinds up to 16 characters). A fingerprint
 * for the determinism check, cheap enough for every row.
 */
static inline uint64_t str_word(const char *s)
{
    if (!s)
        return 0xff;
    size_t n = strlen(s);
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            a |= (uint64_t)(unsigned char)s[i] << (8 * i);
    }
    return (a * 0xff51afd7ed558ccdULL) ^ ((b << 23 | b >> 41) * 0xc4ceb9fe1a85ec53ULL) ^ n;
}

static void emit(struct trace *t, const char *buf, size_t n)
{
    if (t->out && !t->error && fwrite(buf, 1, n, t->out) != n)
        t->error = errno ? errno : EIO;
}

void trace_init(struct trace *t, FILE *out)
{
    t->out = out;
    t->hash = HASH_SEED;
    t->rows = 0;
    t->wasted = 0;
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

static void row_hash(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind)
{
    /* independent products, one dependent step per row and hash */
    uint64_t h = (uint64_t)at * 0x9e3779b97f4a7c15ULL ^ run * 0xbf58476d1ce4e5b9ULL ^
                 str_word(node) ^ (str_word(kind) << 1 | str_word(kind) >> 63);
    t->hash = mix(t->hash, h);
    t->rows++;
}

static void row_write(struct trace *t, sim_time at, const char *node, uint64_t run,
                      const char *kind, const char *detail)
{
    char buf[512], clock[TIME_FMT_LEN];
    size_t n =
        (size_t)snprintf(buf, sizeof(buf), "%" PRId64 ",%s,", at, time_format_clock(at, clock));
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
}

void trace_event(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                 const char *detail)
{
    row_hash(t, at, node, run, kind);
    if (t->out)
        row_write(t, at, node, run, kind, detail);
    else if (detail && *detail) /* formatted, never read: trace_writes says to skip it */
        t->wasted++;
}

void trace_eventf(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                  const char *fmt, ...)
{
    row_hash(t, at, node, run, kind);
    if (!t->out)
        return;
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    row_write(t, at, node, run, kind, detail);
}
