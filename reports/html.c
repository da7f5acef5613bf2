/* html.c — the HTML report: one self-contained page per suite, its summary,
 * the baseline comparison, the scenario table, then a section per scenario
 * (html_scn.c), failures first. Every string from a document is escaped;
 * nothing on the page loads anything from elsewhere. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html_int.h"

/* Sort keys (data-v) of values the table shows as "—" and "never". */
#define SORT_NONE "-1"
#define SORT_NEVER "1e18"

static const char *const verdict_order[] = {"error", "fail", "pass"};

/* The comparison's rows in this order: regressions, improvements, the rest. */
enum { CMP_WORSE, CMP_BETTER, CMP_REST, CMP_RANKS };

/* ---------------------------------------------------------------- shared */

void rep__html_verdict(rep_buf *b, const char *v)
{
    static const char *const known[][2] = {{"pass", "PASS"}, {"fail", "FAIL"}, {"error", "ERROR"}};
    for (size_t i = 0; v && i < REP_NELEM(known); i++)
        if (strcmp(v, known[i][0]) == 0) {
            rep__printf(b, "<span class=\"v v-%s\">%s</span>", known[i][0], known[i][1]);
            return;
        }
    rep__put(b, "<span class=\"v v-error\">");
    rep__esc(b, v ? v : "?");
    rep__put(b, "</span>");
}

void rep__html_ns(rep_buf *b, int64_t ns, bool dash)
{
    char t[32];
    rep__put(b, ns < 0 && dash ? "—" : rep__fmt_ns(ns, t, sizeof t));
}

void rep__html_anchor(rep_buf *b, const rep_scn *sc)
{
    rep__put(b, "s-");
    rep__esc_attr(b, rep__str(sc->entry, "id", ""));
}

/* The index of v in verdict_order (an unknown verdict sorts first). */
static int verdict_rank(const char *v)
{
    for (size_t i = 0; v && i < REP_NELEM(verdict_order); i++)
        if (strcmp(v, verdict_order[i]) == 0)
            return (int)i;
    return 0;
}

/* The scenarios in page order into idx[s->n]: errors, failures, passes,
 * each in run order. */
static void page_order(const rep_suite *s, int *idx)
{
    int k = 0;
    for (int r = 0; r < (int)REP_NELEM(verdict_order); r++)
        for (int i = 0; i < s->n; i++)
            if (verdict_rank(rep__str(s->scn[i].entry, "verdict", NULL)) == r)
                idx[k++] = i;
}

/* ---------------------------------------------------------------- head */

/* "gauntlet: 1 error, 2 failed, 9 passed" (as text, escaped by nobody:
 * only numbers and fixed words). */
static void title_text(rep_buf *b, const rep_suite *s)
{
    int pass, fail, error, total;
    rep_suite_counts(s, &pass, &fail, &error, &total);
    rep__put(b, "gauntlet: ");
    if (total == 0) {
        rep__put(b, "no scenarios");
        return;
    }
    const char *sep = "";
    if (error) {
        rep__printf(b, "%d error%s", error, error == 1 ? "" : "s");
        sep = ", ";
    }
    if (fail) {
        rep__printf(b, "%s%d failed", sep, fail);
        sep = ", ";
    }
    if (pass)
        rep__printf(b, "%s%d passed", sep, pass);
}

/* From the doctype to the opening of <main>. The head's one-line script
 * marks <html> with class js, so what needs the script is shown only when
 * it runs. The CSP forbids every load: the page is one file. */
static void page_head(rep_buf *b, const rep_suite *s)
{
    rep__put(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
                "<meta name=\"color-scheme\" content=\"light dark\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
                "<title>");
    title_text(b, s);
    rep__put(b, "</title>\n<style>\n");
    rep__put(b, rep__html_css);
    rep__put(b, rep__chart_css);
    rep__put(b, "</style>\n<script>document.documentElement.classList.add('js')</script>\n"
                "</head>\n<body>\n<div class=\"bar\"><div class=\"bar-in\"><b>");
    title_text(b, s);
    rep__put(b, "</b>");
    if (cJSON_IsArray(rep__get(s->root, "mutants")))
        rep__put(b, "<a href=\"#mutants\">Mutants</a>");
    if (s->ncmp > 0)
        rep__put(b, "<a href=\"#baseline\">Baseline</a>");
    rep__put(b, "<a href=\"#scenarios\">Scenarios</a><a href=\"#details\">Details</a>"
                "</div></div>\n<main>\n");
}

/* ---------------------------------------------------------------- summary */

