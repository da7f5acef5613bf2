/* test_arm.c — spec validation, arming and listing, one injector at a time, names, catalog. */
#include <errno.h>
#include <math.h>
#include <string.h>

#define FIU_ENABLE 1
#include <fiu.h>

#include "tests/inject/injutil.h"

/* ------------------------------------------------------------ helpers */

/* A valid delay (1ms) at point: specs that test another field. */
static inj_spec delay(const char *point)
{
    inj_spec sp = spec(point, INJ_DELAY);
    sp.by = GR_MS(1);
    return sp;
}

static bool names_field(const char *msg, const char *field)
{
    size_t n = strlen(field);
    return strncmp(msg, field, n) == 0 && msg[n] == ':';
}

/* inj_arm(sp) must fail with -EINVAL and a one-line message starting with
 * "<field>:" (or "<alt>:" when alt is not NULL) and containing `also`. */
static void bad(inj *j, inj_spec sp, const char *field, const char *alt, const char *also,
                int line)
{
    char err[160];
    memset(err, 'x', sizeof err - 1);
    err[sizeof err - 1] = 0;
    int rc = inj_arm(j, &sp, err, sizeof err);
    bool named = names_field(err, field) || (alt && names_field(err, alt));
    bool ok = rc == -EINVAL && named && !strchr(err, '\n') && (!also || strstr(err, also));
    if (!ok && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg,
                 "line %d: inj_arm = %d \"%.120s\", want -EINVAL \"%s: ...%s\"", line, rc, err,
                 field, also ? also : "");
    TCHECK(inj_arm(j, &sp, NULL, 0), -EINVAL); /* no buffer: same answer */
}

#define BAD(sp, field) bad(j, (sp), (field), NULL, NULL, __LINE__)

static int arm(inj *j, inj_spec sp)
{
    char err[128] = "";
    int h = inj_arm(j, &sp, err, sizeof err);
    if (h <= 0 && fail_msg[0] == 0)
        snprintf(fail_msg, sizeof fail_msg, "inj_arm(%.60s) = %d: %.100s", sp.point, h, err);
    return h;
}

/* Nothing a refused spec could have left armed. */
static void nothing_armed(inj *j)
{
    inj_armed a[1];
    TCHECK(inj_list(j, a, 1), 0);
    TCHECK(inj_any_armed(j), false);
}

/* A service-style point accepting the kinds only the service uses. */
static const inj_point_def svc_io[] = {
    {"svc/<name>/io", "an I/O on connection <name>",
     INJ_BIT(INJ_SHORT) | INJ_BIT(INJ_DROP) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DELAY)},
};

/* ------------------------------------------------------------ invalid specs */

static void bad_point_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    BAD(delay(NULL), "point");
    BAD(delay(""), "point");
    bad(j, delay("chan/jobs/snd"), "point", NULL, "chan/<name>/send", __LINE__);
    BAD(delay("nothing/here"), "point");
    BAD(delay("nothing/*"), "point");
    BAD(delay("chan//send"), "point"); /* <name> is never empty */
    nothing_armed(j);
    inj_release(j);
}

START_TEST(point_missing_or_uncatalogued)
{
    sim_ok(bad_point_main, NULL);
}
END_TEST

static void bad_kind_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    BAD(spec("chan/x/recv", INJ_FULL), "kind");
    BAD(spec("chan/x/send", INJ_SPAWN_FAIL), "kind");
    BAD(spec("chan/x/send", INJ_DROP), "kind");
    inj_spec sp = spec("task/spawn/w", INJ_SHORT);
    sp.bytes = 1;
    BAD(sp, "kind");
    BAD(spec("chan/x/send", (inj_kind)42), "kind");
    BAD(spec("chan/x/send", (inj_kind)-1), "kind");
    nothing_armed(j);
    inj_release(j);
}

START_TEST(kind_not_accepted_at_point)
{
    sim_ok(bad_kind_main, NULL);
}
END_TEST

