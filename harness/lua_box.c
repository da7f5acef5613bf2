/* lua_box.c — the Lua sandbox scenario files run in: a capped allocator,
 * the safe libraries only, a sticky instruction budget, require() under the
 * suite root, strict globals, and error messages that begin file:line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "harness/load_int.h"

/* Instructions between two looks at the budget: the hook's cost is
 * negligible and the budget is exact to within this many. */
#define BOX_GRAIN 1000

/* Registry keys (strings, so they cannot collide with luaL_ref's). */
#define BOX_ANCHOR "gauntlet.anchor"
#define BOX_LOADED "gauntlet.loaded"

gt__box *gt__box_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---------------------------------------------------------------- allocator */

/* Lua's view of the sizes is what is counted. A shrink never fails (a
 * failed realloc keeps the bigger block); growing past mem_max fails, and
 * Lua turns that into a memory error after one emergency collection. */
static void *box_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    gt__box *b = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->mem -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > b->mem_max - b->mem) {
        b->mem_refused++;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p && nsize > old) {
        b->mem_failed++;
        return NULL;
    }
    b->mem = b->mem - old + nsize;
    return p ? p : ptr;
}

/* ---------------------------------------------------------------- budget */

void gt__box_where(lua_State *L, int level, char *buf, size_t len, int *line)
{
    lua_Debug ar;
    buf[0] = '\0';
    if (line)
        *line = 0;
    for (; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
            continue;
        snprintf(buf, len, "%s:%d:", ar.short_src, ar.currentline);
        if (line)
            *line = ar.currentline;
        return;
    }
}

/* The count hook, on every thread of the state (coroutines copy it when
 * created). Each firing adds the count it was armed with to the file's
 * total; once the total passes the budget the thread is re-armed to fire
 * at every instruction and raises each time, so no pcall can swallow it. */
static void box_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    gt__box *b = gt__box_of(L);
    if (!b->spent) {
        b->used += lua_gethookcount(L);
        if (b->used < b->budget) {
            if (lua_gethookcount(L) != BOX_GRAIN)
                lua_sethook(L, box_hook, LUA_MASKCOUNT, BOX_GRAIN);
            return;
        }
        b->spent = true;
    }
    lua_sethook(L, box_hook, LUA_MASKCOUNT, 1);
    char where[LUA_IDSIZE + 32];
    gt__box_where(L, 0, where, sizeof where, NULL);
    lua_pushfstring(L, "%s%sinstruction budget exhausted (%d VM instructions per call)", where,
                    where[0] ? " " : "", GT_LUA_BUDGET);
    lua_error(L);
}

void gt__box_budget_reset(lua_State *L)
{
    gt__box *b = gt__box_of(L);
    b->used = 0;
    b->spent = false;
    lua_sethook(L, box_hook, LUA_MASKCOUNT, BOX_GRAIN);
}

/* ---------------------------------------------------------------- errors */

/* Does msg begin with a "place:123: " location? */
static bool has_location(const char *msg)
{
    for (const char *p = msg; *p && *p != '\n'; p++) {
        if (*p != ':' || p[1] < '0' || p[1] > '9')
            continue;
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q[0] == ':' && (q[1] == ' ' || q[1] == '\0'))
            return true;
    }
    return false;
}

/* The message handlers: the error as text, with the location of the Lua
 * code that raised it when it has none ("error(msg, 0)", an error object
 * that is not a string), and maybe a traceback. Light C functions: pushing
 * one allocates nothing, so it cannot fail outside a protected call. */
