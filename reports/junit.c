/* JUnit XML output (see junit.h). */
#include "junit.h"

#include <errno.h>
#include <string.h>

#include "../sim/base/mem.h"

int junit_add(struct junit *j, const struct junit_case *c)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 32;
        struct junit_case *v = mem_realloc(j->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        j->v = v;
        j->cap = cap;
    }
    j->v[j->n++] = *c;
    return 0;
}

void junit_release(struct junit *j)
{
    mem_free(j->v);
    j->v = NULL;
    j->n = j->cap = 0;
}

void junit_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            /* XML 1.0 allows tab, newline and carriage return of the control characters */
            fputc(ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' ? ' ' : ch, f);
        }
    }
}

static void counts(const struct junit *j, const char *suite, size_t *tests, size_t *fail,
                   size_t *err, double *time)
{
    *tests = *fail = *err = 0;
    *time = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (suite && strcmp(j->v[i].suite, suite) != 0)
            continue;
        (*tests)++;
        *fail += j->v[i].failed && !j->v[i].error;
        *err += j->v[i].error;
        *time += j->v[i].time_s;
    }
}

int junit_write(const struct junit *j, const char *name, FILE *f)
{
    size_t tests, fail, err;
    double time;
    counts(j, NULL, &tests, &fail, &err, &time);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
    junit_escape(f, name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", tests, fail,
            err, time);
    for (size_t i = 0; i < j->n; i++) {
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(j->v[k].suite, j->v[i].suite) != 0;
        if (!first)
            continue;
        const char *suite = j->v[i].suite;
        counts(j, suite, &tests, &fail, &err, &time);
        fputs("  <testsuite name=\"", f);
        junit_escape(f, suite);
        fprintf(
            f,
            "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\" file=\"",
            tests, fail, err, time);
        junit_escape(f, j->v[i].file);
        fputs("\">\n", f);
        for (size_t k = i; k < j->n; k++) {
            const struct junit_case *c = &j->v[k];
            if (strcmp(c->suite, suite) != 0)
                continue;
            fputs("    <testcase name=\"", f);
            junit_escape(f, c->name);
            fputs("\" classname=\"", f);
            junit_escape(f, c->classname);
            fprintf(f, "\" time=\"%.3f\" file=\"", c->time_s);
            junit_escape(f, c->file);
            fputs("\">\n", f);
            if (c->safety[0] || c->verdict[0]) {
                fputs("      <properties>\n", f);
                if (c->safety[0]) {
                    fputs("        <property name=\"safety\" value=\"", f);
                    junit_escape(f, c->safety);
                    fputs("\"/>\n", f);
                }
                if (c->verdict[0]) {
                    fputs("        <property name=\"verdict\" value=\"", f);
                    junit_escape(f, c->verdict);
                    fputs("\"/>\n", f);
                }
                fputs("      </properties>\n", f);
            }
            if (c->failed) {
                fprintf(f, "      <%s message=\"", c->error ? "error" : "failure");
                junit_escape(f, c->message);
                fprintf(f, "\" type=\"%s\">", c->error ? "error" : "expectation");
                junit_escape(f, c->details);
                fprintf(f, "</%s>\n", c->error ? "error" : "failure");
            }
            if (c->out[0]) {
                fputs("      <system-out>", f);
                junit_escape(f, c->out);
                fputs("</system-out>\n", f);
            }
            fputs("    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return ferror(f) ? -EIO : 0;
}
