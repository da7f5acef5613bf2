/* test_script.c — the script API a scenario drives its run with (t:sleep,
 * t:now, t:start, t:load and its handle's wait, t:inject and its handle's
 * clear, t:clear, t:stop, t:stats, t:expect), its errors, and the run's
 * determinism: a scenario file is written, loaded and run in this process
 * (sim mode, fixed seed) and its result document read back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness/runutil.h"

static char want[1024];

/* The reason starts with "<file>:<line>: <msg>" (a traceback follows). */
static void reason_starts(const cJSON *d, int line, const char *msg)
{
    snprintf(want, sizeof want, "%s:%d: %s", ru_path, line, msg);
    const char *r = ru_str(d, "reason");
    ck_assert_msg(strncmp(r, want, strlen(want)) == 0, "reason \"%s\", want \"%s...\"", r, want);
}

/* The expectation whose message is name held (or not), n times of which
 * `held` held, at line of the scenario file. */
static void assert_expect(const cJSON *d, const char *name, bool ok, int held, int n, int line)
{
    char m[64];
    snprintf(m, sizeof m, "%d of %d held", held, n);
    const cJSON *c = ru_assert_check(d, name, ok, m);
    ck_assert_str_eq(ru_str(c, "check"), "check");
    ck_assert_str_eq(ru_str(c, "bound"), "all");
    ck_assert_int_eq(ru_num(c, "line"), 0);
    snprintf(want, sizeof want, "t:expect at %s:%d", ru_path, line);
    ru_detail_is(c, want);
}

/* ---------------------------------------------------------------- clock */

/* The scenario clock starts at 0 and t:sleep advances it by exactly its
 * duration (a string or a number of seconds). The messages carry the
 * values, so a failure shows them. */
START_TEST(sleep_advances_the_clock_exactly)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'clock', target = pool { },\n"
        "  script = function(t)\n"
        "    local a = t:now()\n"
        "    t:sleep('250ms')\n"
        "    local b = t:now()\n"
        "    t:sleep(0.5)\n"
        "    local c = t:now()\n"
        "    t:sleep('1us')\n"
        "    local e = t:now()\n"
        "    t:expect(a == 0, 'a ' .. a)\n"                                  /* 10 */
        "    t:expect(b == 0.25, 'b ' .. b)\n"
        "    t:expect(c == 0.75, 'c ' .. c)\n"
        "    t:expect(e == 0.750001, 'e ' .. e)\n"
        "  end }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    assert_expect(d, "a 0.0", true, 1, 1, 10);
    assert_expect(d, "b 0.25", true, 1, 1, 11);
    assert_expect(d, "c 0.75", true, 1, 1, 12);
    assert_expect(d, "e 0.750001", true, 1, 1, 13);
    ck_assert_int_eq(ru_num(d, "end_ns"), 750001000); /* the script's return */
    /* never started: nothing to stop */
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), -1);
    cJSON_Delete(d);
}
END_TEST

/* ---------------------------------------------------------------- load */

/* t:start, t:load(open_loop), handle:wait: 100 requests at 10 ms
 * intervals from 0, the last answered at 995 ms; then stats. */
START_TEST(start_load_wait)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'load', target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local h = t:load(open_loop { rate = 100, duration = '1s' })\n"
        "    local ok = h:wait()\n"
        "    t:expect(ok == true, 'waited')\n"
        "    t:expect(t:now() == 0.995, 'at ' .. t:now())\n"
        "    local s = t:stats()\n"
        "    t:expect(s.submitted == 100 and s.completed == 100 and s.requests_ok == 100,\n"
        "             'stats ' .. s.submitted .. ' ' .. s.completed .. ' ' .. s.requests_ok)\n"
        "  end,\n"
        "  checks = { no_lost_jobs() } }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    assert_expect(d, "waited", true, 1, 1, 6);
    assert_expect(d, "at 0.995", true, 1, 1, 7);
    assert_expect(d, "stats 100 100 100", true, 1, 1, 9);
    ru_detail_is(ru_check(d, "no_lost_jobs()"), "100 jobs, every one final");
    ck_assert_int_eq(ru_num(d, "end_ns"), 995000000);
    /* the script did not stop it: the world does when the script returns */
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), 995000000);
    ck_assert_int_eq(ru_num(d, "summary.stop.rc"), 0);
    ck_assert_int_eq(ru_num(d, "summary.requests.ok"), 100);
    cJSON_Delete(d);
}
END_TEST

