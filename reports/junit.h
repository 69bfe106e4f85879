/*
 * JUnit XML, the test-report format GitHub Actions (via report actions),
 * GitLab (artifacts:reports:junit) and Jenkins (junit step) read: one
 * <testsuite> per scenario, one <testcase> per variant and guard, with
 * classname "scenario.variant" so Jenkins groups cases by scenario, and a
 * <failure> carrying the failed expectations and the replay command. An
 * xfail case passes; its safety and verdict are <properties> and system-out.
 */
#ifndef REPORTS_JUNIT_H
#define REPORTS_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct junit_case {
    char suite[128];     /* the scenario */
    char file[512];      /* its file */
    char classname[200]; /* scenario.variant */
    char name[128];      /* the guard */
    double time_s;
    bool failed;
    bool error;         /* could not run (an engine error) */
    char message[1024]; /* one line: what failed */
    char details[4096]; /* more lines: each expectation, the replay command */
    char out[2048];     /* system-out: the case's safety and metrics in brief */
    char safety[400];   /* "SAFE" or "UNSAFE 3/20 (seed 4: ...)"; "" for none */
    char verdict[8];    /* "pass", "xfail" or "fail"; "" for none */
};

struct junit {
    struct junit_case *v;
    size_t n, cap;
};

/* Appends a copy of c. Returns 0 or -ENOMEM. */
int junit_add(struct junit *j, const struct junit_case *c);
void junit_release(struct junit *j);

/* Writes the document (suites in order of first appearance). Returns 0 or a negative errno. */
int junit_write(const struct junit *j, const char *name, FILE *f);

/* Writes s XML-escaped (&, <, >, quotes; control characters become spaces). */
void junit_escape(FILE *f, const char *s);

#endif
