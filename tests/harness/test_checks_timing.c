/* test_checks_timing.c — recovery_within, p99_below, error_rate_below and
 * custom checks (the others are in test_checks.c), judged on real runs:
 * a scenario file is written, loaded and run in this process (sim mode,
 * fixed seed) and its result document read back, each check on a run
 * where it must hold, one where it must fail, and one where it measured
 * nothing and must fail saying so. Sim time is exact: a job costing 5 ms
 * at a low rate is answered in exactly 5 ms, so most values are asserted
 * exactly; where a seeded draw decides (a fault's p), the document is
 * checked against itself (measured agrees with the summary). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/runutil.h"

static char want[1024];

/* ---------------------------------------------------------------- recovery_within */

/* 500 jobs/s of 2 ms on 4 workers; for 500 ms every job takes 20 ms more
 * (capacity drops to ~180/s, the queue fills). Throughput is back in its
 * band 220 ms after the fault cleared (sim: exact). */
static const char *const recovery_file =
    "local P = pool { workers = 4, queue = 64, cost = '2ms' }\n"
    "local L = open_loop { rate = 500, duration = '3s', timeout = '2s' }\n"
    "return {\n"
    "  scenario { name = 'quick', target = P, load = L,\n"
    "    faults = { delay { point = 'svc/pool/exec', by = '20ms', from = '1s', to = '1500ms' } },\n"
    "    checks = { recovery_within('1s'), recovery_within('100ms'),\n"
    "      recovery_within('1s', { hold = '2s' }),\n"
    "      recovery_within('200ms', { metric = 'latency_p99' }),\n"
    "      recovery_within('200ms', { metric = 'latency_p99', tolerance = 10 }) } },\n"
    "  scenario { name = 'never clears', target = P, load = L,\n"
    "    faults = { delay { point = 'svc/pool/exec', by = '20ms', from = '1s' } },\n"
    "    checks = { recovery_within('1s') } },\n"
    "  scenario { name = 'no fault', target = P,\n"
    "    script = function(t) t:start() t:load(L):wait() end,\n"
    "    checks = { recovery_within('1s') } },\n"
    "  scenario { name = 'no baseline', target = P, load = L,\n"
    "    faults = { delay { point = 'svc/pool/exec', by = '20ms', to = '1s' } },\n"
    "    checks = { recovery_within('1s') } },\n"
    "}\n";