/* Misuse is a script error, at the line of the call; pcall can catch it. */
static const char *const misuse_file =
    "local P = pool { workers = 4, queue = 16, cost = '5ms' }\n"
    "local L = open_loop { rate = 100, duration = '100ms' }\n"
    "local D = delay { point = 'svc/pool/exec', by = '1ms' }\n"
    "local function s(name, script) return scenario { name = name, target = P,\n"
    "  script = script, checks = { no_lost_jobs() } } end\n"
    "return {\n"
    "  s('load first', function(t) t:load(L) end),\n"                             /* 7 */
    "  s('inject first', function(t) t:inject(D) end),\n"
    "  s('start twice', function(t) t:start() t:start() end),\n"
    "  s('stop twice', function(t) t:start() t:sleep('1ms') t:stop() t:stop() end),\n" /* 10 */
    "  s('stop first', function(t) t:stop() end),\n"
    "  s('bad grace', function(t) t:start() t:stop { grace = 'abc' } end),\n"
    "  s('bad key', function(t) t:start() t:stop { grase = '1s' } end),\n"
    "  s('bad sleep', function(t) t:sleep(-1) end),\n"
    "  s('bad point', function(t) t:start() t:inject(delay { point = 'svc/pol/exec', by = '1ms' }) end),\n"
    "  s('no dep', function(t) t:start() t:inject(delay { point = 'net/dep/read', by = '1ms' }) end),\n"
    "  s('not a fault', function(t) t:start() t:inject(L) end),\n"
    "  s('load after stop', function(t) t:start() t:sleep('1ms') t:stop() t:load(L) end),\n"
    "  s('caught', function(t)\n"
    "    local ok, e = pcall(t.load, t, L)\n"
    "    t:expect(not ok, e)\n"
    "    t:start()\n"
    "    t:load(L):wait()\n"
    "  end),\n"
    "}\n";

START_TEST(misuse_is_a_script_error)
{
    static const struct {
        int line;
        const char *msg;
    } cases[] = {
        {7, "t:load: load: the target is not started (call t:start() first)"},
        {8, "t:inject: the target is not started (call t:start() first)"},
        {9, "t:start: start: the target is already started"},
        {10, "t:stop: stop: already stopped"},
        {11, "t:stop: stop: the target is not started"},
        {12, "t:stop: grace: expected a duration like \"50ms\" or a number of seconds (got abc)"},
        {13, "t:stop: unknown key \"grase\" (it takes { grace = d })"},
        {14, "t:sleep: expected a duration like \"50ms\" or a number of seconds (got -1)"},
        {15, "t:inject: point: unknown fault point \"svc/pol/exec\" (did you mean \"svc/pool/exec\"?)"},
        {16, "t:inject: point: unknown fault point \"net/dep/read\" (the target has no dep = { ... })"},
        {17, "t:inject: "},
        {18, "t:load: load: the target was stopped"},
    };
    gt_file *f = ru_load(misuse_file);
    for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        cJSON *d = ru_run(f, i, RU_SEED);
        ck_assert_msg(strcmp(ru_verdict(d), "error") == 0, "%s: %s", ru_str(d, "name"),
                      ru_verdict(d));
        reason_starts(d, cases[i].line, cases[i].msg);
        ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "checks")), 0); /* not judged */
        cJSON_Delete(d);
    }
    cJSON *d = ru_run(f, 12, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "pass");
    assert_expect(d, "t:load: load: the target is not started (call t:start() first)", true, 1, 1, 21);
    ru_detail_is(ru_check(d, "no_lost_jobs()"), "10 jobs, every one final");
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- faults */

