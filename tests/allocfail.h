/* allocfail.h — failing allocations on purpose, through libfiu: the test
 * binary's malloc family asks the fail point "test/alloc" before each
 * allocation while a sweep is armed. Unavailable in sanitizer builds,
 * where ASan owns malloc. */
#ifndef ALLOCFAIL_H
#define ALLOCFAIL_H

#include <stdbool.h>

bool af_available(void);
/* Fail the nth allocation from now (n >= 1), and only that one. */
void af_fail_nth(long n);
/* Stop failing; returns whether the failure was injected. */
bool af_stop(void);
/* Allocations made minus frees, by this binary's malloc family: compare it
 * before and after an operation. */
long af_live(void);

#endif
