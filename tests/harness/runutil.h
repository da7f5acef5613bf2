/* runutil.h — running a scenario in this process for the harness's
 * behaviour tests: write the scenario text into a fresh directory under
 * /tmp, load it (root: that directory), run one of its scenarios with a
 * fixed seed in sim mode through gt__run, and read the result document
 * back with cJSON. Shared by test_checks.c and test_script.c; every test
 * runs in its own process (Check's fork mode), so one directory per file
 * is enough. */
#ifndef RUNUTIL_H
#define RUNUTIL_H

#include <cjson/cJSON.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/gt_int.h"
#include "tests/testutil.h"

#define RU_SEED UINT64_C(1) /* every run's seed unless a test says */

static char ru_dir[64];   /* this test's directory */
static char ru_path[128]; /* ru_dir/s.lua: the scenario file */

static inline void ru_setup(void)
{
    snprintf(ru_dir, sizeof ru_dir, "/tmp/gt-run-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ru_dir));
    snprintf(ru_path, sizeof ru_path, "%s/s.lua", ru_dir);
}

static inline int ru_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static inline void ru_teardown(void)
{
    nftw(ru_dir, ru_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text as ru_path and load it; it must load. */
static inline gt_file *ru_load(const char *text)
{
    FILE *fp = fopen(ru_path, "w");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_ge(fputs(text, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
    char err[2048] = "";
    gt_file *f = NULL;
    int rc = gt__file_load(&f, ru_path, ru_dir, err, sizeof err);
    ck_assert_msg(rc == 0, "load failed (%d): %s", rc, err);
    return f;
}

/* Run scenario i of f with seed in sim mode: the document's text
 * (malloc'd); *verdict is gt__run's result, which must be a verdict. */
static inline char *ru_run_text(gt_file *f, int i, uint64_t seed, int *verdict)
{
    gt_run_opts o = {.seed = seed, .mode = GT_MODE_SIM, .replay = "replay"};
    char *json = NULL;
    int v = gt__run(f, i, &o, &json);
    ck_assert_msg(v >= 0, "gt__run failed: %d", v);
    ck_assert_ptr_nonnull(json);
    if (verdict)
        *verdict = v;
    return json;
}

/* The same, parsed; the verdict string of the document must agree with
 * gt__run's result. */
static inline cJSON *ru_run(gt_file *f, int i, uint64_t seed)
{
    int v;
    char *json = ru_run_text(f, i, seed, &v);
    cJSON *d = cJSON_Parse(json);
    free(json);
    ck_assert_ptr_nonnull(d);
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(d, "verdict");
    ck_assert(cJSON_IsString(vs));
    ck_assert_str_eq(vs->valuestring, gt_verdict_name((gt_verdict)v));
    return d;
}

/* Load text and run its first scenario (seed RU_SEED). */
static inline cJSON *ru_doc(const char *text)
{
    gt_file *f = ru_load(text);
    cJSON *d = ru_run(f, 0, RU_SEED);
    gt__file_release(f);
    return d;
}

/* ---------------------------------------------------------------- reading */

/* The member at a dotted path ("summary.stop.stop_ns"); it must exist. */
static inline const cJSON *ru_get(const cJSON *d, const char *path)
{
    char key[128];
    const char *p = path;
    const cJSON *o = d;
    while (*p) {
        size_t n = strcspn(p, ".");
        ck_assert_uint_lt(n, sizeof key);
        memcpy(key, p, n);
        key[n] = 0;
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        ck_assert_msg(o != NULL, "no member %s (of %s)", key, path);
        p += n + (p[n] == '.');
    }
    return o;
}

static inline double ru_num(const cJSON *d, const char *path)
{
    const cJSON *o = ru_get(d, path);
    ck_assert_msg(cJSON_IsNumber(o), "%s is not a number", path);
    return o->valuedouble;
}

static inline const char *ru_str(const cJSON *d, const char *path)
{
    const cJSON *o = ru_get(d, path);
    ck_assert_msg(cJSON_IsString(o), "%s is not a string", path);
    return o->valuestring;
}

static inline const char *ru_verdict(const cJSON *d) { return ru_str(d, "verdict"); }

/* The check named name (the first of that name); it must be there. */
static inline const cJSON *ru_check(const cJSON *d, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, ru_get(d, "checks"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return c;
    }
    ck_abort_msg("no check named \"%s\"", name);
    return NULL;
}

/* Check name held (or not) and measured exactly `measured`. */
static inline const cJSON *ru_assert_check(const cJSON *d, const char *name, bool ok,
                                           const char *measured)
{
    const cJSON *c = ru_check(d, name);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(c, "ok");
    ck_assert_msg(cJSON_IsBool(o) && cJSON_IsTrue(o) == ok, "%s: ok is %s, want %s (%s / %s)",
                  name, cJSON_IsTrue(o) ? "true" : "false", ok ? "true" : "false",
                  ru_str(c, "measured"), ru_str(c, "detail"));
    ck_assert_msg(strcmp(ru_str(c, "measured"), measured) == 0, "%s: measured \"%s\", want \"%s\"",
                  name, ru_str(c, "measured"), measured);
    return c;
}

/* Its detail is exactly want. */
static inline void ru_detail_is(const cJSON *c, const char *want)
{
    ck_assert_str_eq(ru_str(c, "detail"), want);
}

/* Its detail contains want. */
static inline void ru_detail_has(const cJSON *c, const char *want)
{
    const char *d = ru_str(c, "detail");
    ck_assert_msg(strstr(d, want) != NULL, "detail \"%s\" lacks \"%s\"", d, want);
}

/* How many checks failed. */
static inline int ru_failed(const cJSON *d)
{
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, ru_get(d, "checks")) n += !cJSON_IsTrue(ru_get(c, "ok"));
    return n;
}

/* The document's text outside its "wall" (cJSON's own printing). */
static inline char *ru_without_wall(const char *json)
{
    cJSON *d = cJSON_Parse(json);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(d, "wall"));
    cJSON_DeleteItemFromObjectCaseSensitive(d, "wall");
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    ck_assert_ptr_nonnull(s);
    return s;
}

#endif /* RUNUTIL_H */
