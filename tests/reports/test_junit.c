/* test_junit.c — the JUnit XML (rep_write_junit): well-formed and valid
 * against tests/reports/junit.xsd for every suite (hostile names, crash
 * output, missing documents), counts per file and in total, unique testcase
 * names, what failures and errors say. Read back with xmllint. */
#include <check.h>

#include "reports/rep.h"
#include "tests/harness/cliutil.h"
#include "tests/sweep.h"

#define LINT_LIMIT_S 20         /* any one xmllint run */
#define LINT_POLL_NS 5000000    /* 5 ms between waitpid polls */
#define LINT_NOT_FOUND 127      /* the child's exit when execvp failed */
#define MESSAGE_MAX_CHARS 1100  /* junit.c caps messages at 1024 bytes + "…" */
#define TAIL_BYTES (64 * 1024)  /* junit.c keeps the last 64 KB of output */
#define TAIL_SLACK 100          /* the "[N earlier bytes of output cut]" line */
#define FILLER_BYTES 70000      /* crash output longer than the tail */

/* ---------------------------------------------------------------- temp dirs */

/* Every test's directory sits in this one, made before the tests fork and
 * removed after the last, so a failed test (its process ends at the failed
 * assertion, before done_dir) leaves nothing behind either. */
static char parent_dir[32];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void parent_make(void)
{
    snprintf(parent_dir, sizeof parent_dir, "/tmp/gt-junit-XXXXXX");
    if (!mkdtemp(parent_dir))
        parent_dir[0] = '\0'; /* fresh() then fails the tests, saying why */
}

static void parent_remove(void)
{
    if (parent_dir[0])
        nftw(parent_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* This test's tmpdir (cliutil.h), inside parent_dir. */
static void fresh(void)
{
    ck_assert_msg(parent_dir[0] != '\0', "cannot make a directory in /tmp");
    snprintf(tmpdir, sizeof tmpdir, "%s/t-XXXXXX", parent_dir);
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

/* ---------------------------------------------------------------- xmllint */

/* The schema next to this file, as an absolute path. */
static const char *xsd_path(void)
{
    static char path[PATH_MAX];
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s", __FILE__);
    char *slash = strrchr(rel, '/');
    snprintf(slash ? slash + 1 : rel, sizeof rel - (size_t)(slash ? slash + 1 - rel : 0),
             "junit.xsd");
    ck_assert_msg(realpath(rel, path) != NULL,
                  "%s: %s (run the tests from the repository root)", rel, strerror(errno));
    return path;
}

/* Run xmllint with args (NULL-terminated) in tmpdir, bounded; its exit code
 * and its stdout (in *out, owned; may be NULL) and stderr (*err). */
static int xmllint(char **out, char **err, const char *const *args)
{
    char o[PATH_MAX], e[PATH_MAX];
    snprintf(o, sizeof o, "%s/.lint.out", tmpdir);
    snprintf(e, sizeof e, "%s/.lint.err", tmpdir);
    const char *argv[ARGS_MAX] = {"xmllint"};
    for (int i = 0; args[i] && i < ARGS_MAX - 2; i++)
        argv[i + 1] = args[i];
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || chdir(tmpdir) != 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
            _exit(LINT_NOT_FOUND - 1);
        execvp("xmllint", (char *const *)argv);
        _exit(LINT_NOT_FOUND);
    }
    int status, code = -1;
    for (long waited_ns = 0; waited_ns < LINT_LIMIT_S * 1000000000L; waited_ns += LINT_POLL_NS) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        nanosleep(&(struct timespec){0, LINT_POLL_NS}, NULL);
    }
    if (code == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    ck_assert_msg(code != LINT_NOT_FOUND,
                  "xmllint not found: install libxml2-utils (apt-get install libxml2-utils)");
    ck_assert_msg(code != -1, "xmllint ran past %d s", LINT_LIMIT_S);
    char *text = slurp(o);
    if (out)
        *out = text;
    else
        free(text);
    *err = slurp(e);
    return code;
}

/* file (in tmpdir) is well-formed XML and valid against junit.xsd. */
static void valid(const char *file)
{
    char *err;
    int code = xmllint(NULL, &err, (const char *[]){"--noout", file, NULL});
    ck_assert_msg(code == 0, "%s is not well-formed XML:\n%.2000s", file, err);
    free(err);
    code = xmllint(NULL, &err, (const char *[]){"--noout", "--schema", xsd_path(), file, NULL});
    ck_assert_msg(code == 0, "%s does not follow junit.xsd:\n%.2000s", file, err);
    free(err);
}

/* The value of the XPath expression expr in file (owned). */
static char *xpath(const char *file, const char *expr)
{
    char *out, *err;
    int code = xmllint(&out, &err, (const char *[]){"--xpath", expr, file, NULL});
    ck_assert_msg(code == 0, "xmllint --xpath \"%s\" %s: exit %d:\n%.500s", expr, file, code, err);
    free(err);
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '\n')
        out[n - 1] = '\0';
    return out;
}

#define XP_EQ(file, expr, want)                                                            \
    do {                                                                                   \
        char *got_ = xpath((file), (expr));                                                \
        ck_assert_msg(strcmp(got_, (want)) == 0, "%s: got \"%.1500s\", want \"%s\"", (expr), \
                      got_, (want));                                                       \
        free(got_);                                                                        \
    } while (0)

#define XP_HAS(file, expr, needle)            \
    do {                                      \
        char *got_ = xpath((file), (expr));   \
        HAS(got_, (needle));                  \
        free(got_);                           \
    } while (0)

#define LACKS(hay, needle)                                                                 \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "\"%s\" should not be in:\n%.1500s", \
                  (needle), (hay))

