/* test_alloc.c — inject's constructors under allocation failure: each
 * failed allocation is a clean error (-ENOMEM, or -EIO where libfiu's own
 * allocation failed), nothing leaked, the injector still works. */
#include "tests/inject/injutil.h"
#include "tests/sweep.h"

static int mk_inj(void **o)
{
    return inj_create((inj **)o, gr_current(), &(inj_opts){.seed = 1});
}

static void fr_inj(void *o) { inj_release(o); }

static inj *armed_on;

static int mk_fault(void **o)
{
    inj_spec sp = spec("chan/jobs/*", INJ_DELAY);
    sp.by = GR_MS(1);
    int h = inj_arm(armed_on, &sp, NULL, 0);
    *o = (void *)(intptr_t)h;
    return h < 0 ? h : 0;
}

static void fr_fault(void *o) { inj_disarm(armed_on, (int)(intptr_t)o); }

static void inj_main(void *arg)
{
    int *injected = arg;
    const inj_point_def *c;
    inj_catalog(&c); /* built on first use (falling back to the static
                        runtime table if that allocation fails): not part
                        of the operations swept */
    *injected = sweep(mk_inj, fr_inj, 0);
    armed_on = tu_inj(1, 0);
    injected[1] = sweep(mk_fault, fr_fault, -EIO);
    /* still works: a fault armed after the sweep fires */
    inj_spec sp = spec("chan/jobs/send", INJ_ERROR);
    sp.err = EIO;
    TCHECK(inj_arm(armed_on, &sp, NULL, 0) > 0, 1);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 1;
    TCHECK(gr_chan_send(ch, &v), -EIO);
    inj_release(armed_on);
}

START_TEST(constructors_fail_cleanly)
{
    int injected[2] = {0, 0};
    sim_ok(inj_main, injected);
    if (af_available()) {
        ck_assert_int_ge(injected[0], 1);
        ck_assert_int_ge(injected[1], 2);
    }
}
END_TEST

Suite *suite_inject_alloc(void)
{
    Suite *s = suite_create("inject_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_add_test(tc, constructors_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
