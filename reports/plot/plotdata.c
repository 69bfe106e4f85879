/* Collecting plot data from trace rows (see plotdata.h). */
#include "plotdata.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/base/mem.h"
#include "../csv_out.h"

#define PD_DEFAULT_CAP 200000

#define PD_INIT(list, c)                                                                           \
    ((list).v = NULL, (list).n = (list).cap = 0, (list).max = (c), (list).truncated = false)

/* Makes room for one more; false when the cap is reached or memory is out. */
static bool grow(struct plotdata *pd, void **v, size_t *n, size_t *cap, size_t max, bool *trunc,
                 size_t size)
{
    if (*n >= max) {
        *trunc = true;
        return false;
    }
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        void *p = mem_realloc(*v, c * size);
        if (!p) {
            pd->error = -ENOMEM;
            return false;
        }
        *v = p;
        *cap = c;
    }
    return true;
}

#define PD_PUSH(pd, list, item)                                                                    \
    (grow((pd), (void **)&(list).v, &(list).n, &(list).cap, (list).max, &(list).truncated,         \
          sizeof(*(list).v))                                                                       \
         ? ((list).v[(list).n++] = (item), true)                                                   \
         : false)

void plotdata_init(struct plotdata *pd, sim_time lo, sim_time hi, int limit, size_t cap)
{
    memset(pd, 0, sizeof(*pd));
    pd->lo = lo;
    pd->hi = hi < 0 ? SIM_TIME_MAX : hi;
    pd->limit = limit;
    pd->end = -1;
    pd->overlap_from = -1;
    if (!cap)
        cap = PD_DEFAULT_CAP;
    PD_INIT(pd->runs, cap);
    PD_INIT(pd->active, SIZE_MAX);
    PD_INIT(pd->marks, cap);
    PD_INIT(pd->faults, cap / 10 + 1);
    PD_INIT(pd->clock, cap);
    PD_INIT(pd->steps, 2 * cap);
    PD_INIT(pd->overlaps, cap);
    for (int i = 0; i < PD_MAX_NODES; i++)
        pd->pending_lease[i] = pd->pending_lease_at[i] = -1;
}

void plotdata_release(struct plotdata *pd)
{
    mem_free(pd->runs.v);
    mem_free(pd->active.v);
    mem_free(pd->marks.v);
    mem_free(pd->faults.v);
    mem_free(pd->clock.v);
    mem_free(pd->steps.v);
    mem_free(pd->overlaps.v);
    memset(&pd->runs, 0, sizeof(pd->runs));
    memset(&pd->active, 0, sizeof(pd->active));
}

static int intern(char (*names)[PD_NAME_LEN], int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    if (*n == max)
        return max - 1; /* more than we draw apart: share the last lane */
    snprintf(names[*n], PD_NAME_LEN, "%s", s);
    return (*n)++;
}

static bool in_window(const struct plotdata *pd, sim_time from, sim_time to)
{
    return to >= pd->lo && from <= pd->hi;
}

/* The value after `name=` where name starts a word of detail, or NULL. */
static const char *token(const char *detail, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = detail; (p = strstr(p, name)); p += n)
        if ((p == detail || p[-1] == ' ' || p[-1] == ',') && p[n] == '=')
            return p + n + 1;
    return NULL;
}

/* Parses a duration token ending at a space or the end of detail. */
static bool token_time(const char *v, bool ns, bool signed_ok, sim_time *out)
{
    char buf[64];
    size_t n = strcspn(v, " ,;");
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, v, n);
    buf[n] = 0;
    if (ns) {
        char *end;
        errno = 0;
        long long x = strtoll(buf, &end, 10);
        if (errno || *end)
            return false;
        *out = x;
        return true;
    }
    if (signed_ok && buf[0] == '+')
        memmove(buf, buf + 1, n);
    return (signed_ok ? time_parse_signed(buf, out) : time_parse_duration(buf, out)) == 0;
}

static void push_step(struct plotdata *pd, sim_time at)
{
    if (at < pd->lo)
        pd->level_lo = pd->level;
    if (at < pd->lo || at > pd->hi)
        return;
    if (pd->steps.n && pd->steps.v[pd->steps.n - 1].at == at)
        pd->steps.v[pd->steps.n - 1].level = pd->level; /* same instant: keep the last */
    else
        PD_PUSH(pd, pd->steps, ((struct pd_step){at, pd->level}));
}

static struct pd_run *find_run(struct plotdata *pd, uint64_t run, bool *active)
{
    for (size_t i = pd->active.n; i-- > 0;)
        if (pd->active.v[i].run == run)
            return *active = true, &pd->active.v[i];
    for (size_t i = pd->runs.n, k = 0; i-- > 0 && k < 64; k++)
        if (pd->runs.v[i].run == run)
            return *active = false, &pd->runs.v[i];
    return NULL;
}

