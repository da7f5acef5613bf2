/* test_log.c — the firing log, its cap, exact counts, inj_hit and INJ_POINT. */
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

static inj_spec err_spec(const char *point, int err)
{
    inj_spec sp = spec(point, INJ_ERROR);
    sp.err = err;
    return sp;
}

static inj_spec delay_spec(const char *point, int64_t by)
{
    inj_spec sp = spec(point, INJ_DELAY);
    sp.by = by;
    return sp;
}

static int arm(inj *j, inj_spec sp)
{
    char err[128] = "";
    int h = inj_arm(j, &sp, err, sizeof err);
    if (h <= 0 && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg, "inj_arm(%.60s) = %d: %.100s", sp.point, h, err);
    return h;
}

/* One logged event, field by field. */
static void expect_event(const inj_event *e, int64_t time, inj_kind kind, uint64_t task,
                         const char *task_name, const char *point)
{
    TCHECK(e->time, time);
    TCHECK(e->kind, kind);
    TCHECK(e->task, task);
    TSTR(e->task_name, task_name);
    TSTR(e->point, point);
    TCHECK(e->detail[0] != 0, 1);
}

static void expect_count(const inj_count *c, const char *point, inj_kind kind, uint64_t n)
{
    TSTR(c->point, point);
    TCHECK(c->kind, kind);
    TCHECK(c->count, n);
}

static void noop(void *arg)
{
    (void)arg;
}

/* ------------------------------------------------------------ events */

static void producer(void *arg)
{
    int v = 1;
    gr_sleep_until(GR_MS(10));
    TCHECK(gr_chan_send(arg, &v), -EIO);
}

static void events_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    arm(j, delay_spec("task/spawn/*", GR_MS(3)));
    inj_spec e = err_spec("chan/*", EIO);
    e.max = 1;
    arm(j, e);
    gr_chan *ch = mkchan("jobs", sizeof(int), 4);
    int64_t pid = gr_spawn(producer, ch, "producer"); /* delayed 3ms */
    TCHECK(gr_now(), GR_MS(3));
    gr_sleep_until(GR_MS(20));
    inj_event ev[4];
    memset(ev, 0, sizeof ev);
    TCHECK(inj_events(j, ev, 4), 2);
    expect_event(&ev[0], 0, INJ_DELAY, gr_self(), "main", "task/spawn/producer");
    expect_event(&ev[1], GR_MS(10), INJ_ERROR, (uint64_t)pid, "producer", "chan/jobs/send");
    inj_release(j);
}

START_TEST(events_exact_with_concrete_points)
{
    sim_ok(events_main, NULL);
}
END_TEST

static void blocker(void *arg)
{
    int v;
    gr_chan_recv(arg, &v);
}

static void every_kind_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    arm(j, delay_spec("chan/a/send", GR_MS(1)));
    arm(j, err_spec("chan/b/send", EIO));
    arm(j, spec("chan/c/send", INJ_FULL));
    arm(j, spec("task/spawn/w", INJ_SPAWN_FAIL));
    arm(j, spec("chan/d/recv", INJ_BLOCK));
    gr_chan *a = mkchan("a", sizeof(int), 1), *b = mkchan("b", sizeof(int), 1),
            *c = mkchan("c", sizeof(int), 1), *d = mkchan("d", sizeof(int), 1);
    int v = 0;
    TCHECK(gr_chan_send(a, &v), 0);
    TCHECK(gr_chan_send(b, &v), -EIO);
    TCHECK(gr_chan_try_send(c, &v), -EAGAIN);
    TCHECK(gr_spawn(noop, NULL, "w"), -EAGAIN);
    int64_t bid = gr_spawn(blocker, d, "blk");
    gr_sleep(GR_MS(1));
    inj_event ev[6];
    TCHECK(inj_events(j, ev, 6), 5);
    uint64_t me = gr_self();
    expect_event(&ev[0], 0, INJ_DELAY, me, "main", "chan/a/send");
    expect_event(&ev[1], GR_MS(1), INJ_ERROR, me, "main", "chan/b/send");
    expect_event(&ev[2], GR_MS(1), INJ_FULL, me, "main", "chan/c/send");
    expect_event(&ev[3], GR_MS(1), INJ_SPAWN_FAIL, me, "main", "task/spawn/w");
    expect_event(&ev[4], GR_MS(1), INJ_BLOCK, (uint64_t)bid, "blk", "chan/d/recv");
    inj_release(j); /* releases blk */
}

