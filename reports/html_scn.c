/* html_scn.c — one scenario's section of the HTML report: what it is, why
 * it errored, its checks, charts, recovery, numbers, leaked tasks, task
 * profile, faults and the command that replays it. Every list is capped
 * (the constants below), so a suite of hundreds stays a few MB. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reports/html_int.h"

#define LEAKS_SHOWN 50        /* rows of the leak table */
#define GROUPS_SHOWN 20       /* task-profile groups per moment */
#define EVENTS_SHOWN 20       /* fault firings listed */
#define COUNTS_SHOWN 50       /* fault counts (per point and kind) */
#define OUTPUT_LINES_MAX 100  /* of an error's output tail */
#define OUTPUT_BYTES_MAX 8192
#define MORE_TEXT_MAX 160     /* "… and N more" */

/* ---------------------------------------------------------------- cells */

/* The tables are the bulk of a section, so their cells are written
 * compactly: optional end tags (</td>, </tr>) left out, as HTML allows,
 * and class names unquoted. */

/* <div class="tw"><table><thead>: cols are '|'-separated header texts
 * (fixed words, not escaped); a leading '#' marks a numeric column. A
 * data table (data) shows its cells in monospace. Returns the number of
 * columns. */
static int table_open(rep_buf *b, const char *cls, bool data, const char *cols)
{
    int ncols = 0;
    rep__printf(b, "<div class=\"tw%s\"><table class=\"%s\"><thead><tr>", data ? " tt" : "",
                cls);
    for (const char *c = cols; *c;) {
        size_t n = strcspn(c, "|");
        bool num = *c == '#';
        rep__put(b, num ? "<th class=\"n\">" : "<th>");
        rep__putn(b, c + num, n - num);
        rep__put(b, "</th>");
        c += n + (c[n] == '|');
        ncols++;
    }
    rep__put(b, "</tr></thead><tbody>\n");
    return ncols;
}

static void table_close(rep_buf *b)
{
    rep__put(b, "</tbody></table></div>\n");
}

/* A row saying what a capped table left out, across ncols columns (fmt
 * and its arguments: fixed words and numbers, written as they are). */
