/*
 * Reading histogram() and empirical() data files (see dist_data.h). The
 * Prometheus text format is parsed as its specification gives it: `#`
 * lines are comments except # HELP and # TYPE, a sample is a name, optional
 * {labels} (values escape \\, \" and \n), a float value (Go's ParseFloat:
 * exponents, NaN, +Inf, -Inf) and an optional timestamp; an OpenMetrics
 * exemplar after `#` is ignored. The buckets of every series of NAME are
 * summed by le. A draw inverts the piecewise-uniform CDF: it picks a bucket
 * by its count, then a point inside it, with one uniform number, so every
 * seed draws the same values. The +Inf bucket has no upper bound: its
 * observations are placed using _sum where it can tell, and the note says
 * what was assumed.
 */
#include "dist_data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dist_data *registry[DIST_DATA_MAX_FILES];
static bool noted[DIST_DATA_MAX_FILES];
static int nregistry;

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

bool dist_data_is_call(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return strncmp(text, "histogram(", 10) == 0 || strncmp(text, "empirical(", 10) == 0;
}

static sim_time from_seconds(double s)
{
    if (!(s > 0))
        return 0;
    if (s > 9.0e9)
        return (sim_time)9.0e18;
    return (sim_time)llround(s * (double)SIM_S);
}

/* --- Prometheus text format --- */

struct sample {
    char name[256];
    char le[64];      /* the le label's value, "" when absent */
    char labels[512]; /* the other labels, in order, for telling series apart */
    double value;
};

/* Reads a label value after its opening quote; *p ends after the closing one. */
static int read_label_value(const char **p, char *out, size_t len)
{
    size_t n = 0;
    for (const char *s = *p;; s++) {
        if (!*s)
            return -1;
        char c = *s;
        if (c == '"') {
            *p = s + 1;
            out[n < len ? n : len - 1] = 0;
            return 0;
        }
        if (c == '\\') {
            s++;
            if (*s == 'n')
                c = '\n';
            else if (*s == '\\' || *s == '"')
                c = *s;
            else
                return -1;
        }
        if (n + 1 < len)
            out[n++] = c;
    }
}

/* Go's ParseFloat as the format uses it: strtod, which knows NaN and Inf too. */
static int parse_float(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end || (errno == ERANGE && fabs(*v) > 1))
        return -1;
    return 0;
}

/*
 * Parses one sample line into *smp. Returns 0, 1 for a line without a
 * sample (blank, comment, HELP, TYPE; *type gets a TYPE line's metric and
 * type), or -1 with why.
 */
static int prom_line(char *line, struct sample *smp, char *type_of, char *type, const char **why)
{
    type_of[0] = type[0] = 0;
    char *s = trim(line);
    if (!*s)
        return 1;
    if (*s == '#') {
        char word[8], metric[256], kind[32];
        if (sscanf(s, "# %7s %255s %31s", word, metric, kind) == 3 && strcmp(word, "TYPE") == 0) {
            snprintf(type_of, 256, "%s", metric);
            snprintf(type, 32, "%s", kind);
        }
        return 1;
    }
    size_t n = 0;
    if (!(isalpha((unsigned char)*s) || *s == '_' || *s == ':')) {
        *why = "expected a metric name";
        return -1;
    }
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == ':')
        n++;
    if (n >= sizeof(smp->name)) {
        *why = "metric name too long";
        return -1;
    }
    memcpy(smp->name, s, n);
    smp->name[n] = 0;
    smp->le[0] = smp->labels[0] = 0;
    const char *p = s + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '{') {
        p++;
        for (;;) {
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '}') {
                p++;
                break;
            }
            char lname[128], lvalue[256];
            size_t m = 0;
            while (isalnum((unsigned char)p[m]) || p[m] == '_')
                m++;
            if (m == 0 || m >= sizeof(lname)) {
                *why = "expected a label name";
                return -1;
            }
            memcpy(lname, p, m);
            lname[m] = 0;
            p += m;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p++ != '=') {
                *why = "expected '=' after a label name";
                return -1;
            }
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p++ != '"' || read_label_value(&p, lvalue, sizeof(lvalue)) != 0) {
                *why = "bad label value (expected a quoted string, escapes \\\\ \\\" \\n)";
                return -1;
            }
            if (strcmp(lname, "le") == 0)
                snprintf(smp->le, sizeof(smp->le), "%.63s", lvalue);
            else
                snprintf(smp->labels + strlen(smp->labels),
                         sizeof(smp->labels) - strlen(smp->labels), "%s=%s\x1f", lname, lvalue);
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == ',')
                p++;
            else if (*p != '}') {
                *why = "expected ',' or '}' in the labels";
                return -1;
            }
        }
    }
    char value[64];
    while (*p == ' ' || *p == '\t')
        p++;
    size_t vl = strcspn(p, " \t");
    if (vl == 0 || vl >= sizeof(value)) {
        *why = "expected a value";
        return -1;
    }
    memcpy(value, p, vl);
    value[vl] = 0;
    if (parse_float(value, &smp->value) != 0) {
        *why = "bad value";
        return -1;
    }
    p += vl;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != '#') { /* a timestamp (milliseconds), then maybe an exemplar */
        size_t tl = strcspn(p, " \t");
        char *end;
        strtoll(p, &end, 10);
        if (end != p + tl) {
            *why = "bad timestamp (expected milliseconds)";
            return -1;
        }
        p += tl;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != '#') {
            *why = "unexpected text after the timestamp";
            return -1;
        }
    }
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcmp(s + a - b, suffix) == 0;
}

