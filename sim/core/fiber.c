/*
 * Fiber stacks and switching (see fiber.h). The x86-64 switch saves the six
 * callee-saved registers on the old stack, swaps stack pointers and returns
 * on the new stack: the System V ABI guarantees nothing else survives a call.
 */
#include "fiber.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#ifdef FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__x86_64__)
void fiber_swap(void **save_sp, void *load_sp);
void fiber_trampoline(void);
#else
#include <ucontext.h>
#endif

#ifdef FIBER_ASAN
/* The fiber a switch came from, so the one arriving can tell ASan its bounds. */
static _Thread_local struct fiber *switch_from;
#endif

static void arrived(struct fiber *self)
{
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(self ? self->asan_fake : NULL, &switch_from->asan_bottom,
                                    &switch_from->asan_size);
#else
    (void)self;
#endif
}

void fiber_init_thread(struct fiber *f)
{
    memset(f, 0, sizeof(*f));
}

/* First code to run on a new fiber's stack. */
static void fiber_start(struct fiber *f)
{
    arrived(NULL);
    f->fn(f->arg);
    abort(); /* fn must not return */
}

#if !defined(__x86_64__)
static void fiber_start_uctx(unsigned hi, unsigned lo)
{
    fiber_start((struct fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

int fiber_create(struct fiber *f, size_t stack_size, void (*fn)(void *), void *arg)
{
    memset(f, 0, sizeof(*f));
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    stack_size = (stack_size + page - 1) / page * page;
    size_t size = stack_size + page;
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -ENOMEM;
    mprotect(map, page, PROT_NONE); /* overflow faults instead of corrupting */
#ifdef FIBER_ASAN
    /* a fiber abandoned mid-call leaves its frames poisoned in the shadow
     * memory, which outlives munmap: clear it for whoever gets the range */
    __asan_unpoison_memory_region((char *)map + page, stack_size);
#endif
    f->map = map;
    f->map_size = size;
    f->fn = fn;
    f->arg = arg;
    f->asan_bottom = (char *)map + page;
    f->asan_size = stack_size;
#if defined(__x86_64__)
    uintptr_t top = ((uintptr_t)map + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 16 - 7 * 8);
    sp[0] = 0;                                /* r15 */
    sp[1] = 0;                                /* r14 */
    sp[2] = (uint64_t)(uintptr_t)fiber_start; /* r13: function to call */
    sp[3] = (uint64_t)(uintptr_t)f;           /* r12: its argument */
    sp[4] = 0;                                /* rbx */
    sp[5] = 0;                                /* rbp */
    sp[6] = (uint64_t)(uintptr_t)fiber_trampoline;
    f->sp = sp;
#else
    ucontext_t *uc = calloc(1, sizeof(*uc));
    if (!uc) {
        munmap(map, size);
        return -ENOMEM;
    }
    getcontext(uc);
    uc->uc_stack.ss_sp = (char *)map + page;
    uc->uc_stack.ss_size = stack_size;
    uintptr_t p = (uintptr_t)f;
    makecontext(uc, (void (*)(void))fiber_start_uctx, 2, (unsigned)(p >> 32), (unsigned)p);
    f->uctx = uc;
#endif
    return 0;
}

void fiber_destroy(struct fiber *f)
{
#ifdef FIBER_ASAN
    if (f->map) /* ASan keeps shadow of unmapped memory: clear the stack's */
        ASAN_UNPOISON_MEMORY_REGION(f->map, f->map_size);
#endif
    if (f->map)
        munmap(f->map, f->map_size);
    free(f->uctx);
    f->map = NULL;
    f->uctx = NULL;
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
#ifdef FIBER_ASAN
    switch_from = from;
    __sanitizer_start_switch_fiber(&from->asan_fake, to->asan_bottom, to->asan_size);
#endif
#if defined(__x86_64__)
    fiber_swap(&from->sp, to->sp);
#else
    if (!from->uctx) {
        from->uctx = calloc(1, sizeof(ucontext_t));
        if (!from->uctx)
            abort();
    }
    swapcontext(from->uctx, to->uctx);
#endif
    arrived(from);
}