static void stat_box(rep_buf *b, const char *kind, const char *label, int n, const char *words)
{
    rep__printf(b, "<div class=\"stat k-%s\">%s<b>%d</b><small>%s</small></div>\n", kind, label, n,
                words);
}

static void stat_ns(rep_buf *b, int64_t ns, const char *words)
{
    rep__put(b, "<div class=\"stat\"><b>");
    rep__html_ns(b, ns, true);
    rep__printf(b, "</b><small>%s</small></div>\n", words);
}

static void counts(rep_buf *b, const rep_suite *s)
{
    int pass, fail, error, total;
    rep_suite_counts(s, &pass, &fail, &error, &total);
    rep__put(b, "<div class=\"stats\">\n");
    stat_box(b, "fail", "<span class=\"v v-fail\">FAIL</span>", fail, "failed");
    stat_box(b, "error", "<span class=\"v v-error\">ERROR</span>", error,
         error == 1 ? "error" : "errors");
    stat_box(b, "pass", "<span class=\"v v-pass\">PASS</span>", pass, "passed");
    stat_box(b, "all", "", total, total == 1 ? "scenario" : "scenarios");
    stat_ns(b, rep__int(s->root, "virtual_ns", -1), "virtual time");
    stat_ns(b, rep__int(rep__get(s->root, "wall"), "duration_ns", -1), "wall time");
    rep__put(b, "</div>\n");
}

/* One <dt>/<dd> pair of the escaped text v, in <code> when code. */
static void meta(rep_buf *b, const char *k, const char *v, bool code)
{
    rep__printf(b, "<dt>%s</dt><dd>%s", k, code ? "<code>" : "");
    rep__esc(b, v);
    rep__printf(b, "%s</dd>\n", code ? "</code>" : "");
}

/* The parts of a merged suite: where each came from. */
static void merged_parts(rep_buf *b, const cJSON *from)
{
    rep__put(b, "<dt>merged from</dt><dd><ul class=\"parts\">\n");
    for (const cJSON *p = from->child; p; p = p->next) {
        const char *shard = rep__str(p, "shard", NULL);
        rep__put(b, "<li><code>");
        rep__esc(b, rep__str(p, "suite", "?"));
        rep__put(b, "</code>");
        if (shard) {
            rep__put(b, " — shard ");
            rep__esc(b, shard);
        }
        rep__put(b, ", started ");
        rep__esc(b, rep__str(p, "started_at", "?"));
        rep__put(b, ", took ");
        rep__html_ns(b, rep__int(p, "duration_ns", -1), true);
        rep__put(b, "</li>\n");
    }
    rep__put(b, "</ul></dd>\n");
}

static void suite_meta(rep_buf *b, const rep_suite *s)
{
    const cJSON *r = s->root;
    const char *shard = rep__str(r, "shard", NULL);
    const cJSON *from = rep__get(r, "merged_from");
    rep__put(b, "<dl class=\"meta\">\n");
    meta(b, "started", rep__str(rep__get(r, "wall"), "started_at", "?"), false);
    meta(b, "seed", rep__seed(r), true);
    meta(b, "mode", rep__str(r, "mode", "?"), false);
    meta(b, "command", rep__str(r, "command", "?"), true);
    meta(b, "gauntlet", rep__str(r, "gauntlet_version", "?"), false);
    if (shard) {
        rep__put(b, "<dt>shard</dt><dd>shard ");
        rep__esc(b, shard);
        rep__put(b, " (this run holds only its share of the suite)</dd>\n");
    }
    if (cJSON_IsArray(from) && from->child)
        merged_parts(b, from);
    rep__put(b, "</dl>\n");
}

static void summary(rep_buf *b, const rep_suite *s)
{
    rep__put(b, "<h1>gauntlet report</h1>\n");
    counts(b, s);
    suite_meta(b, s);
}

/* ---------------------------------------------------------------- baseline */

/* One compared value, "old → new", with "worse"/"better" said in words. */
static void delta_cell(rep_buf *b, const rep_delta *d, bool ns)
{
    rep__printf(b, "<td class=\"n%s\">", d->worse ? " worse" : d->better ? " better" : "");
    if (!d->have_old && !d->have_new) {
        rep__put(b, "—</td>");
        return;
    }
    for (int k = 0; k < 2; k++) {
        bool have = k ? d->have_new : d->have_old;
        int64_t v = k ? d->new_v : d->old_v;
        if (k)
            rep__put(b, " → ");
        if (!have)
            rep__put(b, "—");
        else if (ns)
            rep__html_ns(b, v, false);
        else
            rep__printf(b, "%" PRId64, v);
    }
    rep__put(b, d->worse ? " <small>worse</small>" : d->better ? " <small>better</small>" : "");
    rep__put(b, "</td>");
}

