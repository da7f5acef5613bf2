/* test_cli.c — the gauntlet command as users run it: flags, help, usage
 * errors, points and checks (the binary, through cliutil.h), and the
 * runner's text helpers called directly. Scenario runs are in
 * test_cli_runs.c (the same suite). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/gt_int.h"
#include "tests/harness/cliutil.h"

TCase *tcase_cli_runs(void);

/* ---------------------------------------------------------------- usage */

START_TEST(version_prints_it)
{
    fresh_dir();
    ran r = gt_run(NULL, "--version", NULL);
    ck_assert_int_eq(r.code, 0);
    ck_assert_str_eq(r.out, "gauntlet " GT_VERSION "\n");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(help_for_every_command)
{
    static const char *const cmds[][2] = {
        {"--help", NULL},     {"-h", NULL},          {"run", "--help"},   {"list", "-h"},
        {"points", "--help"}, {"checks", "--help"},  {"replay", "--help"}, {"help", "run"},
    };
    fresh_dir();
    for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++) {
        ran r = gt_run(NULL, cmds[k][0], cmds[k][1], NULL);
        ck_assert_msg(r.code == 0, "%s %s: exit %d", cmds[k][0], cmds[k][1], r.code);
        ck_assert_msg(strncmp(r.out, "usage: gauntlet", 15) == 0, "%s %s: %.1500s", cmds[k][0],
                      cmds[k][1] ? cmds[k][1] : "", r.out);
        if (cmds[k][1] && strcmp(cmds[k][0], "help") != 0)
            HAS(r.out, cmds[k][0]);
        release(&r);
    }
    done_dir();
}
END_TEST

START_TEST(unknown_flag_and_command)
{
    fresh_dir();
    ran r = gt_run(NULL, "run", "--frobnicate", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "--frobnicate");
    release(&r);
    r = gt_run(NULL, "frobnicate", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "frobnicate");
    release(&r);
    r = gt_run(NULL, "points", "--seed", "1", NULL); /* a flag of another command */
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "--seed");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(bad_flag_values_name_the_flag)
{
    static const char *const cases[][3] = {
        {"--jobs", "x", "--jobs"},       {"--jobs", "0", "--jobs"},
        {"--shard", "0/2", "--shard"},   {"--shard", "3/2", "--shard"},
        {"--shard", "1-2", "--shard"},   {"--seeds", "5..1", "--seeds"},
        {"--seeds", "a..b", "--seeds"},  {"--seeds", "7", "--seeds"},
        {"--mode", "fast", "--mode"},    {"--seed", "-1", "--seed"},
        {"--timeout", "soon", "--timeout"}, {"--repeat", "0", "--repeat"},
        {"--jobs", NULL, "--jobs"},      /* missing value */
    };
    fresh_dir();
    put("s/a.lua", "return 1\n");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ran r = gt_run(NULL, "run", "s", cases[k][0], cases[k][1], NULL);
        ck_assert_msg(r.code == GT_EXIT_USAGE, "%s %s: exit %d", cases[k][0], cases[k][1],
                      r.code);
        char want[64];
        snprintf(want, sizeof want, "gauntlet: %s:", cases[k][2]);
        HAS(r.err, want);
        release(&r);
    }
    done_dir();
}
END_TEST