static void run_start(struct plotdata *pd, sim_time at, int node, uint64_t run)
{
    struct pd_run r = {at, -1, -1, -1, run, (short)node, 0};
    unsigned used = 0;
    for (size_t i = 0; i < pd->active.n; i++)
        if (pd->active.v[i].node == node)
            used |= 1u << pd->active.v[i].slot;
    while (r.slot < PD_MAX_SLOTS - 1 && (used & (1u << r.slot)))
        r.slot++;
    if (node >= 0 && r.slot + 1 > pd->slots[node])
        pd->slots[node] = r.slot + 1;
    if (node >= 0 && pd->pending_lease_at[node] >= 0) {
        r.lease_from = pd->pending_lease_at[node];
        r.lease_until = pd->pending_lease[node];
        pd->pending_lease_at[node] = pd->pending_lease[node] = -1;
    }
    if (!PD_PUSH(pd, pd->active, r))
        return;
    pd->level++;
    if (pd->level > pd->max_level)
        pd->max_level = pd->level;
    if (pd->level == pd->limit + 1)
        pd->overlap_from = at;
    push_step(pd, at);
}

static void close_overlap(struct plotdata *pd, sim_time at)
{
    if (pd->overlap_from >= 0 && in_window(pd, pd->overlap_from, at))
        PD_PUSH(pd, pd->overlaps, ((struct pd_span){pd->overlap_from, at}));
    pd->overlap_from = -1;
}

static void run_end(struct plotdata *pd, sim_time at, uint64_t run)
{
    for (size_t i = 0; i < pd->active.n; i++) {
        struct pd_run r = pd->active.v[i];
        if (r.run != run)
            continue;
        memmove(&pd->active.v[i], &pd->active.v[i + 1], (pd->active.n - i - 1) * sizeof(r));
        pd->active.n--;
        r.end = at;
        if (in_window(pd, r.start, r.end) ||
            (r.lease_until >= 0 && in_window(pd, r.start, r.lease_until)))
            PD_PUSH(pd, pd->runs, r);
        if (pd->level == pd->limit + 1)
            close_overlap(pd, at);
        pd->level--;
        push_step(pd, at);
        return;
    }
}

static void fault_row(struct plotdata *pd, sim_time at, int node, const char *detail, bool end)
{
    char kind[PD_NAME_LEN];
    size_t n = strcspn(detail, " :(");
    snprintf(kind, sizeof(kind), "%.*s", (int)(n < sizeof(kind) ? n : sizeof(kind) - 1), detail);
    if (!kind[0])
        snprintf(kind, sizeof(kind), "fault");
    const char *last = strrchr(detail, ' ');
    last = last ? last + 1 : "";
    int k = intern(pd->fault_kind, &pd->nfault_kinds, PD_MAX_FAULT_KINDS, kind);
    if (end || strcmp(last, "ends") == 0) {
        /* the latest of its kind still open on this node (a window on the world
         * may be ended by a row without node, and the other way round) */
        struct pd_fault *best = NULL;
        for (size_t i = pd->faults.n; i-- > 0;) {
            struct pd_fault *f = &pd->faults.v[i];
            if (f->open && f->kind == k && (f->node == node || !best))
                best = f;
            if (best && best->node == node)
                break;
        }
        for (size_t i = 0; best && i < pd->faults.n; i++) {
            struct pd_fault *f =
                &pd->faults.v[i]; /* every row of the same start (a point and its pause) */
            if (f->open && f->kind == k && f->node == best->node && f->from == best->from) {
                f->to = at;
                f->open = false;
                f->window = true;
            }
        }
        return;
    }
    bool begins = strcmp(last, "begins") == 0;
    for (size_t i = pd->faults.n; i-- > 0 && pd->faults.v[i].from == at;) {
        struct pd_fault *f = &pd->faults.v[i];
        if (f->kind == k && f->node == node && f->open)
            return; /* the same fault told twice (where and how): one band */
    }
    if (at <= pd->hi)
        PD_PUSH(pd, pd->faults, ((struct pd_fault){at, at, (short)k, (short)node, true, begins}));
}

static struct pd_run *node_run(struct plotdata *pd, int node, sim_time at)
{
    for (size_t i = pd->active.n; i-- > 0;)
        if (pd->active.v[i].node == node)
            return &pd->active.v[i];
    for (size_t i = pd->runs.n, k = 0; i-- > 0 && k < 16; k++) {
        struct pd_run *r = &pd->runs.v[i];
        if (r->node == node && (r->end == at || r->lease_until >= at))
            return r; /* a release right at its end, or a lease that outlives its run */
    }
    return NULL;
}

static void lease_row(struct plotdata *pd, sim_time at, int node, uint64_t run, sim_time until,
                      bool grant)
{
    bool active = false;
    struct pd_run *r = run ? find_run(pd, run, &active) : NULL;
    if (!r && node >= 0 && !grant)
        r = node_run(pd, node, at);
    if (r) {
        if (r->lease_from < 0)
            r->lease_from = at;
        r->lease_until = until;
        return;
    }
    if (node >= 0) {
        pd->pending_lease[node] = until;
        if (pd->pending_lease_at[node] < 0)
            pd->pending_lease_at[node] = at;
    }
}

