/* test_load_sandbox.c — the loader's sandbox (libraries, load, require,
 * the sticky instruction budget, the memory cap) and calls into Lua after
 * loading: results, errors, budgets, values, allocation failures. */
#include "tests/harness/loadutil.h"

/* ---------------------------------------------------------------- sandbox */

START_TEST(sandbox_libraries)
{
    gt_file *f = load_ok(
        "for _, n in ipairs { 'io', 'os', 'debug', 'package', 'dofile', 'loadfile' } do\n"
        "  assert(rawget(_G, n) == nil, n .. ' is reachable')\n"
        "end\n"
        "for _, n in ipairs { 'table', 'string', 'math', 'utf8', 'coroutine', 'print',\n"
        "                     'pcall', 'load', 'require', 'setmetatable' } do\n"
        "  assert(rawget(_G, n) ~= nil, n .. ' is missing')\n"
        "end\n"
        "local bin = string.dump(function() return 1 end)\n"
        "local fn, e = load(bin)\n"
        "assert(fn == nil and e:find('binary chunk'), 'a binary chunk loaded')\n"
        "assert(not pcall(load, 'return 1', 'c', 'b'), 'mode b accepted')\n"
        "assert(not pcall(load, 'return 1', 'c', 'bt'), 'mode bt accepted')\n"
        "assert(load('return 1 + 1')() == 2)\n"
        "assert(load('return y', 'c', 't', { y = 3 })() == 3)\n"
        "assert(not pcall(setmetatable, _G, nil), '_G metatable replaced')\n"
        "assert(getmetatable(pool { }) == false, 'a value exposes its metatable')\n"
        "local obj = setmetatable({}, {})\n"
        "local ok, e = pcall(error, obj)\n"
        "assert(not ok and e == obj, 'error(object with a metatable) is Lua\\'s error')\n"
        "ok, e = pcall(error, { code = 1 }, 1)\n"
        "assert(not ok and e.code == 1, 'error(table, level) is Lua\\'s error')\n"
        "ok, e = pcall(error, 'msg', 0)\n"
        "assert(not ok and e == 'msg')\n"
        "rolled = { math.random(1, 1000000), math.random(1, 1000000) }\n"
        "return scenario { name = 'r' .. rolled[1] .. '-' .. rolled[2], target = pool { },\n"
        "  script = function() end }\n");
    /* math.random is seeded the same on every load */
    gt_file *g = load_ok(
        "rolled = { math.random(1, 1000000), math.random(1, 1000000) }\n"
        "return scenario { name = 'r' .. rolled[1] .. '-' .. rolled[2], target = pool { },\n"
        "  script = function() end }\n");
    ck_assert_str_eq(f->scn[0].name, g->scn[0].name);
    gt__file_release(f);
    gt__file_release(g);
}
END_TEST

START_TEST(sandbox_require)
{
    put("lib/helper.lua", "count = (rawget(_G, 'count') or 0) + 1\nreturn { n = 42, name = ... }\n");
    gt_file *f = load_ok(
        "local h = require('lib.helper')\n"
        "assert(h.n == 42 and h.name == 'lib.helper')\n"
        "assert(require('lib.helper') == h and count == 1, 'not cached')\n"
        "local ok, e = pcall(require, '../x')\n"
        "assert(not ok and e:find(\"bad module name '../x'\", 1, true), e)\n"
        "ok, e = pcall(require, '/etc/passwd')\n"
        "assert(not ok and e:find('bad module name', 1, true), e)\n"
        "ok, e = pcall(require, 'lib..helper')\n"
        "assert(not ok and e:find('bad module name', 1, true), e)\n"
        "ok, e = pcall(require, 'lib.missing')\n"
        "assert(not ok and e:find(\"module 'lib.missing' not found under \", 1, true), e)\n"
        "return scenario { name = 'x', target = pool { }, script = function() end }\n");
    gt__file_release(f);
}
END_TEST

