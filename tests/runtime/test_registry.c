/* test_registry.c — task registry: leak reports, blocked-on texts, dumps, panic log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

static gr_sched_stats stats_of(const gr_sched *s)
{
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    return st;
}

/* The live task with this id (the test fails if there is none). */
static gr_task_info task_by_id(const gr_sched *s, uint64_t id)
{
    gr_task_info ti;
    memset(&ti, 0, sizeof ti);
    ck_assert_uint_ge(gr_sched_tasks(s, id - 1, &ti, 1), 1);
    ck_assert_uint_eq(ti.id, id);
    return ti;
}

static void blocked_on(const gr_task_info *ti, char *buf, size_t len)
{
    int n = gr_task_blocked_on(ti, buf, len);
    ck_assert_int_eq(n, (int)strlen(buf));
}

static void block_on_chan(void *arg)
{
    gr_chan_recv(arg, NULL);
}

/* ------------------------------------------------------------ leak report */

struct leak {
    uint64_t checkpoint;
    int line;
    gr_chan *jobs;
};

static void leak_main(void *arg)
{
    struct leak *l = arg;
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    l->checkpoint = st.last_id;
    gr_sleep(GR_MS(2));
    TCHECK(gr_chan_create(&l->jobs, "jobs", sizeof(int), 0), 0);
    gr_spawn(block_on_chan, l->jobs, "worker"); l->line = __LINE__;
    gr_sleep(GR_MS(3));
}

