/* junit.c — a suite as JUnit XML, the form CI systems read (Jenkins, GitLab,
 * GitHub's test-report actions): a <testsuite> per scenario file, a
 * <testcase> per scenario run. docs/report-format.md, "JUnit XML". */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep_int.h"

#define ERR(...) (err ? (void)snprintf(err, errlen, __VA_ARGS__) : (void)0)

/* A failure's or error's message attribute: at most this many bytes of
 * text (before escaping), then "…". CI systems show it on one line. */
#define JU_MESSAGE_MAX 1024
/* An error's body: the last this many bytes of the child's output. */
#define JU_OUTPUT_TAIL (64 * 1024)
#define JU_NS_PER_S INT64_C(1000000000)
#define JU_NS_PER_US 1000
/* The Ant/Jenkins timestamp: local time without offset. */
static const char ju_timestamp_shape[] = "dddd-dd-ddTdd:dd:dd";
static const char ju_ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */

/* ---------------------------------------------------------------- plan */

/* One testcase: a scenario run and what its name needs to be unique in its
 * file. */
typedef struct ju_case {
    const rep_scn *sc;
    const char *file, *name, *seed;
    int idx;       /* its place in the run */
    int first;     /* the place of the first run of its file */
    bool seed_tag; /* its name repeats in its file: " [seed N]" */
    int k;         /* name and seed repeat too (--repeat): " #k"; 0: not */
} ju_case;

enum { JU_BY_FILE = 1, JU_BY_NAME, JU_BY_SEED };

static int by_identity(const void *pa, const void *pb)
{
    const ju_case *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (!c)
        c = strcmp(a->name, b->name);
    if (!c)
        c = strcmp(a->seed, b->seed);
    return c ? c : a->idx - b->idx;
}

/* The output order: files by first appearance, runs in run order. */
static int by_place(const void *pa, const void *pb)
{
    const ju_case *a = pa, *b = pb;
    return a->first != b->first ? a->first - b->first : a->idx - b->idx;
}

static bool same(const ju_case *a, const ju_case *b, int level)
{
    return strcmp(a->file, b->file) == 0 &&
           (level < JU_BY_NAME || strcmp(a->name, b->name) == 0) &&
           (level < JU_BY_SEED || strcmp(a->seed, b->seed) == 0);
}

/* The end of the group starting at c[i] (sorted by_identity). */
static int group_end(const ju_case *c, int i, int n, int level)
{
    int j = i + 1;
    while (j < n && same(&c[i], &c[j], level))
        j++;
    return j;
}

/* c sorted by_identity: each case's first, seed_tag and k. */
static void mark(ju_case *c, int n)
{
    for (int i = 0, end; i < n; i = end) {
        end = group_end(c, i, n, JU_BY_FILE);
        int first = c[i].idx;
        for (int j = i; j < end; j++)
            first = c[j].idx < first ? c[j].idx : first;
        for (int j = i; j < end; j++)
            c[j].first = first;
    }
    for (int i = 0, end; i < n; i = end) {
        end = group_end(c, i, n, JU_BY_NAME);
        for (int j = i; j < end; j++)
            c[j].seed_tag = end - i > 1;
    }
    for (int i = 0, end; i < n; i = end) {
        end = group_end(c, i, n, JU_BY_SEED);
        for (int j = i; j < end; j++)
            c[j].k = end - i > 1 ? j - i + 1 : 0;
    }
}

/* A run with a known bug switched on (--mutants): its outcome belongs to
 * the matrix's testsuite, not to its file's. */
static bool bug_run(const rep_scn *sc)
{
    const char *m = rep__str(sc->entry, "mutant", NULL);
    return m && strcmp(m, "none") != 0;
}

/* s's testcases in output order (*n of them; free it), or NULL on ENOMEM.
 * Sorting keeps this O(n log n) for a million --seeds runs. */
static ju_case *plan(const rep_suite *s, int *n)
{
    ju_case *c = calloc((size_t)s->n + 1, sizeof *c);
    if (!c)
        return NULL;
    *n = 0;
    for (int i = 0; i < s->n; i++) {
        const rep_scn *sc = &s->scn[i];
        if (!bug_run(sc))
            c[(*n)++] = (ju_case){.sc = sc, .idx = i, .seed = rep__seed(sc->entry),
                                  .file = rep__str(sc->entry, "file", ""),
                                  .name = rep__str(sc->entry, "name", "")};
    }
    qsort(c, (size_t)*n, sizeof *c, by_identity);
    mark(c, *n);
    qsort(c, (size_t)*n, sizeof *c, by_place);
    return c;
}

