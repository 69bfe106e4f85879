/*
 * The timeline plot (see plot.h): a Gantt chart of runs per lane in true
 * simulated time, in the manner of Jepsen's timeline plots. Lanes are the
 * nodes in their order, labelled with each node's clock offset (a node with
 * runs going at once gets one lane per concurrent run); each run a bordered
 * bar, its lease's validity a thin bar under it, trigger and skip ticks at
 * the top of the lane, faults translucent labelled bands over the lanes
 * they hit, overlapping stretches red.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../csv_out.h"
#include "plot.h"

#define MARKS_MAX 1500 /* ticks of one kind drawn in a window, about one per pixel */

struct lanes {
    int base[PD_MAX_NODES];  /* first lane of each node */
    int slots[PD_MAX_NODES]; /* lanes of each node in the window */
    int nlanes;
};

static bool hits(sim_time a, sim_time b, sim_time from, sim_time to)
{
    return b >= from && a <= to;
}

/* Lanes for what the window shows, in node order (the trace's clock rows
 * name every node first): a node gets as many as it has runs at once there. */
static void lanes_layout(const struct plotdata *pd, sim_time from, sim_time to, struct lanes *l)
{
    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < pd->runs.n; i++) {
        const struct pd_run *r = &pd->runs.v[i];
        if (r->node >= 0 && hits(r->start, r->end, from, to) && r->slot + 1 > l->slots[r->node])
            l->slots[r->node] = r->slot + 1;
    }
    int y = 0;
    for (int n = 0; n < pd->nnodes; n++) {
        l->base[n] = y;
        if (l->slots[n] == 0)
            l->slots[n] = 1;
        y += l->slots[n];
    }
    l->nlanes = y ? y : 1; /* an empty run: one lane to draw on */
}

static double lane_of(const struct lanes *l, int node, int slot)
{
    return node >= 0 ? l->base[node] + slot : 0;
}

static void row(FILE *d, const char *type, double lane, sim_time a, sim_time b, uint64_t run,
                const char *label)
{
    fprintf(d, "%s,%.2f,%.9g,%.9g,%" PRIu64 ",", type, lane, time_to_sec(a), time_to_sec(b), run);
    csv_field(d, label && *label ? label : "-");
    fputc('\n', d);
}

/* Writes the red parts of run r: where it lies inside an overlap span. */
static void overlap_rows(FILE *d, const struct plotdata *pd, const struct pd_run *r, double lane,
                         size_t *first)
{
    const struct pd_span *s = pd->overlaps.v;
    size_t n = pd->overlaps.n;
    /* spans are in time order; skip those that ended before this run began */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s[mid].to < r->start)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    for (size_t i = lo; i < n && s[i].from < r->end; i++) {
        sim_time a = s[i].from > r->start ? s[i].from : r->start;
        sim_time b = s[i].to < r->end ? s[i].to : r->end;
        if (b > a)
            row(d, "overlap", lane, a, b, r->run, "");
    }
}

/* "replica-2  clock +5m29.7s, +50 ppm": the offset that explains a lane. */
static void lane_label(const struct plotdata *pd, int n, int slot, char *buf, size_t len)
{
    char name[80];
    plotdata_lane_name(pd, n, slot, name, sizeof(name));
    if (slot || !pd->node_clock[n]) {
        snprintf(buf, len, "%s", name);
        return;
    }
    double o = pd->node_offset_s[n];
    char off[48], t[TIME_FMT_LEN];
    sim_time ot = (sim_time)llround(fabs(o) * 10) * (SIM_S / 10); /* to a tenth of a second */
    if (fabs(o) < 0.1)
        snprintf(off, sizeof(off), "%+.0fms", o * 1e3);
    else
        snprintf(off, sizeof(off), "%c%s", o < 0 ? '-' : '+', time_format(ot, t));
    if (pd->node_drift_ppm[n] != 0)
        snprintf(buf, len, "%s  clock %s, %+g ppm", name, off, pd->node_drift_ppm[n]);
    else
        snprintf(buf, len, "%s  clock %s", name, off);
}

/* Lanes a fault hits: its node's, or all of them for the world and the database. */
static void fault_lanes(const struct lanes *l, const struct plotdata *pd, const struct pd_fault *f,
                        double *top, double *bottom)
{
    if (f->node >= 0 && f->node < pd->nnodes) {
        *top = l->base[f->node] - 0.5;
        *bottom = l->base[f->node] + l->slots[f->node] - 0.5;
    } else {
        *top = -0.5;
        *bottom = l->nlanes - 0.5;
    }
}

