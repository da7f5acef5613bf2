/* test_cli_runs.c — gauntlet run, list and replay over real scenario
 * files: verdicts and exit codes, suite.json and out/latest, crashes and
 * hangs, replay, the determinism check, selection, seeds, --jobs. Part of
 * suite harness_cli (test_cli.c). */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "harness/gt_int.h"
#include "tests/harness/cliutil.h"

#define SCN(name, extra)                                                                 \
    "return scenario {\n  name = \"" name "\",\n" extra                                \
    "  target = pool { workers = 2 },\n"                                               \
    "  load = open_loop { rate = 100, duration = \"1s\" },\n"                          \
    "  checks = { no_lost_jobs() },\n}\n"

static cJSON *suite_json(void)
{
    char *text = in_dir("out/latest/suite.json");
    ck_assert_msg(text != NULL, "no out/latest/suite.json");
    cJSON *d = cJSON_Parse(text);
    ck_assert_msg(d != NULL, "suite.json does not parse:\n%.1500s", text);
    free(text);
    return d;
}

static int count_of(const cJSON *suite, const char *what)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(suite, "counts"), what);
    ck_assert_msg(cJSON_IsNumber(v), "suite.json: no counts.%s", what);
    return v->valueint;
}

static const cJSON *entry(const cJSON *suite, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(suite, "scenarios"))
    {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        if (n && strcmp(n, name) == 0)
            return e;
    }
    ck_abort_msg("suite.json: no scenario \"%s\"", name);
    return NULL;
}

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
    ck_assert_msg(s != NULL, "no string \"%s\"", key);
    return s;
}

/* The names in suite.json, in order, joined by ','. */
static void names_of(const cJSON *suite, char *out, size_t cap)
{
    const cJSON *e;
    out[0] = '\0';
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(suite, "scenarios"))
    {
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "",
                 str(e, "name"));
    }
}

