/* test_suite.c — suites as documents (reports/rep.h): loading and its
 * errors, shard merge against the unsharded run, the baseline comparison,
 * and the `gauntlet report` command around them. */
#include <cjson/cJSON.h>

#include "reports/rep.h"
#include "tests/harness/cliutil.h"

#define ERRLEN 512

/* Two small scenarios per file, three files: enough to shard. */
static const char scn_a[] =
    "return {\n"
    "  scenario { name = 'a one', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
    "    load = open_loop { rate = 200, duration = '1s' }, checks = { no_lost_jobs() } },\n"
    "  scenario { name = 'a two', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
    "    load = open_loop { rate = 200, duration = '1s' }, checks = { max_tasks(1) } },\n"
    "}\n";
static const char scn_b[] =
    "return scenario { name = 'b one', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
    "  load = open_loop { rate = 100, duration = '1s' }, checks = { no_leaked_tasks() } }\n";
static const char scn_c[] =
    "return {\n"
    "  scenario { name = 'c one', target = pool { workers = 4, queue = 8, cost = '2ms' },\n"
    "    load = open_loop { rate = 100, duration = '1s' }, checks = { no_lost_jobs() } },\n"
    "  scenario { name = 'c two', target = pool { workers = 4, queue = 8, cost = '1ms' },\n"
    "    load = open_loop { rate = 100, duration = '1s' }, checks = { no_panics() } },\n"
    "}\n";

static void put_suite(void)
{
    put("s/a.lua", scn_a);
    put("s/b.lua", scn_b);
    put("s/c.lua", scn_c);
}

static char *path_in(const char *name)
{
    static char buf[4][PATH_MAX];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

static rep_suite *load_ok(const char *name)
{
    rep_suite *s = NULL;
    char err[ERRLEN] = "";
    int rc = rep_suite_load(&s, path_in(name), err, sizeof err);
    ck_assert_msg(rc == 0, "load %s: %d %s", name, rc, err);
    return s;
}

static cJSON *json_in(const char *name)
{
    char *t = in_dir(name);
    ck_assert_msg(t != NULL, "cannot read %s", name);
    cJSON *d = cJSON_Parse(t);
    ck_assert_msg(d != NULL, "%s is not JSON", name);
    free(t);
    return d;
}

/* "id verdict seed\n" per scenario of a suite.json, in order. */
static char *verdict_lines(const char *suite_json)
{
    cJSON *d = json_in(suite_json);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "scenarios"))
        fprintf(m, "%s %s %.0f\n", cJSON_GetObjectItem(e, "id")->valuestring,
                cJSON_GetObjectItem(e, "verdict")->valuestring,
                cJSON_GetObjectItem(e, "virtual_ns")->valuedouble);
    fclose(m);
    cJSON_Delete(d);
    return text;
}

static void run_ok(ran r, int code)
{
    ck_assert_msg(r.code == code, "exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", r.code, code,
                  r.out, r.err);
}

/* ---------------------------------------------------------------- merge */

/* The two shards of a run, merged, give the unsharded run's scenarios, in
 * its order, with its verdicts; the documents are copied byte for byte. */
