/* test_metrics.c — the harness's measuring pieces: the latency histogram,
 * recovery of a sampled metric, atomic writes, seeds and names. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gt_int.h"
#include "tests/allocfail.h"
#include "tests/testutil.h"

/* ---------------------------------------------------------------- histogram */

/* The test's own PRNG (xorshift64), fixed seed: the data is the same on
 * every run. */
static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The exact q-quantile of sorted v[0..n): the value of rank ceil(q * n). */
static int64_t exact_quantile(const int64_t *v, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    return v[(rank < 1 ? 1 : rank) - 1];
}

/* got is the upper edge of the bucket of want: never below it, and above
 * it by less than want / GT_HIST_SUB (in integers: 16 d < want, i.e.
 * d <= (want - 1) / 16; 0 for want 0). */
static void assert_within_bound(int64_t got, int64_t want, double q)
{
    int64_t slack = want > 0 ? (want - 1) / GT_HIST_SUB : 0;
    ck_assert_msg(got >= want && got - want <= slack, "q=%g: got %lld, exact %lld", q,
                  (long long)got, (long long)want);
    if (want < GT_HIST_SUB)
        ck_assert_int_eq(got, want);
}

/* n values of one shape: 0 uniform in [0, 1e6), 1 log-uniform over 1 ns ..
 * 2^40 ns, 2 a heavy tail (mostly small, some huge). */
static void fill(int64_t *v, size_t n, int shape, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = xorshift(seed);
        if (shape == 0)
            v[i] = (int64_t)(r % 1000000);
        else if (shape == 1)
            v[i] = (int64_t)((r >> 24) >> (r % 24)) + 1;
        else
            v[i] = r % 100 ? (int64_t)(r % 5000) : (int64_t)(r >> 2);
    }
}

START_TEST(hist_quantiles_within_relative_error)
{
    enum { N = 20000 };
    static const double qs[] = {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1};
    int64_t *v = malloc(N * sizeof *v);
    uint64_t seed = 0x2545f4914f6cdd1d;
    for (int shape = 0; shape < 3; shape++) {
        gt_hist h = {0};
        fill(v, N, shape, &seed);
        for (size_t i = 0; i < N; i++)
            gt__hist_add(&h, v[i]);
        qsort(v, N, sizeof *v, cmp_i64);
        ck_assert_uint_eq(h.n, N);
        ck_assert_int_eq(h.max, v[N - 1]);
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++)
            assert_within_bound(gt__hist_quantile(&h, qs[k]), exact_quantile(v, N, qs[k]), qs[k]);
    }
    free(v);
}
END_TEST

/* Every power of two and its neighbours: a value's bucket holds it, and
 * its upper edge is within the bound (INT64_MAX keeps max from clamping). */
START_TEST(hist_bucket_edges_across_the_range)
{
    for (int e = 0; e < 63; e++) {
        int64_t p = (int64_t)1 << e;
        int64_t vals[] = {p - 1, p, p + 1, p + p / 2, 2 * (p - 1) + 1};
        for (int k = 0; k < 5; k++) {
            gt_hist h = {0};
            gt__hist_add(&h, vals[k]);
            gt__hist_add(&h, INT64_MAX);
            assert_within_bound(gt__hist_quantile(&h, 0.5), vals[k], 0.5);
        }
    }
    gt_hist h = {0};
    gt__hist_add(&h, INT64_MAX);
    ck_assert_int_eq(gt__hist_quantile(&h, 1), INT64_MAX);
}
END_TEST

START_TEST(hist_small_values_are_exact)
{
    gt_hist h = {0};
    for (int64_t v = 1; v <= 32; v++)
        gt__hist_add(&h, v);
    for (int k = 1; k <= 32; k++)
        ck_assert_int_eq(gt__hist_quantile(&h, k / 32.0), k);
    gt_hist z = {0}; /* zero and negatives count as 0 */
    gt__hist_add(&z, 0);
    gt__hist_add(&z, -5);
    gt__hist_add(&z, 7);
    ck_assert_int_eq(z.max, 7);
    ck_assert_int_eq(gt__hist_quantile(&z, 0.5), 0);
    ck_assert_int_eq(gt__hist_quantile(&z, 1), 7);
    gt_hist neg = {0};
    gt__hist_add(&neg, -1);
    ck_assert_int_eq(neg.max, 0);
    ck_assert_int_eq(gt__hist_quantile(&neg, 1), 0);
}
END_TEST

