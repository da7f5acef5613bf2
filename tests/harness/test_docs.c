/* test_docs.c — what documents the scenario language cannot rot: the fault
 * point table of docs/fault-points.md is `gauntlet points --markdown`,
 * docs/checks.md has every check, editor/gauntlet.lua (the LuaLS
 * definitions) and .luarc.json agree with the sandbox and the loader, and
 * `gauntlet new` writes starters that pass and never overwrite. Run from
 * the repository root, with GAUNTLET_BIN (make test sets both). */
#include <lauxlib.h>
#include <lualib.h>

#include <cjson/cJSON.h>

#include "harness/gt_int.h"
#include "tests/harness/cliutil.h"

#define EDITOR "editor/gauntlet.lua"
#define NAMES_MAX 256
#define NAME_LEN 64

/* ---------------------------------------------------------------- names */

typedef struct names {
    char v[NAMES_MAX][NAME_LEN];
    int n;
} names;

static bool has_name(const names *s, const char *v)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], v) == 0)
            return true;
    return false;
}

static void add_name(names *s, const char *v, size_t len)
{
    ck_assert_msg(s->n < NAMES_MAX && len < NAME_LEN, "too many or too long names (%.*s)",
                  (int)len, v);
    snprintf(s->v[s->n++], NAME_LEN, "%.*s", (int)len, v);
}

/* Every "quoted" string literal in [from, to) into s. */
static void add_strings(names *s, const char *from, const char *to)
{
    for (const char *p = from; (p = memchr(p, '"', (size_t)(to - p))) != NULL && p < to;) {
        const char *q = memchr(p + 1, '"', (size_t)(to - p - 1));
        ck_assert_msg(q != NULL, "unterminated string near: %.40s", p);
        add_name(s, p + 1, (size_t)(q - p - 1));
        p = q + 1;
    }
}

static const char *next_line(const char *p)
{
    const char *nl = strchr(p, '\n');
    return nl ? nl + 1 : p + strlen(p);
}

static char *must_slurp(const char *path)
{
    char *t = slurp(path);
    ck_assert_msg(t != NULL, "cannot read %s (run from the repository root)", path);
    return t;
}

/* ---------------------------------------------------------------- fault-points.md */

#define BEGIN_POINTS "\n<!-- BEGIN gauntlet points --markdown -->\n"
#define END_POINTS "<!-- END gauntlet points --markdown -->\n"