START_TEST(merge_of_shards_equals_unsharded_run)
{
    fresh_dir();
    put_suite();
    ran r;
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--out", "all", NULL), 1), release(&r);
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--shard", "1/2", "--out", "k1", NULL), 0),
        release(&r);
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--shard", "2/2", "--out", "k2", NULL), 1),
        release(&r);
    r = gt_run(NULL, "report", "merge", "k2/latest", "k1/latest/suite.json", "-o", "m", NULL);
    run_ok(r, 0);
    HAS(r.out, "merged 2 suites: 5 scenarios, 4 passed, 1 failed, 0 errors");
    HAS(r.out, "report:  m/index.html");
    release(&r);

    char *want = verdict_lines("all/latest/suite.json"), *got = verdict_lines("m/suite.json");
    ck_assert_str_eq(got, want);
    free(want), free(got);

    cJSON *m = json_in("m/suite.json"), *k1 = json_in("k1/latest/suite.json");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(m, "shard")));
    ck_assert_str_eq(cJSON_GetObjectItem(k1, "shard")->valuestring, "1/2");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(m, "merged_from")), 2);
    const cJSON *counts = cJSON_GetObjectItem(m, "counts");
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "pass")->valueint, 4);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "fail")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "total")->valueint, 5);
    /* every document is there, identical to its shard's */
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(k1, "scenarios"))
    {
        char a[1024], b[1024];
        const char *doc = cJSON_GetObjectItem(e, "document")->valuestring;
        snprintf(a, sizeof a, "k1/latest/%s", doc);
        snprintf(b, sizeof b, "m/%s", doc);
        char *ta = in_dir(a), *tb = in_dir(b);
        ck_assert_msg(ta && tb, "%s or %s missing", a, b);
        ck_assert_str_eq(ta, tb);
        free(ta), free(tb);
    }
    cJSON_Delete(m), cJSON_Delete(k1);
    /* and the merge is itself a loadable suite with its reports */
    rep_suite *s = load_ok("m");
    int pass, fail, error, total;
    rep_suite_counts(s, &pass, &fail, &error, &total);
    ck_assert_int_eq(pass * 100 + fail * 10 + error, 410);
    rep_suite_release(s);
    char *html = in_dir("m/index.html"), *junit = in_dir("m/junit.xml");
    ck_assert(html && junit);
    free(html), free(junit);
    done_dir();
}
END_TEST

START_TEST(merge_refuses_what_is_not_one_run)
{
    fresh_dir();
    put_suite();
    ran r;
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--shard", "1/2", "--out", "k1", NULL), 0),
        release(&r);
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--shard", "1/2", "--seed", "7", "--out",
                      "k1b", NULL),
           0),
        release(&r);
    r = gt_run(NULL, "report", "merge", "k1/latest", "k1/latest", "-o", "m", NULL);
    run_ok(r, 2);
    HAS(r.err, "shard 1/2 is also");
    release(&r);
    r = gt_run(NULL, "report", "merge", "k1/latest", "k1b/latest", "-o", "m", NULL);
    run_ok(r, 2);
    HAS(r.err, "k1b/latest/suite.json: seed 7 differs from");
    HAS(r.err, "not shards of one run");
    release(&r);
    r = gt_run(NULL, "report", "merge", "k1/latest", NULL);
    run_ok(r, 2);
    HAS(r.err, "-o DIR: missing");
    release(&r);
    r = gt_run(NULL, "report", "merge", "-o", "m", NULL);
    run_ok(r, 2);
    HAS(r.err, "to merge");
    release(&r);
    ck_assert_msg(access(path_in("m"), F_OK) != 0, "a refused merge wrote m/");
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- baseline */