/* t:inject arms a window now; its handle's clear ends it (once); t:clear
 * ends every window still armed. The document's windows have the
 * script's times; the faults fire exactly while armed (one job every
 * 10 ms: 30 under the first window, 10 under the third). */
START_TEST(inject_and_clear_windows)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'inject', target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local h = t:load(open_loop { rate = 100, duration = '1s' })\n"
        "    t:sleep('200ms')\n"
        "    local f = t:inject(delay { point = 'svc/pool/exec', by = '10ms' })\n" /* 6 */
        "    t:sleep('300ms')\n"
        "    t:expect(f:clear() == true, 'first clear')\n"
        "    t:expect(f:clear() == false, 'second clear')\n"
        "    local g = t:inject(delay { point = 'svc/pool/exec', by = '2ms', from = '500ms', to = '900ms' })\n" /* 10 */
        "    local k = t:inject(delay { point = 'svc/pool/exec', by = '1ms' })\n"
        "    t:expect(g.id ~= k.id and f.id ~= g.id, 'ids')\n"
        "    t:sleep('50ms')\n"
        "    t:expect(t:clear() == 2, 'clear all')\n"
        "    t:expect(t:clear() == 0, 'nothing left')\n"
        "    t:expect(g:clear() == false, 'already cleared')\n"
        "    h:wait()\n"
        "    t:expect(t:stats().faults_fired == 40, 'fired ' .. t:stats().faults_fired)\n"
        "  end,\n"
        "  checks = { no_lost_jobs() } }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    ck_assert_int_eq(ru_failed(d), 0);
    const cJSON *win = ru_get(d, "faults.windows");
    ck_assert_int_eq(cJSON_GetArraySize(win), 3);
    static const struct {
        const char *kind, *detail;
        int64_t from, to;
        int line;
    } w[] = {{"delay", "by 10ms", 200000000, 500000000, 6},
             {"delay", "by 2ms", 500000000, 550000000, 10},
             {"delay", "by 1ms", 500000000, 550000000, 11}};
    for (int i = 0; i < 3; i++) {
        const cJSON *o = cJSON_GetArrayItem(win, i);
        ck_assert_str_eq(ru_str(o, "point"), "svc/pool/exec");
        ck_assert_str_eq(ru_str(o, "kind"), w[i].kind);
        ck_assert_str_eq(ru_str(o, "detail"), w[i].detail);
        ck_assert_int_eq(ru_num(o, "from_ns"), w[i].from);
        ck_assert_int_eq(ru_num(o, "to_ns"), w[i].to);
        ck_assert_int_eq(ru_num(o, "line"), w[i].line);
    }
    /* 30 jobs under the 10 ms delay, 5 under each of the other two */
    ck_assert_int_eq(ru_num(d, "faults.events_total"), 40);
    assert_expect(d, "fired 40", true, 1, 1, 18);
    /* the phases follow the windows */
    const cJSON *ph = ru_get(d, "phases.fault");
    ck_assert_int_eq(cJSON_GetArrayItem(ph, 0)->valueint, 200000000);
    ck_assert_int_eq(cJSON_GetArrayItem(ph, 1)->valueint, 550000000);
    cJSON_Delete(d);
}
END_TEST

/* A window injected with its own from/to ends by itself at `to`. */
START_TEST(injected_window_ends_by_itself)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'window', target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local h = t:load(open_loop { rate = 100, duration = '1s' })\n"
        "    t:sleep('100ms')\n"
        "    t:inject(error { point = 'svc/pool/exec', from = '300ms', to = '400ms' })\n"
        "    h:wait()\n"
        "  end,\n"
        "  checks = { error_rate_below(0.2), error_rate_below(0.1) } }\n");
    /* jobs at 300, 310, ... 390 ms fail: 10 of 100 */
    ru_assert_check(d, "error_rate_below(0.2)", true, "0.1");
    ru_detail_is(ru_check(d, "error_rate_below(0.2)"), "10 of 100 requests failed");
    ru_assert_check(d, "error_rate_below(0.1)", false, "0.1");
    const cJSON *o = cJSON_GetArrayItem(ru_get(d, "faults.windows"), 0);
    ck_assert_int_eq(ru_num(o, "from_ns"), 300000000);
    ck_assert_int_eq(ru_num(o, "to_ns"), 400000000);
    cJSON_Delete(d);
}
END_TEST

