/*
 * Distribution parsing, sampling and quantiles. Lognormal is given by median
 * and 99th percentile because that is what people know of their latencies:
 * mu = ln(median), sigma = ln(p99 / median) / z(0.99).
 */
#include "dist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

#define Z99 2.3263478740408408 /* standard normal 0.99 quantile */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
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

/* Splits s at top-level commas (outside parentheses) into at most max fields. */
static int split_args(char *s, char **fields, int max)
{
    int n = 0, depth = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        if ((*p == ',' && depth == 0) || *p == 0) {
            if (n == max)
                return -1;
            int end = *p == 0;
            *p = 0;
            fields[n++] = trim(start);
            if (end)
                break;
            start = p + 1;
        }
    }
    return n;
}

static int parse_dur(const char *s, sim_time *v, const char *what, char *err, size_t errlen)
{
    if (time_parse_duration(s, v) != 0)
        return fail(err, errlen, "bad duration '%s' in %s", s, what);
    return 0;
}

/* "name=value" or "value": returns value, checks the name if given. */
static const char *named(char *arg, const char *want, char *err, size_t errlen, int *rc)
{
    char *eq = strchr(arg, '=');
    *rc = 0;
    if (!eq)
        return arg;
    *eq = 0;
    if (strcmp(trim(arg), want) != 0)
        *rc = fail(err, errlen, "expected '%s=' in lognormal, got '%s='", want, trim(arg));
    return trim(eq + 1);
}

static int parse_simple(char *text, struct dist_simple *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    char *open = strchr(text, '(');
    if (!open) {
        o->kind = DIST_CONST;
        if (time_parse_duration(text, &o->a) != 0)
            return fail(err, errlen, "bad duration or distribution '%s'", text);
        return 0;
    }
    size_t len = strlen(text);
    if (text[len - 1] != ')')
        return fail(err, errlen, "missing ')' in '%s'", text);
    text[len - 1] = 0;
    *open = 0;
    char *kind = trim(text);
    char *args[DIST_MIX_MAX + 1];
    int n = split_args(open + 1, args, DIST_MIX_MAX + 1);
    if (n < 0)
        return fail(err, errlen, "too many arguments to %s()", kind);

    if (strcmp(kind, "const") == 0) {
        o->kind = DIST_CONST;
        if (n != 1)
            return fail(err, errlen, "const() takes one duration");
        return parse_dur(args[0], &o->a, "const()", err, errlen);
    }
    if (strcmp(kind, "uniform") == 0) {
        o->kind = DIST_UNIFORM;
        if (n != 2)
            return fail(err, errlen, "uniform() takes two durations");
        if (parse_dur(args[0], &o->a, "uniform()", err, errlen) ||
            parse_dur(args[1], &o->b, "uniform()", err, errlen))
            return -EINVAL;
        if (o->b < o->a)
            return fail(err, errlen, "uniform(%s,%s): upper bound below lower", args[0], args[1]);
        return 0;
    }
    if (strcmp(kind, "exp") == 0) {
        o->kind = DIST_EXP;
        if (n != 1)
            return fail(err, errlen, "exp() takes one duration (the mean)");
        return parse_dur(args[0], &o->a, "exp()", err, errlen);
    }
    if (strcmp(kind, "lognormal") == 0) {
        o->kind = DIST_LOGNORMAL;
        if (n != 2)
            return fail(err, errlen, "lognormal() takes median=D,p99=D");
        int rc;
        const char *m = named(args[0], "median", err, errlen, &rc);
        if (rc)
            return rc;
        const char *p = named(args[1], "p99", err, errlen, &rc);
        if (rc)
            return rc;
        if (parse_dur(m, &o->a, "lognormal()", err, errlen) ||
            parse_dur(p, &o->b, "lognormal()", err, errlen))
            return -EINVAL;
        if (o->a <= 0 || o->b <= o->a)
            return fail(err, errlen, "lognormal() needs 0 < median < p99");
        o->mu = log((double)o->a);
        o->sigma = log((double)o->b / (double)o->a) / Z99;
        return 0;
    }
    if (strcmp(kind, "mix") == 0)
        return fail(err, errlen, "mix() cannot be nested");
    if (strcmp(kind, "histogram") == 0 || strcmp(kind, "empirical") == 0)
        return fail(err, errlen, "%s() cannot be part of mix()", kind);
    return fail(err, errlen,
                "unknown distribution '%s' (expected const, uniform, exp, lognormal, mix, "
                "histogram, empirical)",
                kind);
}