static const rep_cmp *cmp_of(const rep_suite *s, const char *name)
{
    int n;
    const rep_cmp *c = rep_suite_comparison(s, &n);
    for (int i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return &c[i];
    ck_abort_msg("no comparison for %s", name);
    return NULL;
}

/* A scenario that passed and now fails is a regression; so is one whose
 * p99 grew past the threshold with the same verdict; one unchanged is
 * neither; a scenario new in this run and one gone from it are listed. */
START_TEST(baseline_flags_regressions)
{
    fresh_dir();
    const char *fmt =
        "return {\n"
        "  scenario { name = 'steady', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
        "    load = open_loop { rate = 100, duration = '1s' }, checks = { no_lost_jobs() } },\n"
        "  scenario { name = 'bounded', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
        "    load = open_loop { rate = 100, duration = '1s' }, checks = { max_tasks(%d) } },\n"
        "  scenario { name = 'slower', target = pool { workers = 4, queue = 64, cost = '%s' },\n"
        "    load = open_loop { rate = 100, duration = '1s' }, checks = { no_lost_jobs() } },\n"
        "  scenario { name = '%s', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
        "    load = open_loop { rate = 100, duration = '1s' }, checks = { no_lost_jobs() } },\n"
        "}\n";
    char text[2048];
    snprintf(text, sizeof text, fmt, 100, "1ms", "old only");
    put("s/x.lua", text);
    ran r;
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--out", "old", NULL), 0), release(&r);
    snprintf(text, sizeof text, fmt, 1, "30ms", "new only");
    put("s/x.lua", text);
    run_ok(r = gt_run(NULL, "run", "s", "--quiet", "--out", "new", NULL), 1), release(&r);

    rep_suite *now = load_ok("new/latest"), *base = load_ok("old/latest");
    ck_assert_int_eq(rep_suite_compare(now, base), 2); /* bounded, slower */
    int n;
    rep_suite_comparison(now, &n);
    ck_assert_int_eq(n, 5);
    const rep_cmp *c = cmp_of(now, "bounded");
    ck_assert(c->regression && !c->improvement);
    ck_assert_str_eq(c->old_verdict, "pass");
    ck_assert_str_eq(c->new_verdict, "fail");
    c = cmp_of(now, "slower");
    ck_assert_str_eq(c->new_verdict, "pass");
    ck_assert_msg(c->p99_ns.have_old && c->p99_ns.have_new && c->p99_ns.worse,
                  "p99 %lld -> %lld not worse", (long long)c->p99_ns.old_v,
                  (long long)c->p99_ns.new_v);
    ck_assert(c->regression);
    c = cmp_of(now, "steady");
    ck_assert(!c->regression && !c->improvement && !c->p99_ns.worse && !c->peak_tasks.worse);
    c = cmp_of(now, "new only");
    ck_assert(c->old_verdict == NULL && !c->regression); /* new, and passing */
    c = cmp_of(now, "old only");
    ck_assert(c->new_verdict == NULL && !c->regression);
    /* the other way round: the fixed scenario is an improvement */
    ck_assert_int_eq(rep_suite_compare(base, now), 0);
    ck_assert(cmp_of(base, "bounded")->improvement);
    ck_assert(cmp_of(base, "slower")->p99_ns.better);
    rep_suite_release(now);
    rep_suite_release(base);

    r = gt_run(NULL, "report", "new/latest", "--baseline", "old/latest", NULL);
    run_ok(r, 0);
    HAS(r.out, "baseline: 2 regressions against old/latest");
    release(&r);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- loading */

static void load_fails(const char *name, int want_rc, const char *want_msg)
{
    rep_suite *s = (rep_suite *)1;
    char err[ERRLEN] = "";
    int rc = rep_suite_load(&s, path_in(name), err, sizeof err);
    ck_assert_msg(rc == want_rc, "%s: rc %d, want %d (%s)", name, rc, want_rc, err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, want_msg), "%s: \"%s\" lacks \"%s\"", name, err, want_msg);
}

START_TEST(load_names_what_is_wrong)
{
    fresh_dir();
    load_fails("nope", -ENOENT, "nope: No such file or directory");
    put("bad.json", "{\n  \"kind\": \"suite\",\n  oops\n}\n");
    load_fails("bad.json", -EINVAL, "bad.json: line 3: not valid JSON");
    put("kind.json", "{\"kind\": \"scenario\", \"schema_version\": 1}");
    load_fails("kind.json", -EINVAL, "kind: not a suite document");
    put("new.json", "{\"kind\": \"suite\", \"schema_version\": 2, \"scenarios\": []}");
    load_fails("new.json", -EINVAL, "schema_version 2 is newer than this gauntlet reads (1)");
    put("v.json", "{\"kind\": \"suite\", \"schema_version\": 1, \"scenarios\": [\n"
                  "{\"id\": \"a\", \"name\": \"a\", \"file\": \"f\", \"document\": \"a.json\","
                  " \"verdict\": \"pass\"},\n"
                  "{\"id\": \"b\", \"name\": \"b\", \"file\": \"f\", \"document\": \"b.json\","
                  " \"verdict\": \"meh\"}]}");
    load_fails("v.json", -EINVAL, "scenarios[1].verdict: expected \"pass\", \"fail\" or \"error\"");
    put("d/suite.json", "{\"kind\": \"suite\", \"schema_version\": 1, \"scenarios\": [\n"
                        "{\"id\": \"a\", \"name\": \"a\", \"file\": \"f\", \"verdict\": \"pass\"}]}");
    load_fails("d", -EINVAL, "scenarios[0].document: missing or not a string");
    done_dir();
}
END_TEST

/* A scenario document that went missing (or is damaged, or points out of
 * the directory) does not stop the suite from loading and rendering. */
START_TEST(load_survives_missing_documents)
{
    fresh_dir();
    put_suite();
    ran r = gt_run(NULL, "run", "s", "--quiet", "--out", "o", NULL);
    run_ok(r, 1), release(&r);
    cJSON *d = json_in("o/latest/suite.json");
    cJSON *arr = cJSON_GetObjectItem(d, "scenarios");
    char doc[1024];
    snprintf(doc, sizeof doc, "%s/o/latest/%s", tmpdir,
             cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "document")->valuestring);
    ck_assert_int_eq(unlink(doc), 0);
    snprintf(doc, sizeof doc, "o/latest/%s",
             cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "document")->valuestring);
    put(doc, "{ truncated");
    cJSON_DeleteItemFromObject(cJSON_GetArrayItem(arr, 2), "document");
    cJSON_AddStringToObject(cJSON_GetArrayItem(arr, 2), "document", "../../../etc/passwd");
    char *text = cJSON_Print(d);
    put("o/latest/suite.json", text);
    free(text);
    cJSON_Delete(d);

    rep_suite *s = load_ok("o/latest");
    int total;
    rep_suite_counts(s, NULL, NULL, NULL, &total);
    ck_assert_int_eq(total, 5);
    rep_suite_release(s);
    r = gt_run(NULL, "report", "o/latest", NULL);
    run_ok(r, 0);
    release(&r);
    char *html = in_dir("o/latest/index.html");
    ck_assert_ptr_nonnull(html);
    HAS(html, "cannot read");
    HAS(html, "not valid JSON");
    HAS(html, "names no usable document");
    free(html);
    done_dir();
}
END_TEST

