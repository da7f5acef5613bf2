/* test_html.c — the HTML report (suite reports_html): its structure over
 * the shipped scenarios, failures and leaks, escaping of hostile names, a
 * crashed scenario, a missing document, no external resource, the
 * baseline comparison, shards and merges, its size at 200 scenarios and
 * byte-identical output for the same documents. Runs go through the
 * gauntlet binary; pages are rendered by it or through rep.h. */
#include <check.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/rep.h"
#include "tests/harness/cliutil.h"

#define SIZE_LIMIT_BYTES 5000000 /* "under 5 MB" */
#define BIG_SUITE 200
#define REL_MAX 512     /* a path relative to the test's directory */
#define TAIL_LINES 300 /* of a fake crash's output: more than the page shows */

/* A scenario on a small pool; extra is more fields (each ending ",\n"). */
#define SCN(name, extra, checks)                                                          \
    "scenario {\n  name = " name ",\n" extra                                              \
    "  target = pool { workers = 2, queue = 4, cost = \"1ms\" },\n"                      \
    "  load = open_loop { rate = 100, duration = \"1s\" },\n"                             \
    "  checks = { " checks " },\n},\n"

/* The failing fixture: a block that never clears leaks 10 tasks and fails
 * 4 checks. */
#define LEAKY                                                                             \
    "scenario {\n  name = \"leaky\",\n"                                                   \
    "  target = pool { workers = 8, queue = 64, cost = \"1ms\", job_timeout = \"100ms\" },\n" \
    "  load = open_loop { rate = 400, duration = \"4s\", timeout = \"200ms\" },\n"        \
    "  faults = {\n"                                                                      \
    "    delay { point = \"svc/pool/exec\", by = \"40ms\", from = \"1s\", to = \"2s\" },\n" \
    "    block { point = \"svc/pool/exec\", p = 0.02, from = \"2.5s\" },\n  },\n"         \
    "  checks = { no_leaked_tasks(), no_lost_jobs(), max_tasks(12),\n"                    \
    "             recovery_within(\"100ms\"), p99_below(\"5ms\") },\n},\n"

/* ---------------------------------------------------------------- helpers */

/* Every test's temp dir sits in suite_dir, made and removed by the test
 * case's unchecked fixture (in the runner's process): a failed assertion
 * ends the forked test at once, so the test could not clean up itself. */
static char suite_dir[32];

static void suite_dir_make(void)
{
    snprintf(suite_dir, sizeof suite_dir, "/tmp/gt-html-XXXXXX");
    if (!mkdtemp(suite_dir))
        suite_dir[0] = '\0'; /* then fresh() falls back to cliutil's own */
}

