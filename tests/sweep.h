/* sweep.h — the allocation-failure sweep shared by the module suites: fail
 * an operation's 1st, 2nd, ... allocation until it succeeds; every failure
 * must be a clean error (no allocation leaked). */
#ifndef SWEEP_H
#define SWEEP_H

#include <errno.h>

#include "tests/allocfail.h"
#include "tests/testutil.h"

/* Make one object into *obj: 0 or a negated errno. */
typedef int (*sweep_make)(void **obj);
/* Undo a successful make (may be NULL). */
typedef void (*sweep_free)(void *obj);

/* Returns how many failures were injected (0 if the sweep is unavailable:
 * then the operation runs once, unfailed).
 * alt_err: another error accepted besides -ENOMEM (0: none). */
static inline int sweep(sweep_make mk, sweep_free fr, int alt_err)
{
    if (!af_available()) { /* sanitizer build: just the operation, once */
        void *obj = NULL;
        int rc = mk(&obj);
        TCHECK(rc, 0);
        if (rc == 0 && fr)
            fr(obj);
        return 0;
    }
    for (long n = 1; n < 200; n++) {
        void *obj = NULL;
        af_fail_nth(n); /* libfiu's own allocations happen here, not below */
        long before = af_live();
        int rc = mk(&obj);
        long leaked = af_live() - before;
        bool injected = af_stop();
        if (!injected) { /* needed fewer than n allocations: it succeeded */
            TCHECK(rc, 0);
            if (rc == 0 && fr)
                fr(obj);
            return (int)n - 1;
        }
        if (rc != -ENOMEM && !(alt_err && rc == alt_err))
            TCHECK(rc, -ENOMEM);
        TCHECK(leaked, 0); /* nothing leaked */
    }
    TCHECK(0, 1); /* never succeeded */
    return -1;
}

#endif