/* Seeds are 64-bit: a merge writes them back digit for digit. */
START_TEST(merge_keeps_seeds_exact)
{
    fresh_dir();
    put("s/b.lua", scn_b);
    ran r = gt_run(NULL, "run", "s", "--quiet", "--seed", "18446744073709551615", "--out", "o",
                   NULL);
    run_ok(r, 0), release(&r);
    r = gt_run(NULL, "report", "merge", "o/latest", "-o", "m", NULL);
    run_ok(r, 0), release(&r);
    char *a = in_dir("o/latest/suite.json"), *m = in_dir("m/suite.json");
    HAS(a, "18446744073709551615");
    HAS(m, "\"seed\":\t18446744073709551615");
    /* the scenario's own seed too */
    const char *p = strstr(a, "\"seed\":");
    p = strstr(p + 1, "\"seed\":");
    ck_assert_ptr_nonnull(p);
    char seed[64];
    ck_assert_int_eq(sscanf(p, "\"seed\": %63[0-9]", seed), 1);
    HAS(m, seed);
    free(a), free(m);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- command */

START_TEST(report_command_usage)
{
    fresh_dir();
    put("s/b.lua", scn_b);
    ran r = gt_run(NULL, "run", "s", "--quiet", "--out", "o", NULL);
    run_ok(r, 0);
    HAS(r.out, "report:  o/");
    release(&r);
    ck_assert_int_eq(unlink(path_in("o/latest/index.html")), 0);
    ck_assert_int_eq(unlink(path_in("o/latest/junit.xml")), 0);
    r = gt_run(NULL, "report", "o/latest", "--html", "page.html", NULL);
    run_ok(r, 0);
    HAS(r.out, "report:  page.html");
    release(&r);
    ck_assert_int_eq(access(path_in("page.html"), F_OK), 0);
    ck_assert_int_ne(access(path_in("o/latest/junit.xml"), F_OK), 0); /* only what was asked */
    /* RUN as its suite.json: the files go beside it (they went under
     * "suite.json/": ENOTDIR) */
    r = gt_run(NULL, "report", "o/latest/suite.json", NULL);
    run_ok(r, 0);
    HAS(r.out, "report:  o/latest/index.html");
    release(&r);
    ck_assert_int_eq(access(path_in("o/latest/index.html"), F_OK), 0);
    ck_assert_int_eq(access(path_in("o/latest/junit.xml"), F_OK), 0);
    ck_assert_int_eq(unlink(path_in("o/latest/junit.xml")), 0);
    r = gt_run(NULL, "report", "o/latest", "o/latest", NULL);
    run_ok(r, 2);
    HAS(r.err, "several runs: name the outputs with --html and/or --junit");
    release(&r);
    r = gt_run(NULL, "report", NULL);
    run_ok(r, 2);
    HAS(r.err, "expected a run directory or suite.json");
    release(&r);
    r = gt_run(NULL, "report", "o/latest", "-o", "x", NULL);
    run_ok(r, 2);
    HAS(r.err, "-o/--out: only for report merge");
    release(&r);
    r = gt_run(NULL, "report", "merge", "o/latest", "-o", "m", "--html", "x.html", NULL);
    run_ok(r, 2);
    HAS(r.err, "merge writes DIR/index.html");
    release(&r);
    r = gt_run(NULL, "report", "o/latest", "--baseline", "missing", NULL);
    run_ok(r, 2);
    HAS(r.err, "--baseline: missing: No such file or directory");
    release(&r);
    /* a bad baseline is refused before anything runs */
    r = gt_run(NULL, "run", "s", "--out", "o2", "--baseline", "missing", NULL);
    run_ok(r, 2);
    HAS(r.err, "--baseline: missing");
    release(&r);
    ck_assert_int_ne(access(path_in("o2"), F_OK), 0);
    r = gt_run(NULL, "run", "s", "--quiet", "--out", "o3", "--baseline", "o/latest", NULL);
    run_ok(r, 0);
    HAS(r.out, "baseline: 0 regressions against o/latest");
    release(&r);
    done_dir();
}
END_TEST

/* A crashed scenario: the run's reports are still complete. */
START_TEST(crashed_run_still_gets_reports)
{
    fresh_dir();
    put_suite();
    ran r = gt_run("b one", "run", "s", "--quiet", "--out", "o", NULL);
    run_ok(r, 1);
    HAS(r.out, "report:  o/");
    release(&r);
    /* (under ASan the reason is another: its own handler catches SIGSEGV) */
    cJSON *d = json_in("o/latest/suite.json");
    const char *reason = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "scenarios"))
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, "b one") == 0)
            reason = cJSON_GetObjectItem(e, "reason")->valuestring;
    ck_assert_ptr_nonnull(reason);
    char *html = in_dir("o/latest/index.html"), *junit = in_dir("o/latest/junit.xml");
    ck_assert(html && junit);
    HAS(html, "b one");
    HAS(html, reason);
    HAS(junit, "b one");
    HAS(junit, reason);
    cJSON_Delete(d);
    free(html), free(junit);
    done_dir();
}
END_TEST

