/* Allocation seam with failure injection (see mem.h). */
#include "mem.h"

#include <stdlib.h>

static long fail_countdown = -1;

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void mem_fail_after(long n)
{
    fail_countdown = n;
}

void *mem_alloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *mem_calloc(size_t count, size_t n)
{
    return should_fail() ? NULL : calloc(count, n);
}

void *mem_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

void mem_free(void *p)
{
    free(p);
}
