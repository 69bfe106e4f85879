/*
 * gnuplot plumbing and the small charts: concurrency, cycle histogram,
 * clock offsets and the compare chart (see plot.h). Timeline and sweep
 * plots have their own files.
 */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../csv_out.h"

FILE *plot_open(const char *dir, const char *name, const char *ext)
{
    char path[1400];
    snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
    return fopen(path, "w");
}

int plot_close(FILE *f)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return errno ? -errno : -EIO;
    return 0;
}

void plot_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        if (*s != '\n')
            fputc(*s, f);
    }
    fputc('\'', f);
}

void plot_quote_lines(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '"' ||
                 *s == '\\') /* the terminals are noenhanced: nothing else is special */
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Set once before drawing (the report turns SVG off: PNG only, to stay small). */
static bool plot_svg = true;

void plot_set_svg(bool on)
{
    plot_svg = on;
}

void plot_script_begin(FILE *f, const char *name, int width, int height)
{
    fprintf(f,
            "# overlapsim plot '%s': the data is %s.csv. Edit and run `gnuplot %s.gp` in this\n"
            "# directory to redraw %s.png and %s.svg.\n"
            "set datafile separator comma\n"
            "set encoding utf8\n"
            "do for [fmt in \"%s\"] {\n"
            "if (fmt eq \"png\") {\n"
            "    set terminal pngcairo size %d,%d font \"DejaVu Sans,10\" noenhanced\n"
            "} else {\n"
            "    set terminal svg size %d,%d font \"DejaVu Sans,10\" noenhanced background rgb "
            "'white'\n"
            "}\n"
            "set output '%s.'.fmt\n",
            name, name, name, name, name, plot_svg ? "png svg" : "png", width, height, width,
            height, name);
}

void plot_script_end(FILE *f)
{
    fputs("unset output\n}\n", f);
}

double plot_time_axis(FILE *f, sim_time from, sim_time to)
{
    /* elapsed-time formats (%tH) keep counting past 24 hours */
    bool secs = to - from <= 2 * SIM_HOUR;
    fprintf(f, "xs = 1.0\nset xdata time\nset timefmt '%%s'\nset format x '%s'\n",
            secs ? "%tH:%tM:%tS" : "%tH:%tM");
    fprintf(f, "set xlabel 'simulated time (%s from the start)'\n", secs ? "h:mm:ss" : "h:mm");
    fprintf(f, "set xrange [%.3f:%.3f]\n", time_to_sec(from), time_to_sec(to));
    return 1;
}

char *plot_error_message(const char *dir, const char *name, char *buf, size_t len)
{
    char path[1400], line[512];
    snprintf(path, sizeof(path), "%s/%s.err", dir, name);
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[strspn(line, " ^")])
            snprintf(buf, len, "%s", line);
    }
    fclose(f);
    return buf;
}

bool plot_available(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char exe[4200];
        snprintf(exe, sizeof(exe), "%s/gnuplot", d);
        if (access(exe, X_OK) == 0)
            return true;
    }
    return false;
}

