/*
 * The one allocation seam. Tests can make the Nth allocation fail
 * (mem_fail_after) to prove every set-up path unwinds cleanly, as SQLite's
 * fault-injection loops do.
 */
#ifndef SIM_MEM_H
#define SIM_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t n);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);

/* Fail the allocation after n more succeed; a negative n turns this off. */
void mem_fail_after(long n);

#endif
