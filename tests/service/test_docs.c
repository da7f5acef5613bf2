/* test_docs.c — the example of docs/service.md: it runs (sim clock) with
 * the results the doc describes, and the doc's copy of it is byte for byte
 * the code between the markers below, so the two cannot drift apart. The
 * doc is read from docs/service.md and this file from its own path, both
 * relative to the repo root (where `make test` runs the tests). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

/* docs:example begin */
/* A pool served by a front, loaded through the front by 8 closed-loop
 * clients for 100 ms of virtual time; then everything is stopped and the
 * ledger read. Run it as the main task of a sim scheduler:
 *
 *     gr_sched *s = NULL;
 *     example_out out = {0};
 *     gr_sched_create(&s, &(gr_sched_opts){.clock = GR_CLOCK_SIM, .seed = 1});
 *     gr_sched_run(s, example_main, &out, "main");
 *     gr_sched_release(s);
 */
#include <stdint.h>

#include "service/svc.h"

typedef struct example_out {
    int rc;                  /* 0, or the first error */
    char err[160];           /* a start's message when rc is -EINVAL */
    uint64_t answers;        /* requests the sink saw */
    int64_t worst;           /* their worst latency, ns */
    svc_load_stats load;
    svc_front_stats front;
    svc_ledger_sum sum;
} example_out;

/* Every request's outcome, once, from the task that made it. */
static void example_sink(void *ctx, uint64_t id, int status, int64_t latency, int attempts)
{
    example_out *out = ctx;
    (void)id, (void)status, (void)attempts;
    out->answers++;
    if (latency > out->worst)
        out->worst = latency;
}

static void example_main(void *arg)
{
    example_out *out = arg;
    svc_pool_cfg pool_cfg = {
        .name = "pool",              /* its fail point: svc/pool/exec */
        .workers = 4,
        .queue = 16,
        .job_timeout = GR_MS(50),
        .cost = {.fixed = GR_US(500), .jitter = GR_MS(1), .dist = INJ_DIST_UNIFORM},
    };
    svc_front_cfg front_cfg = {
        .name = "front",             /* svc/front/{request,execute,reply} */
        .endpoint = "front",         /* sim: any name; real: "127.0.0.1:0" */
        .max_conns = 64,
        .read_timeout = GR_S(1),
        .write_timeout = GR_S(1),
        .latency = GR_US(100),       /* one way; sim only */
    };
    svc_load_cfg load_cfg = {
        .closed_loop = true,
        .clients = 8,
        .think = GR_MS(1),
        .duration = GR_MS(100),
        .timeout = GR_MS(100),       /* per attempt */
        .retries = 2,
        .backoff = GR_MS(5),
    };
    svc_ledger *ledger = NULL;
    svc *pool = NULL;
    svc_front *front = NULL;
    svc_load *load = NULL;

    int rc = svc_ledger_create(&ledger);
    if (rc == 0)
        rc = svc_pool_start(&pool, &pool_cfg, ledger, NULL, out->err, sizeof out->err);
    if (rc == 0)
        rc = svc_front_start(&front, pool, &front_cfg, NULL, out->err, sizeof out->err);
    if (rc == 0) {
        load_cfg.via = svc_front_endpoint(front);
        rc = svc_load_start(&load, &load_cfg, NULL, example_sink, out, out->err,
                            sizeof out->err);
    }
    if (rc == 0) /* the 100 ms, then the last answers */
        rc = svc_load_wait(load, gr_deadline_in(GR_S(10)));
    if (rc == 0) {
        svc_load_stats_get(load, &out->load);
        rc = svc_load_release(load);
    }
    /* Stop from the outside in: the front, then the pool. Each waits up to
     * its grace for work in progress; a stop's error counts as one. */
    if (front) {
        svc_front_stats_get(front, &out->front);
        int stop_rc = svc_front_stop(front, GR_S(1));
        rc = rc ? rc : stop_rc;
    }
    if (pool) {
        int stop_rc = svc_stop(pool, GR_S(1));
        rc = rc ? rc : stop_rc;
        svc_release(pool);
    }
    if (ledger) {
        svc_ledger_summary(ledger, &out->sum);
        svc_ledger_release(ledger);
    }
    out->rc = rc;
}
/* docs:example end */

/* ------------------------------------------------------------ it runs */

