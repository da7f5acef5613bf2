/* test_kinds.c — what each fault kind does to the runtime, to the virtual nanosecond. */
#include <errno.h>
#include <string.h>

#include "tests/inject/injutil.h"

/* ------------------------------------------------------------ helpers */

#define TSTR(got, want) tstr((got), (want), #got, __LINE__)

static void tstr(const char *got, const char *want, const char *what, int line)
{
    if ((!got || strcmp(got, want) != 0) && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg, "line %d: %s = \"%.80s\", want \"%.80s\"", line,
                 what, got ? got : "(null)", want);
}

/* Arm sp; a refusal is a failed check carrying the injector's message. */
static int arm(inj *j, inj_spec sp)
{
    char err[128] = "";
    int h = inj_arm(j, &sp, err, sizeof err);
    if (h <= 0 && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg, "inj_arm(%.60s) = %d: %.100s", sp.point, h, err);
    return h;
}

/* State of task id and what it is blocked on, as a report prints it. */
static gr_task_state task_state(uint64_t id, char *on, size_t len)
{
    gr_task_info ti[8];
    size_t n = gr_sched_tasks(gr_current(), 0, ti, 8);
    snprintf(on, len, "(no task %llu)", (unsigned long long)id);
    for (size_t i = 0; i < n && i < 8; i++)
        if (ti[i].id == id) {
            gr_task_blocked_on(&ti[i], on, len);
            return ti[i].state;
        }
    return (gr_task_state)-1;
}

/* A task that sends one value and records when its send returned. */
struct snd {
    gr_chan *ch;
    int rc;
    int64_t at;
    int64_t id;
};

static void sender(void *arg)
{
    struct snd *s = arg;
    int v = 9;
    s->rc = gr_chan_send(s->ch, &v);
    s->at = gr_now();
}

static void start_sender(struct snd *s, gr_chan *ch)
{
    *s = (struct snd){.ch = ch, .rc = 1, .at = -1};
    s->id = gr_spawn(sender, s, "sender");
    TCHECK(s->id > 0, 1);
}

static void noop(void *arg)
{
    (void)arg;
}

/* ------------------------------------------------------------ delay */

static void delay_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = spec("chan/jobs/send", INJ_DELAY);
    sp.by = GR_MS(50);
    arm(j, sp);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4), *other = mkchan("other", sizeof(int), 4);
    struct snd s;
    gr_sleep(GR_MS(10));
    start_sender(&s, ch); /* reaches the point at 10ms */
    gr_sleep(GR_MS(49));  /* 59ms: still delayed, nothing sent */
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(s.at, -1);
    int v = 0;
    TCHECK(gr_chan_recv(ch, &v), 0); /* the value lands at 60ms exactly */
    TCHECK(gr_now(), GR_MS(60));
    TCHECK(v, 9);
    gr_sleep(1);
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(60));
    int64_t t0 = gr_now();
    TCHECK(gr_chan_send(ch, &v), 0); /* the main task's own send: delayed too */
    TCHECK(gr_now() - t0, GR_MS(50));
    t0 = gr_now();
    TCHECK(gr_chan_recv(ch, &v), 0); /* recv on the same channel: not delayed */
    TCHECK(gr_chan_send(other, &v), 0); /* another channel: not delayed */
    TCHECK(gr_now(), t0);
    inj_release(j);
}

START_TEST(delay_holds_send_exactly_by)
{
    sim_ok(delay_main, NULL);
}
END_TEST

#define NJ 300

struct jit {
    uint64_t seed;
    inj_dist dist;
    int64_t by, jitter;
    int64_t d[NJ];
};

static void jitter_main(void *arg)
{
    struct jit *t = arg;
    inj *j = tu_inj(t->seed, 0);
    inj_spec sp = spec("chan/jobs/send", INJ_DELAY);
    sp.by = t->by;
    sp.jitter = t->jitter;
    sp.dist = t->dist;
    arm(j, sp);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 0;
    for (int i = 0; i < NJ; i++) {
        int64_t t0 = gr_now();
        TCHECK(gr_chan_send(ch, &v), 0);
        t->d[i] = gr_now() - t0;
        TCHECK(gr_chan_recv(ch, &v), 0);
    }
    inj_release(j);
}