START_TEST(recovery_after_a_delay_window)
{
    gt_file *f = ru_load(recovery_file);
    cJSON *d = ru_run(f, 0, RU_SEED);
    const cJSON *c = ru_assert_check(d, "recovery_within(1s)", true, "220ms");
    ck_assert_str_eq(ru_str(c, "bound"), "1s");
    ru_detail_has(c, "throughput back in [");
    ru_detail_has(c, "] at 1.720s (faults cleared at 1.500s)");
    c = ru_assert_check(d, "recovery_within(100ms)", false, "220ms");
    ck_assert_str_eq(ru_str(c, "bound"), "100ms");
    /* the document's recovery (the first recovery_within's options) */
    ck_assert_str_eq(ru_str(d, "recovery.metric"), "throughput");
    ck_assert(cJSON_IsTrue(ru_get(d, "recovery.recovered")));
    ck_assert_int_eq(ru_num(d, "recovery.cleared_ns"), 1500000000);
    ck_assert_int_eq(ru_num(d, "recovery.at_ns"), 1720000000);
    ck_assert_int_eq(ru_num(d, "recovery.time_ns"), 220000000);
    ck_assert_double_le(ru_num(d, "recovery.band_lo"), 500);
    ck_assert_double_ge(ru_num(d, "recovery.band_hi"), 500);
    const cJSON *ph = ru_get(d, "phases");
    ck_assert_int_eq(cJSON_GetArrayItem(ru_get(ph, "fault"), 0)->valueint, 1000000000);
    ck_assert_int_eq(cJSON_GetArrayItem(ru_get(ph, "fault"), 1)->valueint, 1500000000);
    ck_assert_int_eq(cJSON_GetArrayItem(ru_get(ph, "recovery"), 1)->valueint, 1720000000);
    ck_assert_int_eq(cJSON_GetArrayItem(ru_get(ph, "steady"), 0)->valueint, 1720000000);
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* hold, metric and tolerance change the outcome. */
START_TEST(recovery_options)
{
    gt_file *f = ru_load(recovery_file);
    cJSON *d = ru_run(f, 0, RU_SEED);
    /* a 2 s hold cannot fit between 1.5 s and the end at 3 s */
    const cJSON *c = ru_assert_check(d, "recovery_within(1s, hold=2s)", false, "never");
    ru_detail_has(c, "throughput never stayed in its baseline band [");
    ru_detail_has(c, "] for 2.000s after the faults cleared at 1.500s");
    /* p99 latency: back within 10% of its baseline (2 ms) 220 ms after */
    c = ru_assert_check(d, "recovery_within(200ms, latency_p99)", false, "220ms");
    ru_detail_has(c, "latency_p99 back in [1.8e+06, 2.2e+06] at 1.720s");
    /* a band ten times as wide: back sooner */
    c = ru_assert_check(d, "recovery_within(200ms, latency_p99, tolerance=10)", true, "190ms");
    ru_detail_has(c, "latency_p99 back in [-1.8e+07, 2.2e+07] at 1.690s");
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* Nothing to recover from: a fault that lasts until the end, no fault at
 * all, a fault from the very start (no baseline). Each fails, saying why. */
START_TEST(recovery_measures_nothing)
{
    gt_file *f = ru_load(recovery_file);
    cJSON *d = ru_run(f, 1, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "recovery_within(1s)", false, "-"),
                 "the faults never cleared before the end of the run");
    ck_assert(cJSON_IsNull(ru_get(d, "recovery")));
    ck_assert(cJSON_IsNull(ru_get(d, "phases.recovery")));
    ck_assert(cJSON_IsNull(ru_get(d, "phases.steady")));
    ck_assert_int_eq(ru_num(cJSON_GetArrayItem(ru_get(d, "faults.windows"), 0), "to_ns"), -1);
    cJSON_Delete(d);

    d = ru_run(f, 2, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "recovery_within(1s)", false, "-"),
                 "no fault was active during the run: nothing to recover from");
    ck_assert(cJSON_IsNull(ru_get(d, "phases.fault")));
    cJSON_Delete(d);

    d = ru_run(f, 3, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "recovery_within(1s)", false, "-"),
                 "no baseline: no sample before the first fault at 0.000s");
    ck_assert(!cJSON_IsTrue(ru_get(d, "recovery.recovered")));
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- p99_below, error_rate_below */

/* 5 ms jobs at 100/s on 4 workers: no queueing, every latency exactly
 * 5 ms. The bound is strict. */
START_TEST(p99_exact_bounds)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'p99',\n"
        "  target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  load = open_loop { rate = 100, duration = '1s' },\n"
        "  checks = { p99_below('5ms'), p99_below('5001us'), p99_below('6ms') } }\n");
    ck_assert_str_eq(ru_verdict(d), "fail");
    const cJSON *c = ru_assert_check(d, "p99_below(5ms)", false, "5ms");
    ck_assert_str_eq(ru_str(c, "bound"), "5ms");
    ru_detail_is(c, "100 requests in the all phase [0.000s, 1.000s)");
    ru_assert_check(d, "p99_below(5.001ms)", true, "5ms");
    ru_assert_check(d, "p99_below(6ms)", true, "5ms");
    ck_assert_int_eq(ru_num(d, "summary.latency.n"), 100);
    ck_assert_int_eq(ru_num(d, "summary.latency.p99_ns"), 5000000);
    ck_assert_int_eq(ru_num(d, "summary.latency.max_ns"), 5000000);
    cJSON_Delete(d);
}
END_TEST

/* A 20 ms delay from 1 s to 2 s: 5 ms before, 25 ms during; the phase
 * option picks which requests count. Without a fault, there is no fault
 * phase; without a request, nothing to measure. */