/* ---------------------------------------------------------------- scenarios */

#define TARGET                                                       \
    "  target = pool { workers = 2, queue = 4, cost = \"1ms\" },\n" \
    "  load = open_loop { rate = 100, duration = \"1s\" },\n"
#define PASSING(name) "scenario {\n  name = " name ",\n" TARGET "  checks = { no_leaked_tasks() },\n},\n"
/* Fails 2 of its 3 checks: max_tasks(1) (two workers) and "never". */
#define FAILING(name)                                                                    \
    "scenario {\n  name = " name ",\n" TARGET                                            \
    "  checks = { max_tasks(1), no_leaked_tasks(),\n"                                    \
    "             check(\"never\", function(run) return false end) },\n},\n"

/* a.lua: a pass (line 2), a fail (line 8), a crash (line 15, with
 * GAUNTLET_TEST_CRASH="a crash"). */
static void put_file_a(void)
{
    put("a.lua", "return {\n" PASSING("\"a pass\"") FAILING("\"a fail\"") PASSING("\"a crash\"") "}\n");
}

/* ---------------------------------------------------------------- tests */

/* The crash's <error> in file (x: its path in tmpdir) says the reason
 * suite.json has for it (SIGSEGV; in a sanitizer build SIGABRT, or ASan's
 * exit without a document), with the type of that reason. */
static void crash_reported(const char *x, const char *suite_json)
{
    char *msg = xpath(x, "string(//testcase[@name='a crash']/error/@message)");
    char *json = in_dir(suite_json);
    ck_assert_msg(json != NULL, "no %s", suite_json);
    ck_assert_msg(msg[0] != '\0', "the crash's error has no message");
    HAS(json, msg);
    XP_EQ(x, "string(//testcase[@name='a crash']/error/@type)",
          strncmp(msg, "crashed:", strlen("crashed:")) == 0 ? "crashed" : "error");
    free(json);
    free(msg);
}

