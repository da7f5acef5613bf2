/* test_shipped.c — what ships must work: the scenarios in scenarios/ pass
 * on the correct service and are deterministic (--check-determinism), and
 * every complete example in docs/lua-api.md, docs/writing-scenarios.md and
 * README.md runs and passes. Through the gauntlet command (GAUNTLET_BIN),
 * like a user. */
#include <limits.h>

#include "tests/harness/cliutil.h"

START_TEST(shipped_scenarios_pass_deterministically)
{
    char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    fresh_dir();
    ran r = gt_run(NULL, "run", dir, "--check-determinism", "--out", "out", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s%s", r.code, r.out, r.err);
    HAS(r.out, " 0 failed, 0 errors");
    char *suite = in_dir("out/latest/suite.json");
    ck_assert_msg(suite != NULL, "no out/latest/suite.json");
    HAS(suite, "\"pass\":");
    free(suite);
    release(&r);
    done_dir();
}
END_TEST

/* A ```lua block whose first line is "-- lib/NAME.lua..." is a helper
 * module the doc's scenarios require: its path (in buf), else NULL. */
static const char *helper_path(const char *block, char *buf, size_t cap)
{
    if (strncmp(block, "-- lib/", 7) != 0)
        return NULL;
    const char *path = block + 3;
    size_t n = strcspn(path, " \n:");
    if (n < 9 || strncmp(path + n - 4, ".lua", 4) != 0) /* at least lib/x.lua */
        return NULL;
    snprintf(buf, cap, "%.*s", (int)n, path);
    return strstr(buf, "..") ? NULL : buf;
}

/* BUG: pool_stop did not wait for the pool's sampler task, which could
 * still be runnable when the run ended and was reported as a leak: these
 * seeds of two shipped scenarios failed no_leaked_tasks on the correct
 * service. Stop's exited gate now waits for the sampler too. */
START_TEST(bug_sampler_left_runnable_after_stop)
{
    static const char *const runs[][3] = {
        {"scenarios/pool/failing_jobs.lua", "*", "1367"},
        {"scenarios/net/dropped_connections.lua", "connections dropped mid-request*", "725"},
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        char file[PATH_MAX];
        ck_assert_msg(realpath(runs[k][0], file) != NULL, "no %s", runs[k][0]);
        fresh_dir();
        ran r = gt_run(NULL, "run", file, "--filter", runs[k][1], "--seed", runs[k][2], "--out",
                       "out", NULL);
        ck_assert_msg(r.code == 0, "%s seed %s: exit %d\n%s", runs[k][0], runs[k][2], r.code,
                      r.out);
        release(&r);
        done_dir();
    }
}
END_TEST

/* Each ```lua block of the doc that contains "return scenario", in its
 * own file (<tag>_1.lua, ...), with the shipped lib/ beside them, and the
 * doc's own helper modules (helper_path) under lib/. */
static int write_doc_examples(const char *doc, const char *tag)
{
    char *text = slurp(doc);
    ck_assert_msg(text != NULL, "cannot read %s", doc);
    int n = 0;
    for (char *p = text; (p = strstr(p, "```lua\n")) != NULL;) {
        p += 7;
        char *end = strstr(p, "```");
        ck_assert_msg(end != NULL, "%s: unterminated block", doc);
        *end = '\0';
        char lib[128];
        if (helper_path(p, lib, sizeof lib) != NULL) {
            ck_assert_msg(strcmp(lib, "lib/common.lua") != 0, "%s: replaces %s", doc, lib);
            put(lib, p);
        } else if (strstr(p, "return scenario")) {
            char name[32];
            snprintf(name, sizeof name, "%s_%d.lua", tag, ++n);
            put(name, p);
        }
        p = end + 3;
    }
    free(text);
    char *common = slurp("scenarios/lib/common.lua");
    ck_assert_msg(common != NULL, "no scenarios/lib/common.lua");
    put("lib/common.lua", common);
    free(common);
    return n;
}

START_TEST(doc_examples_run_and_pass)
{
    fresh_dir();
    int n = write_doc_examples("docs/lua-api.md", "api");
    ck_assert_int_ge(n, 2);
    int m = write_doc_examples("README.md", "readme");
    ck_assert_int_ge(m, 1);
    n += m;
    m = write_doc_examples("docs/writing-scenarios.md", "writing");
    ck_assert_int_ge(m, 6);
    n += m;
    ran r = gt_run(NULL, "run", ".", "--out", "out", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s%s", r.code, r.out, r.err);
    char want[64];
    snprintf(want, sizeof want, "%d scenarios: %d passed", n, n);
    HAS(r.out, want);
    release(&r);
    done_dir();
}
END_TEST

Suite *suite_harness_shipped(void)
{
    Suite *s = suite_create("harness_shipped");
    TCase *tc = tcase_create("shipped");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, shipped_scenarios_pass_deterministically);
    tcase_add_test(tc, doc_examples_run_and_pass);
    tcase_add_test(tc, bug_sampler_left_runnable_after_stop);
    suite_add_tcase(s, tc);
    return s;
}