/* A module outside the root cannot be reached, even by a plain name. */
START_TEST(sandbox_require_stays_under_root)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/lib/suite", dir);
    put("lib/outside.lua", "return 1\n");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    put("s.lua", "return require('outside')\n");
    gt_file *f = NULL;
    ck_assert_int_eq(gt__file_load(&f, path, sub, err, sizeof err), -EINVAL);
    char want[512];
    snprintf(want, sizeof want, "%s:1: module 'outside' not found under %s", path, sub);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(budget_infinite_loop)
{
    load_fails("local n = 0\nwhile true do\n  n = n + 1\nend\n",
               "s.lua:3: instruction budget exhausted (50000000 VM instructions per call)");
}
END_TEST

/* The script's own pcall cannot swallow the end of the budget. */
START_TEST(budget_escapes_pcall)
{
    load_fails("local ok = pcall(function() while true do end end)\n"
               "escaped = true\n"
               "return scenario { name = 'x', target = pool { }, script = function() end }\n",
               "s.lua:2: instruction budget exhausted (50000000 VM instructions per call)");
    load_fails("for i = 1, 3 do\n"
               "  pcall(function() while true do end end)\n"
               "end\n"
               "error('after the loop')\n",
               "s.lua:1: instruction budget exhausted (50000000 VM instructions per call)");
}
END_TEST

/* Coroutines share the budget: each one's own count cannot reset it. */
START_TEST(budget_counts_coroutines)
{
    gt_file *f = NULL;
    int rc = load("for i = 1, 1e9 do\n"
                  "  local co = coroutine.create(function() for j = 1, 1e7 do end end)\n"
                  "  coroutine.resume(co)\n"
                  "end\n", &f);
    ck_assert_int_eq(rc, -EINVAL);
    ck_assert_msg(strstr(err, "instruction budget exhausted"), "%s", err);
}
END_TEST

START_TEST(memory_cap)
{
    gt_file *f = NULL;
    int rc = load("local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end\n", &f);
    ck_assert_int_eq(rc, -EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s: not enough memory: a scenario file may use 64 MiB", path);
    ck_assert_str_eq(err, want);
}
END_TEST

/* Lua runs finalizers with hooks off, out of the budget's reach: a script
 * cannot make one (setmetatable refuses __gc, even caught by pcall), and
 * setmetatable still works otherwise. */
START_TEST(no_finalizers)
{
    gt_file *f = load_ok(
        "local ok = pcall(setmetatable, {}, { __gc = function() while true do end end })\n"
        "assert(not ok, 'a __gc metamethod was accepted')\n"
        "local mt = { __index = function(t, k) return k .. '!' end }\n"
        "local t = setmetatable({}, mt)\n"
        "assert(t.hi == 'hi!' and getmetatable(t) == mt)\n"
        "mt.__gc = function() while true do end end -- too late: not marked\n"
        "t = nil\n"
        "collectgarbage()\n"
        "return scenario { name = 'x', target = pool { }, script = function() end }\n");
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- calls */

static const char *const call_file =
    "return scenario { name = 'x', target = pool { dep = { } },\n"
    "  load = open_loop { rate = 1, duration = 1 },\n"
    "  checks = { check('c', function(run) return run.n * 2 end) },\n"
    "  script = function(t)\n"
    "    if t == 'spin' then for i = 1, 3e7 do end return 'spun' end\n" /* 5 */
    "    if t == 'loop' then pcall(function() while true do end end) return 'escaped' end\n"
    "    if t == 'fault' then return delay { point = 'svc/pool/exec', by = '1ms' } end\n"
    "    if t == 'load' then return closed_loop { clients = 2, duration = '1s' } end\n"
    "    if t == 'bad' then return delay { point = 'net/front/read', by = '1ms' } end\n"
    "    local function inner() error('boom') end\n"                  /* 10 */
    "    inner()\n"
    "  end,\n"
    "}\n";

START_TEST(lua_call_results_and_errors)
{
    gt_file *f = load_ok(call_file);
    const gt_scenario *s = f->scn;
    lua_State *L = f->L;
    int top = lua_gettop(L);
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, 21);
    lua_setfield(L, -2, "n");
    ck_assert_int_eq(gt__lua_call(f, s->checks[0].fn_ref, err, sizeof err), 0);
    ck_assert_int_eq(lua_tointeger(L, -1), 42);
    lua_pop(L, 1);
    ck_assert_int_eq(lua_gettop(L), top);

    lua_pushnil(L);
    ck_assert_int_eq(gt__lua_call(f, s->script_ref, err, sizeof err), -EINVAL);
    ck_assert_int_eq(lua_gettop(L), top); /* nothing left */
    char want[256];
    snprintf(want, sizeof want, "%s:10: boom\nstack traceback:", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_msg(strstr(err, "s.lua:11: in"), "%s", err);

    lua_pushnil(L);
    ck_assert_int_eq(gt__lua_call(f, LUA_NOREF, err, sizeof err), -EINVAL);
    ck_assert_int_eq(lua_gettop(L), top);
    gt__file_release(f);
}
END_TEST

/* Every call gets a fresh budget, and none can outrun it. */
START_TEST(lua_call_budget_per_call)
{
    gt_file *f = load_ok(call_file);
    lua_State *L = f->L;
    for (int i = 0; i < 2; i++) { /* 3e7 each: twice would pass one budget */
        lua_pushstring(L, "spin");
        ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), 0);
        ck_assert_str_eq(lua_tostring(L, -1), "spun");
        lua_pop(L, 1);
    }
    lua_pushstring(L, "loop");
    ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), -EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s:6: instruction budget exhausted", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    lua_pushstring(L, "spin"); /* and the next call runs again */
    ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), 0);
    lua_pop(L, 1);
    gt__file_release(f);
}
END_TEST