/* ---------------------------------------------------------------- text */

/* s as a message attribute: at most JU_MESSAGE_MAX bytes of it (cut on a
 * character boundary, then "…"). */
static void put_message(rep_buf *b, const char *s)
{
    char cut[JU_MESSAGE_MAX + sizeof ju_ellipsis];
    size_t n = strlen(s);
    if (n <= JU_MESSAGE_MAX) {
        rep__esc_attr(b, s);
        return;
    }
    n = JU_MESSAGE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) /* a continuation byte */
        n--;
    memcpy(cut, s, n);
    memcpy(cut + n, ju_ellipsis, sizeof ju_ellipsis);
    rep__esc_attr(b, cut);
}

/* The last max bytes of s (from a character boundary) as element text. */
static void put_tail(rep_buf *b, const char *s, size_t max)
{
    size_t n = strlen(s), from = n > max ? n - max : 0;
    while (from > 0 && from < n && ((unsigned char)s[from] & 0xc0) == 0x80)
        from++;
    if (from > 0)
        rep__printf(b, "[%zu earlier bytes of output cut]\n", from);
    rep__esc(b, s + from);
}

/* A duration as an attribute: seconds, exact to the microsecond (a plain
 * decimal: the Surefire/Jenkins time type takes no exponent). */
static void put_time(rep_buf *b, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    rep__printf(b, " time=\"%" PRId64 ".%06" PRId64 "\"", ns / JU_NS_PER_S,
                ns % JU_NS_PER_S / JU_NS_PER_US);
}

static int64_t case_ns(const rep_scn *sc)
{
    return rep__int(rep__get(sc->doc, "wall"), "duration_ns", 0);
}

/* s as a shell word, quoted as the harness quotes replay commands. */
static void put_shell_word(rep_buf *b, const char *s, bool always)
{
    bool safe = s[0] != '\0' && !always;
    for (const char *p = s; safe && *p; p++)
        safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p >= '0' && *p <= '9') || strchr("_./:=@%+,-", *p);
    if (safe) {
        rep__put(b, s);
        return;
    }
    rep__put(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            rep__put(b, "'\\''");
        else
            rep__putn(b, p, 1);
    }
    rep__put(b, "'");
}

/* The replay command of a scenario whose document says none: the one the
 * harness writes (docs/cli.md, gauntlet replay), built from its entry. */
static void put_replay_from_entry(rep_buf *b, const cJSON *e)
{
    rep_buf glob = {0};
    for (const char *p = rep__str(e, "name", ""); *p; p++) {
        if (strchr("*?[\\", *p))
            rep__put(&glob, "\\");
        rep__putn(&glob, p, 1);
    }
    rep__put(b, "gauntlet run ");
    put_shell_word(b, rep__str(e, "file", ""), false);
    rep__put(b, " --filter ");
    put_shell_word(b, glob.p ? glob.p : "", true);
    rep__printf(b, " --seed %s --mode %s", rep__seed(e), rep__str(e, "mode", "sim"));
    b->oom |= glob.oom;
    free(glob.p);
}

/* ---------------------------------------------------------------- checks */

/* Called for the k-th failed check c (a document check or a failed_checks
 * entry: both have name, measured, bound, detail). */
typedef void (*ju_check_fn)(rep_buf *b, const cJSON *c, int k);

/* checks (a document's) has a failed check named name. */
static bool failed_in(const cJSON *checks, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, checks)
        if (!rep__bool(c, "ok", true) && strcmp(rep__str(c, "name", ""), name) == 0)
            return true;
    return false;
}

/* Call fn (if not NULL) on each failed check of sc: its document's checks
 * that failed, then those of its suite entry the document does not list
 * (all of them when it is missing; the determinism check lives only
 * there). Returns how many. */
static int each_failed(rep_buf *b, const rep_scn *sc, ju_check_fn fn)
{
    const cJSON *checks = rep__get(sc->doc, "checks"), *c;
    const cJSON *listed = rep__get(sc->entry, "failed_checks");
    int k = 0;
    if (!cJSON_IsArray(checks))
        checks = NULL;
    if (!cJSON_IsArray(listed))
        listed = NULL;
    cJSON_ArrayForEach(c, checks) {
        if (rep__bool(c, "ok", true))
            continue;
        if (fn)
            fn(b, c, k);
        k++;
    }
    cJSON_ArrayForEach(c, listed) {
        if (failed_in(checks, rep__str(c, "name", "")))
            continue;
        if (fn)
            fn(b, c, k);
        k++;
    }
    return k;
}

