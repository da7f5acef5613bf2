/* injutil.h — what the inject suites share: an injector for the running
 * scheduler, and a spec started from INJ_SPEC_INIT. */
#ifndef INJUTIL_H
#define INJUTIL_H

#include <string.h>

#include "inject/inj.h"
#include "tests/testutil.h"

/* An injector on the running task's scheduler (seed, log_max 0 = default). */
static inline inj *tu_inj(uint64_t seed, size_t log_max)
{
    inj *j = NULL;
    TCHECK(inj_create(&j, gr_current(), &(inj_opts){.seed = seed, .log_max = log_max}), 0);
    return j;
}

static inline inj_spec spec(const char *point, inj_kind kind)
{
    inj_spec sp = INJ_SPEC_INIT;
    sp.point = point;
    sp.kind = kind;
    return sp;
}

#endif
