/* load_fault.c — the fault constructors (delay { }, error { }, full { },
 * block { }, drop { }, short { }, spawn_fail { }): their keys, errno
 * names, and the fail points they may aim at — the catalog's, and then the
 * ones a scenario's world really has. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "harness/load_int.h"

#define POINT_MAX 95 /* inj_event keeps 96 bytes of a point's name */

/* ---------------------------------------------------------------- errno names */

static const struct { const char *name; int err; } errnos[] = {
    {"EIO", EIO}, {"ETIMEDOUT", ETIMEDOUT}, {"ECONNRESET", ECONNRESET},
    {"ECONNREFUSED", ECONNREFUSED}, {"ECONNABORTED", ECONNABORTED}, {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM}, {"EPIPE", EPIPE}, {"EPROTO", EPROTO}, {"ECANCELED", ECANCELED},
    {"EBUSY", EBUSY}, {"ENOSPC", ENOSPC}, {"EINVAL", EINVAL}, {"ENOENT", ENOENT},
    {"EEXIST", EEXIST}, {"EPERM", EPERM}, {"EACCES", EACCES}, {"EINTR", EINTR},
    {"EBADF", EBADF}, {"EMFILE", EMFILE}, {"ENFILE", ENFILE}, {"ENOBUFS", ENOBUFS},
    {"ENOTCONN", ENOTCONN}, {"ESHUTDOWN", ESHUTDOWN}, {"ENETDOWN", ENETDOWN},
    {"ENETUNREACH", ENETUNREACH}, {"EHOSTUNREACH", EHOSTUNREACH}, {"EADDRINUSE", EADDRINUSE},
    {"EDEADLK", EDEADLK}, {"ERANGE", ERANGE}, {"EOVERFLOW", EOVERFLOW}, {"ENOSYS", ENOSYS},
    {"EMSGSIZE", EMSGSIZE}, {"EROFS", EROFS}, {"EDQUOT", EDQUOT}, {"ESTALE", ESTALE},
};
#define NERRNOS (sizeof errnos / sizeof errnos[0])

/* err = "EIO" (a name above) or a positive errno. */
static int read_errno(gt__ctx *c, int def)
{
    if (!gt__ld_field(c, "err"))
        return def;
    int e = 0;
    if (lua_type(c->L, -1) == LUA_TNUMBER) {
        e = (int)gt__ld_int(c, -1, "err", 1, 4095);
    } else if (lua_type(c->L, -1) == LUA_TSTRING) {
        const char *s = lua_tostring(c->L, -1), *names[NERRNOS];
        for (size_t i = 0; i < NERRNOS; i++)
            if (strcmp(s, (names[i] = errnos[i].name)) == 0)
                e = errnos[i].err;
        const char *near = e ? NULL : gt__suggest(s, names, NERRNOS);
        if (!e && near)
            gt__ld_fail(c, "err", "unknown errno \"%.40s\" (did you mean \"%s\"?)", s, near);
        if (!e)
            gt__ld_fail(c, "err", "unknown errno \"%.40s\" (a name like \"EIO\", or a number)", s);
    } else {
        char got[80];
        gt__ld_describe(c->L, -1, got, sizeof got);
        gt__ld_fail(c, "err", "expected an errno name like \"EIO\" or a number (got %s)", got);
    }
    lua_pop(c->L, 1);
    return e;
}

/* ---------------------------------------------------------------- catalog */

/* Can a name that starts with prefix s match catalogued pattern p? (as
 * inject's own check of a spec's pattern) */
static bool pattern_prefix(const char *p, const char *s)
{
    for (; *s; p++, s++) {
        if (*p == '\0')
            return false;
        if (*p == '<')
            return true;
        if (*p != *s)
            return false;
    }
    return true;
}

/* The kinds the catalog accepts at point (a name, or a prefix and '*'). */
static unsigned catalog_kinds(const char *point)
{
    size_t len = strlen(point);
    if (!len || point[len - 1] != '*') {
        const inj_point_def *d = inj_catalog_find(point);
        return d ? d->kinds : 0;
    }
    char prefix[POINT_MAX + 1];
    snprintf(prefix, sizeof prefix, "%.*s", (int)len - 1, point);
    const inj_point_def *cat;
    size_t n = inj_catalog(&cat);
    unsigned kinds = 0;
    for (size_t i = 0; i < n; i++)
        if (pattern_prefix(cat[i].pattern, prefix))
            kinds |= cat[i].kinds;
    return kinds;
}