/* The quantile is its bucket's upper edge, unless max is lower. */
START_TEST(hist_upper_edge_clamped_to_max)
{
    gt_hist h = {0};
    gt__hist_add(&h, 100);  /* bucket [100, 103] */
    gt__hist_add(&h, 1000); /* bucket [992, 1023] */
    ck_assert_int_eq(gt__hist_quantile(&h, 0.5), 103);
    ck_assert_int_eq(gt__hist_quantile(&h, 1), 1000);
    ck_assert_int_eq(gt__hist_quantile(&h, 0.51), 1000);
    gt__hist_add(&h, 1020);
    ck_assert_int_eq(gt__hist_quantile(&h, 1), 1020);
    ck_assert_int_eq(gt__hist_quantile(&h, 0.9), 1020);
}
END_TEST

START_TEST(hist_empty_is_zero)
{
    gt_hist h = {0};
    ck_assert_int_eq(gt__hist_quantile(&h, 0.5), 0);
    ck_assert_int_eq(gt__hist_quantile(&h, 0.99), 0);
    ck_assert_int_eq(gt__hist_quantile(&h, 1), 0);
    gt_hist e = {0};
    gt__hist_merge(&h, &e);
    ck_assert_uint_eq(h.n, 0);
    ck_assert_int_eq(gt__hist_quantile(&h, 1), 0);
}
END_TEST

START_TEST(hist_merge_equals_adding_all)
{
    gt_hist a = {0}, b = {0}, all = {0};
    uint64_t seed = 88172645463325252u;
    for (int i = 0; i < 5000; i++) {
        int64_t v = (int64_t)(xorshift(&seed) >> (34 + i % 30));
        gt__hist_add(i % 3 ? &a : &b, v);
        gt__hist_add(&all, v);
    }
    gt__hist_add(&b, 1 << 30); /* the max comes from `from` */
    gt__hist_add(&all, 1 << 30);
    gt__hist_merge(&a, &b);
    ck_assert_uint_eq(a.n, all.n);
    ck_assert_int_eq(a.max, all.max);
    ck_assert_int_eq(a.max, 1 << 30);
    ck_assert(memcmp(a.b, all.b, sizeof a.b) == 0);
    ck_assert_int_eq(gt__hist_quantile(&a, 0.99), gt__hist_quantile(&all, 0.99));
}
END_TEST

/* ---------------------------------------------------------------- recovery */

/* Series with t0 = 0 and step = 10: v[i] is the value at t = 10 (i + 1).
 * The scenes below: baseline 100 up to t = 50, a fault from 50 to 100. */
#define STEP 10
#define NV(a) (sizeof(a) / sizeof((a)[0]))

static gt_recovery rec(const double *v, size_t n, int64_t baseline_end, int64_t cleared,
                       int64_t until, double tol, int64_t hold)
{
    gt_series s = {.v = v, .n = n, .t0 = 0, .step = STEP};
    gt_recovery r;
    memset(&r, 0xa5, sizeof r); /* every field must be written */
    gt__recovery(&s, baseline_end, cleared, until, tol, hold, &r);
    return r;
}

START_TEST(recovery_dip_then_back)
{
    /*                  t: 10   20   30   40   50  60  70  80  90 100 110  120 ... 200 */
    static const double v[] = {100, 98, 102, 100, 100, 20, 10, 15, 30, 40, 50, 95,
                               105, 100, 100, 100, 100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.have_band);
    ck_assert_double_eq_tol(r.mean, 100, 1e-9);
    ck_assert_double_eq_tol(r.lo, 90, 1e-9);
    ck_assert_double_eq_tol(r.hi, 110, 1e-9);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 120);
    ck_assert_int_eq(r.time, 20);
}
END_TEST

START_TEST(recovery_never)
{
    static const double v[] = {100, 100, 100, 100, 100, 10, 10, 10, 10, 10,
                               50,  60,  70,  80,  85,  88, 89, 89, 89, 89};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.have_band);
    ck_assert(!r.recovered);
    ck_assert_int_eq(r.at, 0);
    ck_assert_int_eq(r.time, 0);
}
END_TEST

/* In and out of the band in runs shorter than hold (30 ns: four samples
 * 10 apart), then stable: recovery is the start of the stable run. */
START_TEST(recovery_flapping_then_stable)
{
    /* t:  110 120 130 | 140 | 150 | 160 | 170 180 190 200 */
    static const double v[] = {100, 100, 100, 100, 100, 0,   0,   0,   0,   0,
                               100, 100, 100, 0,   100, 200, 100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 170);
    ck_assert_int_eq(r.time, 70);
    r = rec(v, NV(v), 50, 100, 200, 0.10, 20); /* 110..130 spans 20 */
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 110);
}
END_TEST