static int msgh(lua_State *L, bool traceback)
{
    const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    if (!msg && luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
        msg = lua_tostring(L, -1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    char where[LUA_IDSIZE + 32];
    gt__box_where(L, 1, where, sizeof where, NULL);
    if (where[0] && !has_location(msg))
        msg = lua_pushfstring(L, "%s %s", where, msg);
    if (traceback)
        luaL_traceback(L, L, msg, 1);
    else
        lua_pushstring(L, msg);
    return 1;
}

static int msgh_plain(lua_State *L) { return msgh(L, false); }
static int msgh_traceback(lua_State *L) { return msgh(L, true); }

/* The message of a failed call, into err; returns the errno to report. */
static int call_failed(lua_State *L, int status, uint64_t refused, uint64_t failed, char *err,
                       size_t errlen)
{
    gt__box *b = gt__box_of(L);
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    bool nomem = status == LUA_ERRMEM || (msg && strstr(msg, "not enough memory"));
    if (nomem && b->mem_failed != failed) {
        snprintf(err, errlen, "%s: out of memory", b->path);
        return -ENOMEM;
    }
    if (nomem && b->mem_refused != refused)
        snprintf(err, errlen, "%s: not enough memory: a scenario file may use %zu MiB", b->path,
                 b->mem_max >> 20);
    else if (b->spent && !(msg && strstr(msg, "instruction budget exhausted")))
        snprintf(err, errlen, "%s: instruction budget exhausted (%d VM instructions per call)",
                 b->path, GT_LUA_BUDGET);
    else if (status == LUA_ERRERR || !msg)
        snprintf(err, errlen, "%s: error while handling an error%s%s", b->path, msg ? ": " : "",
                 msg ? msg : "");
    else
        snprintf(err, errlen, "%s", msg);
    return -EINVAL;
}

int gt__box_pcall(lua_State *L, int nargs, int nres, bool traceback, char *err, size_t errlen)
{
    gt__box *b = gt__box_of(L);
    int base = lua_gettop(L) - nargs - 1; /* below the function */
    if (!lua_checkstack(L, 4)) {
        lua_settop(L, base);
        snprintf(err, errlen, "%s: out of memory", b->path);
        return -ENOMEM;
    }
    lua_pushcfunction(L, traceback ? msgh_traceback : msgh_plain);
    lua_insert(L, base + 1);
    if (b->depth++ == 0)
        gt__box_budget_reset(L);
    uint64_t refused = b->mem_refused, failed = b->mem_failed;
    int status = lua_pcall(L, nargs, nres, base + 1);
    b->depth--;
    if (status == LUA_OK) {
        lua_remove(L, base + 1);
        return 0;
    }
    int rc = call_failed(L, status, refused, failed, err, errlen);
    lua_settop(L, base);
    return rc;
}

/* ---------------------------------------------------------------- anchors */

const char *gt__box_anchor(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_getfield(L, LUA_REGISTRYINDEX, BOX_ANCHOR);
    if (lua_type(L, idx) != LUA_TSTRING) {
        lua_pushvalue(L, idx);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_pop(L, 1);
        return NULL;
    }
    /* anchor[s] = s: the text returned is the anchored copy's, which stays
     * put even when an equal long string at idx is collected. */
    lua_pushvalue(L, idx);
    if (lua_rawget(L, -2) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushvalue(L, idx);
        lua_pushvalue(L, idx);
        lua_rawset(L, -3);
        lua_pushvalue(L, idx);
    }
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 2);
    return s;
}

/* ---------------------------------------------------------------- require */

/* A module name: identifiers separated by dots ("lib.helper"). */
static bool module_name_ok(const char *s)
{
    if (strlen(s) > 200)
        return false;
    for (bool start = true; *s; s++) {
        bool alpha = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_';
        bool digit = *s >= '0' && *s <= '9';
        if (*s == '.' && !start) {
            start = true;
            continue;
        }
        if (!alpha && !(digit && !start))
            return false;
        start = false;
    }
    return s[-1] != '.';
}

/* require(name): root/<name, dots as slashes>.lua, text only, run once;
 * its result (true when it returns nothing) is cached. */
static int box_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    gt__box *b = gt__box_of(L);
    if (!*name || !module_name_ok(name))
        return luaL_error(L, "require: bad module name '%s' (names are like \"lib.helper\": "
                             "letters, digits and _, separated by dots)", name);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, BOX_LOADED); /* 2 */
    if (lua_getfield(L, 2, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    luaL_Buffer p;
    luaL_buffinit(L, &p);
    luaL_addstring(&p, b->root);
    luaL_addchar(&p, '/');
    for (const char *s = name; *s; s++)
        luaL_addchar(&p, *s == '.' ? '/' : *s);
    luaL_addstring(&p, ".lua");
    luaL_pushresult(&p); /* 3 */
    const char *path = lua_tostring(L, 3);
    FILE *fp = fopen(path, "r");
    if (!fp && errno == ENOMEM)
        gt__box_nomem(L);
    if (!fp)
        return luaL_error(L, "module '%s' not found under %s", name, b->root);
    fclose(fp);
    errno = 0;
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        if (errno == ENOMEM)
            gt__box_nomem(L);
        return lua_error(L);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

/* ---------------------------------------------------------------- load, globals */

/* load(chunk [, chunkname [, mode [, env]]]), text chunks only: the
 * base library's load (upvalue 1) with mode "t". */
static int box_load(lua_State *L)
{
    int n = lua_gettop(L), t = lua_type(L, 1);
    luaL_argexpected(L, t == LUA_TSTRING || t == LUA_TFUNCTION, 1, "string or function");
    if (n >= 3 && !lua_isnil(L, 3) && strcmp(luaL_checkstring(L, 3), "t") != 0)
        return luaL_error(L, "load: only text chunks may be loaded (mode \"t\")");
    lua_settop(L, n < 2 ? 2 : n);
    lua_pushliteral(L, "t");
    if (n >= 3)
        lua_replace(L, 3);
    n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* setmetatable(t, mt) refusing a __gc metamethod: Lua runs finalizers with
 * hooks off, so the budget could not end one that loops (upvalue 1: the
 * base library's setmetatable). */
static int box_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not allowed in scenario files");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

void gt__box_nomem(lua_State *L)
{
    gt__box_of(L)->mem_failed++;
    lua_pushliteral(L, "not enough memory");
    lua_error(L);
    abort(); /* lua_error does not return */
}

/* _G's __index: reading a global nobody set is an error (a typo of a
 * constructor's name, most likely). */
static int box_unknown_global(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    const char *names[256];
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && n < sizeof names / sizeof names[0])
            names[n++] = lua_tostring(L, -1); /* keys of _G: alive meanwhile */
    }
    const char *near = gt__suggest(lua_tostring(L, 2), names, n);
    if (near)
        return luaL_error(L, "unknown name '%s' (did you mean '%s'?)", lua_tostring(L, 2), near);
    return luaL_error(L, "unknown name '%s'", lua_tostring(L, 2));
}

static void open_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},          {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string},   {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},    {LUA_COLIBNAME, luaopen_coroutine},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    /* math.random is seeded: the same file draws the same numbers. */
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, box_load, 1);
    lua_setglobal(L, "load");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, box_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, box_require);
    lua_setglobal(L, "require");
}

