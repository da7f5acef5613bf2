/* junit.c — JUnit XML (placeholder until the writer lands). */
#include <errno.h>
#include <stdio.h>

#include "reports/rep_int.h"

int rep_write_junit(const rep_suite *s, const char *path, char *err, size_t errlen)
{
    rep_buf b = {0};
    rep__printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%d\"/>\n", s->n);
    return rep__buf_commit(&b, path, err, errlen);
}
