/* load_check.c — the check constructors of GT_CHECKS (no_leaked_tasks(),
 * max_tasks(n), recovery_within(d, { ... }), check(name, fn), ...): their
 * arguments, defaults and the labels reports show. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "harness/load_int.h"

#define GT__X(id, name, params, text) name,
static const char *const check_names[] = {GT_CHECKS(GT__X)};
#undef GT__X
#define GT__X(id, name, text) name,
static const char *const metric_names[] = {GT_METRICS(GT__X)};
static const char *const phase_names[] = {GT_PHASES(GT__X)};
#undef GT__X

#define LABEL_MAX 200

/* Begin a check constructor: upvalue 1 is its kind; at most nargs
 * arguments. Pushes the new value (at index nargs + 1 or above). */
static gt_check_spec *check_begin(gt__ctx *c, lua_State *L, int nargs)
{
    gt_check_kind k = (gt_check_kind)lua_tointeger(L, lua_upvalueindex(1));
    gt__ld_begin(c, L, check_names[k]);
    gt__ld_nargs(c, nargs);
    lua_settop(L, nargs);
    gt__val *v = gt__ld_val_new(c, GT__V_CHECK);
    gt_check_spec *ck = &v->u.check;
    ck->kind = k;
    ck->fn_ref = LUA_NOREF;
    ck->line = c->line;
    ck->label = check_names[k];
    return ck;
}

__attribute__((format(printf, 3, 4))) static void set_label(gt__ctx *c, gt_check_spec *ck,
                                                            const char *fmt, ...)
{
    char buf[LABEL_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lua_pushstring(c->L, buf);
    ck->label = gt__box_anchor(c->L, -1);
    lua_pop(c->L, 1);
}

/* A duration argument that must be > 0; its text in *buf. */
static int64_t dur_arg(gt__ctx *c, int idx, const char *key, char *buf, size_t len)
{
    int64_t d = gt__ld_dur(c, idx, key);
    if (d <= 0)
        gt__ld_fail(c, key, "must be > 0");
    gt__ld_fmt_dur(buf, len, d);
    return d;
}

/* The options table at idx, when given: c->t, its keys checked. */
static bool opts_arg(gt__ctx *c, int idx, const char *const *keys)
{
    if (lua_isnoneornil(c->L, idx))
        return false;
    if (lua_type(c->L, idx) != LUA_TTABLE) {
        char got[80];
        gt__ld_describe(c->L, idx, got, sizeof got);
        gt__ld_fail(c, NULL, "options: expected a table { ... } (got %s)", got);
    }
    c->t = lua_absindex(c->L, idx);
    gt__ld_keys(c, keys);
    return true;
}

/* ---------------------------------------------------------------- constructors */

/* no_leaked_tasks(), no_lost_jobs(), exactly_once(), no_deadlock(),
 * no_panics() */
static int ctor_plain(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 0);
    set_label(&c, ck, "%s()", ck->label);
    return 1;
}

static int ctor_max_tasks(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 1);
    int64_t n = gt__ld_int(&c, 1, "n", 1, 1000000000);
    ck->x = (double)n;
    set_label(&c, ck, "max_tasks(%lld)", (long long)n);
    return 1;
}

/* The queue's name is checked against the target by scenario { }. */
static int ctor_bounded_queue(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 2);
    ck->chan = gt__ld_name(&c, 1, "queue");
    int64_t n = gt__ld_int(&c, 2, "n", 0, 1000000000);
    ck->x = (double)n;
    set_label(&c, ck, "bounded_queue(%s, %lld)", ck->chan, (long long)n);
    return 1;
}

