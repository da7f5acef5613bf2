/* load.c — loading a scenario file: the sandbox it runs in, scenario { }
 * (which ties a target, load, faults and checks together and checks them
 * against each other), the file's result, and calls into Lua afterwards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "harness/load_int.h"

#define SCENARIOS_MAX 1000
#define LIST_MAX 1000

/* ---------------------------------------------------------------- scenario { } */

/* A list field of the scenario whose entries must be values of one type:
 * its length, the list left on the stack (nil when absent). */
static int value_list(gt__ctx *c, const char *key, gt__vtype type, const char *what)
{
    if (!gt__ld_field(c, key)) {
        lua_pushnil(c->L);
        return 0;
    }
    int n = gt__ld_list(c, -1, key, LIST_MAX);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(c->L, -1, i);
        gt__val *v = gt__ld_val_test(c->L, -1);
        if (!v || v->type != type) {
            char got[80], k[32];
            gt__ld_describe(c->L, -1, got, sizeof got);
            snprintf(k, sizeof k, "%s[%d]", key, i);
            gt__ld_fail(c, k, "expected %s (got %s)", what, got);
        }
        lua_pop(c->L, 1);
    }
    return n;
}

/* A new array of n elements of size sz, alive as long as the state. */
static void *array_new(lua_State *L, int n, size_t sz)
{
    if (n == 0)
        return NULL;
    void *a = lua_newuserdatauv(L, (size_t)n * sz, 0);
    memset(a, 0, (size_t)n * sz);
    gt__box_anchor(L, -1);
    lua_pop(L, 1);
    return a;
}

static void read_ident(gt__ctx *c, gt_scenario *sc)
{
    static const char *const modes[] = {"sim", "real"};
    gt__ld_need(c, "name");
    sc->name = gt__ld_str(c, -1, "name", 200);
    lua_pop(c->L, 1);
    bool ok = sc->name[0] != '\0';
    for (const char *p = sc->name; *p; p++)
        ok = ok && (unsigned char)*p >= ' ' && *p != 127;
    if (!ok)
        gt__ld_fail(c, "name", "must be 1 to 200 printable characters");
    sc->description = "";
    if (gt__ld_field(c, "description")) {
        sc->description = gt__ld_str(c, -1, "description", 4000);
        lua_pop(c->L, 1);
    }
    if (gt__ld_field(c, "seed")) {
        sc->seed = (uint64_t)gt__ld_int(c, -1, "seed", 1, INT64_MAX);
        sc->has_seed = true;
        lua_pop(c->L, 1);
    }
    if (gt__ld_field(c, "mode")) {
        sc->mode = gt__ld_enum(c, -1, "mode", modes, 2) ? GT_MODE_REAL : GT_MODE_SIM;
        sc->has_mode = true;
        lua_pop(c->L, 1);
    }
}

