/* load_value.c — reading constructor arguments strictly (keys, types,
 * ranges, durations, names, lists) with file:line messages, the tagged
 * values constructors return, durations and did-you-mean suggestions. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "harness/load_int.h"

#define VAL_MT "gauntlet.value"

/* ---------------------------------------------------------------- messages */

void gt__ld_begin(gt__ctx *c, lua_State *L, const char *ctor)
{
    char where[LUA_IDSIZE + 32];
    int line;
    *c = (gt__ctx){.L = L, .ctor = ctor, .src = ""};
    gt__box_where(L, 1, where, sizeof where, &line);
    if (!line)
        return;
    where[strlen(where) - 1] = '\0'; /* "file:12:" -> "file:12" */
    *strrchr(where, ':') = '\0';
    lua_pushstring(L, where);
    c->src = gt__box_anchor(L, -1);
    lua_pop(L, 1);
    c->line = line;
}

void gt__ld_fail(gt__ctx *c, const char *key, const char *fmt, ...)
{
    char msg[512], loc[LUA_IDSIZE + 32] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->line)
        snprintf(loc, sizeof loc, "%s:%d: ", c->src, c->line);
    lua_pushfstring(c->L, "%s%s: %s%s%s%s", loc, c->ctor, c->sub, key ? key : "", key ? ": " : "",
                    msg);
    lua_error(c->L);
    abort(); /* lua_error does not return */
}

void gt__ld_describe(lua_State *L, int idx, char *buf, size_t len)
{
    const gt__val *v;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        snprintf(buf, len, "nil");
        return;
    case LUA_TBOOLEAN:
        snprintf(buf, len, "%s", lua_toboolean(L, idx) ? "true" : "false");
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
        else
            snprintf(buf, len, "%.14g", lua_tonumber(L, idx));
        return;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        snprintf(buf, len, "\"%.*s%s\"", n > 40 ? 40 : (int)n, s, n > 40 ? "..." : "");
        return;
    }
    case LUA_TUSERDATA:
        if ((v = gt__ld_val_test(L, idx))) {
            if (v->type == GT__V_CHECK)
                snprintf(buf, len, "%s", v->u.check.label);
            else
                snprintf(buf, len, "%s { }", v->ctor);
            return;
        }
        break;
    }
    snprintf(buf, len, "%s", luaL_typename(L, idx));
}

/* ---------------------------------------------------------------- tables */

void gt__ld_table_arg(gt__ctx *c)
{
    int n = lua_gettop(c->L);
    char got[80] = "nothing";
    if (n >= 1)
        gt__ld_describe(c->L, 1, got, sizeof got);
    if (n != 1 || lua_type(c->L, 1) != LUA_TTABLE)
        gt__ld_fail(c, NULL, "expected a table: %s { ... } (got %s%s)", c->ctor,
                    n > 1 ? "more than one argument, first " : "", got);
    c->t = 1;
}

