/* chan.c — channel workloads of grbench: chan_pingpong, chan_buffered_spsc, chan_buffered_mpmc, select2, select2_buf. */
#include "bench/bench.h"

/* ------------------------------------------------------------ pingpong */

typedef struct echo_arg {
    gr_chan *ping, *pong;
    gr_wg *done; /* untimed join, so the channels can be released */
} echo_arg;

static void echo_task(void *p)
{
    echo_arg *a = p;
    int64_t v;
    int rc;
    while ((rc = gr_chan_recv(a->ping, &v)) == 0)
        CK(gr_chan_send(a->pong, &v));
    bench_end_of_stream(rc, "gr_chan_recv(ping)");
    CK(gr_wg_done(a->done));
}

void bench_chan_pingpong(uint64_t n, bench_result *r)
{
    echo_arg a;
    CK(gr_chan_create(&a.ping, "ping", sizeof(int64_t), 0));
    CK(gr_chan_create(&a.pong, "pong", sizeof(int64_t), 0));
    CK(gr_wg_create(&a.done, "echo-done"));
    CK(gr_wg_add(a.done, 1));
    SPAWN(echo_task, &a, "echo");
    int64_t t0 = bench_now_ns();
    for (int64_t i = 0; i < (int64_t)n; i++) {
        int64_t v;
        CK(gr_chan_send(a.ping, &i));
        CK(gr_chan_recv(a.pong, &v));
        bench_check(v == i, "pingpong value");
    }
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    CK(gr_chan_close(a.ping));
    CK(gr_wg_wait(a.done));
    CK(gr_wg_release(a.done));
    CK(gr_chan_release(a.ping));
    CK(gr_chan_release(a.pong));
}

/* ------------------------------------------------------------ spsc */

typedef struct feed_arg {
    gr_chan *ch;
    uint64_t base, count; /* sends base .. base+count-1 */
    gr_wg *wg;            /* NULL: close ch when done; else wg_done */
} feed_arg;

/* Send count ints from base, then close the channel or signal the wg. */
static void feed_task(void *p)
{
    feed_arg *a = p;
    uint64_t end = a->base + a->count;
    for (uint64_t i = a->base; i < end; i++)
        CK(gr_chan_send(a->ch, &i));
    if (a->wg)
        CK(gr_wg_done(a->wg));
    else
        CK(gr_chan_close(a->ch));
}

void bench_chan_buffered_spsc(uint64_t n, bench_result *r)
{
    feed_arg f = {.base = 0, .count = n};
    CK(gr_chan_create(&f.ch, "spsc", sizeof(uint64_t), 1024));
    int64_t t0 = bench_now_ns();
    SPAWN(feed_task, &f, "producer");
    uint64_t sum = 0, v;
    int rc;
    while ((rc = gr_chan_recv(f.ch, &v)) == 0)
        sum += v;
    r->elapsed_ns = bench_now_ns() - t0;
    bench_end_of_stream(rc, "gr_chan_recv(spsc)");
    r->ops = n;
    bench_check(sum == n * (n - 1) / 2, "spsc sum");
    bench_items_per_s(r);
    CK(gr_chan_release(f.ch));
}

/* ------------------------------------------------------------ mpmc */

enum { MPMC_P = 4, MPMC_C = 4 };

typedef struct mpmc_arg {
    gr_chan *ch, *sums;
    gr_wg *pwg;
} mpmc_arg;

static void mpmc_consumer(void *p)
{
    mpmc_arg *a = p;
    uint64_t s = 0, v;
    int rc;
    while ((rc = gr_chan_recv(a->ch, &v)) == 0)
        s += v;
    bench_end_of_stream(rc, "gr_chan_recv(mpmc)");
    CK(gr_chan_send(a->sums, &s));
}

static void mpmc_closer(void *p)
{
    mpmc_arg *a = p;
    CK(gr_wg_wait(a->pwg));
    CK(gr_chan_close(a->ch));
}

static void mpmc_spawn_all(mpmc_arg *a, feed_arg prod[MPMC_P], uint64_t per)
{
    CK(gr_wg_add(a->pwg, MPMC_P));
    for (int p = 0; p < MPMC_P; p++) {
        prod[p] = (feed_arg){.ch = a->ch, .base = (uint64_t)p * per, .count = per, .wg = a->pwg};
        SPAWN(feed_task, &prod[p], "producer");
    }
    for (int c = 0; c < MPMC_C; c++)
        SPAWN(mpmc_consumer, a, "consumer");
    SPAWN(mpmc_closer, a, "closer");
}

void bench_chan_buffered_mpmc(uint64_t n, bench_result *r)
{
    uint64_t per = n / MPMC_P;
    n = per * MPMC_P;
    mpmc_arg a;
    feed_arg prod[MPMC_P];
    CK(gr_chan_create(&a.ch, "mpmc", sizeof(uint64_t), 1024));
    CK(gr_chan_create(&a.sums, "sums", sizeof(uint64_t), MPMC_C));
    CK(gr_wg_create(&a.pwg, "producers"));
    int64_t t0 = bench_now_ns();
    mpmc_spawn_all(&a, prod, per);
    uint64_t total = 0;
    for (int c = 0; c < MPMC_C; c++) {
        uint64_t s;
        CK(gr_chan_recv(a.sums, &s));
        total += s;
    }
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    bench_check(total == n * (n - 1) / 2, "mpmc sum");
    bench_items_per_s(r);
    CK(gr_wg_release(a.pwg));
    CK(gr_chan_release(a.ch));
    CK(gr_chan_release(a.sums));
}

/* ------------------------------------------------------------ select2 */

/* main: select over a and b until both are closed (a closed one is NULLed). */
static void select2_drain(gr_chan *a, gr_chan *b, uint64_t *sum, uint64_t *cnt)
{
    uint64_t va, vb;
    gr_case cases[2] = {GR_RECV(a, &va), GR_RECV(b, &vb)};
    int open = 2;
    while (open > 0) {
        int idx = gr_select(cases, 2, GR_FOREVER);
        if (__builtin_expect(idx < 0 || idx > 1, 0))
            bench_die("gr_select", idx < 0 ? idx : -EPROTO);
        if (!cases[idx].ok) {
            cases[idx].ch = NULL;
            open--;
            continue;
        }
        *sum += idx ? vb : va;
        (*cnt)++;
    }
}

static void select2_run(uint64_t n, size_t cap, bench_result *r)
{
    uint64_t half = n / 2;
    n = 2 * half;
    feed_arg pa = {.base = 0, .count = half}, pb = {.base = half, .count = half};
    CK(gr_chan_create(&pa.ch, "a", sizeof(uint64_t), cap));
    CK(gr_chan_create(&pb.ch, "b", sizeof(uint64_t), cap));
    int64_t t0 = bench_now_ns();
    SPAWN(feed_task, &pa, "producer-a");
    SPAWN(feed_task, &pb, "producer-b");
    uint64_t sum = 0, cnt = 0;
    select2_drain(pa.ch, pb.ch, &sum, &cnt);
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    bench_check(cnt == n && sum == n * (n - 1) / 2, "select2 sum");
    bench_extra(r, " cap=%zu", cap);
    bench_items_per_s(r);
    CK(gr_chan_release(pa.ch));
    CK(gr_chan_release(pb.ch));
}

void bench_select2(uint64_t n, bench_result *r)
{
    select2_run(n, 0, r);
}

void bench_select2_buf(uint64_t n, bench_result *r)
{
    select2_run(n, 1024, r);
}