/* tags = { "smoke", "pool" }: words without blanks. */
static void read_tags(gt__ctx *c, gt_scenario *sc)
{
    if (!gt__ld_field(c, "tags"))
        return;
    sc->ntags = gt__ld_list(c, -1, "tags", 64);
    sc->tags = array_new(c->L, sc->ntags, sizeof *sc->tags);
    for (int i = 0; i < sc->ntags; i++) {
        char k[32];
        snprintf(k, sizeof k, "tags[%d]", i + 1);
        lua_rawgeti(c->L, -1, i + 1);
        const char *t = gt__ld_str(c, -1, k, 64);
        bool ok = *t != '\0';
        for (const char *p = t; *p; p++)
            ok = ok && (unsigned char)*p > ' ' && *p != 127 && *p != ',';
        if (!ok)
            gt__ld_fail(c, k, "expected a word without blanks or commas (got \"%s\")", t);
        sc->tags[i] = t;
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
}

static void read_parts(gt__ctx *c, gt_scenario *sc)
{
    char got[80];
    if (!gt__ld_field(c, "target"))
        gt__ld_fail(c, "target", "required (pool { ... } or pipeline { ... })");
    gt__val *v = gt__ld_val_test(c->L, -1);
    gt__ld_describe(c->L, -1, got, sizeof got);
    if (!v || v->type != GT__V_TARGET)
        gt__ld_fail(c, "target", "expected pool { } or pipeline { } (got %s)", got);
    sc->target = v->u.target;
    sc->target.pipeline.stages = sc->target.stages; /* its own copy */
    lua_pop(c->L, 1);
    if (gt__ld_field(c, "load")) {
        v = gt__ld_val_test(c->L, -1);
        gt__ld_describe(c->L, -1, got, sizeof got);
        if (!v || v->type != GT__V_LOAD)
            gt__ld_fail(c, "load", "expected open_loop { } or closed_loop { } (got %s)", got);
        sc->load = v->u.load;
        lua_pop(c->L, 1);
    }
    if (gt__ld_field(c, "script")) {
        if (lua_type(c->L, -1) != LUA_TFUNCTION) {
            gt__ld_describe(c->L, -1, got, sizeof got);
            gt__ld_fail(c, "script", "expected a function(t) ... end (got %s)", got);
        }
        sc->script_ref = luaL_ref(c->L, LUA_REGISTRYINDEX);
    }
    if (!sc->load.on && sc->script_ref == LUA_NOREF)
        gt__ld_fail(c, NULL, "needs a load or a script");
}

static void read_times(gt__ctx *c, gt_scenario *sc)
{
    sc->duration = gt__ld_opt_dur(c, "duration", 0);
    sc->sample = gt__ld_opt_dur(c, "sample", GR_MS(10));
    if (sc->sample < GR_US(100))
        gt__ld_fail(c, "sample", "must be >= 100us");
    sc->grace = gt__ld_opt_dur(c, "grace", GR_S(1));
}

/* Each fault, checked against the points of this scenario's world. */
static void read_faults(gt__ctx *c, gt_scenario *sc)
{
    sc->nfaults = value_list(c, "faults", GT__V_FAULT, "a fault such as delay { }");
    sc->faults = array_new(c->L, sc->nfaults, sizeof *sc->faults);
    for (int i = 0; i < sc->nfaults; i++) {
        lua_rawgeti(c->L, -1, i + 1);
        gt__val *v = gt__ld_val_test(c->L, -1);
        sc->faults[i] = v->u.fault;
        char msg[400];
        int rc = gt__fault_check(sc, &sc->faults[i], msg, sizeof msg);
        if (rc == -ENOMEM)
            gt__box_nomem(c->L);
        if (rc < 0) {
            gt__ctx fc = {.L = c->L, .ctor = v->ctor, .src = v->src, .line = v->line};
            gt__ld_fail(&fc, NULL, "%s", msg);
        }
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
}

/* A check that needs something of the scenario: its queue, faults. */
static void check_fits(gt__ctx *c, const gt_scenario *sc, const gt_check_spec *ck, gt__val *v)
{
    gt__ctx cc = {.L = c->L, .ctor = v->ctor, .src = v->src, .line = v->line};
    if (ck->kind == GT_CHECK_BOUNDED_QUEUE) {
        const char *q[SVC_STAGES_MAX];
        int n = gt__ld_queues(&sc->target, q);
        for (int k = 0; k < n; k++)
            if (strcmp(q[k], ck->chan) == 0)
                return;
        const char *near = gt__suggest(ck->chan, q, (size_t)n);
        if (near)
            gt__ld_fail(&cc, "queue", "unknown queue \"%s\" (did you mean \"%s\"?)", ck->chan, near);
        char list[SVC_STAGES_MAX * (GR_NAME_MAX + 4)] = "";
        for (int k = 0; k < n; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", k ? ", " : "", q[k]);
        gt__ld_fail(&cc, "queue", "unknown queue \"%s\" (the target's queues: %s)", ck->chan, list);
    }
    if (ck->kind == GT_CHECK_RECOVERY_WITHIN && !sc->nfaults && sc->script_ref == LUA_NOREF)
        gt__ld_fail(&cc, NULL, "the scenario has no faults to recover from");
}

static void read_checks(gt__ctx *c, gt_scenario *sc)
{
    sc->nchecks = value_list(c, "checks", GT__V_CHECK, "a check such as no_lost_jobs()");
    sc->checks = array_new(c->L, sc->nchecks, sizeof *sc->checks);
    for (int i = 0; i < sc->nchecks; i++) {
        lua_rawgeti(c->L, -1, i + 1);
        gt__val *v = gt__ld_val_test(c->L, -1);
        gt_check_spec *ck = &sc->checks[i];
        *ck = v->u.check;
        check_fits(c, sc, ck, v);
        for (int k = 0; k < i; k++)
            if (strcmp(sc->checks[k].label, ck->label) == 0) {
                char key[32];
                snprintf(key, sizeof key, "checks[%d]", i + 1);
                gt__ld_fail(c, key, "\"%s\" is listed twice (checks[%d])", ck->label, k + 1);
            }
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
}

static int ctor_scenario(lua_State *L)
{
    static const char *const keys[] = {"name", "description", "tags", "seed", "mode", "target",
                                       "load", "faults", "checks", "script", "duration",
                                       "sample", "grace", NULL};
    gt__ctx c;
    gt__ld_begin(&c, L, "scenario");
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_SCENARIO);
    gt_scenario *sc = &v->u.scn;
    sc->file = gt__box_of(L)->path;
    sc->line = c.line;
    sc->script_ref = LUA_NOREF;
    read_ident(&c, sc);
    read_tags(&c, sc);
    read_parts(&c, sc);
    read_times(&c, sc);
    read_faults(&c, sc);
    read_checks(&c, sc);
    if (sc->target.front.bugs && !(sc->load.on && sc->load.via_front) && sc->script_ref == LUA_NOREF)
        gt__ld_fail(&c, "target", "bugs: no_dedupe is a bug of the front, and nothing goes "
                                  "through it (give the load via = \"front\")");
    return 1;
}

/* ---------------------------------------------------------------- the file */

/* The chunk's result, at idx: one scenario or a list of them, with
 * distinct names, into f. */
static void collect(lua_State *L, gt_file *f, int idx)
{
    gt__val *one = gt__ld_val_test(L, idx);
    bool list = !one && lua_type(L, idx) == LUA_TTABLE;
    int n = one && one->type == GT__V_SCENARIO ? 1 : list ? (int)lua_rawlen(L, idx) : 0;
    lua_Unsigned count = 0;
    for (lua_pushnil(L); list && lua_next(L, idx); lua_pop(L, 1)) {
        gt__val *v = gt__ld_val_test(L, -1);
        count++;
        n = v && v->type == GT__V_SCENARIO && lua_isinteger(L, -2) ? n : 0;
    }
    if (n == 0 || (list && count != (lua_Unsigned)n))
        luaL_error(L, "%s: must return scenario { ... } or a list of them", f->path);
    if (n > SCENARIOS_MAX)
        luaL_error(L, "%s: at most %d scenarios in a file (got %d)", f->path, SCENARIOS_MAX, n);
    f->scn = array_new(L, n, sizeof *f->scn);
    for (int i = 0; i < n; i++) {
        if (list)
            lua_rawgeti(L, idx, i + 1);
        gt__val *v = list ? gt__ld_val_test(L, -1) : one;
        gt_scenario *sc = &f->scn[i];
        *sc = v->u.scn;
        if (sc->target.kind == GT_TARGET_PIPELINE)
            sc->target.pipeline.stages = sc->target.stages;
        for (int k = 0; k < i; k++)
            if (strcmp(f->scn[k].name, sc->name) == 0) {
                gt__ctx c = {.L = L, .ctor = "scenario", .src = v->src, .line = v->line};
                gt__ld_fail(&c, "name", "\"%s\" is used twice in this file (also at line %d)",
                            sc->name, f->scn[k].line);
            }
        if (list)
            lua_pop(L, 1);
    }
    f->n = n;
}

/* Protected: run the file (light userdata 1: the gt_file). */
static int load_main(lua_State *L)
{
    gt_file *f = lua_touserdata(L, 1);
    errno = 0;
    if (luaL_loadfilex(L, f->path, "t") != LUA_OK) {
        if (errno == ENOMEM)
            gt__box_nomem(L);
        const char *msg = lua_tostring(L, -1);
        if (strncmp(msg, "attempt to load", 15) == 0 || strncmp(msg, "cannot ", 7) == 0)
            lua_pushfstring(L, "%s: %s", f->path, msg);
        return lua_error(L);
    }
    lua_call(L, 0, 1);
    collect(L, f, lua_gettop(L));
    return 0;
}

/* The harness's globals, registered in the sandbox. */
static int open_globals(lua_State *L)
{
    gt__ld_val_init(L);
    gt__ld_open_target(L);
    gt__ld_open_fault(L);
    gt__ld_open_check(L);
    lua_register(L, "scenario", ctor_scenario);
    return 0;
}

/* The directory of path: "." when it has none. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int gt__file_load(gt_file **out, const char *path, const char *root, char *err, size_t errlen)
{
    if (!out || !path || !*path)
        return snprintf(err, errlen, "path: required"), -EINVAL;
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return e == ENOMEM ? -ENOMEM : -EINVAL;
    }
    fclose(fp);
    gt_file *f = calloc(1, sizeof *f);
    gt__box *b = calloc(1, sizeof *b);
    if (!f || !b || svc_register_points() < 0 || !(b->path = strdup(path)) ||
        !(b->root = root && *root ? strdup(root) : dir_of(path))) {
        if (b)
            free(b->path), free(b->root);
        free(b), free(f);
        return snprintf(err, errlen, "%s: out of memory", path), -ENOMEM;
    }
    f->path = b->path;
    f->priv = b;
    int rc = gt__box_open(&f->L, b, open_globals, err, errlen);
    if (rc == 0) {
        lua_pushcfunction(f->L, load_main);
        lua_pushlightuserdata(f->L, f);
        rc = gt__box_pcall(f->L, 1, 0, false, err, errlen);
    }
    if (rc < 0) {
        gt__file_release(f);
        return rc;
    }
    *out = f;
    return 0;
}

void gt__file_release(gt_file *f)
{
    if (!f)
        return;
    gt__box_close(f->L);
    gt__box *b = f->priv;
    if (b)
        free(b->path), free(b->root);
    free(b);
    free(f);
}

/* ---------------------------------------------------------------- calls */

int gt__lua_call(gt_file *f, int ref, char *err, size_t errlen)
{
    lua_State *L = f->L;
    if (lua_gettop(L) < 1)
        return snprintf(err, errlen, "%s: gt__lua_call: no argument on the stack", f->path), -EINVAL;
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, ref) != LUA_TFUNCTION) {
        lua_pop(L, 2);
        return snprintf(err, errlen, "%s: gt__lua_call: ref %d is not a function", f->path, ref),
               -EINVAL;
    }
    lua_insert(L, -2);
    return gt__box_pcall(L, 1, 1, true, err, errlen);
}

/* "file:line: expected <what> (got ...)" for the value at idx. */
static int not_a(gt_file *f, int idx, const char *what, char *err, size_t errlen)
{
    char where[LUA_IDSIZE + 32], got[80];
    gt__box_where(f->L, 0, where, sizeof where, NULL);
    gt__ld_describe(f->L, idx, got, sizeof got);
    if (where[0])
        snprintf(err, errlen, "%s expected %s (got %s)", where, what, got);
    else
        snprintf(err, errlen, "%s: expected %s (got %s)", f->path, what, got);
    return -EINVAL;
}

int gt__fault_from_lua(gt_file *f, int idx, gt_fault_spec *out, char *err, size_t errlen)
{
    const gt__val *v = gt__ld_val_test(f->L, idx);
    if (!v || v->type != GT__V_FAULT)
        return not_a(f, idx, "a fault such as delay { ... } or error { ... }", err, errlen);
    *out = v->u.fault;
    return 0;
}

int gt__load_from_lua(gt_file *f, int idx, gt_load_spec *out, char *err, size_t errlen)
{
    const gt__val *v = gt__ld_val_test(f->L, idx);
    if (!v || v->type != GT__V_LOAD)
        return not_a(f, idx, "open_loop { ... } or closed_loop { ... }", err, errlen);
    *out = v->u.load;
    return 0;
}
