/*
 * Sweep plots (see plot.h): a heatmap of a metric over two swept keys drawn
 * `with image` on cell indices (so any value spacing, even a list, makes a
 * regular grid), with the zero-violation region outlined by the cell edges
 * that separate it from the rest; and the one-key form as a line chart.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../csv_out.h"
#include "plot.h"

static void palette(FILE *f, enum plot_palette p)
{
    switch (p) {
    case PLOT_PAL_BAD:
        fputs("set palette defined (0 '#ffffff', 0.3 '#fcbba1', 0.7 '#fb6a4a', 1 '#de2d26')\n", f);
        break;
    case PLOT_PAL_GOOD:
        fputs("set palette defined (0 '#f7fcf5', 0.4 '#c7e9c0', 0.75 '#74c476', 1 '#31a354')\n", f);
        break;
    case PLOT_PAL_LOW_GOOD:
        fputs("set palette defined (0 '#31a354', 0.25 '#74c476', 0.6 '#c7e9c0', 1 '#f7fcf5')\n", f);
        break;
    }
}

static void tics(FILE *f, const char *axis, const char *const *labels, int n)
{
    /* at most about 16 labels, or they overwrite each other */
    int every = n > 16 ? (n + 15) / 16 : 1;
    fprintf(f, "set %stics (", axis);
    for (int i = 0, k = 0; i < n; i++) {
        if (i % every && i != n - 1)
            continue;
        fputs(k++ ? ", " : "", f);
        plot_quote(f, labels[i]);
        fprintf(f, " %d", i);
    }
    fputs(")\n", f);
}

static void value_label(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (v == 0 || (fabs(v) >= 0.01 && fabs(v) < 1e6))
        snprintf(buf, len,
                 fabs(v) >= 100 || v == (double)(long)v ? "%.0f"
                 : fabs(v) >= 10                        ? "%.1f"
                                                        : "%.2f",
                 v);
    else
        snprintf(buf, len, "%.2g", v);
}

static void cb_range(FILE *f, const struct plot_grid *g)
{
    if (!isnan(g->cbmin) && !isnan(g->cbmax))
        fprintf(f, "set cbrange [%.9g:%.9g]\n", g->cbmin, g->cbmax);
}

