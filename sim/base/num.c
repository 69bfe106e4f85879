/* Finite decimal numbers and their shortest exact text (see num.h). */
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *digits(const char *p, int *n)
{
    *n = 0;
    while (*p >= '0' && *p <= '9')
        p++, (*n)++;
    return p;
}

int num_parse_decimal(const char *s, double *out)
{
    const char *p = s;
    int whole, frac = 0, exp;
    if (*p == '+' || *p == '-')
        p++;
    p = digits(p, &whole);
    if (*p == '.')
        p = digits(p + 1, &frac);
    if (whole + frac == 0)
        return -EINVAL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        p = digits(p, &exp);
        if (exp == 0)
            return -EINVAL;
    }
    if (*p)
        return -EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* ERANGE: overflow, or an underflow that would turn 1e-400 into 0 */
    if (errno || *end || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

char *num_format(double v, char *buf, size_t len)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}
