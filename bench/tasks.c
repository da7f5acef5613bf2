/* tasks.c — task-heavy workloads of grbench: spawn, pool, pipeline, idle_rss, cancel_fanout. */
#include <stdio.h>

#include "bench/bench.h"

/* ------------------------------------------------------------ spawn */

enum { SPAWN_BATCH = 10000 };

static void spawn_body(void *p)
{
    CK(gr_wg_done(p));
}

static uint64_t spawned_so_far(void)
{
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    return st.spawned;
}

void bench_spawn(uint64_t n, bench_result *r)
{
    uint64_t nb = n / SPAWN_BATCH;
    n = nb * SPAWN_BATCH;
    gr_wg *wg;
    CK(gr_wg_create(&wg, "batch"));
    uint64_t before = spawned_so_far();
    int64_t t0 = bench_now_ns();
    for (uint64_t b = 0; b < nb; b++) {
        CK(gr_wg_add(wg, SPAWN_BATCH));
        for (int i = 0; i < SPAWN_BATCH; i++)
            SPAWN(spawn_body, wg, NULL);
        CK(gr_wg_wait(wg));
    }
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    bench_check(spawned_so_far() - before == n, "spawn count (stats.spawned)");
    CK(gr_wg_release(wg));
}

/* ------------------------------------------------------------ shared */

/* Source / feeder: send 0..n-1 on ch, then close it. */
typedef struct source_arg {
    gr_chan *ch;
    uint64_t n;
} source_arg;

static void source_task(void *p)
{
    source_arg *a = p;
    for (uint64_t i = 0; i < a->n; i++)
        CK(gr_chan_send(a->ch, &i));
    CK(gr_chan_close(a->ch));
}

/* A stage: W workers map in -> hash(x + k) -> out; a closer closes out. */
typedef struct stage_arg {
    gr_chan *in, *out;
    gr_wg *wg;
    uint64_t k;
} stage_arg;

static void stage_worker(void *p)
{
    stage_arg *a = p;
    uint64_t x;
    int rc;
    while ((rc = gr_chan_recv(a->in, &x)) == 0) {
        uint64_t y = bench_hash(x + a->k);
        CK(gr_chan_send(a->out, &y));
    }
    bench_end_of_stream(rc, "gr_chan_recv(stage in)");
    CK(gr_wg_done(a->wg));
}

static void stage_closer(void *p)
{
    stage_arg *a = p;
    CK(gr_wg_wait(a->wg));
    CK(gr_chan_close(a->out));
}

/* wg.Add(w); spawn w workers and the closer. */
static void stage_spawn(stage_arg *st, int w)
{
    CK(gr_wg_add(st->wg, w));
    for (int i = 0; i < w; i++)
        SPAWN(stage_worker, st, "worker");
    SPAWN(stage_closer, st, "closer");
}

/* Sum out until it is closed; returns the count in *cnt. */
static uint64_t sum_until_closed(gr_chan *ch, uint64_t *cnt)
{
    uint64_t sum = 0, v, c = 0;
    int rc;
    while ((rc = gr_chan_recv(ch, &v)) == 0) {
        sum += v;
        c++;
    }
    bench_end_of_stream(rc, "gr_chan_recv(results)");
    *cnt = c;
    return sum;
}

static void stage_release(stage_arg *st)
{
    CK(gr_wg_release(st->wg));
    CK(gr_chan_release(st->out));
}

/* ------------------------------------------------------------ pool */

enum { POOL_W = 8, POOL_CAP = 64 };

void bench_pool(uint64_t n, bench_result *r)
{
    source_arg feeder = {.n = n};
    stage_arg st = {.k = 0};
    CK(gr_chan_create(&feeder.ch, "jobs", sizeof(uint64_t), POOL_CAP));
    CK(gr_chan_create(&st.out, "results", sizeof(uint64_t), POOL_CAP));
    CK(gr_wg_create(&st.wg, "workers"));
    st.in = feeder.ch;
    int64_t t0 = bench_now_ns();
    SPAWN(source_task, &feeder, "feeder");
    stage_spawn(&st, POOL_W); /* workers do results <- hash(j + 0) */
    uint64_t cnt, sum = sum_until_closed(st.out, &cnt);
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    uint64_t want = 0;
    for (uint64_t i = 0; i < n; i++)
        want += bench_hash(i);
    bench_check(cnt == n && sum == want, "pool sum");
    bench_items_per_s(r);
    stage_release(&st);
    CK(gr_chan_release(feeder.ch));
}

/* ------------------------------------------------------------ pipeline */

enum { PIPE_W = 4, PIPE_CAP = 64, PIPE_STAGES = 3 };

/* stage(in, k): make out (cap 64) and the wg, spawn 4 workers + closer. */
static void pipeline_stage(stage_arg *st, gr_chan *in, uint64_t k)
{
    *st = (stage_arg){.in = in, .k = k};
    CK(gr_chan_create(&st->out, "stage-out", sizeof(uint64_t), PIPE_CAP));
    CK(gr_wg_create(&st->wg, "stage"));
    stage_spawn(st, PIPE_W);
}

