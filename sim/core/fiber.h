/*
 * Stackful fibers for the simulator's actors, so that guard and job code stays
 * plain sequential C in both worlds: an environment call that must let other
 * actors run (a sleep, a lock wait) simply switches back to the event loop.
 * Switching is a few instructions of assembly on x86-64 (no system call, no
 * signal mask, unlike glibc's swapcontext); other machines fall back to
 * ucontext. Switches are announced to AddressSanitizer when it is on.
 */
#ifndef SIM_FIBER_H
#define SIM_FIBER_H

#include <stddef.h>

struct fiber {
    void *sp;  /* saved stack pointer while suspended */
    void *map; /* mapping holding guard page and stack; NULL for a thread */
    size_t map_size;
    void (*fn)(void *);
    void *arg;
    void *asan_fake; /* AddressSanitizer bookkeeping */
    const void *asan_bottom;
    size_t asan_size;
    void *uctx; /* ucontext fallback only */
};

/* Makes f stand for the calling thread's own stack, to switch back to. */
void fiber_init_thread(struct fiber *f);

/*
 * Creates a suspended fiber that runs fn(arg) on its own stack of stack_size
 * bytes (plus a guard page) when first switched to. fn must never return: it
 * switches away for the last time instead. Returns 0 or -ENOMEM.
 */
int fiber_create(struct fiber *f, size_t stack_size, void (*fn)(void *), void *arg);

/* Frees a fiber that is not running. */
void fiber_destroy(struct fiber *f);

/* Suspends from (the running fiber) and resumes to. Returns when someone
 * switches back to from. */
void fiber_switch(struct fiber *from, struct fiber *to);

#endif