struct bucket {
    double le, count;
};

static int by_le(const void *a, const void *b)
{
    double x = ((const struct bucket *)a)->le, y = ((const struct bucket *)b)->le;
    return x < y ? -1 : x > y;
}

/* Seconds per unit of the metric, from its name's unit suffix (the naming convention). */
static double unit_of(const char *name)
{
    if (strstr(name, "_milliseconds"))
        return 1e-3;
    if (strstr(name, "_microseconds"))
        return 1e-6;
    if (strstr(name, "_nanoseconds"))
        return 1e-9;
    if (strstr(name, "_minutes"))
        return 60;
    if (strstr(name, "_hours"))
        return 3600;
    return 1; /* base unit: seconds */
}

/* Bounds for the note: doubling the largest finite bound until past hi. */
static void suggest_buckets(double last, double hi, char *buf, size_t len)
{
    buf[0] = 0;
    double b = last;
    for (int i = 0; i < 6 && b < hi * 1.01; i++) {
        b *= 2;
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%g", i ? ", " : "", b);
    }
}

/* First pass without NAME: the histograms in the file, to pick the only one. */
static int prom_pick_name(FILE *f, const char *path, char *name, size_t len, char *err,
                          size_t errlen)
{
    char line[4096], type_of[256], type[32], names[400] = "";
    struct sample smp;
    int lineno = 0, count = 0;
    const char *why = "";
    name[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            return fail(err, errlen, -EINVAL, "'%s':%d: line too long", path, lineno);
        int rc = prom_line(line, &smp, type_of, type, &why);
        if (rc < 0)
            return fail(err, errlen, -EINVAL, "'%s':%d: %s", path, lineno, why);
        if (rc > 0 || !ends_with(smp.name, "_bucket"))
            continue;
        smp.name[strlen(smp.name) - 7] = 0;
        if (name[0] && strcmp(name, smp.name) == 0)
            continue;
        char quoted[300];
        snprintf(quoted, sizeof(quoted), "'%s'", smp.name);
        if (strstr(names, quoted))
            continue;
        if (!name[0])
            snprintf(name, len, "%.127s", smp.name);
        count++;
        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                 count > 1 ? ", " : "", quoted);
    }
    if (count == 0)
        return fail(err, errlen, -EINVAL, "'%s': no histogram (no NAME_bucket{le=\"...\"} lines)",
                    path);
    if (count > 1)
        return fail(err, errlen, -EINVAL,
                    "'%s' has %d histograms (%s): name one, histogram(%s, NAME)", path, count,
                    names, path);
    rewind(f);
    return 0;
}