static void suite_dir_remove(void)
{
    if (suite_dir[0])
        nftw(suite_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fresh(void)
{
    if (!suite_dir[0]) {
        fresh_dir();
        return;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", suite_dir);
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void run_expect(const char *crash, int code, const char *path, const char *out)
{
    ran r = gt_run(crash, "run", path, "--out", out, "--quiet", NULL);
    ck_assert_msg(r.code == code, "gauntlet run %s: exit %d, expected %d\n%.1500s%.1500s", path,
                  r.code, code, r.out, r.err);
    release(&r);
}

static cJSON *json_at(const char *rel)
{
    char *text = in_dir(rel);
    ck_assert_msg(text != NULL, "no %s", rel);
    cJSON *d = cJSON_Parse(text);
    ck_assert_msg(d != NULL, "%s does not parse", rel);
    free(text);
    return d;
}

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
    ck_assert_msg(s != NULL, "no string \"%s\"", key);
    return s;
}

/* The id of the scenario named name in the suite document. */
static const char *id_of(const cJSON *suite, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(suite, "scenarios"))
    {
        if (strcmp(str(e, "name"), name) == 0)
            return str(e, "id");
    }
    ck_abort_msg("suite.json: no scenario \"%s\"", name);
    return NULL;
}

/* Render the suite in dir (relative to tmpdir) to dir/page through rep.h;
 * returns the page. */
static char *render(const char *dir, const char *page)
{
    char path[REL_MAX], out[2 * REL_MAX], err[512];
    snprintf(path, sizeof path, "%.64s/%.300s", tmpdir, dir);
    snprintf(out, sizeof out, "%s/%.300s", path, page);
    rep_suite *s = NULL;
    int rc = rep_suite_load(&s, path, err, sizeof err);
    ck_assert_msg(rc == 0, "rep_suite_load: %d %s", rc, err);
    rc = rep_write_html(s, out, err, sizeof err);
    ck_assert_msg(rc == 0, "rep_write_html: %d %s", rc, err);
    rep_suite_release(s);
    char *text = slurp(out);
    ck_assert_msg(text != NULL, "no %s", out);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

/* A copy of the section of scenario id (from its <section to </section>). */
static char *section(const char *html, const char *id)
{
    char want[512];
    snprintf(want, sizeof want, "id=\"s-%s\"", id);
    const char *at = strstr(html, want);
    ck_assert_msg(at != NULL, "no section %s", want);
    ck_assert_msg(!strstr(at + 1, want), "two sections %s", want);
    const char *from = at;
    while (from > html && strncmp(from, "<section", 8) != 0)
        from--;
    const char *to = strstr(at, "</section>");
    ck_assert_msg(to != NULL && from > html, "section %s is not closed", id);
    return strndup(from, (size_t)(to - from));
}

/* The body rows of the first <table class="cls"> in html (rows saying
 * what was left out not counted); -1 when there is none. */
static int rows(const char *html, const char *cls)
{
    char want[64];
    snprintf(want, sizeof want, "<table class=\"%s\">", cls);
    const char *t = strstr(html, want);
    if (!t)
        return -1;
    const char *body = strstr(t, "<tbody>"), *end = strstr(t, "</tbody>");
    ck_assert_msg(body && end && body < end, "table %s has no body", cls);
    char *b = strndup(body, (size_t)(end - body));
    int n = count(b, "<tr") - count(b, "<tr class=more");
    free(b);
    return n;
}

/* The text of html between the first from and the next to. */
static char *between(const char *html, const char *from, const char *to)
{
    const char *a = strstr(html, from);
    ck_assert_msg(a != NULL, "no \"%s\"", from);
    const char *z = strstr(a, to);
    ck_assert_msg(z != NULL, "no \"%s\" after \"%s\"", to, from);
    return strndup(a, (size_t)(z - a));
}

static void lacks(const char *hay, const char *needle)
{
    const char *at = strstr(hay, needle);
    ck_assert_msg(!at, "\"%s\" is on the page: ...%.300s", needle, at ? at : "");
}

/* ---------------------------------------------------------------- shipped */

/* Each shipped scenario has its section and row, with as many check rows
 * as its document has checks; the counts and the title add up. */
START_TEST(shipped_suite_structure)
{
    char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    fresh();
    run_expect(NULL, 0, dir, "out");
    cJSON *suite = json_at("out/latest/suite.json");
    char *html = render("out/latest", "page.html");
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(suite, "scenarios"));
    ck_assert_int_ge(n, 10);
    char want[256];
    snprintf(want, sizeof want, "<title>gauntlet: %d passed</title>", n);
    HAS(html, want);
    snprintf(want, sizeof want, "<span class=\"v v-pass\">PASS</span><b>%d</b>", n);
    HAS(html, want);
    HAS(html, "<span class=\"v v-fail\">FAIL</span><b>0</b>");
    HAS(html, "<span class=\"v v-error\">ERROR</span><b>0</b>");
    ck_assert_int_eq(rows(html, "scns"), n);
    ck_assert_int_eq(count(html, "<section class=\"scn"), n);
    const char *prev = html;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(suite, "scenarios"))
    {
        const char *id = str(e, "id");
        snprintf(want, sizeof want, "href=\"#s-%s\"", id);
        const char *row = strstr(html, want);
        ck_assert_msg(row != NULL && row > prev, "the table's row for %s is missing or out of "
                                                 "run order", id);
        prev = row;
        char *sec = section(html, id);
        snprintf(want, sizeof want, "out/latest/%s", str(e, "document"));
        cJSON *doc = json_at(want);
        int checks = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "checks"));
        ck_assert_msg(rows(sec, "checks") == checks, "%s: %d check rows, the document has %d",
                      id, rows(sec, "checks"), checks);
        HAS(sec, "<details>"); /* a pass starts closed */
        HAS(sec, strrchr(str(doc, "replay"), '\'') + 1); /* " --seed N --mode sim" */
        snprintf(want, sizeof want, "<a href=\"%s\">", str(e, "document"));
        HAS(sec, want);
        cJSON_Delete(doc);
        free(sec);
    }
    HAS(html, "</footer>");
    cJSON_Delete(suite);
    free(html);
}
END_TEST