START_TEST(fault_points_doc_is_the_catalog)
{
    fresh_dir();
    ran r = gt_run(NULL, "points", "--markdown", NULL);
    ck_assert_msg(r.code == 0, "gauntlet points --markdown: exit %d\n%s", r.code, r.err);
    char *doc = must_slurp("docs/fault-points.md");
    char *a = strstr(doc, BEGIN_POINTS), *b = a ? strstr(a, END_POINTS) : NULL;
    ck_assert_msg(a && b, "docs/fault-points.md: no BEGIN/END markers around the table");
    a += strlen(BEGIN_POINTS);
    *b = '\0';
    size_t k = 0;
    while (a[k] && a[k] == r.out[k])
        k++;
    ck_assert_msg(strcmp(a, r.out) == 0,
                  "docs/fault-points.md differs from `gauntlet points --markdown` at \"%.60s\" "
                  "(the command says \"%.60s\"): regenerate it with the command in "
                  "docs/fault-points.md (after make)", a + k, r.out + k);
    free(doc);
    release(&r);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- checks.md */

START_TEST(checks_doc_has_every_check)
{
    fresh_dir();
    ran r = gt_run(NULL, "checks", NULL);
    ck_assert_msg(r.code == 0, "gauntlet checks: exit %d\n%s", r.code, r.err);
    char *doc = must_slurp("docs/checks.md");
    names listed = {0};
    for (const char *p = r.out; *p; p = next_line(p)) {
        add_name(&listed, p, strcspn(p, "("));
        char head[NAME_LEN + 8];
        snprintf(head, sizeof head, "\n## %s\n", listed.v[listed.n - 1]);
        ck_assert_msg(strstr(doc, head), "docs/checks.md has no section \"## %s\"",
                      listed.v[listed.n - 1]);
    }
    ck_assert_int_eq(listed.n, GT_CHECK__COUNT);
    for (int k = 0; k < GT_CHECK__COUNT; k++)
        ck_assert_msg(has_name(&listed, gt_check_name((gt_check_kind)k)),
                      "gauntlet checks does not list %s", gt_check_name((gt_check_kind)k));
    for (const char *p = doc; (p = strstr(p, "\n## ")) != NULL; p++) { /* and no other */
        size_t n = strspn(p + 4, "abcdefghijklmnopqrstuvwxyz_");
        char name[NAME_LEN];
        snprintf(name, sizeof name, "%.*s", (int)n, p + 4);
        if (n && p[4 + n] == '\n')
            ck_assert_msg(has_name(&listed, name), "docs/checks.md has a section for %s, which "
                          "`gauntlet checks` does not list", name);
    }
    free(doc);
    release(&r);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- editor: parsing */

/* The `---@class NAME` line of the editor file, or NULL. */
static const char *class_at(const char *text, const char *cls)
{
    char head[NAME_LEN + 16];
    snprintf(head, sizeof head, "\n---@class %s", cls);
    for (const char *p = text; (p = strstr(p, head)) != NULL; p++) {
        char c = p[strlen(head)];
        if (c == '\n' || c == ':' || c == ' ')
            return p + 1;
    }
    return NULL;
}

/* The members a class declares itself: its ---@field names, and the
 * methods of the `local X = {}` that follows its annotation lines
 * (`function X:m(` or `function X.m(`). Its parent's name in parent
 * (empty when none). */
static void class_members(const char *text, const char *cls, names *out, char *parent)
{
    const char *p = class_at(text, cls);
    ck_assert_msg(p != NULL, EDITOR ": no ---@class %s", cls);
    const char *colon = memchr(p, ':', strcspn(p, "\n"));
    parent[0] = '\0';
    if (colon) {
        colon += 1 + strspn(colon + 1, " ");
        snprintf(parent, NAME_LEN, "%.*s", (int)strcspn(colon, " \n"), colon);
    }
    for (p = next_line(p); strncmp(p, "---", 3) == 0; p = next_line(p))
        if (strncmp(p, "---@field ", 10) == 0)
            add_name(out, p + 10, strcspn(p + 10, "? "));
    if (strncmp(p, "local ", 6) != 0)
        return;
    char local[NAME_LEN], pat[NAME_LEN + 16];
    snprintf(local, sizeof local, "%.*s", (int)strcspn(p + 6, " ="), p + 6);
    snprintf(pat, sizeof pat, "\nfunction %s", local);
    for (const char *m = text; (m = strstr(m, pat)) != NULL; m++) {
        const char *name = m + strlen(pat);
        if (*name == ':' || *name == '.')
            add_name(out, name + 1, strcspn(name + 1, "("));
    }
}

/* Does cls (or an ancestor) declare member? */
static bool class_has(const char *text, const char *cls, const char *member)
{
    names own = {0};
    char parent[NAME_LEN];
    class_members(text, cls, &own, parent);
    return has_name(&own, member) || (parent[0] && class_has(text, parent, member));
}

/* The names of an alias's `---| "value"` lines. */
static void alias_values(const char *text, const char *alias, names *out)
{
    char head[NAME_LEN + 16];
    snprintf(head, sizeof head, "\n---@alias %s\n", alias);
    const char *p = strstr(text, head);
    ck_assert_msg(p != NULL, EDITOR ": no multi-line ---@alias %s", alias);
    for (p = next_line(p + 1); strncmp(p, "---|", 4) == 0; p = next_line(p)) {
        const char *e = next_line(p), *hash = memchr(p, '#', (size_t)(e - p));
        add_strings(out, p, hash ? hash : e);
    }
}

/* Both ways: every one of want is in got, and every one of got in want. */
static void same_names(const names *want, const char *wname, const names *got, const char *gname)
{
    for (int i = 0; i < want->n; i++)
        ck_assert_msg(has_name(got, want->v[i]), "%s has \"%s\", %s does not", wname, want->v[i],
                      gname);
    for (int i = 0; i < got->n; i++)
        ck_assert_msg(has_name(want, got->v[i]), "%s has \"%s\", %s does not", gname, got->v[i],
                      wname);
}

/* ---------------------------------------------------------------- editor: file, .luarc */

START_TEST(editor_file_is_lua_and_meta)
{
    char *text = must_slurp(EDITOR);
    ck_assert_msg(strncmp(text, "---@meta", 8) == 0, EDITOR ": must start with ---@meta");
    lua_State *L = luaL_newstate();
    ck_assert_msg(luaL_loadfile(L, EDITOR) == LUA_OK, "%s", lua_tostring(L, -1));
    lua_close(L);
    free(text);
}
END_TEST

START_TEST(luarc_points_at_the_editor_file)
{
    char *text = must_slurp(".luarc.json");
    cJSON *d = cJSON_Parse(text);
    ck_assert_msg(d != NULL, ".luarc.json is not JSON");
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(d, "runtime");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rt, "version");
    ck_assert_msg(cJSON_IsString(v) && strcmp(v->valuestring, "Lua 5.4") == 0,
                  ".luarc.json: runtime.version must be \"Lua 5.4\"");
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(d, "workspace"), *e;
    bool found = false;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ws, "library"))
        found = found || (cJSON_IsString(e) && strcmp(e->valuestring, "editor") == 0);
    ck_assert_msg(found, ".luarc.json: workspace.library must list \"editor\"");
    cJSON_Delete(d);
    free(text);
}
END_TEST