START_TEST(unreadable_path)
{
    fresh_dir();
    ran r = gt_run(NULL, "run", "no/such/dir", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "no/such/dir");
    release(&r);
    r = gt_run(NULL, "list", "nothing.lua", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "nothing.lua");
    release(&r);
    r = gt_run(NULL, "replay", "missing.json", NULL);
    ck_assert_int_eq(r.code, GT_EXIT_USAGE);
    HAS(r.err, "missing.json");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(points_lists_the_catalog)
{
    fresh_dir();
    ran r = gt_run(NULL, "points", NULL);
    ck_assert_int_eq(r.code, 0);
    HAS(r.out, "svc/<pool>/exec");
    HAS(r.out, "net/<endpoint>/read");
    HAS(r.out, "chan/<name>/send");
    release(&r);
    r = gt_run(NULL, "points", "--markdown", NULL);
    ck_assert_int_eq(r.code, 0);
    HAS(r.out, "| point | kinds | meaning |");
    HAS(r.out, "| `svc/<pool>/exec` |");
    release(&r);
    done_dir();
}
END_TEST

START_TEST(checks_lists_every_check)
{
    static const char *const names[][2] = {
#define GT__X(id, name, params, text) {name, params},
        GT_CHECKS(GT__X)
#undef GT__X
    };
    fresh_dir();
    ran r = gt_run(NULL, "checks", NULL);
    ck_assert_int_eq(r.code, 0);
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char want[128];
        snprintf(want, sizeof want, "%s%s", names[k][0], names[k][1]);
        const char *at = strstr(r.out, want);
        ck_assert_msg(at && (at == r.out || at[-1] == '\n'),
                      "no line starting \"%s\" in:\n%.1500s", want, r.out);
    }
    release(&r);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- helpers */

START_TEST(slug_and_quotes)
{
    char s[32];
    gt__slug(s, sizeof s, "scenarios/Pool/Slow workers.lua");
    ck_assert_str_eq(s, "scenarios_pool_slow_workers_lua");
    gt__slug(s, sizeof s, "--a b--");
    ck_assert_str_eq(s, "--a_b--");
    gt__slug(s, sizeof s, "./x");
    ck_assert_str_eq(s, "x");
    char *q = gt__shell_quote("it's");
    ck_assert_str_eq(q, "'it'\\''s'");
    free(q);
    q = gt__shell_quote("a/b.lua");
    ck_assert_str_eq(q, "a/b.lua");
    free(q);
    q = gt__glob_escape("a*b?[c]\\");
    ck_assert_str_eq(q, "a\\*b\\?\\[c]\\\\");
    free(q);
    q = gt__replay_command("my dir/x.lua", "it's *", 18446744073709551615u, GT_MODE_REAL);
    ck_assert_str_eq(q, "gauntlet run 'my dir/x.lua' --filter 'it'\\''s \\*' "
                        "--seed 18446744073709551615 --mode real");
    free(q);
}
END_TEST

START_TEST(json_raw_reads_exact_text)
{
    char raw[32];
    const char *doc = "{ \"a\": {\"seed\": 1}, \"s\": \"x\\\"}\",\n"
                      "  \"seed\" : 18446744073709551615 }";
    ck_assert_int_eq(gt__json_raw(doc, "seed", raw, sizeof raw), 0);
    ck_assert_str_eq(raw, "18446744073709551615");
    uint64_t v = 0;
    ck_assert_int_eq(gt__parse_u64(raw, &v), 0);
    ck_assert(v == UINT64_MAX);
    ck_assert_int_eq(gt__json_raw(doc, "nope", raw, sizeof raw), -ENOENT);
    ck_assert_int_eq(gt__json_raw("[1]", "seed", raw, sizeof raw), -EINVAL);
    ck_assert_int_eq(gt__json_raw(doc, "seed", raw, 5), -ENAMETOOLONG);
    ck_assert_int_eq(gt__parse_u64("18446744073709551616", &v), -ERANGE);
    ck_assert_int_eq(gt__parse_u64("-1", &v), -EINVAL);
    ck_assert_int_eq(gt__parse_u64("0x10", &v), 0);
    ck_assert(v == 16);
}
END_TEST

START_TEST(doc_diff_names_the_first_difference)
{
    char path[64], values[64];
    const char *a = "{\"v\":1,\"checks\":[{\"m\":\"3\"},{\"m\":\"4\"}],\"wall\":{\"d\":1}}";
    const char *b = "{\"v\":1,\"checks\":[{\"m\":\"3\"},{\"m\":\"5\"}],\"wall\":{\"d\":2}}";
    const char *c = "{\"v\":1,\"checks\":[{\"m\":\"3\"},{\"m\":\"4\"}],\"wall\":{\"d\":9}}";
    ck_assert_int_eq(gt__doc_diff(a, b, path, sizeof path, values, sizeof values), 1);
    ck_assert_str_eq(path, "checks[1].m");
    ck_assert_str_eq(values, "\"4\" vs \"5\"");
    ck_assert_int_eq(gt__doc_diff(a, c, path, sizeof path, values, sizeof values), 0);
    ck_assert_int_eq(gt__doc_diff(a, "{\"v\":1}", path, sizeof path, values, sizeof values), 1);
    ck_assert_str_eq(path, "checks");
    ck_assert_int_eq(gt__doc_diff(a, "{", path, sizeof path, values, sizeof values), -EINVAL);
}
END_TEST

Suite *suite_harness_cli(void)
{
    Suite *s = suite_create("harness_cli");
    TCase *usage = tcase_create("usage");
    tcase_set_timeout(usage, 60);
    tcase_add_test(usage, version_prints_it);
    tcase_add_test(usage, help_for_every_command);
    tcase_add_test(usage, unknown_flag_and_command);
    tcase_add_test(usage, bad_flag_values_name_the_flag);
    tcase_add_test(usage, unreadable_path);
    tcase_add_test(usage, points_lists_the_catalog);
    tcase_add_test(usage, checks_lists_every_check);
    suite_add_tcase(s, usage);
    TCase *text = tcase_create("text");
    tcase_add_test(text, slug_and_quotes);
    tcase_add_test(text, json_raw_reads_exact_text);
    tcase_add_test(text, doc_diff_names_the_first_difference);
    suite_add_tcase(s, text);
    suite_add_tcase(s, tcase_cli_runs());
    return s;
}