START_TEST(example_runs_as_documented)
{
    example_out out;
    memset(&out, 0, sizeof out);
    gr_sched *s = sim_run(example_main, &out);
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    gr_sched_release(s);

    ck_assert_msg(out.rc == 0, "example failed: %d (%s)", out.rc, out.err);
    /* 100 ms of 8 clients: roughly 350 requests (the doc says 300 to 400) */
    ck_assert_uint_ge(out.load.started, 300);
    ck_assert_uint_le(out.load.started, 400);
    ck_assert_uint_eq(out.load.ok, out.load.started);
    ck_assert_uint_eq(out.load.failed, 0);
    ck_assert_uint_eq(out.load.retried, 0);
    ck_assert_uint_eq(out.load.outstanding, 0);
    ck_assert_uint_le(out.load.outstanding_peak, 8);
    ck_assert_uint_eq(out.answers, out.load.started);
    ck_assert_int_gt(out.worst, 0);
    /* the front ran each id once; no retry, nothing refused */
    ck_assert_uint_eq(out.front.requests, out.load.started);
    ck_assert_uint_eq(out.front.executed, out.load.started);
    ck_assert_uint_eq(out.front.deduped, 0);
    ck_assert_uint_eq(out.front.refused, 0);
    ck_assert_uint_eq(out.front.bad_frames, 0);
    ck_assert_uint_eq(out.front.conns, 8); /* one per client */
    /* the ledger: every job completed, exactly once; none lost */
    ck_assert_uint_eq(out.sum.jobs, out.load.started);
    ck_assert_uint_eq(out.sum.by_state[SVC_JOB_COMPLETED], out.sum.jobs);
    ck_assert_uint_eq(out.sum.by_state[SVC_JOB_ACCEPTED], 0);
    ck_assert_uint_eq(out.sum.execs, out.sum.jobs);
    ck_assert_uint_eq(out.sum.duplicated, 0);
    ck_assert_uint_eq(out.sum.never_run, 0);
    ck_assert_uint_eq(out.sum.retried, 0);
    ck_assert_uint_eq(out.sum.unrecorded, 0);
    /* everything stopped: no task left, no ticker running, no panic */
    ck_assert_uint_eq(st.live, 0);
    ck_assert_uint_eq(st.tickers, 0);
    ck_assert_uint_eq(st.panics, 0);
    ck_assert_int_ge(st.now, GR_MS(100));
    ck_assert_int_lt(st.now, GR_MS(200));
}
END_TEST

/* ------------------------------------------------------------ the doc shows it */

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *more = realloc(buf, 2 * cap + 1);
        if (!more) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = more;
        cap *= 2;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The text after the line `open` up to the line `close` (both whole lines,
 * the first occurrence of each); the copy is the caller's. *count is how
 * many lines `open` there are. NULL if either is missing. */
static char *between(const char *text, const char *open, const char *close, int *count)
{
    size_t lo = strlen(open), lc = strlen(close);
    const char *start = NULL, *end = NULL;
    *count = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len == lo && memcmp(p, open, lo) == 0) {
            if (++*count == 1)
                start = eol ? eol + 1 : p + len;
        } else if (start && !end && len == lc && memcmp(p, close, lc) == 0) {
            end = p;
        }
        p = eol ? eol + 1 : p + len;
    }
    if (!start || !end)
        return NULL;
    return strndup(start, (size_t)(end - start));
}

static int first_diff_line(const char *a, const char *b)
{
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        line += *a == '\n';
    return line;
}

START_TEST(doc_example_is_this_code)
{
    char *doc = slurp("docs/service.md"), *src = slurp(__FILE__);
    ck_assert_msg(doc != NULL, "cannot read docs/service.md (tests run from the repo root)");
    ck_assert_msg(src != NULL, "cannot read %s (tests run from the repo root)", __FILE__);
    int fences = 0, markers = 0;
    /* the markers are whole lines; these split literals never are */
    char *in_doc = between(doc, "```" "c", "```", &fences);
    char *in_src = between(src, "/* docs:" "example begin */", "/* docs:" "example end */",
                           &markers);
    ck_assert_msg(in_doc != NULL, "docs/service.md: no ```c ... ``` block");
    ck_assert_msg(fences == 1, "docs/service.md: %d ```c blocks, want exactly one", fences);
    ck_assert_msg(in_src != NULL && markers == 1, "%s: the example markers are missing or repeated",
                  __FILE__);
    ck_assert_msg(strcmp(in_doc, in_src) == 0,
                  "docs/service.md's example differs from %s's, first at line %d of the example",
                  __FILE__, first_diff_line(in_doc, in_src));
    free(in_doc);
    free(in_src);
    free(doc);
    free(src);
}
END_TEST

Suite *suite_service_docs(void)
{
    Suite *s = suite_create("service_docs");
    TCase *tc = tcase_create("docs");
    tcase_add_test(tc, example_runs_as_documented);
    tcase_add_test(tc, doc_example_is_this_code);
    suite_add_tcase(s, tc);
    return s;
}