static int prom_load(struct dist_data *d, FILE *f, char *err, size_t errlen)
{
    const char *path = d->path;
    char want[160], line[4096], type_of[256], type[32];
    if (!d->name[0]) {
        int rc = prom_pick_name(f, path, d->name, sizeof(d->name), err, errlen);
        if (rc)
            return rc;
    }
    struct bucket *b = calloc(DIST_DATA_MAX_BUCKETS + 1, sizeof(*b));
    if (!b)
        return fail(err, errlen, -ENOMEM, "out of memory");
    int nb = 0, lineno = 0, nsum = 0, ncount = 0, rc = 0;
    double sum = 0, count = 0;
    const char *why = "";
    struct sample smp;
    snprintf(want, sizeof(want), "%s_bucket", d->name);
    while (fgets(line, sizeof(line), f) && !rc) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = fail(err, errlen, -EINVAL, "'%s':%d: line too long", path, lineno);
            break;
        }
        int r = prom_line(line, &smp, type_of, type, &why);
        if (r < 0) {
            rc = fail(err, errlen, -EINVAL, "'%s':%d: %s", path, lineno, why);
            break;
        }
        if (r > 0) {
            if (strcmp(type_of, d->name) == 0 && strcmp(type, "histogram") != 0)
                rc = fail(err, errlen, -EINVAL, "'%s':%d: '%s' is a %s, not a histogram", path,
                          lineno, d->name, type);
            continue;
        }
        if (strcmp(smp.name, want) == 0) {
            double le;
            if (!smp.le[0] || parse_float(smp.le, &le) != 0 || isnan(le)) {
                rc = fail(err, errlen, -EINVAL, "'%s':%d: a bucket needs le=\"BOUND\" (got '%s')",
                          path, lineno, smp.le);
                break;
            }
            if (isnan(smp.value) || smp.value < 0) {
                rc = fail(err, errlen, -EINVAL, "'%s':%d: bad bucket count %g", path, lineno,
                          smp.value);
                break;
            }
            int i = 0;
            while (i < nb && b[i].le != le)
                i++;
            if (i == nb) {
                if (nb == DIST_DATA_MAX_BUCKETS) {
                    rc = fail(err, errlen, -EINVAL, "'%s':%d: more than %d buckets", path, lineno,
                              DIST_DATA_MAX_BUCKETS);
                    break;
                }
                b[nb++].le = le;
            }
            b[i].count += smp.value; /* sum by (le) */
            if (isinf(le))
                d->nseries++;
        } else if (ends_with(smp.name, "_sum") &&
                   strncmp(smp.name, d->name, strlen(d->name)) == 0 &&
                   strlen(smp.name) == strlen(d->name) + 4) {
            sum += smp.value;
            nsum++;
        } else if (ends_with(smp.name, "_count") &&
                   strncmp(smp.name, d->name, strlen(d->name)) == 0 &&
                   strlen(smp.name) == strlen(d->name) + 6) {
            count += smp.value;
            ncount++;
        }
    }
    if (!rc && ferror(f))
        rc = fail(err, errlen, -EIO, "cannot read '%s'", path);
    if (!rc && nb == 0)
        rc = fail(err, errlen, -EINVAL, "'%s': no '%s' lines", path, want);
    if (rc) {
        free(b);
        return rc;
    }
    qsort(b, (size_t)nb, sizeof(*b), by_le);
    if (!isinf(b[nb - 1].le)) {
        free(b);
        return fail(err, errlen, -EINVAL, "'%s': '%s' has no le=\"+Inf\" bucket", path, want);
    }
    for (int i = 1; i < nb; i++)
        if (b[i].count < b[i - 1].count) {
            rc = fail(err, errlen, -EINVAL,
                      "'%s': '%s' is not cumulative (le=\"%g\" counts %g, le=\"%g\" %g)%s", path,
                      want, b[i - 1].le, b[i - 1].count, b[i].le, b[i].count,
                      d->nseries > 1 ? "; its series have different buckets" : "");
            free(b);
            return rc;
        }
    double total = b[nb - 1].count;
    if (!(total > 0)) {
        free(b);
        return fail(err, errlen, -EINVAL, "'%s': '%s' counts no observations", path, d->name);
    }
    double unit = unit_of(d->name);
    d->histogram = true;
    d->count = total;
    d->sum = nsum ? sum * unit : -1;
    (void)ncount; /* _count equals the +Inf bucket by the format's rules */

    /* the finite buckets: [previous bound, bound], the first from 0 */
    double prev = 0, prevc = 0, est = 0;
    int k = 0;
    for (int i = 0; i < nb - 1; i++) {
        double hi = b[i].le * unit, lo = prev < hi ? prev : hi;
        if (hi < 0)
            hi = lo = 0;
        d->lo[k] = from_seconds(lo);
        d->hi[k] = from_seconds(hi);
        d->cum[k] = b[i].count / total;
        est += (b[i].count - prevc) * (lo + hi) / 2;
        prev = hi;
        prevc = b[i].count;
        k++;
    }
    double over = total - prevc, last = prev;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN], sugg[120];
    if (over > 0) {
        double hi, mean = nsum ? (d->sum - est) / over : NAN;
        if (nsum && mean > last) {
            hi = 2 * mean - last; /* uniform above the bound, with the mean _sum implies */
            suggest_buckets(last, hi, sugg, sizeof(sugg));
            snprintf(
                d->note, sizeof(d->note),
                "'%.300s': %g of %g observations of %.100s (%.0f%%) lie above its largest bucket "
                "bound, %s (le=\"+Inf\"); from %.100s_sum they average about %s, so they are "
                "drawn uniformly from [%s, %s]; buckets up to %s (e.g. le=%s) would measure "
                "them",
                path, over, total, d->name, 100 * over / total, time_format(from_seconds(last), t1),
                d->name, time_format(from_seconds(mean), t2), t1, time_format(from_seconds(hi), t3),
                t3, sugg);
        } else {
            hi = last > 0 ? 2 * last : 1;
            suggest_buckets(last, hi * 4, sugg, sizeof(sugg));
            snprintf(
                d->note, sizeof(d->note),
                "'%.300s': %g of %g observations of %.100s (%.0f%%) lie above its largest bucket "
                "bound, %s (le=\"+Inf\"), and %s: assumed uniform over [%s, %s]; buckets "
                "above %s (e.g. le=%s) would measure them",
                path, over, total, d->name, 100 * over / total, time_format(from_seconds(last), t1),
                nsum ? "its _sum leaves no time for them (the in-bucket midpoints overestimate)"
                     : "there is no _sum to tell how long they took",
                t1, time_format(from_seconds(hi), t2), t1, sugg);
        }
        d->lo[k] = from_seconds(last);
        d->hi[k] = from_seconds(hi);
        est += over * (last + hi) / 2;
        d->cum[k++] = 1.0;
    }
    d->cum[k - 1] = 1.0;
    d->nbuckets = k;
    d->mean = (d->sum >= 0 && over == 0 ? d->sum / total : est / total) * (double)SIM_S;
    free(b);
    snprintf(d->origin, sizeof(d->origin),
             "histogram %.100s in '%.300s': %g observations in %d buckets%s%s, mean %s", d->name,
             path, total, nb, d->nseries > 1 ? ", summed over " : "",
             d->nseries > 1 ? (snprintf(sugg, sizeof(sugg), "%d series", d->nseries), sugg) : "",
             time_format((sim_time)llround(d->mean), t1));
    return 0;
}

