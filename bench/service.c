/* service.c — the service's own code paths: 1M zero-cost jobs submitted to
 * the pool and the pipeline on the sim clock by one feeder task (the shape
 * of the raw `pool` and `pipeline` workloads they are compared with),
 * timed until the target has drained (every job run and accounted), and
 * requests over loopback TCP through the front from 32 connections, each
 * waiting for its reply. */
#include <stdio.h>

#include "bench/bench.h"
#include "service/svc.h"

enum { FEEDERS = 1, FRONT_CLIENTS = 32 };

typedef struct drive {
    svc *t;
    const char *via;         /* NULL: in-process */
    uint64_t first, count;
    uint64_t ok;
    gr_wg *wg;
} drive;

static void requester(void *p)
{
    drive *d = p;
    gr_conn *c = NULL;
    for (uint64_t i = 0; i < d->count; i++) {
        uint64_t id = d->first + i;
        int rc;
        if (!d->via) {
            rc = svc_submit(d->t, id, GR_FOREVER); /* the outcome goes to the ledger */
        } else {
            if (!c)
                CK(gr_connect(&c, d->via, gr_deadline_in(GR_S(10))));
            rc = svc_front_request(c, id, NULL, 0, gr_deadline_in(GR_S(10)));
        }
        d->ok += rc == 0;
    }
    if (c)
        gr_conn_close(c);
    CK(gr_wg_done(d->wg));
}

/* n requests from k requester tasks against t (or the front at via). */
static uint64_t drive_all(svc *t, const char *via, uint64_t n, int k, bench_result *r)
{
    static drive ds[FRONT_CLIENTS];
    gr_wg *wg;
    CK(gr_wg_create(&wg, "requesters"));
    CK(gr_wg_add(wg, k));
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < k; i++) {
        ds[i] = (drive){t, via, 1 + (uint64_t)i * (n / (uint64_t)k), n / (uint64_t)k, 0, wg};
        SPAWN(requester, &ds[i], "requester");
    }
    CK(gr_wg_wait(wg));
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = (n / (uint64_t)k) * (uint64_t)k;
    uint64_t ok = 0;
    for (int i = 0; i < k; i++)
        ok += ds[i].ok;
    CK(gr_wg_release(wg));
    return ok;
}

static void check_ledger(svc_ledger *l, uint64_t n)
{
    svc_ledger_sum s;
    svc_ledger_summary(l, &s);
    bench_check(s.by_state[SVC_JOB_COMPLETED] == n && s.duplicated == 0, "every job completed once");
}

/* n jobs from one feeder through target t (started on ledger l), timed
 * until it has drained; then every job must be completed once. */
static void drain_bench(svc *t, svc_ledger *l, uint64_t n, bench_result *r)
{
    int64_t t0 = bench_now_ns();
    bench_check(drive_all(t, NULL, n, FEEDERS, r) == r->ops, "every job accepted");
    CK(svc_stop(t, GR_S(1))); /* drains: every job has run when it returns */
    r->elapsed_ns = bench_now_ns() - t0;
    check_ledger(l, r->ops);
    svc_release(t);
    svc_ledger_release(l);
    bench_items_per_s(r);
}

void bench_svc_pool_sim(uint64_t n, bench_result *r)
{
    svc_ledger *l = NULL;
    svc *t = NULL;
    svc_pool_cfg cfg = {.workers = 8, .queue = 64};
    CK(svc_ledger_create(&l));
    CK(svc_pool_start(&t, &cfg, l, NULL, NULL, 0));
    drain_bench(t, l, n, r);
}

void bench_svc_pipeline_sim(uint64_t n, bench_result *r)
{
    svc_ledger *l = NULL;
    svc *t = NULL;
    svc_stage_cfg st[3] = {{.name = "s1", .workers = 4, .cap = 64},
                           {.name = "s2", .workers = 4, .cap = 64},
                           {.name = "s3", .workers = 4, .cap = 64}};
    svc_pipeline_cfg cfg = {.stages = st, .nstages = 3};
    CK(svc_ledger_create(&l));
    CK(svc_pipeline_start(&t, &cfg, l, NULL, NULL, 0));
    drain_bench(t, l, n, r);
}

void bench_svc_front_real(uint64_t n, bench_result *r)
{
    svc_ledger *l = NULL;
    svc *t = NULL;
    svc_front *f = NULL;
    svc_pool_cfg pc = {.workers = 8, .queue = 64};
    svc_front_cfg fc = {.endpoint = "127.0.0.1:0", .max_conns = 64, .read_timeout = GR_S(10),
                        .write_timeout = GR_S(10)};
    CK(svc_ledger_create(&l));
    CK(svc_pool_start(&t, &pc, l, NULL, NULL, 0));
    CK(svc_front_start(&f, t, &fc, NULL, NULL, 0));
    bench_check(drive_all(t, svc_front_endpoint(f), n, FRONT_CLIENTS, r) == r->ops,
                "every request ok");
    CK(svc_front_stop(f, GR_S(5)));
    CK(svc_stop(t, GR_S(1)));
    check_ledger(l, r->ops);
    svc_release(t);
    svc_ledger_release(l);
    bench_items_per_s(r);
}
