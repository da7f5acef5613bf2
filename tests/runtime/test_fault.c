/* test_fault.c — the runtime's fail-point hook (which points call it, with
 * what names, what its answers do, how often "armed" is asked) and gates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

/* A fake fault layer: arms the names listed in `armed`, answers every hit
 * with `answer`, and records what it was asked. */
struct fake {
    const char *armed[4];
    int answer;
    bool full;
    int64_t full_until;      /* select: full holds while now < full_until */
    int armed_calls, hits, full_calls;
    char last[64];
    bool last_can_block;
};

static struct fake fk;

static bool fake_armed(void *ctx, const char *name)
{
    struct fake *f = ctx;
    f->armed_calls++;
    for (int i = 0; i < 4 && f->armed[i]; i++)
        if (strcmp(f->armed[i], name) == 0)
            return true;
    return false;
}

static int fake_hit(void *ctx, const char *name, bool can_block, int64_t deadline,
                    gr_fault_res *res)
{
    (void)deadline;
    struct fake *f = ctx;
    res->full = f->full;
    f->hits++;
    snprintf(f->last, sizeof f->last, "%s", name);
    f->last_can_block = can_block;
    return f->answer;
}

static bool fake_full(void *ctx, const char *name, int64_t *until)
{
    struct fake *f = ctx;
    f->full_calls++;
    snprintf(f->last, sizeof f->last, "%s", name);
    *until = f->full_until;
    return f->full && (f->full_until == GR_FOREVER || gr_now() < f->full_until);
}

static void arm(const char *a, const char *b, int answer)
{
    memset(&fk, 0, sizeof fk);
    fk.armed[0] = a;
    fk.armed[1] = b;
    fk.answer = answer;
    fk.full_until = GR_FOREVER;
    gr_fault_hook h = {.armed = fake_armed, .hit = fake_hit, .full = fake_full, .ctx = &fk};
    gr_sched_set_fault_hook(gr_current(), &h);
    gr_sched_faults_changed(gr_current(), true);
}

/* ------------------------------------------------------------ channels */

static void nothing_armed_main(void *arg)
{
    (void)arg;
    gr_fault_hook h = {.armed = fake_armed, .hit = fake_hit, .ctx = &fk};
    memset(&fk, 0, sizeof fk);
    gr_sched_set_fault_hook(gr_current(), &h); /* hook, but nothing armed */
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 1;
    TCHECK(gr_chan_send(ch, &v), 0);
    TCHECK(gr_chan_recv(ch, &v), 0);
    TCHECK(fk.armed_calls + fk.hits, 0);
}

START_TEST(no_calls_when_nothing_armed)
{
    sim_ok(nothing_armed_main, NULL);
}
END_TEST

static void names_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 7;
    arm("chan/jobs/send", "chan/jobs/recv", 0);
    TCHECK(gr_chan_send(ch, &v), 0);
    TCHECK(strcmp(fk.last, "chan/jobs/send"), 0);
    TCHECK(fk.last_can_block, true);
    TCHECK(gr_chan_try_send(ch, &v), 0);
    TCHECK(fk.last_can_block, false);
    TCHECK(gr_chan_recv(ch, &v), 0);
    TCHECK(strcmp(fk.last, "chan/jobs/recv"), 0);
    bool ok;
    TCHECK(gr_chan_recv_ok(ch, &v, &ok), 0);
    TCHECK(gr_chan_try_recv(ch, &v), -EAGAIN);
    TCHECK(fk.last_can_block, false);
    TCHECK(fk.hits, 5);
    TCHECK(fk.armed_calls, 2); /* once per point until the armed set changes */
    gr_sched_faults_changed(gr_current(), true);
    TCHECK(gr_chan_try_send(ch, &v), 0);
    TCHECK(fk.armed_calls, 4);
}

START_TEST(points_named_and_armed_asked_once)
{
    sim_ok(names_main, NULL);
}
END_TEST

static void only_armed_main(void *arg)
{
    (void)arg;
    gr_chan *a = mkchan("a", sizeof(int), 4), *b = mkchan("b", sizeof(int), 4);
    int v = 1;
    arm("chan/b/recv", NULL, 0);
    TCHECK(gr_chan_send(a, &v), 0); /* armed elsewhere: no hit */
    TCHECK(gr_chan_send(b, &v), 0);
    TCHECK(gr_chan_recv(a, &v), 0);
    TCHECK(fk.hits, 0);
    TCHECK(gr_chan_recv(b, &v), 0);
    TCHECK(fk.hits, 1);
}

START_TEST(only_armed_points_hit)
{
    sim_ok(only_armed_main, NULL);
}
END_TEST