START_TEST(recovery_nan_breaks_a_run)
{
    static const double v[] = {100, 100, 100, 100, 100, 0,   0,   0,   0,   0,
                               100, 100, NAN, 100, 100, 100, 100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 140);
}
END_TEST

/* In band from t = 80 on, fault cleared at 100: the run counts from the
 * first sample ending at or after cleared. */
START_TEST(recovery_exactly_at_cleared)
{
    static const double v[] = {100, 100, 100, 100, 100, 0,   0,   100, 100, 100,
                               100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 100);
    ck_assert_int_eq(r.time, 0);
    r = rec(v, NV(v), 50, 95, 200, 0.10, 0); /* off the grid; hold 0 */
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 100);
    ck_assert_int_eq(r.time, 5);
}
END_TEST

/* The last run starts at 180 and reaches until = 200: it spans 20. */
START_TEST(recovery_run_cut_by_until)
{
    static const double v[] = {100, 100, 100, 100, 100, 0, 0, 0,   0,   0,   0,   0,
                               0,   0,   0,   0,   0,   100, 100, 100, 100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 50, 100, 200, 0.10, 30);
    ck_assert(r.have_band);
    ck_assert(!r.recovered); /* and samples after until are not looked at */
    r = rec(v, 20, 50, 100, 200, 0.10, 30);
    ck_assert(!r.recovered);
    r = rec(v, NV(v), 50, 100, 200, 0.10, 20); /* exactly hold: counts */
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 180);
    r = rec(v, NV(v), 50, 100, 210, 0.10, 30); /* a later until: counts */
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 180);
}
END_TEST

START_TEST(recovery_zero_and_negative_mean)
{
    /* An error rate: 0 at baseline, the band is +- tolerance absolute. */
    static const double v[] = {0, 0, 0, 0, 0, 0.5, 0.5, 0.4, 0.3, 0.2, 0.06, 0.05, -0.05, 0.01, 0};
    gt_recovery r = rec(v, NV(v), 50, 100, 150, 0.05, 30);
    ck_assert(r.have_band);
    ck_assert_double_eq(r.mean, 0);
    ck_assert_double_eq(r.lo, -0.05);
    ck_assert_double_eq(r.hi, 0.05);
    ck_assert(r.recovered); /* 0.06 at 110 is out, the edges are in */
    ck_assert_int_eq(r.at, 120);
    ck_assert_int_eq(r.time, 20);
    static const double w[] = {-100, -100, -100, -100, -100, -50, -95, -105, -109, -108};
    r = rec(w, NV(w), 50, 60, 100, 0.10, 30);
    ck_assert_double_eq_tol(r.lo, -110, 1e-9);
    ck_assert_double_eq_tol(r.hi, -90, 1e-9);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 70);
}
END_TEST

/* The sample ending exactly at baseline_end is not baseline: it holds the
 * instant the fault arms (a job failing then made an error rate's baseline
 * a tiny mean whose band left out 0). One ending before it is. */
START_TEST(recovery_baseline_edges)
{
    static const double v[] = {100, 100, 100, 100, 200, 1000, 120, 120, 120, 120};
    gt_recovery r = rec(v, NV(v), 50, 60, 100, 0.10, 0);
    ck_assert_double_eq_tol(r.mean, 100, 1e-9);
    r = rec(v, NV(v), 51, 60, 100, 0.10, 0);
    ck_assert_double_eq_tol(r.mean, 120, 1e-9);
    r = rec(v, NV(v), 59, 60, 100, 0.10, 0);
    ck_assert_double_eq_tol(r.mean, 120, 1e-9);
    r = rec(v, NV(v), 49, 60, 100, 0.10, 0);
    ck_assert_double_eq_tol(r.mean, 100, 1e-9);
    /* an error rate: one failure at the instant the fault armed */
    static const double e[] = {0, 0, 0, 0, 0.01, 0.5, 0.5, 0, 0, 0};
    r = rec(e, NV(e), 50, 70, 100, 0.10, 0);
    ck_assert_double_eq(r.mean, 0);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 80);
}
END_TEST

START_TEST(recovery_without_baseline)
{
    static const double v[] = {100, 100, 100, 100};
    gt_recovery r = rec(v, NV(v), 9, 0, 40, 0.10, 0); /* first ends at 10 */
    ck_assert(!r.have_band);
    ck_assert(!r.recovered);
    ck_assert_int_eq(r.at, 0);
    ck_assert_int_eq(r.time, 0);
    r = rec(v, 0, 1000, 0, 1000, 0.10, 0);
    ck_assert(!r.have_band);
    ck_assert(!r.recovered);
}
END_TEST