int dist_parse(const char *text, struct dist *out, char *err, size_t errlen)
{
    return dist_parse_in(text, NULL, out, err, errlen);
}

/* histogram(FILE[, NAME]) or empirical(FILE[, COLUMN]) (s is trimmed). */
static int parse_data(char *s, const char *dir, struct dist *out, char *err, size_t errlen)
{
    size_t len = strlen(s);
    if (s[len - 1] != ')')
        return fail(err, errlen, "missing ')' in '%s'", s);
    s[len - 1] = 0;
    char *open = strchr(s, '(');
    *open = 0;
    const struct dist_data *data;
    int rc = dist_data_load(s, open + 1, dir, &data, err, errlen);
    if (rc)
        return rc;
    out->kind = out->one.kind = data->histogram ? DIST_HISTOGRAM : DIST_EMPIRICAL;
    out->data = data;
    return 0;
}

int dist_parse_in(const char *text, const char *dir, struct dist *out, char *err, size_t errlen)
{
    char buf[512];
    memset(out, 0, sizeof(*out));
    if (!text || strlen(text) >= sizeof(buf))
        return fail(err, errlen, "distribution too long");
    strcpy(buf, text);
    char *s = trim(buf);
    if (!*s)
        return fail(err, errlen, "empty distribution");
    if (strcmp(s, "none") == 0) {
        out->kind = DIST_NONE;
        return 0;
    }
    if (dist_data_is_call(s))
        return parse_data(s, dir, out, err, errlen);
    if (strncmp(s, "mix", 3) == 0 && s[3 + strspn(s + 3, " ")] == '(') {
        char *open = strchr(s, '(');
        size_t len = strlen(s);
        if (s[len - 1] != ')')
            return fail(err, errlen, "missing ')' in mix()");
        s[len - 1] = 0;
        char *args[DIST_MIX_MAX + 1];
        int n = split_args(open + 1, args, DIST_MIX_MAX + 1);
        if (n < 1 || n > DIST_MIX_MAX)
            return fail(err, errlen, "mix() takes 1 to %d parts", DIST_MIX_MAX);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            char *colon = strrchr(args[i], ':');
            if (!colon)
                return fail(err, errlen, "mix() part '%s' lacks ':weight'", args[i]);
            *colon = 0;
            double w;
            if (num_parse_decimal(trim(colon + 1), &w) != 0 || !(w > 0) || w > 1)
                return fail(err, errlen, "bad weight '%s' in mix()", trim(colon + 1));
            if (parse_simple(trim(args[i]), &out->part[i], err, errlen))
                return -EINVAL;
            sum += w;
            out->cum[i] = sum;
            out->weight[i] = w;
        }
        if (fabs(sum - 1.0) > 1e-6)
            return fail(err, errlen, "mix() weights sum to %g, not 1", sum);
        out->cum[n - 1] = 1.0;
        out->kind = DIST_MIX;
        out->nparts = n;
        return 0;
    }
    if (parse_simple(s, &out->one, err, errlen))
        return -EINVAL;
    out->kind = out->one.kind;
    return 0;
}

struct dist dist_const(sim_time v)
{
    struct dist d;
    memset(&d, 0, sizeof(d));
    d.kind = DIST_CONST;
    d.one.kind = DIST_CONST;
    d.one.a = v;
    return d;
}

static sim_time clamp(double v)
{
    if (!(v > 0))
        return 0;
    if (v > 9.0e18)
        return (sim_time)9.0e18;
    return (sim_time)(v + 0.5);
}

/*
 * Standard normal deviates by the ziggurat method (Marsaglia and Tsang, 2000,
 * 128 layers): one 64-bit draw and a table look-up nearly always. The layer
 * index and the value come from different bits of the draw (Doornik's
 * correction to the original).
 */
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3
#define ZIG_M 2147483648.0

