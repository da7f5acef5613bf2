/* html_int.h — inside the HTML report: what the page (html.c), a
 * scenario's section (html_scn.c) and the page's style (html_style.c)
 * share. */
#ifndef GAUNTLET_HTML_INT_H
#define GAUNTLET_HTML_INT_H

#include "reports/rep_int.h"

/* The page's CSS (custom properties on :root, the charts' colours among
 * them) and its enhancement script; both self-contained. */
extern const char rep__html_css[];
extern const char rep__html_js[];

/* The verdict label of v ("pass", "fail", "error"): its text in capitals
 * on its colour, `<span class="v v-fail">FAIL</span>`. Another value is
 * written escaped, as an error. */
void rep__html_verdict(rep_buf *b, const char *v);

/* A duration for people (rep__fmt_ns); "—" when ns < 0 and dash is set,
 * else "never". */
void rep__html_ns(rep_buf *b, int64_t ns, bool dash);

/* The id attribute value of sc's section ("s-" and its id, escaped). */
void rep__html_anchor(rep_buf *b, const rep_scn *sc);

/* sc's section: a <section id="s-ID"> holding a <details>, open when sc
 * did not pass. Links to sc's document relative to page_path. */
void rep__html_scn(rep_buf *b, const rep_scn *sc, const char *page_path);

/* The mutant matrix's section (mutants.c); nothing for another suite. */
void rep__html_mutants(rep_buf *b, const rep_suite *s);

#endif