/* In band all along except the last sample, hold longer than the run: an
 * implementation rescanning from each start takes ~n^2/2 steps and hits
 * the test's timeout. */
START_TEST(recovery_is_linear)
{
    enum { N = 2000000 };
    double *v = malloc(N * sizeof *v);
    for (size_t i = 0; i < N; i++)
        v[i] = i + 1 < N ? 100 : 0;
    gt_recovery r = rec(v, N, 50, 60, (int64_t)N * STEP, 0.10, (int64_t)N * STEP);
    ck_assert(r.have_band);
    ck_assert(!r.recovered);
    r = rec(v, N, 50, 60, (int64_t)N * STEP, 0.10, (int64_t)(N - 10) * STEP);
    ck_assert(r.recovered);
    ck_assert_int_eq(r.at, 60);
    free(v);
}
END_TEST

/* ---------------------------------------------------------------- files */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void mk_tmpdir(char *buf, size_t len)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, len, "%s/gt-metrics-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Entries of dir other than . and ..; the first one's name into first. */
static int entries(const char *dir, char *first, size_t len)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && first)
            snprintf(first, len, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

static void assert_contents(const char *path, const char *want)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    ck_assert_uint_eq(n, strlen(want));
    ck_assert_str_eq(buf, want);
}

START_TEST(write_atomic_writes_and_replaces)
{
    char dir[256], path[300], name[NAME_MAX + 1];
    mk_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.json", dir);
    umask(077); /* the mode is 0644 whatever the umask */
    ck_assert_int_eq(rep_write_atomic(path, "{\"a\": 1}\n", 9), 0);
    assert_contents(path, "{\"a\": 1}\n");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(rep_write_atomic(path, "{}", 2), 0); /* shorter */
    assert_contents(path, "{}");
    ck_assert_int_eq(rep_write_atomic(path, "", 0), 0);
    assert_contents(path, "");
    ck_assert_int_eq(entries(dir, name, sizeof name), 1); /* no temp left */
    ck_assert_str_eq(name, "out.json");
    ck_assert_int_eq(chdir(dir), 0); /* a bare name: the current directory */
    ck_assert_int_eq(rep_write_atomic("bare", "x", 1), 0);
    assert_contents("bare", "x");
    ck_assert_int_eq(entries(".", NULL, 0), 2);
    rm_tree(dir);
}
END_TEST

START_TEST(write_atomic_missing_directory)
{
    char dir[256], path[300];
    mk_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/nope/out.json", dir);
    ck_assert_int_eq(rep_write_atomic(path, "x", 1), -ENOENT);
    ck_assert_int_eq(entries(dir, NULL, 0), 0);
    rm_tree(dir);
}
END_TEST

/* The rename fails after the temp file was written: it is removed, and
 * what was at path is untouched. */
START_TEST(write_atomic_failed_rename_cleans_up)
{
    char dir[256], path[300], name[NAME_MAX + 1];
    mk_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/sub", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(rep_write_atomic(path, "x", 1), -EISDIR);
    ck_assert_int_eq(entries(dir, name, sizeof name), 1);
    ck_assert_str_eq(name, "sub");
    ck_assert_int_eq(entries(path, NULL, 0), 0);
    rm_tree(dir);
}
END_TEST