/* --- empirical: a list of durations, or a CSV column --- */

/* A duration with a unit ("1.5s", "2m3s") or a bare number of seconds. */
static int parse_obs(const char *s, sim_time *v)
{
    double x;
    if (parse_float(s, &x) == 0) {
        if (!(x >= 0) || isinf(x) || x > 9.0e9)
            return -1;
        *v = from_seconds(x);
        return 0;
    }
    return time_parse_duration(s, v);
}

/* Splits a CSV line in place at commas outside double quotes; returns the field count. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *start = p, *out = p;
        bool quoted = false;
        while (*p && (quoted || *p != ',')) {
            if (*p == '"') {
                if (quoted && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                    continue;
                }
                quoted = !quoted;
                p++;
                continue;
            }
            *out++ = *p++;
        }
        char end = *p;
        *out = 0;
        if (n < max)
            fields[n++] = trim(start);
        if (!end)
            return n;
        p++;
    }
}

static int by_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return x < y ? -1 : x > y;
}

static int emp_load(struct dist_data *d, FILE *f, char *err, size_t errlen)
{
    const char *path = d->path;
    char line[4096], *fields[64], cols[300] = "";
    int lineno = 0, col = -1;
    bool csv = false, header = false;
    size_t cap = 1024;
    d->obs = malloc(cap * sizeof(*d->obs));
    if (!d->obs)
        return fail(err, errlen, -ENOMEM, "out of memory");
    double sum = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            return fail(err, errlen, -EINVAL, "'%s':%d: line too long", path, lineno);
        char *hash = strchr(line, '#');
        if (hash && !csv)
            *hash = 0;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        if (!header) {
            header = true;
            csv = d->name[0] || strchr(s, ',');
            if (csv) { /* the header: find the column */
                int n = csv_split(s, fields, 64);
                for (int i = 0; i < n; i++) {
                    snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), "%s'%s'",
                             i ? ", " : "", fields[i]);
                    if (d->name[0] && strcmp(fields[i], d->name) == 0)
                        col = i;
                }
                if (!d->name[0] && n == 1)
                    col = 0;
                if (col < 0 && d->name[0])
                    return fail(err, errlen, -EINVAL, "'%s':%d: no column '%s' (the header has %s)",
                                path, lineno, d->name, cols);
                if (col < 0)
                    return fail(err, errlen, -EINVAL,
                                "'%s':%d: the header has %s: name one, empirical(%s, COLUMN)", path,
                                lineno, cols, path);
                continue;
            }
        }
        const char *v = s;
        if (csv) {
            int n = csv_split(s, fields, 64);
            if (col >= n)
                return fail(err, errlen, -EINVAL, "'%s':%d: no field %d (the line has %d)", path,
                            lineno, col + 1, n);
            v = fields[col];
            if (!*v)
                continue; /* an empty cell: no observation */
        }
        sim_time t;
        if (parse_obs(v, &t) != 0)
            return fail(err, errlen, -EINVAL,
                        "'%s':%d: bad duration '%s' (e.g. 1.5s, 2m3s, or 1.5 for seconds)", path,
                        lineno, v);
        if (d->n == DIST_DATA_MAX_OBS)
            return fail(err, errlen, -EINVAL, "'%s':%d: more than %d observations", path, lineno,
                        DIST_DATA_MAX_OBS);
        if (d->n == cap) {
            cap *= 2;
            sim_time *grown = realloc(d->obs, cap * sizeof(*d->obs));
            if (!grown)
                return fail(err, errlen, -ENOMEM, "out of memory");
            d->obs = grown;
        }
        d->obs[d->n++] = t;
        sum += (double)t;
    }
    if (ferror(f))
        return fail(err, errlen, -EIO, "cannot read '%s'", path);
    if (d->n == 0)
        return fail(err, errlen, -EINVAL, "'%s': no observations", path);
    qsort(d->obs, d->n, sizeof(*d->obs), by_time);
    d->mean = sum / (double)d->n;
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN];
    snprintf(d->origin, sizeof(d->origin),
             "%s%.100s%s'%.300s': %zu observations from %s to %s, mean %s", csv ? "column '" : "",
             csv ? (d->name[0] ? d->name : "1") : "", csv ? "' of " : "", path, d->n,
             time_format(d->obs[0], t1), time_format(d->obs[d->n - 1], t2),
             time_format((sim_time)llround(d->mean), t3));
    return 0;
}