static void error_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int v = 1;
    arm("chan/jobs/send", "chan/jobs/recv", -EIO);
    TCHECK(gr_chan_send(ch, &v), -EIO);
    TCHECK(gr_chan_try_send(ch, &v), -EIO);
    TCHECK(gr_chan_len(ch), 0); /* nothing was sent */
    TCHECK(gr_chan_recv(ch, &v), -EIO);
    TCHECK(gr_chan_try_recv(ch, &v), -EIO);
    fk.answer = 0;
    fk.full = true;
    TCHECK(gr_chan_try_send(ch, &v), -EAGAIN);
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(gr_chan_send(ch, &v), 0); /* a blocking send waits in hit() itself */
    TCHECK(gr_chan_len(ch), 1);
}

START_TEST(answers_fail_or_fill_the_operation)
{
    sim_ok(error_main, NULL);
}
END_TEST

static void noop(void *arg)
{
    (void)arg;
}

static void spawn_main(void *arg)
{
    (void)arg;
    arm("task/spawn/worker", NULL, -EAGAIN);
    gr_sched_stats before, after;
    gr_sched_stats_get(gr_current(), &before);
    TCHECK(gr_spawn(noop, NULL, "worker"), -EAGAIN);
    TCHECK(strcmp(fk.last, "task/spawn/worker"), 0);
    TCHECK(gr_spawn(noop, NULL, "other") > 0, 1);
    gr_sched_stats_get(gr_current(), &after);
    TCHECK(after.spawned - before.spawned, 1);
    gr_sched_set_fault_hook(gr_current(), NULL); /* removed: nothing fires */
    TCHECK(gr_spawn(noop, NULL, "worker") > 0, 1);
}