/* A fault and a load passed from a coroutine of the script. */
START_TEST(api_from_a_coroutine)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'co', target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local h\n"
        "    coroutine.wrap(function()\n"
        "      h = t:load(open_loop { rate = 100, duration = '1s' })\n"
        "      t:sleep('100ms')\n"
        "      t:inject(error { point = 'svc/pool/exec', to = '200ms' })\n"
        "    end)()\n"
        "    t:expect(t:now() == 0.1, 'now ' .. t:now())\n"
        "    h:wait()\n"
        "  end,\n"
        "  checks = { error_rate_below(1) } }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    ru_detail_is(ru_check(d, "error_rate_below(1)"), "10 of 100 requests failed");
    cJSON_Delete(d);
}
END_TEST

/* ---------------------------------------------------------------- stop, stats */

/* t:stop{ grace } mid-load, then t:stats(): every field. 4 workers on
 * 50 ms jobs, 100/s (more than they can take): at 500 ms, 36 are done, 4
 * running and 10 queued; stop returns once the 14 are drained, at 660 ms
 * (grace 1 s). live_tasks is the last sample's (650 ms, mid-drain). */
START_TEST(stop_and_stats)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'stats', target = pool { workers = 4, queue = 16, cost = '50ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    t:load(open_loop { rate = 100, duration = '2s', timeout = '5s' })\n"
        "    t:sleep('500ms')\n"
        "    local a = t:stats()\n"
        "    t:stop { grace = '1s' }\n"
        "    local b = t:stats()\n"
        "    local function show(s)\n"
        "      local ks = { }\n"
        "      for k, v in pairs(s) do ks[#ks + 1] = k .. '=' .. v end\n"
        "      table.sort(ks)\n"
        "      return table.concat(ks, ' ')\n"
        "    end\n"
        "    t:expect(true, 'before ' .. show(a))\n"
        "    t:expect(true, 'after ' .. show(b))\n"
        "    t:expect(t:now() == 0.66, 'stopped ' .. t:now())\n"
        "  end,\n"
        "  checks = { drains_within('200ms'), no_lost_jobs() } }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    const cJSON *c = cJSON_GetArrayItem(ru_get(d, "checks"), 2);
    ck_assert_str_eq(ru_str(c, "name"),
                     "before cancelled=0 completed=36 failed=0 faults_fired=0 live_tasks=6 "
                     "queued=10 rejected=0 requests_failed=0 requests_ok=36 running=4 "
                     "submitted=50 workers=4");
    c = cJSON_GetArrayItem(ru_get(d, "checks"), 3);
    ck_assert_str_eq(ru_str(c, "name"),
                     "after cancelled=0 completed=50 failed=0 faults_fired=0 live_tasks=2 "
                     "queued=0 rejected=0 requests_failed=0 requests_ok=50 running=0 "
                     "submitted=50 workers=0");
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), 500000000);
    ck_assert_int_eq(ru_num(d, "summary.stop.exited_ns"), 660000000);
    ck_assert_int_eq(ru_num(d, "end_ns"), 500000000); /* the measured run ends at stop */
    ru_assert_check(d, "drains_within(200ms)", true, "160ms");
    assert_expect(d, "stopped 0.66", true, 1, 1, 17);
    cJSON_Delete(d);
}
END_TEST

/* t:expect: a failing expectation is a failing check named by its
 * message; a passing one without a message is "expectation"; a site
 * reached many times is one check, counting each time, named by its first
 * failing message; it returns its condition. */