static void bad_p_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = delay("chan/jobs/send");
    sp.p = -0.1;
    BAD(sp, "p");
    sp.p = 1.5;
    BAD(sp, "p");
    sp.p = NAN;
    BAD(sp, "p");
    nothing_armed(j);
    sp.p = 0; /* the bounds themselves are fine */
    TCHECK(arm(j, sp) > 0, 1);
    sp.p = 1;
    TCHECK(arm(j, sp) > 0, 1);
    inj_release(j);
}

START_TEST(p_outside_unit_interval)
{
    sim_ok(bad_p_main, NULL);
}
END_TEST

static void bad_delay_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = delay("chan/jobs/send");
    sp.by = -1;
    BAD(sp, "by");
    sp.by = GR_MS(1);
    sp.dist = INJ_DIST_UNIFORM;
    sp.jitter = -1;
    BAD(sp, "jitter");
    sp.dist = INJ_DIST_FIXED;
    sp.jitter = GR_MS(1);
    bad(j, sp, "jitter", "dist", NULL, __LINE__);
    sp.jitter = 0;
    sp.dist = (inj_dist)7;
    BAD(sp, "dist");
    nothing_armed(j);
    sp.dist = INJ_DIST_EXPONENTIAL;
    sp.jitter = GR_MS(1);
    TCHECK(arm(j, sp) > 0, 1);
    sp.by = 0; /* jitter alone */
    sp.dist = INJ_DIST_UNIFORM;
    TCHECK(arm(j, sp) > 0, 1);
    sp = spec("chan/jobs/send", INJ_DELAY); /* inj.h: by >= 0 */
    TCHECK(arm(j, sp) > 0, 1);
    inj_release(j);
}

START_TEST(delay_fields_checked)
{
    sim_ok(bad_delay_main, NULL);
}
END_TEST

static void bad_err_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    BAD(spec("chan/jobs/send", INJ_ERROR), "err"); /* required for error */
    inj_spec sp = spec("chan/jobs/send", INJ_ERROR);
    sp.err = -EIO;
    BAD(sp, "err");
    sp = spec("task/spawn/w", INJ_SPAWN_FAIL);
    sp.err = -1;
    BAD(sp, "err");
    nothing_armed(j);
    TCHECK(arm(j, spec("task/spawn/w", INJ_SPAWN_FAIL)) > 0, 1); /* 0 = EAGAIN */
    inj_release(j);
}

START_TEST(err_required_and_positive)
{
    sim_ok(bad_err_main, NULL);
}
END_TEST

static void bad_short_drop_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = spec("svc/c1/io", INJ_SHORT);
    sp.bytes = -1;
    BAD(sp, "bytes");
    sp = spec("svc/c1/io", INJ_DROP);
    sp.phase = (inj_phase)9;
    BAD(sp, "phase");
    nothing_armed(j);
    sp = spec("svc/c1/io", INJ_DROP);
    sp.phase = INJ_PHASE_AFTER;
    TCHECK(arm(j, sp) > 0, 1);
    sp = spec("svc/c1/io", INJ_SHORT);
    sp.bytes = 1;
    TCHECK(arm(j, sp) > 0, 1);
    sp.bytes = 0; /* inj.h: bytes >= 0 */
    TCHECK(arm(j, sp) > 0, 1);
    inj_release(j);
}

START_TEST(bytes_and_phase_checked)
{
    ck_assert_int_eq(inj_catalog_register(svc_io, 1), 0);
    sim_ok(bad_short_drop_main, NULL);
}
END_TEST

static void bad_window_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = delay("chan/jobs/send");
    sp.from = -1;
    BAD(sp, "from");
    sp.from = GR_MS(10);
    sp.to = GR_MS(10);
    BAD(sp, "to");
    sp.to = GR_MS(5);
    BAD(sp, "to");
    sp.from = 0;
    sp.to = -5;
    BAD(sp, "to");
    nothing_armed(j);
    sp.from = GR_MS(10);
    sp.to = GR_FOREVER;
    TCHECK(arm(j, sp) > 0, 1);
    sp.to = GR_MS(10) + 1;
    TCHECK(arm(j, sp) > 0, 1);
    inj_release(j);
}