/* "max_tasks(12) (measured 40 tasks, bound 12 tasks)", "; " between. */
static void message_item(rep_buf *b, const cJSON *c, int k)
{
    rep__printf(b, "%s%s (measured %s, bound %s)", k ? "; " : "", rep__str(c, "name", "?"),
                rep__str(c, "measured", "-"), rep__str(c, "bound", "-"));
}

/* One line: "name (line L): measured M, bound B - detail". */
static void body_item(rep_buf *b, const cJSON *c, int k)
{
    (void)k;
    rep_buf line = {0};
    rep__put(&line, rep__str(c, "name", "?"));
    int64_t at = rep__int(c, "line", 0);
    if (at > 0)
        rep__printf(&line, " (line %" PRId64 ")", at);
    rep__printf(&line, ": measured %s, bound %s", rep__str(c, "measured", "-"),
                rep__str(c, "bound", "-"));
    const char *detail = rep__str(c, "detail", "");
    if (detail[0])
        rep__printf(&line, " - %s", detail);
    rep__esc(b, line.p);
    rep__put(b, "\n");
    b->oom |= line.oom;
    free(line.p);
}

/* ---------------------------------------------------------------- testcase */

/* <failure>: the failed checks in the message (capped) and one per line
 * in the body. */
static void put_failure(rep_buf *b, const rep_scn *sc)
{
    rep_buf msg = {0};
    int nfailed = each_failed(b, sc, NULL);
    const cJSON *checks = rep__get(sc->doc, "checks"), *c;
    if (nfailed == 0)
        rep__put(&msg, "failed (no failed check recorded)");
    else if (cJSON_IsArray(checks)) {
        int total = nfailed; /* every failed one, and the document's passed ones */
        cJSON_ArrayForEach(c, checks)
            total += rep__bool(c, "ok", true);
        rep__printf(&msg, "%d of %d check%s failed: ", nfailed, total, total == 1 ? "" : "s");
    } else
        rep__printf(&msg, "%d check%s failed: ", nfailed, nfailed == 1 ? "" : "s");
    each_failed(&msg, sc, message_item);
    rep__put(b, "      <failure message=\"");
    put_message(b, msg.p ? msg.p : "");
    rep__put(b, "\" type=\"check\">");
    each_failed(b, sc, body_item);
    rep__put(b, "</failure>\n");
    b->oom |= msg.oom;
    free(msg.p);
}

/* The error's type: the reason's first word for a crash or a hang. */
static const char *error_type(const char *reason)
{
    static const char *const kinds[] = {"crashed", "hung"};
    for (size_t i = 0; i < REP_NELEM(kinds); i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(reason, kinds[i], n) == 0 && reason[n] == ':')
            return kinds[i];
    }
    return "error";
}

/* <error>: the reason; the body is the output's tail, else why the
 * document is missing, else the reason again. */
static void put_error(rep_buf *b, const rep_scn *sc)
{
    const char *reason = rep__scn_str(sc, "reason", "");
    const char *output = rep__str(sc->doc, "output", "");
    rep__put(b, "      <error message=\"");
    put_message(b, reason[0] ? reason : "error");
    rep__printf(b, "\" type=\"%s\">", error_type(reason));
    if (output[0])
        put_tail(b, output, JU_OUTPUT_TAIL);
    else
        rep__esc(b, sc->problem ? sc->problem : reason);
    rep__put(b, "</error>\n");
}

/* <system-out>: how to run it again and where its document is. */
static void put_sysout(rep_buf *b, const rep_scn *sc)
{
    const char *replay = rep__str(sc->doc, "replay", NULL);
    rep__put(b, "      <system-out>replay: ");
    if (replay)
        rep__esc(b, replay);
    else {
        rep_buf cmd = {0};
        put_replay_from_entry(&cmd, sc->entry);
        rep__esc(b, cmd.p);
        b->oom |= cmd.oom;
        free(cmd.p);
    }
    rep__put(b, "\nseed: ");
    rep__esc(b, rep__seed(sc->entry));
    rep__put(b, "\nmode: ");
    rep__esc(b, rep__scn_str(sc, "mode", "sim"));
    rep__put(b, "\ndocument: ");
    rep__esc(b, rep__str(sc->entry, "document", ""));
    if (sc->problem) {
        rep__put(b, " (not read: ");
        rep__esc(b, sc->problem);
        rep__put(b, ")");
    }
    rep__put(b, "\n</system-out>\n");
}