/* Segment i of a '/'-separated name: its start, its length in *len. */
static const char *segment(const char *s, int i, size_t *len)
{
    for (; i > 0 && s; i--)
        if ((s = strchr(s, '/')))
            s++;
    if (s)
        *len = strcspn(s, "/");
    return s;
}

static int segments(const char *s)
{
    int n = 1;
    while ((s = strchr(s, '/')))
        n++, s++;
    return n;
}

/* A near name in the catalog: each pattern with the same number of
 * segments, its <placeholders> filled from point's ("chan/jobs/sned" ->
 * "chan/jobs/send"). */
static bool catalog_near(const char *point, char *out, size_t len)
{
    const inj_point_def *cat;
    size_t n = inj_catalog(&cat), k = 0;
    char cands[32][POINT_MAX + 1];
    const char *ptrs[32];
    int nseg = segments(point);
    for (size_t i = 0; i < n && k < 32; i++) {
        if (segments(cat[i].pattern) != nseg)
            continue;
        char *o = cands[k];
        size_t room = sizeof cands[k];
        o[0] = '\0';
        for (int j = 0; j < nseg; j++) {
            size_t pl, sl;
            const char *ps = segment(cat[i].pattern, j, &pl), *ss = segment(point, j, &sl);
            bool hole = ps[0] == '<';
            size_t used = strlen(o);
            snprintf(o + used, room - used, "%s%.*s", j ? "/" : "", (int)(hole ? sl : pl),
                     hole ? ss : ps);
        }
        ptrs[k] = cands[k];
        k++;
    }
    const char *near = gt__suggest(point, ptrs, k);
    if (near)
        snprintf(out, len, "%s", near);
    return near != NULL;
}

static const char *kinds_text(unsigned kinds, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int k = 0; k < INJ_KIND__COUNT; k++)
        if (kinds & INJ_BIT(k))
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     inj_kind_name((inj_kind)k));
    return buf;
}

/* point = "net/dep/read", or a prefix and '*': known to the catalog, taking
 * this kind. */
static const char *read_point(gt__ctx *c, inj_kind kind)
{
    gt__ld_need(c, "point");
    const char *p = gt__ld_str(c, -1, "point", POINT_MAX);
    lua_pop(c->L, 1);
    const char *star = strchr(p, '*');
    bool ok = *p != '\0' && (!star || star[1] == '\0');
    for (const char *s = p; *s; s++)
        ok = ok && *s > ' ' && *s < 127;
    if (!ok)
        gt__ld_fail(c, "point", "expected a point name like \"net/dep/read\", or a prefix and '*' "
                                "(got \"%s\")", p);
    unsigned kinds = catalog_kinds(p);
    char near[POINT_MAX + 1], ks[128];
    if (!kinds && !star && catalog_near(p, near, sizeof near))
        gt__ld_fail(c, "point", "unknown fault point \"%s\" (did you mean \"%s\"?)", p, near);
    if (!kinds)
        gt__ld_fail(c, "point", "unknown fault point \"%s\" (`gauntlet points` lists them)", p);
    if (!(kinds & INJ_BIT(kind)))
        gt__ld_fail(c, "point", "%s is not accepted at \"%s\" (it accepts %s)", inj_kind_name(kind),
                    p, kinds_text(kinds, ks, sizeof ks));
    return p;
}

/* ---------------------------------------------------------------- constructors */

static const char *const kind_keys[INJ_KIND__COUNT][4] = {
    [INJ_DELAY] = {"by", "jitter", "dist", NULL},
    [INJ_ERROR] = {"err", NULL},
    [INJ_FULL] = {NULL},
    [INJ_BLOCK] = {NULL},
    [INJ_DROP] = {"phase", NULL},
    [INJ_SHORT] = {"bytes", NULL},
    [INJ_SPAWN_FAIL] = {"err", NULL},
};