void gt__ld_nargs(gt__ctx *c, int max)
{
    int n = lua_gettop(c->L);
    if (n > max && max == 0)
        gt__ld_fail(c, NULL, "takes no arguments (got %d)", n);
    if (n > max)
        gt__ld_fail(c, NULL, "takes at most %d argument%s (got %d)", max, max == 1 ? "" : "s", n);
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

void gt__ld_keys(gt__ctx *c, const char *const *keys)
{
    lua_State *L = c->L;
    char bad[128] = "";
    bool have_bad = false;
    lua_pushnil(L);
    while (lua_next(L, c->t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            char k[80];
            gt__ld_describe(L, -1, k, sizeof k);
            gt__ld_fail(c, NULL, "unexpected entry [%s] (write keys as name = value)", k);
        }
        const char *k = lua_tostring(L, -1);
        if (!in_list(k, keys) && (!have_bad || strcmp(k, bad) < 0)) {
            snprintf(bad, sizeof bad, "%s", k); /* the first in order: stable */
            have_bad = true;
        }
    }
    if (!have_bad)
        return;
    size_t n = 0;
    while (keys[n])
        n++;
    const char *near = gt__suggest(bad, keys, n);
    if (near)
        gt__ld_fail(c, NULL, "unknown key \"%s\" (did you mean \"%s\"?)", bad, near);
    gt__ld_fail(c, NULL, "unknown key \"%s\"", bad);
}

int gt__ld_enter(gt__ctx *c, int idx, const char *label, const char *const *keys)
{
    idx = lua_absindex(c->L, idx);
    if (lua_type(c->L, idx) != LUA_TTABLE) {
        char got[80];
        gt__ld_describe(c->L, idx, got, sizeof got);
        gt__ld_fail(c, label, "expected a table { ... } (got %s)", got);
    }
    int mark = (int)strlen(c->sub);
    snprintf(c->sub + mark, sizeof c->sub - (size_t)mark, "%s: ", label);
    c->t = idx;
    gt__ld_keys(c, keys);
    return mark;
}

void gt__ld_leave(gt__ctx *c, int mark, int t)
{
    c->sub[mark] = '\0';
    c->t = t;
}

bool gt__ld_field(gt__ctx *c, const char *key)
{
    lua_pushstring(c->L, key);
    if (lua_rawget(c->L, c->t) != LUA_TNIL)
        return true;
    lua_pop(c->L, 1);
    return false;
}

void gt__ld_need(gt__ctx *c, const char *key)
{
    if (!gt__ld_field(c, key))
        gt__ld_fail(c, key, "required");
}

/* ---------------------------------------------------------------- scalars */

static void type_error(gt__ctx *c, int idx, const char *key, const char *expected)
{
    char got[80];
    gt__ld_describe(c->L, idx, got, sizeof got);
    gt__ld_fail(c, key, "expected %s (got %s)", expected, got);
}

int64_t gt__ld_int(gt__ctx *c, int idx, const char *key, int64_t lo, int64_t hi)
{
    int ok = 0;
    lua_Integer v = lua_type(c->L, idx) == LUA_TNUMBER ? lua_tointegerx(c->L, idx, &ok) : 0;
    if (!ok)
        type_error(c, idx, key, "an integer");
    if (v < lo)
        gt__ld_fail(c, key, "must be >= %lld (got %lld)", (long long)lo, (long long)v);
    if (v > hi)
        gt__ld_fail(c, key, "must be <= %lld (got %lld)", (long long)hi, (long long)v);
    return v;
}

double gt__ld_num(gt__ctx *c, int idx, const char *key, double lo, double hi)
{
    if (lua_type(c->L, idx) != LUA_TNUMBER)
        type_error(c, idx, key, "a number");
    double v = lua_tonumber(c->L, idx);
    if (isnan(v) || v < lo || v > hi)
        gt__ld_fail(c, key, "must be in [%g, %g] (got %g)", lo, hi, v);
    return v;
}

int64_t gt__ld_dur(gt__ctx *c, int idx, const char *key)
{
    lua_State *L = c->L;
    int64_t ns;
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        if (s[0] == '-')
            gt__ld_fail(c, key, "must be >= 0 (got \"%.40s\")", s);
        if (gt__duration_parse(s, &ns) == 0)
            return ns;
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        double sec = lua_tonumber(L, idx);
        if (sec < 0)
            gt__ld_fail(c, key, "must be >= 0 (got %g)", sec);
        if (sec * 1e9 < 9e18) /* false for NaN and inf too */
            return lua_isinteger(L, idx) ? (int64_t)lua_tointeger(L, idx) * 1000000000
                                         : (int64_t)llround(sec * 1e9);
    }
    type_error(c, idx, key, "a duration like \"50ms\"");
    return 0;
}

bool gt__ld_bool(gt__ctx *c, int idx, const char *key)
{
    if (lua_type(c->L, idx) != LUA_TBOOLEAN)
        type_error(c, idx, key, "true or false");
    return lua_toboolean(c->L, idx);
}

const char *gt__ld_str(gt__ctx *c, int idx, const char *key, size_t max)
{
    if (lua_type(c->L, idx) != LUA_TSTRING)
        type_error(c, idx, key, "a string");
    size_t n;
    const char *s = lua_tolstring(c->L, idx, &n);
    if (n > max)
        gt__ld_fail(c, key, "at most %zu characters (got %zu)", max, n);
    if (strlen(s) != n)
        gt__ld_fail(c, key, "must not contain a NUL byte");
    return gt__box_anchor(c->L, idx);
}

const char *gt__ld_name(gt__ctx *c, int idx, const char *key)
{
    const char *s = gt__ld_str(c, idx, key, GR_NAME_MAX - 1);
    bool ok = *s != '\0';
    for (const char *p = s; *p; p++)
        ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-');
    if (!ok)
        gt__ld_fail(c, key, "expected a name of letters, digits, '_', '.', '-' (got \"%s\")", s);
    return s;
}

int gt__ld_enum(gt__ctx *c, int idx, const char *key, const char *const *names, int n)
{
    if (lua_type(c->L, idx) != LUA_TSTRING)
        type_error(c, idx, key, "a string");
    const char *s = lua_tostring(c->L, idx);
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    const char *near = gt__suggest(s, names, (size_t)n);
    if (near)
        gt__ld_fail(c, key, "unknown value \"%.40s\" (did you mean \"%s\"?)", s, near);
    char list[256] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                 names[i]);
    gt__ld_fail(c, key, "unknown value \"%.40s\" (expected %s%s)", s, n > 1 ? "one of " : "", list);
}

int gt__ld_list(gt__ctx *c, int idx, const char *key, int max)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        type_error(c, idx, key, "a list { ... }");
    lua_Unsigned n = lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int isint = 0;
        lua_Integer k = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
        if (!isint || k < 1 || (lua_Unsigned)k > n) {
            char got[80];
            gt__ld_describe(L, -1, got, sizeof got);
            gt__ld_fail(c, key, "expected a list { ... } (got a table with key %s)", got);
        }
        count++;
    }
    if (count != n)
        gt__ld_fail(c, key, "expected a list { ... } without holes (nil entries)");
    if (n > (lua_Unsigned)max)
        gt__ld_fail(c, key, "at most %d entries (got %llu)", max, (unsigned long long)n);
    return (int)n;
}