/* file without ".lua", leading "/" and "./", each '/' as '.'. */
static void put_classname(rep_buf *b, const char *file)
{
    while (file[0] == '/' || (file[0] == '.' && file[1] == '/'))
        file += file[0] == '/' ? 1 : 2;
    size_t n = strlen(file);
    if (n > 4 && strcmp(file + n - 4, ".lua") == 0)
        n -= 4;
    char *cls = strndup(file, n);
    if (!cls) {
        b->oom = true;
        return;
    }
    for (char *p = cls; *p; p++)
        *p = *p == '/' ? '.' : *p;
    rep__esc_attr(b, cls);
    free(cls);
}

static void put_case(rep_buf *b, const ju_case *c)
{
    const rep_scn *sc = c->sc;
    rep__put(b, "    <testcase name=\"");
    rep__esc_attr(b, c->name);
    if (c->seed_tag) {
        rep__put(b, " [seed ");
        rep__esc_attr(b, c->seed);
        rep__put(b, "]");
    }
    if (c->k)
        rep__printf(b, " #%d", c->k);
    rep__put(b, "\" classname=\"");
    put_classname(b, c->file);
    rep__put(b, "\" file=\"");
    rep__esc_attr(b, c->file);
    rep__printf(b, "\" line=\"%" PRId64 "\"", rep__int(sc->entry, "line", 0));
    put_time(b, case_ns(sc));
    rep__put(b, ">\n");
    const char *verdict = rep__str(sc->entry, "verdict", "");
    if (strcmp(verdict, "fail") == 0)
        put_failure(b, sc);
    else if (strcmp(verdict, "error") == 0)
        put_error(b, sc);
    put_sysout(b, sc);
    rep__put(b, "    </testcase>\n");
}

/* ---------------------------------------------------------------- testsuite */

typedef struct ju_counts {
    int tests, failures, errors;
    int64_t ns;
} ju_counts;

static ju_counts count(const ju_case *c, int n)
{
    ju_counts t = {.tests = n};
    for (int i = 0; i < n; i++) {
        const char *v = rep__str(c[i].sc->entry, "verdict", "");
        t.failures += strcmp(v, "fail") == 0;
        t.errors += strcmp(v, "error") == 0;
        t.ns += case_ns(c[i].sc) > 0 ? case_ns(c[i].sc) : 0;
    }
    return t;
}

static void put_counts(rep_buf *b, ju_counts t)
{
    rep__printf(b, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\"", t.tests,
                t.failures, t.errors);
}

static void put_property(rep_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    rep__printf(b, "      <property name=\"%s\" value=\"", name);
    rep__esc_attr(b, value);
    rep__put(b, "\"/>\n");
}

/* The suite's start as the Ant timestamp (its offset dropped), or nothing
 * when started_at does not have the expected shape. */
static void put_timestamp(rep_buf *b, const cJSON *root)
{
    const char *at = rep__str(rep__get(root, "wall"), "started_at", "");
    for (size_t i = 0; i < sizeof ju_timestamp_shape - 1; i++) {
        char want = ju_timestamp_shape[i];
        if (want == 'd' ? !(at[i] >= '0' && at[i] <= '9') : at[i] != want)
            return;
    }
    rep__printf(b, " timestamp=\"%.*s\"", (int)sizeof ju_timestamp_shape - 1, at);
}

/* The testsuite of the n cases of one file. */
static void put_testsuite(rep_buf *b, const cJSON *root, const ju_case *c, int n)
{
    rep__put(b, "  <testsuite name=\"");
    rep__esc_attr(b, c->file);
    rep__put(b, "\"");
    ju_counts t = count(c, n);
    put_counts(b, t);
    put_time(b, t.ns);
    put_timestamp(b, root);
    rep__put(b, " file=\"");
    rep__esc_attr(b, c->file);
    rep__put(b, "\">\n    <properties>\n");
    put_property(b, "seed", rep__get(root, "seed") ? rep__seed(root) : NULL);
    put_property(b, "mode", rep__str(root, "mode", NULL));
    put_property(b, "gauntlet_version", rep__str(root, "gauntlet_version", NULL));
    put_property(b, "command", rep__str(root, "command", NULL));
    put_property(b, "shard", rep__str(root, "shard", NULL));
    rep__put(b, "    </properties>\n");
    for (int i = 0; i < n; i++)
        put_case(b, &c[i]);
    rep__put(b, "  </testsuite>\n");
}

/* ---------------------------------------------------------------- mutants */

/* The system-out of a bug's testcase: each run that caught it, "name:
 * checks", one per line; of "no false alarms" (bug NULL): the runs that
 * did not pass. */