START_TEST(expect_sites)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'expect', target = pool { },\n"
        "  script = function(t)\n"
        "    t:expect(false, 'msg')\n"
        "    t:expect(true)\n"
        "    local r = { }\n"
        "    for i = 1, 5 do\n"
        "      r[i] = t:expect(i ~= 3 and i ~= 4, 'loop ' .. i)\n"
        "    end\n"
        "    t:expect(r[1] == true and r[3] == false and r[5] == true, 'returns')\n"
        "    t:expect(nil, 'nil fails')\n"
        "    t:expect(0, 'zero holds')\n"
        "  end }\n");
    ck_assert_str_eq(ru_verdict(d), "fail");
    ck_assert_str_eq(ru_str(d, "reason"), "");
    assert_expect(d, "msg", false, 0, 1, 3);
    assert_expect(d, "expectation", true, 1, 1, 4);
    assert_expect(d, "loop 3", false, 3, 5, 7);
    assert_expect(d, "returns", true, 1, 1, 9);
    assert_expect(d, "nil fails", false, 0, 1, 10);
    assert_expect(d, "zero holds", true, 1, 1, 11);
    ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "checks")), 6);
    cJSON_Delete(d);
}
END_TEST

/* Expectations come after the stated checks, both judged. */
START_TEST(expect_after_checks)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'both', target = pool { },\n"
        "  script = function(t) t:expect(true, 'e') end,\n"
        "  checks = { check('c', function() return true end) } }\n");
    ck_assert_str_eq(ru_verdict(d), "pass");
    const cJSON *cs = ru_get(d, "checks");
    ck_assert_int_eq(cJSON_GetArraySize(cs), 2);
    ck_assert_str_eq(ru_str(cJSON_GetArrayItem(cs, 0), "name"), "c");
    ck_assert_str_eq(ru_str(cJSON_GetArrayItem(cs, 1), "name"), "e");
    cJSON_Delete(d);
}
END_TEST

/* A runtime error in the script: verdict error with file:line: message,
 * nothing judged, and the target still stopped (at the error's time) with
 * its work drained. */
START_TEST(runtime_error_stops_the_target)
{
    gt_file *f = ru_load(
        "local P = pool { workers = 4, queue = 16, cost = '5ms' }\n"
        "return {\n"
        "  scenario { name = 'index', target = P, script = function(t)\n"
        "    t:start()\n"
        "    t:load(open_loop { rate = 100, duration = '1s' })\n"
        "    t:expect(true, 'before')\n"
        "    t:sleep('100ms')\n"
        "    local x = nil\n"
        "    return x.y\n"                                                   /* 9 */
        "  end, checks = { no_lost_jobs() } },\n"
        "  scenario { name = 'error', target = P, script = function(t)\n"
        "    t:start()\n"
        "    t:sleep('100ms')\n"
        "    error('kaboom')\n"                                              /* 14 */
        "  end, checks = { no_lost_jobs() } },\n"
        "}\n");
    cJSON *d = ru_run(f, 0, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "error");
    reason_starts(d, 9, "attempt to index a nil value (local 'x')");
    ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "checks")), 0);
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), 100000000);
    ck_assert_int_ge(ru_num(d, "summary.stop.exited_ns"), 100000000);
    ck_assert_int_eq(ru_num(d, "summary.stop.rc"), 0);
    ck_assert_int_eq(ru_num(d, "summary.jobs.accepted"), 0);
    ck_assert_int_eq(ru_num(d, "leaks_total"), 0);
    ck_assert_int_eq(ru_num(d, "end_ns"), 100000000);
    cJSON_Delete(d);

    d = ru_run(f, 1, RU_SEED);
    ck_assert_str_eq(ru_verdict(d), "error");
    reason_starts(d, 14, "kaboom");
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), 100000000);
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- determinism */

/* math.random follows the run's seed: its draws are recorded in an
 * expectation's message (and decide a custom check). */
