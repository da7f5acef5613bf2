/* html.c — the HTML report (placeholder until the renderer lands). */
#include <errno.h>
#include <stdio.h>

#include "reports/rep_int.h"

int rep_write_html(const rep_suite *s, const char *path, char *err, size_t errlen)
{
    rep_buf b = {0};
    rep__put(&b, "<!doctype html><meta charset=\"utf-8\"><title>gauntlet</title>\n");
    for (int i = 0; i < s->n; i++) {
        rep__put(&b, "<p>");
        rep__esc(&b, rep__scn_str(&s->scn[i], "name", ""));
        rep__put(&b, "</p>\n");
    }
    return rep__buf_commit(&b, path, err, errlen);
}