START_TEST(every_kind_logged)
{
    sim_ok(every_kind_main, NULL);
}
END_TEST

static void log_max_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 5);
    arm(j, err_spec("chan/jobs/send", EIO));
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 0;
    for (int i = 0; i < 8; i++) {
        gr_sleep_until(GR_MS(i));
        TCHECK(gr_chan_send(ch, &v), -EIO);
    }
    inj_event ev[10];
    for (int i = 0; i < 10; i++)
        ev[i].time = -7;
    TCHECK(inj_events(j, ev, 10), 8); /* all counted */
    for (int i = 0; i < 5; i++)       /* the first five kept */
        TCHECK(ev[i].time, GR_MS(i));
    for (int i = 5; i < 10; i++)
        TCHECK(ev[i].time, -7);
    ev[1].time = -7;
    TCHECK(inj_events(j, ev, 1), 8);
    TCHECK(ev[1].time, -7);
    inj_count c[2];
    TCHECK(inj_counts(j, c, 2), 1);
    expect_count(&c[0], "chan/jobs/send", INJ_ERROR, 8);
    inj_release(j);
}

START_TEST(log_max_keeps_five_counts_all)
{
    sim_ok(log_max_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ counts */

static void counts_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 2);
    arm(j, delay_spec("chan/a/send", GR_MS(1)));
    arm(j, err_spec("chan/*", EIO));
    gr_chan *a = mkchan("a", sizeof(int), 4), *b = mkchan("b", sizeof(int), 4);
    int v = 0;
    for (int i = 0; i < 3; i++)
        TCHECK(gr_chan_send(b, &v), -EIO);
    for (int i = 0; i < 4; i++)
        TCHECK(gr_chan_send(a, &v), -EIO);
    for (int i = 0; i < 2; i++)
        TCHECK(gr_chan_recv(b, &v), -EIO);
    TCHECK(gr_now(), GR_MS(4));
    inj_event ev[1];
    TCHECK(inj_events(j, ev, 0), 13);
    inj_count c[5];
    TCHECK(inj_counts(j, c, 5), 4);
    expect_count(&c[0], "chan/b/send", INJ_ERROR, 3);
    expect_count(&c[1], "chan/a/send", INJ_DELAY, 4); /* armed first: applied first */
    expect_count(&c[2], "chan/a/send", INJ_ERROR, 4);
    expect_count(&c[3], "chan/b/recv", INJ_ERROR, 2);
    memset(c, 0, sizeof c);
    TCHECK(inj_counts(j, c, 1), 4);
    expect_count(&c[0], "chan/b/send", INJ_ERROR, 3);
    TCHECK(c[1].count, 0);
    inj_release(j);
}