static const char *const random_file =
    "return scenario { name = 'random', target = pool { },\n"
    "  script = function(t)\n"
    "    t:expect(true, 'drew ' .. math.random(1, 1000000000) .. ' ' .. math.random(1, 1000000000))\n"
    "    t:sleep('20ms')\n" /* a sample: see bug_empty_series_column */
    "  end,\n"
    "  checks = { check('odd', function() return math.random(1, 1000000000) % 2 == 1 end) } }\n";

/* The text of the first expectation (the draws). */
static const char *drawn(const cJSON *d)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, ru_get(d, "checks"))
    {
        if (strncmp(ru_str(c, "name"), "drew ", 5) == 0)
            return ru_str(c, "name");
    }
    ck_abort_msg("no draw");
    return NULL;
}

START_TEST(math_random_follows_the_seed)
{
    gt_file *f = ru_load(random_file);
    char *a = ru_run_text(f, 0, 7, NULL);
    char *b = ru_run_text(f, 0, 7, NULL); /* the same state, run again */
    gt__file_release(f);
    f = ru_load(random_file); /* a fresh state */
    char *c = ru_run_text(f, 0, 7, NULL);
    char *e = ru_run_text(f, 0, 8, NULL);
    gt__file_release(f);
    char *aw = ru_without_wall(a), *bw = ru_without_wall(b), *cw = ru_without_wall(c);
    ck_assert_str_eq(aw, bw);
    ck_assert_str_eq(aw, cw);
    cJSON *da = cJSON_Parse(a), *de = cJSON_Parse(e);
    ck_assert_str_ne(drawn(da), drawn(de));
    char d1[64], d2[64];
    snprintf(d1, sizeof d1, "%s", drawn(da));
    snprintf(d2, sizeof d2, "%s", drawn(de));
    /* both draws of a run differ too: the generator is not reseeded per call */
    long x = 0, y = 0;
    ck_assert_int_eq(sscanf(d1, "drew %ld %ld", &x, &y), 2);
    ck_assert_int_ne(x, y);
    cJSON_Delete(da);
    cJSON_Delete(de);
    free(a), free(b), free(c), free(e), free(aw), free(bw), free(cw);
}
END_TEST

/* A run with every source of randomness (seeded fault draws, Poisson
 * arrivals, jittered costs, the front, a dependency, the scheduler's
 * random picks): the same seed gives the same document byte for byte
 * outside "wall"; another seed does not. */
static const char *const busy_file =
    "return scenario { name = 'busy',\n"
    "  target = pool { workers = 4, queue = 32, cost = { fixed = '1ms', jitter = '2ms' },\n"
    "    dep = { cost = '1ms', timeout = '20ms', retries = 1, backoff = '2ms' } },\n"
    "  load = open_loop { rate = 300, duration = '1s', jitter = true, via = 'front',\n"
    "                     retries = 2, timeout = '100ms', backoff = '5ms' },\n"
    "  faults = {\n"
    "    delay { point = 'net/dep/read', by = '10ms', jitter = '20ms', p = 0.3, from = '300ms', to = '600ms' },\n"
    "    drop { point = 'svc/front/reply', p = 0.05 },\n"
    "    error { point = 'svc/pool/exec', p = 0.02 },\n"
    "  },\n"
    "  checks = { exactly_once(), no_lost_jobs(), recovery_within('300ms'), p99_below('50ms'),\n"
    "             check('draw', function() return math.random() < 2 end) } }\n";

START_TEST(same_seed_same_document)
{
    gt_file *f = ru_load(busy_file);
    char *a = ru_run_text(f, 0, 42, NULL);
    char *b = ru_run_text(f, 0, 42, NULL);
    char *c = ru_run_text(f, 0, 43, NULL);
    gt__file_release(f);
    char *aw = ru_without_wall(a), *bw = ru_without_wall(b), *cw = ru_without_wall(c);
    ck_assert_str_eq(aw, bw);
    ck_assert_str_ne(aw, cw);
    char path[128], values[256];
    ck_assert_int_eq(gt__doc_diff(a, b, path, sizeof path, values, sizeof values), 0);
    ck_assert_int_eq(gt__doc_diff(a, c, path, sizeof path, values, sizeof values), 1);
    /* it did something worth comparing */
    cJSON *d = cJSON_Parse(a);
    ck_assert_int_gt(ru_num(d, "faults.events_total"), 10);
    ck_assert_int_gt(ru_num(d, "summary.requests.ok"), 250);
    cJSON_Delete(d);
    free(a), free(b), free(c), free(aw), free(bw), free(cw);
}
END_TEST

