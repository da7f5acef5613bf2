/* test_schema.c — the result documents held to their contract: the field
 * tables of docs/report-format.md, parsed at test time, and every shape of
 * document the binary writes (the shipped suite, a failing run with leaks,
 * a crash's error document, script form, pipelines, --shard, a merged
 * suite) walked against them. An undocumented field, a missing one or a
 * value of another type fails with the field's exact path. */
#include "tests/reports/schemacheck.h"

/* ---------------------------------------------------------------- temp dirs */

/* Every test's directory lies in one base, made by the runner before the
 * tests fork and removed after them: a failed test (Check's fork mode
 * exits at the failed assertion, skipping done_dir) leaves nothing. */
static char base_dir[32];

static void base_make(void)
{
    snprintf(base_dir, sizeof base_dir, "/tmp/gt-schema-XXXXXX");
    if (!mkdtemp(base_dir))
        base_dir[0] = '\0';
}

static void base_remove(void)
{
    if (!base_dir[0])
        return;
    snprintf(tmpdir, sizeof tmpdir, "%s", base_dir);
    done_dir();
}

/* A fresh tmpdir, in the base. */
static void fresh_test_dir(void)
{
    ck_assert_msg(base_dir[0], "no base directory: mkdtemp failed");
    snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", base_dir);
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

/* ---------------------------------------------------------------- producing documents */

/* What a validated run held: documents by kind, the entries of suite.json. */
typedef struct held {
    int docs[DOC__COUNT];
    int entries;
    int pipelines;           /* documents of pipelines with several queues */
    cJSON *suite;            /* suite.json, parsed (numbers as doubles) */
} held;

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Validate one file of dir, counted in h. Fails the test on a problem.
 * Returns the document, parsed (numbers as doubles). */
static cJSON *check_file(held *h, const char *dir, const char *file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    walk w;
    validate(&w, text, path);
    ck_assert_msg(w.count == 0, "%d problems:\n%s", w.count, w.problems);
    h->docs[w.doc]++;
    cJSON *d = cJSON_Parse(text);
    free(text);
    h->pipelines += cJSON_IsArray(get(get(d, "target"), "stages")) &&
                    cJSON_GetArraySize(get(get(d, "series"), "queues")) >= 2;
    return d;
}

/* Validate dir's suite.json and every document it names. */
static held check_run(const char *dir)
{
    held h = {0};
    h.suite = check_file(&h, dir, "suite.json");
    const cJSON *e;
    cJSON_ArrayForEach(e, get(h.suite, "scenarios"))
    {
        const cJSON *doc = get(e, "document");
        ck_assert(cJSON_IsString(doc));
        cJSON_Delete(check_file(&h, dir, doc->valuestring));
        h.entries++;
    }
    return h;
}

static char *tmp_path(const char *name)
{
    static char buf[2][PATH_MAX];
    static int k;
    char *p = buf[k++ % 2];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

/* `gauntlet run ARGS... --out OUT` in tmpdir, expecting exit code want. */
#define RUN(CRASH, WANT, OUTDIR, ...)                                                   \
    do {                                                                                \
        ran r_ = gt_run(CRASH, "run", __VA_ARGS__, "--out", OUTDIR, NULL);              \
        ck_assert_msg(r_.code == (WANT), "exit %d, want %d\nstdout:\n%.2000s\nstderr:\n%.2000s", \
                      r_.code, (WANT), r_.out, r_.err);                                 \
        release(&r_);                                                                   \
    } while (0)

static const char *scenarios_dir(void)
{
    static char dir[PATH_MAX];
    ck_assert_msg(realpath("scenarios", dir) != NULL, "no scenarios/ (run from the repo root)");
    return dir;
}

/* A pool that leaks (a block never cleared, leak_on_cancel), and a second
 * scenario with markup in its name. */
static const char leaky_lua[] =
    "return {\n"
    "scenario {\n"
    "  name = 'leaky pool <b>', description = 'a block never cleared',\n"
    "  tags = { 'pool', 'block' },\n"
    "  target = pool { workers = 8, queue = 64, cost = '1ms', job_timeout = '100ms',\n"
    "                  bugs = { 'leak_on_cancel' } },\n"
    "  load = open_loop { rate = 400, duration = '2s', timeout = '200ms' },\n"
    "  faults = {\n"
    "    delay { point = 'svc/pool/exec', by = '40ms', from = '500ms', to = '1s' },\n"
    "    block { point = 'svc/pool/exec', p = 0.02, from = '1.5s' },\n"
    "  },\n"
    "  checks = { no_leaked_tasks(), no_lost_jobs(), max_tasks(12), recovery_within('100ms'),\n"
    "             p99_below('5ms') },\n"
    "},\n"
    "scenario {\n"
    "  name = '<script>', tags = { 'xss' },\n"
    "  target = pool { workers = 2, queue = 4, cost = '1ms' },\n"
    "  load = open_loop { rate = 100, duration = '1s' }, checks = { no_leaked_tasks() },\n"
    "},\n"
    "}\n";

/* Script form: a fault injected and cleared (a recovery with its band),
 * expectations; and a pipeline whose script raises (an error verdict in a
 * full document). */
static const char script_lua[] =
    "return {\n"
    "scenario {\n"
    "  name = 'scripted pool',\n"
    "  target = pool { workers = 4, queue = 16, cost = '1ms' },\n"
    "  checks = { no_leaked_tasks(), recovery_within('500ms'),\n"
    "             check('custom', function(run) return run.jobs.total > 0 end) },\n"
    "  script = function(t)\n"
    "    t:start()\n"
    "    local l = t:load(open_loop { rate = 200, duration = '1s' })\n"
    "    t:sleep('200ms')\n"
    "    local f = t:inject(delay { point = 'svc/pool/exec', by = '5ms' })\n"
    "    t:sleep('200ms')\n"
    "    f:clear()\n"
    "    l:wait()\n"
    "    t:expect(t:stats().completed > 0, 'some completed')\n"
    "    t:expect(false, 'always fails')\n"
    "  end,\n"
    "},\n"
    "scenario {\n"
    "  name = 'script error',\n"
    "  target = pipeline { stages = { { name = 'a' }, { name = 'b' } } },\n"
    "  checks = { no_leaked_tasks() },\n"
    "  script = function(t) t:start() t:sleep('100ms') error('boom') end,\n"
    "},\n"
    "}\n";

/* The crash of `crashing` leaves an error document; `fine` passes. */
static const char crash_lua[] =
    "return {\n"
    "  scenario { name = 'crashing', target = pipeline { stages = { { name = 'x' } } },\n"
    "    load = open_loop { rate = 100, duration = '500ms' }, checks = { no_lost_jobs() } },\n"
    "  scenario { name = 'fine', target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
    "    load = open_loop { rate = 100, duration = '500ms' }, checks = { no_lost_jobs() } },\n"
    "}\n";

/* Each shape: run, validate, and check that it is the shape meant (so a
 * change in the binary cannot quietly leave a schema untested). */
/* How many scenarios ship: the lines of `gauntlet list scenarios/`. */
static int shipped_count(void)
{
    ran r = gt_run(NULL, "list", scenarios_dir(), NULL);
    ck_assert_msg(r.code == 0, "list: exit %d\n%s", r.code, r.err);
    int n = 0;
    for (const char *p = r.out; *p; p++)
        n += *p == '\n';
    release(&r);
    ck_assert_int_ge(n, 11);
    return n;
}

static void shape_shipped(void)
{
    int n = shipped_count();
    RUN(NULL, 0, "out", scenarios_dir());
    held h = check_run(tmp_path("out/latest"));
    ck_assert_int_eq(h.entries, n);
    ck_assert_int_eq(h.docs[DOC_SCENARIO], n);
    ck_assert_int_eq(h.docs[DOC_SUITE], 1);
    ck_assert_msg(h.pipelines >= 1, "no pipeline with several queues among the shipped scenarios");
    cJSON_Delete(h.suite);
}

static void shape_leaky(void)
{
    put("leaky.lua", leaky_lua);
    RUN(NULL, 1, "out_leaky", "leaky.lua");
    held h = check_run(tmp_path("out_leaky/latest"));
    ck_assert_int_eq(h.docs[DOC_SCENARIO], 2);
    char *text = in_dir("out_leaky/latest/leaky--leaky_pool_b.json");
    ck_assert_msg(text != NULL, "no document for the leaky pool");
    cJSON *doc = cJSON_Parse(text);
    ck_assert_int_gt(cJSON_GetArraySize(get(doc, "leaks")), 0);
    ck_assert_str_eq(get(doc, "verdict")->valuestring, "fail");
    cJSON_Delete(doc);
    free(text);
    cJSON_Delete(h.suite);
}

/* Each of the two scenarios crashed in turn: error documents of a pipeline
 * and of a pool. */
static void shape_crash(void)
{
    static const char *const crash[2] = {"crashing", "fine"};
    put("crash.lua", crash_lua);
    for (int k = 0; k < 2; k++) {
        char out[32];
        snprintf(out, sizeof out, "out_crash%d", k);
        RUN(crash[k], 1, out, "crash.lua");
        snprintf(out, sizeof out, "out_crash%d/latest", k);
        held h = check_run(tmp_path(out));
        ck_assert_int_eq(h.docs[DOC_ERROR], 1);
        ck_assert_int_eq(h.docs[DOC_SCENARIO], 1);
        const cJSON *e = cJSON_GetArrayItem(get(h.suite, "scenarios"), k);
        ck_assert_str_eq(get(e, "name")->valuestring, crash[k]);
        ck_assert_str_eq(get(e, "verdict")->valuestring, "error");
        /* SIGSEGV; under ASan, SIGABRT or an exit without a document */
        const char *why = get(e, "reason")->valuestring;
        ck_assert_msg(strncmp(why, "crashed: killed by SIG", 22) == 0 ||
                          strncmp(why, "no result: exited", 17) == 0,
                      "reason: %s", why);
        cJSON_Delete(h.suite);
    }
}

static void shape_script(void)
{
    put("script.lua", script_lua);
    RUN(NULL, 1, "out_script", "script.lua");
    held h = check_run(tmp_path("out_script/latest"));
    ck_assert_int_eq(h.docs[DOC_SCENARIO], 2);
    char *text = in_dir("out_script/latest/script--scripted_pool.json");
    ck_assert_msg(text != NULL, "no document for the scripted pool");
    HAS(text, "\"band_lo\":");
    HAS(text, "\"time_ns\":");
    HAS(text, "\"t:expect at script.lua:");
    free(text);
    text = in_dir("out_script/latest/script--script_error.json");
    ck_assert_msg(text != NULL, "no document for the script error");
    HAS(text, "\"verdict\":\"error\"");
    HAS(text, "\"stages\":[\"a\",\"b\"]");
    free(text);
    cJSON_Delete(h.suite);
}

static void shape_shards(void)
{
    RUN(NULL, 0, "out_s1", scenarios_dir(), "--shard", "1/2");
    RUN(NULL, 0, "out_s2", scenarios_dir(), "--shard", "2/2");
    held h1 = check_run(tmp_path("out_s1/latest")), h2 = check_run(tmp_path("out_s2/latest"));
    ck_assert_str_eq(get(h1.suite, "shard")->valuestring, "1/2");
    int n = shipped_count();
    ck_assert_int_eq(h1.entries + h2.entries, n);
    ran r = gt_run(NULL, "report", "merge", "out_s1/latest", "out_s2/latest", "-o", "merged",
                   NULL);
    ck_assert_msg(r.code == 0, "merge: exit %d\n%s%s", r.code, r.out, r.err);
    release(&r);
    held m = check_run(tmp_path("merged"));
    ck_assert_int_eq(m.docs[DOC_MERGED], 1);
    ck_assert_int_eq(m.entries, n);
    cJSON_Delete(h1.suite);
    cJSON_Delete(h2.suite);
    cJSON_Delete(m.suite);
}

/* A mutant matrix: the suite's mutants and each entry's mutant. */
static void shape_mutants(void)
{
    char file[PATH_MAX + 32];
    snprintf(file, sizeof file, "%s/pool/slow_workers.lua", scenarios_dir());
    ran r = gt_run(NULL, "run", file, "--mutants", "--out", "out_mut", NULL);
    ck_assert_msg(r.code == 0 || r.code == 1, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.out, "mutants: caught ");
    release(&r);
    held h = check_run(tmp_path("out_mut/latest"));
    ck_assert_int_gt(cJSON_GetArraySize(get(h.suite, "mutants")), 10);
    cJSON_Delete(h.suite);
}

/* ---------------------------------------------------------------- tests: the doc */

START_TEST(doc_tables_parse)
{
    load_schema();
    int per[DOC__COUNT] = {0};
    for (int i = 0; i < nrows; i++)
        per[rows[i].doc]++;
    ck_assert_msg(nrows > 80, "only %d documented fields", nrows);
    ck_assert_msg(per[DOC_SCENARIO] > 80, "only %d scenario fields", per[DOC_SCENARIO]);
    ck_assert_msg(per[DOC_ERROR] >= 20 && per[DOC_SUITE] >= 25 && per[DOC_MERGED] >= 5,
                  "error %d, suite %d, merged %d fields", per[DOC_ERROR], per[DOC_SUITE],
                  per[DOC_MERGED]);
    const row *r = find(DOC_SCENARIO, "series.queues.*.depth");
    ck_assert_msg(r && r->array && r->base == T_INT, "series.queues.*.depth: not [int]");
    r = find(DOC_SCENARIO, "recovery");
    ck_assert_msg(r && r->nullable && !r->optional && r->base == T_OBJECT, "recovery");
    r = find(DOC_SUITE, "scenarios[].reason");
    ck_assert_msg(r && r->optional && r->base == T_STRING, "scenarios[].reason");
    ck_assert_msg(find(DOC_MERGED, "merged_from[].shard") && find(DOC_MERGED, "counts.total"),
                  "a merged suite has the suite's fields and merged_from");
    ck_assert_msg(find(DOC_SCENARIO, "seed")->base == T_INT64, "seed: not int64");
}
END_TEST

/* The parser refuses what it cannot check. */
START_TEST(doc_parser_rejects_bad_tables)
{
#define TABLE "| field | type | meaning |\n|---|---|---|\n"
    static const char *const bad[] = {
        "## Scenario document\n" TABLE "| `a` | `integer` | an unknown type |\n",
        "## Scenario document\n" TABLE "| a | `int` | no backticks |\n",
        "## Scenario document\n" TABLE "| `a` | `int` |\n",
        "## Notes\n" TABLE "| `a` | `int` | no document's section |\n",
        "## Scenario document\n" TABLE "| `a` | `int` | x |\n| `a` | `int` | twice |\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = strdup(bad[i]), err[512] = "";
        ck_assert_msg(parse_tables(text, err, sizeof err) < 0, "accepted:\n%s", bad[i]);
        free(text);
    }
    char *text = strdup("## Scenario document\n" TABLE "| `a.b` | `int` | x |\n"), err[512] = "";
#undef TABLE
    ck_assert_int_eq(parse_tables(text, err, sizeof err), 0);
    ck_assert_msg(check_parents(err, sizeof err) < 0, "a.b without a row for a");
    HAS(err, "`a.b`: no row `a`");
    free(text);
}
END_TEST

/* ---------------------------------------------------------------- tests: the validator */

/* text with the first `from` replaced by `to` (which must be there). */
static char *tamper(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no \"%s\" to tamper with", from);
    char *out = NULL;
    ck_assert(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
    return out;
}

/* text with the scalar value of the first member `key` replaced by to. */
static char *retype(const char *text, const char *key, const char *to)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *at = strstr(text, k);
    ck_assert_msg(at != NULL, "no member \"%s\" to tamper with", key);
    at += strlen(k);
    at += strspn(at, " \t");
    size_t n = strcspn(at, ",}]\n");
    char *out = NULL;
    ck_assert(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + n) > 0);
    return out;
}

