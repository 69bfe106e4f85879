/*
 * `overlapsim import`: a scenario from a user's own schedule definition — a
 * crontab line, a systemd timer (with its service) or a Kubernetes CronJob.
 * Each importer fills one struct import_scn per job with the scheduler keys
 * of the scenario format, the guard its command's wrapper implies, and a
 * comment per field; a field the format has no key for becomes a warning
 * (on stderr, and in the scenario's comment), never dropped silently.
 * import_write turns it into commented scenario text.
 */
#ifndef SIM_IMPORT_H
#define SIM_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../base/time.h"

#define IMPORT_MAX 64 /* scenarios from one file */
#define IMPORT_TEXT 8192

struct import_scn {
    char name[64];           /* scenario name */
    char tag[64];            /* the suffix of its file when a source gives several: F-TAG.ini */
    char source[600];        /* "crontab:12" */
    char description[300];   /* the job line, the timer's Description=, the CronJob's name */
    char sched[2048];        /* "key = value\n" lines of [schedule] */
    char notes[IMPORT_TEXT]; /* comment lines of the header: what each field became */
    char guard[32];          /* guard.kind, "" when the source shows none */
    char guard_path[256];    /* guard.path */
    sim_time interval;       /* the schedule's period, for the duration placeholder */
    int line;                /* where the job is defined */
};

struct import_opts {
    const char *path;    /* the file imported */
    int line;            /* --line N (0: every job) */
    const char *wrapper; /* --wrapper SCRIPT: a PID-file wrapper */
    const char *service; /* the .service of a timer (NULL: found beside it) */
    FILE *warn;          /* where warnings go (stderr) */
    int nwarnings;
};

/* The formats import recognises from a file's content. */
enum import_format { IMPORT_CRONTAB, IMPORT_SYSTEMD, IMPORT_K8S };

/* Which format text is (a CronJob manifest, a unit file, else a crontab). */
enum import_format import_detect(const char *text);

/*
 * Each importer reads text (the whole file) into out[max]. Returns how many
 * scenarios, or -EINVAL with one line in err ("FILE:LINE: reason").
 */
int import_crontab(const char *text, struct import_opts *o, struct import_scn *out, int max,
                   char *err, size_t errlen);
int import_systemd(const char *text, struct import_opts *o, struct import_scn *out, int max,
                   char *err, size_t errlen);
int import_k8s(const char *text, struct import_opts *o, struct import_scn *out, int max, char *err,
               size_t errlen);

/* A warning: "overlapsim: FILE:LINE: warning: ..." on o->warn, and a note in s. */
void import_warn(struct import_opts *o, struct import_scn *s, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends one comment line to s's notes (no "; " needed). */
void import_note(struct import_scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends "key = value" to s's [schedule]. */
void import_sched(struct import_scn *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Recognises the wrappers in front of a command (flock -n FILE, run-one,
 * solo -port=P, timeout D, the --wrapper script) and sets s's guard; a
 * deadline or a blocking lock is warned about. line is for the warnings.
 */
void import_command(struct import_opts *o, struct import_scn *s, int line, const char *command);

/* The period of a cron expression (minutes between its first two slots), or 0. */
sim_time import_cron_interval(const char *cron);

/*
 * The scenario text of s: header comment, [scenario], [schedule], [job]
 * (durations: a distribution such as histogram(m.prom), or NULL for the
 * placeholder) and [guard].
 */
void import_write(FILE *f, const struct import_scn *s, const char *durations);

#endif