/* Run the jitter scenario twice with the same seed: identical delays. */
static void jitter_twice(struct jit *a)
{
    static struct jit b;
    b = *a;
    sim_ok(jitter_main, a);
    sim_ok(jitter_main, &b);
    for (int i = 0; i < NJ; i++)
        ck_assert_msg(a->d[i] == b.d[i], "delay %d: %lld then %lld with the same seed", i,
                      (long long)a->d[i], (long long)b.d[i]);
}

START_TEST(jitter_uniform_in_range_reproducible)
{
    static struct jit a = {.seed = 7, .dist = INJ_DIST_UNIFORM, .by = GR_MS(10),
                           .jitter = GR_MS(5)};
    jitter_twice(&a);
    int64_t lo = a.d[0], hi = a.d[0];
    for (int i = 0; i < NJ; i++) {
        ck_assert_msg(a.d[i] >= a.by && a.d[i] < a.by + a.jitter, "delay %d = %lld", i,
                      (long long)a.d[i]);
        lo = a.d[i] < lo ? a.d[i] : lo;
        hi = a.d[i] > hi ? a.d[i] : hi;
    }
    ck_assert_int_lt(lo, a.by + GR_MS(1)); /* spread over the range */
    ck_assert_int_gt(hi, a.by + GR_MS(4));
}
END_TEST

START_TEST(jitter_exponential_capped_reproducible)
{
    static struct jit a = {.seed = 9, .dist = INJ_DIST_EXPONENTIAL, .by = GR_MS(1),
                           .jitter = GR_MS(2)};
    jitter_twice(&a);
    int64_t sum = 0, above_mean = 0;
    for (int i = 0; i < NJ; i++) {
        ck_assert_msg(a.d[i] >= a.by && a.d[i] <= a.by + 20 * a.jitter, "delay %d = %lld", i,
                      (long long)a.d[i]);
        sum += a.d[i] - a.by;
        above_mean += a.d[i] > a.by + a.jitter;
    }
    int64_t mean = sum / NJ; /* Exp(mean 2ms): 300 draws average 2ms +- 0.12ms */
    ck_assert_int_gt(mean, GR_US(1500));
    ck_assert_int_lt(mean, GR_US(2500));
    ck_assert_int_gt(above_mean, 0); /* not bounded by jitter like uniform */
}
END_TEST

/* ------------------------------------------------------------ error */

static void receiver(void *arg)
{
    int v;
    gr_chan_recv(arg, &v);
}

static void error_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    inj_spec sp = spec("chan/jobs/send", INJ_ERROR);
    sp.err = EIO;
    int h = arm(j, sp);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4), *unbuf = mkchan("u", sizeof(int), 0);
    int v = 3;
    TCHECK(gr_chan_send(ch, &v), -EIO);
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(gr_chan_try_send(ch, &v), -EIO); /* error applies at try-send too */
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(gr_chan_try_recv(ch, &v), -EAGAIN);
    TCHECK(gr_now(), 0);
    TCHECK(inj_disarm(j, h), 0);
    TCHECK(gr_chan_send(ch, &v), 0);
    TCHECK(gr_chan_len(ch), 1);
    /* a waiting receiver gets nothing from a failed send */
    sp.point = "chan/u/send";
    arm(j, sp);
    gr_spawn(receiver, unbuf, "rx");
    gr_sleep(GR_MS(1));
    TCHECK(gr_chan_send(unbuf, &v), -EIO);
    TCHECK(gr_now(), GR_MS(1));
    inj_release(j);
    TCHECK(gr_chan_try_send(unbuf, &v), 0); /* the receiver was still waiting */
}

