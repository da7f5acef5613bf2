/* test_timer.c — sleep, work, one-shot timers, tickers and the real clock lower bound. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/testutil.h"

/* Run fn as the main task of a scheduler on clock; it must return normally. */
static gr_sched *run_on(gr_clock clock, void (*fn)(void *), void *arg)
{
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(clock, 1, fn, arg, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(fail_msg[0] == 0, "%s", fail_msg);
    return s;
}

static gr_sched_stats stats_now(void)
{
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    return st;
}

/* ------------------------------------------------------------ sleep */

static void sleep_main(void *arg)
{
    (void)arg;
    TCHECK(gr_sleep(GR_MS(7)), 0);
    TCHECK(gr_now(), GR_MS(7));
    TCHECK(gr_sleep_until(GR_MS(20)), 0);
    TCHECK(gr_now(), GR_MS(20));
    TCHECK(gr_sleep(0), 0);
    TCHECK(gr_sleep(-5), 0);
    TCHECK(gr_sleep_until(GR_MS(3)), 0);
    TCHECK(gr_now(), GR_MS(20));
    TCHECK(gr_deadline_in(GR_MS(5)), GR_MS(25));
    TCHECK(gr_deadline_in(-1), GR_FOREVER);
    TCHECK(gr_deadline_in(INT64_MAX), INT64_MAX);
    TCHECK(gr_sleep(GR_NS(1)), 0);
    TCHECK(gr_now(), GR_MS(20) + 1);
}

START_TEST(sleep_advances_exactly)
{
    sim_ok(sleep_main, NULL);
}
END_TEST

#define SL_N 20

struct slp;
struct slp_arg {
    struct slp *p;
    int i;
};
struct slp {
    struct slp_arg args[SL_N];
    int order[SL_N];
    int64_t t[SL_N];
    int n;
    gr_wg *wg;
};

static int64_t slp_dur(int i)
{
    return GR_MS((i * 7) % SL_N + 1);
}

static void sleeper(void *arg)
{
    struct slp_arg *a = arg;
    gr_sleep(slp_dur(a->i));
    a->p->t[a->i] = gr_now();
    a->p->order[a->p->n++] = a->i;
    gr_wg_done(a->p->wg);
}

static void sleepers_main(void *arg)
{
    struct slp *p = arg;
    gr_wg_create(&p->wg, "sleepers");
    gr_wg_add(p->wg, SL_N);
    for (int i = 0; i < SL_N; i++) {
        p->args[i] = (struct slp_arg){.p = p, .i = i};
        gr_spawn(sleeper, &p->args[i], "sleeper");
    }
    TCHECK(gr_wg_wait(p->wg), 0);
}

START_TEST(sleepers_wake_in_deadline_order)
{
    static struct slp p;
    memset(&p, 0, sizeof p);
    sim_ok(sleepers_main, &p);
    ck_assert_int_eq(p.n, SL_N);
    for (int i = 0; i < SL_N; i++)
        ck_assert_int_eq(p.t[i], slp_dur(i));
    for (int k = 0; k < SL_N; k++)
        ck_assert_int_eq(slp_dur(p.order[k]), GR_MS(k + 1));
}
END_TEST

/* ------------------------------------------------------------ work */

struct wrk {
    uint64_t id;
    int rc;
    int64_t done_t, main_t;
    gr_task_info ti;
    size_t found;
    char on[32];
};

static void worker(void *arg)
{
    struct wrk *w = arg;
    w->rc = gr_work(GR_MS(10));
    w->done_t = gr_now();
}

static void work_main(void *arg)
{
    struct wrk *w = arg;
    w->rc = 1;
    w->id = (uint64_t)gr_spawn(worker, w, "worker");
    gr_sleep(GR_MS(1));
    w->main_t = gr_now();
    w->found = gr_sched_tasks(gr_current(), w->id - 1, &w->ti, 1);
    gr_task_blocked_on(&w->ti, w->on, sizeof w->on);
    gr_sleep(GR_MS(20));
}

START_TEST(work_shows_as_work)
{
    struct wrk w;
    memset(&w, 0, sizeof w);
    sim_ok(work_main, &w);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_int_eq(w.done_t, GR_MS(10));
    ck_assert_int_eq(w.main_t, GR_MS(1));
    ck_assert_uint_ge(w.found, 1);
    ck_assert_uint_eq(w.ti.id, w.id);
    ck_assert_int_eq(w.ti.state, GR_TASK_BLOCKED);
    ck_assert_int_eq(w.ti.wait, GR_WAIT_WORK);
    ck_assert_str_eq(w.on, "work");
}
END_TEST

/* ------------------------------------------------------------ timers */

static void timer_fire_main(void *arg)
{
    (void)arg;
    gr_timer *t = NULL;
    uint64_t base = stats_now().timers;
    int64_t v = 0;
    gr_sleep(GR_MS(5));
    TCHECK(gr_timer_create(&t, "t", GR_MS(15)), 0);
    TCHECK(stats_now().timers, base + 1);
    TCHECK(gr_chan_cap(gr_timer_chan(t)), 1);
    TCHECK(gr_chan_recv(gr_timer_chan(t), &v), 0);
    TCHECK(v, GR_MS(20));
    TCHECK(gr_now(), GR_MS(20));
    TCHECK(stats_now().timers, base);
    TCHECK(gr_timer_stop(t), false);
    gr_timer_release(t);
}

START_TEST(timer_fires_once_with_time)
{
    sim_ok(timer_fire_main, NULL);
}
END_TEST

static void timer_stop_main(void *arg)
{
    (void)arg;
    gr_timer *t = NULL;
    uint64_t base = stats_now().timers;
    int64_t v = -1;
    TCHECK(gr_timer_create(&t, "stopme", GR_MS(10)), 0);
    gr_sleep(GR_MS(4));
    TCHECK(gr_timer_stop(t), true);
    TCHECK(gr_timer_stop(t), false);
    TCHECK(stats_now().timers, base);
    gr_sleep(GR_MS(20));
    TCHECK(gr_chan_try_recv(gr_timer_chan(t), &v), -EAGAIN);
    TCHECK(gr_chan_len(gr_timer_chan(t)), 0);
    gr_timer_release(t);
}

START_TEST(timer_stop_before_firing)
{
    sim_ok(timer_stop_main, NULL);
}
END_TEST

static void timer_reset_main(void *arg)
{
    (void)arg;
    gr_timer *t = NULL;
    int64_t v = 0;
    TCHECK(gr_timer_create(&t, "reset", GR_MS(10)), 0);
    gr_sleep(GR_MS(5));
    TCHECK(gr_timer_reset(t, GR_MS(20)), true);
    TCHECK(gr_chan_recv(gr_timer_chan(t), &v), 0);
    TCHECK(v, GR_MS(25));
    TCHECK(gr_now(), GR_MS(25));
    TCHECK(gr_timer_reset(t, GR_MS(5)), false);
    TCHECK(gr_chan_recv(gr_timer_chan(t), &v), 0);
    TCHECK(v, GR_MS(30));
    TCHECK(gr_chan_try_recv(gr_timer_chan(t), &v), -EAGAIN);
    gr_timer_release(t);
}

START_TEST(timer_reset_rearms)
{
    sim_ok(timer_reset_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ tickers */

static void ticker_main(void *arg)
{
    (void)arg;
    gr_ticker *tk = NULL;
    int64_t v = 0;
    uint64_t base = stats_now().tickers;
    TCHECK(gr_ticker_create(&tk, "tick", GR_MS(10)), 0);
    TCHECK(stats_now().tickers, base + 1);
    for (int i = 1; i <= 5; i++) {
        TCHECK(gr_chan_recv(gr_ticker_chan(tk), &v), 0);
        TCHECK(v, GR_MS(10) * i);
        TCHECK(gr_now(), GR_MS(10) * i);
    }
    gr_sleep(GR_MS(5));
    gr_ticker_stop(tk);
    TCHECK(stats_now().tickers, base);
    gr_sleep(GR_MS(100));
    TCHECK(gr_chan_try_recv(gr_ticker_chan(tk), &v), -EAGAIN);
    gr_ticker_release(tk);
}

START_TEST(ticker_ticks_at_period_multiples)
{
    sim_ok(ticker_main, NULL);
}
END_TEST

struct slow {
    int64_t first, second, first_t;
};

static void slow_reader_main(void *arg)
{
    struct slow *s = arg;
    gr_ticker *tk = NULL;
    TCHECK(gr_ticker_create(&tk, "slow", GR_MS(10)), 0);
    gr_sleep(GR_MS(35));
    TCHECK(gr_chan_recv(gr_ticker_chan(tk), &s->first), 0);
    s->first_t = gr_now();
    TCHECK(gr_chan_recv(gr_ticker_chan(tk), &s->second), 0);
    gr_ticker_stop(tk);
    gr_ticker_release(tk);
}

START_TEST(ticker_drops_missed_ticks)
{
    struct slow s = {0};
    sim_ok(slow_reader_main, &s);
    ck_assert_int_eq(s.first_t, GR_MS(35));
    ck_assert_int_gt(s.first, 0);
    ck_assert_int_le(s.first, GR_MS(30));
    ck_assert_int_eq(s.first % GR_MS(10), 0);
    ck_assert_int_eq(s.second, GR_MS(40));
}
END_TEST

struct leak {
    int rc_zero, rc_neg;
};

static void unstopped_main(void *arg)
{
    struct leak *l = arg;
    gr_ticker *tk = NULL, *bad = NULL;
    l->rc_zero = gr_ticker_create(&bad, "zero", 0);
    l->rc_neg = gr_ticker_create(&bad, "neg", -GR_MS(1));
    TCHECK(gr_ticker_create(&tk, "leaky", GR_MS(10)), 0);
    gr_sleep(GR_MS(25));
}

START_TEST(unstopped_ticker_counted)
{
    struct leak l = {0};
    gr_sched *s = run_on(GR_CLOCK_SIM, unstopped_main, &l);
    ck_assert_int_eq(l.rc_zero, -EINVAL);
    ck_assert_int_eq(l.rc_neg, -EINVAL);
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    ck_assert_uint_eq(st.tickers, 1);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ real clock */

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

struct real {
    int64_t wall, clock;
};

static void real_main(void *arg)
{
    struct real *r = arg;
    int64_t w0 = wall_ns(), c0 = gr_now();
    TCHECK(gr_sleep(GR_MS(20)), 0);
    r->wall = wall_ns() - w0;
    r->clock = gr_now() - c0;
}

START_TEST(real_clock_sleep_lower_bound)
{
    struct real r = {0};
    gr_sched_release(run_on(GR_CLOCK_REAL, real_main, &r));
    ck_assert_int_ge(r.wall, GR_MS(20));
    ck_assert_int_ge(r.clock, GR_MS(20));
}
END_TEST

/* In real mode a task that only yields still lets timers fire. */
static void yield_until_tick(void *arg)
{
    int *fired = arg;
    gr_timer *tm = NULL;
    int64_t when = 0;
    TCHECK(gr_timer_create(&tm, "t", GR_MS(2)), 0);
    /* Bounded: ends by itself (as a failure) if the timer never fires. */
    for (int i = 0; i < 20000000 && !*fired; i++) {
        *fired = gr_chan_try_recv(gr_timer_chan(tm), &when) == 0;
        if (!*fired)
            gr_yield();
    }
    TCHECK(*fired && when >= GR_MS(2), 1);
}

START_TEST(real_yield_loop_sees_timers)
{
    int fired = 0, rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, yield_until_tick, &fired, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    ck_assert_int_eq(fired, 1);
    gr_sched_release(s);
}
END_TEST

Suite *suite_runtime_timer(void)
{
    Suite *s = suite_create("runtime_timer");
    TCase *tc = tcase_create("timer");
    tcase_add_test(tc, sleep_advances_exactly);
    tcase_add_test(tc, sleepers_wake_in_deadline_order);
    tcase_add_test(tc, work_shows_as_work);
    tcase_add_test(tc, timer_fires_once_with_time);
    tcase_add_test(tc, timer_stop_before_firing);
    tcase_add_test(tc, timer_reset_rearms);
    tcase_add_test(tc, ticker_ticks_at_period_multiples);
    tcase_add_test(tc, ticker_drops_missed_ticks);
    tcase_add_test(tc, unstopped_ticker_counted);
    tcase_add_test(tc, real_clock_sleep_lower_bound);
    tcase_add_test(tc, real_yield_loop_sees_timers);
    suite_add_tcase(s, tc);
    return s;
}