/* --- loading and interning --- */

static void data_free(struct dist_data *d)
{
    if (d) {
        free(d->obs);
        free(d);
    }
}

int dist_data_load(const char *kind, const char *args, const char *dir,
                   const struct dist_data **out, char *err, size_t errlen)
{
    char buf[DIST_DATA_TEXT_LEN];
    if (strlen(args) >= sizeof(buf))
        return fail(err, errlen, -EINVAL, "%s(): arguments too long", kind);
    strcpy(buf, args);
    char *comma = strchr(buf, ','), *file = buf, *name = NULL;
    if (comma) {
        *comma = 0;
        name = trim(comma + 1);
        if (!*name || strchr(name, ','))
            return fail(err, errlen, -EINVAL, "%s() takes FILE or FILE, %s", kind,
                        strcmp(kind, "histogram") == 0 ? "NAME" : "COLUMN");
    }
    file = trim(file);
    if (!*file)
        return fail(err, errlen, -EINVAL, "%s() needs a file", kind);
    bool hist = strcmp(kind, "histogram") == 0;
    char path[sizeof(((struct dist_data *)0)->path)], shown[DIST_DATA_TEXT_LEN];
    char nm[sizeof(((struct dist_data *)0)->name)];
    if (file[0] != '/' && dir && dir[0])
        snprintf(path, sizeof(path), "%.250s/%.250s", dir, file);
    else
        snprintf(path, sizeof(path), "%.500s", file);
    snprintf(nm, sizeof(nm), "%.120s", name ? name : "");
    snprintf(shown, sizeof(shown), "%s(%.400s%s%.400s)", kind, file, name ? ", " : "",
             name ? name : "");

    /* read once: every later parse of the same text shares the data */
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < nregistry; i++) {
        const struct dist_data *r = registry[i];
        if (r->histogram == hist && strcmp(r->path, path) == 0 && strcmp(r->name, nm) == 0 &&
            strcmp(r->shown, shown) == 0) {
            pthread_mutex_unlock(&registry_lock);
            *out = r;
            return 0;
        }
    }
    struct dist_data *d = calloc(1, sizeof(*d));
    if (!d) {
        pthread_mutex_unlock(&registry_lock);
        return fail(err, errlen, -ENOMEM, "out of memory");
    }
    memcpy(d->path, path, sizeof(path));
    memcpy(d->name, nm, sizeof(nm));
    memcpy(d->shown, shown, sizeof(shown));
    d->histogram = hist;
    int rc = 0;
    FILE *f = nregistry < DIST_DATA_MAX_FILES ? fopen(d->path, "r") : NULL;
    if (nregistry == DIST_DATA_MAX_FILES)
        rc = fail(err, errlen, -EINVAL, "more than %d data files", DIST_DATA_MAX_FILES);
    else if (!f)
        rc = fail(err, errlen, -ENOENT, "cannot open '%s': %s", d->path, strerror(errno));
    else
        rc = hist ? prom_load(d, f, err, errlen) : emp_load(d, f, err, errlen);
    if (f)
        fclose(f);
    if (rc) {
        pthread_mutex_unlock(&registry_lock);
        data_free(d);
        return rc;
    }
    registry[nregistry++] = d;
    pthread_mutex_unlock(&registry_lock);
    *out = d;
    return 0;
}

sim_time dist_data_quantile(const struct dist_data *d, double q)
{
    if (q < 0)
        q = 0;
    if (!d->histogram) {
        size_t i = (size_t)(q * (double)d->n);
        return d->obs[i < d->n ? i : d->n - 1];
    }
    int i = 0;
    while (i < d->nbuckets - 1 && q >= d->cum[i])
        i++;
    double from = i ? d->cum[i - 1] : 0, p = d->cum[i] - from;
    double x = p > 0 ? (q - from) / p : 0;
    return d->lo[i] + (sim_time)llround(x * (double)(d->hi[i] - d->lo[i]));
}

sim_time dist_data_max(const struct dist_data *d)
{
    if (!d->histogram)
        return d->obs[d->n - 1];
    return d->hi[d->nbuckets - 1];
}

int dist_data_notes(FILE *f)
{
    int n = 0;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < nregistry; i++)
        if (!noted[i] && registry[i]->note[0]) {
            noted[i] = true;
            fprintf(f, "overlapsim: note: %s\n", registry[i]->note);
            n++;
        }
    pthread_mutex_unlock(&registry_lock);
    return n;
}
