/* schemacheck.h — the contract of docs/report-format.md as a test can
 * hold documents to it: its field tables parsed into typed paths, and a
 * validator that walks a document (its numbers' original text kept) and
 * names every undocumented, missing or mistyped field by path. Included
 * by test_schema.c only. */
#ifndef SCHEMACHECK_H
#define SCHEMACHECK_H

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>

#include "tests/harness/cliutil.h"

#define DOC_FILE "docs/report-format.md"
#define ROWS_MAX 512
#define PATH_LEN 160
#define PROBLEMS_LEN 4096 /* the problems of one document, as text */

/* ---------------------------------------------------------------- schema */

/* The documents, by the `## ` heading their tables sit under. A merged
 * suite is a suite document plus (or overridden by) the rows of its own
 * section. */
typedef enum { DOC_SCENARIO, DOC_ERROR, DOC_SUITE, DOC_MERGED, DOC__COUNT } doc_kind;

static const char *const doc_heading[DOC__COUNT] = {
    "Scenario document", "Error document", "Suite document", "Merged suite document"};

/* The type vocabulary of docs/report-format.md, "Reading the tables". */
typedef enum { T_INT, T_INT64, T_NUMBER, T_STRING, T_BOOL, T_NULL, T_OBJECT, T__COUNT } base_type;

static const char *const type_name[T__COUNT] = {"int",  "int64", "number", "string",
                                                "bool", "null",  "object"};

/* One row of a field table: the path as a pattern ("checks[].measured",
 * "series.queues.*.cap") and its type, `[T]`, `T|null`, `T?`. */
typedef struct row {
    doc_kind doc;
    char path[PATH_LEN];
    char type[40];         /* as written, for messages */
    base_type base;
    bool array, nullable, optional;
    int line;              /* in DOC_FILE */
    int seen;              /* members of produced documents it matched */
} row;

static row rows[ROWS_MAX];
static int nrows;

static const row *find_in(doc_kind doc, const char *path)
{
    for (int i = 0; i < nrows; i++)
        if (rows[i].doc == doc && strcmp(rows[i].path, path) == 0)
            return &rows[i];
    return NULL;
}

/* The row of path in doc's schema (a merged suite falls back on the suite's). */
static row *find(doc_kind doc, const char *path)
{
    const row *r = find_in(doc, path);
    if (!r && doc == DOC_MERGED)
        r = find_in(DOC_SUITE, path);
    return (row *)r;
}

/* Whether rows[i] belongs to doc's schema (not overridden). */
static bool in_schema(doc_kind doc, int i)
{
    if (rows[i].doc == doc)
        return true;
    return doc == DOC_MERGED && rows[i].doc == DOC_SUITE && !find_in(DOC_MERGED, rows[i].path);
}

/* ---------------------------------------------------------------- parsing the doc */

/* "`int|null?`" (backticks and `\|` escapes already gone) into r: 0 or -1. */
static int parse_type(row *r, const char *text)
{
    char t[sizeof r->type];
    if (snprintf(t, sizeof t, "%s", text) >= (int)sizeof t)
        return -1;
    snprintf(r->type, sizeof r->type, "%s", t);
    size_t n = strlen(t);
    if ((r->optional = n > 0 && t[n - 1] == '?'))
        t[--n] = '\0';
    if ((r->nullable = n > 5 && strcmp(t + n - 5, "|null") == 0))
        t[n -= 5] = '\0';
    if ((r->array = n > 2 && t[0] == '[' && t[n - 1] == ']')) {
        t[n - 1] = '\0';
        memmove(t, t + 1, n - 1);
    }
    for (int k = 0; k < T__COUNT; k++)
        if (strcmp(t, type_name[k]) == 0) {
            r->base = (base_type)k;
            return 0;
        }
    return -1;
}

/* The cells of a table line split on unescaped '|', trimmed, `\|` made
 * '|': how many (at most max). line is modified. */
static int split_cells(char *line, char **cell, int max)
{
    int n = 0;
    char *p = strchr(line, '|'), *w;
    while (p && n < max) {
        cell[n] = w = ++p;
        for (; *p && *p != '|'; p++) {
            if (*p == '\\' && p[1] == '|')
                p++;
            *w++ = *p;
        }
        if (!*p)
            break; /* the text after the last '|' is no cell */
        char *end = w;
        while (end > cell[n] && isspace((unsigned char)end[-1]))
            end--;
        *end = '\0';
        while (isspace((unsigned char)*cell[n]))
            cell[n]++;
        n++;
    }
    return n;
}

