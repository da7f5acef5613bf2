/* bench.h — what grbench's files share: the result record, error exits, the wall clock and hash(). */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "runtime/gr.h"

/* What one run of a workload hands back to main(). */
typedef struct bench_result {
    uint64_t ops;       /* operations the timed section performed */
    int64_t elapsed_ns; /* CLOCK_MONOTONIC around the timed section */
    char extra[192];    /* " k=v" fields in the Go peer's order */
} bench_result;

/* A workload: runs inside the main task of a scheduler with size n. */
typedef void (*bench_fn)(uint64_t n, bench_result *r);

extern const char *bench_name; /* for error messages */

/* Print "grbench <bench>: <what>: <strerror(-rc)>" and exit 1. */
_Noreturn void bench_die(const char *what, int64_t rc);
/* Print "grbench <bench>: CHECK FAILED: <what>" and exit 1. */
_Noreturn void bench_check_failed(const char *what);
/* A failed gr_spawn: names vm.max_map_count for -ENOMEM; exits 1. */
_Noreturn void bench_spawn_failed(const char *what, int64_t rc);

/* Return rc, or die when it is a negated errno. */
static inline int64_t bench_ck(int64_t rc, const char *what)
{
    if (__builtin_expect(rc < 0, 0))
        bench_die(what, rc);
    return rc;
}
#define CK(call) bench_ck((call), #call)

/* A receive loop ended: anything but "closed and drained" is an error. */
static inline void bench_end_of_stream(int rc, const char *what)
{
    if (__builtin_expect(rc != -EPIPE, 0))
        bench_die(what, rc);
}

static inline void bench_check(bool ok, const char *what)
{
    if (__builtin_expect(!ok, 0))
        bench_check_failed(what);
}

static inline int64_t bench_spawned(int64_t rc, const char *what)
{
    if (__builtin_expect(rc <= 0, 0))
        bench_spawn_failed(what, rc);
    return rc;
}
/* gr_spawn keeping this file:line as the spawn site, checked. */
#define SPAWN(fn, arg, name) bench_spawned(gr_spawn((fn), (arg), (name)), "gr_spawn(" #fn ")")

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

/* The "trivial integer work" of pool and pipeline (murmur3 fmix64 half). */
static inline uint64_t bench_hash(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

/* Append " k=v" text to r->extra. */
void bench_extra(bench_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append " items_per_s=<ops per second>". */
void bench_items_per_s(bench_result *r);

/* The workloads (shapes of WORKLOADS.md / the Go peer). */
void bench_chan_pingpong(uint64_t n, bench_result *r);
void bench_chan_buffered_spsc(uint64_t n, bench_result *r);
void bench_chan_buffered_mpmc(uint64_t n, bench_result *r);
void bench_select2(uint64_t n, bench_result *r);
void bench_select2_buf(uint64_t n, bench_result *r);
void bench_spawn(uint64_t n, bench_result *r);
void bench_pool(uint64_t n, bench_result *r);
void bench_pipeline(uint64_t n, bench_result *r);
void bench_idle_rss(uint64_t n, bench_result *r);
void bench_cancel_fanout(uint64_t n, bench_result *r);
void bench_inj_disarmed(uint64_t n, bench_result *r);
void bench_inj_armed_elsewhere(uint64_t n, bench_result *r);
void bench_inj_fire(uint64_t n, bench_result *r);
void bench_fiu_fail_raw(uint64_t n, bench_result *r);
void bench_svc_pool_sim(uint64_t n, bench_result *r);
void bench_svc_pipeline_sim(uint64_t n, bench_result *r);
void bench_svc_front_real(uint64_t n, bench_result *r);

#endif