void bench_pipeline(uint64_t n, bench_result *r)
{
    source_arg src = {.n = n};
    stage_arg st[PIPE_STAGES];
    CK(gr_chan_create(&src.ch, "c0", sizeof(uint64_t), PIPE_CAP));
    int64_t t0 = bench_now_ns();
    SPAWN(source_task, &src, "source");
    gr_chan *in = src.ch;
    for (int k = 0; k < PIPE_STAGES; k++) {
        pipeline_stage(&st[k], in, (uint64_t)k + 1);
        in = st[k].out;
    }
    uint64_t cnt, sum = sum_until_closed(in, &cnt);
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    uint64_t want = 0;
    for (uint64_t i = 0; i < n; i++)
        want += bench_hash(bench_hash(bench_hash(i + 1) + 2) + 3);
    bench_check(cnt == n && sum == want, "pipeline sum");
    bench_items_per_s(r);
    for (int k = 0; k < PIPE_STAGES; k++)
        stage_release(&st[k]);
    CK(gr_chan_release(src.ch));
}

/* ------------------------------------------------------------ idle_rss */

typedef struct idle_arg {
    gr_chan *block;
    gr_wg *started, *exited;
} idle_arg;

static void idle_task(void *p)
{
    idle_arg *a = p;
    CK(gr_wg_done(a->started));
    bench_end_of_stream(gr_chan_recv(a->block, NULL), "gr_chan_recv(block)");
    CK(gr_wg_done(a->exited));
}

static long vm_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        bench_die("fopen /proc/self/status", -errno);
    char line[256];
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) != 1)
            kb = -1;
    fclose(f);
    bench_check(kb >= 0, "VmRSS found in /proc/self/status");
    return kb;
}

void bench_idle_rss(uint64_t n, bench_result *r)
{
    long before = vm_rss_kb();
    idle_arg a;
    CK(gr_chan_create(&a.block, "block", 0, 0));
    CK(gr_wg_create(&a.started, "started"));
    CK(gr_wg_create(&a.exited, "exited"));
    CK(gr_wg_add(a.started, (int64_t)n));
    CK(gr_wg_add(a.exited, (int64_t)n));
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        SPAWN(idle_task, &a, NULL);
    CK(gr_wg_wait(a.started));
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    CK(gr_sleep(GR_MS(20))); /* let the last ones park */
    long after = vm_rss_kb();
    CK(gr_chan_close(a.block));
    CK(gr_wg_wait(a.exited));
    bench_extra(r, " rss_before_kb=%ld rss_after_kb=%ld kb_per_g=%.3f", before, after,
                (double)(after - before) / (double)n);
    CK(gr_wg_release(a.started));
    CK(gr_wg_release(a.exited));
    CK(gr_chan_release(a.block));
}

/* ------------------------------------------------------------ cancel_fanout */

typedef struct fanout_arg {
    gr_ctx *ctx;
    gr_chan *never; /* nobody sends or closes: a real 2-way select */
    gr_wg *ready, *exited;
} fanout_arg;

static void fanout_task(void *p)
{
    fanout_arg *a = p;
    CK(gr_wg_done(a->ready));
    gr_chan *done = gr_ctx_done(a->ctx);
    bench_check(done != NULL, "gr_ctx_done is not NULL");
    gr_case cases[2] = {GR_RECV(done, NULL), GR_RECV(a->never, NULL)};
    int idx = gr_select(cases, 2, GR_FOREVER);
    CK(idx);
    bench_check(idx == 0 && !cases[0].ok, "select woke on a closed ctx.Done()");
    CK(gr_wg_done(a->exited));
}

static void fanout_setup(fanout_arg *a, uint64_t n)
{
    CK(gr_ctx_with_cancel(&a->ctx, gr_ctx_background()));
    CK(gr_chan_create(&a->never, "never", 0, 0));
    CK(gr_wg_create(&a->ready, "ready"));
    CK(gr_wg_create(&a->exited, "exited"));
    CK(gr_wg_add(a->ready, (int64_t)n));
    CK(gr_wg_add(a->exited, (int64_t)n));
    for (uint64_t i = 0; i < n; i++)
        SPAWN(fanout_task, a, NULL);
}

void bench_cancel_fanout(uint64_t n, bench_result *r)
{
    fanout_arg a;
    fanout_setup(&a, n);
    CK(gr_wg_wait(a.ready));
    CK(gr_sleep(GR_MS(20))); /* let all park in select */
    int64_t t0 = bench_now_ns();
    CK(gr_ctx_cancel(a.ctx));
    CK(gr_wg_wait(a.exited));
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    bench_check(gr_ctx_err(a.ctx) == -ECANCELED, "ctx err is -ECANCELED");
    bench_extra(r, " total_us=%.1f", (double)r->elapsed_ns / 1e3);
    gr_ctx_release(a.ctx);
    CK(gr_wg_release(a.ready));
    CK(gr_wg_release(a.exited));
    CK(gr_chan_release(a.never));
}
