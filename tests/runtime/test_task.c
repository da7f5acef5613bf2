/* test_task.c — tasks: spawn, ids, names, sites, stacks, yield, recursion and overflow. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testutil.h"

static gr_sched_stats stats_of(const gr_sched *s)
{
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    return st;
}

/* The registry entry of the running task (zeroed if not found). */
static gr_task_info self_info(void)
{
    gr_task_info ti;
    memset(&ti, 0, sizeof ti);
    uint64_t me = gr_self();
    if (gr_sched_tasks(gr_current(), me - 1, &ti, 1) == 0 || ti.id != me)
        memset(&ti, 0, sizeof ti);
    return ti;
}

/* ------------------------------------------------------------ ids, parents */

struct fam {
    gr_wg *wg;
    int64_t ret_a, ret_b, ret_c;
    uint64_t id_a, id_b, id_c;
    uint64_t parent_main, parent_a, parent_b, parent_c;
};

static void fam_b(void *arg)
{
    struct fam *f = arg;
    f->id_b = gr_self();
    f->parent_b = self_info().parent;
    gr_wg_done(f->wg);
}

static void fam_a(void *arg)
{
    struct fam *f = arg;
    f->id_a = gr_self();
    f->parent_a = self_info().parent;
    gr_wg_add(f->wg, 1);
    f->ret_b = gr_spawn(fam_b, f, "B");
    gr_wg_done(f->wg);
}

static void fam_c(void *arg)
{
    struct fam *f = arg;
    f->id_c = gr_self();
    f->parent_c = self_info().parent;
    gr_wg_done(f->wg);
}

static void fam_main(void *arg)
{
    struct fam *f = arg;
    f->parent_main = self_info().parent;
    TCHECK(gr_wg_create(&f->wg, "fam"), 0);
    TCHECK(gr_wg_add(f->wg, 2), 0);
    f->ret_a = gr_spawn(fam_a, f, "A");
    f->ret_c = gr_spawn(fam_c, f, "C");
    TCHECK(gr_wg_wait(f->wg), 0);
}