START_TEST(window_checked)
{
    sim_ok(bad_window_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ arming */

static void wildcard_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    const char *pats[] = {"chan/*", "chan/jobs/*", "*", "task/spawn/*"};
    int h[4];
    for (int i = 0; i < 4; i++) {
        h[i] = arm(j, delay(pats[i]));
        TCHECK(h[i] > 0, 1);
        for (int k = 0; k < i; k++)
            TCHECK(h[i] != h[k], 1);
    }
    inj_armed a[4];
    TCHECK(inj_list(j, a, 4), 4);
    for (int i = 0; i < 4; i++) {
        TCHECK(a[i].handle, h[i]);
        TCHECK(strcmp(a[i].spec.point, pats[i]), 0);
    }
    inj_release(j);
}

START_TEST(wildcards_arm)
{
    sim_ok(wildcard_main, NULL);
}
END_TEST

static void disarm_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    int h = arm(j, delay("chan/jobs/send"));
    TCHECK(inj_disarm(j, h + 1000), -ENOENT);
    TCHECK(inj_disarm(j, 0), -ENOENT);
    TCHECK(inj_disarm(j, -3), -ENOENT);
    TCHECK(inj_disarm(NULL, h), -EINVAL);
    TCHECK(inj_disarm(j, h), 0);
    TCHECK(inj_disarm(j, h), -ENOENT); /* already gone */
    nothing_armed(j);
    inj_release(j);
}

START_TEST(disarm_unknown_handle)
{
    sim_ok(disarm_main, NULL);
}
END_TEST

static void clear_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    TCHECK(inj_clear(j), 0);
    arm(j, delay("chan/jobs/send"));
    arm(j, spec("chan/jobs/recv", INJ_BLOCK));
    arm(j, spec("task/spawn/*", INJ_SPAWN_FAIL));
    TCHECK(inj_clear(j), 3);
    nothing_armed(j);
    TCHECK(inj_clear(j), 0);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 0;
    TCHECK(gr_chan_send(ch, &v), 0); /* nothing fires any more */
    TCHECK(gr_chan_recv(ch, &v), 0);
    TCHECK(gr_now(), 0);
    TCHECK(arm(j, spec("chan/jobs/send", INJ_FULL)) > 0, 1); /* arming again works */
    TCHECK(gr_chan_try_send(ch, &v), -EAGAIN);
    inj_release(j);
}

START_TEST(clear_returns_count)
{
    sim_ok(clear_main, NULL);
}
END_TEST

static void list_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    char name[32] = "chan/jobs/send";
    inj_spec a = spec(name, INJ_ERROR), b = delay("task/spawn/*"),
             c = spec("chan/jobs/recv", INJ_BLOCK);
    a.err = EIO;
    a.nth = 4;
    b.by = GR_MS(3);
    int h[3];
    h[0] = arm(j, a);
    h[1] = arm(j, b);
    h[2] = arm(j, c);
    strcpy(name, "chan/zzzz/recv"); /* the point was copied */
    inj_armed l[4];
    memset(l, 0, sizeof l);
    TCHECK(inj_list(j, l, 1), 3); /* the count, one copied */
    TCHECK(l[1].handle, 0);
    TCHECK(inj_list(j, l, 4), 3);
    for (int i = 0; i < 3; i++)
        TCHECK(l[i].handle, h[i]);
    TCHECK(strcmp(l[0].spec.point, "chan/jobs/send"), 0);
    TCHECK(l[0].spec.kind, INJ_ERROR);
    TCHECK(l[0].spec.err, EIO);
    TCHECK(l[0].spec.nth, 4);
    TCHECK(l[1].spec.by, GR_MS(3));
    TCHECK(l[2].spec.kind, INJ_BLOCK);
    TCHECK(inj_disarm(j, h[1]), 0);
    TCHECK(inj_list(j, l, 4), 2);
    TCHECK(l[0].handle, h[0]);
    TCHECK(l[1].handle, h[2]);
    inj_release(j);
}

