/* test_real.c — the real-mode smoke suite: the shipped scenarios tagged
 * `real` run over loopback TCP on the real clock and pass. The case's
 * timeout (60 s, stretched under the sanitizers) is the suite's budget;
 * its scenarios' bounds allow for a noisy machine. */
#include <limits.h>

#define RUN_LIMIT_S 300 /* the case's own timeout bounds it */
#include "tests/harness/cliutil.h"

START_TEST(real_smoke_suite_passes)
{
    char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    fresh_dir();
    ran r = gt_run(NULL, "run", dir, "--tag", "real", "--mode", "real", "--out", "out", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s%s", r.code, r.out, r.err);
    HAS(r.out, " 0 failed, 0 errors");
    char *suite = in_dir("out/latest/suite.json");
    ck_assert_msg(suite != NULL, "no out/latest/suite.json");
    HAS(suite, "\"mode\":\t\"real\"");
    free(suite);
    release(&r);
    done_dir();
}
END_TEST

Suite *suite_harness_real(void)
{
    Suite *s = suite_create("harness_real");
    TCase *t = tcase_create("smoke");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, real_smoke_suite_passes);
    suite_add_tcase(s, t);
    return s;
}