static void read_kind_params(gt__ctx *c, inj_spec *sp)
{
    static const char *const dists[] = {"fixed", "uniform", "exponential"};
    static const char *const phases[] = {"before", "mid", "after"};
    switch (sp->kind) {
    case INJ_DELAY:
        gt__ld_need(c, "by");
        sp->by = gt__ld_dur(c, -1, "by");
        lua_pop(c->L, 1);
        sp->jitter = gt__ld_opt_dur(c, "jitter", 0);
        sp->dist = sp->jitter ? INJ_DIST_UNIFORM : INJ_DIST_FIXED;
        if (gt__ld_field(c, "dist")) {
            sp->dist = (inj_dist)gt__ld_enum(c, -1, "dist", dists, 3);
            lua_pop(c->L, 1);
        }
        if (sp->dist == INJ_DIST_FIXED && sp->jitter)
            gt__ld_fail(c, "dist", "\"fixed\" takes no jitter (use \"uniform\" or \"exponential\")");
        break;
    case INJ_ERROR:
    case INJ_SPAWN_FAIL:
        sp->err = read_errno(c, sp->kind == INJ_ERROR ? EIO : EAGAIN);
        break;
    case INJ_DROP:
        if (gt__ld_field(c, "phase")) {
            sp->phase = (inj_phase)gt__ld_enum(c, -1, "phase", phases, 3);
            lua_pop(c->L, 1);
        }
        break;
    case INJ_SHORT:
        gt__ld_need(c, "bytes");
        sp->bytes = gt__ld_int(c, -1, "bytes", 0, INT32_MAX);
        lua_pop(c->L, 1);
        break;
    default:
        break;
    }
}

static void read_activation(gt__ctx *c, inj_spec *sp)
{
    sp->p = gt__ld_opt_num(c, "p", 1, 0, 1);
    sp->nth = (uint64_t)gt__ld_opt_int(c, "nth", 0, 1, INT64_MAX);
    sp->first = (uint64_t)gt__ld_opt_int(c, "first", 0, 1, INT64_MAX);
    sp->max = (uint64_t)gt__ld_opt_int(c, "max", 0, 1, INT64_MAX);
    sp->from = gt__ld_opt_dur(c, "from", 0);
    if (gt__ld_field(c, "to")) {
        sp->to = gt__ld_dur(c, -1, "to");
        lua_pop(c->L, 1);
        char f[32], t[32];
        gt__ld_fmt_dur(f, sizeof f, sp->from);
        gt__ld_fmt_dur(t, sizeof t, sp->to);
        if (sp->to <= sp->from)
            gt__ld_fail(c, "to", "must be after from (%s) (got %s)", f, t);
    }
}

/* A fault constructor: upvalue 1 is its kind. */
static int ctor_fault(lua_State *L)
{
    inj_kind kind = (inj_kind)lua_tointeger(L, lua_upvalueindex(1));
    const char *keys[16] = {"point", "p", "nth", "first", "max", "from", "to"};
    for (int i = 0; kind_keys[kind][i]; i++)
        keys[7 + i] = kind_keys[kind][i];
    gt__ctx c;
    gt__ld_begin(&c, L, inj_kind_name(kind));
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_FAULT);
    inj_spec *sp = &v->u.fault.spec;
    *sp = INJ_SPEC_INIT;
    sp->kind = kind;
    v->u.fault.line = c.line;
    sp->point = read_point(&c, kind);
    read_kind_params(&c, sp);
    read_activation(&c, sp);
    return 1;
}

/* error: error { point = ... } makes a fault; anything else is Lua's
 * error(message [, level]), which it replaces. */