START_TEST(error_fails_send_channel_stays_empty)
{
    sim_ok(error_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ full */

static void full_disarm_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    int h = arm(j, spec("chan/jobs/send", INJ_FULL));
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 1;
    TCHECK(gr_chan_try_send(ch, &v), -EAGAIN);
    TCHECK(gr_chan_len(ch), 0);
    struct snd s;
    start_sender(&s, ch);
    gr_sleep(GR_MS(30));
    char on[96];
    TCHECK(task_state((uint64_t)s.id, on, sizeof on), GR_TASK_BLOCKED);
    TCHECK(s.at, -1);
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(inj_disarm(j, h), 0);
    gr_sleep(1);
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(30)); /* proceeds at the time of the disarm */
    TCHECK(gr_chan_len(ch), 1);
    TCHECK(gr_chan_try_send(ch, &v), 0);
    inj_release(j);
}

START_TEST(full_holds_send_until_disarm)
{
    sim_ok(full_disarm_main, NULL);
}
END_TEST

static void full_window_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    inj_spec sp = spec("chan/jobs/send", INJ_FULL);
    sp.to = GR_MS(40);
    arm(j, sp);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    struct snd s;
    start_sender(&s, ch);
    gr_sleep(GR_MS(20));
    TCHECK(s.at, -1);
    TCHECK(gr_chan_len(ch), 0);
    gr_sleep(GR_MS(30));
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(40)); /* held until the window's end */
    TCHECK(gr_chan_len(ch), 1);
    int v = 2;
    TCHECK(gr_chan_try_send(ch, &v), 0); /* window over: no more full */
    inj_release(j);
}

START_TEST(full_holds_send_until_window_end)
{
    sim_ok(full_window_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ block */

static void expect_blocked(const struct snd *s)
{
    char on[96];
    TCHECK(task_state((uint64_t)s->id, on, sizeof on), GR_TASK_BLOCKED);
    TSTR(on, "fault block at chan/jobs/send");
    TCHECK(s->at, -1);
}

static void block_disarm_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    int h = arm(j, spec("chan/jobs/send", INJ_BLOCK));
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    struct snd s;
    start_sender(&s, ch);
    gr_sleep(GR_MS(10));
    expect_blocked(&s);
    TCHECK(gr_chan_len(ch), 0);
    gr_sleep(GR_MS(15));
    TCHECK(inj_disarm(j, h), 0);
    gr_sleep(1);
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(25));
    TCHECK(gr_chan_len(ch), 1);
    inj_release(j);
}

START_TEST(block_parks_until_disarm)
{
    sim_ok(block_disarm_main, NULL);
}
END_TEST

static void block_clear_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    arm(j, spec("chan/jobs/send", INJ_BLOCK));
    arm(j, spec("chan/idle/recv", INJ_BLOCK));
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    struct snd a, b;
    start_sender(&a, ch);
    start_sender(&b, ch);
    gr_sleep(GR_MS(5));
    expect_blocked(&a);
    expect_blocked(&b);
    TCHECK(inj_clear(j), 2);
    gr_sleep(1);
    TCHECK(a.at, GR_MS(5));
    TCHECK(b.at, GR_MS(5));
    TCHECK(a.rc + b.rc, 0);
    TCHECK(gr_chan_len(ch), 2);
    inj_release(j);
}

START_TEST(block_released_by_clear)
{
    sim_ok(block_clear_main, NULL);
}
END_TEST

/* Two blocks fire at one send: it stays parked until both are cleared, in
 * either order. */
static void two_blocks_main(void *arg)
{
    bool in_order = *(bool *)arg;
    inj *j = tu_inj(1, 0);
    int h1 = arm(j, spec("chan/jobs/send", INJ_BLOCK));
    int h2 = arm(j, spec("chan/jobs/send", INJ_BLOCK));
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    struct snd s;
    start_sender(&s, ch);
    gr_sleep(GR_MS(10));
    expect_blocked(&s);
    TCHECK(inj_disarm(j, in_order ? h1 : h2), 0);
    gr_sleep(GR_MS(10));
    expect_blocked(&s); /* the other block still holds it */
    TCHECK(inj_disarm(j, in_order ? h2 : h1), 0);
    gr_sleep(1);
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(20));
    TCHECK(gr_chan_len(ch), 1);
    inj_release(j);
}

