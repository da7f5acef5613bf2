/* test_docs.c — placeholder: the harness_docs suite lands with its tests. */
#include <check.h>

Suite *suite_harness_docs(void)
{
    return suite_create("harness_docs");
}