START_TEST(leaked_task_reported)
{
    struct leak l = {0};
    gr_sched *s = sim_run(leak_main, &l);
    ck_assert_uint_eq(l.checkpoint, 1);
    gr_task_info ti[4];
    memset(ti, 0, sizeof ti);
    ck_assert_uint_eq(gr_sched_tasks(s, l.checkpoint, ti, 4), 1);
    ck_assert_uint_eq(ti[0].id, 2);
    ck_assert_str_eq(ti[0].name, "worker");
    ck_assert_str_eq(ti[0].file, __FILE__);
    ck_assert_int_eq(ti[0].line, l.line);
    ck_assert_uint_eq(ti[0].parent, 1);
    ck_assert_int_eq(ti[0].state, GR_TASK_BLOCKED);
    ck_assert_int_eq(ti[0].wait, GR_WAIT_CHAN_RECV);
    ck_assert_str_eq(ti[0].wait_obj, "jobs");
    ck_assert_int_eq(ti[0].created, GR_MS(2));
    ck_assert_int_eq(ti[0].blocked_since, GR_MS(2));
    char buf[256];
    blocked_on(&ti[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "chan recv \"jobs\"");
    gr_sched_release(s);
}
END_TEST

START_TEST(report_line_has_name_site_and_wait)
{
    struct leak l = {0};
    gr_sched *s = sim_run(leak_main, &l);
    gr_task_info ti = task_by_id(s, 2);
    char line[512], site[300];
    int n = gr_task_format(&ti, stats_of(s).now, line, sizeof line);
    ck_assert_int_eq(n, (int)strlen(line));
    snprintf(site, sizeof site, "%s:%d", __FILE__, l.line);
    ck_assert_msg(strstr(line, "worker") != NULL, "line: %s", line);
    ck_assert_msg(strstr(line, site) != NULL, "line: %s", line);
    ck_assert_msg(strstr(line, "chan recv \"jobs\"") != NULL, "line: %s", line);
    char small[8];
    memset(small, 'z', sizeof small);
    ck_assert_int_eq(gr_task_format(&ti, stats_of(s).now, small, sizeof small), n);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    gr_sched_release(s);
}
END_TEST

START_TEST(blocked_on_truncates)
{
    struct leak l = {0};
    gr_sched *s = sim_run(leak_main, &l);
    gr_task_info ti = task_by_id(s, 2);
    char buf[8];
    memset(buf, 'z', sizeof buf);
    ck_assert_int_eq(gr_task_blocked_on(&ti, buf, 5), 16);
    ck_assert_str_eq(buf, "chan");
    memset(buf, 'z', sizeof buf);
    ck_assert_int_eq(gr_task_blocked_on(&ti, buf, 0), 16);
    ck_assert_int_eq(buf[0], 'z');
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ wait kinds */

struct kinds {
    gr_chan *never, *out;
    gr_wg *wg;
    gr_sem *sem;
    uint64_t id_select, id_sleep, id_wg, id_sem, id_send, id_gwait, id_ggo;
};

static void k_select(void *arg)
{
    struct kinds *k = arg;
    int v;
    k->id_select = gr_self();
    gr_case cs[3] = {GR_RECV(k->never, &v), GR_RECV(NULL, &v), GR_RECV(k->never, NULL)};
    gr_select(cs, 3, GR_FOREVER);
}

static void k_sleep(void *arg)
{
    struct kinds *k = arg;
    k->id_sleep = gr_self();
    gr_sleep(GR_S(100));
}

static void k_wg(void *arg)
{
    struct kinds *k = arg;
    k->id_wg = gr_self();
    gr_wg_wait(k->wg);
}

static void k_sem(void *arg)
{
    struct kinds *k = arg;
    k->id_sem = gr_self();
    gr_sem_acquire(k->sem, NULL, 1);
}

static void k_send(void *arg)
{
    struct kinds *k = arg;
    int v = 1;
    k->id_send = gr_self();
    gr_chan_send(k->out, &v);
}

static int k_member(gr_ctx *ctx, void *arg)
{
    (void)ctx;
    struct kinds *k = arg;
    gr_chan_recv(k->never, NULL);
    return 0;
}

static void k_group_wait(void *arg)
{
    struct kinds *k = arg;
    gr_group *g = NULL;
    k->id_gwait = gr_self();
    gr_group_create(&g, NULL, "g", 0);
    gr_group_go(g, k_member, k, "member");
    gr_group_wait(g);
}

static void k_group_go(void *arg)
{
    struct kinds *k = arg;
    gr_group *g = NULL;
    k->id_ggo = gr_self();
    gr_group_create(&g, NULL, "h", 1);
    gr_group_go(g, k_member, k, "member");
    gr_group_go(g, k_member, k, "member");
}

static void kinds_main(void *arg)
{
    struct kinds *k = arg;
    TCHECK(gr_chan_create(&k->never, "never", sizeof(int), 0), 0);
    TCHECK(gr_chan_create(&k->out, "out", sizeof(int), 0), 0);
    TCHECK(gr_wg_create(&k->wg, "w"), 0);
    TCHECK(gr_wg_add(k->wg, 1), 0);
    TCHECK(gr_sem_create(&k->sem, "s", 1), 0);
    TCHECK(gr_sem_acquire(k->sem, NULL, 1), 0);
    void (*fns[])(void *) = {k_select, k_sleep, k_wg, k_sem, k_send, k_group_wait, k_group_go};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        gr_spawn(fns[i], k, "kind");
    gr_sleep(GR_MS(1));
}

/* Assert the task's wait kind and its blocked-on text. */
static void expect_wait(const gr_sched *s, uint64_t id, gr_wait w, const char *text)
{
    gr_task_info ti = task_by_id(s, id);
    char buf[128];
    ck_assert_int_eq(ti.state, GR_TASK_BLOCKED);
    ck_assert_int_eq(ti.wait, w);
    blocked_on(&ti, buf, sizeof buf);
    ck_assert_str_eq(buf, text);
}

START_TEST(blocked_on_texts)
{
    struct kinds k;
    memset(&k, 0, sizeof k);
    gr_sched *s = sim_run(kinds_main, &k);
    expect_wait(s, k.id_select, GR_WAIT_SELECT, "select(3)");
    ck_assert_int_eq(task_by_id(s, k.id_select).wait_n, 3);
    expect_wait(s, k.id_sleep, GR_WAIT_SLEEP, "sleep");
    expect_wait(s, k.id_wg, GR_WAIT_WG_WAIT, "wg wait \"w\"");
    expect_wait(s, k.id_sem, GR_WAIT_SEM_ACQUIRE, "sem acquire \"s\"");
    expect_wait(s, k.id_send, GR_WAIT_CHAN_SEND, "chan send \"out\"");
    expect_wait(s, k.id_gwait, GR_WAIT_GROUP_WAIT, "group wait \"g\"");
    expect_wait(s, k.id_ggo, GR_WAIT_GROUP_GO, "group go \"h\"");
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ self view */

struct selfv {
    gr_task_info me, kid;
};

static void selfv_main(void *arg)
{
    struct selfv *v = arg;
    gr_chan *ch = NULL;
    gr_chan_create(&ch, "c", 0, 0);
    int64_t id = gr_spawn(block_on_chan, ch, "kid");
    gr_sched_tasks(gr_current(), 0, &v->me, 1);
    gr_sched_tasks(gr_current(), (uint64_t)id - 1, &v->kid, 1);
}

START_TEST(running_and_runnable_states)
{
    struct selfv v;
    memset(&v, 0, sizeof v);
    gr_sched_release(sim_run(selfv_main, &v));
    ck_assert_uint_eq(v.me.id, 1);
    ck_assert_uint_eq(v.me.parent, 0);
    ck_assert_str_eq(v.me.name, "main");
    ck_assert_int_eq(v.me.state, GR_TASK_RUNNING);
    ck_assert_int_eq(v.me.wait, GR_WAIT_NONE);
    ck_assert_uint_eq(v.kid.id, 2);
    ck_assert_int_eq(v.kid.state, GR_TASK_RUNNABLE);
    ck_assert_int_eq(v.kid.wait, GR_WAIT_NONE);
    ck_assert_str_eq(v.kid.wait_obj, "");
}
END_TEST

/* ------------------------------------------------------------ stats, filters */

#define BLOCKERS 4

static void blockers_main(void *arg)
{
    (void)arg;
    gr_chan *ch = NULL;
    gr_chan_create(&ch, "hold", 0, 0);
    for (int i = 0; i < BLOCKERS; i++)
        gr_spawn(block_on_chan, ch, "blocker");
    gr_sleep(GR_MS(1));
}

START_TEST(live_and_peak_counts)
{
    gr_sched *s = sim_run(blockers_main, NULL);
    gr_sched_stats st = stats_of(s);
    ck_assert_uint_eq(st.live, BLOCKERS);
    ck_assert_uint_eq(st.peak, BLOCKERS + 1);
    ck_assert_uint_eq(st.blocked, BLOCKERS);
    ck_assert_uint_eq(st.spawned, BLOCKERS + 1);
    ck_assert_uint_eq(st.exited, 1);
    ck_assert_uint_eq(st.last_id, BLOCKERS + 1);
    gr_sched_release(s);
}
END_TEST

START_TEST(since_id_filters)
{
    gr_sched *s = sim_run(blockers_main, NULL);
    gr_task_info ti[8];
    memset(ti, 0, sizeof ti);
    ck_assert_uint_eq(gr_sched_tasks(s, 3, ti, 8), 2);
    ck_assert_uint_eq(ti[0].id, 4);
    ck_assert_uint_eq(ti[1].id, 5);
    ck_assert_uint_eq(gr_sched_tasks(s, 0, ti, 8), BLOCKERS);
    for (int i = 0; i < BLOCKERS; i++)
        ck_assert_uint_eq(ti[i].id, (uint64_t)i + 2);
    ck_assert_uint_eq(gr_sched_tasks(s, BLOCKERS + 1, ti, 8), 0);
    gr_sched_release(s);
}
END_TEST

START_TEST(max_smaller_than_count)
{
    gr_sched *s = sim_run(blockers_main, NULL);
    gr_task_info ti[4];
    memset(ti, 0, sizeof ti);
    ti[2].id = 777;
    ck_assert_uint_eq(gr_sched_tasks(s, 0, ti, 2), BLOCKERS);
    ck_assert_uint_eq(ti[0].id, 2);
    ck_assert_uint_eq(ti[1].id, 3);
    ck_assert_uint_eq(ti[2].id, 777);
    ck_assert_uint_eq(gr_sched_tasks(s, 0, NULL, 0), BLOCKERS);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ deadlock */

static void dl_main(void *arg)
{
    (void)arg;
    gr_chan *a = NULL, *b = NULL;
    gr_wg *wg = NULL;
    gr_chan_create(&a, "a", sizeof(int), 0);
    gr_chan_create(&b, "b", sizeof(int), 0);
    gr_wg_create(&wg, "wg");
    gr_wg_add(wg, 1);
    gr_spawn(block_on_chan, a, "taskA");
    gr_spawn(block_on_chan, b, "taskB");
    gr_wg_wait(wg);
}

START_TEST(deadlock_dump_lists_blocked)
{
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, dl_main, NULL, &rc);
    ck_assert_int_eq(rc, -EDEADLK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    size_t n = gr_sched_dump(s, 0, f);
    fclose(f);
    ck_assert_uint_eq(n, 3);
    const char *want[] = {"main", "taskA", "taskB", "chan recv \"a\"", "chan recv \"b\"",
                          "wg wait \"wg\"", __FILE__};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "missing %s in:\n%s", want[i], text);
    free(text);
    f = open_memstream(&text, &len);
    ck_assert_uint_eq(gr_sched_dump(s, 2, f), 1);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "taskB"));
    ck_assert_ptr_null(strstr(text, "taskA"));
    free(text);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ panic log */

static void nil_closer_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        TCHECK(gr_chan_close(NULL), -EINVAL);
}

START_TEST(panic_log_capped_but_counted)
{
    gr_sched *s = NULL;
    gr_sched_opts o = {.clock = GR_CLOCK_SIM, .seed = 1, .panic_log_max = 2};
    ck_assert_int_eq(gr_sched_create(&s, &o), 0);
    fail_msg[0] = 0;
    ck_assert_int_eq(gr_sched_run(s, nil_closer_main, NULL, "main"), 0);
    ck_assert_msg(fail_msg[0] == 0, "%s", fail_msg);
    gr_panic_info pi[4];
    memset(pi, 0, sizeof pi);
    pi[2].task = 777;
    ck_assert_uint_eq(gr_sched_panics(s, pi, 4), 5);
    ck_assert_int_eq(pi[0].kind, GR_PANIC_CLOSE_NIL);
    ck_assert_int_eq(pi[1].kind, GR_PANIC_CLOSE_NIL);
    ck_assert_uint_eq(pi[1].task, 1);
    ck_assert_uint_eq(pi[2].task, 777);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_CLOSE_NIL), 5);
    ck_assert_uint_eq(stats_of(s).panics, 5);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ name tables */