START_TEST(values_from_lua)
{
    gt_file *f = load_ok(call_file);
    lua_State *L = f->L;
    gt_fault_spec fs;
    gt_load_spec ls;
    lua_pushstring(L, "fault");
    ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), 0);
    ck_assert_int_eq(gt__fault_from_lua(f, -1, &fs, err, sizeof err), 0);
    ck_assert_str_eq(fs.spec.point, "svc/pool/exec");
    ck_assert_int_eq(fs.spec.kind, INJ_DELAY);
    ck_assert_int_eq(fs.spec.by, GR_MS(1));
    ck_assert_int_eq(fs.line, 7);
    ck_assert_int_eq(gt__fault_check(f->scn, &fs, err, sizeof err), 0);
    ck_assert_int_eq(gt__load_from_lua(f, -1, &ls, err, sizeof err), -EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s: expected open_loop { ... } or closed_loop { ... } (got delay { })", path);
    ck_assert_str_eq(err, want);
    lua_pop(L, 1);

    lua_pushstring(L, "load");
    ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), 0);
    ck_assert_int_eq(gt__load_from_lua(f, -1, &ls, err, sizeof err), 0);
    ck_assert(ls.on && ls.cfg.closed_loop);
    ck_assert_int_eq(ls.cfg.clients, 2);
    ck_assert_int_eq(ls.cfg.duration, GR_S(1));
    ck_assert_int_eq(gt__fault_from_lua(f, -1, &fs, err, sizeof err), -EINVAL);
    lua_pop(L, 1);

    /* A fault the target cannot take, found when the script injects it. */
    lua_pushstring(L, "bad");
    ck_assert_int_eq(gt__lua_call(f, f->scn->script_ref, err, sizeof err), 0);
    ck_assert_int_eq(gt__fault_from_lua(f, -1, &fs, err, sizeof err), 0);
    lua_pop(L, 1);
    gt_scenario no_script = *f->scn;
    no_script.script_ref = LUA_NOREF;
    ck_assert_int_eq(gt__fault_check(&no_script, &fs, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "point: unknown fault point \"net/front/read\" (nothing goes through the "
                          "front: give the load via = \"front\")");
    ck_assert_int_eq(gt__fault_check(f->scn, &fs, err, sizeof err), 0); /* a script may */
    lua_pushnumber(L, 3);
    ck_assert_int_eq(gt__fault_from_lua(f, -1, &fs, err, sizeof err), -EINVAL);
    snprintf(want, sizeof want, "%s: expected a fault such as delay { ... } or error { ... } (got 3)", path);
    ck_assert_str_eq(err, want);
    lua_pop(L, 1);
    gt__file_release(f);
}
END_TEST