/* The tampered text bad (freed) has count problems, one of them naming want. */
static void expect(char *bad, int count, const char *want)
{
    walk w;
    validate(&w, bad, "tampered");
    ck_assert_msg(w.count == count, "%d problems, want %d (%s):\n%s", w.count, count, want,
                  w.problems);
    HAS(w.problems, want);
    free(bad);
}

START_TEST(validator_catches_tampering)
{
    load_schema();
    fresh_test_dir();
    put("one.lua", crash_lua);
    RUN(NULL, 0, "out", "one.lua", "--filter", "fine");
    char *doc = in_dir("out/latest/one--fine.json"), *suite = in_dir("out/latest/suite.json");
    ck_assert(doc && suite);
    walk w;
    validate(&w, doc, "as written");
    ck_assert_msg(w.count == 0, "%s", w.problems);
    validate(&w, suite, "as written");
    ck_assert_msg(w.count == 0, "%s", w.problems);
    /* undocumented, at the root, nested, in an array's element, in a map */
    expect(tamper(doc, "{", "{\"frob\":true,"), 1, "tampered: frob: undocumented");
    expect(tamper(doc, "\"summary\":{\"jobs\":{", "\"summary\":{\"jobs\":{\"frob\":1,"), 1,
           "tampered: summary.jobs.frob: undocumented");
    expect(tamper(doc, "\"cap\":8,", "\"cap\":8,\"frob\":2,"), 1,
           "tampered: series.queues.pool.frob: undocumented");
    expect(tamper(suite, "\"jobs\":", "\"jobz\":"), 2, "tampered: wall.jobz: undocumented");
    /* missing: a member, an element's member */
    expect(tamper(doc, "\"leaks_total\":0,", ""), 1, "tampered: leaks_total: missing");
    expect(tamper(doc, "\"measured\":", "\"measure\":"), 2,
           "tampered: checks[0].measured: missing");
    expect(tamper(suite, "\"document\":", "\"doc\":"), 2,
           "tampered: scenarios[0].document: missing");
    /* types: int vs number and exponent, precision, null, int64, bool, arrays, nullable */
    expect(retype(doc, "line", "4.5"), 1, "tampered: line: `int`");
    expect(retype(doc, "end_ns", "5e8"), 1, "tampered: end_ns: `int`");
    expect(retype(doc, "end_ns", "9007199254740993"), 1, "beyond 2^53");
    expect(retype(doc, "end_ns", "null"), 1, "tampered: end_ns: `int`");
    expect(retype(doc, "seed", "1.5e19"), 1, "tampered: seed: `int64`");
    expect(retype(doc, "seed", "18446744073709551616"), 1, "beyond 64 bits");
    expect(retype(doc, "ok", "\"true\""), 1, "tampered: checks[0].ok: `bool`");
    expect(tamper(doc, "\"t_ns\":[", "\"t_ns\":[\"x\","), 1, "tampered: series.t_ns[0]: `[int]`");
    expect(tamper(doc, "\"tags\":[]", "\"tags\":\"pool\""), 1, "tampered: tags: `[string]`");
    expect(retype(doc, "recovery", "3"), 1, "tampered: phases.recovery: `[int]|null`");
    expect(tamper(doc, "\"recovery\":null,\"summary\"", "\"recovery\":3,\"summary\""), 1,
           "tampered: recovery: `object|null`");
    expect(retype(suite, "shard", "3"), 1, "tampered: shard: `string|null`");
    /* what is allowed: a documented null, an optional field */
    expect(tamper(suite, "\"shard\":\tnull", "\"shard\":\t\"1/2\""), 0, "");
    expect(tamper(suite, "\"document\":", "\"reason\":\"x\",\"document\":"), 0, "");
    free(doc);
    free(suite);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- tests: the documents */

#define SHAPE_TEST(name, fn)                                                           \
    START_TEST(name)                                                                   \
    {                                                                                  \
        load_schema();                                                                 \
        fresh_test_dir();                                                              \
        fn();                                                                          \
        done_dir();                                                                    \
    }                                                                                  \
    END_TEST

SHAPE_TEST(shipped_suite_documents, shape_shipped)
SHAPE_TEST(failing_run_with_leaks, shape_leaky)
SHAPE_TEST(crashed_scenario_error_document, shape_crash)
SHAPE_TEST(script_form_and_pipeline, shape_script)
SHAPE_TEST(shards_and_merged_suite, shape_shards)
SHAPE_TEST(mutant_matrix_suite, shape_mutants)

/* Across every shape, every documented field occurred at least once: the
 * doc lists nothing the binary never writes. */
START_TEST(every_documented_field_occurs)
{
    load_schema();
    fresh_test_dir();
    shape_shipped();
    shape_leaky();
    shape_crash();
    shape_script();
    shape_shards();
    shape_mutants();
    char never[2048] = "";
    int n = 0;
    for (int i = 0; i < nrows; i++)
        if (rows[i].seen == 0 && n++ < 20)
            snprintf(never + strlen(never), sizeof never - strlen(never), "  %s:%d: `%s` (%s)\n",
                     DOC_FILE, rows[i].line, rows[i].path, doc_heading[rows[i].doc]);
    ck_assert_msg(n == 0, "%d documented fields never occurred:\n%s", n, never);
    done_dir();
}
END_TEST

Suite *suite_reports_schema(void)
{
    Suite *s = suite_create("reports_schema");
    TCase *doc = tcase_create("doc");
    tcase_add_test(doc, doc_tables_parse);
    tcase_add_test(doc, doc_parser_rejects_bad_tables);
    suite_add_tcase(s, doc);
    TCase *docs = tcase_create("documents");
    tcase_set_timeout(docs, 60);
    tcase_add_unchecked_fixture(docs, base_make, base_remove);
    tcase_add_test(docs, validator_catches_tampering);
    tcase_add_test(docs, shipped_suite_documents);
    tcase_add_test(docs, failing_run_with_leaks);
    tcase_add_test(docs, crashed_scenario_error_document);
    tcase_add_test(docs, script_form_and_pipeline);
    tcase_add_test(docs, shards_and_merged_suite);
    tcase_add_test(docs, mutant_matrix_suite);
    tcase_add_test(docs, every_documented_field_occurs);
    suite_add_tcase(s, docs);
    return s;
}
