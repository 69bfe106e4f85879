/* Stack switch for sim/fiber.c (System V x86-64 ABI). */
#if defined(__x86_64__)
    .text
    .globl fiber_swap
    .type fiber_swap, @function
/* void fiber_swap(void **save_sp, void *load_sp) */
fiber_swap:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fiber_swap, .-fiber_swap

    .globl fiber_trampoline
    .type fiber_trampoline, @function
/* First return target of a new fiber: call r13(r12) on an aligned stack. */
fiber_trampoline:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size fiber_trampoline, .-fiber_trampoline
#endif
    .section .note.GNU-stack, "", @progbits