/* The points the loader knows by name are the service's: every task and
 * channel name in the service's sources (read from the repo root, where the tests
 * run) is accepted as task/spawn/<name> or chan/<name>/send. */
START_TEST(service_names_are_points)
{
    gt_file *f = load_ok(
        "return {\n"
        "  scenario { name = 'p', target = pool { dep = { } }, script = function() end },\n"
        "  scenario { name = 'q', target = pipeline { stages = { { name = 's' } } },\n"
        "             script = function() end } }\n");
    static const char *const files[] = {"service/pool.c", "service/pipeline.c", "service/job.c",
                                        "service/front.c", "service/dep.c", "service/load.c"};
    int found = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *fp = fopen(files[i], "r");
        ck_assert_msg(fp != NULL, "%s: run the tests from the repo root", files[i]);
        char line[512];
        while (fgets(line, sizeof line, fp)) {
            bool task = strstr(line, "gr_spawn(") || strstr(line, "gr_group_go(");
            bool chan = strstr(line, "gr_chan_create(") != NULL;
            char *q = (task || chan) ? strchr(line, '"') : NULL;
            char *e = q ? strchr(q + 1, '"') : NULL;
            if (!e)
                continue;
            *e = '\0';
            gt_fault_spec fs = {.spec = INJ_SPEC_INIT};
            char point[128];
            snprintf(point, sizeof point, task ? "task/spawn/%s" : "chan/%s/send", q + 1);
            fs.spec.point = point;
            fs.spec.kind = INJ_DELAY;
            bool ok = gt__fault_check(&f->scn[0], &fs, err, sizeof err) == 0 ||
                      gt__fault_check(&f->scn[1], &fs, err, sizeof err) == 0;
            ck_assert_msg(ok, "%s: %s: %s", files[i], point, err);
            found++;
        }
        fclose(fp);
    }
    ck_assert_int_ge(found, 20);
    gt__file_release(f);
}
END_TEST

/* Every allocation failing in turn: -ENOMEM or a good load, never a
 * crash, nothing leaked. */
START_TEST(load_alloc_failures)
{
    if (!af_available())
        return; /* sanitizer build: ASan owns malloc */
    put("s.lua", SCN("pool { dep = { } }"));
    gt_file *f = NULL;
    ck_assert_int_eq(gt__file_load(&f, path, dir, err, sizeof err), 0); /* warm the catalog */
    gt__file_release(f);
    long n = 1, failed = 0;
    for (; n < 100000; n++) {
        af_fail_nth(n);
        long before = af_live();
        f = NULL;
        int rc = gt__file_load(&f, path, dir, err, sizeof err);
        gt__file_release(f);
        long leaked = af_live() - before;
        bool injected = af_stop();
        ck_assert_int_eq(leaked, 0);
        if (!injected) {
            ck_assert_int_eq(rc, 0);
            break;
        }
        ck_assert_msg(rc == 0 || rc == -ENOMEM, "allocation %ld: rc %d: %s", n, rc, err);
        failed += rc == -ENOMEM;
    }
    ck_assert_int_gt(failed, 10);
}
END_TEST

Suite *suite_harness_load_sandbox(void)
{
    Suite *s = suite_create("harness_load_sandbox");
    TCase *tc;
    tc = tcase_create("sandbox");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, sandbox_libraries);
    tcase_add_test(tc, sandbox_require);
    tcase_add_test(tc, sandbox_require_stays_under_root);
    tcase_add_test(tc, budget_infinite_loop);
    tcase_add_test(tc, budget_escapes_pcall);
    tcase_add_test(tc, budget_counts_coroutines);
    tcase_add_test(tc, memory_cap);
    tcase_add_test(tc, no_finalizers);
    suite_add_tcase(s, tc);

    tc = tcase_create("calls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, lua_call_results_and_errors);
    tcase_add_test(tc, lua_call_budget_per_call);
    tcase_add_test(tc, values_from_lua);
    tcase_add_test(tc, service_names_are_points);
    tcase_add_test(tc, load_alloc_failures);
    suite_add_tcase(s, tc);
    return s;
}
