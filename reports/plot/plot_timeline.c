/*
 * The timeline plot (see plot.h): a Gantt chart of runs per lane in true
 * simulated time, in the manner of Jepsen's timeline plots. Lanes are the
 * nodes (a node with runs going at once gets one lane per concurrent run),
 * then one lane per fault kind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../csv_out.h"
#include "plot.h"

struct lanes {
    int base[PD_MAX_NODES];  /* first lane of each node */
    int slots[PD_MAX_NODES]; /* lanes of each node in the window */
    int nrun_lanes;
    int nlanes;
};

static bool hits(sim_time a, sim_time b, sim_time from, sim_time to) { return b >= from && a <= to; }

/* Lanes for what the window shows: a node gets as many as it has runs at once there. */
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
    if (y == 0)
        y = 1; /* an empty run: one lane to draw on */
    l->nrun_lanes = y;
    l->nlanes = y + pd->nfault_kinds;
}

static double lane_of(const struct lanes *l, int node, int slot)
{
    return node >= 0 ? l->base[node] + slot : 0;
}

static double fault_lane(const struct lanes *l, int kind) { return l->nrun_lanes + 0.4 + kind; }

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

int plot_timeline(const char *dir, const char *name, const struct plotdata *pd, sim_time from,
                  sim_time to, const char *title)
{
    struct lanes l;
    lanes_layout(pd, from, to, &l);
    size_t shown = 0;
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    bool have[9] = {0}; /* run, overlap, lease, skip, coalesce, manual, fault, instant, trigger */
    fputs("type,lane,start_s,end_s,run,label\n", d);
    for (size_t i = 0; i < pd->faults.n; i++) {
        const struct pd_fault *f = &pd->faults.v[i];
        if (!hits(f->from, f->to, from, to))
            continue;
        const char *label = f->node >= 0 ? pd->node[f->node] : "";
        if (f->to > f->from) {
            row(d, "fault", fault_lane(&l, f->kind), f->from, f->to, 0, label);
            have[6] = true;
        } else {
            row(d, "fault_instant", fault_lane(&l, f->kind), f->from, f->to, 0, label);
            have[7] = true;
        }
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
        if (r->lease_until >= 0) {
            row(d, "lease", lane - 0.36, r->lease_from >= 0 ? r->lease_from : r->start,
                r->lease_until, r->run, "");
            have[2] = true;
        }
    }
    for (size_t i = 0; i < pd->marks.n; i++) {
        const struct pd_mark *m = &pd->marks.v[i];
        if (m->at < from || m->at > to)
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
    int height = 170 + 46 * l.nlanes;
    if (height < 340)
        height = 340;
    plot_script_begin(f, name, 1400, height);
    plot_time_axis(f, from, to);
    char full[700];
    snprintf(full, sizeof(full), "%s%s", title,
             pd->runs.truncated ? " (truncated: too many runs to keep)" : "");
    fputs("set title ", f);
    plot_quote(f, full);
    fprintf(f, "\nset yrange [%.2f:-0.8]\nset ytics (", l.nlanes - 0.4);
    for (int n = 0, k = 0; n < pd->nnodes || (n == 0 && k == 0); n++) {
        int slots = pd->nnodes ? l.slots[n] : 1;
        for (int s = 0; s < slots; s++, k++) {
            char lane[80];
            if (pd->nnodes)
                plotdata_lane_name(pd, n, s, lane, sizeof(lane));
            else
                snprintf(lane, sizeof(lane), "(no runs)");
            fputs(k ? ", " : "", f);
            plot_quote(f, lane);
            fprintf(f, " %d", k);
        }
        if (!pd->nnodes)
            break;
    }
    for (int k = 0; k < pd->nfault_kinds; k++) {
        char lane[80];
        snprintf(lane, sizeof(lane), "fault: %s", pd->fault_kind[k]);
        fputs(", ", f);
        plot_quote(f, lane);
        fprintf(f, " %.2f", fault_lane(&l, k));
    }
    fputs(")\nset ytics nomirror scale 0\nset grid xtics lc rgb '#dddddd'\n"
          "set key outside right top vertical\nset style fill solid 1.0 noborder\n",
          f);
    if (pd->nfault_kinds)
        fprintf(f, "set arrow 1 from graph 0, first %.2f to graph 1, first %.2f nohead lc rgb "
                   "'#bbbbbb'\n",
                l.nrun_lanes - 0.3, l.nrun_lanes - 0.3);

    /* one plot element per kind of mark present, so the key lists only what is drawn */
    const char *sep = "plot ";
#define ELEM(...)                                                                                  \
    do {                                                                                           \
        fputs(sep, f);                                                                             \
        fprintf(f, __VA_ARGS__);                                                                   \
        sep = ", \\\n     ";                                                                       \
    } while (0)
#define SEL(t) "(strcol(1) eq '" t "' ? "
    double mid = (l.nlanes - 1) / 2.0, half = (l.nlanes + 0.6) / 2.0;
    if (have[6]) {
        ELEM("'%s.csv' skip 1 using " SEL("fault") "($3+$4)/2/xs : NaN):(%.2f):(($4-$3)/2/xs):(%.2f) "
             "with boxxyerror fs transparent solid 0.08 noborder lc rgb '" PLOT_PURPLE "' notitle",
             name, mid, half);
        ELEM("'%s.csv' skip 1 using " SEL("fault") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.3) "
             "with boxxyerror fs transparent solid 0.45 noborder lc rgb '" PLOT_PURPLE "' title 'fault'",
             name);
    }
    if (have[7])
        ELEM("'%s.csv' skip 1 using " SEL("fault_instant") "$3/xs : NaN):2 with points pt 9 ps 1.6 "
             "lc rgb '" PLOT_PURPLE "' title 'fault (instant)'",
             name);
    if (have[0])
        ELEM("'%s.csv' skip 1 using " SEL("run") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.28) "
             "with boxxyerror lc rgb '" PLOT_BLUE "' title 'run'",
             name);
    if (have[1])
        ELEM("'%s.csv' skip 1 using " SEL("overlap") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.28) "
             "with boxxyerror lc rgb '" PLOT_RED "' title 'overlap'",
             name);
    if (have[2])
        ELEM("'%s.csv' skip 1 using " SEL("lease") "($3+$4)/2/xs : NaN):2:(($4-$3)/2/xs):(0.05) "
             "with boxxyerror lc rgb '" PLOT_GREEN "' title 'lease valid'",
             name);
    if (have[3])
        ELEM("'%s.csv' skip 1 using " SEL("skip") "$3/xs : NaN):($2+0.32):(0):(0.22) with vectors "
             "nohead lw 2 lc rgb '" PLOT_ORANGE "' title 'skipped'",
             name);
    if (have[4])
        ELEM("'%s.csv' skip 1 using " SEL("coalesce") "$3/xs : NaN):($2+0.32):(0):(0.22) with "
             "vectors nohead lw 2 lc rgb '" PLOT_GREY "' title 'coalesced'",
             name);
    if (have[8])
        ELEM("'%s.csv' skip 1 using " SEL("trigger") "$3/xs : NaN):($2-0.30):(0):(-0.14) with "
             "vectors nohead lw 1 lc rgb '#999999' title 'trigger'",
             name);
    if (have[5])
        ELEM("'%s.csv' skip 1 using " SEL("manual") "$3/xs : NaN):($2-0.32) with points pt 11 ps 1.1 "
             "lc rgb '#555555' title 'manual trigger'",
             name);
    if (have[0] && shown <= 40) /* few enough to number: overlap windows name runs */
        ELEM("'%s.csv' skip 1 using " SEL("run") "($3+$4)/2/xs : NaN):2:(sprintf('%%d', $5)) with "
             "labels font ',8' tc rgb 'white' notitle",
             name);
    if (!have[0] && !have[6] && !have[7])
        ELEM("NaN notitle");
    fputs("\n", f);
#undef SEL
#undef ELEM
    if (pd->nfault_kinds)
        fputs("unset arrow 1\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}
