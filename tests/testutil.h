/* testutil.h — the one small helper every test shares: run a function as
 * the main task of a fresh scheduler, and record checks made inside tasks
 * so they are asserted after the run (a task never exits half-way). */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include <stdio.h>

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

/* The first failed TCHECK of the current test (each test runs in its own
 * process, so one buffer per file is enough). */
static char fail_msg[256] __attribute__((unused));

#define TCHECK(got, want) tcheck((int64_t)(got), (int64_t)(want), #got, __LINE__)
#define TCHECKED() ck_assert_msg(fail_msg[0] == 0, "%s", fail_msg)

static inline void tcheck(int64_t got, int64_t want, const char *what, int line)
{
    if (got != want && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg, "line %d: %s = %lld, want %lld", line, what,
                 (long long)got, (long long)want);
}

/* Run fn as the main task of a sim scheduler (seed 1); it must return
 * normally with no failed TCHECK. The caller releases the scheduler. */
static inline gr_sched *sim_run(void (*fn)(void *), void *arg)
{
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, fn, arg, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    return s;
}

static inline void sim_ok(void (*fn)(void *), void *arg)
{
    gr_sched_release(sim_run(fn, arg));
}

static inline gr_chan *mkchan(const char *name, size_t elem, size_t cap)
{
    gr_chan *c = NULL;
    TCHECK(gr_chan_create(&c, name, elem, cap), 0);
    return c;
}

#endif