/* Errors, then failures, then passes, each in run order: in the table
 * and in the sections. */
START_TEST(failures_first)
{
    fresh();
    put("o.lua", "return {\n" SCN("\"p1\"", "", "no_lost_jobs()") SCN("\"f1\"", "", "max_tasks(1)")
                     SCN("\"c1\"", "", "no_lost_jobs()") SCN("\"p2\"", "", "no_lost_jobs()") "}\n");
    run_expect("c1", 1, "o.lua", "out");
    char *html = in_dir("out/latest/index.html");
    ck_assert_msg(html != NULL, "the run wrote no index.html");
    HAS(html, "<title>gauntlet: 1 error, 1 failed, 2 passed</title>");
    cJSON *suite = json_at("out/latest/suite.json");
    static const char *const order[] = {"c1", "f1", "p1", "p2"};
    char *table = between(html, "<table class=\"scns\">", "</table>");
    const char *t = table, *s = html;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        char want[256];
        snprintf(want, sizeof want, "href=\"#s-%s\"", id_of(suite, order[i]));
        const char *at = strstr(t, want);
        ck_assert_msg(at != NULL, "row %zu of the table is not %s:\n%s", i, order[i], table);
        t = at;
        snprintf(want, sizeof want, "id=\"s-%s\"", id_of(suite, order[i]));
        at = strstr(s, want);
        ck_assert_msg(at != NULL, "section %zu is not %s", i, order[i]);
        s = at;
    }
    char *f1 = section(html, id_of(suite, "f1"));
    HAS(f1, "<details open>");
    HAS(f1, "<span class=\"v v-fail\">FAILED</span>");
    free(f1);
    free(table);
    cJSON_Delete(suite);
    free(html);
}
END_TEST

/* ---------------------------------------------------------------- failures */

START_TEST(failing_run_shows_leaks)
{
    fresh();
    put("f.lua", "return {\n" LEAKY "}\n");
    run_expect(NULL, 1, "f.lua", "out");
    char *html = in_dir("out/latest/index.html");
    cJSON *suite = json_at("out/latest/suite.json");
    char *sec = section(html, id_of(suite, "leaky"));
    HAS(html, "<title>gauntlet: 1 failed</title>");
    HAS(sec, "<span class=\"v v-fail\">FAIL</span>");
    ck_assert_int_eq(count(sec, "<span class=\"v v-fail\">FAILED</span>"), 4);
    ck_assert_int_eq(count(sec, "<span class=\"v v-ok\">ok</span>"), 1);
    ck_assert_int_eq(rows(sec, "leaks"), 10);
    ck_assert_int_ge(count(sec, "pool.worker"), 8);
    HAS(sec, "fault block at svc/pool/exec");
    HAS(sec, "never cleared");
    HAS(sec, "firings in all");
    HAS(sec, "No fault cleared during the run");
    HAS(sec, "<tr><th>leaked<td class=bad-n>10\n");
    lacks(sec, "No task leaked.");
    free(sec);
    cJSON_Delete(suite);
    free(html);
}
END_TEST

