/* test_alloc.c — every runtime constructor under allocation failure: each
 * failed allocation gives -ENOMEM, leaks nothing, and the scheduler goes on. */
#include "tests/sweep.h"

static int mk_chan(void **o) { return gr_chan_create((gr_chan **)o, "c", 8, 4); }
static void fr_chan(void *o) { gr_chan_release(o); }
static int mk_ctx(void **o) { return gr_ctx_with_timeout((gr_ctx **)o, gr_ctx_background(), GR_MS(5)); }
static void fr_ctx(void *o) { gr_ctx_release(o); }
static int mk_wg(void **o) { return gr_wg_create((gr_wg **)o, "wg"); }
static void fr_wg(void *o) { gr_wg_release(o); }
static int mk_sem(void **o) { return gr_sem_create((gr_sem **)o, "sem", 3); }
static void fr_sem(void *o) { gr_sem_release(o); }
static int mk_group(void **o) { return gr_group_create((gr_group **)o, NULL, "g", 2); }
static void fr_group(void *o) { gr_group_release(o); }
static int mk_timer(void **o) { return gr_timer_create((gr_timer **)o, "t", GR_MS(1)); }
static void fr_timer(void *o) { gr_timer_release(o); }
static int mk_ticker(void **o) { return gr_ticker_create((gr_ticker **)o, "tk", GR_MS(1)); }
static void fr_ticker(void *o) { gr_ticker_release(o); }
static int mk_gate(void **o) { return gr_gate_create((gr_gate **)o, "gate", GR_WAIT_GATE); }
static void fr_gate(void *o) { gr_gate_release(o); }

static const struct {
    sweep_make mk;
    sweep_free fr;
} objects[] = {
    {mk_chan, fr_chan},   {mk_ctx, fr_ctx},     {mk_wg, fr_wg},         {mk_sem, fr_sem},
    {mk_group, fr_group}, {mk_timer, fr_timer}, {mk_ticker, fr_ticker}, {mk_gate, fr_gate},
};

static void objects_main(void *arg)
{
    int *injected = arg;
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        void *o = NULL; /* once first: capacities (timer heap, ...) grown */
        TCHECK(objects[i].mk(&o), 0);
        objects[i].fr(o);
        int n = sweep(objects[i].mk, objects[i].fr, 0);
        TCHECK(n > 0 || !af_available(), 1); /* every constructor allocates */
        *injected += n;
    }
}

START_TEST(object_constructors_fail_cleanly)
{
    int injected = 0;
    sim_ok(objects_main, &injected);
    if (af_available())
        ck_assert_int_ge(injected, 8);
}
END_TEST

/* Spawning the task that needs a new slab of task structs (and grows the
 * run queue and timer heap): each failure is -ENOMEM, nothing spawned. */
static gr_chan *gate_ch;

static void parked(void *arg)
{
    (void)arg;
    gr_chan_recv(gate_ch, NULL);
}

static int mk_task(void **o)
{
    (void)o;
    int64_t id = gr_spawn(parked, NULL, "parked");
    return id < 0 ? (int)id : 0;
}

static void spawn_main(void *arg)
{
    int *injected = arg;
    gate_ch = mkchan("gate", 0, 0);
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    while (st.live < 256) { /* fill the first slab of 256 task structs */
        TCHECK(mk_task(NULL), 0);
        gr_sched_stats_get(gr_current(), &st);
    }
    uint64_t live = st.live;
    *injected = sweep(mk_task, NULL, 0);
    gr_sched_stats_get(gr_current(), &st);
    TCHECK(st.live, live + 1); /* exactly the one that succeeded */
    gr_chan_close(gate_ch);
}

START_TEST(spawn_fails_cleanly)
{
    int injected = 0;
    sim_ok(spawn_main, &injected);
    if (af_available())
        ck_assert_int_ge(injected, 1);
}
END_TEST

static int mk_sched(void **o) { return gr_sched_create((gr_sched **)o, NULL); }
static void fr_sched(void *o) { gr_sched_release(o); }

START_TEST(sched_create_fails_cleanly)
{
    fail_msg[0] = 0;
    int n = sweep(mk_sched, fr_sched, 0);
    TCHECKED();
    if (af_available())
        ck_assert_int_ge(n, 2);
}
END_TEST

Suite *suite_runtime_alloc(void)
{
    Suite *s = suite_create("runtime_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_add_test(tc, object_constructors_fail_cleanly);
    tcase_add_test(tc, spawn_fails_cleanly);
    tcase_add_test(tc, sched_create_fails_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
