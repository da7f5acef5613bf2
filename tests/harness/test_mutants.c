/* test_mutants.c — the mutant matrix (`gauntlet run --mutants`) and its
 * replays (`--mutant BUG`): which runs it plans, the catch table and its
 * last line, the exit code, what suite.json, the HTML report and JUnit
 * say; and the shipped suite's matrix: every bug caught, no false alarm.
 * Through the gauntlet command, like a user. */
#include <cjson/cJSON.h>
#include <limits.h>

#include "tests/harness/cliutil.h"

/* A pool whose queue bound is checked (catches unbounded_queue and the
 * leaks of no_close_jobs and ticker_leak, nothing else), and a pipeline
 * that checks nothing a pipeline bug breaks at this load. */
static const char two_lua[] =
    "return {\n"
    "  scenario { name = 'bounded pool',\n"
    "    target = pool { workers = 2, queue = 8, cost = '20ms' },\n"
    "    load = open_loop { rate = 200, duration = '1s', timeout = '2s' },\n"
    "    checks = { bounded_queue('pool', 8), no_leaked_tasks() } },\n"
    "  scenario { name = 'quiet pipeline',\n"
    "    target = pipeline { stages = { { name = 'a', workers = 2, cap = 4, cost = '1ms' } } },\n"
    "    load = open_loop { rate = 50, duration = '1s' },\n"
    "    checks = { no_lost_jobs() } },\n"
    "}\n";

/* The last line of out, without its newline. */
static const char *last_line(const char *out)
{
    static char line[256];
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '\n')
        n--;
    const char *p = out + n;
    while (p > out && p[-1] != '\n')
        p--;
    snprintf(line, sizeof line, "%.*s", (int)(out + n - p), p);
    return line;
}

static cJSON *suite_doc(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/latest/suite.json", dir);
    char *t = in_dir(path);
    ck_assert_msg(t != NULL, "no %s", path);
    cJSON *d = cJSON_Parse(t);
    free(t);
    ck_assert_ptr_nonnull(d);
    return d;
}

/* The matrix of a small suite: the runs planned (each scenario with no bug
 * and with each bug that applies to it), the table, its last line, the
 * exit code (1: bugs were missed), and the documents. */
START_TEST(matrix_of_a_small_suite)
{
    fresh_dir();
    put("s/two.lua", two_lua);
    ran r = gt_run(NULL, "run", "s", "--mutants", "--out", "o", NULL);
    ck_assert_msg(r.code == 1, "exit %d\n%s%s", r.code, r.out, r.err);
    ck_assert_str_eq(last_line(r.out), "mutants: caught 3/11, false alarms 0");
    HAS(r.out, "  unbounded_queue   caught bounded pool: bounded_queue(pool, 8)  [1 of 1 runs]");
    HAS(r.out, "  unbounded_spawn   MISSED 1 run, no check failed\n");
    HAS(r.out, "  no_timeout        MISSED 0 runs, no check failed (no selected scenario can "
               "switch it on)\n");
    HAS(r.out, "  none              ok     2 runs with no bug, 0 not passing\n");
    HAS(r.out, "[mutant send_after_close]");
    ck_assert_ptr_null(strstr(r.out, "\nFAIL  s/two.lua")); /* a bug's failures: the table's */
    release(&r);

    cJSON *d = suite_doc("o");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(d, "mutants")), 11);
    /* pool: none + 7 pool bugs; pipeline: none + 3 pipeline bugs */
    const cJSON *arr = cJSON_GetObjectItem(d, "scenarios"), *e;
    ck_assert_int_eq(cJSON_GetArraySize(arr), 12);
    int none = 0, bugs = 0;
    cJSON_ArrayForEach(e, arr)
    {
        const char *m = cJSON_GetObjectItem(e, "mutant")->valuestring;
        const char *id = cJSON_GetObjectItem(e, "id")->valuestring;
        if (strcmp(m, "none") == 0) {
            none++;
            ck_assert_ptr_null(strstr(id, "--m"));
            continue;
        }
        bugs++;
        char suffix[64];
        snprintf(suffix, sizeof suffix, "--m%s", m);
        ck_assert_msg(strstr(id, suffix), "id %s lacks %s", id, suffix);
    }
    ck_assert_int_eq(none * 100 + bugs, 210);
    cJSON_Delete(d);

    char *html = in_dir("o/latest/index.html"), *junit = in_dir("o/latest/junit.xml");
    ck_assert(html && junit);
    HAS(html, "<h2 id=\"mutants\">Mutant matrix</h2>");
    HAS(html, "caught 3/11, false alarms 0");
    HAS(html, "MISSED");
    HAS(junit, "<testsuite name=\"mutant matrix\" tests=\"12\" failures=\"8\"");
    HAS(junit, "<testcase name=\"unbounded_queue\" classname=\"mutants\"");
    free(html), free(junit);
    done_dir();
}
END_TEST