/* Names, descriptions and tags reach the page escaped, and only so. */
START_TEST(hostile_strings_are_escaped)
{
    fresh();
    put("x.lua",
        "return {\n" SCN("\"<script>alert(1)</script>\"",
                         "  description = \"<b>bold</b> & more\",\n"
                         "  tags = { \"<i>t&g</i>\" },\n",
                         "max_tasks(1)")
            SCN("'\"><img src=x onerror=alert(1)>'", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 1, "x.lua", "out");
    char *html = in_dir("out/latest/index.html");
    lacks(html, "<script>alert(1)");
    lacks(html, "<img src=x");
    lacks(html, "<b>bold</b>");
    lacks(html, "<i>t&g</i>");
    HAS(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    HAS(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    HAS(html, "&lt;b&gt;bold&lt;/b&gt; &amp; more");
    HAS(html, "&lt;i&gt;t&amp;g&lt;/i&gt;");
    ck_assert_int_eq(count(html, "<script"), 2); /* the page's own two */
    ck_assert_int_eq(count(html, "<img"), 0);
    free(html);
}
END_TEST

/* A crash: its reason and the tail of its output (capped, saying so). */
START_TEST(crashed_scenario_shows_reason_and_output)
{
    fresh();
    put("c.lua", "return {\n" SCN("\"boom\"", "", "no_lost_jobs()") "}\n");
    run_expect("boom", 1, "c.lua", "out");
    cJSON *suite = json_at("out/latest/suite.json");
    char *html = in_dir("out/latest/index.html"), *sec = section(html, id_of(suite, "boom"));
    HAS(sec, "<span class=\"v v-error\">ERROR</span>");
    /* SIGSEGV; under ASan (abort_on_error) its report ends in SIGABRT */
    HAS(sec, "<strong>Error:</strong> crashed: killed by SIG");
    HAS(sec, "<details open>");
    char rel[REL_MAX];
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(suite, "scenarios"), 0);
    snprintf(rel, sizeof rel, "out/latest/%s", str(e, "document"));
    cJSON *doc = json_at(rel);
    HAS(sec, str(doc, "reason"));
    HAS(sec, str(doc, "output")[0] ? "<pre class=\"output\">" : "Its process wrote no output.");
    free(sec);
    free(html);
    /* the same document with a long output, rendered again */
    char *out = calloc(TAIL_LINES, 32);
    for (int i = 0; i < TAIL_LINES; i++)
        sprintf(out + strlen(out), "out-%03d <x>\n", i);
    cJSON_ReplaceItemInObject(doc, "output", cJSON_CreateString(out));
    char *text = cJSON_Print(doc);
    put(rel, text);
    html = render("out/latest", "index.html");
    sec = section(html, id_of(suite, "boom"));
    HAS(sec, "The last 100 lines of its output");
    HAS(sec, "out-200 &lt;x&gt;");
    HAS(sec, "out-299 &lt;x&gt;");
    lacks(sec, "out-199");
    lacks(sec, "<x>");
    free(text);
    free(out);
    free(sec);
    free(html);
    cJSON_Delete(doc);
    cJSON_Delete(suite);
}
END_TEST

/* A document gone after the run: the page is whole and says why. */
START_TEST(missing_document_is_stated)
{
    fresh();
    put("f.lua", "return {\n" LEAKY SCN("\"fine\"", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 1, "f.lua", "out");
    cJSON *suite = json_at("out/latest/suite.json");
    char rel[REL_MAX];
    snprintf(rel, sizeof rel, "%s/out/latest/%s.json", tmpdir, id_of(suite, "leaky"));
    ck_assert_int_eq(unlink(rel), 0);
    char *html = render("out/latest", "index.html");
    char *sec = section(html, id_of(suite, "leaky")), *fine = section(html, id_of(suite, "fine"));
    HAS(sec, "No scenario document");
    HAS(sec, "cannot read");
    HAS(sec, "No such file or directory");
    HAS(sec, "<span class=\"v v-fail\">FAIL</span>");
    HAS(sec, "no_leaked_tasks()"); /* the failed checks, from suite.json */
    ck_assert_int_eq(rows(sec, "checks"), 4);
    ck_assert_int_eq(rows(fine, "checks"), 1);
    HAS(html, "<title>gauntlet: 1 failed, 1 passed</title>");
    const char *end = html + strlen(html) - strlen("</html>\n");
    ck_assert_str_eq(end, "</html>\n");
    free(sec);
    free(fine);
    free(html);
    cJSON_Delete(suite);
}
END_TEST

/* ---------------------------------------------------------------- one file */

/* Every src=, href=, url( and @import: an anchor, or a document next to
 * the page; nothing fetched from elsewhere. */
static void only_local_refs(const char *html)
{
    static const char *const attrs[] = {"src=", "href=", "url(", "@import"};
    for (size_t k = 0; k < sizeof attrs / sizeof *attrs; k++)
        for (const char *p = strstr(html, attrs[k]); p; p = strstr(p + 1, attrs[k])) {
            const char *v = p + strlen(attrs[k]);
            v += *v == '"' || *v == '\'';
            size_t n = strcspn(v, "\"') >");
            bool anchor = *v == '#';
            bool doc = n > 5 && strncmp(v + n - 5, ".json", 5) == 0 && !memchr(v, '/', n) &&
                       !memchr(v, ':', n);
            ck_assert_msg(k < 3 && (anchor || (doc && k < 2)), "not a local reference: %.80s",
                          p);
        }
}

START_TEST(no_external_resources)
{
    char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    fresh();
    run_expect(NULL, 0, dir, "out");
    put("f.lua", "return {\n" LEAKY "}\n");
    run_expect(NULL, 1, "f.lua", "fail");
    char *pages[] = {in_dir("out/latest/index.html"), in_dir("fail/latest/index.html")};
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(pages[i] != NULL, "no page %d", i);
        only_local_refs(pages[i]);
        lacks(pages[i], "<link");
        lacks(pages[i], "<iframe");
        lacks(pages[i], "<object");
        lacks(pages[i], "srcset=");
        HAS(pages[i], "Content-Security-Policy");
        free(pages[i]);
    }
}
END_TEST

/* ---------------------------------------------------------------- baseline */

START_TEST(baseline_regression_is_marked)
{
    fresh();
    put("b.lua", "return {\n" SCN("\"moves\"", "", "max_tasks(100)")
                     SCN("\"stays\"", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 0, "b.lua", "old");
    put("b.lua", "return {\n" SCN("\"moves\"", "", "max_tasks(1)")
                     SCN("\"stays\"", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 1, "b.lua", "new");
    ran r = gt_run(NULL, "report", "new/latest", "--baseline", "old/latest", NULL);
    ck_assert_msg(r.code == 0, "report: exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.out, "baseline: 1 regression");
    release(&r);
    cJSON *suite = json_at("new/latest/suite.json");
    char *html = in_dir("new/latest/index.html");
    char *cmp = between(html, "<table class=\"cmp\">", "</table>");
    HAS(html, "1 regression</strong> against the baseline");
    char want[512];
    snprintf(want, sizeof want, "<tr class=\"cmp-regression\"><td class=\"worse\">regression"
                                "</td><td><a href=\"#s-%s\">moves</a>", id_of(suite, "moves"));
    HAS(cmp, want);
    HAS(cmp, "<span class=\"v v-pass\">PASS</span> → <span class=\"v v-fail\">FAIL</span>");
    HAS(cmp, "<tr class=\"cmp-same\">");
    /* regressions first */
    ck_assert_msg(strstr(cmp, "cmp-regression") < strstr(cmp, "cmp-same"), "not regressions first");
    free(cmp);
    free(html);
    cJSON_Delete(suite);
}
END_TEST

/* A shard says so; a merged suite lists its parts. */
START_TEST(shards_and_merges)
{
    fresh();
    put("m.lua", "return {\n" SCN("\"one\"", "", "no_lost_jobs()")
                     SCN("\"two\"", "", "no_lost_jobs()") "}\n");
    ran r = gt_run(NULL, "run", "m.lua", "--shard", "1/2", "--out", "a", "--quiet", NULL);
    ck_assert_msg(r.code == 0, "shard 1: exit %d %s", r.code, r.err);
    release(&r);
    r = gt_run(NULL, "run", "m.lua", "--shard", "2/2", "--out", "b", "--quiet", NULL);
    ck_assert_msg(r.code == 0, "shard 2: exit %d %s", r.code, r.err);
    release(&r);
    char *html = in_dir("a/latest/index.html");
    HAS(html, "<dt>shard</dt><dd>shard 1/2");
    free(html);
    r = gt_run(NULL, "report", "merge", "a/latest", "b/latest", "-o", "m", NULL);
    ck_assert_msg(r.code == 0, "merge: exit %d %s", r.code, r.err);
    release(&r);
    html = in_dir("m/index.html");
    ck_assert_msg(html != NULL, "report merge wrote no m/index.html");
    char *parts = between(html, "<dt>merged from</dt>", "</dd>");
    ck_assert_int_eq(count(parts, "<li>"), 2);
    HAS(parts, " — shard 1/2");
    HAS(parts, " — shard 2/2");
    ck_assert_int_eq(count(html, "<section class=\"scn"), 2);
    free(parts);
    free(html);
}
END_TEST

/* ---------------------------------------------------------------- scale */

/* A suite.json of BIG_SUITE entries, each with its own copy of the
 * document of the run in dir. */
static void big_suite(const char *dir)
{
    char rel[REL_MAX];
    cJSON *suite = json_at("one/latest/suite.json");
    cJSON *arr = cJSON_GetObjectItem(suite, "scenarios");
    cJSON *proto = cJSON_DetachItemFromArray(arr, 0);
    snprintf(rel, sizeof rel, "one/latest/%s", str(proto, "document"));
    char *doc = in_dir(rel);
    ck_assert_msg(doc != NULL, "no %s", rel);
    for (int i = 0; i < BIG_SUITE; i++) {
        char id[32], file[48];
        snprintf(id, sizeof id, "big-%03d", i);
        snprintf(file, sizeof file, "%s.json", id);
        cJSON *e = cJSON_Duplicate(proto, true);
        cJSON_ReplaceItemInObject(e, "id", cJSON_CreateString(id));
        cJSON_ReplaceItemInObject(e, "document", cJSON_CreateString(file));
        cJSON_AddItemToArray(arr, e);
        snprintf(rel, sizeof rel, "%s/%s", dir, file);
        put(rel, doc);
    }
    char *text = cJSON_Print(suite);
    snprintf(rel, sizeof rel, "%s/suite.json", dir);
    put(rel, text);
    free(text);
    free(doc);
    cJSON_Delete(proto);
    cJSON_Delete(suite);
}

START_TEST(two_hundred_scenarios_stay_small)
{
    fresh();
    put("f.lua", "return {\n" LEAKY "}\n");
    run_expect(NULL, 1, "f.lua", "one");
    big_suite("big");
    char *html = render("big", "index.html");
    size_t len = strlen(html);
    ck_assert_msg(len < SIZE_LIMIT_BYTES, "%d scenarios: %zu bytes (limit %d)", BIG_SUITE, len,
                  SIZE_LIMIT_BYTES);
    ck_assert_int_eq(count(html, "<section class=\"scn"), BIG_SUITE);
    ck_assert_int_eq(rows(html, "scns"), BIG_SUITE);
    fprintf(stderr, "reports_html: %d scenarios: %zu bytes\n", BIG_SUITE, len);
    free(html);
}
END_TEST

/* n copies of the first item of doc's array at path (a, b: keys). */
static void grow(cJSON *doc, const char *a, const char *b, int n)
{
    cJSON *arr = cJSON_GetObjectItem(doc, a);
    if (b)
        arr = cJSON_GetObjectItem(arr, b);
    cJSON *first = cJSON_GetArrayItem(arr, 0);
    ck_assert_msg(first != NULL, "no %s.%s[0]", a, b ? b : "");
    while (cJSON_GetArraySize(arr) < n)
        cJSON_AddItemToArray(arr, cJSON_Duplicate(first, true));
}

/* Long lists are cut, saying how much is left out. */
START_TEST(long_lists_are_capped)
{
    fresh();
    put("f.lua", "return {\n" LEAKY "}\n");
    run_expect(NULL, 1, "f.lua", "out");
    cJSON *suite = json_at("out/latest/suite.json");
    char rel[REL_MAX];
    snprintf(rel, sizeof rel, "out/latest/%s.json", id_of(suite, "leaky"));
    cJSON *doc = json_at(rel);
    grow(doc, "leaks", NULL, 200);
    cJSON_ReplaceItemInObject(doc, "leaks_total", cJSON_CreateNumber(500));
    cJSON *peak = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "profile"), "peak");
    grow(peak, "groups", NULL, 64); /* 57 more groups of 7 tasks */
    cJSON_ReplaceItemInObject(peak, "other", cJSON_CreateNumber(5));
    grow(doc, "faults", "counts", 60);
    char *text = cJSON_Print(doc);
    put(rel, text);
    char *html = render("out/latest", "index.html");
    char *sec = section(html, id_of(suite, "leaky"));
    ck_assert_int_eq(rows(sec, "leaks"), 50);
    HAS(sec, "… and 450 more (500 leaked in all)");
    ck_assert_int_eq(rows(sec, "profile"), 20);
    HAS(sec, "<tr class=more><td class=n>313<td colspan=3>other (44 more groups");
    ck_assert_int_eq(rows(sec, "counts"), 50);
    HAS(sec, "… and 10 more points and kinds (60 in all)");
    ck_assert_int_eq(rows(sec, "events"), 20);
    free(sec);
    free(html);
    free(text);
    cJSON_Delete(doc);
    cJSON_Delete(suite);
}
END_TEST

/* The same documents render to the same bytes. */
START_TEST(same_documents_same_bytes)
{
    fresh();
    put("f.lua", "return {\n" LEAKY SCN("\"fine\"", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 1, "f.lua", "out");
    char *a = render("out/latest", "a.html"), *b = render("out/latest", "b.html");
    ck_assert_msg(strcmp(a, b) == 0, "two renderings differ");
    ck_assert_int_gt(strlen(a), 1000);
    free(a);
    free(b);
}
END_TEST

/* A page that cannot be written: the error, and nothing left behind. */
START_TEST(write_error_is_reported)
{
    fresh();
    put("o.lua", "return {\n" SCN("\"one\"", "", "no_lost_jobs()") "}\n");
    run_expect(NULL, 0, "o.lua", "out");
    char path[PATH_MAX], page[PATH_MAX], err[PATH_MAX + 64] = "";
    snprintf(path, sizeof path, "%s/out/latest", tmpdir);
    snprintf(page, sizeof page, "%s/nowhere/index.html", tmpdir);
    rep_suite *s = NULL;
    ck_assert_int_eq(rep_suite_load(&s, path, err, sizeof err), 0);
    ck_assert_int_eq(rep_write_html(s, page, err, sizeof err), -ENOENT);
    HAS(err, "nowhere/index.html");
    rep_suite_release(s);
}
END_TEST

Suite *suite_reports_html(void)
{
    Suite *s = suite_create("reports_html");
    TCase *tc = tcase_create("page");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, suite_dir_make, suite_dir_remove);
    tcase_add_test(tc, shipped_suite_structure);
    tcase_add_test(tc, failures_first);
    tcase_add_test(tc, failing_run_shows_leaks);
    tcase_add_test(tc, hostile_strings_are_escaped);
    tcase_add_test(tc, crashed_scenario_shows_reason_and_output);
    tcase_add_test(tc, missing_document_is_stated);
    tcase_add_test(tc, no_external_resources);
    tcase_add_test(tc, baseline_regression_is_marked);
    tcase_add_test(tc, shards_and_merges);
    tcase_add_test(tc, two_hundred_scenarios_stay_small);
    tcase_add_test(tc, long_lists_are_capped);
    tcase_add_test(tc, same_documents_same_bytes);
    tcase_add_test(tc, write_error_is_reported);
    suite_add_tcase(s, tc);
    return s;
}