START_TEST(name_tables)
{
    ck_assert_str_eq(gr_task_state_name(GR_TASK_RUNNABLE), "runnable");
    ck_assert_str_eq(gr_task_state_name(GR_TASK_BLOCKED), "blocked");
    ck_assert_str_eq(gr_wait_name(GR_WAIT_CHAN_RECV), "chan recv");
    ck_assert_str_eq(gr_wait_name(GR_WAIT_SEM_ACQUIRE), "sem acquire");
    ck_assert_str_eq(gr_wait_name(GR_WAIT_NONE), "");
    ck_assert_str_eq(gr_panic_name(GR_PANIC_SEND_CLOSED), "send on closed channel");
    ck_assert_str_eq(gr_panic_name(GR_PANIC_SEM_OVER_RELEASE),
                     "semaphore released more than held");
}
END_TEST

/* ------------------------------------------------------------ real-clock stamps */

/* In real mode the clock is read every few dozen switches even when no
 * timer is pending, so a task blocking after a long run of channel traffic
 * is stamped with a recent time, not the time the run started. */
struct fresh {
    gr_chan *ping, *pong, *never;
    int64_t after;
};

static void fresh_echo(void *arg)
{
    struct fresh *f = arg;
    int v;
    while (gr_chan_recv(f->ping, &v) == 0)
        gr_chan_send(f->pong, &v);
}