START_TEST(counts_per_file_and_in_total)
{
    fresh();
    put_file_a();
    put("b.lua", "return {\n" FAILING("\"b fail\"") PASSING("\"b pass\"") "}\n");
    ran r = gt_run("a crash", "run", "a.lua", "b.lua", "--seed", "42", "--out", "out", "--quiet",
                   NULL);
    ck_assert_msg(r.code == 1, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    const char *x = "out/latest/junit.xml";
    valid(x);
    XP_EQ(x, "count(/testsuites/testsuite)", "2");
    XP_EQ(x, "count(//testcase)", "5");
    XP_EQ(x, "concat(/testsuites/@name,' ',/testsuites/@tests,' ',/testsuites/@failures,' ',"
             "/testsuites/@errors,' ',/testsuites/@skipped)", "gauntlet 5 2 1 0");
    XP_EQ(x, "concat(//testsuite[1]/@name,' ',//testsuite[1]/@tests,' ',"
             "//testsuite[1]/@failures,' ',//testsuite[1]/@errors)", "a.lua 3 1 1");
    XP_EQ(x, "concat(//testsuite[2]/@name,' ',//testsuite[2]/@tests,' ',"
             "//testsuite[2]/@failures,' ',//testsuite[2]/@errors)", "b.lua 2 1 0");
    XP_EQ(x, "count(//testsuite[@timestamp])", "2");
    XP_EQ(x, "string(//testsuite[1]/properties/property[@name='seed']/@value)", "42");
    XP_EQ(x, "string(//testsuite[1]/properties/property[@name='mode']/@value)", "sim");
    XP_HAS(x, "string(//testsuite[2]/properties/property[@name='command']/@value)",
           "gauntlet run a.lua b.lua --seed 42");
    /* each testcase in run order, with its place */
    XP_EQ(x, "concat(//testsuite[1]/testcase[1]/@name,'|',//testsuite[1]/testcase[2]/@name,'|',"
             "//testsuite[1]/testcase[3]/@name)", "a pass|a fail|a crash");
    XP_EQ(x, "concat(//testcase[@name='a fail']/@classname,' ',//testcase[@name='a fail']/@file,"
             "' ',//testcase[@name='a fail']/@line)", "a a.lua 8");
    XP_EQ(x, "count(//testcase[failure])", "2");
    XP_EQ(x, "count(//testcase[error])", "1");
    XP_EQ(x, "count(//testcase[@name='a pass']/*)", "1"); /* only system-out */
    /* the failure: which checks, measured and bound */
    XP_EQ(x, "string(//testcase[@name='a fail']/failure/@type)", "check");
    XP_HAS(x, "string(//testcase[@name='a fail']/failure/@message)",
           "2 of 3 checks failed: max_tasks(1) (measured ");
    XP_HAS(x, "string(//testcase[@name='a fail']/failure/@message)",
           " tasks, bound 1 tasks); never (measured ");
    XP_HAS(x, "string(//testcase[@name='b fail']/failure)", "max_tasks(1) (line ");
    XP_HAS(x, "string(//testcase[@name='b fail']/failure)", "never (line ");
    /* the crash */
    crash_reported(x, "out/latest/suite.json");
    /* how to run it again */
    XP_HAS(x, "string(//testcase[@name='a fail']/system-out)",
           "replay: gauntlet run a.lua --filter 'a fail' --seed ");
    XP_HAS(x, "string(//testcase[@name='a fail']/system-out)", "document: a--a_fail.json");
    release(&r);
    done_dir();
}
END_TEST

/* Replace the output of the document at name (in tmpdir) with JSON string
 * text out. (A sanitizer build's crash has ASan's report there.) */
static void set_output(const char *name, const char *out)
{
    char *doc = in_dir(name);
    ck_assert_msg(doc != NULL, "no %s", name);
    char *at = strstr(doc, "\"output\":\"");
    ck_assert_msg(at != NULL, "%s has no output:\n%.500s", name, doc);
    at += strlen("\"output\":");
    const char *rest = at + 1;
    while (*rest && *rest != '"')
        rest += rest[0] == '\\' && rest[1] ? 2 : 1;
    ck_assert_msg(*rest == '"', "%s: output does not end", name);
    *at = '\0';
    rest++;
    size_t n = strlen(doc) + strlen(out) + strlen(rest) + 8;
    char *text = malloc(n);
    ck_assert_ptr_nonnull(text);
    snprintf(text, n, "%s\"%s\"%s", doc, out, rest);
    put(name, text);
    free(text);
    free(doc);
}

START_TEST(hostile_strings_stay_text)
{
    fresh();
    put("x&y.lua", "return {\n"
                   "scenario {\n  name = \"<script>alert(1)</script>\",\n" TARGET
                   "  checks = { check(\"c ]]> & <y> \\\"q\\\"\", function(run)\n"
                   "    error(\"bad \\1 \\27[31m \\255 ]]>\") end) },\n},\n"
                   PASSING("\"\\\"><img src=x onerror=alert(1)>\"")
                   PASSING("\"a ]]> b & c\"")
                   "}\n");
    ran r = gt_run("a ]]> b & c", "run", "x&y.lua", "--out", "out", "--quiet", NULL);
    ck_assert_msg(r.code == 1, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    /* the crash's output: a long head, then control characters, an invalid
     * UTF-8 byte and markup */
    char *out = malloc(FILLER_BYTES + 200);
    ck_assert_ptr_nonnull(out);
    strcpy(out, "HEAD");
    memset(out + 4, 'y', FILLER_BYTES);
    strcpy(out + 4 + FILLER_BYTES, "\\u0001 esc \\u001b[31m \xff byte ]]> <b>&amp;</b> TAIL");
    set_output("out/latest/x_y--a_b_c.json", out);
    free(out);
    r = gt_run(NULL, "report", "out/latest", "--junit", "j.xml", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    valid("j.xml");
    char *x = in_dir("j.xml");
    static const char *const raw[] = {"<script", "<img", "]]>", "<b>", "<y>", "\x01", "\x1b",
                                      "\xff", "HEAD", "<![CDATA["};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        LACKS(x, raw[i]);
    HAS(x, "&lt;script&gt;alert(1)&lt;/script&gt;");
    HAS(x, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    HAS(x, "a ]]&gt; b &amp; c");
    HAS(x, "x&amp;y.lua");
    HAS(x, "\xef\xbf\xbd byte ]]&gt; &lt;b&gt;&amp;amp;&lt;/b&gt; TAIL"); /* U+FFFD */
    free(x);
    /* and read back, every string is the original */
    XP_EQ("j.xml", "string(//testcase[@line='2']/@name)", "<script>alert(1)</script>");
    XP_EQ("j.xml", "string(//testcase[@line='9']/@name)", "\"><img src=x onerror=alert(1)>");
    XP_EQ("j.xml", "string(//testcase[@line='15']/@name)", "a ]]> b & c");
    XP_EQ("j.xml", "string(//testsuite/@name)", "x&y.lua");
    XP_HAS("j.xml", "string(//failure/@message)", "1 of 1 check failed: c ]]> & <y> \"q\"");
    XP_HAS("j.xml", "string(//error)", "[31m \xef\xbf\xbd byte ]]> <b>&amp;</b> TAIL");
    XP_HAS("j.xml", "string(//error)", "earlier bytes of output cut]");
    char *len = xpath("j.xml", "string-length(//error)");
    ck_assert_msg(atol(len) > TAIL_BYTES - TAIL_SLACK && atol(len) < TAIL_BYTES + TAIL_SLACK,
                  "the error's body has %s characters, want about %d", len, TAIL_BYTES);
    free(len);
    done_dir();
}
END_TEST

START_TEST(repeated_names_are_made_unique)
{
    fresh();
    put("s.lua", "return {\n" PASSING("\"one\"") PASSING("\"two\"") "}\n");
    ran r = gt_run(NULL, "run", "s.lua", "--seeds", "1..3", "--out", "out", "--quiet", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    const char *x = "out/latest/junit.xml";
    valid(x);
    XP_EQ(x, "count(//testsuite)", "1");
    XP_EQ(x, "count(//testcase)", "6");
    XP_EQ(x, "count(//testcase[@name = preceding-sibling::testcase/@name])", "0");
    XP_EQ(x, "concat(//testcase[1]/@name,'|',//testcase[3]/@name,'|',//testcase[6]/@name)",
          "one [seed 1]|one [seed 3]|two [seed 3]");
    r = gt_run(NULL, "run", "s.lua", "--seeds", "1..2", "--repeat", "2", "--out", "rep",
               "--quiet", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    x = "rep/latest/junit.xml";
    valid(x);
    XP_EQ(x, "count(//testcase)", "8");
    XP_EQ(x, "count(//testcase[@name = preceding-sibling::testcase/@name])", "0");
    XP_EQ(x, "concat(//testcase[1]/@name,'|',//testcase[2]/@name,'|',//testcase[8]/@name)",
          "one [seed 1] #1|one [seed 1] #2|two [seed 2] #2");
    done_dir();
}
END_TEST

START_TEST(missing_documents_still_report)
{
    fresh();
    put_file_a();
    ran r = gt_run("a crash", "run", "a.lua", "--out", "out", "--quiet", NULL);
    ck_assert_msg(r.code == 1, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    /* the replay command the document gave, to compare with the rebuilt one */
    char *sysout = xpath("out/latest/junit.xml", "string(//testcase[@name='a fail']/system-out)");
    *strchrnul(sysout, '\n') = '\0';
    char path[PATH_MAX];
    static const char *const gone[] = {"a--a_fail.json", "a--a_crash.json"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        snprintf(path, sizeof path, "%s/out/latest/%s", tmpdir, gone[i]);
        ck_assert_msg(unlink(path) == 0, "%s: %s", path, strerror(errno));
    }
    r = gt_run(NULL, "report", "out/latest", "--junit", "j.xml", NULL);
    ck_assert_msg(r.code == 0, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    valid("j.xml");
    XP_EQ("j.xml", "concat(/testsuites/@tests,' ',/testsuites/@failures,' ',/testsuites/@errors)",
          "3 1 1");
    XP_EQ("j.xml", "concat(//testsuite/@tests,' ',//testsuite/@failures,' ',//testsuite/@errors)",
          "3 1 1");
    XP_HAS("j.xml", "string(//testcase[@name='a fail']/failure/@message)",
           "2 checks failed: max_tasks(1) (measured ");
    XP_EQ("j.xml", "string(//testcase[@name='a fail']/@time)", "0.000000");
    crash_reported("j.xml", "out/latest/suite.json");
    XP_HAS("j.xml", "string(//testcase[@name='a crash']/error)", "cannot read ");
    XP_HAS("j.xml", "string(//testcase[@name='a fail']/system-out)", sysout);
    XP_HAS("j.xml", "string(//testcase[@name='a fail']/system-out)",
           "document: a--a_fail.json (not read: cannot read ");
    free(sysout);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- API */

#define SUITE_HEAD                                                                     \
    "{\"schema_version\":1,\"kind\":\"suite\",\"gauntlet_version\":\"0\",\"seed\":7,"  \
    "\"mode\":\"sim\",\"command\":\"gauntlet run\",\"shard\":null,\"wall\":{},"

static rep_suite *load(const char *dir)
{
    rep_suite *s = NULL;
    char err[256] = "", path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmpdir, dir);
    ck_assert_msg(rep_suite_load(&s, path, err, sizeof err) == 0, "%s", err);
    return s;
}

START_TEST(empty_suite_and_write_errors)
{
    fresh();
    put("e/suite.json", SUITE_HEAD "\"scenarios\":[]}");
    rep_suite *s = load("e");
    char err[256] = "", path[PATH_MAX];
    snprintf(path, sizeof path, "%s/e.xml", tmpdir);
    ck_assert_int_eq(rep_write_junit(s, path, err, sizeof err), 0);
    valid("e.xml");
    XP_EQ("e.xml", "concat(count(//testsuite),' ',/testsuites/@tests)", "0 0");
    /* a directory that is not there: -ENOENT, err names the path, no file */
    snprintf(path, sizeof path, "%s/nodir/j.xml", tmpdir);
    ck_assert_int_eq(rep_write_junit(s, path, err, sizeof err), -ENOENT);
    HAS(err, "nodir/j.xml");
    ck_assert_int_ne(access(path, F_OK), 0);
    rep_suite_release(s);
    done_dir();
}
END_TEST

START_TEST(long_messages_are_capped)
{
    fresh();
    char *name = malloc(5001);
    ck_assert_ptr_nonnull(name);
    memset(name, 'n', 4998);
    strcpy(name + 4998, "\xc3\xa9"); /* é past the cap */
    char *suite = NULL;
    ck_assert_int_ge(asprintf(&suite, SUITE_HEAD "\"scenarios\":[{\"id\":\"l\",\"name\":\"it's *\","
                              "\"file\":\"my dir/l.lua\",\"line\":1,\"seed\":3,\"mode\":\"sim\","
                              "\"verdict\":\"fail\",\"document\":\"gone.json\",\"failed_checks\":"
                              "[{\"name\":\"%s\",\"measured\":\"9\",\"bound\":\"1\"}]}]}", name),
                     0);
    put("l/suite.json", suite);
    free(suite);
    rep_suite *s = load("l");
    char err[256] = "", path[PATH_MAX];
    snprintf(path, sizeof path, "%s/l.xml", tmpdir);
    ck_assert_int_eq(rep_write_junit(s, path, err, sizeof err), 0);
    rep_suite_release(s);
    valid("l.xml");
    char *len = xpath("l.xml", "string-length(//failure/@message)");
    ck_assert_msg(atol(len) > 1000 && atol(len) <= MESSAGE_MAX_CHARS, "message of %s chars", len);
    free(len);
    XP_HAS("l.xml", "substring(//failure/@message, string-length(//failure/@message) - 1)",
           "n\xe2\x80\xa6");
    XP_HAS("l.xml", "string(//failure)", name); /* the body has it whole */
    /* no document: the replay command is rebuilt, quoted as the harness does */
    XP_HAS("l.xml", "string(//system-out)",
           "replay: gauntlet run 'my dir/l.lua' --filter 'it'\\''s \\*' --seed 3 --mode sim\n");
    XP_EQ("l.xml", "string(//testcase/@classname)", "my dir.l");
    free(name);
    done_dir();
}
END_TEST

START_TEST(failed_checks_from_document_and_suite)
{
    fresh();
    /* the determinism check failed: it is only in suite.json */
    put("d/suite.json", SUITE_HEAD "\"scenarios\":[{\"id\":\"d\",\"name\":\"d\","
        "\"file\":\"./d.lua\",\"line\":4,\"seed\":3,\"mode\":\"sim\",\"verdict\":\"fail\","
        "\"document\":\"d.json\",\"failed_checks\":[{\"name\":\"b\",\"measured\":\"2\","
        "\"bound\":\"1\"},{\"name\":\"deterministic\",\"measured\":\"m\",\"bound\":\"i\","
        "\"detail\":\"differs\"}]}]}");
    put("d/d.json", "{\"schema_version\":1,\"kind\":\"scenario\",\"name\":\"d\","
        "\"replay\":\"R\",\"checks\":[{\"name\":\"a\",\"ok\":true},{\"name\":\"b\","
        "\"ok\":false,\"measured\":\"2\",\"bound\":\"1\",\"detail\":\"why\",\"line\":7}],"
        "\"wall\":{\"duration_ns\":1500000000}}");
    rep_suite *s = load("d");
    char err[256] = "", path[PATH_MAX];
    snprintf(path, sizeof path, "%s/d.xml", tmpdir);
    ck_assert_int_eq(rep_write_junit(s, path, err, sizeof err), 0);
    rep_suite_release(s);
    valid("d.xml");
    XP_EQ("d.xml", "string(//failure/@message)",
          "2 of 3 checks failed: b (measured 2, bound 1); deterministic (measured m, bound i)");
    XP_EQ("d.xml", "string(//failure)",
          "b (line 7): measured 2, bound 1 - why\ndeterministic: measured m, bound i - differs\n");
    XP_EQ("d.xml", "concat(//testcase/@time,' ',//testsuite/@time,' ',//testcase/@classname)",
          "1.500000 1.500000 d");
    XP_HAS("d.xml", "string(//system-out)", "replay: R\nseed: 3\nmode: sim\ndocument: d.json\n");
    done_dir();
}
END_TEST

START_TEST(error_types_from_reasons)
{
    fresh();
    static const char *const reason[][2] = {
        {"crashed: killed by SIGBUS", "crashed"}, {"hung: no result after 60 s", "hung"},
        {"s.lua:3: boom", "error"}, {"crashedish", "error"}, {"", "error"}};
    char *entries = NULL, *x = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&entries, &n);
    for (size_t i = 0; i < sizeof reason / sizeof reason[0]; i++)
        fprintf(m, "%s{\"id\":\"e%zu\",\"name\":\"e%zu\",\"file\":\"e.lua\",\"line\":%zu,"
                   "\"seed\":1,\"mode\":\"sim\",\"verdict\":\"error\",\"reason\":\"%s\","
                   "\"document\":\"e%zu.json\"}",
                i ? "," : "", i, i, i + 1, reason[i][0], i);
    fclose(m);
    ck_assert_int_ge(asprintf(&x, SUITE_HEAD "\"scenarios\":[%s]}", entries), 0);
    put("e/suite.json", x);
    free(x);
    free(entries);
    rep_suite *s = load("e");
    char err[256] = "", path[PATH_MAX], expr[128];
    snprintf(path, sizeof path, "%s/e.xml", tmpdir);
    ck_assert_int_eq(rep_write_junit(s, path, err, sizeof err), 0);
    rep_suite_release(s);
    valid("e.xml");
    for (size_t i = 0; i < sizeof reason / sizeof reason[0]; i++) {
        snprintf(expr, sizeof expr, "string(//testcase[@name='e%zu']/error/@type)", i);
        XP_EQ("e.xml", expr, reason[i][1]);
        snprintf(expr, sizeof expr, "string(//testcase[@name='e%zu']/error/@message)", i);
        XP_EQ("e.xml", expr, reason[i][0][0] ? reason[i][0] : "error");
        snprintf(expr, sizeof expr, "string(//testcase[@name='e%zu']/error)", i);
        XP_HAS("e.xml", expr, "cannot read "); /* the document is missing */
    }
    XP_EQ("e.xml", "concat(/testsuites/@tests,' ',/testsuites/@errors)", "5 5");
    done_dir();
}
END_TEST

static rep_suite *sweep_suite;
static char sweep_path[PATH_MAX];

static int mk_junit(void **obj)
{
    *obj = NULL;
    return rep_write_junit(sweep_suite, sweep_path, NULL, 0);
}

START_TEST(allocation_failures_are_clean)
{
    fresh();
    put_file_a();
    ran r = gt_run("a crash", "run", "a.lua", "--out", "out", "--quiet", NULL);
    ck_assert_msg(r.code == 1, "exit %d:\n%s\n%s", r.code, r.out, r.err);
    release(&r);
    sweep_suite = load("out/latest");
    snprintf(sweep_path, sizeof sweep_path, "%s/sweep.xml", tmpdir);
    fail_msg[0] = 0;
    int injected = sweep(mk_junit, NULL, 0);
    TCHECKED();
    ck_assert(injected > 0 || !af_available());
    valid("sweep.xml");
    rep_suite_release(sweep_suite);
    done_dir();
}
END_TEST

Suite *suite_reports_junit(void)
{
    Suite *s = suite_create("reports_junit");
    TCase *tc = tcase_create("junit");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, parent_make, parent_remove);
    tcase_add_test(tc, counts_per_file_and_in_total);
    tcase_add_test(tc, hostile_strings_stay_text);
    tcase_add_test(tc, repeated_names_are_made_unique);
    tcase_add_test(tc, missing_documents_still_report);
    tcase_add_test(tc, empty_suite_and_write_errors);
    tcase_add_test(tc, long_messages_are_capped);
    tcase_add_test(tc, failed_checks_from_document_and_suite);
    tcase_add_test(tc, error_types_from_reasons);
    tcase_add_test(tc, allocation_failures_are_clean);
    suite_add_tcase(s, tc);
    return s;
}
