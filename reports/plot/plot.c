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
        else if (*s == '"' || *s == '\\') /* the terminals are noenhanced: nothing else is special */
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

void plot_script_begin(FILE *f, const char *name, int width, int height)
{
    fprintf(f,
            "# overlapsim plot '%s': the data is %s.csv. Edit and run `gnuplot %s.gp` in this\n"
            "# directory to redraw %s.png and %s.svg.\n"
            "set datafile separator comma\n"
            "set encoding utf8\n"
            "do for [fmt in \"png svg\"] {\n"
            "if (fmt eq \"png\") {\n"
            "    set terminal pngcairo size %d,%d font \"DejaVu Sans,10\" noenhanced\n"
            "} else {\n"
            "    set terminal svg size %d,%d font \"DejaVu Sans,10\" noenhanced background rgb 'white'\n"
            "}\n"
            "set output '%s.'.fmt\n",
            name, name, name, name, name, width, height, width, height, name);
}

void plot_script_end(FILE *f) { fputs("unset output\n}\n", f); }

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

int plot_concurrency(const char *dir, const char *name, const struct plotdata *pd,
                     const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    sim_time end = pd->end >= 0 ? pd->end : pd->hi;
    if (end > pd->hi)
        end = pd->hi;
    fputs("time_s,concurrency\n", d);
    fprintf(d, "%.9g,%d\n", time_to_sec(pd->lo), pd->level_lo);
    int level = pd->level_lo, top = pd->level_lo;
    for (size_t i = 0; i < pd->steps.n; i++) {
        const struct pd_step *s = &pd->steps.v[i];
        fprintf(d, "%.9g,%d\n", time_to_sec(s->at), s->level);
        level = s->level;
        if (level > top)
            top = level;
    }
    fprintf(d, "%.9g,%d\n", time_to_sec(end), level);
    int rc = plot_close(d);
    if (rc)
        return rc;

    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    plot_script_begin(f, name, 1400, 360);
    plot_time_axis(f, pd->lo, end);
    fputs("set title ", f);
    plot_quote(f, title);
    fprintf(f, "\nset ylabel 'runs at once'\nset yrange [0:%d]\nset ytics 1\nset grid ytics\n"
               "set key top right opaque\n",
            (top > pd->limit ? top : pd->limit) + 1);
    fprintf(f,
            "plot '%s.csv' skip 1 using ($1/xs):2 with fillsteps fs transparent solid 0.25 "
            "noborder lc rgb '" PLOT_BLUE "' notitle, \\\n"
            "     '' skip 1 using ($1/xs):2 with steps lw 1.2 lc rgb '" PLOT_BLUE
            "' title 'runs at once', \\\n"
            "     '' skip 1 using ($1/xs):2 with fillsteps above y=%d fs solid 1 noborder "
            "lc rgb '" PLOT_RED "' title 'over the limit', \\\n"
            "     %d with lines dt 2 lw 2 lc rgb '" PLOT_RED "' title 'limit %d'\n",
            name, pd->limit, pd->limit, pd->limit);
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
                    const char *title)
{
    double iv = time_to_sec(interval);
    double p99 = time_to_sec(hist_quantile(h, 0.999)), mx = time_to_sec(h->count ? h->max : 0);
    double top = mx;
    if (top > 1.5 * (p99 > iv ? p99 : iv))
        top = 1.5 * (p99 > iv ? p99 : iv); /* a far tail would squash the body */
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
    FILE *d = plot_open(dir, name, "csv");
    if (!d) {
        free(cnt);
        return -errno;
    }
    fputs("from_s,to_s,runs,longer_than_interval\n", d);
    for (int b = 0; b < nbins; b++)
        fprintf(d, "%.9g,%.9g,%.0f,%d\n", b * w, (b + 1) * w, cnt[b], b * w >= iv ? 1 : 0);
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
    snprintf(sub, sizeof(sub), "%" PRIu64 " runs   p50 %s   p99 %s   max %s   %.1f%% longer than the interval%s",
             h->count, time_format(hist_quantile(h, 0.5) / SIM_MS * SIM_MS, t1),
             time_format(hist_quantile(h, 0.99) / SIM_MS * SIM_MS, t2),
             time_format((h->count ? h->max : 0) / SIM_MS * SIM_MS, t3),
             h->count ? 100.0 * (double)longer / (double)h->count : 0.0,
             beyond ? "   (longest runs beyond the right edge)" : "");
    plot_script_begin(f, name, 900, 420);
    fputs("set title ", f);
    char full[800];
    snprintf(full, sizeof(full), "%s\n%s", title, sub);
    plot_quote_lines(f, full);
    fputc('\n', f);
    fprintf(f,
            "set xlabel 'run duration (s)'\nset ylabel 'runs'\nset xrange [0:%.6g]\n"
            "set yrange [0:*]\nset grid ytics\nset style fill solid 0.85 noborder\n"
            "set key outside bottom center horizontal\nset bmargin 5\nset xlabel offset 0,0.3\n"
            "set arrow 1 from %.6g, graph 0 to %.6g, graph 1 nohead lw 2 dt 2 lc rgb '" PLOT_RED
            "' front\n"
            "set label 1 ' interval %s' at %.6g, graph 0.95 left tc rgb '" PLOT_RED "' front\n"
            "plot '%s.csv' skip 1 using (($1+$2)/2):3:($2-$1):($4 > 0 ? 0xd62728 : 0x4477aa) "
            "with boxes lc rgb variable notitle, \\\n"
            "     NaN with boxes lc rgb '" PLOT_BLUE "' title 'within the interval', \\\n"
            "     NaN with boxes lc rgb '" PLOT_RED "' title 'longer than the interval'\n"
            "unset arrow 1\nunset label 1\n",
            nbins * w, iv, iv, time_format(interval, t1), iv, name);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}