START_TEST(spawn_point_fails_spawn)
{
    sim_ok(spawn_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ gates */

struct gatet {
    gr_gate *g;
    int passed;
    int64_t at[3];
};

static void gate_waiter(void *arg)
{
    struct gatet *t = arg;
    TCHECK(gr_gate_wait(t->g, GR_FOREVER), 0);
    t->at[t->passed++] = gr_now();
}

static void gate_main(void *arg)
{
    struct gatet *t = arg;
    TCHECK(gr_gate_create(&t->g, "chan/jobs/send", GR_WAIT_FAULT_BLOCK), 0);
    for (int i = 0; i < 3; i++)
        gr_spawn(gate_waiter, t, "w");
    gr_sleep(GR_MS(10));
    TCHECK(t->passed, 0);
    TCHECK(gr_gate_waiting(t->g), 3);
    TCHECK(gr_gate_release(t->g), -EBUSY);
    gr_gate_open(t->g);
    gr_sleep(1);
    TCHECK(t->passed, 3);
    TCHECK(gr_gate_wait(t->g, GR_FOREVER), 0); /* open: passes */
    gr_gate_close(t->g);
    int64_t t0 = gr_now();
    TCHECK(gr_gate_wait(t->g, t0 + GR_MS(5)), -ETIMEDOUT);
    TCHECK(gr_now() - t0, GR_MS(5));
    TCHECK(gr_gate_wait(t->g, 0), -ETIMEDOUT); /* past deadline: no wait */
    TCHECK(gr_gate_release(t->g), 0);
}

START_TEST(gate_blocks_until_open)
{
    struct gatet t = {0};
    sim_ok(gate_main, &t);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(t.at[i], GR_MS(10));
}
END_TEST

static void gate_stuck(void *arg)
{
    gr_gate_wait(arg, GR_FOREVER);
}

static void gate_leak_main(void *arg)
{
    gr_gate **g = arg;
    TCHECK(gr_gate_create(g, "chan/jobs/send", GR_WAIT_FAULT_BLOCK), 0);
    gr_spawn(gate_stuck, *g, "stuck");
    gr_sleep(1); /* a yield may pick main again (sim picks at random) */
    gr_gate *bad;
    TCHECK(gr_gate_create(&bad, "x", (gr_wait)99), -EINVAL);
    TCHECK(gr_gate_create(NULL, "x", GR_WAIT_GATE), -EINVAL);
}

START_TEST(gate_waiter_in_leak_report)
{
    gr_gate *g = NULL;
    gr_sched *s = sim_run(gate_leak_main, &g);
    gr_task_info ti[2];
    ck_assert_uint_eq(gr_sched_tasks(s, 0, ti, 2), 1);
    char buf[128];
    gr_task_blocked_on(&ti[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "fault block at chan/jobs/send");
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ select under full */

/* A send case held by `full` is not ready while the fault lasts: the
 * select waits until its window ends (then sends), whatever room the
 * channel has. */
static void held_until_window_end_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    arm("chan/jobs/send", NULL, 0);
    fk.full = true;
    fk.full_until = gr_now() + GR_MS(10);
    int v = 7;
    gr_case cs[1] = {GR_SEND(ch, &v)};
    int64_t t0 = gr_now();
    TCHECK(gr_select(cs, 1, GR_FOREVER), 0);
    TCHECK(gr_now() - t0, GR_MS(10));
    TCHECK(gr_chan_len(ch), 1);
    TCHECK(fk.full_calls, 2); /* a look at the start, one at the window's end */
    TCHECK(strcmp(fk.last, "chan/jobs/send"), 0);
    TCHECK(fk.hits, 0);       /* the select asks full(), never hit() */
}

START_TEST(select_send_held_until_the_window_ends)
{
    sim_ok(held_until_window_end_main, NULL);
}
END_TEST

typedef struct held_arg {
    gr_chan *jobs, *quit;
    int got;                 /* receiver: gr_select's answer */
} held_arg;

static void receiver(void *p)
{
    held_arg *a = p;
    int v;
    gr_case cs[1] = {GR_RECV(a->jobs, &v)};
    a->got = gr_select(cs, 1, gr_deadline_in(GR_MS(20)));
}

static void closer_at_5ms(void *p)
{
    held_arg *a = p;
    gr_sleep(GR_MS(5));
    gr_chan_close(a->quit);
}

/* While held, the send case is not queued: a receiver waiting on the
 * (unbuffered) channel does not get its value; the select's other case
 * still fires. */
static void held_other_case_main(void *arg)
{
    (void)arg;
    held_arg a = {.jobs = mkchan("jobs", sizeof(int), 0), .quit = mkchan("quit", 0, 0)};
    arm("chan/jobs/send", NULL, 0);
    fk.full = true;
    TCHECK(gr_spawn(receiver, &a, "receiver") > 0, 1);
    TCHECK(gr_spawn(closer_at_5ms, &a, "closer") > 0, 1);
    int v = 1;
    gr_case cs[2] = {GR_SEND(a.jobs, &v), GR_RECV(a.quit, NULL)};
    int64_t t0 = gr_now();
    TCHECK(gr_select(cs, 2, GR_FOREVER), 1);
    TCHECK(gr_now() - t0, GR_MS(5));
    gr_sleep(GR_MS(30));
    TCHECK(a.got, -ETIMEDOUT); /* it never saw the held value */
}

START_TEST(select_held_case_is_not_offered)
{
    sim_ok(held_other_case_main, NULL);
}
END_TEST

static void clearer_at_7ms(void *p)
{
    (void)p;
    gr_sleep(GR_MS(7));
    fk.full = false; /* the fault layer cleared it ... */
    gr_sched_faults_changed(gr_current(), true); /* ... and says so */
}

/* A fault cleared before its window ends releases the select at once; a
 * select's own deadline still applies; a poll answers at once. */
static void held_cleared_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    arm("chan/jobs/send", NULL, 0);
    fk.full = true;
    int v = 1;
    gr_case cs[1] = {GR_SEND(ch, &v)};
    int64_t t0 = gr_now();
    TCHECK(gr_select(cs, 1, gr_now()), -EAGAIN);
    TCHECK(gr_select(cs, 1, gr_deadline_in(GR_MS(3))), -ETIMEDOUT);
    TCHECK(gr_now() - t0, GR_MS(3));
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(gr_spawn(clearer_at_7ms, NULL, "clearer") > 0, 1);
    TCHECK(gr_select(cs, 1, GR_FOREVER), 0);
    TCHECK(gr_now() - t0, GR_MS(7) + GR_MS(3));
    TCHECK(gr_chan_len(ch), 1);
    gr_sched_set_fault_hook(gr_current(), NULL);
}

START_TEST(select_released_when_the_fault_clears)
{
    sim_ok(held_cleared_main, NULL);
}
END_TEST

Suite *suite_runtime_fault(void)
{
    Suite *s = suite_create("runtime_fault");
    TCase *tc = tcase_create("fault");
    tcase_add_test(tc, no_calls_when_nothing_armed);
    tcase_add_test(tc, points_named_and_armed_asked_once);
    tcase_add_test(tc, only_armed_points_hit);
    tcase_add_test(tc, answers_fail_or_fill_the_operation);
    tcase_add_test(tc, spawn_point_fails_spawn);
    tcase_add_test(tc, gate_blocks_until_open);
    tcase_add_test(tc, gate_waiter_in_leak_report);
    tcase_add_test(tc, select_send_held_until_the_window_ends);
    tcase_add_test(tc, select_held_case_is_not_offered);
    tcase_add_test(tc, select_released_when_the_fault_clears);
    suite_add_tcase(s, tc);
    return s;
}