/* ---------------------------------------------------------------- known bugs */

/* BUG: a stop at scenario time 0 is reported as never having happened:
 * svc_stats uses 0 for "has not happened" and the sim clock starts at 0,
 * so summary.stop.stop_ns and exited_ns read -1 and drains_within says
 * "the target was never stopped". (end_ns, also 0 as "not set", reads
 * 10 ms: the time of the last sample.) */
START_TEST(bug_stop_at_time_zero)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'zero', target = pool { },\n"
        "  script = function(t) t:start() t:stop() end,\n"
        "  checks = { drains_within('1s') } }\n");
    ck_assert_int_eq(ru_num(d, "summary.stop.stop_ns"), 0);
    ck_assert_int_eq(ru_num(d, "summary.stop.exited_ns"), 0);
    ru_assert_check(d, "drains_within(1s)", true, "0ns");
    ck_assert_int_eq(ru_num(d, "end_ns"), 0);
    cJSON_Delete(d);
}
END_TEST

/* BUG: a window cleared before it opened (f:clear() or t:clear() before
 * its `from`) is kept as [from, from] and still counted as a fault by the
 * phases and recovery: here no fault was ever armed, yet the fault phase
 * is [1s, 1s] and recovery_within passes ("back in [90, 110] at 1.000s
 * (faults cleared at 1.000s)") instead of failing with "no fault was
 * active during the run". (Alongside a real window it moves cleared_ns
 * past the real last clearing.) */
START_TEST(bug_window_cleared_before_it_opens)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'early clear', target = pool { workers = 4, queue = 16, cost = '5ms' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local l = t:load(open_loop { rate = 100, duration = '2s' })\n"
        "    t:sleep('500ms')\n"
        "    local f = t:inject(error { point = 'svc/pool/exec', from = '1s', to = '1500ms' })\n"
        "    t:sleep('100ms')\n"
        "    f:clear()\n"
        "    l:wait()\n"
        "  end,\n"
        "  checks = { recovery_within('1s') } }\n");
    ck_assert_int_eq(ru_num(d, "faults.events_total"), 0);
    ru_detail_is(ru_assert_check(d, "recovery_within(1s)", false, "-"),
                 "no fault was active during the run: nothing to recover from");
    ck_assert(cJSON_IsNull(ru_get(d, "phases.fault")));
    cJSON_Delete(d);
}
END_TEST

/* BUG: the world keeps GT_EXPECTS_MAX (64) expectation sites and drops
 * the rest silently: a failing 65th site is lost and the verdict is pass. */
START_TEST(bug_expect_sites_past_64_are_dropped)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'many', target = pool { },\n"
        "  script = function(t)\n"
        "    for i = 1, 65 do\n"
        "      local site = load(\"local t, i = ...; t:expect(i < 65, 'expect ' .. i)\", '=e' .. i)\n"
        "      site(t, i)\n"
        "    end\n"
        "  end }\n");
    ck_assert_str_ne(ru_verdict(d), "pass");
    cJSON_Delete(d);
}
END_TEST

/* BUG: the 17th t:load's error message prints garbage for the limit
 * ("load: at most 134486595 loads"): world.c passes the string "16" to a
 * %d (fail()'s format is not checked by the compiler). */