START_TEST(list_in_arming_order)
{
    sim_ok(list_main, NULL);
}
END_TEST

static void any_armed_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    TCHECK(inj_any_armed(j), false);
    int h = arm(j, delay("chan/jobs/send"));
    TCHECK(inj_any_armed(j), true);
    TCHECK(inj_disarm(j, h), 0);
    TCHECK(inj_any_armed(j), false);
    arm(j, delay("*"));
    TCHECK(inj_any_armed(j), true);
    inj_clear(j);
    TCHECK(inj_any_armed(j), false);
    inj_release(j);
}

START_TEST(any_armed_follows_arming)
{
    sim_ok(any_armed_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ one at a time */

static void create_main(void *arg)
{
    (void)arg;
    gr_sched *s = gr_current();
    inj *j = NULL, *k = NULL;
    TCHECK(inj_create(NULL, s, NULL), -EINVAL);
    TCHECK(inj_create(&j, NULL, NULL), -EINVAL);
    TCHECK(inj_create(&j, s, NULL), 0); /* opts NULL: seed 0 */
    TCHECK(inj_create(&k, s, &(inj_opts){.seed = 1}), -EBUSY);
    TCHECK(inj_create(&k, s, NULL), -EBUSY);
    inj_release(j);
    TCHECK(inj_create(&k, s, &(inj_opts){.seed = 1}), 0); /* free again */
    TCHECK(arm(k, delay("chan/jobs/send")) > 0, 1);
    inj_release(k);
    inj_release(NULL);
}

START_TEST(one_injector_at_a_time)
{
    sim_ok(create_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ names */

START_TEST(names_round_trip)
{
    static const char *const kinds[] = {"delay", "error", "full", "block",
                                        "drop", "short", "spawn_fail"};
    ck_assert_int_eq(INJ_KIND__COUNT, 7);
    for (int k = 0; k < INJ_KIND__COUNT; k++) {
        ck_assert_str_eq(inj_kind_name((inj_kind)k), kinds[k]);
        ck_assert_int_eq(inj_kind_parse(kinds[k]), k);
    }
    ck_assert_str_eq(inj_kind_name(INJ_KIND__COUNT), "?");
    ck_assert_str_eq(inj_kind_name((inj_kind)-1), "?");
    static const char *const dists[] = {"fixed", "uniform", "exponential"};
    static const char *const phases[] = {"before", "mid", "after"};
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(inj_dist_name((inj_dist)i), dists[i]);
        ck_assert_int_eq(inj_dist_parse(dists[i]), i);
        ck_assert_str_eq(inj_phase_name((inj_phase)i), phases[i]);
        ck_assert_int_eq(inj_phase_parse(phases[i]), i);
    }
    const char *unknown[] = {"nope", "", "delayx", "dela", "spawn-fail"};
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(inj_kind_parse(unknown[i]), -EINVAL);
        ck_assert_int_eq(inj_dist_parse(unknown[i]), -EINVAL);
        ck_assert_int_eq(inj_phase_parse(unknown[i]), -EINVAL);
    }
    ck_assert_int_eq(inj_dist_parse("delay"), -EINVAL); /* names of another table */
    ck_assert_int_eq(inj_phase_parse("fixed"), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------ catalog */

static const inj_point_def *by_pattern(const inj_point_def *defs, size_t n, const char *pat)
{
    for (size_t i = 0; i < n; i++)
        if (defs[i].pattern && strcmp(defs[i].pattern, pat) == 0)
            return &defs[i];
    return NULL;
}

START_TEST(catalog_lists_runtime_points)
{
    const inj_point_def *defs = NULL;
    size_t n = inj_catalog(&defs);
    ck_assert_uint_ge(n, 3);
    ck_assert_ptr_nonnull(defs);
    const struct {
        const char *pat;
        unsigned kinds;
    } want[] = {
        {"chan/<name>/send",
         INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_FULL) | INJ_BIT(INJ_BLOCK)},
        {"chan/<name>/recv", INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK)},
        {"task/spawn/<name>",
         INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK) | INJ_BIT(INJ_SPAWN_FAIL)},
    };
    for (int i = 0; i < 3; i++) {
        const inj_point_def *d = by_pattern(defs, 3, want[i].pat); /* runtime's first */
        ck_assert_msg(d != NULL, "%s not among the first 3 catalogued points", want[i].pat);
        ck_assert_uint_eq(d->kinds, want[i].kinds);
        ck_assert(d->meaning && d->meaning[0]);
    }
}
END_TEST

static void expect_find(const char *name, const char *pattern)
{
    const inj_point_def *d = inj_catalog_find(name);
    if (!pattern)
        ck_assert_msg(d == NULL, "inj_catalog_find(\"%s\") = %s, want NULL", name,
                      d ? d->pattern : "");
    else
        ck_assert_msg(d && strcmp(d->pattern, pattern) == 0, "inj_catalog_find(\"%s\") = %s", name,
                      d ? d->pattern : "NULL");
}

START_TEST(catalog_find_by_concrete_name)
{
    expect_find("chan/jobs/send", "chan/<name>/send");
    expect_find("chan/jobs/recv", "chan/<name>/recv");
    expect_find("task/spawn/worker", "task/spawn/<name>");
    expect_find("chan/a/b/send", "chan/<name>/send"); /* <name>: any non-empty text */
    expect_find("chan/jobs/snd", NULL);
    expect_find("chan//send", NULL);
    expect_find("task/spawn/", NULL);
    expect_find("chan/jobs/send/x", NULL);
    expect_find("", NULL);
    expect_find("svc/c1/read", NULL);
}
END_TEST

static const inj_point_def svc_defs[] = {
    {"svc/<name>/read", "a read on connection <name>",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_SHORT) | INJ_BIT(INJ_DROP)},
    {"svc/<name>/accept", "accepting connection <name>", INJ_BIT(INJ_ERROR)},
};