static void matrix_out(rep_buf *b, const rep_suite *s, const char *bug)
{
    bool none = !bug;
    for (int i = 0; i < s->n; i++) {
        const cJSON *e = s->scn[i].entry;
        const char *v = rep__str(e, "verdict", "");
        bool listed = none ? strcmp(v, "pass") != 0 : strcmp(v, "fail") == 0;
        if (strcmp(rep__str(e, "mutant", ""), none ? "none" : bug) != 0 || !listed)
            continue;
        rep__esc(b, rep__str(e, "name", "?"));
        rep__put(b, ": ");
        if (none)
            rep__esc(b, v);
        int k = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, rep__get(e, "failed_checks"))
        {
            rep__put(b, k++ || none ? ", " : "");
            rep__esc(b, rep__str(c, "name", "?"));
        }
        rep__put(b, "\n");
    }
}

/* One matrix testcase: a bug (bug NULL: "no false alarms"), a failure
 * with message failure when it did not hold. */
static void put_matrix_case(rep_buf *b, const rep_suite *s, const char *bug, const char *failure)
{
    rep__put(b, "    <testcase name=\"");
    rep__esc_attr(b, bug ? bug : "no false alarms");
    rep__put(b, "\" classname=\"mutants\" file=\"\" line=\"0\" time=\"0\">\n");
    if (failure) {
        rep__put(b, "      <failure type=\"mutant\" message=\"");
        put_message(b, failure);
        rep__put(b, "\"/>\n");
    }
    rep__put(b, "      <system-out>");
    matrix_out(b, s, bug);
    rep__put(b, "</system-out>\n    </testcase>\n");
}

/* The matrix of a --mutants suite as its own testsuite: a testcase per
 * bug (failed when no check caught it) and one for false alarms; each
 * system-out lists the runs behind it. */
static void put_matrix(rep_buf *b, const rep_suite *s, const rep_matrix *m)
{
    int missed = m->nbugs - m->caught;
    rep__printf(b, "  <testsuite name=\"mutant matrix\" tests=\"%d\" failures=\"%d\" "
                   "errors=\"0\" skipped=\"0\" time=\"0\" file=\"\">\n",
                m->nbugs + 1, missed + (m->false_alarms > 0));
    rep__printf(b, "    <properties>\n      <property name=\"caught\" value=\"%d/%d\"/>\n"
                   "      <property name=\"false_alarms\" value=\"%d\"/>\n    </properties>\n",
                m->caught, m->nbugs, m->false_alarms);
    char msg[160];
    for (int k = 0; k < m->nbugs; k++) {
        const rep_mutant *r = &m->bugs[k];
        snprintf(msg, sizeof msg, "no check failed in %d run%s with the bug on", r->runs,
                 r->runs == 1 ? "" : "s");
        put_matrix_case(b, s, r->bug, r->caught_by ? NULL : msg);
    }
    snprintf(msg, sizeof msg, "%d of %d runs without a bug did not pass", m->false_alarms,
             m->none_runs);
    put_matrix_case(b, s, NULL, m->false_alarms ? msg : NULL);
    rep__put(b, "  </testsuite>\n");
}

int rep_write_junit(const rep_suite *s, const char *path, char *err, size_t errlen)
{
    int n = 0;
    ju_case *c = plan(s, &n);
    rep_matrix m;
    int mrc = rep_suite_mutants(s, &m);
    if (!c || mrc == -ENOMEM) {
        free(c);
        rep_matrix_release(&m);
        return ERR("%s: %s", path, strerror(ENOMEM)), -ENOMEM;
    }
    rep_buf b = {0};
    ju_counts all = count(c, n);
    if (mrc == 0) { /* the matrix's testcases */
        all.tests += m.nbugs + 1;
        all.failures += m.nbugs - m.caught + (m.false_alarms > 0);
    }
    int64_t wall_ns = rep__int(rep__get(s->root, "wall"), "duration_ns", -1);
    rep__put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gauntlet\"");
    put_counts(&b, all);
    put_time(&b, wall_ns >= 0 ? wall_ns : all.ns);
    rep__put(&b, ">\n");
    for (int i = 0, end; i < n; i = end) {
        for (end = i + 1; end < n && c[end].first == c[i].first; end++)
            ;
        put_testsuite(&b, s->root, &c[i], end - i);
    }
    if (mrc == 0)
        put_matrix(&b, s, &m);
    rep__put(&b, "</testsuites>\n");
    rep_matrix_release(&m);
    free(c);
    return rep__buf_commit(&b, path, err, errlen);
}
