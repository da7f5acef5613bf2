/* switch.h — the hand-written context switch (switch.c): save the callee-
 * saved registers on the current stack, store its stack pointer, load the
 * other's and return into it. Private to runtime/. */
#ifndef GR_SWITCH_H
#define GR_SWITCH_H

#include <stddef.h>

/* Save the running context into *save_sp and resume the one whose stack
 * pointer is load_sp. Returns when someone switches back to *save_sp. */
void gr__ctx_switch(void **save_sp, void *load_sp);

/* Save the running context into *save_sp like gr__ctx_switch, then call
 * entry(arg) on the fresh stack whose top (16-byte aligned) is top. entry
 * must never return. Nothing is written to the new stack before entry runs,
 * so creating a task never touches its stack. */
void gr__ctx_start(void **save_sp, void *top, void (*entry)(void *), void *arg);

#endif