__attribute__((format(printf, 3, 4))) static void more_row(rep_buf *b, int ncols,
                                                           const char *fmt, ...)
{
    char text[MORE_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    rep__printf(b, "<tr class=more><td colspan=%d>%s\n", ncols, text);
}

/* An escaped text cell; cls (a single class name) may be NULL. */
static void td(rep_buf *b, const char *cls, const char *text)
{
    if (cls)
        rep__printf(b, "<td class=%s>", cls);
    else
        rep__put(b, "<td>");
    rep__esc(b, text);
}

static void td_int(rep_buf *b, int64_t v)
{
    rep__printf(b, "<td class=n>%" PRId64, v);
}

static void td_ns(rep_buf *b, int64_t ns)
{
    rep__put(b, "<td class=n>");
    rep__html_ns(b, ns, true);
}

/* ---------------------------------------------------------------- head */

static void target_text(rep_buf *b, const cJSON *t)
{
    const char *kind = rep__str(t, "kind", "?"), *name = rep__str(t, "name", "");
    rep__esc(b, kind);
    if (strcmp(name, kind) != 0) { /* "pool": the default name says nothing more */
        rep__put(b, " <code>");
        rep__esc(b, name);
        rep__put(b, "</code>");
    }
    const cJSON *stages = rep__get(t, "stages");
    if (strcmp(kind, "pool") == 0)
        rep__printf(b, ": %" PRId64 " workers, queue %" PRId64, rep__int(t, "workers", 0),
                    rep__int(t, "queue", 0));
    for (const cJSON *st = cJSON_IsArray(stages) ? stages->child : NULL; st; st = st->next) {
        rep__put(b, st == stages->child ? ": " : " → ");
        rep__esc(b, cJSON_GetStringValue(st));
    }
    if (rep__bool(t, "dependency", false))
        rep__put(b, ", with a dependency");
    if (rep__bool(t, "via_front", false))
        rep__put(b, ", behind a network front");
    const cJSON *bugs = rep__get(t, "bugs");
    for (const cJSON *g = cJSON_IsArray(bugs) ? bugs->child : NULL; g; g = g->next) {
        rep__put(b, g == bugs->child ? "; known bugs on: <code>" : ", <code>");
        rep__esc(b, cJSON_GetStringValue(g));
        rep__put(b, "</code>");
    }
}

/* The <summary> line: label, name, file:line. */
static void scn_summary(rep_buf *b, const rep_scn *sc, const char *v)
{
    rep__put(b, "<summary>");
    rep__html_verdict(b, v);
    rep__put(b, "<h3>");
    rep__esc(b, rep__scn_str(sc, "name", "?"));
    rep__put(b, "</h3><code class=\"where muted\">");
    rep__esc(b, rep__scn_str(sc, "file", "?"));
    rep__printf(b, ":%" PRId64 "</code></summary>\n", rep__int(sc->entry, "line", 0));
}

static void meta_ns(rep_buf *b, const char *k, int64_t ns)
{
    rep__printf(b, "<dt>%s</dt><dd>", k);
    rep__html_ns(b, ns, true);
    rep__put(b, "</dd>\n");
}

/* Description, tags and the facts of the run. */
static void scn_meta(rep_buf *b, const rep_scn *sc, const char *page_path)
{
    const cJSON *d = sc->doc, *tags = rep__get(d, "tags");
    const char *desc = rep__str(d, "description", "");
    if (desc[0]) {
        rep__put(b, "<p class=\"desc\">");
        rep__esc(b, desc);
        rep__put(b, "</p>\n");
    }
    rep__put(b, "<dl class=\"meta\">\n");
    if (cJSON_IsArray(tags) && tags->child) {
        rep__put(b, "<dt>tags</dt><dd>");
        for (const cJSON *t = tags->child; t; t = t->next) {
            rep__put(b, "<span class=\"tag\">");
            rep__esc(b, cJSON_GetStringValue(t));
            rep__put(b, "</span>");
        }
        rep__put(b, "</dd>\n");
    }
    rep__put(b, "<dt>seed</dt><dd><code>");
    rep__esc(b, rep__seed(d ? d : sc->entry));
    rep__put(b, "</code></dd>\n<dt>mode</dt><dd>");
    rep__esc(b, rep__scn_str(sc, "mode", "?"));
    rep__put(b, "</dd>\n");
    if (cJSON_IsObject(rep__get(d, "target"))) {
        rep__put(b, "<dt>target</dt><dd>");
        target_text(b, rep__get(d, "target"));
        rep__put(b, "</dd>\n");
    }
    meta_ns(b, "virtual time", rep__int(d ? d : sc->entry, "virtual_ns", -1));
    if (d)
        meta_ns(b, "wall time", rep__int(rep__get(d, "wall"), "duration_ns", -1));
    char href[PATH_MAX];
    rep__doc_href(sc, page_path, href, sizeof href);
    rep__put(b, "<dt>document</dt><dd>");
    if (href[0]) {
        rep__put(b, "<a href=\"");
        rep__esc_attr(b, href);
        rep__put(b, "\">");
    }
    rep__put(b, "<code>");
    rep__esc(b, href[0] ? href : sc->doc_path ? sc->doc_path : "?");
    rep__put(b, href[0] ? "</code></a>" : "</code>");
    rep__put(b, sc->doc ? "</dd>\n</dl>\n" : " (missing)</dd>\n</dl>\n");
}

/* ---------------------------------------------------------------- errors */

/* Where the shown tail of out[len] starts: at most OUTPUT_LINES_MAX lines
 * and OUTPUT_BYTES_MAX bytes, from the start of a line when one fits. */
static size_t tail_start(const char *out, size_t len)
{
    size_t from = len > OUTPUT_BYTES_MAX ? len - OUTPUT_BYTES_MAX : 0;
    size_t end = len > 0 && out[len - 1] == '\n' ? len - 1 : len;
    int lines = 0;
    for (size_t i = end; i > from; i--)
        if (out[i - 1] == '\n' && ++lines == OUTPUT_LINES_MAX)
            return i;
    if (from > 0) {
        const char *nl = memchr(out + from, '\n', len - from);
        if (nl && nl + 1 < out + len)
            return (size_t)(nl + 1 - out);
        while (from < len && ((unsigned char)out[from] & 0xc0) == 0x80)
            from++; /* not inside a UTF-8 sequence */
    }
    return from;
}

static void output_tail(rep_buf *b, const char *out)
{
    size_t len = strlen(out);
    if (len == 0) {
        rep__put(b, "<p class=\"note\">Its process wrote no output.</p>\n");
        return;
    }
    size_t from = tail_start(out, len);
    int lines = 0;
    for (const char *p = out + from; *p; p++)
        lines += *p == '\n';
    lines += out[len - 1] != '\n';
    if (from > 0)
        rep__printf(b, "<p class=\"note\">The last %d lines of its output (%zu of %zu bytes; "
                       "%zu bytes cut, the document holds them all):</p>\n",
                    lines, len - from, len, from);
    else
        rep__put(b, "<p class=\"note\">Its output:</p>\n");
    rep__put(b, "<pre class=\"output\">");
    rep__esc(b, out + from);
    rep__put(b, "</pre>\n");
}

/* An error document: why, and the tail of the output when it has one. */
static void scn_error(rep_buf *b, const cJSON *doc)
{
    const char *out = rep__str(doc, "output", NULL);
    rep__put(b, "<div class=\"problem\"><p><strong>Error:</strong> ");
    rep__esc(b, rep__str(doc, "reason", "no reason given"));
    rep__put(b, "</p>\n");
    if (out)
        output_tail(b, out);
    rep__put(b, "</div>\n");
}

/* No document: the problem, and what suite.json says. */
static void scn_problem(rep_buf *b, const rep_scn *sc)
{
    const char *reason = rep__str(sc->entry, "reason", "");
    const cJSON *failed = rep__get(sc->entry, "failed_checks");
    rep__put(b, "<div class=\"problem\"><p><strong>No scenario document:</strong> ");
    rep__esc(b, sc->problem ? sc->problem : "it could not be read");
    rep__put(b, ". What follows is from suite.json.</p>\n");
    if (reason[0]) {
        rep__put(b, "<p><strong>Error:</strong> ");
        rep__esc(b, reason);
        rep__put(b, "</p>\n");
    }
    if (cJSON_IsArray(failed) && failed->child) {
        table_open(b, "checks", false, "failed check|measured|bound|detail");
        for (const cJSON *c = failed->child; c; c = c->next) {
            rep__put(b, "<tr class=bad>");
            td(b, "m", rep__str(c, "name", "?"));
            td(b, "mv", rep__str(c, "measured", ""));
            td(b, "mv", rep__str(c, "bound", ""));
            td(b, NULL, rep__str(c, "detail", ""));
            rep__put(b, "\n");
        }
        table_close(b);
    } else
        rep__put(b, "<p>suite.json lists no failed check.</p>\n");
    rep__put(b, "</div>\n");
}

/* ---------------------------------------------------------------- checks */

/* Every check, in the document's order (never capped: one per check
 * stated and per t:expect site of the script). */
static void checks_table(rep_buf *b, const cJSON *doc)
{
    const cJSON *checks = rep__get(doc, "checks");
    rep__put(b, "<h4>Checks</h4>\n");
    if (!cJSON_IsArray(checks) || !checks->child) {
        rep__put(b, "<p>No check was judged.</p>\n");
        return;
    }
    table_open(b, "checks", false, "check|kind|measured|bound|verdict|detail|#line");
    for (const cJSON *c = checks->child; c; c = c->next) {
        bool ok = rep__bool(c, "ok", false);
        int64_t line = rep__int(c, "line", 0);
        rep__put(b, ok ? "<tr>" : "<tr class=bad>");
        td(b, "m", rep__str(c, "name", "?"));
        td(b, "m", rep__str(c, "check", ""));
        td(b, "mv", rep__str(c, "measured", ""));
        td(b, "mv", rep__str(c, "bound", ""));
        rep__put(b, ok ? "<td><span class=\"v v-ok\">ok</span>"
                       : "<td><span class=\"v v-fail\">FAILED</span>");
        td(b, NULL, rep__str(c, "detail", ""));
        if (line > 0)
            td_int(b, line);
        else
            rep__put(b, "<td>");
        rep__put(b, "\n");
    }
    table_close(b);
}

/* ---------------------------------------------------------------- recovery */

static void phases(rep_buf *b, const cJSON *ph)
{
    static const char *const names[] = {"all", "baseline", "fault", "recovery", "steady"};
    if (!cJSON_IsObject(ph))
        return;
    rep__put(b, "<p class=\"note\">Phases:");
    for (size_t i = 0; i < REP_NELEM(names); i++) {
        const cJSON *p = rep__get(ph, names[i]);
        rep__printf(b, "%s %s ", i ? " ·" : "", names[i]);
        if (cJSON_GetArraySize(p) != 2) {
            rep__put(b, "none");
            continue;
        }
        rep__put(b, "<span class=\"mono\">");
        rep__html_ns(b, (int64_t)cJSON_GetArrayItem(p, 0)->valuedouble, true);
        rep__put(b, "–");
        rep__html_ns(b, (int64_t)cJSON_GetArrayItem(p, 1)->valuedouble, true);
        rep__put(b, "</span>");
    }
    rep__put(b, "</p>\n");
}

static void recovery_part(rep_buf *b, const cJSON *doc)
{
    const cJSON *r = rep__get(doc, "recovery");
    rep__put(b, "<h4>Recovery</h4>\n<p>");
    if (!cJSON_IsObject(r))
        rep__put(b, "No fault cleared during the run: there was no recovery to measure.");
    else {
        rep__put(b, "The last fault cleared at <b>");
        rep__html_ns(b, rep__int(r, "cleared_ns", -1), true);
        rep__put(b, "</b>; then <code>");
        rep__esc(b, rep__str(r, "metric", "?"));
        rep__printf(b, "</code> was watched for its return into the baseline band "
                       "[%.4g, %.4g]: ",
                    rep__num(r, "band_lo", 0), rep__num(r, "band_hi", 0));
        if (rep__bool(r, "recovered", false)) {
            rep__put(b, "it was back at ");
            rep__html_ns(b, rep__int(r, "at_ns", -1), true);
            rep__put(b, ", <strong>");
            rep__html_ns(b, rep__int(r, "time_ns", -1), true);
            rep__put(b, "</strong> after the fault cleared.");
        } else
            rep__put(b, "<strong class=\"worse\">it did not recover</strong> by the end of the "
                        "run.");
    }
    rep__put(b, "</p>\n");
    phases(b, rep__get(doc, "phases"));
}

/* ---------------------------------------------------------------- numbers */

/* One key/value row; a non-zero value that means trouble is marked. */
static void kv(rep_buf *b, const char *k, int64_t v, bool bad_if_set)
{
    rep__printf(b, "<tr><th>%s<td%s>%" PRId64 "\n", k, bad_if_set && v ? " class=bad-n" : "", v);
}

static void kv_ns(rep_buf *b, const char *k, int64_t ns, bool dash)
{
    rep__printf(b, "<tr><th>%s<td>", k);
    rep__html_ns(b, ns, dash);
    rep__put(b, "\n");
}

static void jobs_table(rep_buf *b, const cJSON *j)
{
    static const struct { const char *label, *key; bool bad; } rows[] = {
        {"total", "total", false},          {"completed", "completed", false},
        {"failed", "failed", false},        {"cancelled", "cancelled", false},
        {"rejected", "rejected", false},    {"lost (never finished)", "accepted", true},
        {"duplicated", "duplicated", true}, {"never run", "never_run", true},
        {"executions", "executions", false}, {"retried", "retried", false},
    };
    rep__put(b, "<table class=\"kv\"><caption>jobs</caption>");
    for (size_t i = 0; i < REP_NELEM(rows); i++)
        kv(b, rows[i].label, rep__int(j, rows[i].key, 0), rows[i].bad);
    rep__put(b, "</table>\n");
}

static void load_tables(rep_buf *b, const cJSON *sum)
{
    const cJSON *rq = rep__get(sum, "requests"), *lat = rep__get(sum, "latency");
    rep__put(b, "<div><table class=\"kv\"><caption>requests</caption>");
    kv(b, "answered ok", rep__int(rq, "ok", 0), false);
    kv(b, "failed", rep__int(rq, "failed", 0), false);
    rep__put(b, "</table>\n<table class=\"kv\"><caption>latency</caption>");
    kv(b, "answered", rep__int(lat, "n", 0), false);
    if (rep__int(lat, "n", 0) > 0) {
        kv_ns(b, "p50", rep__int(lat, "p50_ns", 0), true);
        kv_ns(b, "p90", rep__int(lat, "p90_ns", 0), true);
        kv_ns(b, "p99", rep__int(lat, "p99_ns", 0), true);
        kv_ns(b, "max", rep__int(lat, "max_ns", 0), true);
    }
    rep__put(b, "</table></div>\n");
}

static void tasks_tables(rep_buf *b, const cJSON *sum)
{
    const cJSON *t = rep__get(sum, "tasks"), *st = rep__get(sum, "stop");
    int64_t rc = rep__int(st, "rc", 0);
    rep__put(b, "<div><table class=\"kv\"><caption>tasks</caption>");
    kv(b, "peak", rep__int(t, "peak", 0), false);
    kv(b, "leaked", rep__int(t, "leaked", 0), true);
    kv(b, "spawned", rep__int(t, "spawned", 0), false);
    kv(b, "panics", rep__int(sum, "panics", 0), true);
    rep__put(b, "</table>\n<table class=\"kv\"><caption>stop</caption>");
    const char *name = rc < 0 ? strerrorname_np((int)-rc) : NULL;
    rep__printf(b, "<tr><th>result<td%s>%" PRId64 " %s\n", rc ? " class=bad-n" : "", rc,
                rc == 0 ? "drained" : name ? name : "");
    kv_ns(b, "stopped at", rep__int(st, "stop_ns", -1), true);
    kv_ns(b, "cancelled at", rep__int(st, "cancel_ns", -1), true);
    kv_ns(b, "all exited at", rep__int(st, "exited_ns", -1), false);
    rep__put(b, "</table></div>\n");
}

static void numbers(rep_buf *b, const cJSON *doc)
{
    const cJSON *sum = rep__get(doc, "summary");
    if (!cJSON_IsObject(sum))
        return;
    rep__put(b, "<h4>Numbers</h4>\n<div class=\"grid\">\n");
    jobs_table(b, rep__get(sum, "jobs"));
    load_tables(b, sum);
    tasks_tables(b, sum);
    rep__put(b, "</div>\n");
}

/* ---------------------------------------------------------------- tasks */

static void leaks_part(rep_buf *b, const cJSON *doc)
{
    const cJSON *leaks = rep__get(doc, "leaks");
    if (!cJSON_IsArray(leaks))
        return;
    int64_t total = rep__int(doc, "leaks_total", cJSON_GetArraySize(leaks)), shown = 0;
    rep__put(b, "<h4>Leaked tasks</h4>\n");
    if (!leaks->child) {
        rep__put(b, total ? "<p>The document lists none of them.</p>\n"
                          : "<p>No task leaked.</p>\n");
        return;
    }
    int ncols =
        table_open(b, "leaks", true, "#id|name|spawned at|state|blocked on|#age|#blocked for");
    for (const cJSON *l = leaks->child; l && shown < LEAKS_SHOWN; l = l->next, shown++) {
        rep__put(b, "<tr>");
        td_int(b, rep__int(l, "id", 0));
        td(b, NULL, rep__str(l, "name", ""));
        td(b, NULL, rep__str(l, "spawned_at", ""));
        td(b, NULL, rep__str(l, "state", ""));
        td(b, NULL, rep__str(l, "blocked_on", ""));
        td_ns(b, rep__int(l, "age_ns", -1));
        td_ns(b, rep__int(l, "blocked_ns", -1));
        rep__put(b, "\n");
    }
    if (total > shown)
        more_row(b, ncols, "… and %" PRId64 " more (%" PRId64 " leaked in all)", total - shown,
                 total);
    table_close(b);
}

/* One moment of the task profile: its groups, biggest first, capped; the
 * groups left out are counted into the last row with the document's
 * "other". */
static void profile_moment(rep_buf *b, const char *what, const cJSON *m)
{
    rep__printf(b, "<p><b>%s</b>", what);
    if (!cJSON_IsObject(m)) {
        rep__put(b, ": no sample.</p>\n");
        return;
    }
    rep__put(b, ", at ");
    rep__html_ns(b, rep__int(m, "at_ns", -1), true);
    rep__printf(b, ": %" PRId64 " live tasks.</p>\n", rep__int(m, "live", 0));
    const cJSON *groups = rep__get(m, "groups");
    int64_t other = rep__int(m, "other", 0), shown = 0, hidden = 0;
    table_open(b, "profile", true, "#tasks|spawned at|state|blocked on");
    for (const cJSON *g = cJSON_IsArray(groups) ? groups->child : NULL; g; g = g->next) {
        if (shown++ >= GROUPS_SHOWN) {
            other += rep__int(g, "count", 0);
            hidden++;
            continue;
        }
        rep__put(b, "<tr>");
        td_int(b, rep__int(g, "count", 0));
        rep__put(b, "<td>");
        rep__esc(b, rep__str(g, "spawned_at", ""));
        if (rep__bool(g, "load", false))
            rep__put(b, " <span class=tag>load</span>");
        td(b, NULL, rep__str(g, "state", ""));
        td(b, NULL, rep__str(g, "blocked_on", ""));
        rep__put(b, "\n");
    }
    if (other > 0)
        rep__printf(b, "<tr class=more><td class=n>%" PRId64 "<td colspan=3>"
                       "other (%" PRId64 " more groups here, and those the document grouped as "
                       "other)\n",
                    other, hidden);
    table_close(b);
}

static void profile_part(rep_buf *b, const cJSON *doc)
{
    const cJSON *p = rep__get(doc, "profile");
    if (!cJSON_IsObject(p))
        return;
    rep__put(b, "<h4>Task profile</h4>\n");
    profile_moment(b, "At the peak", rep__get(p, "peak"));
    profile_moment(b, "After stop", rep__get(p, "end"));
}

/* ---------------------------------------------------------------- faults */

static void fault_windows(rep_buf *b, const cJSON *w)
{
    if (!cJSON_IsArray(w) || !w->child) {
        rep__put(b, "<p>No fault was armed.</p>\n");
        return;
    }
    rep__put(b, "<p class=\"note\">Armed:</p>\n");
    table_open(b, "windows", true, "point|kind|detail|window|#line");
    for (const cJSON *f = w->child; f; f = f->next) {
        int64_t to = rep__int(f, "to_ns", -1);
        rep__put(b, "<tr>");
        td(b, NULL, rep__str(f, "point", ""));
        td(b, NULL, rep__str(f, "kind", ""));
        td(b, NULL, rep__str(f, "detail", ""));
        rep__put(b, "<td>");
        rep__html_ns(b, rep__int(f, "from_ns", 0), true);
        rep__put(b, " – ");
        if (to < 0)
            rep__put(b, "<span class=worse>never cleared</span>");
        else
            rep__html_ns(b, to, true);
        td_int(b, rep__int(f, "line", 0));
        rep__put(b, "\n");
    }
    table_close(b);
}

static void fault_counts(rep_buf *b, const cJSON *c)
{
    int shown = 0, total = cJSON_GetArraySize(c);
    if (total == 0)
        return;
    rep__put(b, "<p class=\"note\">Fired, per point and kind:</p>\n");
    int ncols = table_open(b, "counts", true, "point|kind|#fired");
    for (const cJSON *f = c->child; f && shown < COUNTS_SHOWN; f = f->next, shown++) {
        rep__put(b, "<tr>");
        td(b, NULL, rep__str(f, "point", ""));
        td(b, NULL, rep__str(f, "kind", ""));
        td_int(b, rep__int(f, "count", 0));
        rep__put(b, "\n");
    }
    if (total > shown)
        more_row(b, ncols, "… and %d more points and kinds (%d in all)", total - shown, total);
    table_close(b);
}

static void fault_events(rep_buf *b, const cJSON *f)
{
    const cJSON *ev = rep__get(f, "events");
    int64_t total = rep__int(f, "events_total", cJSON_GetArraySize(ev)), shown = 0;
    if (!cJSON_IsArray(ev) || !ev->child)
        return;
    rep__put(b, "<p class=\"note\">The first firings:</p>\n");
    int ncols = table_open(b, "events", true, "#at|point|kind|task|detail");
    for (const cJSON *e = ev->child; e && shown < EVENTS_SHOWN; e = e->next, shown++) {
        rep__put(b, "<tr>");
        td_ns(b, rep__int(e, "t_ns", -1));
        td(b, NULL, rep__str(e, "point", ""));
        td(b, NULL, rep__str(e, "kind", ""));
        rep__printf(b, "<td>%" PRId64 " ", rep__int(e, "task", 0));
        rep__esc(b, rep__str(e, "task_name", ""));
        td(b, NULL, rep__str(e, "detail", ""));
        rep__put(b, "\n");
    }
    if (total > shown)
        more_row(b, ncols, "… and %" PRId64 " more: %" PRId64 " firings in all", total - shown,
                 total);
    table_close(b);
}

static void faults_part(rep_buf *b, const cJSON *doc)
{
    const cJSON *f = rep__get(doc, "faults");
    if (!cJSON_IsObject(f))
        return;
    rep__put(b, "<h4>Faults</h4>\n");
    fault_windows(b, rep__get(f, "windows"));
    fault_counts(b, rep__get(f, "counts"));
    fault_events(b, f);
}

/* ---------------------------------------------------------------- section */

static void replay(rep_buf *b, const cJSON *doc)
{
    const char *cmd = rep__str(doc, "replay", NULL);
    if (!cmd)
        return;
    rep__put(b, "<h4>Replay</h4>\n<div class=\"replay\"><pre><code>");
    rep__esc(b, cmd);
    rep__put(b, "</code></pre><button class=\"copy\" type=\"button\">Copy</button></div>\n");
}

void rep__html_scn(rep_buf *b, const rep_scn *sc, const char *page_path)
{
    const char *v = rep__str(sc->entry, "verdict", "?");
    const cJSON *doc = sc->doc;
    rep__put(b, "<section class=\"scn k-");
    rep__esc_attr(b, v);
    rep__put(b, "\" id=\"");
    rep__html_anchor(b, sc);
    rep__printf(b, "\">\n<details%s>\n", strcmp(v, "pass") ? " open" : "");
    scn_summary(b, sc, v);
    rep__put(b, "<div class=\"body\">\n");
    scn_meta(b, sc, page_path);
    if (!doc)
        scn_problem(b, sc);
    else {
        if (strcmp(rep__str(doc, "verdict", v), "error") == 0 || strcmp(v, "error") == 0)
            scn_error(b, doc);
        checks_table(b, doc);
        rep__charts(b, doc);
        if (rep__get(doc, "recovery"))
            recovery_part(b, doc);
        numbers(b, doc);
        leaks_part(b, doc);
        profile_part(b, doc);
        faults_part(b, doc);
        replay(b, doc);
    }
    rep__put(b, "</div>\n</details>\n</section>\n");
}