/* A scenario whose child could not be forked still gets its document
 * (it had none: its suite.json entry named a missing file). */
START_TEST(unforkable_run_still_gets_a_document)
{
    fresh_dir();
    put_suite();
    setenv("GAUNTLET_TEST_NOFORK", "b one", 1);
    ran r = gt_run(NULL, "run", "s", "--quiet", "--out", "o", NULL);
    unsetenv("GAUNTLET_TEST_NOFORK");
    run_ok(r, 3);
    release(&r);
    cJSON *d = json_in("o/latest/suite.json");
    const cJSON *e;
    int seen = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "scenarios"))
    {
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, "b one") != 0)
            continue;
        seen++;
        char doc[1024];
        snprintf(doc, sizeof doc, "o/latest/%s",
                 cJSON_GetObjectItem(e, "document")->valuestring);
        cJSON *sd = json_in(doc);
        ck_assert_str_eq(cJSON_GetObjectItem(sd, "verdict")->valuestring, "error");
        ck_assert_str_eq(cJSON_GetObjectItem(sd, "reason")->valuestring,
                         "harness error: cannot fork");
        cJSON_Delete(sd);
    }
    ck_assert_int_eq(seen, 1);
    cJSON_Delete(d);
    char *html = in_dir("o/latest/index.html");
    HAS(html, "harness error: cannot fork");
    ck_assert_ptr_null(strstr(html, "cannot read"));
    free(html);
    done_dir();
}
END_TEST

Suite *suite_reports_suite(void)
{
    Suite *s = suite_create("reports_suite");
    TCase *t = tcase_create("suite");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, merge_of_shards_equals_unsharded_run);
    tcase_add_test(t, merge_refuses_what_is_not_one_run);
    tcase_add_test(t, merge_keeps_seeds_exact);
    tcase_add_test(t, baseline_flags_regressions);
    tcase_add_test(t, load_names_what_is_wrong);
    tcase_add_test(t, load_survives_missing_documents);
    tcase_add_test(t, report_command_usage);
    tcase_add_test(t, crashed_run_still_gets_reports);
    tcase_add_test(t, unforkable_run_still_gets_a_document);
    suite_add_tcase(s, t);
    return s;
}
