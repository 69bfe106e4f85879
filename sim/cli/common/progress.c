/*
 * The progress bar of long commands (sweep, tune, check, report) and the
 * --jobs default. The bar reads the wall clock, which is fine here: it only
 * draws on a terminal and never touches a result.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../../analyses/par.h"
#include "cli.h"

int cli_jobs(const struct cli_opts *o)
{
    return o->jobs > 0 ? o->jobs : par_cores();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli_progress *p, const char *what, uint64_t total)
{
    p->on = isatty(STDERR_FILENO) && total > 1;
    p->total = total;
    p->done = 0;
    p->what = what;
    p->t0 = p->last = now_s();
}

static void eta(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
}

void cli_progress_step(struct cli_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->on)
        return;
    double t = now_s();
    if (t - p->last < 0.1 && done < p->total)
        return;
    p->last = t;
    const int width = 30;
    int fill = (int)((double)done / (double)p->total * width);
    char bar[64], left[32] = "?";
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    if (done > 0)
        eta((t - p->t0) / (double)done * (double)(p->total - done), left, sizeof(left));
    fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu  ETA %s  ", p->what, bar,
            (int)(100.0 * (double)done / (double)p->total), (unsigned long long)done,
            (unsigned long long)p->total, left);
    fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->on)
        fputs("\r\033[K", stderr);
    p->on = false;
}