START_TEST(p99_by_phase)
{
    gt_file *f = ru_load(
        "local P = pool { workers = 4, queue = 16, cost = '5ms' }\n"
        "return {\n"
        "  scenario { name = 'phases', target = P,\n"
        "    load = open_loop { rate = 100, duration = '3s' },\n"
        "    faults = { delay { point = 'svc/pool/exec', by = '20ms', from = '1s', to = '2s' } },\n"
        "    checks = { p99_below('6ms', { phase = 'baseline' }), p99_below('6ms', { phase = 'fault' }),\n"
        "               p99_below('26ms', { phase = 'fault' }), p99_below('6ms', { phase = 'steady' }),\n"
        "               p99_below('6ms') } },\n"
        "  scenario { name = 'no fault', target = P,\n"
        "    load = open_loop { rate = 100, duration = '1s' },\n"
        "    checks = { p99_below('1s', { phase = 'fault' }), p99_below('1s', { phase = 'recovery' }),\n"
        "               p99_below('6ms', { phase = 'baseline' }), p99_below('6ms', { phase = 'steady' }) } },\n"
        "  scenario { name = 'no request', target = P,\n"
        "    script = function(t) t:start() t:sleep('100ms') end,\n"
        "    checks = { p99_below('1s') } },\n"
        "}\n");
    cJSON *d = ru_run(f, 0, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    const cJSON *c = ru_assert_check(d, "p99_below(6ms, baseline)", true, "5ms");
    ru_detail_is(c, "100 requests in the baseline phase [0.000s, 1.000s)");
    c = ru_assert_check(d, "p99_below(6ms, fault)", false, "25ms");
    ru_detail_has(c, "requests in the fault phase [1.000s, 2.000s)");
    ru_assert_check(d, "p99_below(26ms, fault)", true, "25ms");
    ru_assert_check(d, "p99_below(6ms, steady)", true, "5ms");
    ru_assert_check(d, "p99_below(6ms)", false, "25ms");
    cJSON_Delete(d);

    d = ru_run(f, 1, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "p99_below(1s, fault)", false, "-"), "the run had no fault phase");
    ru_detail_is(ru_assert_check(d, "p99_below(1s, recovery)", false, "-"),
                 "the run had no recovery phase");
    ru_assert_check(d, "p99_below(6ms, baseline)", true, "5ms"); /* no fault: the whole run */
    ru_assert_check(d, "p99_below(6ms, steady)", true, "5ms");
    cJSON_Delete(d);

    d = ru_run(f, 2, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "p99_below(1s)", false, "-"),
                 "no request was answered in the all phase");
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* Half the jobs fail at the worker for the whole run (a seeded draw: the
 * rate is near 0.5, and measured agrees with the summary exactly). */
