/*
 * A small XML checker for the tests: well-formedness (nesting, quoting,
 * entities, no stray '<' or '&') and the JUnit shape CI servers read:
 * <testsuites> holding <testsuite>s holding <testcase>s, each with at most
 * a <failure message=...> or <error message=...> and a <system-out>, and
 * tests/failures attributes that match what is inside.
 */
#ifndef TESTS_XML_CHECK_H
#define TESTS_XML_CHECK_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xml_check {
    const char *p;
    char why[200];
    int testsuites, testsuite, testcase, failure, error;
    long claimed_tests, claimed_failures;
};

static int xml_fail(struct xml_check *x, const char *why)
{
    if (!x->why[0])
        snprintf(x->why, sizeof(x->why), "%s near '%.30s'", why, x->p);
    return -1;
}

static int xml_text(struct xml_check *x, char stop)
{
    while (*x->p && *x->p != stop) {
        if (*x->p == '<' && stop != '<')
            return xml_fail(x, "'<' in an attribute");
        if (*x->p == '&') {
            const char *e = strchr(x->p, ';');
            static const char *const ok[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int good = 0;
            for (int i = 0; i < 5 && e; i++)
                good |= (size_t)(e - x->p + 1) == strlen(ok[i]) &&
                        strncmp(x->p, ok[i], strlen(ok[i])) == 0;
            if (e && x->p[1] == '#')
                good = 1;
            if (!good)
                return xml_fail(x, "bad entity");
            x->p = e + 1;
            continue;
        }
        if ((unsigned char)*x->p < 0x20 && *x->p != '\n' && *x->p != '\t' && *x->p != '\r')
            return xml_fail(x, "control character");
        x->p++;
    }
    return 0;
}

static int xml_name(struct xml_check *x, char *out, size_t len)
{
    size_t n = 0;
    if (!isalpha((unsigned char)*x->p) && *x->p != '_')
        return xml_fail(x, "bad name");
    while (isalnum((unsigned char)*x->p) || strchr("_-.:", *x->p)) {
        if (n + 1 < len)
            out[n++] = *x->p;
        x->p++;
    }
    out[n] = 0;
    return 0;
}

static void xml_space(struct xml_check *x)
{
    while (isspace((unsigned char)*x->p))
        x->p++;
}

/* Parses one element at x->p (at '<'), checking its children against parent. */
static int xml_element(struct xml_check *x, const char *parent)
{
    char name[64], attr[64];
    int has_message = 0;
    x->p++;
    if (xml_name(x, name, sizeof(name)))
        return -1;
    for (;;) {
        xml_space(x);
        if (*x->p == '/' || *x->p == '>')
            break;
        if (xml_name(x, attr, sizeof(attr)))
            return -1;
        xml_space(x);
        if (*x->p++ != '=')
            return xml_fail(x, "attribute without '='");
        xml_space(x);
        char q = *x->p++;
        if (q != '"' && q != '\'')
            return xml_fail(x, "unquoted attribute");
        const char *v = x->p;
        if (xml_text(x, q))
            return -1;
        if (*x->p++ != q)
            return xml_fail(x, "unterminated attribute");
        if (strcmp(attr, "message") == 0)
            has_message = 1;
        if (strcmp(name, "testsuites") == 0 && strcmp(attr, "tests") == 0)
            x->claimed_tests = strtol(v, NULL, 10);
        if (strcmp(name, "testsuites") == 0 && strcmp(attr, "failures") == 0)
            x->claimed_failures = strtol(v, NULL, 10);
    }
    /* the JUnit shape */
    static const struct {
        const char *child, *parent;
    } shape[] = {{"testsuites", ""},      {"testsuite", "testsuites"}, {"testcase", "testsuite"},
                 {"failure", "testcase"}, {"error", "testcase"},       {"system-out", "testcase"},
                 {"skipped", "testcase"}, {"properties", "testcase"},  {"property", "properties"}};
    int known = 0;
    for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
        if (strcmp(shape[i].child, name) == 0) {
            known = 1;
            if (strcmp(shape[i].parent, parent) != 0)
                return xml_fail(x, "element in the wrong place");
        }
    if (!known)
        return xml_fail(x, "unknown element");
    if ((strcmp(name, "failure") == 0 || strcmp(name, "error") == 0) && !has_message)
        return xml_fail(x, "failure without message");
    x->testsuites += strcmp(name, "testsuites") == 0;
    x->testsuite += strcmp(name, "testsuite") == 0;
    x->testcase += strcmp(name, "testcase") == 0;
    x->failure += strcmp(name, "failure") == 0;
    x->error += strcmp(name, "error") == 0;
    if (*x->p == '/') {
        if (x->p[1] != '>')
            return xml_fail(x, "bad empty element");
        x->p += 2;
        return 0;
    }
    x->p++;
    for (;;) {
        if (xml_text(x, '<'))
            return -1;
        if (!*x->p)
            return xml_fail(x, "unclosed element");
        if (x->p[1] == '/') {
            char end[64];
            x->p += 2;
            if (xml_name(x, end, sizeof(end)))
                return -1;
            if (strcmp(end, name) != 0)
                return xml_fail(x, "mismatched end tag");
            xml_space(x);
            if (*x->p++ != '>')
                return xml_fail(x, "bad end tag");
            return 0;
        }
        if (xml_element(x, name))
            return -1;
    }
}

/* Returns 0 when doc is well-formed JUnit XML; x->why says what is not. */
static int xml_check_junit(const char *doc, struct xml_check *x)
{
    memset(x, 0, sizeof(*x));
    x->claimed_tests = x->claimed_failures = -1;
    x->p = doc;
    if (strncmp(x->p, "<?xml ", 6) == 0) {
        const char *e = strstr(x->p, "?>");
        if (!e)
            return xml_fail(x, "bad declaration");
        x->p = e + 2;
    }
    xml_space(x);
    if (*x->p != '<' || xml_element(x, ""))
        return x->why[0] ? -1 : xml_fail(x, "no root element");
    xml_space(x);
    if (*x->p)
        return xml_fail(x, "content after the root");
    if (x->claimed_tests != x->testcase || x->claimed_failures != x->failure)
        return xml_fail(x, "tests/failures attributes do not match the cases");
    return 0;
}

#endif
