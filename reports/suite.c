/* suite.c — a suite as documents: loading a run's suite.json and the
 * scenario documents it names, joining the suites of shards, writing a
 * suite back out. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/rep_int.h"

#define ERR(...) (err ? (void)snprintf(err, errlen, __VA_ARGS__) : (void)0)

static const char *const verdicts[] = {"pass", "fail", "error"};

static int verdict_index(const char *v)
{
    for (size_t i = 0; v && i < REP_NELEM(verdicts); i++)
        if (strcmp(v, verdicts[i]) == 0)
            return (int)i;
    return -1;
}

void rep_suite_release(rep_suite *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        cJSON_Delete(s->scn[i].doc);
        free(s->scn[i].doc_path);
        free(s->scn[i].problem);
    }
    free(s->scn);
    free(s->cmp);
    cJSON_Delete(s->root);
    free(s->path);
    free(s->dir);
    free(s);
}

const char *rep_suite_dir(const rep_suite *s)
{
    return s->dir;
}

void rep_suite_counts(const rep_suite *s, int *pass, int *fail, int *error, int *total)
{
    int c[3] = {0, 0, 0};
    for (int i = 0; i < s->n; i++) {
        int v = verdict_index(rep__str(s->scn[i].entry, "verdict", NULL));
        if (v >= 0)
            c[v]++;
    }
    if (pass)
        *pass = c[0];
    if (fail)
        *fail = c[1];
    if (error)
        *error = c[2];
    if (total)
        *total = s->n;
}

/* ---------------------------------------------------------------- loading */

/* sc's problem, formatted: false on ENOMEM. */
static bool set_problem(rep_scn *sc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&sc->problem, fmt, ap);
    va_end(ap);
    if (n < 0)
        sc->problem = NULL;
    return n >= 0;
}

/* The scenario document of sc from dir; a problem is recorded, never
 * returned, except ENOMEM. */
static int load_doc(rep_scn *sc, const char *dir)
{
    const char *name = rep__str(sc->entry, "document", "");
    if (asprintf(&sc->doc_path, "%s/%s", dir, name) < 0) {
        sc->doc_path = NULL;
        return -ENOMEM;
    }
    if (!name[0] || strchr(name, '/') || strcmp(name, "..") == 0)
        return set_problem(sc, "suite.json names no usable document (\"%s\")", name) ? 0
                                                                                     : -ENOMEM;
    char *text = NULL, perr[128];
    int rc = rep__read_file(sc->doc_path, &text, NULL);
    bool ok = true;
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0)
        ok = set_problem(sc, "cannot read %s: %s", sc->doc_path, strerror(-rc));
    else if (!(sc->doc = rep__parse(text, perr, sizeof perr)))
        ok = set_problem(sc, "%s: %s", sc->doc_path, perr);
    else if (strcmp(rep__str(sc->doc, "kind", ""), "scenario") != 0) {
        ok = set_problem(sc, "%s: kind: not a scenario document", sc->doc_path);
        cJSON_Delete(sc->doc);
        sc->doc = NULL;
    }
    free(text);
    return ok ? 0 : -ENOMEM;
}

/* The suite document's shape, enough to render it: 0 or -EINVAL with err
 * naming the field. */
static int check_suite(const cJSON *root, const char *path, char *err, size_t errlen)
{
    if (strcmp(rep__str(root, "kind", ""), "suite") != 0)
        return ERR("%s: kind: not a suite document (expected \"suite\")", path), -EINVAL;
    int64_t v = rep__int(root, "schema_version", -1);
    if (v < 1)
        return ERR("%s: schema_version: missing or not a positive integer", path), -EINVAL;
    if (v > REP_SCHEMA_VERSION)
        return ERR("%s: schema_version %lld is newer than this gauntlet reads (%d)", path,
                   (long long)v, REP_SCHEMA_VERSION),
               -EINVAL;
    const cJSON *arr = rep__get(root, "scenarios");
    if (!cJSON_IsArray(arr))
        return ERR("%s: scenarios: missing or not an array", path), -EINVAL;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        static const char *const need[] = {"id", "name", "file", "document", "verdict"};
        for (size_t k = 0; k < REP_NELEM(need); k++)
            if (!rep__str(e, need[k], NULL))
                return ERR("%s: scenarios[%d].%s: missing or not a string", path, i, need[k]),
                       -EINVAL;
        if (verdict_index(rep__str(e, "verdict", NULL)) < 0)
            return ERR("%s: scenarios[%d].verdict: expected \"pass\", \"fail\" or \"error\"",
                       path, i),
                   -EINVAL;
    }
    return 0;
}