START_TEST(bug_loads_limit_message)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'loads', target = pool { },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    for i = 1, 17 do t:load(open_loop { rate = 10, duration = '10ms' }) end\n"
        "  end, checks = { no_lost_jobs() } }\n");
    ck_assert_str_eq(ru_verdict(d), "error");
    reason_starts(d, 4, "t:load: load: at most 16 loads");
    cJSON_Delete(d);
}
END_TEST

/* BUG: handle:wait() bounds its wait by the scenario's declared load
 * (sc->load: its timeout x 4 + grace), not by the load it belongs to. In
 * a script-only scenario that is just the grace: a load whose requests
 * take 3 s (timeout 10 s) is given up on at 1.1 s and wait returns false
 * while its request is still being served. */
START_TEST(bug_wait_uses_the_declared_load)
{
    cJSON *d = ru_doc(
        "return scenario { name = 'wait', target = pool { workers = 2, queue = 16, cost = '3s' },\n"
        "  script = function(t)\n"
        "    t:start()\n"
        "    local h = t:load(open_loop { rate = 10, duration = '100ms', timeout = '10s' })\n"
        "    local ok = h:wait()\n"
        "    t:expect(ok, 'wait ' .. tostring(ok) .. ' at ' .. t:now())\n"
        "  end }\n");
    assert_expect(d, "wait true at 3.0", true, 1, 1, 6);
    cJSON_Delete(d);
}
END_TEST

/* BUG (seen under ASan only: make SAN=1): a run that took no sample
 * has empty series columns, and result.c's col_array writes "[]" and its
 * NUL into a buffer of 2 + 21 x n bytes: one byte past a 2-byte block.
 * Whether the sampler's last sample lands is itself a race: the director
 * sleeps one step for it, but at that instant the scheduler may run the
 * director first and end the run (seeds 4, 8, 10 here; 1, 2, 3 take it).
 * Passes without ASan. */
START_TEST(bug_empty_series_column)
{
    gt_file *f = ru_load(
        "return scenario { name = 'instant', target = pool { },\n"
        "  script = function(t) t:expect(true) end }\n");
    cJSON *d = ru_run(f, 0, 4);
    ck_assert_str_eq(ru_verdict(d), "pass");
    /* fixed: the director waits for the sampler's last sample */
    ck_assert_int_eq(cJSON_GetArraySize(ru_get(d, "series.t_ns")), 1);
    cJSON_Delete(d);
    gt__file_release(f);
}
END_TEST

Suite *suite_harness_script(void)
{
    Suite *s = suite_create("harness_script");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, ru_setup, ru_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sleep_advances_the_clock_exactly);
    tcase_add_test(tc, start_load_wait);
    tcase_add_test(tc, misuse_is_a_script_error);
    tcase_add_test(tc, inject_and_clear_windows);
    tcase_add_test(tc, injected_window_ends_by_itself);
    tcase_add_test(tc, api_from_a_coroutine);
    tcase_add_test(tc, stop_and_stats);
    tcase_add_test(tc, expect_sites);
    tcase_add_test(tc, expect_after_checks);
    tcase_add_test(tc, runtime_error_stops_the_target);
    suite_add_tcase(s, tc);

    tc = tcase_create("determinism");
    tcase_add_checked_fixture(tc, ru_setup, ru_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, math_random_follows_the_seed);
    tcase_add_test(tc, same_seed_same_document);
    suite_add_tcase(s, tc);

    /* Tests of harness bugs found by these suites (each failed before its
     * fix). */
    tc = tcase_create("fixed_bugs");
    tcase_add_checked_fixture(tc, ru_setup, ru_teardown);
    tcase_set_timeout(tc, 30);
    {
        tcase_add_test(tc, bug_stop_at_time_zero);
        tcase_add_test(tc, bug_window_cleared_before_it_opens);
        tcase_add_test(tc, bug_expect_sites_past_64_are_dropped);
        tcase_add_test(tc, bug_loads_limit_message);
        tcase_add_test(tc, bug_wait_uses_the_declared_load);
        tcase_add_test(tc, bug_empty_series_column);
    }
    suite_add_tcase(s, tc);
    return s;
}