START_TEST(counts_exact_in_first_firing_order)
{
    sim_ok(counts_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ inj_hit */

static const inj_point_def svc_write[] = {
    {"svc/<name>/write", "a write on connection <name>",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP) | INJ_BIT(INJ_SHORT)},
};

static void hit_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_outcome o;
    TCHECK(inj_hit(j, "svc/c1/write", true, &o), 0); /* nothing armed */
    TCHECK(o.fired, 0);
    int h = arm(j, err_spec("svc/c1/write", ECONNRESET));
    TCHECK(inj_hit(j, "svc/c1/write", true, &o), -ECONNRESET);
    TCHECK(o.fired, INJ_BIT(INJ_ERROR));
    TCHECK(o.err, -ECONNRESET);
    TCHECK(inj_disarm(j, h), 0);
    inj_spec s = spec("svc/c1/write", INJ_SHORT), d = spec("svc/c1/write", INJ_DROP);
    s.bytes = 7;
    d.phase = INJ_PHASE_MID;
    arm(j, s);
    arm(j, d);
    TCHECK(inj_hit(j, "svc/c1/write", true, &o), 0);
    TCHECK(o.fired, INJ_BIT(INJ_SHORT) | INJ_BIT(INJ_DROP));
    TCHECK(o.bytes, 7);
    TCHECK(o.phase, INJ_PHASE_MID);
    TCHECK(inj_hit(j, "svc/c2/write", true, &o), 0); /* another connection */
    TCHECK(o.fired, 0);
    TCHECK(inj_clear(j), 2);
    arm(j, delay_spec("svc/*", GR_MS(5)));
    TCHECK(inj_hit(j, "svc/c1/write", false, &o), 0); /* cannot block: no delay */
    TCHECK(o.fired, 0);
    TCHECK(gr_now(), 0);
    TCHECK(inj_hit(j, "svc/c1/write", true, &o), 0);
    TCHECK(o.fired, INJ_BIT(INJ_DELAY));
    TCHECK(gr_now(), GR_MS(5));
    arm(j, err_spec("svc/c1/write", EPIPE));
    TCHECK(inj_hit(j, "svc/c1/write", false, NULL), -EPIPE); /* out may be NULL */
    inj_event ev[8];
    TCHECK(inj_events(j, ev, 8), 5);
    uint64_t me = gr_self();
    expect_event(&ev[0], 0, INJ_ERROR, me, "main", "svc/c1/write");
    expect_event(&ev[1], 0, INJ_SHORT, me, "main", "svc/c1/write");
    expect_event(&ev[2], 0, INJ_DROP, me, "main", "svc/c1/write");
    expect_event(&ev[3], 0, INJ_DELAY, me, "main", "svc/c1/write");
    expect_event(&ev[4], GR_MS(5), INJ_ERROR, me, "main", "svc/c1/write");
    inj_release(j);
}

START_TEST(inj_hit_at_service_point)
{
    ck_assert_int_eq(inj_catalog_register(svc_write, 1), 0);
    sim_ok(hit_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ INJ_POINT */

static const inj_point_def svc_exec[] = {
    {"svc/<name>/exec", "running a job in pool <name>", INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DELAY)},
};

/* INJ_POINT: 0 with out untouched when nothing, or only another point, is
 * armed; else what inj_hit says. */
static void site_main(void *arg)
{
    (void)arg;
    inj_site site = INJ_SITE("svc/pool/exec");
    inj_outcome o = {.fired = 0xdead};
    inj *none = NULL;
    TCHECK(INJ_POINT(none, &site, true, &o), 0);
    inj *j = tu_inj(42, 0);
    TCHECK(INJ_POINT(j, &site, true, &o), 0);
    TCHECK(o.fired, 0xdead);
    arm(j, err_spec("svc/other/exec", EIO));
    TCHECK(INJ_POINT(j, &site, true, &o), 0); /* the site learns it is not armed */
    TCHECK(o.fired, 0xdead);
    TCHECK(INJ_POINT(j, &site, true, &o), 0); /* from its cache */
    TCHECK(o.fired, 0xdead);
    arm(j, err_spec("svc/pool/*", EIO));
    TCHECK(INJ_POINT(j, &site, true, &o), -EIO);
    TCHECK(o.fired, INJ_BIT(INJ_ERROR));
    TCHECK(o.err, -EIO);
    TCHECK(inj_clear(j), 2);
    o.fired = 0xdead;
    TCHECK(INJ_POINT(j, &site, true, &o), 0);
    TCHECK(o.fired, 0xdead);
    inj_event ev[2];
    TCHECK(inj_events(j, ev, 2), 1);
    expect_event(&ev[0], 0, INJ_ERROR, gr_self(), "main", "svc/pool/exec");
    inj_release(j);
}

START_TEST(inj_point_marks_a_site)
{
    ck_assert_int_eq(inj_catalog_register(svc_exec, 1), 0);
    sim_ok(site_main, NULL);
}
END_TEST

Suite *suite_inject_log(void)
{
    Suite *s = suite_create("inject_log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, events_exact_with_concrete_points);
    tcase_add_test(tc, every_kind_logged);
    tcase_add_test(tc, log_max_keeps_five_counts_all);
    tcase_add_test(tc, counts_exact_in_first_firing_order);
    tcase_add_test(tc, inj_hit_at_service_point);
    tcase_add_test(tc, inj_point_marks_a_site);
    suite_add_tcase(s, tc);
    return s;
}