typedef struct box_opener {
    lua_CFunction open;
} box_opener;

/* Protected: the libraries, the registry tables, the harness's globals
 * (light userdata 1: a box_opener), then the strict metatable of _G. */
static int box_setup(lua_State *L)
{
    const box_opener *o = lua_touserdata(L, 1);
    open_libs(L);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, BOX_ANCHOR);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, BOX_LOADED);
    if (o->open) {
        lua_pushcfunction(L, o->open);
        lua_call(L, 0, 0);
    }
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushcfunction(L, box_unknown_global);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return 0;
}

static int box_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "gauntlet: unprotected Lua error: %s\n", msg ? msg : "?");
    abort();
}

int gt__box_open(lua_State **out, gt__box *b, lua_CFunction open, char *err, size_t errlen)
{
    *out = NULL;
    b->mem_max = GT_LUA_MEM_MAX;
    b->budget = GT_LUA_BUDGET;
    lua_State *L = lua_newstate(box_alloc, b);
    if (!L) {
        snprintf(err, errlen, "%s: out of memory", b->path);
        return -ENOMEM;
    }
    lua_atpanic(L, box_panic);
    box_opener o = {open};
    lua_pushcfunction(L, box_setup);
    lua_pushlightuserdata(L, &o);
    int rc = gt__box_pcall(L, 1, 0, false, err, errlen);
    if (rc < 0) {
        lua_close(L);
        return -ENOMEM; /* nothing but memory can fail here */
    }
    *out = L;
    return 0;
}

void gt__box_close(lua_State *L)
{
    /* No script finalizer can run here: setmetatable refuses __gc. */
    if (L)
        lua_close(L);
}