static int ctor_recovery_within(lua_State *L)
{
    static const char *const keys[] = {"metric", "tolerance", "hold", NULL};
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 2);
    char d[32], hold[32], more[128] = "";
    ck->d = dur_arg(&c, 1, "d", d, sizeof d);
    ck->metric = GT_METRIC_THROUGHPUT;
    ck->tolerance = 0.10;
    ck->hold = GR_MS(200);
    if (opts_arg(&c, 2, keys)) {
        if (gt__ld_field(&c, "metric")) {
            ck->metric = (gt_metric)gt__ld_enum(&c, -1, "metric", metric_names, GT_METRIC__COUNT);
            lua_pop(L, 1);
            snprintf(more, sizeof more, ", %s", metric_names[ck->metric]);
        }
        ck->tolerance = gt__ld_opt_num(&c, "tolerance", 0.10, 0, 10);
        if (ck->tolerance <= 0)
            gt__ld_fail(&c, "tolerance", "must be > 0 (a fraction of the baseline, like 0.1)");
        if (ck->tolerance != 0.10)
            snprintf(more + strlen(more), sizeof more - strlen(more), ", tolerance=%g", ck->tolerance);
        ck->hold = gt__ld_opt_dur(&c, "hold", GR_MS(200));
        gt__ld_fmt_dur(hold, sizeof hold, ck->hold);
        if (ck->hold != GR_MS(200))
            snprintf(more + strlen(more), sizeof more - strlen(more), ", hold=%s", hold);
    }
    set_label(&c, ck, "recovery_within(%s%s)", d, more);
    return 1;
}

static int ctor_p99_below(lua_State *L)
{
    static const char *const keys[] = {"phase", NULL};
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 2);
    char d[32];
    ck->d = dur_arg(&c, 1, "d", d, sizeof d);
    ck->phase = GT_PHASE_ALL;
    if (opts_arg(&c, 2, keys) && gt__ld_field(&c, "phase")) {
        ck->phase = (gt_phase)gt__ld_enum(&c, -1, "phase", phase_names, GT_PHASE__COUNT);
        lua_pop(L, 1);
    }
    if (ck->phase == GT_PHASE_ALL)
        set_label(&c, ck, "p99_below(%s)", d);
    else
        set_label(&c, ck, "p99_below(%s, %s)", d, phase_names[ck->phase]);
    return 1;
}

static int ctor_error_rate_below(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 1);
    ck->x = gt__ld_num(&c, 1, "x", 0, 1);
    if (ck->x <= 0) /* "below 0" can never hold */
        gt__ld_fail(&c, "x", "must be > 0 (got %g)", ck->x);
    set_label(&c, ck, "error_rate_below(%g)", ck->x);
    return 1;
}

/* drains_within(d), cancel_propagates_within(d) */
static int ctor_within(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 1);
    char d[32];
    ck->d = dur_arg(&c, 1, "d", d, sizeof d);
    set_label(&c, ck, "%s(%s)", ck->label, d);
    return 1;
}

/* check(name, function(run) ... end) */
static int ctor_custom(lua_State *L)
{
    gt__ctx c;
    gt_check_spec *ck = check_begin(&c, L, 2);
    ck->label = gt__ld_str(&c, 1, "name", LABEL_MAX);
    if (!ck->label[0])
        gt__ld_fail(&c, "name", "must not be empty");
    if (lua_type(L, 2) != LUA_TFUNCTION) {
        char got[80];
        gt__ld_describe(L, 2, got, sizeof got);
        gt__ld_fail(&c, "fn", "expected a function(run) ... end (got %s)", got);
    }
    lua_pushvalue(L, 2);
    ck->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

void gt__ld_open_check(lua_State *L)
{
    static const lua_CFunction ctors[GT_CHECK__COUNT] = {
        [GT_CHECK_NO_LEAKED_TASKS] = ctor_plain,
        [GT_CHECK_NO_LOST_JOBS] = ctor_plain,
        [GT_CHECK_EXACTLY_ONCE] = ctor_plain,
        [GT_CHECK_MAX_TASKS] = ctor_max_tasks,
        [GT_CHECK_BOUNDED_QUEUE] = ctor_bounded_queue,
        [GT_CHECK_RECOVERY_WITHIN] = ctor_recovery_within,
        [GT_CHECK_P99_BELOW] = ctor_p99_below,
        [GT_CHECK_ERROR_RATE_BELOW] = ctor_error_rate_below,
        [GT_CHECK_DRAINS_WITHIN] = ctor_within,
        [GT_CHECK_CANCEL_PROPAGATES_WITHIN] = ctor_within,
        [GT_CHECK_NO_DEADLOCK] = ctor_plain,
        [GT_CHECK_NO_PANICS] = ctor_plain,
        [GT_CHECK_CUSTOM] = ctor_custom,
    };
    for (int k = 0; k < GT_CHECK__COUNT; k++) {
        lua_pushinteger(L, k);
        lua_pushcclosure(L, ctors[k], 1);
        lua_setglobal(L, check_names[k]);
    }
}