/* ---------------------------------------------------------------- editor: the sandbox's globals */

/* Load text (as tmpdir/s.lua, root tmpdir) in the real sandbox. */
static gt_file *load_in_box(const char *text)
{
    put("s.lua", text);
    char path[PATH_MAX], err[2048] = "";
    snprintf(path, sizeof path, "%s/s.lua", tmpdir);
    gt_file *f = NULL;
    int rc = gt__file_load(&f, path, tmpdir, err, sizeof err);
    ck_assert_msg(rc == 0, "load failed (%d): %s", rc, err);
    return f;
}

/* The global `name` of f's state (raw: the sandbox's _G is strict), as text. */
static const char *box_global(gt_file *f, const char *name)
{
    lua_pushglobaltable(f->L);
    lua_pushstring(f->L, name);
    lua_rawget(f->L, -2);
    const char *s = lua_tostring(f->L, -1);
    ck_assert_msg(s != NULL, "the probe set no string %s", name);
    lua_pop(f->L, 2); /* s stays alive: the global holds it */
    return s;
}

/* The globals the harness gives scenario files: every global of the
 * sandbox that stock Lua 5.4 (luaL_openlibs) has not, or has as another
 * C function (error, load, setmetatable, require are the sandbox's own). */
static void sandbox_globals(names *fns, names *others)
{
    gt_file *f = load_in_box("return scenario { name = 'x', target = pool { }, "
                             "script = function() end }\n");
    lua_State *S = luaL_newstate();
    luaL_openlibs(S);
    lua_pushglobaltable(f->L);
    for (lua_pushnil(f->L); lua_next(f->L, -2); lua_pop(f->L, 1)) {
        if (lua_type(f->L, -2) != LUA_TSTRING)
            continue;
        const char *k = lua_tostring(f->L, -2);
        lua_getglobal(S, k);
        bool fn = lua_isfunction(f->L, -1);
        lua_CFunction c = lua_tocfunction(S, -1);
        bool stock = fn ? c && c == lua_tocfunction(f->L, -1) : !lua_isnil(S, -1);
        lua_pop(S, 1);
        if (!stock)
            add_name(fn ? fns : others, k, strlen(k));
    }
    lua_pop(f->L, 1);
    lua_close(S);
    gt__file_release(f);
}