/* ---------------------------------------------------------------- optional fields */

int64_t gt__ld_opt_int(gt__ctx *c, const char *key, int64_t def, int64_t lo, int64_t hi)
{
    if (!gt__ld_field(c, key))
        return def;
    int64_t v = gt__ld_int(c, -1, key, lo, hi);
    lua_pop(c->L, 1);
    return v;
}

double gt__ld_opt_num(gt__ctx *c, const char *key, double def, double lo, double hi)
{
    if (!gt__ld_field(c, key))
        return def;
    double v = gt__ld_num(c, -1, key, lo, hi);
    lua_pop(c->L, 1);
    return v;
}

int64_t gt__ld_opt_dur(gt__ctx *c, const char *key, int64_t def)
{
    if (!gt__ld_field(c, key))
        return def;
    int64_t v = gt__ld_dur(c, -1, key);
    lua_pop(c->L, 1);
    return v;
}

/* ---------------------------------------------------------------- values */

static int val_tostring(lua_State *L)
{
    const gt__val *v = gt__ld_val_test(L, 1);
    char what[160];
    gt__ld_describe(L, 1, what, sizeof what);
    if (v && v->line)
        lua_pushfstring(L, "%s (%s:%d)", what, v->src, v->line);
    else
        lua_pushstring(L, what);
    return 1;
}

void gt__ld_val_init(lua_State *L)
{
    luaL_newmetatable(L, VAL_MT);
    lua_pushcfunction(L, val_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

gt__val *gt__ld_val_new(gt__ctx *c, gt__vtype type)
{
    gt__val *v = lua_newuserdatauv(c->L, sizeof *v, 0);
    memset(v, 0, sizeof *v);
    luaL_setmetatable(c->L, VAL_MT);
    v->type = type;
    v->ctor = c->ctor;
    v->src = c->src;
    v->line = c->line;
    return v;
}

gt__val *gt__ld_val_test(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, VAL_MT);
}

/* ---------------------------------------------------------------- durations */

int gt__duration_parse(const char *s, int64_t *out_ns)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"", 1000000000},
    };
    if (!s || !out_ns)
        return -EINVAL;
    uint64_t ip = 0, frac = 0;
    int digits = 0, fd = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (ip > (UINT64_MAX - 9) / 10)
            return -EINVAL;
        ip = ip * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, fd++) {
            if (fd == 9) /* finer than 1 ns */
                return -EINVAL;
            frac = frac * 10 + (uint64_t)(*s - '0');
        }
        if (fd == 0)
            return -EINVAL;
    }
    if (digits + fd == 0)
        return -EINVAL;
    for (; fd < 9; fd++)
        frac *= 10; /* now in units of 1e-9 */
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(s, units[i].unit) != 0)
            continue;
        uint64_t m = units[i].ns;
        uint64_t part = m >= 1000000000 ? frac * (m / 1000000000) : frac * m / 1000000000;
        if (ip > (uint64_t)INT64_MAX / m || ip * m > (uint64_t)INT64_MAX - part)
            return -EINVAL;
        *out_ns = (int64_t)(ip * m + part);
        return 0;
    }
    return -EINVAL;
}

void gt__ld_fmt_dur(char *buf, size_t len, int64_t ns)
{
    static const struct { const char *unit; int64_t ns; int digits; } units[] = {
        {"s", 1000000000, 9}, {"ms", 1000000, 6}, {"us", 1000, 3}, {"ns", 1, 0},
    };
    if (ns <= 0) {
        snprintf(buf, len, ns == 0 ? "0s" : "%lldns", (long long)ns);
        return;
    }
    if (ns % 60000000000 == 0) {
        snprintf(buf, len, "%lldm", (long long)(ns / 60000000000));
        return;
    }
    size_t i = 0;
    while (ns < units[i].ns)
        i++;
    int64_t whole = ns / units[i].ns, frac = ns % units[i].ns;
    if (!frac) {
        snprintf(buf, len, "%lld%s", (long long)whole, units[i].unit);
        return;
    }
    char f[16];
    snprintf(f, sizeof f, "%0*lld", units[i].digits, (long long)frac);
    for (size_t k = strlen(f); k > 0 && f[k - 1] == '0'; k--)
        f[k - 1] = '\0';
    snprintf(buf, len, "%lld.%s%s", (long long)whole, f, units[i].unit);
}

/* ---------------------------------------------------------------- suggestions */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[256];
    la = la > 255 ? 255 : la;
    lb = lb > 255 ? 255 : lb;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

const char *gt__suggest(const char *word, const char *const *cands, size_t n)
{
    if (!word || !cands)
        return NULL;
    size_t len = strlen(word), limit = len / 3 > 2 ? len / 3 : 2, best_d = (size_t)-1;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = cands[i] ? edit_distance(word, cands[i]) : (size_t)-1;
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    /* Close enough, and not a different word of the same length. */
    return best && best_d <= limit && best_d < len ? best : NULL;
}
