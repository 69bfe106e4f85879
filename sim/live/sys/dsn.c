/*
 * Finding the passwords of a connection string (see dsn.h), as libpq reads
 * them (libpq's conninfo_uri_parse and conninfo_parse): in a URI the text
 * between "user:" and the last '@' of the authority, and a "password"
 * query parameter; in key=value form the value of "password", which may be
 * single-quoted with backslash escapes.
 */
#include "dsn.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DSN_MAX_SECRETS 4

/* A password's place in the string: [from, to). */
struct span {
    size_t from, to;
};

static bool is_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

static int uri_secrets(const char *s, struct span *out)
{
    int n = 0;
    const char *auth = strstr(s, "://") + 3;
    size_t alen = strcspn(auth, "/?");
    const char *at = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon && colon + 1 < at)
            out[n++] = (struct span){(size_t)(colon + 1 - s), (size_t)(at - s)};
    }
    const char *q = strchr(auth, '?');
    while (q && n < DSN_MAX_SECRETS) {
        q++;
        size_t plen = strcspn(q, "&");
        if (strncmp(q, "password=", 9) == 0 && plen > 9)
            out[n++] = (struct span){(size_t)(q + 9 - s), (size_t)(q + plen - s)};
        q = q[plen] ? q + plen : NULL;
    }
    return n;
}

static int kv_secrets(const char *s, struct span *out)
{
    int n = 0;
    const char *p = s;
    while (*p && n < DSN_MAX_SECRETS) {
        while (isspace((unsigned char)*p))
            p++;
        const char *key = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        size_t klen = (size_t)(p - key);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            break; /* not key=value: libpq refuses it; nothing more to find */
        p++;
        while (isspace((unsigned char)*p))
            p++;
        const char *v = p;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            v++;
        } else {
            for (; *p && !isspace((unsigned char)*p); p++)
                if (*p == '\\' && p[1])
                    p++;
        }
        if (klen == 8 && strncmp(key, "password", 8) == 0 && p > v)
            out[n++] = (struct span){(size_t)(v - s), (size_t)(p - s)};
        if (*p == '\'')
            p++;
    }
    return n;
}

static int secrets(const char *s, struct span *out)
{
    return is_uri(s) ? uri_secrets(s, out) : kv_secrets(s, out);
}

char *dsn_redact(const char *dsn, char *buf, size_t len)
{
    struct span sp[DSN_MAX_SECRETS];
    int n = secrets(dsn, sp);
    size_t k = 0, at = 0;
    buf[0] = 0;
    for (int i = 0; i <= n && k < len; i++) {
        size_t end = i < n ? sp[i].from : strlen(dsn);
        k += (size_t)snprintf(buf + k, len - k, "%.*s%s", (int)(end - at), dsn + at,
                              i < n ? "***" : "");
        at = i < n ? sp[i].to : end;
    }
    return buf;
}

char *dsn_scrub(char *msg, size_t len, const char *dsn)
{
    struct span sp[DSN_MAX_SECRETS];
    int n = secrets(dsn, sp);
    for (int i = 0; i < n; i++) {
        size_t plen = sp[i].to - sp[i].from;
        char pw[256];
        snprintf(pw, sizeof(pw), "%.*s", (int)plen, dsn + sp[i].from);
        if (!strstr(msg, pw))
            continue;
        if (plen < 4 || plen >= sizeof(pw)) { /* too short to cut out without garbling words */
            snprintf(msg, len, "details withheld: they would show the password");
            return msg;
        }
        for (char *p = strstr(msg, pw); p; p = strstr(p + 3, pw)) {
            memmove(p + 3, p + plen, strlen(p + plen) + 1);
            memcpy(p, "***", 3);
        }
    }
    return msg;
}

bool dsn_blank(char *s)
{
    struct span sp[DSN_MAX_SECRETS];
    int n = secrets(s, sp);
    for (int i = 0; i < n; i++)
        memset(s + sp[i].from, '*', sp[i].to - sp[i].from);
    return n > 0;
}