START_TEST(editor_declares_every_sandbox_global)
{
    fresh_dir();
    names fns = {0}, others = {0}, stubs = {0};
    sandbox_globals(&fns, &others);
    /* at least: 2 targets, 2 loads, 7 faults, the checks, scenario */
    ck_assert_int_ge(fns.n, 4 + 7 + GT_CHECK__COUNT + 1);
    ck_assert_msg(others.n == 0, "the sandbox has a global %s that is not a function: declare "
                  "it in " EDITOR " and teach this test about it", others.v[0]);
    char *text = must_slurp(EDITOR);
    for (const char *p = text; (p = strstr(p, "\nfunction ")) != NULL; p++) {
        size_t n = strcspn(p + 10, "(:. ");
        if (p[10 + n] == '(')
            add_name(&stubs, p + 10, n);
    }
    same_names(&fns, "the sandbox's globals", &stubs, EDITOR "'s `function NAME(` stubs");
    free(text);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- editor: constructor keys */

/* A key array of the loader, its class in the editor file, and a Lua
 * expression that hands key K (value V) to the table that array checks. */
static const struct {
    const char *owner, *cls, *probe;
} key_classes[] = {
    {"load.c:ctor_scenario", "gauntlet.ScenarioSpec", "scenario { [K] = V }"},
    {"load_target.c:read_cost", "gauntlet.CostSpec", "pool { cost = { [K] = V } }"},
    {"load_target.c:read_dep", "gauntlet.DepSpec", "pool { dep = { [K] = V } }"},
    {"load_target.c:read_front", "gauntlet.FrontSpec", "pool { front = { [K] = V } }"},
    {"load_target.c:ctor_pool", "gauntlet.PoolSpec", "pool { [K] = V }"},
    {"load_target.c:read_stage", "gauntlet.StageSpec", "pipeline { stages = { { [K] = V } } }"},
    {"load_target.c:ctor_pipeline", "gauntlet.PipelineSpec", "pipeline { [K] = V }"},
    {"load_target.c:ctor_open_loop", "gauntlet.OpenLoopSpec", "open_loop { [K] = V }"},
    {"load_target.c:ctor_closed_loop", "gauntlet.ClosedLoopSpec", "closed_loop { [K] = V }"},
    {"load_check.c:ctor_recovery_within", "gauntlet.RecoveryOptions", "recovery_within(1, { [K] = V })"},
    {"load_check.c:ctor_p99_below", "gauntlet.P99Options", "p99_below(1, { [K] = V })"},
    {"load_fault.c:ctor_fault", "gauntlet.Activation", "full { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_DELAY]", "gauntlet.DelaySpec", "delay { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_ERROR]", "gauntlet.ErrorSpec", "error { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_FULL]", "gauntlet.FullSpec", "full { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_BLOCK]", "gauntlet.BlockSpec", "block { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_DROP]", "gauntlet.DropSpec", "drop { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_SHORT]", "gauntlet.ShortSpec", "short { [K] = V }"},
    {"load_fault.c:kind_keys[INJ_SPAWN_FAIL]", "gauntlet.SpawnFailSpec", "spawn_fail { [K] = V }"},
};
#define NKEY_CLASSES (sizeof key_classes / sizeof key_classes[0])

typedef struct key_array {
    char owner[NAME_LEN];
    names keys;
} key_array;

static bool is_ident(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The function a line of src at p belongs to: the name before the first
 * '(' of the nearest line above that starts a definition in column 0. */
static void enclosing_function(const char *src, const char *p, char *out)
{
    for (const char *l = p; l > src;) {
        do
            l--;
        while (l > src && l[-1] != '\n');
        if (!((*l >= 'a' && *l <= 'z') || *l == '_') || !memchr(l, '(', strcspn(l, "\n")))
            continue;
        for (const char *q = l; (q = strchr(q, '(')) != NULL && q < l + strcspn(l, "\n"); q++) {
            const char *s = q;
            while (s > l && is_ident(s[-1]))
                s--;
            if (q > s && strncmp(s, "__attribute__", 13) != 0 && strncmp(s, "format", 6) != 0) {
                snprintf(out, NAME_LEN, "%.*s", (int)(q - s), s);
                return;
            }
        }
    }
    ck_assert_msg(0, "no function above %.40s", p);
}

/* The string keys between brace and its matching '}', into a (rows of a
 * two-level initializer `[X] = { ... }` each become their own array). */
static const char *read_initializer(const char *file, const char *owner, const char *brace,
                                    key_array *a, int *na, int max)
{
    const char *p = brace + 1, *row = strstr(p, "] = {");
    const char *end = strstr(p, "};");
    ck_assert_msg(end != NULL, "%s: no end of the keys of %s", file, owner);
    if (!row || row > end) {
        ck_assert_int_lt(*na, max);
        int w = snprintf(a[*na].owner, NAME_LEN, "%s:%s", file, owner);
        ck_assert_int_lt(w, NAME_LEN);
        add_strings(&a[(*na)++].keys, p, end);
        return end;
    }
    for (const char *r = strchr(p, '['); r && r < end; r = strchr(r + 1, '[')) {
        const char *open = strchr(r, '{'), *close = strchr(open, '}');
        ck_assert_int_lt(*na, max);
        int w = snprintf(a[*na].owner, NAME_LEN, "%s:%s%.*s", file, owner,
                         (int)(strchr(r, ']') - r + 1), r);
        ck_assert_int_lt(w, NAME_LEN);
        add_strings(&a[(*na)++].keys, open, close);
        r = close;
    }
    return end;
}

/* Every declared array of keys in harness/<file> (`... keys[...] = {`). */
static void key_arrays_of(const char *file, key_array *a, int *na, int max)
{
    char path[64];
    snprintf(path, sizeof path, "harness/%s", file);
    char *src = must_slurp(path);
    for (const char *p = src; (p = strstr(p, "keys[")) != NULL; p++) {
        const char *l = p;
        while (l > src && l[-1] != '\n')
            l--;
        size_t len = strcspn(l, "\n");
        const char *brace = memchr(p, '{', len - (size_t)(p - l));
        if (!brace || !strstr(l, "const char") || strstr(l, "const char") > p)
            continue; /* a use, not a declaration */
        char owner[NAME_LEN];
        if (*l == ' ')
            enclosing_function(src, l, owner);
        else {
            const char *s = p;
            while (s > l && is_ident(s[-1]))
                s--;
            snprintf(owner, sizeof owner, "%.*s", (int)(p - s + 4), s);
        }
        p = read_initializer(file, owner, brace, a, na, max);
    }
    free(src);
}

START_TEST(editor_classes_have_every_loader_key)
{
    static key_array arrays[64];
    int n = 0;
    const char *files[] = {"load.c", "load_target.c", "load_check.c", "load_fault.c", "load_value.c"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        key_arrays_of(files[i], arrays, &n, 64);
    char *text = must_slurp(EDITOR);
    bool seen[NKEY_CLASSES] = {0};
    for (int i = 0; i < n; i++) {
        size_t k = 0;
        while (k < NKEY_CLASSES && strcmp(key_classes[k].owner, arrays[i].owner) != 0)
            k++;
        ck_assert_msg(k < NKEY_CLASSES, "harness/%s: an array of keys this test does not know: "
                      "add it to key_classes[] in tests/harness/test_docs.c, with its class in "
                      EDITOR, arrays[i].owner);
        seen[k] = true;
        names own = {0};
        char parent[NAME_LEN];
        class_members(text, key_classes[k].cls, &own, parent);
        for (int j = 0; j < arrays[i].keys.n; j++)
            ck_assert_msg(class_has(text, key_classes[k].cls, arrays[i].keys.v[j]),
                          "the loader accepts %s (harness/%s) but " EDITOR " has no ---@field %s in "
                          "---@class %s", arrays[i].keys.v[j], arrays[i].owner, arrays[i].keys.v[j],
                          key_classes[k].cls);
        for (int j = 0; j < own.n; j++)
            ck_assert_msg(has_name(&arrays[i].keys, own.v[j]),
                          EDITOR ": ---@class %s has ---@field %s, which the loader (harness/%s) "
                          "does not accept", key_classes[k].cls, own.v[j], arrays[i].owner);
    }
    for (size_t k = 0; k < NKEY_CLASSES; k++)
        ck_assert_msg(seen[k], "no array of keys harness/%s any more: update key_classes[] in "
                      "tests/harness/test_docs.c", key_classes[k].owner);
    free(text);
}
END_TEST

/* The probe: each class's own fields handed to the real constructor must
 * not be "unknown key", and a made-up key must be (the probe reaches the
 * key check). */
START_TEST(editor_fields_are_accepted_by_the_loader)
{
    fresh_dir();
    char *text = must_slurp(EDITOR);
    char *lua = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&lua, &len);
    fputs("local bad = {}\n"
          "local function probe(cls, key, known, f)\n"
          "  local ok, e = pcall(f, key, function() end)\n"
          "  local unknown = not ok and tostring(e):find('unknown key \"' .. key .. '\"', 1, true)\n"
          "  if (unknown ~= nil) == known then bad[#bad + 1] = cls .. '.' .. key end\n"
          "end\n", m);
    int probes = 0;
    for (size_t k = 0; k < NKEY_CLASSES; k++) {
        names own = {0};
        char parent[NAME_LEN];
        class_members(text, key_classes[k].cls, &own, parent);
        snprintf(own.v[own.n++], NAME_LEN, "no_such_key");
        for (int j = 0; j < own.n; j++, probes++)
            fprintf(m, "probe('%s', '%s', %s, function(K, V) return %s end)\n", key_classes[k].cls,
                    own.v[j], j < own.n - 1 ? "true" : "false", key_classes[k].probe);
    }
    fputs("PROBE_BAD = table.concat(bad, ' ')\n"
          "return scenario { name = 'probe', target = pool { }, script = function() end }\n", m);
    fclose(m);
    gt_file *f = load_in_box(lua);
    const char *bad = box_global(f, "PROBE_BAD");
    ck_assert_msg(bad[0] == '\0', "the loader disagrees with " EDITOR " about: %s (a field "
                  "it does not accept; or no_such_key accepted: key_classes[]'s probe is wrong)",
                  bad);
    ck_assert_int_ge(probes, 80);
    gt__file_release(f);
    free(lua);
    free(text);
    done_dir();
}
END_TEST

START_TEST(editor_enums_match_the_harness)
{
    char *text = must_slurp(EDITOR);
    names want = {0}, got = {0};
    for (int b = 0; b < SVC_BUG__COUNT; b++)
        add_name(&want, svc_bug_name((svc_bug)b), strlen(svc_bug_name((svc_bug)b)));
    alias_values(text, "gauntlet.Bug", &got);
    same_names(&want, "SVC_BUGS", &got, EDITOR "'s gauntlet.Bug");

    names mw = {0}, mg = {0}, pw = {0}, pg = {0};
#define GT__X(id, name, txt) add_name(&mw, name, strlen(name));
    GT_METRICS(GT__X)
#undef GT__X
#define GT__X(id, name, txt) add_name(&pw, name, strlen(name));
    GT_PHASES(GT__X)
#undef GT__X
    alias_values(text, "gauntlet.Metric", &mg);
    alias_values(text, "gauntlet.Phase", &pg);
    same_names(&mw, "GT_METRICS", &mg, EDITOR "'s gauntlet.Metric");
    same_names(&pw, "GT_PHASES", &pg, EDITOR "'s gauntlet.Phase");

    names ew = {0}, eg = {0};
    char *src = must_slurp("harness/load_fault.c");
    const char *a = strstr(src, "errnos[] = {"), *b = a ? strstr(a, "};") : NULL;
    ck_assert_msg(a && b, "harness/load_fault.c: no errnos[] table");
    add_strings(&ew, a, b);
    alias_values(text, "gauntlet.Errno", &eg);
    same_names(&ew, "harness/load_fault.c's errnos[]", &eg, EDITOR "'s gauntlet.Errno");
    free(src);
    free(text);
}
END_TEST

/* ---------------------------------------------------------------- editor: t and run */

/* A run that has every member: a load, a fault injected and cleared (so
 * every phase and the recovery exist); its script and check record the
 * members of t, the handles, the stats and the run table. */
static const char members_lua[] =
    "local function keys(tab)\n"
    "  local k = {}\n"
    "  for n in pairs(tab) do k[#k + 1] = tostring(n) end\n"
    "  return table.concat(k, ' ')\n"
    "end\n"
    "MEMBERS = {}\n"
    "local M = MEMBERS\n"
    "return scenario { name = 'members',\n"
    "  target = pool { workers = 2, queue = 8, cost = '1ms' },\n"
    "  script = function(t)\n"
    "    M.Script = keys(t)\n"
    "    t:start()\n"
    "    local l = t:load(open_loop { rate = 100, duration = '3s' })\n"
    "    M.LoadHandle = keys(l)\n"
    "    t:sleep('1s')\n"
    "    local h = t:inject(delay { point = 'svc/pool/exec', by = '5ms' })\n"
    "    M.FaultHandle = keys(h)\n"
    "    t:sleep('500ms')\n"
    "    h:clear()\n"
    "    M.Stats = keys(t:stats())\n"
    "    l:wait()\n"
    "  end,\n"
    "  checks = { check('members', function(run)\n"
    "    M.Run = keys(run); M.RunJobs = keys(run.jobs); M.RunRequests = keys(run.requests)\n"
    "    M.RunLatencies = keys(run.latency); M.RunLatency = keys(run.latency.all)\n"
    "    M.RunTasks = keys(run.tasks); M.RunRecovery = keys(run.recovery)\n"
    "    M.RunQueue = keys(run.queues.pool); M.RunSeries = keys(run.series)\n"
    "    return true\n"
    "  end) } }\n";

START_TEST(editor_script_and_run_tables_match)
{
    static const char *const classes[] = {"Script", "LoadHandle", "FaultHandle", "Stats", "Run",
                                          "RunJobs", "RunRequests", "RunLatencies", "RunLatency",
                                          "RunTasks", "RunRecovery", "RunQueue", "RunSeries"};
    fresh_dir();
    gt_file *f = load_in_box(members_lua);
    gt_run_opts o = {.seed = 1, .mode = GT_MODE_SIM, .replay = "replay"};
    char *json = NULL;
    ck_assert_int_eq(gt__run(f, 0, &o, &json), GT_VERDICT_PASS);
    free(json);
    char *text = must_slurp(EDITOR);
    lua_pushglobaltable(f->L);
    lua_getfield(f->L, -1, "MEMBERS");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        lua_getfield(f->L, -1, classes[i]);
        const char *got = lua_tostring(f->L, -1);
        ck_assert_msg(got != NULL, "the run recorded no members of %s", classes[i]);
        names live = {0}, doc = {0};
        for (const char *p = got; *p; p += strspn(p, " ")) {
            add_name(&live, p, strcspn(p, " "));
            p += strcspn(p, " ");
        }
        char cls[NAME_LEN], parent[NAME_LEN];
        snprintf(cls, sizeof cls, "gauntlet.%s", classes[i]);
        class_members(text, cls, &doc, parent);
        same_names(&live, cls, &doc, EDITOR);
        lua_pop(f->L, 1);
    }
    lua_pop(f->L, 2);
    gt__file_release(f);
    free(text);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- gauntlet new */

/* `gauntlet new sub/case --target T` in a fresh directory: the file, which
 * loads and passes (20 seeds, deterministic); with its commented-out bug
 * switched on, a check fails. */
static void new_starter_passes(const char *target)
{
    fresh_dir();
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ran r = gt_run(NULL, "new", "sub/case", "--target", target, NULL);
    ck_assert_msg(r.code == 0, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.out, "wrote sub/case.lua");
    HAS(r.out, "gauntlet run sub/case.lua");
    release(&r);
    char *text = in_dir("sub/case.lua");
    ck_assert_msg(text != NULL, "no sub/case.lua");
    ck_assert_msg(strncmp(text, "-- sub/case.lua: ", 17) == 0, "no header:\n%.200s", text);
    const char *teaches[] = {"docs/writing-scenarios.md", "name = \"case\"", "tags = {", "load = ",
                             "faults = {", "checks = {", "-- bugs = {", target};
    for (size_t i = 0; i < sizeof teaches / sizeof teaches[0]; i++)
        HAS(text, teaches[i]);
    r = gt_run(NULL, "run", "sub/case.lua", "--seeds", "1..20", "--check-determinism", "--out",
               "o", NULL);
    ck_assert_msg(r.code == 0, "the %s starter fails: exit %d\n%s%s", target, r.code, r.out, r.err);
    HAS(r.out, "20 scenarios: 20 passed");
    release(&r);
    char *bug = strstr(text, "-- bugs = {");
    memmove(bug, bug + 3, strlen(bug + 3) + 1);
    put("bug/case.lua", text);
    r = gt_run(NULL, "run", "bug/case.lua", "--out", "o", NULL);
    ck_assert_msg(r.code == 1, "the %s starter's suggested bug is not caught: exit %d\n%s%s",
                  target, r.code, r.out, r.err);
    release(&r);
    free(text);
    done_dir();
}

START_TEST(new_pool_starter_passes) { new_starter_passes("pool"); }
END_TEST

START_TEST(new_pipeline_starter_passes) { new_starter_passes("pipeline"); }
END_TEST

START_TEST(new_never_overwrites)
{
    fresh_dir();
    put("case.lua", "-- mine\n");
    const char *forms[] = {"case", "case.lua"};
    for (int i = 0; i < 2; i++) {
        ran r = gt_run(NULL, "new", forms[i], NULL);
        ck_assert_msg(r.code == 2, "exit %d\n%s%s", r.code, r.out, r.err);
        HAS(r.err, "case.lua already exists");
        release(&r);
    }
    char *text = in_dir("case.lua");
    ck_assert_str_eq(text, "-- mine\n");
    free(text);
    done_dir();
}
END_TEST

START_TEST(new_refuses_a_missing_directory)
{
    fresh_dir();
    ran r = gt_run(NULL, "new", "nodir/case", NULL);
    ck_assert_msg(r.code == 2, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.err, "nodir: no such directory");
    release(&r);
    struct stat st;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/nodir", tmpdir);
    ck_assert_int_ne(stat(path, &st), 0);
    done_dir();
}
END_TEST

START_TEST(new_refuses_a_bad_target)
{
    fresh_dir();
    ran r = gt_run(NULL, "new", "case", "--target", "bogus", NULL);
    ck_assert_msg(r.code == 2, "exit %d\n%s%s", r.code, r.out, r.err);
    HAS(r.err, "bogus");
    release(&r);
    char *text = in_dir("case.lua");
    ck_assert_ptr_null(text);
    done_dir();
}
END_TEST

Suite *suite_harness_docs(void)
{
    Suite *s = suite_create("harness_docs");
    TCase *tc = tcase_create("docs");
    tcase_add_test(tc, fault_points_doc_is_the_catalog);
    tcase_add_test(tc, checks_doc_has_every_check);
    suite_add_tcase(s, tc);
    tc = tcase_create("editor");
    tcase_add_test(tc, editor_file_is_lua_and_meta);
    tcase_add_test(tc, luarc_points_at_the_editor_file);
    tcase_add_test(tc, editor_declares_every_sandbox_global);
    tcase_add_test(tc, editor_classes_have_every_loader_key);
    tcase_add_test(tc, editor_fields_are_accepted_by_the_loader);
    tcase_add_test(tc, editor_enums_match_the_harness);
    tcase_add_test(tc, editor_script_and_run_tables_match);
    suite_add_tcase(s, tc);
    tc = tcase_create("new");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, new_pool_starter_passes);
    tcase_add_test(tc, new_pipeline_starter_passes);
    tcase_add_test(tc, new_never_overwrites);
    tcase_add_test(tc, new_refuses_a_missing_directory);
    tcase_add_test(tc, new_refuses_a_bad_target);
    suite_add_tcase(s, tc);
    return s;
}