/* Each allocation failing in turn: -ENOMEM, nothing leaked or created. */
START_TEST(write_atomic_alloc_failures)
{
    if (!af_available())
        return; /* sanitizer build: ASan owns malloc */
    char dir[256], path[300];
    mk_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.json", dir);
    long n = 1;
    for (; n < 50; n++) {
        af_fail_nth(n);
        long before = af_live();
        int rc = rep_write_atomic(path, "data", 4);
        long leaked = af_live() - before;
        if (!af_stop()) {
            ck_assert_int_eq(rc, 0);
            break;
        }
        ck_assert_int_eq(rc, -ENOMEM);
        ck_assert_int_eq(leaked, 0);
        ck_assert_int_eq(entries(dir, NULL, 0), 0);
    }
    ck_assert_int_gt(n, 1); /* at least one allocation was failed */
    assert_contents(path, "data");
    rm_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------- seeds, names */

START_TEST(seed_derive_pinned)
{
    /* Pinned: changing the derivation changes every recorded replay. */
    ck_assert_uint_eq(gt_seed_derive(GT_SEED_DEFAULT, "checkout_under_dep_latency"),
                      UINT64_C(0x4deb1bc865befe0c));
    ck_assert_uint_eq(gt_seed_derive(1, "a"), UINT64_C(0x1e294378b45c3f93));
}
END_TEST

START_TEST(seed_derive_differs_and_is_never_zero)
{
    uint64_t a = gt_seed_derive(GT_SEED_DEFAULT, "a");
    ck_assert_uint_eq(gt_seed_derive(GT_SEED_DEFAULT, "a"), a);
    ck_assert_uint_ne(gt_seed_derive(GT_SEED_DEFAULT, "b"), a);
    ck_assert_uint_ne(gt_seed_derive(GT_SEED_DEFAULT, "a "), a);
    ck_assert_uint_ne(gt_seed_derive(GT_SEED_DEFAULT + 1, "a"), a);
    ck_assert_uint_ne(gt_seed_derive(0, ""), 0);
    /* This suite seed makes the mix of "zero" exactly 0 (found by inverting
     * splitmix64): the result must still not be 0. */
    ck_assert_uint_eq(gt_seed_derive(UINT64_C(0x950d54b55dbea5e6), "zero"), 1);
}
END_TEST

START_TEST(names_and_parse)
{
    ck_assert_str_eq(gt_mode_name(GT_MODE_SIM), "sim");
    ck_assert_str_eq(gt_mode_name(GT_MODE_REAL), "real");
    ck_assert_str_eq(gt_mode_name((gt_mode)7), "?");
    for (gt_mode m = GT_MODE_SIM; m <= GT_MODE_REAL; m++)
        ck_assert_int_eq(gt_mode_parse(gt_mode_name(m)), m);
    ck_assert_int_eq(gt_mode_parse("SIM"), -EINVAL);
    ck_assert_int_eq(gt_mode_parse("simulated"), -EINVAL);
    ck_assert_int_eq(gt_mode_parse(""), -EINVAL);
    ck_assert_int_eq(gt_mode_parse(NULL), -EINVAL);

    ck_assert_str_eq(gt_verdict_name(GT_VERDICT_PASS), "pass");
    ck_assert_str_eq(gt_verdict_name(GT_VERDICT_FAIL), "fail");
    ck_assert_str_eq(gt_verdict_name(GT_VERDICT_ERROR), "error");
    ck_assert_str_eq(gt_verdict_name((gt_verdict)3), "?");

    ck_assert_str_eq(gt_check_name(GT_CHECK_NO_LEAKED_TASKS), "no_leaked_tasks");
    ck_assert_str_eq(gt_check_name(GT_CHECK_RECOVERY_WITHIN), "recovery_within");
    ck_assert_str_eq(gt_check_name(GT_CHECK_CUSTOM), "check");
    ck_assert_str_eq(gt_check_name(GT_CHECK__COUNT), "?");
    ck_assert_str_eq(gt_check_name((gt_check_kind)-1), "?");
    for (int i = 0; i < GT_CHECK__COUNT; i++) /* every name distinct */
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(gt_check_name(i), gt_check_name(j));
}
END_TEST

Suite *suite_harness_metrics(void)
{
    Suite *s = suite_create("harness_metrics");
    TCase *h = tcase_create("hist");
    tcase_add_test(h, hist_quantiles_within_relative_error);
    tcase_add_test(h, hist_bucket_edges_across_the_range);
    tcase_add_test(h, hist_small_values_are_exact);
    tcase_add_test(h, hist_upper_edge_clamped_to_max);
    tcase_add_test(h, hist_empty_is_zero);
    tcase_add_test(h, hist_merge_equals_adding_all);
    suite_add_tcase(s, h);
    TCase *r = tcase_create("recovery");
    tcase_add_test(r, recovery_dip_then_back);
    tcase_add_test(r, recovery_never);
    tcase_add_test(r, recovery_flapping_then_stable);
    tcase_add_test(r, recovery_nan_breaks_a_run);
    tcase_add_test(r, recovery_exactly_at_cleared);
    tcase_add_test(r, recovery_run_cut_by_until);
    tcase_add_test(r, recovery_zero_and_negative_mean);
    tcase_add_test(r, recovery_baseline_edges);
    tcase_add_test(r, recovery_without_baseline);
    tcase_add_test(r, recovery_is_linear);
    suite_add_tcase(s, r);
    TCase *u = tcase_create("util");
    tcase_add_test(u, write_atomic_writes_and_replaces);
    tcase_add_test(u, write_atomic_missing_directory);
    tcase_add_test(u, write_atomic_failed_rename_cleans_up);
    tcase_add_test(u, write_atomic_alloc_failures);
    tcase_add_test(u, seed_derive_pinned);
    tcase_add_test(u, seed_derive_differs_and_is_never_zero);
    tcase_add_test(u, names_and_parse);
    suite_add_tcase(s, u);
    return s;
}
