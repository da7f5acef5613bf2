/* testutil.h — the one small helper every test shares: run a function as
 * the main task of a fresh scheduler and hand back the scheduler for
 * inspection. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>

#include "runtime/gr.h"

/* Create a scheduler (clock, seed), run fn(arg) as its main task and return
 * gr_sched_run's result in *rc. The caller releases the returned scheduler. */
static inline gr_sched *tu_run(gr_clock clock, uint64_t seed, void (*fn)(void *),
                               void *arg, int *rc)
{
    gr_sched *s = NULL;
    gr_sched_opts o = {.clock = clock, .seed = seed};
    ck_assert_int_eq(gr_sched_create(&s, &o), 0);
    *rc = gr_sched_run(s, fn, arg, "main");
    return s;
}

/* Same, sim clock, expecting the main task to return normally. */
static inline void tu_sim(void (*fn)(void *), void *arg)
{
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, fn, arg, &rc);
    ck_assert_int_eq(rc, 0);
    gr_sched_release(s);
}

#endif