START_TEST(ids_and_parents)
{
    struct fam f = {0};
    f.parent_main = 99;
    gr_sched *s = sim_run(fam_main, &f);
    ck_assert_int_eq(f.ret_a, 2);
    ck_assert_int_eq(f.ret_c, 3);
    ck_assert_int_eq(f.ret_b, 4);
    ck_assert_uint_eq(f.id_a, 2);
    ck_assert_uint_eq(f.id_c, 3);
    ck_assert_uint_eq(f.id_b, 4);
    ck_assert_uint_eq(f.parent_main, 0);
    ck_assert_uint_eq(f.parent_a, 1);
    ck_assert_uint_eq(f.parent_c, 1);
    ck_assert_uint_eq(f.parent_b, 2);
    ck_assert_uint_eq(stats_of(s).last_id, 4);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ names, site */

struct named {
    char long_name[100];
    char seen[128];
    char reg_name[GR_NAME_MAX];
    int64_t null_id;
    int null_ran;
};

static void named_task(void *arg)
{
    struct named *n = arg;
    snprintf(n->seen, sizeof n->seen, "%s", gr_self_name());
    memcpy(n->reg_name, self_info().name, GR_NAME_MAX);
}

static void unnamed_task(void *arg)
{
    struct named *n = arg;
    n->null_ran = 1;
}

static void named_main(void *arg)
{
    struct named *n = arg;
    memset(n->long_name, 'x', sizeof n->long_name - 1);
    n->long_name[sizeof n->long_name - 1] = 0;
    gr_spawn(named_task, n, n->long_name);
    n->null_id = gr_spawn(unnamed_task, n, NULL);
    gr_sleep(GR_MS(1));
}

START_TEST(names_truncated)
{
    struct named n;
    memset(&n, 0, sizeof n);
    gr_sched_release(sim_run(named_main, &n));
    ck_assert_uint_eq(strlen(n.seen), GR_NAME_MAX - 1);
    ck_assert_int_eq(strncmp(n.seen, n.long_name, GR_NAME_MAX - 1), 0);
    ck_assert_str_eq(n.reg_name, n.seen);
    ck_assert_int_eq(n.null_id, 3);
    ck_assert_int_eq(n.null_ran, 1);
}
END_TEST

struct site {
    int line, line_with;
    const char *file, *file_with;
    int got_line, got_line_with;
};

static void site_task(void *arg)
{
    struct site *st = arg;
    gr_task_info ti = self_info();
    st->file = ti.file;
    st->got_line = ti.line;
}

static void site_task_with(void *arg)
{
    struct site *st = arg;
    gr_task_info ti = self_info();
    st->file_with = ti.file;
    st->got_line_with = ti.line;
}

static void site_main(void *arg)
{
    struct site *st = arg;
    gr_spawn_opts o = {.stack_size = 0};
    gr_spawn(site_task, st, "site"); st->line = __LINE__;
    gr_spawn_with(site_task_with, st, "site2", &o); st->line_with = __LINE__;
    gr_sleep(GR_MS(1));
}

START_TEST(spawn_site_recorded)
{
    struct site st = {0};
    gr_sched_release(sim_run(site_main, &st));
    ck_assert_ptr_nonnull(st.file);
    ck_assert_str_eq(st.file, __FILE__);
    ck_assert_int_eq(st.got_line, st.line);
    ck_assert_ptr_nonnull(st.file_with);
    ck_assert_str_eq(st.file_with, __FILE__);
    ck_assert_int_eq(st.got_line_with, st.line_with);
}
END_TEST

/* ------------------------------------------------------------ stack sizes */

struct stk {
    int64_t too_small, tiny, too_big, no_fn, min_ok, max_ok;
    uint64_t spawned_delta;
    int ran;
};

static void mark_ran(void *arg)
{
    struct stk *k = arg;
    k->ran++;
}

static void stack_opts_main(void *arg)
{
    struct stk *k = arg;
    gr_sched_stats a = stats_of(gr_current());
    gr_spawn_opts o = {.stack_size = GR_STACK_MIN - 1};
    k->too_small = gr_spawn_with(mark_ran, k, "small", &o);
    o.stack_size = 1;
    k->tiny = gr_spawn_with(mark_ran, k, "tiny", &o);
    o.stack_size = GR_STACK_MAX + 1;
    k->too_big = gr_spawn_with(mark_ran, k, "big", &o);
    k->no_fn = gr_spawn(NULL, k, "nofn");
    o.stack_size = GR_STACK_MIN;
    k->min_ok = gr_spawn_with(mark_ran, k, "min", &o);
    o.stack_size = GR_STACK_MAX;
    k->max_ok = gr_spawn_with(mark_ran, k, "max", &o);
    k->spawned_delta = stats_of(gr_current()).spawned - a.spawned;
    gr_sleep(GR_MS(1));
}

START_TEST(stack_size_validated)
{
    struct stk k = {0};
    gr_sched_release(sim_run(stack_opts_main, &k));
    ck_assert_int_eq(k.too_small, -EINVAL);
    ck_assert_int_eq(k.tiny, -EINVAL);
    ck_assert_int_eq(k.too_big, -EINVAL);
    ck_assert_int_eq(k.no_fn, -EINVAL);
    ck_assert_int_eq(k.min_ok, 2);
    ck_assert_int_eq(k.max_ok, 3);
    ck_assert_uint_eq(k.spawned_delta, 2);
    ck_assert_int_eq(k.ran, 2);
}
END_TEST

/* ------------------------------------------------------------ yield */

struct yl {
    int child_ran, seen_before_yield, spins, alone_ok;
};

static void yl_child(void *arg)
{
    struct yl *y = arg;
    y->child_ran = 1;
}

static void yl_main(void *arg)
{
    struct yl *y = arg;
    gr_yield(); /* the only task: returns at once */
    y->alone_ok = 1;
    gr_spawn(yl_child, y, "child");
    y->seen_before_yield = y->child_ran;
    while (!y->child_ran && y->spins < 1000) {
        gr_yield();
        y->spins++;
    }
}

START_TEST(spawn_does_not_yield_and_yield_does)
{
    struct yl y = {0};
    gr_sched_release(sim_run(yl_main, &y));
    ck_assert_int_eq(y.alone_ok, 1);
    ck_assert_int_eq(y.seen_before_yield, 0);
    ck_assert_int_eq(y.child_ran, 1);
    ck_assert_int_ge(y.spins, 1);
    ck_assert_int_lt(y.spins, 1000);
}
END_TEST

/* ------------------------------------------------------------ many tasks */

#define MANY 10000

struct many {
    gr_wg *wg;
    int count;
    uint64_t live_after_spawn;
    int spawn_fail;
};

static void many_task(void *arg)
{
    struct many *m = arg;
    m->count++;
    gr_wg_done(m->wg);
}

static void many_main(void *arg)
{
    struct many *m = arg;
    TCHECK(gr_wg_create(&m->wg, "many"), 0);
    TCHECK(gr_wg_add(m->wg, MANY), 0);
    for (int i = 0; i < MANY; i++)
        m->spawn_fail += gr_spawn(many_task, m, "w") <= 0;
    m->live_after_spawn = stats_of(gr_current()).live;
    TCHECK(gr_wg_wait(m->wg), 0);
}

START_TEST(many_tasks)
{
    struct many m = {0};
    gr_sched *s = sim_run(many_main, &m);
    ck_assert_int_eq(m.spawn_fail, 0);
    ck_assert_int_eq(m.count, MANY);
    ck_assert_uint_eq(m.live_after_spawn, MANY + 1);
    gr_sched_stats st = stats_of(s);
    ck_assert_uint_eq(st.peak, MANY + 1);
    ck_assert_uint_eq(st.exited, MANY + 1);
    ck_assert_uint_eq(st.live, 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ recursion */

static volatile long rec_limit = LONG_MAX;

/* Recurse to depth max using ~1 KiB of stack per frame; returns max. */
static long recurse(long depth, long max)
{
    volatile char buf[1024];
    buf[0] = (char)depth;
    buf[sizeof buf - 1] = 1;
    if (depth >= max || depth >= rec_limit)
        return depth;
    long r = recurse(depth + 1, max);
    return r + buf[0] - (char)depth;
}

struct deep {
    long got_default, got_big;
};

static void deep_default(void *arg)
{
    struct deep *d = arg;
    d->got_default = recurse(0, 30); /* ~30 KiB of a 64 KiB stack */
}

static void deep_big(void *arg)
{
    struct deep *d = arg;
    d->got_big = recurse(0, 700); /* ~700 KiB of a 1 MiB stack */
}

static void deep_main(void *arg)
{
    gr_spawn_opts o = {.stack_size = 1024 * 1024};
    gr_spawn(deep_default, arg, "deep64k");
    gr_spawn_with(deep_big, arg, "deep1m", &o);
    gr_sleep(GR_MS(1));
}

START_TEST(deep_recursion_fits)
{
    struct deep d = {0};
    gr_sched_release(sim_run(deep_main, &d));
    ck_assert_int_eq(d.got_default, 30);
    ck_assert_int_eq(d.got_big, 700);
}
END_TEST

/* ------------------------------------------------------------ overflow */

static void overflow_task(void *arg)
{
    (void)arg;
    recurse(0, LONG_MAX);
}

static void overflow_main(void *arg)
{
    (void)arg;
    gr_spawn_opts o = {.stack_size = GR_STACK_MIN};
    gr_spawn_with(overflow_task, NULL, "deep", &o);
    gr_sleep(GR_MS(1));
}

/* Child process: stderr to the pipe, no core file, overflow a task. */
static void overflow_child(int wfd)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    dup2(wfd, STDERR_FILENO);
    close(wfd);
    gr_sched *s = NULL;
    if (gr_sched_create(&s, NULL) == 0)
        gr_sched_run(s, overflow_main, NULL, "main");
    _exit(0);
}

START_TEST(stack_overflow_reported)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        overflow_child(fds[1]);
    }
    close(fds[1]);
    char out[8192];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
#if defined(__SANITIZE_ADDRESS__)
    /* The runtime names the task, then hands the fault back to the previous
     * handler: ASan's, which aborts (abort_on_error=1) or exits non-zero. */
    ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
                      (WIFEXITED(status) && WEXITSTATUS(status) != 0),
                  "child survived its overflow (status %d): %s", status, out);
