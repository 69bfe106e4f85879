/*
 * Large work (run, compare, check): said up front when it is large (triggers
 * x seeds, from the schedule's interval and the duration), a progress line
 * on a terminal that moves within a seed too (a year at interval = 1ns is
 * one seed), and Ctrl-C (SIGINT, or SIGTERM) stopping the simulation at its
 * next check so the command reports what was done so far.
 */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../core/engine.h"
#include "cli.h"

/* At about 2-5 million triggers a second: a few minutes and more. */
#define WORK_LARGE 1e9

double cli_work_triggers(const struct scenario *sc, int v)
{
    struct model *m = malloc(sizeof(*m));
    char err[600];
    double n = 0;
    if (m && scenario_model(sc, v, m, err, sizeof(err)) == 0)
        for (int i = 0; i < m->nnodes; i++) {
            const struct config *c = &m->node[i].cfg;
            n += c->interval > 0 ? (double)c->duration / (double)c->interval : 0;
        }
    free(m);
    return n;
}

void cli_work_announce(const char *what, double triggers, double seeds, double cases)
{
    double total = triggers * seeds * cases;
    if (total < WORK_LARGE)
        return;
    char how[200] = "";
    if (cases > 1)
        snprintf(how, sizeof(how), " (%.3g per seed x %.0f seeds x %.0f cases)", triggers, seeds,
                 cases);
    else if (seeds > 1)
        snprintf(how, sizeof(how), " (%.3g per seed x %.0f seeds)", triggers, seeds);
    fprintf(stderr,
            "overlapsim: %s: a large run: about %.3g triggers%s; Ctrl-C stops it and reports "
            "what was done\n",
            what, total, how);
}

static void on_signal(int sig)
{
    (void)sig;
    sim_interrupt();
}

void cli_interrupt_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Within the current seed, from the engine. */
static void on_progress(void *user, sim_time now, sim_time end)
{
    struct cli_work *w = user;
    w->in_seed = end > 0 ? (double)now / (double)end : 0;
    cli_work_step(w, w->done);
}

void cli_work_start(struct cli_work *w, const char *what, uint64_t seeds)
{
    memset(w, 0, sizeof(*w));
    w->on = isatty(STDERR_FILENO);
    w->what = what;
    w->seeds = seeds;
    w->t0 = w->last = now_s();
    w->hook = (struct sim_progress){on_progress, w};
    sim_progress_set(&w->hook);
}

void cli_work_step(struct cli_work *w, uint64_t done)
{
    if (done != w->done)
        w->in_seed = 0;
    w->done = done;
    double t = now_s();
    if (!w->on || t - w->last < 0.2 || t - w->t0 < 1)
        return; /* short work draws nothing */
    w->last = t;
    double frac = ((double)done + w->in_seed) / (double)w->seeds;
    char left[32] = "?";
    if (frac > 0) {
        long s = (long)((t - w->t0) / frac * (1 - frac) + 0.5);
        if (s >= 3600)
            snprintf(left, sizeof(left), "%ldh%02ldm", s / 3600, s / 60 % 60);
        else
            snprintf(left, sizeof(left), "%ldm%02lds", s / 60, s % 60);
    }
    fprintf(stderr, "\r%s: seed %llu of %llu (%.1f%% of the work)  ETA %s  Ctrl-C stops\033[K",
            w->what, (unsigned long long)(done + (done < w->seeds)), (unsigned long long)w->seeds,
            100 * frac, left);
    fflush(stderr);
}

void cli_work_end(struct cli_work *w)
{
    sim_progress_set(NULL);
    if (w->on && w->last > w->t0)
        fputs("\r\033[K", stderr);
    w->on = false;
}