/* --- clock offsets --- */

int plot_clock(const char *dir, const char *name, const struct plotdata *pd, const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    fputs("time_s,clock,offset_s\n", d);
    /*
     * One clock after the other (gnuplot joins a series' consecutive rows
     * only), each kept at its last offset to the end, so a step is not where
     * its line stops.
     */
    sim_time last_at = pd->end >= 0 ? pd->end : pd->hi;
    for (int s = 0; s < pd->nseries; s++) {
        const struct pd_clock *last = NULL;
        for (size_t i = 0; i < pd->clock.n; i++) {
            const struct pd_clock *c = &pd->clock.v[i];
            if (c->series != s)
                continue;
            fprintf(d, "%.9g,", time_to_sec(c->at));
            csv_field(d, pd->series[s]);
            fprintf(d, ",%.9g\n", c->offset_s);
            last = c;
        }
        if (last && last->at < last_at) {
            fprintf(d, "%.9g,", time_to_sec(last_at));
            csv_field(d, pd->series[s]);
            fprintf(d, ",%.9g\n", last->offset_s);
        }
    }
    int rc = plot_close(d);
    if (rc)
        return rc;
    sim_time end = pd->end >= 0 ? pd->end : pd->hi;
    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    plot_script_begin(f, name, 1400, 380);
    plot_time_axis(f, pd->lo, end);
    fputs("set title ", f);
    plot_quote(f, title);
    fputs("\nset ylabel 'clock offset from true time (s)'\nset grid ytics\nset key top right opaque\n"
          "set offsets 0, 0, graph 0.1, graph 0.1\n",
          f);
    if (pd->clock.n == 0) {
        fputs("set yrange [-1:1]\n"
              "set label 1 'no clock offsets in this trace: every clock shows true time' at graph "
              "0.5, graph 0.65 center tc rgb '" PLOT_GREY "'\n"
              "plot 0 with lines lw 2 lc rgb '" PLOT_GREY "' title 'all clocks'\nunset label 1\n",
              f);
    } else {
        static const char *const colors[] = {PLOT_BLUE, PLOT_ORANGE, PLOT_GREEN, PLOT_RED,
                                             PLOT_PURPLE, "#8c564b", "#e377c2", "#17becf"};
        fputs("plot ", f);
        for (int s = 0; s < pd->nseries; s++) {
            if (s)
                fputs(", \\\n     '' skip 1 using (strcol(2) eq ", f);
            else
                fprintf(f, "'%s.csv' skip 1 using (strcol(2) eq ", name);
            plot_quote(f, pd->series[s]);
            fprintf(f, " ? $1/xs : NaN):3 with linespoints pt 7 ps 0.4 lw 2 lc rgb '%s' title ",
                    colors[s % 8]);
            plot_quote(f, pd->series[s]);
        }
        fputs("\n", f);
    }
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
        fprintf(d, ",%s,%.9g,%.9g,%.9g,%.9g,%.9g\n", states[b->state], b->violating_seeds,
                b->seeds, b->runs_per_hour, b->skips_per_hour, b->longest_gap_s);
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
        fprintf(f,
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