int plotdata_row(struct plotdata *pd, const char *line)
{
    char buf[1024], *f[8];
    snprintf(buf, sizeof(buf), "%s", line);
    size_t len = strlen(buf);
    if (len && buf[len - 1] == '\r')
        buf[len - 1] = 0;
    int nf = csv_split(buf, f, 8);
    if (nf < 5)
        return -EINVAL;
    if (strcmp(f[0], "time_ns") == 0)
        return 0;
    char *end;
    errno = 0;
    sim_time at = strtoll(f[0], &end, 10);
    if (errno || *end)
        return -EINVAL;
    pd->rows++;
    int node = f[2][0] ? intern(pd->node, &pd->nnodes, PD_MAX_NODES, f[2]) : -1;
    uint64_t run = f[3][0] ? strtoull(f[3], NULL, 10) : 0;
    const char *kind = f[4], *detail = nf > 5 ? f[5] : "";

    if (strcmp(kind, "start") == 0)
        run_start(pd, at, node, run);
    else if (strcmp(kind, "end") == 0)
        run_end(pd, at, run);
    else if (strcmp(kind, "skip") == 0 || strcmp(kind, "coalesce") == 0) {
        if (node >= 0 && kind[0] == 's') /* a grant the client never learned of runs nothing */
            pd->pending_lease[node] = pd->pending_lease_at[node] = -1;
        if (at >= pd->lo && at <= pd->hi)
            PD_PUSH(pd, pd->marks,
                    ((struct pd_mark){at, (short)node, kind[0] == 's' ? PD_SKIP : PD_COALESCE}));
    } else if (strcmp(kind, "trigger") == 0) {
        if (at >= pd->lo && at <= pd->hi)
            PD_PUSH(pd, pd->marks,
                    ((struct pd_mark){at, (short)node,
                                      strstr(detail, "manual") ? PD_MANUAL : PD_TRIGGER}));
    } else if (strcmp(kind, "fault") == 0 || strcmp(kind, "fault-end") == 0) {
        fault_row(pd, at, node, detail, kind[5] == '-');
    }

    const char *v;
    sim_time t;
    if ((v = token(detail, "offset")) && token_time(v, false, true, &t)) {
        int s = intern(pd->series, &pd->nseries, PD_MAX_SERIES, node >= 0 ? f[2] : "database");
        const char *dv = token(detail, "drift");
        double drift = dv ? strtod(dv, NULL) : 0;
        if (node >= 0 && !pd->node_clock[node]) {
            pd->node_clock[node] = true;
            pd->node_offset_s[node] = time_to_sec(t);
            pd->node_drift_ppm[node] = drift;
        }
        if (at <= pd->hi)
            PD_PUSH(pd, pd->clock, ((struct pd_clock){at, time_to_sec(t), drift, (short)s}));
    }
    bool grant = strcmp(kind, "lease") == 0 &&
                 (strncmp(detail, "grant", 5) == 0 || strncmp(detail, "renew", 5) == 0);
    if ((v = token(detail, "lease_until_ns")) && token_time(v, true, false, &t))
        lease_row(pd, at, node, run, t, grant);
    else if ((v = token(detail, "lease_until")) && token_time(v, false, false, &t))
        lease_row(pd, at, node, run, t, grant);
    return pd->error;
}

void plotdata_finish(struct plotdata *pd, sim_time end)
{
    pd->end = end;
    while (pd->active.n) {
        uint64_t run = pd->active.v[0].run;
        run_end(pd, end, run);
    }
    close_overlap(pd, end);
    for (size_t i = 0; i < pd->faults.n; i++)
        if (pd->faults.v[i].open) { /* a window still going runs to the end; a point stays one */
            if (pd->faults.v[i].window)
                pd->faults.v[i].to = end;
            pd->faults.v[i].open = false;
        }
}

char *plotdata_lane_name(const struct plotdata *pd, int node, int slot, char *buf, size_t len)
{
    const char *name = node >= 0 && node < pd->nnodes ? pd->node[node] : "world";
    if (slot)
        snprintf(buf, len, "%s #%d", name, slot + 1);
    else
        snprintf(buf, len, "%s", name);
    return buf;
}

static ssize_t stream_write(void *cookie, const char *data, size_t size)
{
    struct plotdata *pd = cookie;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            pd->line[pd->line_len] = 0;
            plotdata_row(pd, pd->line);
            pd->line_len = 0;
        } else if (pd->line_len < sizeof(pd->line) - 1) {
            pd->line[pd->line_len++] = data[i];
        }
    }
    return (ssize_t)size;
}

FILE *plotdata_stream(struct plotdata *pd)
{
    cookie_io_functions_t io = {.write = stream_write};
    pd->line_len = 0;
    return fopencookie(pd, "w", io);
}

int plotdata_read(struct plotdata *pd, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = 0;
        if (line[0])
            rc = plotdata_row(pd, line);
    }
    free(line);
    return rc;
}