/* One row of a field table: 0, or -1 with err. */
static int parse_row(char *line, doc_kind doc, int lineno, char *err, size_t errlen)
{
    char *cell[4];
    int n = split_cells(line, cell, 4);
    size_t plen = n >= 1 ? strlen(cell[0]) : 0;
    if (n != 3 || plen < 3 || cell[0][0] != '`' || cell[0][plen - 1] != '`' ||
        strchr(cell[0] + 1, '`') != cell[0] + plen - 1)
        return snprintf(err, errlen, "%s:%d: a row needs 3 cells, the first one `path`",
                        DOC_FILE, lineno), -1;
    ck_assert_msg(nrows < ROWS_MAX, "more than %d rows", ROWS_MAX);
    row *r = &rows[nrows];
    *r = (row){.doc = doc, .line = lineno};
    snprintf(r->path, sizeof r->path, "%.*s", (int)plen - 2, cell[0] + 1);
    char *t = cell[1];
    size_t tl = strlen(t);
    if (tl >= 2 && t[0] == '`' && t[tl - 1] == '`')
        t[tl - 1] = '\0', t++;
    if (parse_type(r, t) < 0)
        return snprintf(err, errlen, "%s:%d: `%s`: type \"%s\" is not in the vocabulary",
                        DOC_FILE, lineno, r->path, t), -1;
    if (find_in(doc, r->path))
        return snprintf(err, errlen, "%s:%d: `%s` listed twice in the %s", DOC_FILE, lineno,
                        r->path, doc_heading[doc]), -1;
    nrows++;
    return 0;
}

/* The document a `## ` heading opens, or -1. */
static int heading_doc(const char *line)
{
    for (int k = 0; k < DOC__COUNT; k++)
        if (strncmp(line + 3, doc_heading[k], strlen(doc_heading[k])) == 0)
            return k;
    return -1;
}

/* Every `| field | type | meaning |` table of text into rows: 0, or -1
 * with err naming the line. text is modified. */