/* A scenario that fails with no bug on is a false alarm: reported, and
 * the matrix does not hold. */
START_TEST(false_alarm_fails_the_matrix)
{
    fresh_dir();
    put("s/bad.lua", "return scenario { name = 'too tight',\n"
                     "  target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
                     "  load = open_loop { rate = 100, duration = '1s' },\n"
                     "  checks = { max_tasks(1) } }\n");
    ran r = gt_run(NULL, "run", "s", "--mutants", "--out", "o", NULL);
    ck_assert_msg(r.code == 1, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.out, "  none              ALARM  1 run with no bug, 1 not passing\n");
    HAS(r.out, "    false alarm: s/bad.lua:1: too tight (fail)\n");
    HAS(r.out, "FAIL  s/bad.lua:1: too tight"); /* its details, as in any run */
    ck_assert_str_eq(last_line(r.out), "mutants: caught 0/11, false alarms 1");
    release(&r);
    done_dir();
}
END_TEST

/* A bug's run replays alone with --mutant: the same document (outside
 * wall and the command), the same verdict, the normal exit code. */
START_TEST(mutant_run_replays)
{
    fresh_dir();
    put("s/two.lua", two_lua);
    ran r = gt_run(NULL, "run", "s", "--mutants", "--quiet", "--out", "o", NULL);
    release(&r);
    char *a = in_dir("o/latest/s_two--bounded_pool--munbounded_queue.json");
    ck_assert_msg(a != NULL, "no document for the unbounded_queue run");
    cJSON *da = cJSON_Parse(a);
    const char *replay = cJSON_GetObjectItem(da, "replay")->valuestring;
    ck_assert_msg(strstr(replay, " --mutant unbounded_queue"), "replay: %s", replay);
    char seed[32];
    const char *p = strstr(replay, "--seed ");
    ck_assert_ptr_nonnull(p);
    sscanf(p + 7, "%31s", seed);
    r = gt_run(NULL, "run", "s/two.lua", "--filter", "bounded pool", "--seed", seed, "--mode",
               "sim", "--mutant", "unbounded_queue", "--out", "p", NULL);
    ck_assert_msg(r.code == 1, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.out, "failed bounded_queue(pool, 8)");
    HAS(r.out, "--mutant unbounded_queue\n"); /* the replay line, again */
    ck_assert_ptr_null(strstr(r.out, "mutants: caught"));
    release(&r);
    char *b = in_dir("p/latest/s_two--bounded_pool--munbounded_queue.json");
    ck_assert_msg(b != NULL, "no replayed document");
    cJSON *db = cJSON_Parse(b);
    cJSON_DeleteItemFromObject(da, "wall"), cJSON_DeleteItemFromObject(db, "wall");
    char *ta = cJSON_PrintUnformatted(da), *tb = cJSON_PrintUnformatted(db);
    ck_assert_str_eq(ta, tb);
    HAS(ta, "\"bugs\":[\"unbounded_queue\"]");
    free(ta), free(tb), free(a), free(b);
    cJSON_Delete(da), cJSON_Delete(db);
    done_dir();
}
END_TEST

START_TEST(mutant_flags_are_checked)
{
    fresh_dir();
    put("s/two.lua", two_lua);
    ran r = gt_run(NULL, "run", "s", "--mutant", "no_timeout", "--out", "o", NULL);
    ck_assert_int_eq(r.code, 2);
    HAS(r.err, "--mutant no_timeout: applies to none of the selected scenarios");
    release(&r);
    r = gt_run(NULL, "run", "s", "--mutant", "leak_on_cancle", NULL);
    ck_assert_int_eq(r.code, 2);
    HAS(r.err, "--mutant: expected a known bug");
    release(&r);
    r = gt_run(NULL, "run", "s", "--mutants", "--mutant", "no_dedupe", NULL);
    ck_assert_int_eq(r.code, 2);
    HAS(r.err, "--mutant: cannot be combined with --mutants");
    release(&r);
    done_dir();
}
END_TEST

/* The shipped suite is the proof: every known bug caught by a check, the
 * correct service failing nothing. */
START_TEST(shipped_suite_catches_every_bug)
{
    char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    fresh_dir();
    ran r = gt_run(NULL, "run", dir, "--mutants", "--quiet", "--out", "o", NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%s%s", r.code, r.out, r.err);
    ck_assert_str_eq(last_line(r.out), "mutants: caught 11/11, false alarms 0");
    release(&r);
    done_dir();
}
END_TEST

Suite *suite_harness_mutants(void)
{
    Suite *s = suite_create("harness_mutants");
    TCase *t = tcase_create("matrix");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, matrix_of_a_small_suite);
    tcase_add_test(t, false_alarm_fails_the_matrix);
    tcase_add_test(t, mutant_run_replays);
    tcase_add_test(t, mutant_flags_are_checked);
    tcase_add_test(t, shipped_suite_catches_every_bug);
    suite_add_tcase(s, t);
    return s;
}