#else
    ck_assert_msg(WIFSIGNALED(status), "child did not die by a signal (status %d): %s",
                  status, out);
    ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
#endif
    ck_assert_msg(strstr(out, "stack overflow") != NULL, "stderr: %s", out);
    ck_assert_msg(strstr(out, "\"deep\"") != NULL, "stderr: %s", out);
}
END_TEST

/* ------------------------------------------------------------ out of memory */

/* Spawning until the kernel refuses a stack gives -ENOMEM, changes nothing
 * else, and the scheduler keeps working: the parked tasks can be released
 * and new ones spawned. */
struct oom {
    gr_chan *gate;
    int spawned, err, exited, after;
};

static void oom_parked(void *arg)
{
    struct oom *o = arg;
    gr_chan_recv(o->gate, NULL);
    o->exited++;
}

static void oom_main(void *arg)
{
    struct oom *o = arg;
    o->gate = mkchan("gate", 0, 0);
    int64_t rc;
    while ((rc = gr_spawn(oom_parked, o, "parked")) > 0 && o->spawned < 1000000)
        o->spawned++;
    o->err = (int)rc;
    gr_yield(); /* let them all park */
    gr_chan_close(o->gate);
    gr_sleep(1);
    o->after = gr_spawn(oom_parked, o, "after") > 0;
}

