/* loadutil.h — what the loader's tests share: a fresh directory under /tmp
 * per test (setup/teardown), files written into it, and loads that must
 * succeed or fail with a given message. */
#ifndef LOADUTIL_H
#define LOADUTIL_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "harness/gt_int.h"
#include "tests/allocfail.h"
#include "tests/testutil.h"


/* ---------------------------------------------------------------- helpers */

static char dir[64] __attribute__((unused));       /* this test's directory */
static char path[128] __attribute__((unused));     /* dir/s.lua */
static char err[2048] __attribute__((unused));

static inline void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/gt-load-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.lua", dir);
    err[0] = '\0';
}

static inline int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static inline void teardown(void)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text into dir/rel (creating dir/lib when rel is under it). */
static inline void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/lib", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *fp = fopen(p, "w");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    ck_assert_int_eq(fclose(fp), 0);
}

/* Load text as dir/s.lua (root: dir). */
static inline int load(const char *text, gt_file **f)
{
    put("s.lua", text);
    *f = NULL;
    return gt__file_load(f, path, dir, err, sizeof err);
}

static inline gt_file *load_ok(const char *text)
{
    gt_file *f = NULL;
    int rc = load(text, &f);
    ck_assert_msg(rc == 0, "load failed (%d): %s", rc, err);
    ck_assert_ptr_nonnull(f);
    return f;
}

/* The load fails with -EINVAL and exactly dir/<want>. */
static void __attribute__((noinline, unused)) load_fails(const char *text, const char *want)
{
    gt_file *f = NULL;
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", dir, want);
    int rc = load(text, &f);
    ck_assert_msg(rc == -EINVAL, "rc %d (want -EINVAL), err: %s", rc, err);
    ck_assert_ptr_null(f);
    ck_assert_str_eq(err, full);
}

/* A scenario around a target: enough to load. */
#define SCN(target) "return scenario { name = 'x', target = " target ", script = function() end }\n"


#endif