static int parse_tables(char *text, char *err, size_t errlen)
{
    int doc = -1, lineno = 0;
    bool in_table = false, header = false;
    nrows = 0;
    for (char *line = text, *next; line; line = next) {
        lineno++;
        if ((next = strchr(line, '\n')))
            *next++ = '\0';
        if (strncmp(line, "## ", 3) == 0)
            doc = heading_doc(line);
        if (line[0] != '|') {
            in_table = header = false;
        } else if (strcmp(line, "| field | type | meaning |") == 0) {
            if (doc < 0)
                return snprintf(err, errlen, "%s:%d: a field table outside a document's section",
                                DOC_FILE, lineno), -1;
            in_table = header = true;
        } else if (header) {
            header = false; /* the |---| line */
        } else if (in_table && parse_row(line, (doc_kind)doc, lineno, err, errlen) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The parent of a row: its path without the last member, "" at the root;
 * *array: the last step was "[]". */
static void parent_of(const char *path, char *out, size_t len, bool *array)
{
    const char *dot = strrchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : 0;
    *array = n >= 2 && strncmp(path + n - 2, "[]", 2) == 0;
    snprintf(out, len, "%.*s", (int)(*array ? n - 2 : n), path);
}

/* Every row's parent is a row of its document typed object (or [object]
 * when reached through "[]"): -1 with err otherwise. */
static int check_parents(char *err, size_t errlen)
{
    for (int i = 0; i < nrows; i++) {
        char parent[PATH_LEN];
        bool array;
        parent_of(rows[i].path, parent, sizeof parent, &array);
        if (!parent[0])
            continue;
        const row *p = find(rows[i].doc, parent);
        if (!p || p->base != T_OBJECT || p->array != array)
            return snprintf(err, errlen, "%s:%d: `%s`: no row `%s` typed `%s` above it",
                            DOC_FILE, rows[i].line, rows[i].path, parent,
                            array ? "[object]" : "object"), -1;
    }
    return 0;
}

/* Parse DOC_FILE (the tests run from the repository's root) into rows. */
static void load_schema(void)
{
    char *text = slurp(DOC_FILE), err[512] = "";
    ck_assert_msg(text != NULL, "cannot read %s (run the tests from the repo root)", DOC_FILE);
    int rc = parse_tables(text, err, sizeof err);
    free(text);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_msg(check_parents(err, sizeof err) == 0, "%s", err);
}

/* ---------------------------------------------------------------- raw numbers */

/* cJSON reads every number as a double, which loses a seed's digits and
 * cannot tell 5 from 5.0 or 5e0. So every number token outside strings is
 * first turned into a string "\u0001<its text>": the validator checks the
 * text itself. NULL when the text holds a U+0001 of its own (it would be
 * mistaken for a number). */
#define NUM_TAG '\001'

static char *tag_numbers(const char *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    bool in_str = false, clash = false;
    for (; *s; s++) {
        if (in_str && *s == '\\') {
            clash |= strncmp(s, "\\u0001", 6) == 0;
            fputc(*s++, m);
        } else if (*s == '"') {
            in_str = !in_str;
        } else if (!in_str && (*s == '-' || isdigit((unsigned char)*s))) {
            size_t n = strspn(s, "0123456789+-.eE");
            fprintf(m, "\"\\u0001%.*s\"", (int)n, s);
            s += n - 1;
            continue;
        }
        fputc(*s, m);
    }
    fclose(m);
    if (clash)
        free(out), out = NULL;
    return out;
}

static const char *num_text(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0] == NUM_TAG ? v->valuestring + 1 : NULL;
}

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Whether the number text t is a `base`; else *why says what it is. */
static bool number_ok(base_type base, const char *t, const char **why)
{
    char *end;
    errno = 0;
    if (base == T_NUMBER) {
        double d = strtod(t, &end);
        *why = "not a finite number";
        return *end == '\0' && isfinite(d);
    }
    bool neg = base == T_INT && t[0] == '-';
    *why = base == T_INT ? "not written as an integer" : "not written as unsigned digits";
    if (!all_digits(t + neg))
        return false;
    if (base == T_INT64) {
        (void)strtoull(t, &end, 10);
        *why = "beyond 64 bits";
        return errno != ERANGE;
    }
    long long v = strtoll(t, &end, 10);
    *why = "beyond 2^53: a double would not hold it exactly";
    return errno != ERANGE && llabs(v) < (1LL << 53);
}

/* ---------------------------------------------------------------- the validator */

typedef struct walk {
    doc_kind doc;
    const char *name;        /* the document's file, for messages */
    char problems[PROBLEMS_LEN];
    int count;
} walk;

static void problem(walk *w, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(walk *w, const char *at, const char *fmt, ...)
{
    size_t used = strlen(w->problems);
    w->count++;
    if (used + 2 >= sizeof w->problems)
        return;
    snprintf(w->problems + used, sizeof w->problems - used, "%s: %s: ", w->name,
             at[0] ? at : "(root)");
    used = strlen(w->problems);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->problems + used, sizeof w->problems - used, fmt, ap);
    va_end(ap);
    used = strlen(w->problems);
    snprintf(w->problems + used, sizeof w->problems - used, "\n");
}

static const char *json_type(const cJSON *v)
{
    return num_text(v)            ? "a number"
           : cJSON_IsString(v)    ? "a string"
           : cJSON_IsBool(v)      ? "a bool"
           : cJSON_IsNull(v)      ? "null"
           : cJSON_IsArray(v)     ? "an array"
           : cJSON_IsObject(v)    ? "an object"
                                  : "something else";
}

static void walk_members(walk *w, const cJSON *obj, const char *pat, const char *at);

/* A path into out[PATH_LEN]; a longer one fails the test. */
static void path_fmt(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_LEN, fmt, ap);
    va_end(ap);
    ck_assert_msg(n < PATH_LEN, "a path longer than %d: %s...", PATH_LEN, out);
}

/* Member b of a, a path. */
static void join(char *out, const char *a, const char *b)
{
    path_fmt(out, "%s%s%s", a, a[0] ? "." : "", b);
}

/* One value (an array's element, or a field that is not an array). */
static void check_one(walk *w, const row *r, const cJSON *v, const char *pat, const char *at)
{
    const char *t = num_text(v), *why = NULL;
    bool ok = false;
    switch (r->base) {
    case T_OBJECT: ok = cJSON_IsObject(v); break;
    case T_STRING: ok = cJSON_IsString(v) && !t; break;
    case T_BOOL: ok = cJSON_IsBool(v); break;
    case T_NULL: ok = cJSON_IsNull(v); break;
    default:
        if (t && !number_ok(r->base, t, &why))
            return problem(w, at, "`%s` (docs line %d), got %s: %s", r->type, r->line, t, why);
        ok = t != NULL;
    }
    if (!ok)
        return problem(w, at, "`%s` (docs line %d), got %s", r->type, r->line, json_type(v));
    if (r->base == T_OBJECT)
        walk_members(w, v, pat, at);
}

static void check_value(walk *w, const row *r, const cJSON *v, const char *pat, const char *at)
{
    if (cJSON_IsNull(v) && (r->nullable || r->base == T_NULL))
        return;
    if (!r->array)
        return check_one(w, r, v, pat, at);
    if (!cJSON_IsArray(v))
        return problem(w, at, "`%s` (docs line %d), got %s", r->type, r->line, json_type(v));
    char epat[PATH_LEN], eat[PATH_LEN];
    path_fmt(epat, "%s[]", pat);
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        path_fmt(eat, "%s[%d]", at, i);
        check_one(w, r, e, epat, eat);
    }
}