static int ctor_error(lua_State *L)
{
    if (lua_gettop(L) == 1 && lua_type(L, 1) == LUA_TTABLE) {
        if (!lua_getmetatable(L, 1))
            return ctor_fault(L); /* upvalue 1 is INJ_ERROR */
        lua_pop(L, 1);
    }
    int level = (int)luaL_optinteger(L, 2, 1);
    lua_settop(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING && level > 0) {
        luaL_where(L, level);
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

void gt__ld_open_fault(lua_State *L)
{
    for (int k = 0; k < INJ_KIND__COUNT; k++) {
        lua_pushinteger(L, k);
        lua_pushcclosure(L, k == INJ_ERROR ? ctor_error : ctor_fault, 1);
        lua_setglobal(L, inj_kind_name((inj_kind)k));
    }
}

/* ---------------------------------------------------------------- the world's points */

#define NAMES_MAX 160

typedef struct point_set {
    char name[NAMES_MAX][POINT_MAX + 1];
    const char *ptr[NAMES_MAX];
    int n;
} point_set;

__attribute__((format(printf, 2, 3))) static void add(point_set *s, const char *fmt, ...)
{
    if (s->n < NAMES_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->name[s->n], sizeof s->name[0], fmt, ap);
        va_end(ap);
        s->ptr[s->n] = s->name[s->n];
        s->n++;
    }
}

static void add_tasks(point_set *s, const char *group, const char *const *names)
{
    for (; *names; names++)
        add(s, "task/spawn/%s.%s", group, *names);
}

/* Every point of the service the world of sc can reach, by the names the
 * service gives them (service/pool.c, pipeline.c, job.c, front.c, dep.c,
 * load.c: its channels and tasks). */
static void world_points(const gt_scenario *sc, point_set *s)
{
    static const char *const pool_tasks[] = {"worker", "part", "job", "drainer", "reaper",
                                             "sampler", NULL};
    static const char *const pipe_tasks[] = {"worker", "closer", "overseer", NULL};
    static const char *const front_tasks[] = {"conn", "acceptor", "waiter", NULL};
    static const char *const dep_tasks[] = {"handler", "acceptor", "waiter", NULL};
    static const char *const load_tasks[] = {"request", "client", "open", "closer", NULL};
    static const char *const net[] = {"accept", "connect", "read", "write", NULL};
    static const char *const chans[] = {"quit", "reply", "cancel", NULL};
    const gt_target_spec *t = &sc->target;
    const char *q[SVC_STAGES_MAX];
    int nq = gt__ld_queues(t, q);
    if (t->kind == GT_TARGET_POOL) {
        add(s, "svc/%s/exec", q[0]);
        add_tasks(s, "pool", pool_tasks);
    } else {
        for (int k = 0; k < nq; k++)
            add(s, "svc/%s/%s/process", t->pipeline.name ? t->pipeline.name : "pipeline", q[k]);
        add_tasks(s, "pipeline", pipe_tasks);
    }
    for (int k = 0; k < nq; k++)
        add(s, "chan/%s/send", q[k]), add(s, "chan/%s/recv", q[k]);
    for (int k = 0; chans[k]; k++)
        add(s, "chan/%s/send", chans[k]), add(s, "chan/%s/recv", chans[k]);
    add_tasks(s, "load", load_tasks);
    if (t->dep.on) {
        for (int k = 0; net[k]; k++)
            add(s, "net/dep/%s", net[k]);
        add_tasks(s, "dep", dep_tasks);
    }
    if ((sc->load.on && sc->load.via_front) || sc->script_ref != LUA_NOREF) {
        for (int k = 0; net[k]; k++)
            add(s, "net/front/%s", net[k]);
        add(s, "svc/front/request");
        add(s, "svc/front/execute");
        add(s, "svc/front/reply");
        add_tasks(s, "front", front_tasks);
    }
}

/* Why a point the catalog knows is missing from this world. */
static const char *missing_hint(const gt_scenario *sc, const char *p)
{
    if (!sc->target.dep.on && (strncmp(p, "net/dep/", 8) == 0 || strncmp(p, "task/spawn/dep.", 15) == 0))
        return " (the target has no dep = { ... })";
    if (strncmp(p, "net/front/", 10) == 0 || strncmp(p, "svc/front/", 10) == 0 ||
        strncmp(p, "task/spawn/front.", 17) == 0)
        return " (nothing goes through the front: give the load via = \"front\")";
    return " (this scenario's target has no such point)";
}

int gt__fault_check(const gt_scenario *sc, const gt_fault_spec *fs, char *err, size_t errlen)
{
    point_set *s = calloc(1, sizeof *s);
    if (!s)
        return snprintf(err, errlen, "point: out of memory"), -ENOMEM;
    world_points(sc, s);
    const char *p = fs->spec.point;
    size_t len = strlen(p);
    bool wild = len && p[len - 1] == '*';
    unsigned kinds = 0;
    for (int i = 0; i < s->n; i++)
        if (wild ? strncmp(s->name[i], p, len - 1) == 0 : strcmp(s->name[i], p) == 0) {
            const inj_point_def *d = inj_catalog_find(s->name[i]);
            kinds |= d ? d->kinds : 0;
        }
    int rc = -EINVAL;
    const char *near = wild || kinds ? NULL : gt__suggest(p, s->ptr, (size_t)s->n);
    char ks[128];
    if (kinds & INJ_BIT(fs->spec.kind))
        rc = 0;
    else if (kinds)
        snprintf(err, errlen, "point: %s is not accepted at \"%s\" (it accepts %s)",
                 inj_kind_name(fs->spec.kind), p, kinds_text(kinds, ks, sizeof ks));
    else if (wild)
        snprintf(err, errlen, "point: \"%s\" matches no point of this scenario's target", p);
    else if (near)
        snprintf(err, errlen, "point: unknown fault point \"%s\" (did you mean \"%s\"?)", p, near);
    else
        snprintf(err, errlen, "point: unknown fault point \"%s\"%s", p, missing_hint(sc, p));
    free(s);
    return rc;
}