static void registered_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    inj_spec sp = spec("svc/c7/read", INJ_SHORT);
    sp.bytes = 3;
    TCHECK(arm(j, sp) > 0, 1);
    sp = spec("svc/c7/read", INJ_DROP);
    sp.phase = INJ_PHASE_MID;
    TCHECK(arm(j, sp) > 0, 1);
    bad(j, spec("svc/c7/read", INJ_FULL), "kind", NULL, NULL, __LINE__);
    bad(j, delay("svc/c7/accept"), "kind", NULL, NULL, __LINE__);
    inj_release(j);
}

START_TEST(catalog_register_adds_points)
{
    const inj_point_def *defs;
    size_t n0 = inj_catalog(&defs);
    ck_assert_int_eq(inj_catalog_register(svc_defs, 2), 0);
    size_t n = inj_catalog(&defs);
    ck_assert_uint_eq(n, n0 + 2);
    ck_assert_str_eq(defs[n0].pattern, "svc/<name>/read"); /* in registration order */
    ck_assert_str_eq(defs[n0 + 1].pattern, "svc/<name>/accept");
    ck_assert_uint_eq(defs[n0].kinds, svc_defs[0].kinds);
    expect_find("svc/c7/read", "svc/<name>/read");
    expect_find("svc/c7/accept", "svc/<name>/accept");
    expect_find("chan/jobs/send", "chan/<name>/send");
    sim_ok(registered_main, NULL);
}
END_TEST

