/* switch.h — the hand-written context switch (switch.c): save the callee-
 * saved registers on the current stack, store its stack pointer, load the
 * other's and return into it. Private to runtime/. */
#ifndef GR_SWITCH_H
#define GR_SWITCH_H

#include <stddef.h>

/* Save the running context into *save_sp and resume the one whose stack
 * pointer is load_sp. Returns when someone switches back to *save_sp. */
void gr__ctx_switch(void **save_sp, void *load_sp);

/* Prepare a fresh stack [lo, hi) so that the first gr__ctx_switch into the
 * returned stack pointer calls entry(arg) on it. entry must never return. */
void *gr__ctx_init(void *hi, void (*entry)(void *), void *arg);

#endif