static uint32_t zig_k[128];
static double zig_w[128], zig_f[128];
/* Runs before main, so sampling needs no check (and threads no lock). */
__attribute__((constructor)) static void zig_setup(void)
{
    double dn = ZIG_R, tn = dn, q = ZIG_V / exp(-0.5 * dn * dn);
    zig_k[0] = (uint32_t)((dn / q) * ZIG_M);
    zig_k[1] = 0;
    zig_w[0] = q / ZIG_M;
    zig_w[127] = dn / ZIG_M;
    zig_f[0] = 1.0;
    zig_f[127] = exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; i--) {
        dn = sqrt(-2.0 * log(ZIG_V / dn + exp(-0.5 * dn * dn)));
        zig_k[i + 1] = (uint32_t)((dn / tn) * ZIG_M);
        tn = dn;
        zig_f[i] = exp(-0.5 * dn * dn);
        zig_w[i] = dn / ZIG_M;
    }
}

static double std_normal(struct prng *r)
{
    for (;;) {
        uint64_t bits = prng_next(r);
        int32_t hz = (int32_t)(uint32_t)(bits >> 32);
        int iz = (int)(bits & 127);
        uint32_t abs_hz = hz < 0 ? (uint32_t)0 - (uint32_t)hz : (uint32_t)hz;
        double x = (double)hz * zig_w[iz];
        if (abs_hz < zig_k[iz])
            return x;  /* inside the rectangle: the common case */
        if (iz == 0) { /* the tail beyond R */
            double xt, y;
            do {
                xt = -log(prng_unit_open(r)) / ZIG_R;
                y = -log(prng_unit_open(r));
            } while (y + y < xt * xt);
            return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
        }
        if (zig_f[iz] + prng_unit(r) * (zig_f[iz - 1] - zig_f[iz]) < exp(-0.5 * x * x))
            return x; /* under the curve in the wedge */
    }
}

static sim_time simple_sample(const struct dist_simple *s, struct prng *r)
{
    switch (s->kind) {
    case DIST_CONST:
        return s->a;
    case DIST_UNIFORM:
        return s->a + clamp(prng_unit(r) * (double)(s->b - s->a));
    case DIST_EXP:
        return clamp(-log(prng_unit_open(r)) * (double)s->a);
    case DIST_LOGNORMAL:
        return clamp(exp(s->mu + s->sigma * std_normal(r)));
    default:
        return 0;
    }
}

sim_time dist_sample(const struct dist *d, struct prng *r)
{
    if (d->kind == DIST_NONE)
        return 0;
    if (d->data) /* one draw: the inverse of the data's CDF */
        return dist_data_quantile(d->data, prng_unit(r));
    if (d->kind != DIST_MIX)
        return simple_sample(&d->one, r);
    double u = prng_unit(r);
    int i = 0;
    while (i < d->nparts - 1 && u >= d->cum[i])
        i++;
    return simple_sample(&d->part[i], r);
}

static int simple_format(const struct dist_simple *s, char *buf, size_t len)
{
    char a[TIME_FMT_LEN], b[TIME_FMT_LEN];
    time_format(s->a, a);
    time_format(s->b, b);
    switch (s->kind) {
    case DIST_CONST:
        return snprintf(buf, len, "%s", a);
    case DIST_UNIFORM:
        return snprintf(buf, len, "uniform(%s,%s)", a, b);
    case DIST_EXP:
        return snprintf(buf, len, "exp(%s)", a);
    case DIST_LOGNORMAL:
        return snprintf(buf, len, "lognormal(median=%s,p99=%s)", a, b);
    default:
        return snprintf(buf, len, "none");
    }
}