START_TEST(bad_file_does_not_stop_the_suite)
{
    fresh_dir();
    put("s/good.lua", SCN("good", ""));
    put("s/bad.lua", "return scenario {\n  name = \"bad\",\n  target = pool { workers = 2 \n");
    ran r = gt_run(NULL, "run", "s", NULL);
    ck_assert_msg(r.code == GT_EXIT_USAGE, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    HAS(r.err, "s/bad.lua:");
    cJSON *suite = suite_json();
    ck_assert_str_eq(str(entry(suite, "good"), "verdict"), "pass");
    char *doc = in_dir("out/latest/s_good--good.json");
    ck_assert_msg(doc != NULL, "the good file's document is missing");
    free(doc);
    cJSON_Delete(suite);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(list_format)
{
    fresh_dir();
    put("s/b.lua", SCN("beta", "  tags = { \"pool\", \"slow\" },\n"));
    put("s/a.lua", SCN("alpha", ""));
    put("s/lib/helper.lua", "return {}\n");
    ran r = gt_run(NULL, "list", "s", NULL);
    ck_assert_msg(r.code == 0, "exit %d: %.1500s", r.code, r.err);
    ck_assert_str_eq(r.out, "s/a.lua:1  alpha\ns/b.lua:1  beta  [pool, slow]\n");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(passing_suite)
{
    fresh_dir();
    put("s/a.lua", SCN("alpha", ""));
    put("s/b.lua", SCN("beta", ""));
    ran r = gt_run(NULL, "run", "s", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    HAS(r.out, "PASS  alpha");
    HAS(r.out, "2 scenarios: 2 passed, 0 failed, 0 errors");
    cJSON *suite = suite_json();
    ck_assert_int_eq(count_of(suite, "pass"), 2);
    ck_assert_int_eq(count_of(suite, "total"), 2);
    ck_assert_str_eq(str(suite, "kind"), "suite");
    char link[PATH_MAX], want[PATH_MAX + 32], path[PATH_MAX];
    snprintf(path, sizeof path, "%s/out/latest", tmpdir);
    ssize_t n = readlink(path, link, sizeof link - 1);
    ck_assert_msg(n > 0, "out/latest is not a symlink");
    link[n] = '\0';
    snprintf(want, sizeof want, "results: out/%s/suite.json\n", link);
    HAS(r.out, want);
    cJSON_Delete(suite);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(failing_check)
{
    fresh_dir();
    put("s/a.lua", "return scenario {\n  name = \"too many\",\n"
                   "  target = pool { workers = 4 },\n"
                   "  load = open_loop { rate = 100, duration = \"1s\" },\n"
                   "  checks = { max_tasks(1) },\n}\n");
    ran r = gt_run(NULL, "run", "s", NULL);
    ck_assert_msg(r.code == GT_EXIT_FAIL, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    HAS(r.out, "FAIL  too many");
    HAS(r.out, "failed max_tasks(1): measured ");
    HAS(r.out, ", bound ");
    HAS(r.out, "replay: gauntlet run s/a.lua --filter 'too many' --seed ");
    cJSON *suite = suite_json();
    const cJSON *e = entry(suite, "too many");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(e, "failed_checks")), 1);
    cJSON_Delete(suite);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(crash_and_hang_are_errors)
{
    fresh_dir();
    put("s/a.lua", SCN("fine", ""));
    put("s/b.lua", SCN("crasher", ""));
    put("s/c.lua", "return scenario {\n  name = \"sleeper\",\n  mode = \"real\",\n"
                   "  target = pool { workers = 2 },\n"
                   "  script = function(t) t:sleep(3600) end,\n"
                   "  checks = { no_lost_jobs() },\n}\n");
    ran r = gt_run("crasher", "run", "s", "--timeout", "1", NULL);
    ck_assert_msg(r.code == GT_EXIT_FAIL, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    cJSON *suite = suite_json();
    ck_assert_str_eq(str(entry(suite, "fine"), "verdict"), "pass");
    ck_assert_str_eq(str(entry(suite, "crasher"), "verdict"), "error");
    /* SIGSEGV; under ASan (abort_on_error) the report ends in SIGABRT */
    HAS(str(entry(suite, "crasher"), "reason"), "crashed: killed by SIG");
    ck_assert_str_eq(str(entry(suite, "sleeper"), "verdict"), "error");
    ck_assert_str_eq(str(entry(suite, "sleeper"), "reason"), "hung: no result after 1 s");
    ck_assert_int_eq(count_of(suite, "error"), 2);
    HAS(r.out, "hung: no result after 1 s");
    HAS(r.out, "crashed: killed by SIG");
    char *doc = in_dir("out/latest/s_c--sleeper.json");
    ck_assert_msg(doc != NULL, "the hung scenario has no document");
    HAS(doc, "\"error\"");
    free(doc);
    cJSON_Delete(suite);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(replay_gives_the_same_document)
{
    fresh_dir();
    put("s/a.lua", SCN("alpha", ""));
    put("s/b.lua", SCN("beta", ""));
    ran r = gt_run(NULL, "run", "s", "--out", "first", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    release(&r);
    r = gt_run(NULL, "replay", "first/latest/s_b--beta.json", "--out", "again", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    HAS(r.out, "1 scenario: 1 passed");
    char *a = in_dir("first/latest/s_b--beta.json"), *b = in_dir("again/latest/s_b--beta.json");
    ck_assert_msg(a && b, "a document is missing");
    char ra[32], rb[32], path[128], values[256];
    ck_assert_int_eq(gt__json_raw(a, "seed", ra, sizeof ra), 0);
    ck_assert_int_eq(gt__json_raw(b, "seed", rb, sizeof rb), 0);
    ck_assert_str_eq(ra, rb);
    ck_assert_msg(gt__doc_diff(a, b, path, sizeof path, values, sizeof values) == 0,
                  "replay differs at %s: %s", path, values);
    free(a), free(b);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(check_determinism_passes)
{
    fresh_dir();
    put("s/a.lua", SCN("alpha", ""));
    ran r = gt_run(NULL, "run", "s", "--check-determinism", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    cJSON *suite = suite_json();
    ck_assert_int_eq(count_of(suite, "pass"), 1);
    char *again = in_dir("out/latest/s_a--alpha.again.json");
    ck_assert_msg(again == NULL, "the second document was kept though identical");
    cJSON_Delete(suite);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(filter_tag_shard_select)
{
    char names[256];
    fresh_dir();
    put("s/a.lua", SCN("apple", "  tags = { \"fruit\" },\n"));
    put("s/b.lua", SCN("avocado", "  tags = { \"fruit\", \"green\" },\n"));
    put("s/c.lua", SCN("carrot", "  tags = { \"root\" },\n"));
    put("s/d.lua", SCN("kale", "  tags = { \"green\" },\n"));
    const char *const sel[][3] = {
        {"--filter", "a*", "apple,avocado"},
        {"--tag", "green", "avocado,kale"},
        {"--shard", "1/2", "apple,carrot"},
        {"--shard", "2/2", "avocado,kale"},
    };
    for (size_t k = 0; k < sizeof sel / sizeof *sel; k++) {
        ran r = gt_run(NULL, "run", "s", sel[k][0], sel[k][1], NULL);
        ck_assert_msg(r.code == 0, "%s %s: exit %d\n%.1500s", sel[k][0], sel[k][1], r.code, r.err);
        cJSON *suite = suite_json();
        names_of(suite, names, sizeof names);
        ck_assert_msg(strcmp(names, sel[k][2]) == 0, "%s %s: %s", sel[k][0], sel[k][1], names);
        cJSON_Delete(suite);
        release(&r);
    }
    ran r = gt_run(NULL, "run", "s", "--tag", "root", "--tag", "fruit", "--filter", "*o*", NULL);
    ck_assert_int_eq(r.code, 0);
    cJSON *suite = suite_json();
    names_of(suite, names, sizeof names);
    ck_assert_str_eq(names, "avocado,carrot");
    cJSON_Delete(suite);
    release(&r);
    r = gt_run(NULL, "run", "s", "--filter", "zzz*", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "no scenario selected");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(seeds_range_runs_each_seed)
{
    fresh_dir();
    put("s/a.lua", SCN("alpha", ""));
    ran r = gt_run(NULL, "run", "s", "--seeds", "1..3", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    cJSON *suite = suite_json();
    ck_assert_int_eq(count_of(suite, "total"), 3);
    const cJSON *e;
    int want = 1;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(suite, "scenarios"))
    {
        ck_assert_int_eq(cJSON_GetObjectItem(e, "seed")->valueint, want);
        char id[64];
        snprintf(id, sizeof id, "s_a--alpha--s%d", want++);
        ck_assert_str_eq(str(e, "id"), id);
    }
    cJSON_Delete(suite);
    release(&r);
    /* one scenario, --seed: exactly that seed, written exactly */
    r = gt_run(NULL, "run", "s", "--seed", "18446744073709551615", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    char *doc = in_dir("out/latest/s_a--alpha.json"), raw[32];
    ck_assert_msg(doc != NULL, "no document");
    ck_assert_int_eq(gt__json_raw(doc, "seed", raw, sizeof raw), 0);
    ck_assert_str_eq(raw, "18446744073709551615");
    free(doc);
    release(&r);
    done_dir();
}
END_TEST

START_TEST(jobs_do_not_change_documents)
{
    fresh_dir();
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int k = 0; k < 5; k++) {
        char file[32], text[512];
        snprintf(file, sizeof file, "s/%s.lua", names[k]);
        snprintf(text, sizeof text, SCN("%s", ""), names[k]);
        put(file, text);
    }
    ran r = gt_run(NULL, "run", "s", "--jobs", "1", "--out", "one", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    release(&r);
    r = gt_run(NULL, "run", "s", "--jobs", "4", "--out", "four", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%.1500s%.1500s", r.code, r.out, r.err);
    release(&r);
    for (int k = 0; k < 5; k++) {
        char p1[64], p4[64], path[128], values[256];
        snprintf(p1, sizeof p1, "one/latest/s_%s--%s.json", names[k], names[k]);
        snprintf(p4, sizeof p4, "four/latest/s_%s--%s.json", names[k], names[k]);
        char *a = in_dir(p1), *b = in_dir(p4);
        ck_assert_msg(a && b, "missing %s or %s", p1, p4);
        ck_assert_msg(gt__doc_diff(a, b, path, sizeof path, values, sizeof values) == 0,
                      "%s: --jobs 1 and 4 differ at %s: %s", names[k], path, values);
        free(a), free(b);
    }
    done_dir();
}
END_TEST

/* A directory given with its trailing slash: the suite root loses it, and
 * messages from lib/ name "s/lib/x.lua", not "s//lib/x.lua" (they did). */
START_TEST(root_with_trailing_slash)
{
    fresh_dir();
    put("s/lib/x.lua", "local M = {}\nfunction M.boom() error('boom') end\nreturn M\n");
    put("s/a.lua", "local x = require('lib.x')\n"
                   "return scenario { name = 'c', target = pool { workers = 2, queue = 4, cost = '1ms' },\n"
                   "  load = open_loop { rate = 10, duration = '1s' },\n"
                   "  checks = { check('b', function(run) x.boom() end) } }\n");
    ran r = gt_run(NULL, "run", "s/", "--out", "o", NULL);
    ck_assert_int_eq(r.code, 1);
    HAS(r.out, "failed b: measured error, bound true - s/lib/x.lua:2: boom\n");
    ck_assert_ptr_null(strstr(r.out, "//"));
    release(&r);
    done_dir();
}
END_TEST

TCase *tcase_cli_runs(void)
{
    TCase *runs = tcase_create("runs");
    tcase_set_timeout(runs, 120);
    tcase_add_test(runs, bad_file_does_not_stop_the_suite);
    tcase_add_test(runs, list_format);
    tcase_add_test(runs, passing_suite);
    tcase_add_test(runs, failing_check);
    tcase_add_test(runs, crash_and_hang_are_errors);
    tcase_add_test(runs, replay_gives_the_same_document);
    tcase_add_test(runs, check_determinism_passes);
    tcase_add_test(runs, filter_tag_shard_select);
    tcase_add_test(runs, seeds_range_runs_each_seed);
    tcase_add_test(runs, jobs_do_not_change_documents);
    tcase_add_test(runs, root_with_trailing_slash);
    return runs;
}