START_TEST(two_blocks_hold_until_both_cleared)
{
    bool in_order = true;
    sim_ok(two_blocks_main, &in_order);
}
END_TEST

START_TEST(two_blocks_cleared_in_reverse_order)
{
    bool in_order = false;
    sim_ok(two_blocks_main, &in_order);
}
END_TEST

static void release_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    arm(j, spec("chan/jobs/send", INJ_BLOCK));
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    struct snd s;
    start_sender(&s, ch);
    gr_sleep(GR_MS(5));
    expect_blocked(&s);
    inj_release(j); /* disarms everything: the sender goes on */
    gr_sleep(1);
    TCHECK(s.rc, 0);
    TCHECK(s.at, GR_MS(5));
    int v = 0;
    TCHECK(gr_chan_recv(ch, &v), 0);
    TCHECK(gr_chan_send(ch, &v), 0); /* no hook left */
    TCHECK(gr_now(), GR_MS(5) + 1);
}

START_TEST(release_frees_parked_tasks)
{
    sim_ok(release_main, NULL);
}
END_TEST

struct leak {
    inj *j;
    struct snd s;
};

static void block_leak_main(void *arg)
{
    struct leak *l = arg;
    l->j = tu_inj(1, 0);
    arm(l->j, spec("chan/jobs/send", INJ_BLOCK));
    start_sender(&l->s, mkchan("jobs", sizeof(int), 4));
    gr_sleep(GR_MS(5)); /* returns with the sender still parked */
}

START_TEST(block_never_cleared_leaks)
{
    static struct leak l;
    gr_sched *s = sim_run(block_leak_main, &l);
    gr_task_info ti[4];
    ck_assert_uint_eq(gr_sched_tasks(s, 1, ti, 4), 1); /* leak report after main */
    ck_assert_uint_eq(ti[0].id, (uint64_t)l.s.id);
    ck_assert_int_eq(ti[0].state, GR_TASK_BLOCKED);
    char on[96];
    gr_task_blocked_on(&ti[0], on, sizeof on);
    ck_assert_str_eq(on, "fault block at chan/jobs/send");
    ck_assert_int_eq(l.s.at, -1);
    inj_release(l.j);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ spawn_fail */

static void spawn_fail_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    int h = arm(j, spec("task/spawn/worker", INJ_SPAWN_FAIL));
    gr_sched_stats before, after;
    gr_sched_stats_get(gr_current(), &before);
    TCHECK(gr_spawn(noop, NULL, "worker"), -EAGAIN);
    TCHECK(gr_spawn(noop, NULL, "other") > 0, 1);
    gr_sched_stats_get(gr_current(), &after);
    TCHECK(after.spawned - before.spawned, 1);
    TCHECK(inj_disarm(j, h), 0);
    inj_spec sp = spec("task/spawn/worker", INJ_SPAWN_FAIL);
    sp.err = ENOMEM;
    h = arm(j, sp);
    TCHECK(gr_spawn(noop, NULL, "worker"), -ENOMEM);
    TCHECK(inj_disarm(j, h), 0);
    TCHECK(gr_spawn(noop, NULL, "worker") > 0, 1);
    inj_release(j);
}

