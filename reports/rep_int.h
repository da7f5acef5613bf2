/* rep_int.h — inside reports/: the suite as loaded, the output buffer, the
 * escapers and the document getters every renderer shares. Not for other
 * modules (they use rep.h). */
#ifndef GAUNTLET_REP_INT_H
#define GAUNTLET_REP_INT_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "reports/rep.h"

#define REP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- the suite */

/* One scenario run of the suite, in run order. */
typedef struct rep_scn {
    cJSON *entry;    /* its suite.json entry (owned by the suite's root) */
    cJSON *doc;      /* its scenario document (owned); NULL when missing */
    char *doc_path;  /* where the document was read from (or looked for) */
    char *problem;   /* why doc is NULL ("cannot read ...: ..."), else NULL */
} rep_scn;

struct rep_suite {
    cJSON *root;            /* the suite document; a merge builds its own */
    char *path;             /* the suite.json read; NULL for a merge */
    char *dir;              /* its directory; NULL for a merge */
    rep_scn *scn;           /* n scenario runs, in run order */
    int n;
    rep_cmp *cmp;           /* rep_suite_compare's result, ncmp entries */
    int ncmp;
};

/* Parse a document, keeping every "seed" exact: cJSON reads numbers as
 * doubles, so each numeric "seed" is replaced by a raw item holding its
 * original digits. NULL on bad JSON (err: "line L: ...") or ENOMEM. */
cJSON *rep__parse(const char *text, char *err, size_t errlen);

/* A whole file, NUL-terminated: 0 or -errno. *len may be NULL. */
int rep__read_file(const char *path, char **text, size_t *len);

/* The href of sc's document from a page written at page_path: its file
 * name when the page sits in the document's directory, else "" (no link). */
void rep__doc_href(const rep_scn *sc, const char *page_path, char *out, size_t cap);

/* ---------------------------------------------------------------- output */

/* A growing text buffer. Allocation failure is sticky: oom is set, later
 * writes are dropped, and the writer reports -ENOMEM once at the end. */
typedef struct rep_buf {
    char *p;
    size_t len, cap;
    bool oom;
} rep_buf;

void rep__putn(rep_buf *b, const char *s, size_t n);
void rep__put(rep_buf *b, const char *s);
void rep__printf(rep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as HTML/XML text or attribute value: & < > " ' escaped, invalid UTF-8
 * and control characters other than tab, newline and CR replaced by U+FFFD
 * (XML 1.0 allows none of them). NULL writes nothing. */
void rep__esc(rep_buf *b, const char *s);
/* The same, and tab, newline and CR as character references, so they
 * survive attribute-value normalisation. */
void rep__esc_attr(rep_buf *b, const char *s);

/* Write b to path atomically and free it: 0, -ENOMEM (b->oom), or the
 * write's error, with err set. */
int rep__buf_commit(rep_buf *b, const char *path, char *err, size_t errlen);

/* ---------------------------------------------------------------- reading */

/* NULL-safe lookups: o may be NULL or not an object; a missing key or a
 * wrong type gives the default. Integers accept numbers and raw digits. */
const cJSON *rep__get(const cJSON *o, const char *key);
const char *rep__str(const cJSON *o, const char *key, const char *dflt);
int64_t rep__int(const cJSON *o, const char *key, int64_t dflt);
double rep__num(const cJSON *o, const char *key, double dflt);
bool rep__bool(const cJSON *o, const char *key, bool dflt);
/* o's "seed" as exact decimal text ("?" when missing). */
const char *rep__seed(const cJSON *o);

/* A scenario's document field, else its suite entry's (name, file, line,
 * verdict, reason, mode, seed are in both). */
const char *rep__scn_str(const rep_scn *sc, const char *key, const char *dflt);

/* ---------------------------------------------------------------- charts */

/* chart.c: the scenario's charts as inline SVG, on one shared time axis —
 * throughput, latency p50/p99, live and blocked tasks, queue depths — with
 * every fault window shaded and labelled and the recovery point marked.
 * Long series are downsampled (peaks kept). Writes nothing when doc has no
 * series (an error document). */
void rep__charts(rep_buf *b, const cJSON *doc);

/* The charts' CSS rules and their hover read-out script (plain JS, no
 * external resource; the charts read fine without it). The page includes
 * both once. The CSS uses the page's custom properties (html.c). */
extern const char rep__chart_css[];
extern const char rep__chart_js[];

/* ---------------------------------------------------------------- units */

/* A duration for people: "0", "750ns", "12.5µs", "460ms", "1.25s", "2m05s".
 * Negative: "never". Returns out. */
char *rep__fmt_ns(int64_t ns, char *out, size_t cap);

#endif