static rep_suite *suite_new(cJSON *root, int n)
{
    rep_suite *s = calloc(1, sizeof *s);
    if (s && n > 0 && !(s->scn = calloc((size_t)n, sizeof *s->scn))) {
        free(s);
        s = NULL;
    }
    if (s)
        s->root = root;
    return s;
}

/* path as a suite.json path (a directory gets "/suite.json") and its
 * directory. */
static int suite_paths(const char *path, char *file, char *dir)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (S_ISDIR(st.st_mode)) {
        snprintf(dir, PATH_MAX, "%.*s", (int)n, path);
        if (snprintf(file, PATH_MAX, "%s/suite.json", dir) >= PATH_MAX)
            return -ENAMETOOLONG;
        return 0;
    }
    snprintf(file, PATH_MAX, "%s", path);
    const char *slash = strrchr(file, '/');
    snprintf(dir, PATH_MAX, "%.*s", slash ? (int)(slash - file) : 1, slash ? file : ".");
    if (slash == file)
        snprintf(dir, PATH_MAX, "/");
    return 0;
}

int rep_suite_load(rep_suite **out, const char *path, char *err, size_t errlen)
{
    char file[PATH_MAX], dir[PATH_MAX], perr[128];
    *out = NULL;
    int rc = suite_paths(path, file, dir);
    char *text = NULL;
    if (rc == 0)
        rc = rep__read_file(file, &text, NULL);
    if (rc < 0)
        return ERR("%s: %s", rc == -ENOENT ? path : file, strerror(-rc)), rc;
    cJSON *root = rep__parse(text, perr, sizeof perr);
    free(text);
    if (!root)
        return ERR("%s: %s", file, perr), strstr(perr, "memory") ? -ENOMEM : -EINVAL;
    if ((rc = check_suite(root, file, err, errlen)) < 0) {
        cJSON_Delete(root);
        return rc;
    }
    const cJSON *arr = rep__get(root, "scenarios");
    rep_suite *s = suite_new(root, cJSON_GetArraySize(arr));
    if (!s) {
        cJSON_Delete(root);
        return ERR("out of memory"), -ENOMEM;
    }
    s->path = strdup(file);
    s->dir = strdup(dir);
    rc = s->path && s->dir ? 0 : -ENOMEM;
    for (cJSON *e = arr->child; e && rc == 0; e = e->next) {
        s->scn[s->n].entry = e;
        rc = load_doc(&s->scn[s->n++], dir);
    }
    if (rc < 0) {
        rep_suite_release(s);
        return ERR("out of memory"), rc;
    }
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- merging */

/* What shards must agree on: 0 or -EINVAL naming the two files. */
static int check_parts(rep_suite *const *parts, int n, char *err, size_t errlen)
{
    const char *p0 = parts[0]->path ? parts[0]->path : "(merged)";
    const cJSON *r0 = parts[0]->root;
    static const char *const same[] = {"seed", "mode", "schema_version", "mutants"};
    for (int i = 1; i < n; i++) {
        const char *pi = parts[i]->path ? parts[i]->path : "(merged)";
        for (size_t k = 0; k < REP_NELEM(same); k++) {
            char *a = cJSON_PrintUnformatted(rep__get(r0, same[k]));
            char *b = cJSON_PrintUnformatted(rep__get(parts[i]->root, same[k]));
            bool eq = a && b && strcmp(a, b) == 0;
            if (!eq && a && b)
                ERR("%s: %s %s differs from %s's %s: not shards of one run", pi, same[k], b,
                    p0, a);
            free(a);
            free(b);
            if (!eq)
                return err && !err[0] ? (ERR("out of memory"), -ENOMEM) : -EINVAL;
        }
        const char *sh = rep__str(parts[i]->root, "shard", NULL);
        for (int j = 0; sh && j < i; j++)
            if (strcmp(sh, rep__str(parts[j]->root, "shard", "")) == 0)
                return ERR("%s: shard %s is also %s's", pi, sh,
                           parts[j]->path ? parts[j]->path : "(merged)"),
                       -EINVAL;
    }
    return 0;
}

/* An id in two parts: -EINVAL naming it. */
static int check_ids(const rep_suite *m, char *err, size_t errlen)
{
    for (int i = 0; i < m->n; i++)
        for (int j = i + 1; j < m->n; j++) {
            const char *a = rep__str(m->scn[i].entry, "id", "");
            if (strcmp(a, rep__str(m->scn[j].entry, "id", "")) == 0)
                return ERR("scenario %s is in two of the suites merged", a), -EINVAL;
        }
    return 0;
}

typedef struct order {
    const char *file;
    int64_t line;
    int idx;
    rep_scn sc;
} order;

static int by_file_line(const void *pa, const void *pb)
{
    const order *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->idx - b->idx;
}

/* A copy of sc: its entry (added to hold, which owns it), document and
 * strings. */
static int copy_scn(rep_scn *to, const rep_scn *from, cJSON *hold)
{
    to->entry = cJSON_Duplicate(from->entry, true);
    if (!to->entry || !cJSON_AddItemToArray(hold, to->entry)) {
        cJSON_Delete(to->entry);
        to->entry = NULL;
        return -ENOMEM;
    }
    to->doc = from->doc ? cJSON_Duplicate(from->doc, true) : NULL;
    to->doc_path = from->doc_path ? strdup(from->doc_path) : NULL;
    to->problem = from->problem ? strdup(from->problem) : NULL;
    bool ok = (to->doc || !from->doc) && (to->doc_path || !from->doc_path) &&
              (to->problem || !from->problem);
    return ok ? 0 : -ENOMEM;
}

static bool add_int(cJSON *o, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return cJSON_AddRawToObject(o, key, buf) != NULL;
}

/* from's key, copied into o (null when from has none). */
static bool add_copy(cJSON *o, const char *key, const cJSON *from)
{
    const cJSON *v = rep__get(from, key);
    cJSON *c = v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
    if (c && cJSON_AddItemToObject(o, key, c))
        return true;
    cJSON_Delete(c);
    return false;
}

/* merged_from: where each part came from. NULL on ENOMEM. */
static cJSON *sources(rep_suite *const *parts, int n)
{
    cJSON *from = cJSON_CreateArray();
    for (int i = 0; i < n && from; i++) {
        const cJSON *w = rep__get(parts[i]->root, "wall");
        const cJSON *shard = rep__get(parts[i]->root, "shard");
        cJSON *f = cJSON_CreateObject();
        bool ok = f && cJSON_AddItemToArray(from, f) &&
                  cJSON_AddStringToObject(f, "suite", parts[i]->path ? parts[i]->path : "") &&
                  (cJSON_IsString(shard) ? cJSON_AddStringToObject(f, "shard", shard->valuestring)
                                         : cJSON_AddNullToObject(f, "shard")) &&
                  cJSON_AddStringToObject(f, "started_at", rep__str(w, "started_at", "")) &&
                  add_int(f, "duration_ns", rep__int(w, "duration_ns", 0));
        if (!ok) {
            if (f && !f->prev) /* never added */
                cJSON_Delete(f);
            cJSON_Delete(from);
            from = NULL;
        }
    }
    return from;
}

/* The merged wall: the earliest start, the longest part, the most jobs. */
static bool add_wall(cJSON *root, rep_suite *const *parts, int n)
{
    int64_t dur = 0, jobs = 0;
    const char *started = NULL;
    for (int i = 0; i < n; i++) {
        const cJSON *w = rep__get(parts[i]->root, "wall");
        const char *st = rep__str(w, "started_at", "");
        if (!started || strcmp(st, started) < 0)
            started = st;
        int64_t d = rep__int(w, "duration_ns", 0), j = rep__int(w, "jobs", 0);
        dur = d > dur ? d : dur;
        jobs = j > jobs ? j : jobs;
    }
    cJSON *wall = cJSON_AddObjectToObject(root, "wall");
    return wall && cJSON_AddStringToObject(wall, "started_at", started ? started : "") &&
           add_int(wall, "duration_ns", dur) && add_int(wall, "jobs", jobs);
}

/* The merged suite document around hold, the sorted entries of m (taken
 * over: freed on failure too). 0 or -ENOMEM. */
static int merged_root(rep_suite *m, cJSON *hold, rep_suite *const *parts, int n,
                       const char *command)
{
    const cJSON *r0 = parts[0]->root;
    cJSON *root = m->root = cJSON_CreateObject();
    int pf[3];
    rep_suite_counts(m, &pf[0], &pf[1], &pf[2], NULL);
    int64_t virt = 0;
    for (int i = 0; i < m->n; i++)
        virt += rep__int(m->scn[i].entry, "virtual_ns", 0);
    cJSON *counts = NULL;
    bool ok = root && add_int(root, "schema_version", rep__int(r0, "schema_version", 1)) &&
              cJSON_AddStringToObject(root, "kind", "suite") &&
              cJSON_AddStringToObject(root, "gauntlet_version",
                                      rep__str(r0, "gauntlet_version", "")) &&
              cJSON_AddRawToObject(root, "seed", rep__seed(r0)) &&
              cJSON_AddStringToObject(root, "mode", rep__str(r0, "mode", "sim")) &&
              cJSON_AddStringToObject(root, "command", command ? command : "gauntlet report merge") &&
              cJSON_AddNullToObject(root, "shard") && add_copy(root, "mutants", r0) &&
              (counts = cJSON_AddObjectToObject(root, "counts")) && add_int(counts, "pass", pf[0]) &&
              add_int(counts, "fail", pf[1]) && add_int(counts, "error", pf[2]) &&
              add_int(counts, "total", m->n) && add_int(root, "virtual_ns", virt) &&
              cJSON_AddItemToObject(root, "scenarios", hold);
    if (!ok) {
        cJSON_Delete(hold);
        return -ENOMEM;
    }
    cJSON *from = sources(parts, n);
    if (!from || !cJSON_AddItemToObject(root, "merged_from", from)) {
        cJSON_Delete(from);
        return -ENOMEM;
    }
    return add_wall(root, parts, n) ? 0 : -ENOMEM;
}

/* Copy every part's scenarios into m, entries into hold, in file/line
 * order (stable). 0 or -ENOMEM. */
static int gather(rep_suite *m, cJSON *hold, rep_suite *const *parts, int n, int total)
{
    order *o = calloc((size_t)total + 1, sizeof *o);
    if (!o)
        return -ENOMEM;
    int rc = 0, k = 0;
    for (int i = 0; i < n && rc == 0; i++)
        for (int j = 0; j < parts[i]->n && rc == 0; j++, k++) {
            rc = copy_scn(&o[k].sc, &parts[i]->scn[j], hold);
            o[k].file = rep__str(o[k].sc.entry, "file", "");
            o[k].line = rep__int(o[k].sc.entry, "line", 0);
            o[k].idx = k;
        }
    if (rc == 0)
        qsort(o, (size_t)k, sizeof *o, by_file_line);
    for (int i = 0; i < k; i++) {
        m->scn[i] = o[i].sc; /* owned by m from here, even on failure */
        if (rc == 0 && m->scn[i].entry) /* to the end of hold: hold ends sorted */
            cJSON_AddItemToArray(hold, cJSON_DetachItemViaPointer(hold, m->scn[i].entry));
    }
    m->n = k;
    free(o);
    return rc;
}

int rep_suite_merge(rep_suite **out, rep_suite *const *parts, int n, const char *command,
                    char *err, size_t errlen)
{
    *out = NULL;
    if (n < 1)
        return ERR("nothing to merge"), -EINVAL;
    if (err)
        err[0] = '\0';
    int rc = check_parts(parts, n, err, errlen);
    if (rc < 0)
        return rc;
    int total = 0;
    for (int i = 0; i < n; i++)
        total += parts[i]->n;
    rep_suite *m = suite_new(NULL, total);
    cJSON *hold = cJSON_CreateArray();
    rc = m && hold ? gather(m, hold, parts, n, total) : -ENOMEM;
    if (rc == 0)
        rc = check_ids(m, err, errlen);
    if (m && hold)
        rc = merged_root(m, hold, parts, n, command) < 0 && rc == 0 ? -ENOMEM : rc;
    else
        cJSON_Delete(hold);
    if (rc < 0) {
        rep_suite_release(m);
        if (rc == -ENOMEM)
            ERR("out of memory");
        return rc;
    }
    *out = m;
    return 0;
}

/* ---------------------------------------------------------------- writing */

/* Copy sc's document into dir byte for byte (unless it is already there). */
static int copy_doc(const rep_scn *sc, const char *dir, char *err, size_t errlen)
{
    if (!sc->doc_path || !sc->doc)
        return 0;
    char to[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    snprintf(to, sizeof to, "%s/%s", dir, rep__str(sc->entry, "document", ""));
    if (realpath(sc->doc_path, a) && realpath(to, b) && strcmp(a, b) == 0)
        return 0;
    char *text = NULL;
    size_t len = 0;
    int rc = rep__read_file(sc->doc_path, &text, &len);
    if (rc == 0)
        rc = rep_write_atomic(to, text, len);
    free(text);
    if (rc < 0)
        ERR("%s: %s", rc == -ENOENT ? sc->doc_path : to, strerror(-rc));
    return rc;
}

int rep_suite_write(const rep_suite *s, const char *dir, char *err, size_t errlen)
{
    int rc = rep_make_dirs(dir);
    if (rc < 0)
        return ERR("%s: %s", dir, strerror(-rc)), rc;
    for (int i = 0; i < s->n; i++)
        if ((rc = copy_doc(&s->scn[i], dir, err, errlen)) < 0)
            return rc;
    rep_buf b = {0};
    char *text = cJSON_Print(s->root);
    if (!text)
        return ERR("out of memory"), -ENOMEM;
    rep__put(&b, text);
    rep__put(&b, "\n");
    free(text);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/suite.json", dir);
    return rep__buf_commit(&b, path, err, errlen);
}
