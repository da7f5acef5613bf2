/* allocfail.c — the test binary's malloc family: glibc's allocator plus a
 * libfiu fail point, "test/alloc", consulted while a sweep is armed (see
 * allocfail.h), and a count of live allocations. Compiled out under ASan. */
#include "tests/allocfail.h"

#if defined(__SANITIZE_ADDRESS__)

bool af_available(void) { return false; }
void af_fail_nth(long n) { (void)n; }
bool af_stop(void) { return false; }
long af_live(void) { return 0; }

#else

#define FIU_ENABLE 1
#include <errno.h>
#include <fiu-control.h>
#include <fiu.h>
#include <stddef.h>
#include <string.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);
extern void __libc_free(void *p);

static bool armed, injected;
static long countdown, live;

static int nth_call(const char *name, int *failnum, void **failinfo, unsigned int *flags)
{
    (void)name, (void)failnum, (void)failinfo, (void)flags;
    if (--countdown != 0)
        return 0;
    injected = true;
    return 1;
}

/* Whether this allocation fails. libfiu guards against recursion: its own
 * allocations inside fiu_fail see 0. */
static bool refuse(void)
{
    return armed && !injected && fiu_fail("test/alloc");
}

bool af_available(void) { return true; }
long af_live(void) { return live; }

void af_fail_nth(long n)
{
    static bool ready;
    if (!ready)
        ready = fiu_init(0) == 0;
    fiu_enable_external("test/alloc", 1, NULL, 0, nth_call);
    countdown = 0;
    fiu_fail("test/alloc"); /* warm libfiu's lookup cache: no allocation later */
    countdown = n;
    injected = false;
    armed = true;
}

bool af_stop(void)
{
    armed = false;
    fiu_disable("test/alloc");
    return injected;
}

void *malloc(size_t n)
{
    if (refuse()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_malloc(n);
    live += p != NULL;
    return p;
}

void *calloc(size_t k, size_t n)
{
    if (refuse()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_calloc(k, n);
    live += p != NULL;
    return p;
}

void *realloc(void *old, size_t n)
{
    if (!old)
        return malloc(n);
    if (refuse()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(old, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    if (refuse()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_memalign(a, n);
    live += p != NULL;
    return p;
}

void free(void *p)
{
    live -= p != NULL;
    __libc_free(p);
}

#endif