START_TEST(spawn_fail_fails_spawn)
{
    sim_ok(spawn_fail_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ try ops */

static void try_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    inj_spec sp = spec("chan/jobs/send", INJ_DELAY);
    sp.by = GR_MS(50);
    arm(j, sp);
    arm(j, spec("chan/jobs/recv", INJ_BLOCK));
    arm(j, spec("chan/jobs/send", INJ_BLOCK));
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 4;
    TCHECK(gr_chan_try_send(ch, &v), 0);
    TCHECK(gr_chan_try_recv(ch, &v), 0);
    TCHECK(gr_chan_try_recv(ch, &v), -EAGAIN);
    TCHECK(gr_now(), 0);
    inj_armed a[3];
    TCHECK(inj_list(j, a, 3), 3);
    for (int i = 0; i < 3; i++) /* not even a hit */
        TCHECK(a[i].hits + a[i].fired, 0);
    inj_release(j);
}

START_TEST(delay_and_block_skip_try_ops)
{
    sim_ok(try_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ several */

/* Arm a 20ms delay and an EIO error at chan/jobs/send in the given order. */
static void order_main(void *arg)
{
    bool delay_first = *(bool *)arg;
    inj *j = tu_inj(1, 0);
    inj_spec d = spec("chan/jobs/send", INJ_DELAY), e = spec("chan/jobs/send", INJ_ERROR);
    d.by = GR_MS(20);
    e.err = EIO;
    arm(j, delay_first ? d : e);
    arm(j, delay_first ? e : d);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 1;
    TCHECK(gr_chan_send(ch, &v), -EIO); /* after the delay */
    TCHECK(gr_now(), GR_MS(20));
    TCHECK(gr_chan_len(ch), 0);
    inj_event ev[2];
    TCHECK(inj_events(j, ev, 2), 2); /* logged in arming order */
    TCHECK(ev[0].kind, delay_first ? INJ_DELAY : INJ_ERROR);
    TCHECK(ev[1].kind, delay_first ? INJ_ERROR : INJ_DELAY);
    inj_release(j);
}

START_TEST(delay_then_error_returns_error_after_delay)
{
    bool delay_first = true;
    sim_ok(order_main, &delay_first);
}
END_TEST

START_TEST(error_then_delay_still_sleeps)
{
    bool delay_first = false;
    sim_ok(order_main, &delay_first);
}
END_TEST

static void first_error_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(1, 0);
    inj_spec a = spec("chan/jobs/send", INJ_ERROR), b = a;
    a.err = EIO;
    b.err = ENOSPC;
    int ha = arm(j, a);
    arm(j, b);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 1;
    TCHECK(gr_chan_send(ch, &v), -EIO);
    TCHECK(inj_disarm(j, ha), 0);
    TCHECK(gr_chan_send(ch, &v), -ENOSPC);
    inj_spec f = spec("task/spawn/worker", INJ_SPAWN_FAIL), e = spec("task/spawn/*", INJ_ERROR);
    e.err = EPERM;
    arm(j, f);
    arm(j, e);
    TCHECK(gr_spawn(noop, NULL, "worker"), -EAGAIN);
    TCHECK(gr_spawn(noop, NULL, "other"), -EPERM);
    inj_release(j);
}

START_TEST(first_armed_error_decides)
{
    sim_ok(first_error_main, NULL);
}
END_TEST

Suite *suite_inject_kinds(void)
{
    Suite *s = suite_create("inject_kinds");
    TCase *tc = tcase_create("kinds");
    tcase_add_test(tc, delay_holds_send_exactly_by);
    tcase_add_test(tc, jitter_uniform_in_range_reproducible);
    tcase_add_test(tc, jitter_exponential_capped_reproducible);
    tcase_add_test(tc, error_fails_send_channel_stays_empty);
    tcase_add_test(tc, full_holds_send_until_disarm);
    tcase_add_test(tc, full_holds_send_until_window_end);
    tcase_add_test(tc, block_parks_until_disarm);
    tcase_add_test(tc, block_released_by_clear);
    tcase_add_test(tc, two_blocks_hold_until_both_cleared);
    tcase_add_test(tc, two_blocks_cleared_in_reverse_order);
    tcase_add_test(tc, release_frees_parked_tasks);
    tcase_add_test(tc, block_never_cleared_leaks);
    tcase_add_test(tc, spawn_fail_fails_spawn);
    tcase_add_test(tc, delay_and_block_skip_try_ops);
    tcase_add_test(tc, delay_then_error_returns_error_after_delay);
    tcase_add_test(tc, error_then_delay_still_sleeps);
    tcase_add_test(tc, first_armed_error_decides);
    suite_add_tcase(s, tc);
    return s;
}