int plot_render(const char *dir, const char *name)
{
    if (!plot_available())
        return -ENOENT;
    char script[600], errfile[600];
    snprintf(script, sizeof(script), "%s.gp", name);
    snprintf(errfile, sizeof(errfile), "%s.err", name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int nul = open("/dev/null", O_RDWR);
        if (fd < 0 || nul < 0)
            _exit(126);
        dup2(nul, STDIN_FILENO);
        dup2(nul, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    char path[1400];
    snprintf(path, sizeof(path), "%s/%s", dir, errfile);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        unlink(path);
        return -ENOENT;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -EIO;
    /* gnuplot's warnings are kept only when they say something */
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size == 0)
        unlink(path);
    return 0;
}

/* --- concurrency --- */

#define CONC_BINS 700 /* the whole-run panel: about two pixels a bin */

/* The level just before time t (steps are in time order). */
static int level_before(const struct plotdata *pd, sim_time t)
{
    int level = pd->level_lo;
    for (size_t i = 0; i < pd->steps.n && pd->steps.v[i].at < t; i++)
        level = pd->steps.v[i].level;
    return level;
}

int plot_concurrency(const char *dir, const char *name, const struct plotdata *pd, sim_time from,
                     sim_time to, const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    sim_time end = pd->end >= 0 ? pd->end : pd->hi;
    if (end > pd->hi)
        end = pd->hi;
    if (to > end)
        to = end;
    if (from < pd->lo)
        from = pd->lo;
    /* panel "window": every step in the timeline's window; panel "run": the
     * most runs at once in each of CONC_BINS bins of the whole run, so one
     * overlap in a day is a bar, not a hairline that rendering drops */
    bool whole = from <= pd->lo && to >= end;
    fputs("panel,time_s,concurrency,until_s\n", d);
    int level = level_before(pd, from), top = level;
    fprintf(d, "window,%.9g,%d,\n", time_to_sec(from), level);
    for (size_t i = 0; i < pd->steps.n; i++) {
        const struct pd_step *s = &pd->steps.v[i];
        if (s->at < from || s->at > to)
            continue;
        fprintf(d, "window,%.9g,%d,\n", time_to_sec(s->at), s->level);
        level = s->level;
        if (level > top)
            top = level;
    }
    fprintf(d, "window,%.9g,%d,\n", time_to_sec(to), level);
    /* over the limit: one row per stretch, from its start to the next change */
    int prev = level_before(pd, from);
    sim_time prev_at = from;
    for (size_t i = 0; i <= pd->steps.n; i++) {
        const struct pd_step *s = i < pd->steps.n ? &pd->steps.v[i] : NULL;
        if (s && s->at < from)
            continue;
        sim_time at = s && s->at < to ? s->at : to;
        if (prev > pd->limit && at > prev_at)
            fprintf(d, "over,%.9g,%d,%.9g\n", time_to_sec(prev_at), prev, time_to_sec(at));
        if (!s || s->at >= to)
            break;
        prev = s->level;
        prev_at = s->at;
    }
    sim_time span = end - pd->lo;
    bool binned = !whole || pd->steps.n > 4 * CONC_BINS;
    int over_bins = 0;
    if (binned && span > 0) {
        size_t i = 0;
        int cur = pd->level_lo;
        for (int b = 0; b < CONC_BINS; b++) {
            sim_time b0 = pd->lo + span * b / CONC_BINS, b1 = pd->lo + span * (b + 1) / CONC_BINS;
            int mx = cur;
            for (; i < pd->steps.n && pd->steps.v[i].at < b1; i++) {
                cur = pd->steps.v[i].level;
                if (cur > mx)
                    mx = cur;
            }
            if (mx > top)
                top = mx;
            if (mx > pd->limit)
                over_bins++;
            fprintf(d, "run,%.9g,%d,\n", time_to_sec(b0), mx);
        }
        fprintf(d, "run,%.9g,%d,\n", time_to_sec(end), cur);
    }
    int rc = plot_close(d);
    if (rc)
        return rc;

    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    int panels = binned && span > 0 ? 2 : 1;
    plot_script_begin(f, name, 1400, 80 + 250 * panels);
    fprintf(f, "set multiplot layout %d,1 title ", panels);
    plot_quote(f, title);
    fprintf(f,
            "\nset ylabel 'runs at once'\nset yrange [0:%d]\nset ytics 1\nset grid ytics\n"
            "set key top right opaque\nover(v) = v > %d ? v : NaN\n",
            (top > pd->limit ? top : pd->limit) + 1, pd->limit);
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    plot_time_axis(f, from, to);
    fputs("set title ", f);
    char sub[200];
    snprintf(sub, sizeof(sub), "%s .. %s%s", time_format_clock(from, t1), time_format_clock(to, t2),
             whole ? " (the whole run)" : " (the timeline's window)");
    plot_quote(f, sub);
    fprintf(f,
            "\nplot '%s.csv' skip 1 using (strcol(1) eq 'window' ? $2/xs : NaN):3 with fillsteps "
            "fs transparent solid 0.25 noborder lc rgb '" PLOT_BLUE "' notitle, \\\n"
            "     '' skip 1 using (strcol(1) eq 'window' ? $2/xs : NaN):3 with steps lw 1.2 lc rgb "
            "'" PLOT_BLUE "' title 'runs at once', \\\n"
            "     '' skip 1 using (strcol(1) eq 'over' ? ($2+$4)/2/xs : "
            "NaN):(($3+%d)/2.0):(($4-$2)/2/xs):"
            "(($3-%d)/2.0) with boxxyerror fs solid 1.0 noborder lc rgb '" PLOT_RED "' "
            "title 'over the limit', \\\n"
            "     %d with lines dt 2 lw 2 lc rgb '" PLOT_RED "' title 'limit %d'\n",
            name, pd->limit, pd->limit, pd->limit, pd->limit);
    if (panels == 2) {
        plot_time_axis(f, pd->lo, end);
        snprintf(sub, sizeof(sub),
                 "the whole run: most runs at once per %s (%d bin%s over the limit)",
                 time_format(span / CONC_BINS / SIM_MS * SIM_MS, t1), over_bins,
                 over_bins == 1 ? "" : "s");
        fputs("set title ", f);
        plot_quote(f, sub);
        fprintf(f,
                "\nplot '%s.csv' skip 1 using (strcol(1) eq 'run' ? $2/xs : NaN):3 with fillsteps "
                "fs transparent solid 0.25 noborder lc rgb '" PLOT_BLUE "' notitle, \\\n"
                "     '' skip 1 using (strcol(1) eq 'run' ? $2/xs : NaN):3 with steps lw 1.2 lc "
                "rgb '" PLOT_BLUE "' title 'most at once in the bin', \\\n"
                "     '' skip 1 using (strcol(1) eq 'run' ? $2/xs : NaN):(over($3)) with impulses "
                "lw 4 lc rgb '" PLOT_RED "' title 'over the limit', \\\n"
                "     %d with lines dt 2 lw 2 lc rgb '" PLOT_RED "' title 'limit %d'\n",
                name, pd->limit, pd->limit);
    }
    fputs("unset multiplot\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}

/* --- cycle-duration histogram --- */

/* A round bin width covering span in about n bins: 1, 2 or 5 x 10^k. */
static double nice_width(double span, int n)
{
    double raw = span / n, p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

int plot_cycle_hist(const char *dir, const char *name, const struct hist *h, sim_time interval,
                    sim_time lock_max, const char *title)
{
    double iv = time_to_sec(interval), lk = time_to_sec(lock_max);
    /* the body: the runs but the longest 1 %, the interval and the lock time */
    double p99 = time_to_sec(hist_quantile(h, 0.99)), mx = time_to_sec(h->count ? h->max : 0);
    double body = p99 > iv ? p99 : iv;
    if (lk > body)
        body = lk; /* the lock's end belongs on the axis: runs past it are the story */
    double top = mx;
    if (top > 1.2 * body)
        top = 1.2 * body; /* a far tail would squash the body: it goes to the overflow bin */
    if (top < iv * 1.2)
        top = iv * 1.2;
    if (top <= 0)
        top = 1;
    double w = nice_width(top, 50);
    int nbins = (int)ceil(top / w) + 1;
    if (nbins > 400)
        nbins = 400;
    double *cnt = calloc((size_t)nbins, sizeof(double));
    if (!cnt)
        return -ENOMEM;
    uint64_t beyond = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        if (!h->bucket[i])
            continue;
        double mid = (time_to_sec(hist_bucket_low(i)) + time_to_sec(hist_bucket_high(i))) / 2;
        int b = (int)(mid / w);
        if (b >= nbins) {
            beyond += h->bucket[i];
            continue;
        }
        cnt[b] += (double)h->bucket[i];
    }
    /* a few long runs next to hundreds of short ones: a log axis keeps one run visible */
    double cmax = (double)beyond, cmin = beyond ? (double)beyond : INFINITY;
    for (int b = 0; b < nbins; b++)
        if (cnt[b] > 0)
            cmax = fmax(cmax, cnt[b]), cmin = fmin(cmin, cnt[b]);
    bool logy = cmax >= 20 * cmin;
    FILE *d = plot_open(dir, name, "csv");
    if (!d) {
        free(cnt);
        return -errno;
    }
    /* the overflow bin: every run past the axis, drawn one bin wide at its right */
    double edge = nbins * w;
    fputs("from_s,to_s,runs,longer_than_interval,overflow\n", d);
    for (int b = 0; b < nbins; b++)
        fprintf(d, "%.9g,%.9g,%.0f,%d,0\n", b * w, (b + 1) * w, cnt[b], b * w >= iv ? 1 : 0);
    if (beyond)
        fprintf(d, "%.9g,%.9g,%" PRIu64 ",%d,1\n", edge, mx, beyond, edge >= iv ? 1 : 0);
    free(cnt);
    int rc = plot_close(d);
    if (rc)
        return rc;

    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN], sub[300];
    uint64_t longer = 0;
    for (int i = 0; i < HIST_BUCKETS; i++)
        if (hist_bucket_low(i) >= interval)
            longer += h->bucket[i];
    snprintf(sub, sizeof(sub),
             "%" PRIu64 " runs   p50 %s   p99 %s   max %s   %.1f%% longer than the interval",
             h->count, time_format(hist_quantile(h, 0.5) / SIM_MS * SIM_MS, t1),
             time_format(hist_quantile(h, 0.99) / SIM_MS * SIM_MS, t2),
             time_format((h->count ? h->max : 0) / SIM_MS * SIM_MS, t3),
             h->count ? 100.0 * (double)longer / (double)h->count : 0.0);
    plot_script_begin(f, name, 900, 420);
    fputs("set title ", f);
    char full[800];
    snprintf(full, sizeof(full), "%s\n%s", title, sub);
    plot_quote_lines(f, full);
    fputc('\n', f);
    double xmax = beyond ? edge + 2 * w : edge;
    fprintf(f,
            "set xlabel 'run duration (s)'\nset ylabel 'runs'\nset xrange [0:%.6g]\n"
            "%s\nset grid ytics\nset style fill solid 0.85 noborder\n"
            "set key outside bottom center horizontal\nset bmargin 5\nset xlabel offset 0,0.3\n"
            "set arrow 1 from %.6g, graph 0 to %.6g, graph 1 nohead lw 2 dt 2 lc rgb '" PLOT_RED
            "' front\n"
            "set label 1 ' interval %s' at %.6g, graph 0.95 left tc rgb '" PLOT_RED "' front\n",
            xmax,
            logy ? "set logscale y\nset yrange [0.7:*]\nset ylabel 'runs (log scale)'"
                 : "set yrange [0:*]",
            iv, iv, time_format(interval, t1), iv);
    if (lock_max > 0)
        fprintf(
            f,
            "set arrow 2 from %.6g, graph 0 to %.6g, graph 1 nohead lw 2 dt 4 lc rgb '" PLOT_PURPLE
            "' front\nset label 2 ' longest lock %s' at %.6g, graph 0.87 left tc rgb '" PLOT_PURPLE
            "' front\n",
            lk, lk, time_format(lock_max, t1), lk);
    if (beyond) {
        /* the axis breaks at edge: the overflow bin stands apart, labelled with what it holds */
        char lab[160];
        snprintf(lab, sizeof(lab), "> %s:\n%" PRIu64 " run%s,\nlongest %s",
                 time_format((sim_time)(edge * 1e3) * SIM_MS, t1), beyond, beyond == 1 ? "" : "s",
                 time_format((h->max) / SIM_MS * SIM_MS, t2));
        fputs("set label 3 ", f);
        plot_quote_lines(f, lab);
        fprintf(
            f,
            " at %.6g, graph 0.75 right tc rgb '" PLOT_RED "' front\n"
            "set arrow 3 from %.6g, graph 0 to %.6g, graph 1 nohead lw 1 lc rgb '#999999' back\n",
            edge - 0.3 * w, edge + 0.1 * w, edge + 0.1 * w);
    }
    fprintf(f, "w_over = %.6g\n", w);
    fprintf(
        f,
        "plot '%s.csv' skip 1 using ($5 > 0 ? $1 + w_over : ($1+$2)/2):3:($5 > 0 ? %.6g : $2-$1):"
        "($4 > 0 ? 0xd62728 : 0x4477aa) with boxes lc rgb variable notitle, \\\n"
        "     NaN with boxes lc rgb '" PLOT_BLUE "' title 'within the interval', \\\n"
        "     NaN with boxes lc rgb '" PLOT_RED "' title 'longer than the interval'\n"
        "unset arrow 1\nunset label 1\nunset arrow 2\nunset label 2\nunset arrow 3\nunset label 3\n"
        "unset logscale y\n",
        name, w);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}

/* --- clock offsets --- */

/* The offset of clock row c at time t, carried on by its drift. */
static double clock_at(const struct pd_clock *c, sim_time t)
{
    return c->offset_s + c->drift_ppm * 1e-6 * time_to_sec(t - c->at);
}

int plot_clock(const char *dir, const char *name, const struct plotdata *pd, const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    fputs("time_s,clock,offset_s\n", d);
    /*
     * One clock after the other (gnuplot joins a series' consecutive rows
     * only). Between its rows a clock drifts on, so each row's line runs to
     * the next row's time (a step is then a vertical jump) and the last to
     * the end.
     */
    sim_time last_at = pd->end >= 0 ? pd->end : pd->hi;
    double lo[PD_MAX_SERIES], hi[PD_MAX_SERIES], drift[PD_MAX_SERIES];
    int steps[PD_MAX_SERIES];
    for (int s = 0; s < pd->nseries; s++) {
        const struct pd_clock *prev = NULL;
        lo[s] = INFINITY, hi[s] = -INFINITY, drift[s] = 0, steps[s] = -1;
        for (size_t i = 0; i <= pd->clock.n; i++) {
            const struct pd_clock *c = i < pd->clock.n ? &pd->clock.v[i] : NULL;
            if (c && c->series != s)
                continue;
            sim_time at = c ? c->at : last_at;
            if (prev && at > prev->at) { /* where the previous row's line ends */
                double v = clock_at(prev, at);
                fprintf(d, "%.9g,", time_to_sec(at));
                csv_field(d, pd->series[s]);
                fprintf(d, ",%.9g\n", v);
                lo[s] = fmin(lo[s], v), hi[s] = fmax(hi[s], v);
            }
            if (!c)
                break;
            fprintf(d, "%.9g,", time_to_sec(c->at));
            csv_field(d, pd->series[s]);
            fprintf(d, ",%.9g\n", c->offset_s);
            lo[s] = fmin(lo[s], c->offset_s), hi[s] = fmax(hi[s], c->offset_s);
            if (c->drift_ppm != 0)
                drift[s] = c->drift_ppm;
            steps[s]++;
            prev = c;
        }
    }
    int rc = plot_close(d);
    if (rc)
        return rc;
    sim_time end = pd->end >= 0 ? pd->end : pd->hi;
    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    /* one panel per clock, each on its own scale: a drift of seconds next to
     * an offset of minutes would be a flat line on a shared axis */
    int panels = pd->nseries ? pd->nseries : 1;
    plot_script_begin(f, name, 1400, 70 + 130 * panels);
    fprintf(f, "set multiplot layout %d,1 title ", panels);
    plot_quote(f, title);
    fputs("\n", f);
    plot_time_axis(f, pd->lo, end);
    fputs("set grid ytics\nset key off\nset lmargin 12\nset rmargin 4\nset tmargin 1.2\n"
          "set bmargin 1.6\nset ylabel 'offset (s)'\nset format y '%g'\nunset xlabel\n",
          f);
    if (pd->clock.n == 0) {
        fputs("set yrange [-1:1]\n"
              "set label 1 'no clock rows in this trace (it predates them): offsets unknown' at "
              "graph 0.5, graph 0.6 center tc rgb '" PLOT_GREY "'\n"
              "plot NaN notitle\nunset label 1\n",
              f);
    }
    static const char *const colors[] = {PLOT_BLUE,   PLOT_ORANGE, PLOT_GREEN, PLOT_RED,
                                         PLOT_PURPLE, "#8c564b",   "#e377c2",  "#17becf"};
    for (int s = 0; s < pd->nseries; s++) {
        char label[240], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], d1[TIME_FMT_LEN];
        sim_time a = (sim_time)llround(lo[s] * 1e3) * SIM_MS,
                 b = (sim_time)llround(hi[s] * 1e3) * SIM_MS;
        int n = snprintf(label, sizeof(label), "%s: offset ", pd->series[s]);
        if (a == b)
            n += snprintf(label + n, sizeof(label) - (size_t)n, "%s%s throughout", a > 0 ? "+" : "",
                          time_format(a, t1));
        else
            n += snprintf(label + n, sizeof(label) - (size_t)n, "%s%s .. %s%s", a > 0 ? "+" : "",
                          time_format(a, t1), b > 0 ? "+" : "", time_format(b, t2));
        if (drift[s] != 0)
            n += snprintf(label + n, sizeof(label) - (size_t)n, ", drift %+g ppm", drift[s]);
        if (steps[s] > 0)
            snprintf(label + n, sizeof(label) - (size_t)n, ", %d step%s", steps[s],
                     steps[s] == 1 ? "" : "s");
        (void)d1;
        double pad = (hi[s] - lo[s]) * 0.15;
        if (pad < 0.5)
            pad = hi[s] - lo[s] > 0 ? (hi[s] - lo[s]) * 0.15 + 1e-3 : 0.5;
        fprintf(f, "set yrange [%.9g:%.9g]\n", lo[s] - pad, hi[s] + pad);
        if (s == pd->nseries - 1)
            fputs("set xlabel 'simulated true time from the start'\n", f);
        fputs("set label 1 ", f);
        plot_quote(f, label);
        fprintf(f, " at graph 0.01, graph 0.88 left front tc rgb '%s'\n", colors[s % 8]);
        fprintf(f, "plot '%s.csv' skip 1 using (strcol(2) eq ", name);
        plot_quote(f, pd->series[s]);
        fprintf(f, " ? $1/xs : NaN):3 with lines lw 2 lc rgb '%s' notitle\nunset label 1\n",
                colors[s % 8]);
    }
    fputs("unset multiplot\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}

/* --- compare chart --- */

int plot_compare(const char *dir, const char *name, const struct plot_bar *bars, int n,
                 const char *title)
{
    static const char *const states[] = {"ok", "violating", "fail"};
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    fputs("guard,state,violating_seeds,seeds,runs_per_hour,skips_per_hour,longest_gap_s\n", d);
    double top[4] = {0};
    for (int i = 0; i < n; i++) {
        const struct plot_bar *b = &bars[i];
        csv_field(d, b->label);
        fprintf(d, ",%s,%.9g,%.9g,%.9g,%.9g,%.9g\n", states[b->state], b->violating_seeds, b->seeds,
                b->runs_per_hour, b->skips_per_hour, b->longest_gap_s);
        double v[4] = {b->violating_seeds, b->runs_per_hour, b->skips_per_hour, b->longest_gap_s};
        for (int k = 0; k < 4; k++)
            if (v[k] > top[k])
                top[k] = v[k];
    }
    int rc = plot_close(d);
    if (rc)
        return rc;
    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    int width = 1400, height = 720;
    plot_script_begin(f, name, width, height);
    fputs("set multiplot layout 2,2 title ", f);
    plot_quote(f, title);
    fputs("\nset style fill solid 0.85 noborder\nset grid ytics\nset key off\n"
          "col(s) = s eq 'fail' ? 0xd62728 : s eq 'violating' ? 0xff7f0e : 0x4477aa\n",
          f);
    fprintf(f, "set xrange [-0.6:%d.4]\nset xtics rotate by -30\n", n - 1);
    static const struct {
        int col;
        const char *title, *fmt;
    } panel[4] = {
        {3, "violating seeds (more runs at once than allowed)", "%.0f of %.0f"},
        {5, "runs per hour", "%.1f"},
        {6, "skipped triggers per hour", "%.1f"},
        {7, "longest gap between run starts (s)", "%.0f"},
    };
    for (int k = 0; k < 4; k++) {
        fprintf(f, "set title '%s'\nset yrange [0:%.6g]\n", panel[k].title,
                top[k] > 0 ? top[k] * 1.18 : 1);
        fprintf(
            f,
            "plot '%s.csv' skip 1 using 0:%d:(0.7):(col(strcol(2))):xtic(1) with boxes lc rgb "
            "variable, \\\n"
            "     '' skip 1 using 0:%d:(sprintf('%s', $%d%s)) with labels offset 0,0.8 font ',9'\n",
            name, panel[k].col, panel[k].col, panel[k].fmt, panel[k].col, k == 0 ? ", $4" : "");
    }
    fputs("unset multiplot\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}