/* The rows of the documented members of pat that obj lacks. */
static void check_missing(walk *w, const cJSON *obj, const char *pat, const char *at)
{
    for (int i = 0; i < nrows; i++) {
        char parent[PATH_LEN], where[PATH_LEN];
        bool array;
        parent_of(rows[i].path, parent, sizeof parent, &array);
        if (array) /* rows under "x[]" belong to the elements' pattern "x[]" */
            snprintf(parent + strlen(parent), sizeof parent - strlen(parent), "[]");
        const char *dot = strrchr(rows[i].path, '.'), *key = dot ? dot + 1 : rows[i].path;
        if (!in_schema(w->doc, i) || strcmp(parent, pat) != 0 || rows[i].optional ||
            strcmp(key, "*") == 0 || cJSON_GetObjectItemCaseSensitive(obj, key))
            continue;
        join(where, at, key);
        problem(w, where, "missing: documented as `%s` (docs line %d)", rows[i].type,
                rows[i].line);
    }
}

/* Every member of obj (at pattern pat, actual path at) is documented and
 * of its type; every documented non-optional member is there. */
static void walk_members(walk *w, const cJSON *obj, const char *pat, const char *at)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        char mpat[PATH_LEN], mat[PATH_LEN];
        join(mpat, pat, m->string);
        join(mat, at, m->string);
        row *r = find(w->doc, mpat);
        if (!r) { /* a map's member */
            join(mpat, pat, "*");
            r = find(w->doc, mpat);
        }
        if (!r) {
            join(mpat, pat, m->string);
            problem(w, mat, "undocumented: %s has no row `%s` in the %s", DOC_FILE, mpat,
                    doc_heading[w->doc]);
            continue;
        }
        r->seen++;
        check_value(w, r, m, mpat, mat);
    }
    check_missing(w, obj, pat, at);
}

/* Which document root is, by its discriminators (docs/report-format.md):
 * kind, then `output` (error documents) or `merged_from` (merged suites). */
static int classify(const cJSON *root)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
    if (strcmp(k, "scenario") == 0)
        return cJSON_HasObjectItem(root, "output") ? DOC_ERROR : DOC_SCENARIO;
    if (strcmp(k, "suite") == 0)
        return cJSON_HasObjectItem(root, "merged_from") ? DOC_MERGED : DOC_SUITE;
    return -1;
}

/* Validate the document text (its file: name) into w: w->count problems,
 * listed in w->problems; w->doc the kind it was held to. */
static void validate(walk *w, const char *text, const char *name)
{
    *w = (walk){.name = name};
    char *tagged = tag_numbers(text);
    cJSON *root = tagged ? cJSON_Parse(tagged) : NULL;
    free(tagged);
    int doc = root && cJSON_IsObject(root) ? classify(root) : -1;
    if (doc < 0)
        problem(w, "", "%s", root ? "no known kind" : "not JSON (or holds U+0001)");
    else {
        w->doc = (doc_kind)doc;
        walk_members(w, root, "", "");
    }
    cJSON_Delete(root);
}

#endif