static void cmp_row(rep_buf *b, const rep_cmp *c)
{
    const char *state = !c->new_verdict ? "gone" : !c->old_verdict ? "new"
                        : c->regression ? "regression" : c->improvement ? "better" : "";
    rep__printf(b, "<tr class=\"cmp-%s\"><td class=\"%s\">%s</td><td>", state[0] ? state : "same",
                c->regression ? "worse" : c->improvement ? "better" : "muted",
                state[0] ? state : "same");
    if (c->new_verdict) {
        rep__put(b, "<a href=\"#s-");
        rep__esc_attr(b, c->id);
        rep__put(b, "\">");
    }
    rep__esc(b, c->name);
    rep__put(b, c->new_verdict ? "</a></td><td>" : "</td><td>");
    if (c->old_verdict)
        rep__html_verdict(b, c->old_verdict);
    else
        rep__put(b, "—");
    rep__put(b, " → ");
    if (c->new_verdict)
        rep__html_verdict(b, c->new_verdict);
    else
        rep__put(b, "—");
    rep__put(b, "</td>");
    delta_cell(b, &c->recovery_ns, true);
    delta_cell(b, &c->p99_ns, true);
    delta_cell(b, &c->peak_tasks, false);
    rep__put(b, "</tr>\n");
}

/* The comparison with the baseline, regressions first (then improvements,
 * then the rest, each in the comparison's order). Nothing without one. */
static void comparison(rep_buf *b, const rep_suite *s)
{
    int n = 0, bad = 0, good = 0;
    const rep_cmp *c = rep_suite_comparison(s, &n);
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++) {
        bad += c[i].regression;
        good += c[i].improvement;
    }
    rep__put(b, "<h2 id=\"baseline\">Baseline comparison</h2>\n<p>");
    if (bad)
        rep__printf(b, "<strong class=\"worse\">%d regression%s</strong> against the baseline",
                    bad, bad == 1 ? "" : "s");
    else
        rep__put(b, "<strong>no regressions</strong> against the baseline");
    rep__printf(b, "; %d improved.</p>\n", good);
    rep__put(b, "<div class=\"tw\"><table class=\"cmp\"><thead><tr><th>change</th>"
                "<th>scenario</th><th>verdict</th><th class=\"n\">recovery</th>"
                "<th class=\"n\">p99</th><th class=\"n\">peak tasks</th></tr></thead><tbody>\n");
    for (int rank = CMP_WORSE; rank < CMP_RANKS; rank++)
        for (int i = 0; i < n; i++)
            if (rank == (c[i].regression ? CMP_WORSE : c[i].improvement ? CMP_BETTER : CMP_REST))
                cmp_row(b, &c[i]);
    rep__put(b, "</tbody></table></div>\n");
}

/* ---------------------------------------------------------------- table */

/* A duration cell with its sort key; "—" when !have, "never" when < 0. */
static void ns_cell(rep_buf *b, bool have, int64_t ns)
{
    if (!have)
        rep__put(b, "<td class=\"n\" data-v=\"" SORT_NONE "\">—</td>");
    else if (ns < 0)
        rep__put(b, "<td class=\"n worse\" data-v=\"" SORT_NEVER "\">never</td>");
    else {
        rep__printf(b, "<td class=\"n\" data-v=\"%" PRId64 "\">", ns);
        rep__html_ns(b, ns, true);
        rep__put(b, "</td>");
    }
}

/* "passed/total" of sc's checks (from the entry when the document is
 * missing: only the failed ones are known). */
static void checks_cell(rep_buf *b, const rep_scn *sc)
{
    const cJSON *checks = rep__get(sc->doc, "checks");
    if (!cJSON_IsArray(checks)) {
        int failed = cJSON_GetArraySize(rep__get(sc->entry, "failed_checks"));
        rep__printf(b, "<td class=\"n\" data-v=\"-1\">%d failed</td>", failed);
        return;
    }
    int ok = 0, total = 0;
    for (const cJSON *c = checks->child; c; c = c->next, total++)
        ok += rep__bool(c, "ok", false);
    if (total == 0) {
        rep__put(b, "<td class=\"n\" data-v=\"" SORT_NONE "\">—</td>");
        return;
    }
    rep__printf(b, "<td class=\"n%s\" data-v=\"%d\">%d/%d</td>", ok < total ? " worse" : "",
                total - ok, ok, total);
}