START_TEST(catalog_register_rejects)
{
    static const inj_point_def dup_rt = {"chan/<name>/send", "again", INJ_BIT(INJ_DELAY)};
    static const inj_point_def none = {"svc/<name>/none", "no kinds", 0};
    static const inj_point_def nopat = {NULL, "no pattern", INJ_BIT(INJ_DELAY)};
    static const inj_point_def empty = {"", "empty pattern", INJ_BIT(INJ_DELAY)};
    static const inj_point_def closing = {"svc/<name>/close", "closing <name>", INJ_BIT(INJ_ERROR)};
    const inj_point_def *defs;
    size_t n0 = inj_catalog(&defs);
    ck_assert_int_eq(inj_catalog_register(&dup_rt, 1), -EINVAL);
    ck_assert_int_eq(inj_catalog_register(&none, 1), -EINVAL);
    ck_assert_int_eq(inj_catalog_register(&nopat, 1), -EINVAL);
    ck_assert_int_eq(inj_catalog_register(&empty, 1), -EINVAL);
    ck_assert_uint_eq(inj_catalog(&defs), n0);
    ck_assert_int_eq(inj_catalog_register(&closing, 1), 0);
    ck_assert_int_eq(inj_catalog_register(&closing, 1), -EINVAL); /* duplicate */
    ck_assert_uint_eq(inj_catalog(&defs), n0 + 1);
    expect_find("svc/x/none", NULL);
}
END_TEST

/* ------------------------------------------------------------ libfiu */

static void fiu_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(42, 0);
    TCHECK(fiu_fail("chan/jobs/send"), 0); /* nothing armed there */
    inj_spec sp = spec("chan/jobs/send", INJ_ERROR);
    sp.err = EIO;
    sp.nth = 2;
    int h = arm(j, sp);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 0;
    TCHECK(fiu_fail("chan/jobs/send"), 0);          /* hit 1: no fire */
    TCHECK(gr_chan_send(ch, &v), -EIO);             /* hit 2 */
    TCHECK(fiu_fail("chan/jobs/send"), 0);          /* hit 3 */
    TCHECK(fiu_fail("chan/jobs/send") != 0, 1);     /* hit 4: fires */
    TCHECK(fiu_fail("chan/jobs/recv"), 0);          /* not armed */
    inj_armed a[1];
    TCHECK(inj_list(j, a, 1), 1);
    TCHECK(a[0].hits, 4);
    TCHECK(a[0].fired, 2);
    TCHECK(inj_disarm(j, h), 0);
    TCHECK(fiu_fail("chan/jobs/send"), 0); /* libfiu no longer enabled there */
    sp = spec("chan/*", INJ_ERROR);
    sp.err = EIO;
    arm(j, sp);
    TCHECK(fiu_fail("chan/zz/recv") != 0, 1); /* a wildcard reaches libfiu */
    TCHECK(inj_clear(j), 1);
    TCHECK(fiu_fail("chan/zz/recv"), 0);
    arm(j, sp);
    inj_release(j); /* disables in libfiu what was still armed */
    TCHECK(fiu_fail("chan/zz/recv"), 0);
    TCHECK(fiu_fail("chan/jobs/send"), 0);
}

START_TEST(libfiu_sees_armed_points)
{
    sim_ok(fiu_main, NULL);
}
END_TEST

Suite *suite_inject_arm(void)
{
    Suite *s = suite_create("inject_arm");
    TCase *tc = tcase_create("arm");
    tcase_add_test(tc, point_missing_or_uncatalogued);
    tcase_add_test(tc, kind_not_accepted_at_point);
    tcase_add_test(tc, p_outside_unit_interval);
    tcase_add_test(tc, delay_fields_checked);
    tcase_add_test(tc, err_required_and_positive);
    tcase_add_test(tc, bytes_and_phase_checked);
    tcase_add_test(tc, window_checked);
    tcase_add_test(tc, wildcards_arm);
    tcase_add_test(tc, disarm_unknown_handle);
    tcase_add_test(tc, clear_returns_count);
    tcase_add_test(tc, list_in_arming_order);
    tcase_add_test(tc, any_armed_follows_arming);
    tcase_add_test(tc, one_injector_at_a_time);
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, catalog_lists_runtime_points);
    tcase_add_test(tc, catalog_find_by_concrete_name);
    tcase_add_test(tc, catalog_register_adds_points);
    tcase_add_test(tc, catalog_register_rejects);
    tcase_add_test(tc, libfiu_sees_armed_points);
    suite_add_tcase(s, tc);
    return s;
}
