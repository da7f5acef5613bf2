/* test_sched.c — scheduler lifecycle, options, clocks, limits, re-runs, determinism, errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/testutil.h"

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

static gr_sched_stats stats_of(const gr_sched *s)
{
    gr_sched_stats st;
    memset(&st, 0xff, sizeof st);
    gr_sched_stats_get(s, &st);
    return st;
}

static void noop(void *arg)
{
    (void)arg;
}

/* ------------------------------------------------------------ create */

START_TEST(create_null_opts)
{
    gr_sched *s = NULL;
    ck_assert_int_eq(gr_sched_create(&s, NULL), 0);
    ck_assert_ptr_nonnull(s);
    gr_sched_stats st = stats_of(s);
    ck_assert_int_eq(st.now, 0);
    ck_assert_uint_eq(st.live, 0);
    ck_assert_uint_eq(st.spawned, 0);
    ck_assert_uint_eq(st.panics, 0);
    ck_assert_uint_eq(st.timers, 0);
    ck_assert_uint_eq(st.last_id, 0);
    gr_sched_release(s);
    gr_sched_release(NULL);
}
END_TEST

START_TEST(create_invalid_opts)
{
    gr_sched *s = NULL;
    gr_sched_opts o = {.clock = GR_CLOCK_SIM};
    ck_assert_int_eq(gr_sched_create(NULL, &o), -EINVAL);
    ck_assert_int_eq(gr_sched_create(NULL, NULL), -EINVAL);
    o.clock = (gr_clock)42;
    ck_assert_int_eq(gr_sched_create(&s, &o), -EINVAL);
    o = (gr_sched_opts){.stack_size = GR_STACK_MIN - 1};
    ck_assert_int_eq(gr_sched_create(&s, &o), -EINVAL);
    o.stack_size = GR_STACK_MAX + 1;
    ck_assert_int_eq(gr_sched_create(&s, &o), -EINVAL);
    o.stack_size = GR_STACK_MIN;
    ck_assert_int_eq(gr_sched_create(&s, &o), 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ run */

struct basic {
    int ran;
    uint64_t id;
    char name[GR_NAME_MAX];
    gr_sched *cur;
    int64_t now;
};

static void basic_main(void *arg)
{
    struct basic *b = arg;
    b->ran++;
    b->id = gr_self();
    snprintf(b->name, sizeof b->name, "%s", gr_self_name());
    b->cur = gr_current();
    b->now = gr_now();
}

START_TEST(run_main_returns)
{
    struct basic b = {0};
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, basic_main, &b, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(b.ran, 1);
    ck_assert_uint_eq(b.id, 1);
    ck_assert_str_eq(b.name, "main");
    ck_assert_ptr_eq(b.cur, s);
    ck_assert_int_eq(b.now, 0);
    gr_sched_stats st = stats_of(s);
    ck_assert_uint_eq(st.spawned, 1);
    ck_assert_uint_eq(st.exited, 1);
    ck_assert_uint_eq(st.live, 0);
    ck_assert_uint_eq(st.last_id, 1);
    ck_assert_ptr_null(gr_current());
    gr_sched_release(s);
}
END_TEST

START_TEST(run_invalid_args)
{
    gr_sched *s = NULL;
    ck_assert_int_eq(gr_sched_create(&s, NULL), 0);
    ck_assert_int_eq(gr_sched_run(NULL, noop, NULL, "x"), -EINVAL);
    ck_assert_int_eq(gr_sched_run(s, NULL, NULL, "x"), -EINVAL);
    ck_assert_uint_eq(stats_of(s).spawned, 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ clocks */

struct clk {
    int64_t t[3];
};

static void long_sleep_main(void *arg)
{
    struct clk *c = arg;
    TCHECK(gr_sleep(GR_S(3600)), 0);
    c->t[0] = gr_now();
    TCHECK(gr_sleep(GR_S(86400) * 365), 0);
    c->t[1] = gr_now();
}

START_TEST(sim_clock_jumps)
{
    struct clk c = {{0}};
    gr_sched *s = sim_run(long_sleep_main, &c);
    ck_assert_int_eq(c.t[0], GR_S(3600));
    ck_assert_int_eq(c.t[1], GR_S(3600) + GR_S(86400) * 365);
    ck_assert_int_eq(stats_of(s).now, c.t[1]);
    gr_sched_release(s);
}
END_TEST

static void real_sleep_main(void *arg)
{
    struct clk *c = arg;
    c->t[0] = gr_now();
    TCHECK(gr_sleep(GR_MS(10)), 0);
    c->t[1] = gr_now();
}

START_TEST(real_clock_sleeps)
{
    struct clk c = {{0}};
    int rc;
    fail_msg[0] = 0;
    int64_t w0 = wall_ns();
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, real_sleep_main, &c, &rc);
    int64_t w1 = wall_ns();
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    ck_assert_int_ge(c.t[0], 0);
    ck_assert_int_ge(c.t[1] - c.t[0], GR_MS(10));
    ck_assert_int_ge(w1 - w0, GR_MS(10));
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ time limit */

struct lim {
    int count;
};

static void tick_forever_main(void *arg)
{
    struct lim *l = arg;
    for (;;) {
        gr_sleep(GR_MS(100));
        l->count++;
    }
}

START_TEST(time_limit_stops_run)
{
    struct lim l = {0};
    gr_sched *s = NULL;
    gr_sched_opts o = {.clock = GR_CLOCK_SIM, .seed = 1, .time_limit = GR_MS(1050)};
    ck_assert_int_eq(gr_sched_create(&s, &o), 0);
    ck_assert_int_eq(gr_sched_run(s, tick_forever_main, &l, "main"), -ETIMEDOUT);
    ck_assert_int_eq(l.count, 10);
    gr_sched_stats st = stats_of(s);
    ck_assert_int_ge(st.now, GR_MS(1000));
    ck_assert_int_le(st.now, GR_MS(1050));
    ck_assert_uint_eq(st.live, 1);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ run again */

struct again {
    gr_chan *req, *rep;
    int got, reply;
    uint64_t main2_id;
};

static void again_worker(void *arg)
{
    struct again *a = arg;
    int v = 0;
    if (gr_chan_recv(a->req, &v) == 0) {
        a->got = v;
        gr_chan_send(a->rep, &v);
    }
}

static void again_main1(void *arg)
{
    struct again *a = arg;
    TCHECK(gr_chan_create(&a->req, "req", sizeof(int), 0), 0);
    TCHECK(gr_chan_create(&a->rep, "rep", sizeof(int), 0), 0);
    TCHECK(gr_spawn(again_worker, a, "worker"), 2);
    gr_sleep(GR_MS(1));
}

static void again_main2(void *arg)
{
    struct again *a = arg;
    int v = 99;
    a->main2_id = gr_self();
    TCHECK(gr_chan_send(a->req, &v), 0);
    TCHECK(gr_chan_recv(a->rep, &a->reply), 0);
}

START_TEST(run_again_resumes_leftovers)
{
    struct again a = {0};
    gr_sched *s = sim_run(again_main1, &a);
    gr_sched_stats st = stats_of(s);
    ck_assert_uint_eq(st.live, 1);
    ck_assert_uint_eq(st.blocked, 1);
    ck_assert_int_eq(a.got, 0);
    ck_assert_int_eq(gr_sched_run(s, again_main2, &a, "main2"), 0);
    TCHECKED();
    ck_assert_uint_eq(a.main2_id, 3);
    ck_assert_int_eq(a.got, 99);
    ck_assert_int_eq(a.reply, 99);
    st = stats_of(s);
    ck_assert_uint_eq(st.spawned, 3);
    ck_assert_uint_eq(st.exited, 3);
    ck_assert_uint_eq(st.live, 0);
    ck_assert_uint_gt(st.switches, 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ determinism */

#define DET_PROD 4
#define DET_ITEMS 50
#define DET_TOTAL (DET_PROD * DET_ITEMS)

struct det;
struct det_prod {
    struct det *d;
    int id;
};
struct det {
    gr_chan *ch[2];
    struct det_prod p[DET_PROD];
    int order[DET_TOTAL];
};

static void det_producer(void *arg)
{
    struct det_prod *p = arg;
    for (int i = 0; i < DET_ITEMS; i++)
        gr_chan_send(p->d->ch[p->id % 2], &p->id);
}

static void det_main(void *arg)
{
    struct det *d = arg;
    gr_chan_create(&d->ch[0], "even", sizeof(int), 0);
    gr_chan_create(&d->ch[1], "odd", sizeof(int), 1);
    for (int i = 0; i < DET_PROD; i++) {
        d->p[i] = (struct det_prod){.d = d, .id = i};
        gr_spawn(det_producer, &d->p[i], "producer");
    }
    int v[2] = {-1, -1};
    for (int k = 0; k < DET_TOTAL; k++) {
        gr_case cs[2] = {GR_RECV(d->ch[0], &v[0]), GR_RECV(d->ch[1], &v[1])};
        int r = gr_select(cs, 2, GR_FOREVER);
        d->order[k] = (r == 0 || r == 1) ? v[r] : -100 + r;
    }
}

/* Run the racing program with seed; return its trace hash and order. */
static uint64_t det_hash(uint64_t seed, struct det *d)
{
    int rc;
    memset(d, 0, sizeof *d);
    gr_sched *s = tu_run(GR_CLOCK_SIM, seed, det_main, d, &rc);
    ck_assert_int_eq(rc, 0);
    uint64_t h = gr_sched_trace_hash(s);
    gr_sched_release(s);
    return h;
}

START_TEST(same_seed_same_trace)
{
    static struct det a, b;
    uint64_t ha = det_hash(42, &a);
    uint64_t hb = det_hash(42, &b);
    ck_assert_uint_eq(ha, hb);
    ck_assert_int_eq(memcmp(a.order, b.order, sizeof a.order), 0);
    for (int k = 0; k < DET_TOTAL; k++)
        ck_assert_int_ge(a.order[k], 0);
}
END_TEST

START_TEST(different_seeds_differ)
{
    static struct det a, b;
    ck_assert_uint_ne(det_hash(1, &a), det_hash(2, &b));
    uint64_t h[5];
    int distinct = 0;
    for (int i = 0; i < 5; i++) {
        h[i] = det_hash((uint64_t)i + 100, &a);
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || h[j] == h[i];
        distinct += !seen;
    }
    ck_assert_int_ge(distinct, 2);
}
END_TEST

/* ------------------------------------------------------------ gr_rand */

struct rnd {
    uint64_t v[8];
};

static void rnd_main(void *arg)
{
    struct rnd *r = arg;
    for (int i = 0; i < 8; i++)
        r->v[i] = gr_rand();
}

static void rnd_with_seed(uint64_t seed, struct rnd *r)
{
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, seed, rnd_main, r, &rc);
    ck_assert_int_eq(rc, 0);
    gr_sched_release(s);
}

START_TEST(rand_is_seeded)
{
    struct rnd a = {{0}}, b = {{0}}, c = {{0}};
    ck_assert_uint_eq(gr_rand(), 0);
    rnd_with_seed(7, &a);
    rnd_with_seed(7, &b);
    rnd_with_seed(8, &c);
    ck_assert_int_eq(memcmp(a.v, b.v, sizeof a.v), 0);
    ck_assert_int_ne(memcmp(a.v, c.v, sizeof a.v), 0);
    int distinct = 0;
    for (int i = 1; i < 8; i++)
        distinct += a.v[i] != a.v[0];
    ck_assert_int_gt(distinct, 0);
}
END_TEST

/* ------------------------------------------------------------ -EPERM */

START_TEST(eperm_outside_run)
{
    ck_assert_uint_eq(gr_self(), 0);
    ck_assert_str_eq(gr_self_name(), "");
    ck_assert_ptr_null(gr_current());
    ck_assert_int_eq(gr_now(), 0);
    ck_assert_ptr_null(gr_ctx_background());
    gr_yield();
    ck_assert_int_eq(gr_sleep(GR_MS(1)), -EPERM);
    ck_assert_int_eq(gr_sleep_until(GR_MS(1)), -EPERM);
    ck_assert_int_eq(gr_work(GR_MS(1)), -EPERM);
    ck_assert_int_eq(gr_spawn(noop, NULL, "x"), -EPERM);
    ck_assert_int_eq(gr_select(NULL, 0, 0), -EPERM);
    gr_chan *c = NULL;
    ck_assert_int_eq(gr_chan_create(&c, "c", sizeof(int), 1), -EPERM);
    gr_wg *w = NULL;
    ck_assert_int_eq(gr_wg_create(&w, "w"), -EPERM);
}
END_TEST

struct objs {
    gr_chan *ch;
    gr_wg *wg;
};

static void make_objs_main(void *arg)
{
    struct objs *o = arg;
    TCHECK(gr_chan_create(&o->ch, "c", sizeof(int), 1), 0);
    TCHECK(gr_wg_create(&o->wg, "w"), 0);
    TCHECK(gr_wg_add(o->wg, 1), 0);
}

START_TEST(eperm_objects_after_run)
{
    struct objs o = {0};
    gr_sched *s = sim_run(make_objs_main, &o);
    int v = 5;
    ck_assert_int_eq(gr_chan_send(o.ch, &v), -EPERM);
    ck_assert_int_eq(gr_chan_recv(o.ch, &v), -EPERM);
    ck_assert_int_eq(gr_wg_wait(o.wg), -EPERM);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ nesting */

struct nest {
    gr_sched *s;
    int rc;
};

static void nest_main(void *arg)
{
    struct nest *n = arg;
    n->rc = gr_sched_run(n->s, noop, NULL, "inner");
}

START_TEST(nested_run_is_busy)
{
    struct nest n = {0};
    ck_assert_int_eq(gr_sched_create(&n.s, NULL), 0);
    ck_assert_int_eq(gr_sched_run(n.s, nest_main, &n, "main"), 0);
    ck_assert_int_eq(n.rc, -EBUSY);
    ck_assert_uint_eq(stats_of(n.s).spawned, 1);
    gr_sched_release(n.s);
}
END_TEST

/* ------------------------------------------------------------ deadlock */

struct dl {
    gr_chan *a, *b;
    int got;
    int64_t t;
};

static void dl_worker(void *arg)
{
    struct dl *d = arg;
    gr_chan_recv(d->a, NULL);
}

static void dl_main(void *arg)
{
    struct dl *d = arg;
    gr_chan_create(&d->a, "a", sizeof(int), 0);
    gr_chan_create(&d->b, "b", sizeof(int), 0);
    gr_spawn(dl_worker, d, "worker");
    gr_chan_recv(d->b, NULL);
    d->got = 1;
}

START_TEST(deadlock_detected)
{
    struct dl d = {0};
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, dl_main, &d, &rc);
    ck_assert_int_eq(rc, -EDEADLK);
    ck_assert_int_eq(d.got, 0);
    gr_sched_stats st = stats_of(s);
    ck_assert_uint_eq(st.blocked, 2);
    ck_assert_uint_eq(st.live, 2);
    gr_sched_release(s);
}
END_TEST

static void late_sender(void *arg)
{
    struct dl *d = arg;
    int v = 7;
    gr_sleep(GR_S(1));
    gr_chan_send(d->b, &v);
}

static void timer_not_deadlock_main(void *arg)
{
    struct dl *d = arg;
    gr_chan_create(&d->b, "b", sizeof(int), 0);
    gr_spawn(late_sender, d, "late");
    TCHECK(gr_chan_recv(d->b, &d->got), 0);
    d->t = gr_now();
}

START_TEST(pending_timer_is_not_deadlock)
{
    struct dl d = {0};
    gr_sched *s = sim_run(timer_not_deadlock_main, &d);
    ck_assert_int_eq(d.got, 7);
    ck_assert_int_eq(d.t, GR_S(1));
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ pick policy */

#define ORDER_N 8

struct order {
    int log[ORDER_N];
    int n;
    gr_wg *wg;
};

static struct order order_log;

static void order_task(void *arg)
{
    order_log.log[order_log.n++] = (int)(intptr_t)arg;
    if (order_log.wg)
        gr_wg_done(order_log.wg);
}

static void order_main(void *arg)
{
    (void)arg;
    TCHECK(gr_wg_create(&order_log.wg, "ran"), 0);
    TCHECK(gr_wg_add(order_log.wg, ORDER_N), 0);
    for (int i = 0; i < ORDER_N; i++)
        gr_spawn(order_task, (void *)(intptr_t)i, "o");
    TCHECK(gr_wg_wait(order_log.wg), 0);
    order_log.wg = NULL;
}

/* Run ORDER_N tasks under (clock, pick, seed); true if they ran in spawn order. */
static bool ran_in_order(gr_clock clock, gr_pick pick, uint64_t seed)
{
    gr_sched *s = NULL;
    gr_sched_opts o = {.clock = clock, .pick = pick, .seed = seed};
    ck_assert_int_eq(gr_sched_create(&s, &o), 0);
    order_log.n = 0;
    fail_msg[0] = 0;
    ck_assert_int_eq(gr_sched_run(s, order_main, NULL, "main"), 0);
    TCHECKED();
    gr_sched_release(s);
    ck_assert_int_eq(order_log.n, ORDER_N);
    for (int i = 0; i < ORDER_N; i++)
        if (order_log.log[i] != i)
            return false;
    return true;
}

START_TEST(fifo_pick_runs_in_ready_order)
{
    for (uint64_t seed = 0; seed < 5; seed++) {
        ck_assert(ran_in_order(GR_CLOCK_SIM, GR_PICK_FIFO, seed));
        ck_assert(ran_in_order(GR_CLOCK_REAL, GR_PICK_AUTO, seed)); /* real: FIFO */
    }
}
END_TEST

START_TEST(random_pick_varies_with_seed)
{
    int shuffled = 0;
    for (uint64_t seed = 0; seed < 5; seed++) {
        shuffled += !ran_in_order(GR_CLOCK_SIM, GR_PICK_AUTO, seed); /* sim: random */
        shuffled += !ran_in_order(GR_CLOCK_REAL, GR_PICK_RANDOM, seed);
    }
    /* 8 tasks in spawn order by chance: 1/40320 per run. */
    ck_assert_int_ge(shuffled, 9);
}
END_TEST

START_TEST(bad_pick_is_einval)
{
    gr_sched *s = NULL;
    gr_sched_opts o = {.pick = (gr_pick)7};
    ck_assert_int_eq(gr_sched_create(&s, &o), -EINVAL);
    ck_assert_ptr_null(s);
}
END_TEST

/* Tasks spawned but never run (main returns first) are released cleanly:
 * their stacks were never touched (sanitizer build checks the rest). */
static void spawn_and_leave(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        gr_spawn(order_task, NULL, "never-run");
}

START_TEST(never_started_tasks_released)
{
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, spawn_and_leave, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    ck_assert_uint_eq(st.live, 100);
    gr_task_info ti;
    ck_assert_uint_eq(gr_sched_tasks(s, 0, &ti, 1), 100);
    ck_assert_int_eq(ti.state, GR_TASK_RUNNABLE);
    gr_sched_release(s);
}
END_TEST

Suite *suite_runtime_sched(void)
{
    Suite *s = suite_create("runtime_sched");
    TCase *tc = tcase_create("sched");
    tcase_add_test(tc, create_null_opts);
    tcase_add_test(tc, create_invalid_opts);
    tcase_add_test(tc, run_main_returns);
    tcase_add_test(tc, run_invalid_args);
    tcase_add_test(tc, sim_clock_jumps);
    tcase_add_test(tc, real_clock_sleeps);
    tcase_add_test(tc, time_limit_stops_run);
    tcase_add_test(tc, run_again_resumes_leftovers);
    tcase_add_test(tc, same_seed_same_trace);
    tcase_add_test(tc, different_seeds_differ);
    tcase_add_test(tc, rand_is_seeded);
    tcase_add_test(tc, eperm_outside_run);
    tcase_add_test(tc, eperm_objects_after_run);
    tcase_add_test(tc, nested_run_is_busy);
    tcase_add_test(tc, deadlock_detected);
    tcase_add_test(tc, pending_timer_is_not_deadlock);
    tcase_add_test(tc, fifo_pick_runs_in_ready_order);
    tcase_add_test(tc, random_pick_varies_with_seed);
    tcase_add_test(tc, bad_pick_is_einval);
    tcase_add_test(tc, never_started_tasks_released);
    suite_add_tcase(s, tc);
    return s;
}