int plot_grid_heatmap(const char *dir, const char *name, const struct plot_grid *g,
                      const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    fputs("x_index,y_index,", d);
    csv_field(d, g->xkey);
    fputc(',', d);
    csv_field(d, g->ykey);
    fputs(",value,label,zero_violations\n", d);
    for (int y = 0; y < g->ny; y++)
        for (int x = 0; x < g->nx; x++) {
            double v = g->value[y * g->nx + x];
            char lab[32];
            value_label(lab, sizeof(lab), v);
            fprintf(d, "%d,%d,", x, y);
            csv_field(d, g->xlabel[x]);
            fputc(',', d);
            csv_field(d, g->ylabel[y]);
            fputc(',', d);
            if (isnan(v))
                fputs("NaN", d);
            else
                fprintf(d, "%.9g", v);
            fprintf(d, ",%s,%d\n", lab, g->feasible[y * g->nx + x] ? 1 : 0);
        }
    int rc = plot_close(d);
    if (rc)
        return rc;

    /* the outline: cell edges between a feasible cell and anything else */
    char oname[300];
    snprintf(oname, sizeof(oname), "%s-outline", name);
    FILE *o = plot_open(dir, oname, "csv");
    if (!o)
        return -errno;
    fputs("x1,y1,x2,y2\n", o);
    int edges = 0;
    for (int y = 0; y < g->ny; y++)
        for (int x = 0; x < g->nx; x++) {
            if (!g->feasible[y * g->nx + x])
                continue;
            static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
            for (int s = 0; s < 4; s++) {
                int nx = x + dx[s], ny = y + dy[s];
                if (nx >= 0 && nx < g->nx && ny >= 0 && ny < g->ny && g->feasible[ny * g->nx + nx])
                    continue;
                double x1, y1, x2, y2;
                if (dx[s]) {
                    x1 = x2 = x + 0.5 * dx[s];
                    y1 = y - 0.5;
                    y2 = y + 0.5;
                } else {
                    y1 = y2 = y + 0.5 * dy[s];
                    x1 = x - 0.5;
                    x2 = x + 0.5;
                }
                fprintf(o, "%.1f,%.1f,%.1f,%.1f\n", x1, y1, x2, y2);
                edges++;
            }
        }
    rc = plot_close(o);
    if (rc)
        return rc;

    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    int cw = g->nx <= 12   ? 70
             : g->nx <= 30 ? 36
                           : 18,
        chh = g->ny <= 12   ? 46
              : g->ny <= 30 ? 24
                            : 12;
    int width = 260 + cw * g->nx, height = 200 + chh * g->ny;
    if (width < 900)
        width = 900;
    if (height < 420)
        height = 420;
    plot_script_begin(f, name, width, height);
    fputs("set title ", f);
    plot_quote_lines(f, title);
    fputs("\nset xlabel ", f);
    plot_quote(f, g->xkey);
    fputs("\nset ylabel ", f);
    plot_quote(f, g->ykey);
    fputs("\nset cblabel ", f);
    plot_quote(f, g->metric);
    fprintf(f,
            "\nset xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\nset tics out nomirror\n"
            "set key outside below horizontal\nset bmargin 6\nset xlabel offset 0,0.3\n",
            g->nx - 1, g->ny - 1);
    tics(f, "x", g->xlabel, g->nx);
    tics(f, "y", g->ylabel, g->ny);
    palette(f, g->palette);
    cb_range(f, g);
    fprintf(f, "plot '%s.csv' skip 1 using 1:2:5 with image notitle", name);
    if (g->nx * g->ny <= 400)
        fprintf(f, ", \\\n     '' skip 1 using 1:2:6 with labels font ',9' notitle");
    if (edges)
        fprintf(f,
                ", \\\n     '%s.csv' skip 1 using 1:2:($3-$1):($4-$2) with vectors nohead lw 3 "
                "lc rgb '#111111' title 'zero violations (outlined)'",
                oname);
    if (g->rec_x >= 0)
        fprintf(f,
                ", \\\n     '+' using (%d):(%d) every ::0::0 with points pt 6 ps 4.5 lw 3 lc rgb "
                "'#08519c' title 'recommended'",
                g->rec_x, g->rec_y);
    fputs("\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}

int plot_grid_sweep_line(const char *dir, const char *name, const struct plot_grid *g,
                         const char *title)
{
    FILE *d = plot_open(dir, name, "csv");
    if (!d)
        return -errno;
    fputs("x_index,", d);
    csv_field(d, g->xkey);
    fputs(",value,zero_violations\n", d);
    for (int x = 0; x < g->nx; x++) {
        fprintf(d, "%d,", x);
        csv_field(d, g->xlabel[x]);
        if (isnan(g->value[x]))
            fputs(",NaN", d);
        else
            fprintf(d, ",%.9g", g->value[x]);
        fprintf(d, ",%d\n", g->feasible[x] ? 1 : 0);
    }
    int rc = plot_close(d);
    if (rc)
        return rc;
    FILE *f = plot_open(dir, name, "gp");
    if (!f)
        return -errno;
    plot_script_begin(f, name, 1000, 440);
    fputs("set title ", f);
    plot_quote_lines(f, title);
    fputs("\nset xlabel ", f);
    plot_quote(f, g->xkey);
    fputs("\nset ylabel ", f);
    plot_quote(f, g->metric);
    fprintf(f,
            "\nset xrange [-0.5:%d.5]\nset yrange [0:*]\nset grid ytics\n"
            "set key outside below horizontal\nset bmargin 6\nset xlabel offset 0,0.3\n"
            "set style fill transparent solid 0.18 noborder\n",
            g->nx - 1);
    if (!isnan(g->cbmin) && !isnan(g->cbmax))
        fprintf(f, "set yrange [%.9g:%.9g]\n", g->cbmin, g->cbmax * 1.05);
    tics(f, "x", g->xlabel, g->nx);
    fputs("set y2range [0:1]\nunset y2tics\n", f);
    fprintf(f,
            "plot '%s.csv' skip 1 using 1:($4 > 0 ? NaN : 1):(1.0) axes x1y2 with boxes lc rgb "
            "'" PLOT_RED "' title 'violations (shaded)', \\\n"
            "     '' skip 1 using 1:3 with linespoints lw 2 pt 7 lc rgb '" PLOT_BLUE
            "' notitle, \\\n"
            "     '' skip 1 using 1:($4 > 0 ? $3 : NaN) with points pt 7 ps 1.4 lc rgb '" PLOT_GREEN
            "' title 'zero violations'",
            name);
    if (g->rec_x >= 0)
        fprintf(f,
                ", \\\n     '%s.csv' skip 1 using 1:($1 == %d ? $3 : NaN) with points pt 6 ps "
                "3.2 lw 3 lc rgb '#1f77b4' title 'recommended'",
                name, g->rec_x);
    fputs("\n", f);
    plot_script_end(f);
    rc = plot_close(f);
    return rc ? rc : plot_render(dir, name);
}