int plot_timeline(const char *dir, const char *name, const struct plotdata *pd, sim_time from,
                  sim_time to, const char *title)
{
    struct lanes l;
    lanes_layout(pd, from, to, &l);
    size_t shown = 0;
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    bool have[10] = {
        0}; /* run, overlap, lease, skip, coalesce, manual, fault, instant, trigger, label */
    /* lane: the lane's centre; faults: the middle of the lanes they span, and
     * their half height in run (the CSV stays one shape for every row) */
    fputs("type,lane,start_s,end_s,run,label\n", d);
    for (size_t i = 0; i < pd->faults.n; i++) {
        const struct pd_fault *f = &pd->faults.v[i];
        if (!hits(f->from, f->to, from, to))
            continue;
        double top, bottom;
        fault_lanes(&l, pd, f, &top, &bottom);
        char label[96];
        snprintf(label, sizeof(label), "%s%s%s", pd->fault_kind[f->kind], f->node >= 0 ? " " : "",
                 f->node >= 0 ? pd->node[f->node] : "");
        /* half height in hundredths of a lane, in the run column */
        uint64_t half = (uint64_t)llround((bottom - top) / 2 * 100);
        row(d, f->to > f->from ? "fault" : "fault_instant", (top + bottom) / 2, f->from, f->to,
            half, label);
        have[f->to > f->from ? 6 : 7] = true;
        sim_time at = f->from > from ? f->from : from;
        row(d, "fault_label", top + 0.12, at, at, 0, label);
        have[9] = true;
    }
    for (size_t i = 0; i < pd->runs.n; i++) {
        const struct pd_run *r = &pd->runs.v[i];
        sim_time lease_end = r->lease_until > r->end ? r->lease_until : r->end;
        if (!hits(r->start, lease_end, from, to))
            continue;
        double lane = lane_of(&l, r->node, r->slot);
        char label[32];
        snprintf(label, sizeof(label), "run %" PRIu64, r->run);
        row(d, "run", lane, r->start, r->end, r->run, label);
        have[0] = true;
        shown++;
        size_t first;
        overlap_rows(d, pd, r, lane, &first);
        if (first < pd->overlaps.n && pd->overlaps.v[first].from < r->end)
            have[1] = true;
        if (r->lease_until >= 0) { /* under the run: where it outlives the run, or not, shows */
            row(d, "lease", lane + 0.30, r->lease_from >= 0 ? r->lease_from : r->start,
                r->lease_until, r->run, "");
            have[2] = true;
        }
    }
    /* thousands of ticks are a grey smear and most of the CSV: past a few
     * per pixel, triggers are left out, then skips (the title says so) */
    size_t nmarks[4] = {0};
    for (size_t i = 0; i < pd->marks.n; i++)
        if (pd->marks.v[i].at >= from && pd->marks.v[i].at <= to)
            nmarks[pd->marks.v[i].kind]++;
    bool drop[4] = {false, false, false, nmarks[PD_TRIGGER] > MARKS_MAX};
    drop[PD_SKIP] = drop[PD_COALESCE] = nmarks[PD_SKIP] + nmarks[PD_COALESCE] > MARKS_MAX;
    for (size_t i = 0; i < pd->marks.n; i++) {
        const struct pd_mark *m = &pd->marks.v[i];
        if (m->at < from || m->at > to || drop[m->kind])
            continue;
        static const char *const types[] = {"skip", "coalesce", "manual", "trigger"};
        row(d, types[m->kind], lane_of(&l, m->node, 0), m->at, m->at, 0, "");
        have[m->kind == PD_TRIGGER ? 8 : 3 + m->kind] = true;
    }
    int rc = plot_close(d);
    if (rc)
        return rc;

    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    int height = 150 + 70 * l.nlanes;
    if (height < 300)
        height = 300;
    plot_script_begin(f, name, 1400, height);
    plot_time_axis(f, from, to);
    char full[700];
    snprintf(full, sizeof(full), "%s%s%s", title,
             pd->runs.truncated ? " (truncated: too many runs to keep)" : "",
             drop[PD_SKIP]      ? " (too many to draw: trigger and skip ticks left out)"
             : drop[PD_TRIGGER] ? " (too many to draw: trigger ticks left out)"
                                : "");
    fputs("set title ", f);
    plot_quote(f, full);
    fprintf(f, "\nset yrange [%.2f:-0.5]\nset ytics (", l.nlanes - 0.5);
    for (int n = 0, k = 0; n < pd->nnodes || (n == 0 && k == 0); n++) {
        int slots = pd->nnodes ? l.slots[n] : 1;
        for (int s = 0; s < slots; s++, k++) {
            char lane[160];
            if (pd->nnodes)
                lane_label(pd, n, s, lane, sizeof(lane));
            else
                snprintf(lane, sizeof(lane), "(no runs)");
            fputs(k ? ", " : "", f);
            plot_quote(f, lane);
            fprintf(f, " %d", k);
        }
        if (!pd->nnodes)
            break;
    }
    fputs(")\nset ytics nomirror scale 0\nset grid xtics lc rgb '#dddddd'\n"
          "set key outside right top vertical\nset style fill solid 1.0 noborder\n",
          f);
    for (int k = 1; k < l.nlanes; k++) /* lane separators */
        fprintf(f,
                "set arrow %d from graph 0, first %.2f to graph 1, first %.2f nohead lc rgb "
                "'#cccccc' back\n",
                k, k - 0.5, k - 0.5);

    /* an overlap is at least a few pixels wide, also in a day-long window */
    fprintf(f, "ow(d) = d/2/xs > %.6g ? d/2/xs : %.6g\n", time_to_sec(to - from) * 0.0012,
            time_to_sec(to - from) * 0.0012);
    /* one plot element per kind of mark present, so the key lists only what is drawn */
    const char *sep = "plot ";
#define ELEM(...)                                                                                  \
    do {                                                                                           \
        fputs(sep, f);                                                                             \
        fprintf(f, __VA_ARGS__);                                                                   \
        sep = ", \\\n     ";                                                                       \
    } while (0)
#define SEL(t) "(strcol(1) eq '" t "' ? "
    /* a border on each run, so back-to-back runs stay apart; too many to see one: none */
    const char *border =
        shown <= 400 ? "fs solid 1.0 border lc rgb '#1d3557'" : "fs solid 1.0 noborder";
    if (have[6])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "fault") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):($5/100.0) "
                          "with boxxyerror fs transparent solid 0.16 noborder lc rgb '" PLOT_PURPLE
                          "' "
                          "title 'fault (window)'",
             name);
    if (have[7])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "fault_instant") "$3/xs : NaN):($2-$5/100.0):(0):(2*$5/100.0) "
                                  "with vectors nohead lw 2 dt 3 lc rgb '" PLOT_PURPLE
                                  "' title 'fault (instant)'",
             name);
    if (have[0])
        ELEM("'%s.csv' skip 1 using " SEL("run") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.2) "
                                                 "with boxxyerror %s lc rgb '" PLOT_BLUE
                                                 "' title 'run'",
             name, border);
    if (have[1])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "overlap") "($3+$4)/2/xs : NaN):2:(ow($4-$3)):(0.2) "
                            "with boxxyerror fs solid 1.0 border lc rgb '#7f1416' lc rgb '" PLOT_RED
                            "' "
                            "title 'overlapping'",
             name);
    if (have[2])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "lease") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.045) "
                          "with boxxyerror fs solid 1.0 noborder lc rgb '" PLOT_GREEN
                          "' title 'lease valid (true time)'",
             name);
    if (have[8])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "trigger") "$3/xs : NaN):($2-0.42):(0):(0.16) with "
                            "vectors nohead lw 1 lc rgb '#777777' title 'trigger'",
             name);
    if (have[3])
        ELEM("'%s.csv' skip 1 using " SEL("skip") "$3/xs : NaN):($2-0.42):(0):(0.16) with vectors "
                                                  "nohead lw 2.5 lc rgb '" PLOT_ORANGE
                                                  "' title 'skipped'",
             name);
    if (have[4])
        ELEM("'%s.csv' skip 1 using " SEL("coalesce") "$3/xs : NaN):($2-0.42):(0):(0.16) with "
                                                      "vectors nohead lw 2.5 lc rgb '" PLOT_GREY
                                                      "' title 'coalesced'",
             name);
    if (have[5])
        ELEM("'%s.csv' skip 1 using " SEL(
                 "manual") "$3/xs : NaN):($2-0.34) with points pt 11 ps 1.1 "
                           "lc rgb '#555555' title 'manual trigger'",
             name);
    if (have[0] && shown <= 40) /* few enough to number: overlap windows name runs */
        ELEM("'%s.csv' skip 1 using " SEL("run") "($3+$4)/2/xs : NaN):2:(sprintf('%%d', $5)) with "
                                                 "labels font ',8' tc rgb 'white' notitle",
             name);
    if (have[9])
        ELEM("'%s.csv' skip 1 using " SEL("fault_label") "$3/xs : NaN):2:6 with labels left offset "
                                                         "0.4,0 font ',8' tc rgb '" PLOT_PURPLE
                                                         "' notitle",
             name);
    if (!have[0] && !have[6] && !have[7])
        ELEM("NaN notitle");
    fputs("\n", f);
#undef SEL
#undef ELEM
    for (int k = 1; k < l.nlanes; k++)
        fprintf(f, "unset arrow %d\n", k);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}