START_TEST(spawn_enomem_when_out_of_memory)
{
#if defined(__SANITIZE_ADDRESS__)
    return; /* ASan reserves terabytes of shadow: RLIMIT_AS cannot be used */
#endif
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {.rlim_cur = (rlim_t)256 << 20, .rlim_max = (rlim_t)256 << 20};
        struct oom o = {0};
        setrlimit(RLIMIT_AS, &rl);
        gr_sched *s = NULL;
        if (gr_sched_create(&s, NULL) != 0 || gr_sched_run(s, oom_main, &o, "main") != 0)
            _exit(10);
        /* 256 MB of address space holds far fewer than 1M stacks of 68 KB. */
        if (o.spawned < 100 || o.spawned >= 1000000)
            _exit(11);
        if (o.err != -ENOMEM)
            _exit(12);
        if (o.exited != o.spawned || !o.after)
            _exit(13);
        gr_sched_release(s);
        _exit(0);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
END_TEST

Suite *suite_runtime_task(void)
{
    Suite *s = suite_create("runtime_task");
    TCase *tc = tcase_create("task");
    tcase_add_test(tc, ids_and_parents);
    tcase_add_test(tc, names_truncated);
    tcase_add_test(tc, spawn_site_recorded);
    tcase_add_test(tc, stack_size_validated);
    tcase_add_test(tc, spawn_does_not_yield_and_yield_does);
    tcase_add_test(tc, many_tasks);
    tcase_add_test(tc, deep_recursion_fits);
    tcase_add_test(tc, stack_overflow_reported);
    tcase_add_test(tc, spawn_enomem_when_out_of_memory);
    suite_add_tcase(s, tc);
    return s;
}
