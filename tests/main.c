/* main.c — the test runner: every suite of tests/suites.h in one Check
 * runner (fork mode), ending with Check's summary line. Exits non-zero on
 * any failure and also when no test ran (e.g. a CK_RUN_SUITE typo). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/suites.h"

#define DECLARE(name) Suite *suite_##name(void);
TEST_SUITES(DECLARE)
#undef DECLARE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define ADD(name) srunner_add_suite(sr, suite_##name());
    TEST_SUITES(ADD)
#undef ADD
    srunner_run_all(sr, CK_NORMAL);
    int ran = srunner_ntests_run(sr);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (ran == 0) {
        fprintf(stderr, "gauntlet-tests: no test ran (check CK_RUN_SUITE / CK_RUN_CASE)\n");
        return EXIT_FAILURE;
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