char *dist_format(const struct dist *d, char *buf, size_t len)
{
    if (d->kind == DIST_NONE) {
        snprintf(buf, len, "none");
        return buf;
    }
    if (d->data) {
        snprintf(buf, len, "%s", d->data->shown);
        return buf;
    }
    if (d->kind != DIST_MIX) {
        simple_format(&d->one, buf, len);
        return buf;
    }
    size_t n = (size_t)snprintf(buf, len, "mix(");
    for (int i = 0; i < d->nparts && n < len; i++) {
        char w[32];
        n += (size_t)simple_format(&d->part[i], buf + n, len - n);
        /* the weight as given: cum[i] - cum[i - 1] loses a 1e-17 beside 0.5 */
        if (n < len)
            n += (size_t)snprintf(buf + n, len - n, ":%s%s", num_format(d->weight[i], w, sizeof(w)),
                                  i + 1 < d->nparts ? ", " : ")");
    }
    return buf;
}

static double simple_cdf(const struct dist_simple *s, double x)
{
    switch (s->kind) {
    case DIST_CONST:
        return x >= (double)s->a ? 1.0 : 0.0;
    case DIST_UNIFORM:
        if (x < (double)s->a)
            return 0;
        if (x >= (double)s->b)
            return 1;
        return (x - (double)s->a) / (double)(s->b - s->a);
    case DIST_EXP:
        return x <= 0 ? 0 : 1.0 - exp(-x / (double)s->a);
    case DIST_LOGNORMAL:
        return x <= 0 ? 0 : 0.5 * erfc(-(log(x) - s->mu) / (s->sigma * M_SQRT2));
    default:
        return 1;
    }
}

static double cdf(const struct dist *d, double x)
{
    if (d->kind != DIST_MIX)
        return simple_cdf(&d->one, x);
    double c = 0, prev = 0;
    for (int i = 0; i < d->nparts; i++) {
        c += (d->cum[i] - prev) * simple_cdf(&d->part[i], x);
        prev = d->cum[i];
    }
    return c;
}

sim_time dist_quantile(const struct dist *d, double q)
{
    if (d->kind == DIST_NONE)
        return 0;
    if (d->data)
        return dist_data_quantile(d->data, q);
    double lo = 0, hi = 1e9;
    while (cdf(d, hi) < q && hi < 9e18)
        hi *= 4;
    for (int i = 0; i < 200 && hi - lo > 0.5; i++) {
        double mid = (lo + hi) / 2;
        if (cdf(d, mid) < q)
            lo = mid;
        else
            hi = mid;
    }
    return clamp(hi);
}

static double simple_mean(const struct dist_simple *s)
{
    switch (s->kind) {
    case DIST_CONST:
    case DIST_EXP:
        return (double)s->a;
    case DIST_UNIFORM:
        return ((double)s->a + (double)s->b) / 2;
    case DIST_LOGNORMAL:
        return exp(s->mu + s->sigma * s->sigma / 2);
    default:
        return 0;
    }
}

double dist_mean(const struct dist *d)
{
    if (d->data)
        return d->data->mean;
    if (d->kind != DIST_MIX)
        return simple_mean(&d->one);
    double m = 0, prev = 0;
    for (int i = 0; i < d->nparts; i++) {
        m += (d->cum[i] - prev) * simple_mean(&d->part[i]);
        prev = d->cum[i];
    }
    return m;
}

static sim_time simple_max(const struct dist_simple *s)
{
    switch (s->kind) {
    case DIST_CONST:
        return s->a;
    case DIST_UNIFORM:
        return s->b;
    case DIST_NONE:
        return 0;
    default:
        return SIM_TIME_MAX;
    }
}

sim_time dist_max(const struct dist *d)
{
    if (d->data)
        return dist_data_max(d->data);
    if (d->kind != DIST_MIX)
        return simple_max(&d->one);
    sim_time m = 0;
    for (int i = 0; i < d->nparts; i++) {
        sim_time v = simple_max(&d->part[i]);
        if (v > m)
            m = v;
    }
    return m;
}

bool dist_is_constant(const struct dist *d)
{
    if (d->kind == DIST_NONE || d->kind == DIST_CONST)
        return true;
    if (d->kind == DIST_UNIFORM)
        return d->one.a == d->one.b;
    if (d->data)
        return dist_data_quantile(d->data, 0) == dist_data_max(d->data);
    return false;
}