static void table_row(rep_buf *b, const rep_scn *sc)
{
    const char *v = rep__str(sc->entry, "verdict", NULL);
    const cJSON *sum = rep__get(sc->doc, "summary");
    const cJSON *lat = rep__get(sum, "latency"), *tasks = rep__get(sum, "tasks");
    const cJSON *rec = rep__get(sc->doc, "recovery");
    bool passed = v && strcmp(v, "pass") == 0;
    rep__printf(b, "<tr%s><td data-v=\"%d\">", passed ? "" : " class=\"bad\"", verdict_rank(v));
    rep__html_verdict(b, v);
    rep__put(b, "</td><td><a href=\"#");
    rep__html_anchor(b, sc);
    rep__put(b, "\">");
    rep__esc(b, rep__scn_str(sc, "name", "?"));
    rep__put(b, "</a></td><td class=\"m\">");
    rep__esc(b, rep__scn_str(sc, "file", "?"));
    rep__printf(b, ":%" PRId64 "</td>", rep__int(sc->entry, "line", 0));
    checks_cell(b, sc);
    ns_cell(b, cJSON_IsObject(rec),
            rep__bool(rec, "recovered", false) ? rep__int(rec, "time_ns", -1) : -1);
    ns_cell(b, rep__int(lat, "n", 0) > 0, rep__int(lat, "p99_ns", 0));
    if (rep__get(tasks, "peak"))
        rep__printf(b, "<td class=\"n\">%" PRId64 "</td>", rep__int(tasks, "peak", 0));
    else
        rep__put(b, "<td class=\"n\" data-v=\"" SORT_NONE "\">—</td>");
    ns_cell(b, true, rep__int(sc->entry, "virtual_ns", 0));
    rep__put(b, "</tr>\n");
}

static void scenario_table(rep_buf *b, const rep_suite *s, const int *order)
{
    rep__put(b, "<h2 id=\"scenarios\">Scenarios</h2>\n");
    if (s->n == 0) {
        rep__put(b, "<p>This suite ran no scenario.</p>\n");
        return;
    }
    rep__put(b, "<p class=\"note\">Failures first; click a column's header to sort.</p>\n"
                "<div class=\"tw\"><table class=\"scns\"><thead><tr>"
                "<th data-sort>verdict</th><th data-sort>scenario</th><th data-sort>where</th>"
                "<th class=\"n\" data-sort>checks</th><th class=\"n\" data-sort>recovery</th>"
                "<th class=\"n\" data-sort>p99</th><th class=\"n\" data-sort>peak tasks</th>"
                "<th class=\"n\" data-sort>virtual time</th></tr></thead><tbody>\n");
    for (int i = 0; i < s->n; i++)
        table_row(b, &s->scn[order[i]]);
    rep__put(b, "</tbody></table></div>\n");
}

/* ---------------------------------------------------------------- page */

static void footer(rep_buf *b, const rep_suite *s)
{
    rep__put(b, "</main>\n<footer><p>generated by gauntlet ");
    rep__esc(b, rep__str(s->root, "gauntlet_version", "?"));
    if (s->path) {
        rep__put(b, " from <code>");
        rep__esc(b, s->path);
        rep__put(b, "</code>; the scenario documents are in <code>");
        rep__esc(b, s->dir);
        rep__put(b, "/</code>, each linked from its section when it sits next to this page.");
    } else
        rep__put(b, " from a merged suite; the scenario documents are in the directories of "
                    "the suites merged (listed at the top).");
    rep__put(b, "</p></footer>\n<script>\n");
    rep__put(b, rep__html_js);
    rep__put(b, rep__chart_js);
    rep__put(b, "\n</script>\n</body>\n</html>\n");
}

int rep_write_html(const rep_suite *s, const char *path, char *err, size_t errlen)
{
    int *order = calloc((size_t)s->n + 1, sizeof *order);
    if (!order) {
        if (err)
            snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
        return -ENOMEM;
    }
    page_order(s, order);
    rep_buf b = {0};
    page_head(&b, s);
    summary(&b, s);
    rep__html_mutants(&b, s);
    comparison(&b, s);
    scenario_table(&b, s, order);
    rep__put(&b, "<h2 id=\"details\">Details</h2>\n");
    for (int i = 0; i < s->n; i++)
        rep__html_scn(&b, &s->scn[order[i]], path);
    footer(&b, s);
    free(order);
    return rep__buf_commit(&b, path, err, errlen);
}
