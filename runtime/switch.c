/* switch.c — the context switch in assembly, x86_64 (SysV) and aarch64
 * (AAPCS64). Only the callee-saved registers are saved: the switch is an
 * ordinary function call for the compiler. Like Go's gogo, the x87 control
 * word, MXCSR, FPCR and the signal mask are not switched; a task must not
 * change them. A switch is ~8 ns here; glibc swapcontext makes a sigprocmask
 * syscall each time (~250 ns on this VM). */
#include "runtime/switch.h"

#if defined(__x86_64__)

/* Frame (low to high): r15 r14 r13 r12 rbx rbp return-address. A new
 * task's first entry goes through gr__ctx_start instead. */
__asm__(".text\n"
        /* save: push the callee-saved registers, store rsp in *rdi */
        ".macro gr_save\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        ".endm\n"
        ".globl gr__ctx_switch\n"
        ".type gr__ctx_switch,@function\n"
        "gr__ctx_switch:\n"
        "  gr_save\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size gr__ctx_switch, .-gr__ctx_switch\n"
        ".globl gr__ctx_start\n"
        ".type gr__ctx_start,@function\n"
        "gr__ctx_start:\n"
        "  gr_save\n"
        "  movq %rsi, %rsp\n"
        "  xorl %ebp, %ebp\n"          /* ends frame-pointer walks */
        "  movq %rcx, %rdi\n"
        "  callq *%rdx\n"              /* rsp % 16 == 8 at entry, per the ABI */
        "  ud2\n"
        ".size gr__ctx_start, .-gr__ctx_start\n"
        ".section .note.GNU-stack,\"\",@progbits\n"
        ".text\n");


#elif defined(__aarch64__)

/* Frame (176 bytes): x19..x30 then d8..d15. */
__asm__(".text\n"
        /* save: the callee-saved registers into a 176-byte frame */
        ".macro gr_save\n"
        "  sub sp, sp, #176\n"
        "  stp x19, x20, [sp, #0]\n"
        "  stp x21, x22, [sp, #16]\n"
        "  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n"
        "  stp x27, x28, [sp, #64]\n"
        "  stp x29, x30, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n"
        "  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        ".endm\n"
        ".globl gr__ctx_switch\n"
        ".type gr__ctx_switch,%function\n"
        "gr__ctx_switch:\n"
        "  gr_save\n"
        "  mov x4, sp\n"
        "  str x4, [x0]\n"
        "  mov sp, x1\n"
        "  ldp x19, x20, [sp, #0]\n"
        "  ldp x21, x22, [sp, #16]\n"
        "  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n"
        "  ldp x27, x28, [sp, #64]\n"
        "  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n"
        "  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #176\n"
        "  ret\n"
        ".size gr__ctx_switch, .-gr__ctx_switch\n"
        ".globl gr__ctx_start\n"
        ".type gr__ctx_start,%function\n"
        "gr__ctx_start:\n"
        "  gr_save\n"
        "  mov x4, sp\n"
        "  str x4, [x0]\n"
        "  mov sp, x1\n"
        "  mov x29, #0\n"              /* ends frame-pointer walks */
        "  mov x30, #0\n"
        "  mov x0, x3\n"
        "  blr x2\n"
        "  brk #0\n"
        ".size gr__ctx_start, .-gr__ctx_start\n"
        ".section .note.GNU-stack,\"\",%progbits\n"
        ".text\n");


#else
#error "gauntlet's runtime needs x86_64 or aarch64 (runtime/switch.c)"
#endif