START_TEST(error_rate_with_failing_jobs)
{
    gt_file *f = ru_load(
        "local P = pool { workers = 4, queue = 16, cost = '1ms' }\n"
        "return {\n"
        "  scenario { name = 'errors', target = P,\n"
        "    load = open_loop { rate = 200, duration = '1s' },\n"
        "    faults = { error { point = 'svc/pool/exec', p = 0.5 } },\n"
        "    checks = { error_rate_below(0.7), error_rate_below(0.3) } },\n"
        "  scenario { name = 'clean', target = P,\n"
        "    load = open_loop { rate = 200, duration = '1s' },\n"
        "    checks = { error_rate_below(0.001) } },\n"
        "  scenario { name = 'silent', target = P,\n"
        "    script = function(t) t:start() t:sleep('100ms') end,\n"
        "    checks = { error_rate_below(0.5) } },\n"
        "}\n");
    cJSON *d = ru_run(f, 0, RU_SEED);
    int failed = (int)ru_num(d, "summary.requests.failed");
    int ok = (int)ru_num(d, "summary.requests.ok");
    ck_assert_int_eq(failed + ok, 200);
    ck_assert_int_ge(failed, 60); /* 200 draws of p = 0.5: 100 +- 7 */
    ck_assert_int_le(failed, 140);
    char m[32];
    snprintf(m, sizeof m, "%.4g", failed / 200.0);
    const cJSON *c = ru_assert_check(d, "error_rate_below(0.7)", true, m);
    ck_assert_str_eq(ru_str(c, "bound"), "0.7");
    snprintf(want, sizeof want, "%d of 200 requests failed", failed);
    ru_detail_is(c, want);
    ru_assert_check(d, "error_rate_below(0.3)", false, m);
    ck_assert_int_eq(ru_num(d, "summary.jobs.failed"), failed);
    cJSON_Delete(d);

    d = ru_run(f, 1, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "pass");
    ru_detail_is(ru_assert_check(d, "error_rate_below(0.001)", true, "0"), "0 of 200 requests failed");
    cJSON_Delete(d);

    d = ru_run(f, 2, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "fail");
    ru_detail_is(ru_assert_check(d, "error_rate_below(0.5)", false, "-"),
                 "no request was answered: nothing to measure");
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- check(name, fn) */

static const char *const custom_file =
    "return scenario { name = 'custom',\n"
    "  target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
    "  load = open_loop { rate = 100, duration = '1s' },\n"
    "  checks = {\n"
    "    check('yes', function(run) return true end),\n"                              /* 5 */
    "    check('no', function(run) return false end),\n"
    "    check('nothing', function(run) end),\n"
    "    check('boom', function(run) error('boom') end),\n"                           /* 8 */
    "    check('index', function(run) return run.nope.x end),\n"                      /* 9 */
    "    no_lost_jobs(),\n"
    "    check('jobs', function(run)\n"
    "      return run.jobs.completed == 100 and run.jobs.total == 100 and run.jobs.lost == 0\n"
    "        and run.jobs.executions == 100 and run.jobs.duplicated == 0 end),\n"
    "    check('latency', function(run)\n"
    "      return run.latency.all.p99 < 0.1 and run.latency.all.p99 == 0.005\n"
    "        and run.latency.all.n == 100 and run.latency.fault == nil end),\n"
    "    check('queues', function(run)\n"
    "      return run.queues.pool.peak == 0 and run.queues.pool.cap == 16 end),\n"
    "    check('run', function(run)\n"
    "      return run.name == 'custom' and run.mode == 'sim' and run.seed == 1\n"
    "        and run.duration == 1 and run.requests.ok == 100 and run.requests.failed == 0\n"
    "        and run.tasks.peak == 6 and run.tasks.leaked == 0 and run.panics == 0\n"
    "        and run.faults_fired == 0 and run.recovery == nil end),\n"
    "    check('series', function(run)\n"
    "      local s = run.series\n"
    "      return #s.t == #s.completed and #s.t >= 100 and s.t[1] == 0.01 and s.t[2] == 0.02\n"
    "        and s.live_tasks[1] == 6 end),\n"
    "  } }\n";

START_TEST(custom_check_results)
{
    cJSON *d = ru_doc(custom_file);
    ck_assert_str_eq(ru_verdict(d), "fail"); /* not error: the others were judged */
    ck_assert_str_eq(ru_str(d, "reason"), "");
    const cJSON *c = ru_assert_check(d, "yes", true, "true");
    ck_assert_str_eq(ru_str(c, "check"), "check");
    ck_assert_str_eq(ru_str(c, "bound"), "true");
    ck_assert_int_eq(ru_num(c, "line"), 5);
    ru_assert_check(d, "no", false, "false");
    ru_assert_check(d, "nothing", false, "nil");
    ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "checks")), 11);
    cJSON_Delete(d);
}
END_TEST

/* An error inside fn fails that check with the message and its site. */
START_TEST(custom_check_errors)
{
    cJSON *d = ru_doc(custom_file);
    const cJSON *c = ru_assert_check(d, "boom", false, "error");
    snprintf(want, sizeof want, "%s:8: boom", ru_path);
    ck_assert_msg(strncmp(ru_str(c, "detail"), want, strlen(want)) == 0, "%s", ru_str(c, "detail"));
    c = ru_assert_check(d, "index", false, "error");
    snprintf(want, sizeof want, "%s:9: attempt to index a nil value (field 'nope')", ru_path);
    ck_assert_msg(strncmp(ru_str(c, "detail"), want, strlen(want)) == 0, "%s", ru_str(c, "detail"));
    /* the detail is the message: no traceback (it carried one) */
    ck_assert_msg(!strstr(ru_str(c, "detail"), "traceback"), "%s", ru_str(c, "detail"));
    ru_assert_check(d, "no_lost_jobs()", true, "0 jobs"); /* judged after them */
    ck_assert_int_eq(ru_failed(d), 4);
    cJSON_Delete(d);
}
END_TEST