static void fresh_blocker(void *arg)
{
    struct fresh *f = arg;
    gr_chan_recv(f->never, NULL);
}

static void fresh_main(void *arg)
{
    struct fresh *f = arg;
    f->ping = mkchan("ping", sizeof(int), 0);
    f->pong = mkchan("pong", sizeof(int), 0);
    f->never = mkchan("never", 0, 0);
    gr_spawn(fresh_echo, f, "echo");
    for (int i = 0; i < 20000; i++) {
        int v;
        gr_chan_send(f->ping, &i);
        gr_chan_recv(f->pong, &v);
    }
    gr_spawn(fresh_blocker, f, "blocker");
    gr_yield();
    f->after = gr_now();
    gr_chan_close(f->ping);
}

START_TEST(real_blocked_since_is_fresh)
{
    struct fresh f = {0};
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, fresh_main, &f, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    gr_task_info ti[4];
    ck_assert_uint_eq(gr_sched_tasks(s, 0, ti, 4), 2); /* echo, blocker */
    ck_assert_str_eq(ti[1].name, "blocker");
    ck_assert_int_eq(ti[1].state, GR_TASK_BLOCKED);
    /* 40000 switches happened before it blocked; at most 64 after. */
    ck_assert_int_gt(ti[1].blocked_since, f.after / 2);
    ck_assert_int_le(ti[1].blocked_since, f.after);
    gr_sched_release(s);
}
END_TEST

Suite *suite_runtime_registry(void)
{
    Suite *s = suite_create("runtime_registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, leaked_task_reported);
    tcase_add_test(tc, report_line_has_name_site_and_wait);
    tcase_add_test(tc, blocked_on_truncates);
    tcase_add_test(tc, blocked_on_texts);
    tcase_add_test(tc, running_and_runnable_states);
    tcase_add_test(tc, live_and_peak_counts);
    tcase_add_test(tc, since_id_filters);
    tcase_add_test(tc, max_smaller_than_count);
    tcase_add_test(tc, deadlock_dump_lists_blocked);
    tcase_add_test(tc, panic_log_capped_but_counted);
    tcase_add_test(tc, name_tables);
    tcase_add_test(tc, real_blocked_since_is_fresh);
    suite_add_tcase(s, tc);
    return s;
}
