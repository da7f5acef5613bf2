/* inject.c — the cost of a marked fail point: nothing armed, something
 * armed elsewhere, firing a no-op fault, and plain libfiu on the same name. */
#define FIU_ENABLE 1
#include <fiu.h>
#include <stdio.h>

#include "bench/bench.h"
#include "inject/inj.h"

/* A point of the bench's own that accepts every kind. */
static const inj_point_def bench_points[] = {
    {"bench/<name>", "a point marked by the inject benchmarks", INJ_BIT(INJ_KIND__COUNT) - 1},
};

static inj *bench_inj(void)
{
    static bool registered;
    if (!registered) {
        CK(inj_catalog_register(bench_points, 1));
        registered = true;
    }
    inj *j;
    CK(inj_create(&j, gr_current(), &(inj_opts){.seed = 1}));
    return j;
}

static void arm(inj *j, const char *point, inj_kind kind)
{
    char err[256];
    inj_spec s = INJ_SPEC_INIT;
    s.point = point;
    s.kind = kind;
    s.bytes = kind == INJ_SHORT ? 1 : 0;
    if (inj_arm(j, &s, err, sizeof err) < 0) {
        fprintf(stderr, "grbench: inj_arm(%s): %s\n", point, err);
        bench_check_failed("inj_arm");
    }
}

/* Run the marked point n times; returns how many fired (via the outcome). */
static uint64_t run_point(inj *j, uint64_t n, bench_result *r)
{
    inj_site site = INJ_SITE("bench/point");
    inj_outcome o;
    uint64_t fired = 0;
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        o.fired = 0;
        if (INJ_POINT(j, &site, true, &o) < 0)
            bench_check_failed("INJ_POINT failed");
        fired += o.fired != 0;
        __asm__ volatile("" ::: "memory"); /* keep every evaluation */
    }
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    return fired;
}

void bench_inj_disarmed(uint64_t n, bench_result *r)
{
    inj *j = bench_inj();
    bench_check(run_point(j, n, r) == 0, "nothing fired");
    inj_release(j);
}

void bench_inj_armed_elsewhere(uint64_t n, bench_result *r)
{
    inj *j = bench_inj();
    arm(j, "bench/other", INJ_SHORT);
    bench_check(run_point(j, n, r) == 0, "nothing fired");
    inj_release(j);
}

void bench_inj_fire(uint64_t n, bench_result *r)
{
    inj *j = bench_inj();
    arm(j, "bench/point", INJ_SHORT); /* fires every time, changes nothing */
    bench_check(run_point(j, n, r) == n, "fired every time");
    inj_count c;
    bench_check(inj_counts(j, &c, 1) == 1 && c.count == n, "every firing counted");
    inj_release(j);
}

void bench_fiu_fail_raw(uint64_t n, bench_result *r)
{
    inj *j = bench_inj(); /* libfiu initialised, nothing enabled */
    uint64_t failed = 0;
    int64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        failed += fiu_fail("bench/point") != 0;
    r->elapsed_ns = bench_now_ns() - t0;
    r->ops = n;
    bench_check(failed == 0, "nothing enabled");
    inj_release(j);
}