/* fn reads the run table: jobs, latency, queues, tasks, series. */
START_TEST(custom_check_reads_the_run)
{
    cJSON *d = ru_doc(custom_file);
    ru_assert_check(d, "jobs", true, "true");
    ru_assert_check(d, "latency", true, "true");
    ru_assert_check(d, "queues", true, "true");
    ru_assert_check(d, "run", true, "true");
    ru_assert_check(d, "series", true, "true");
    cJSON_Delete(d);
}
END_TEST

/* The run table of a run with a fault: its phases and its recovery. */
START_TEST(custom_check_reads_phases)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'phased',\n"
        "  target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  load = open_loop { rate = 100, duration = '3s' },\n"
        "  faults = { delay { point = 'svc/pool/exec', by = '20ms', from = '1s', to = '2s' } },\n"
        "  checks = {\n"
        "    check('latency', function(run)\n"
        "      return run.latency.baseline.p99 == 0.005 and run.latency.fault.p99 == 0.025\n"
        "        and run.latency.baseline.n == 100 and run.latency.steady.p99 == 0.005 end),\n"
        "    check('recovery', function(run)\n"
        "      return run.recovery.recovered == true and run.recovery.time >= 0\n"
        "        and run.recovery.at >= 2 end),\n"
        "    check('fired', function(run) return run.faults_fired > 90 end),\n"
        "    check('false', function(run) return run.latency.fault.p99 < 0.025 end),\n"
        "  } }\n");
    ru_assert_check(d, "latency", true, "true");
    ru_assert_check(d, "recovery", true, "true");
    ru_assert_check(d, "fired", true, "true");
    ru_assert_check(d, "false", false, "false");
    cJSON_Delete(d);
}
END_TEST

/* No checks and no t:expect: nothing was judged, an error. */
START_TEST(no_checks_is_an_error)
{
    gt_file *f = ru_load(
        "local P = pool { workers = 4, queue = 16, cost = '1ms' }\n"
        "local L = open_loop { rate = 100, duration = '100ms' }\n"
        "return {\n"
        "  scenario { name = 'none', target = P, load = L },\n"
        "  scenario { name = 'empty', target = P, load = L, checks = { } },\n"
        "  scenario { name = 'script', target = P, script = function(t) t:start() end },\n"
        "}\n");
    for (int i = 0; i < 3; i++) {
        cJSON *d = ru_run(f, i, RU_SEED);
        ck_assert_str_eq(ru_verdict(d), "error");
        snprintf(want, sizeof want,
                 "%s:%d: the scenario states no checks (checks = { ... } or t:expect): nothing "
                 "was judged", ru_path, 4 + i);
        ck_assert_str_eq(ru_str(d, "reason"), want);
        ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "checks")), 0);
        cJSON_Delete(d);
    }
    gt__file_release(f);
}
END_TEST

Suite *suite_harness_checks_timing(void)
{
    Suite *s = suite_create("harness_checks_timing");
    TCase *tc;
    tc = tcase_create("metrics");
    tcase_add_checked_fixture(tc, ru_setup, ru_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, recovery_after_a_delay_window);
    tcase_add_test(tc, recovery_options);
    tcase_add_test(tc, recovery_measures_nothing);
    tcase_add_test(tc, p99_exact_bounds);
    tcase_add_test(tc, p99_by_phase);
    tcase_add_test(tc, error_rate_with_failing_jobs);
    suite_add_tcase(s, tc);

    tc = tcase_create("custom");
    tcase_add_checked_fixture(tc, ru_setup, ru_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, custom_check_results);
    tcase_add_test(tc, custom_check_errors);
    tcase_add_test(tc, custom_check_reads_the_run);
    tcase_add_test(tc, custom_check_reads_phases);
    tcase_add_test(tc, no_checks_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
