/* cli.c — the `gauntlet` command line: commands, flags, help, and the
 * commands that only print (points, checks) or read a result (replay). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/gt_int.h"

#define JOBS_MAX 1024

/* ---------------------------------------------------------------- tables */

enum {
    C_RUN = 1, C_LIST = 2, C_POINTS = 4, C_CHECKS = 8, C_REPLAY = 16, C_REPORT = 32, C_NEW = 64,
};

enum {
    F_SEED, F_MODE, F_FILTER, F_TAG, F_SHARD, F_JOBS, F_OUT, F_TIMEOUT,
    F_REPEAT, F_SEEDS, F_DETERMINISM, F_QUIET, F_MARKDOWN, F_BASELINE, F_HTML,
    F_JUNIT, F_TARGET, F_MUTANTS, F_MUTANT,
};

typedef struct flag_def {
    const char *name;
    int id;
    bool value;        /* takes a value: --name V or --name=V */
    unsigned cmds;     /* the commands accepting it */
} flag_def;

static const flag_def flags[] = {
    {"--seed", F_SEED, true, C_RUN},
    {"--mode", F_MODE, true, C_RUN},
    {"--filter", F_FILTER, true, C_RUN | C_LIST},
    {"--tag", F_TAG, true, C_RUN | C_LIST},
    {"--shard", F_SHARD, true, C_RUN | C_LIST},
    {"--jobs", F_JOBS, true, C_RUN},
    {"--out", F_OUT, true, C_RUN | C_REPLAY | C_REPORT},
    {"-o", F_OUT, true, C_REPORT},
    {"--timeout", F_TIMEOUT, true, C_RUN | C_REPLAY},
    {"--repeat", F_REPEAT, true, C_RUN},
    {"--seeds", F_SEEDS, true, C_RUN},
    {"--check-determinism", F_DETERMINISM, false, C_RUN},
    {"--quiet", F_QUIET, false, C_RUN | C_REPLAY},
    {"--markdown", F_MARKDOWN, false, C_POINTS},
    {"--baseline", F_BASELINE, true, C_RUN | C_REPORT},
    {"--html", F_HTML, true, C_REPORT},
    {"--junit", F_JUNIT, true, C_REPORT},
    {"--target", F_TARGET, true, C_NEW},
    {"--mutants", F_MUTANTS, false, C_RUN},
    {"--mutant", F_MUTANT, true, C_RUN},
};

/* Everything a command line says. */
typedef struct cli {
    const char *cmd;           /* "run", ... */
    unsigned bit;
    gt_run_cfg cfg;
    const char **pos;          /* positional arguments */
    int npos;
    const char **tags;
    bool markdown;
    const char *target;        /* new: --target */
    char *command;             /* argv joined, quoted (owned) */
} cli;

typedef struct command {
    const char *name;
    unsigned bit;
    int (*fn)(cli *x);
    const char *help;
} command;

static const char usage_top[] =
    "usage: gauntlet <command> [options]\n"
    "\n"
    "Chaos-engineering harness: runs Lua scenarios against the reference\n"
    "service under injected faults and judges them by their checks.\n"
    "\n"
    "commands:\n"
    "  run [PATH...]        run scenarios (files or directories; default scenarios/)\n"
    "  list [PATH...]       list scenarios: file:line  name  [tags]\n"
    "  points [--markdown]  the fault-point catalog\n"
    "  checks               the checks a scenario can state\n"
    "  replay RESULT.json   re-run exactly the scenario of a result document\n"
    "  report DIR...        render a run's documents as HTML and JUnit again\n"
    "  report merge SUITE... -o DIR   join the results of shards into one suite\n"
    "  new NAME [--target pool|pipeline]   write a starter scenario NAME.lua\n"
    "\n"
    "  gauntlet <command> --help   a command's options\n"
    "  gauntlet --version          the version\n"
    "\n"
    "exit codes: 0 all passed, 1 a scenario failed, crashed or hung,\n"
    "            2 bad input (flag, path, scenario file), 3 internal error\n"
    "docs/cli.md has the details.\n";

static const char usage_run[] =
    "usage: gauntlet run [PATH...] [options]\n"
    "\n"
    "Runs every scenario of the *.lua files found under PATH (recursively,\n"
    "sorted by path; directories named lib are skipped; default scenarios/),\n"
    "each in its own forked child, and writes OUT/<run>/suite.json, one\n"
    "document per scenario, index.html (the report) and junit.xml.\n"
    "\n"
    "  --seed N              the suite seed (a single selected scenario: its seed)\n"
    "  --seeds A..B          run each scenario once per seed A..B\n"
    "  --mode sim|real       the clock (default: the scenario's own, else sim)\n"
    "  --filter GLOB         scenarios whose name matches GLOB\n"
    "  --tag T               scenarios with tag T (repeatable: any of them)\n"
    "  --shard K/N           the K-th of N slices of the selection\n"
    "  --jobs J              children at once (default: online CPUs)\n"
    "  --out DIR             results directory (default out)\n"
    "  --timeout SECONDS     watchdog per scenario (default 60, + 2 x duration in real mode)\n"
    "  --repeat N            run each scenario N times\n"
    "  --check-determinism   run each twice; any difference outside `wall` fails it\n"
    "  --quiet               no per-scenario lines or progress\n"
    "  --baseline OLD        compare with an earlier run (its dir or suite.json)\n"
    "  --mutants             the mutant matrix: every scenario once per known bug\n"
    "                        that applies to it, and once with none; prints which\n"
    "                        checks caught each bug; exit 0 only when every bug\n"
    "                        is caught and the correct service fails nothing\n"
    "  --mutant BUG          run with that known bug switched on (replays a\n"
    "                        matrix run); bugs: unbounded_spawn, leak_on_cancel,\n"
    "                        no_close_jobs, ignore_ctx, wg_add_in_task,\n"
    "                        send_after_close, no_timeout, ticker_leak,\n"
    "                        no_dedupe, unbounded_queue, retry_storm\n";

static const char usage_list[] =
    "usage: gauntlet list [PATH...] [--filter GLOB] [--tag T] [--shard K/N]\n"
    "\n"
    "One line per scenario, in run order: file:line  name  [tag, tag]\n";

static const char usage_points[] =
    "usage: gauntlet points [--markdown]\n"
    "\n"
    "The fault-point catalog: each point's pattern, the fault kinds it accepts\n"
    "and what it means. --markdown prints a Markdown table.\n";

static const char usage_checks[] =
    "usage: gauntlet checks\n"
    "\n"
    "The checks a scenario can state: name(parameters) and meaning.\n";

static const char usage_replay[] =
    "usage: gauntlet replay RESULT.json [--out DIR] [--timeout SECONDS] [--quiet]\n"
    "\n"
    "Re-runs the scenario of a per-scenario result document (its file, name,\n"
    "seed and mode), exactly as `gauntlet run` would, writing a new run.\n";

static const char usage_new[] =
    "usage: gauntlet new NAME [--target pool|pipeline]\n"
    "\n"
    "Writes NAME.lua (NAME may be a path: scenarios/pool/my_case), a commented\n"
    "starter scenario for that target (default pool) that passes as written.\n"
    "An existing file is never overwritten.\n";

static const char usage_report[] =
    "usage: gauntlet report RUN... [--html FILE] [--junit FILE] [--baseline OLD]\n"
    "       gauntlet report merge RUN... -o DIR [--baseline OLD]\n"
    "\n"
    "Renders result documents again. RUN is a run directory or its suite.json.\n"
    "One RUN: writes RUN/index.html and RUN/junit.xml, or only the files named\n"
    "by --html and --junit. Several RUNs are shown as one suite; name the\n"
    "outputs with --html and/or --junit.\n"
    "\n"
    "merge joins the runs of `--shard K/N` (one per CI runner) into DIR: one\n"
    "suite.json in the unsharded order, every scenario document, index.html\n"
    "and junit.xml. The runs must share seed and mode.\n"
    "\n"
    "  --html FILE           the HTML report's path\n"
    "  --junit FILE          the JUnit XML's path\n"
    "  -o, --out DIR         merge: the directory written (made if missing)\n"
    "  --baseline OLD        add a comparison with an earlier run: verdict\n"
    "                        changes, recovery time, p99, peak tasks\n";

/* ---------------------------------------------------------------- values */

static int bad_value(const char *flag, const char *what, const char *got)
{
    fprintf(stderr, "gauntlet: %s: expected %s (got \"%s\")\n", flag, what, got);
    return -EINVAL;
}

/* A positive decimal integer, at most max. */
static int parse_count(const char *s, long max, int *out)
{
    if (!*s || strlen(s) > 9)
        return -EINVAL;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
    long v = strtol(s, NULL, 10);
    if (v < 1 || v > max)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

static int set_shard(gt_run_cfg *c, const char *flag, const char *v)
{
    const char *slash = strchr(v, '/');
    char k[16];
    if (!slash || (size_t)(slash - v) >= sizeof k)
        return bad_value(flag, "K/N with 1 <= K <= N", v);
    memcpy(k, v, (size_t)(slash - v));
    k[slash - v] = '\0';
    if (parse_count(k, GT_JOBS_MAX, &c->shard_k) < 0 ||
        parse_count(slash + 1, GT_JOBS_MAX, &c->shard_n) < 0 || c->shard_k > c->shard_n)
        return bad_value(flag, "K/N with 1 <= K <= N", v);
    return 0;
}

static int set_seeds(gt_run_cfg *c, const char *flag, const char *v)
{
    const char *dots = strstr(v, "..");
    char a[32];
    if (!dots || (size_t)(dots - v) >= sizeof a)
        return bad_value(flag, "A..B with A <= B", v);
    memcpy(a, v, (size_t)(dots - v));
    a[dots - v] = '\0';
    if (gt__parse_u64(a, &c->seeds_lo) < 0 || gt__parse_u64(dots + 2, &c->seeds_hi) < 0 ||
        c->seeds_lo > c->seeds_hi)
        return bad_value(flag, "A..B with A <= B", v);
    if (c->seeds_hi - c->seeds_lo >= GT_JOBS_MAX)
        return bad_value(flag, "at most 1000000 seeds", v);
    c->has_seeds = true;
    return 0;
}

static int set_text(const char **dst, const char *flag, const char *v, const char *what)
{
    if (!*v)
        return bad_value(flag, what, v);
    *dst = v;
    return 0;
}

static int set_flag(cli *x, const flag_def *f, const char *v)
{
    gt_run_cfg *c = &x->cfg;
    int m;
    int64_t ns;
    switch (f->id) {
    case F_SEED:
        c->has_seed = true;
        return gt__parse_u64(v, &c->seed) < 0 ? bad_value(f->name, "an unsigned 64-bit integer", v)
                                              : 0;
    case F_MODE:
        if ((m = gt_mode_parse(v)) < 0)
            return bad_value(f->name, "sim or real", v);
        c->has_mode = true, c->mode = (gt_mode)m;
        return 0;
    case F_FILTER: return set_text(&c->filter, f->name, v, "a glob pattern");
    case F_TAG: return set_text(&x->tags[c->ntags++], f->name, v, "a tag");
    case F_SHARD: return set_shard(c, f->name, v);
    case F_JOBS:
        return parse_count(v, JOBS_MAX, &c->jobs) < 0 ? bad_value(f->name, "a positive integer", v)
                                                      : 0;
    case F_OUT: c->has_out = true; return set_text(&c->out, f->name, v, "a directory");
    case F_TIMEOUT:
        if (gt__duration_parse(v, &ns) < 0 || ns <= 0)
            return bad_value(f->name, "a positive number of seconds", v);
        c->timeout = ns;
        return 0;
    case F_REPEAT:
        return parse_count(v, GT_JOBS_MAX, &c->repeat) < 0
                   ? bad_value(f->name, "a positive integer", v) : 0;
    case F_SEEDS: return set_seeds(c, f->name, v);
    case F_DETERMINISM: c->check_determinism = true; return 0;
    case F_QUIET: c->quiet = true; return 0;
    case F_MARKDOWN: x->markdown = true; return 0;
    case F_BASELINE: return set_text(&c->baseline, f->name, v, "a suite.json or run directory");
    case F_HTML: return set_text(&c->html, f->name, v, "a file name");
    case F_JUNIT: return set_text(&c->junit, f->name, v, "a file name");
    case F_TARGET:
        if (strcmp(v, "pool") != 0 && strcmp(v, "pipeline") != 0)
            return bad_value(f->name, "pool or pipeline", v);
        x->target = v;
        return 0;
    case F_MUTANTS: c->mutants = true; return 0;
    case F_MUTANT:
        if ((m = svc_bug_parse(v)) < 0)
            return bad_value(f->name, "a known bug (gauntlet run --help lists them)", v);
        c->mutant = m;
        return 0;
    }
    return -EINVAL;
}

/* ---------------------------------------------------------------- parsing */

static const flag_def *find_flag(const char *name, size_t len, unsigned bit)
{
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
        if (strlen(flags[k].name) == len && strncmp(flags[k].name, name, len) == 0 &&
            (flags[k].cmds & bit))
            return &flags[k];
    return NULL;
}

/* One option at argv[*i]; *i advances past its value. */
static int parse_flag(cli *x, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const flag_def *f = find_flag(a, len, x->bit);
    if (!f) {
        fprintf(stderr, "gauntlet %s: unknown flag %.*s (see gauntlet %s --help)\n", x->cmd,
                (int)len, a, x->cmd);
        return -EINVAL;
    }
    if (!f->value && eq) {
        fprintf(stderr, "gauntlet: %s: takes no value (got \"%s\")\n", f->name, eq + 1);
        return -EINVAL;
    }
    const char *v = eq ? eq + 1 : NULL;
    if (f->value && !v) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "gauntlet: %s: missing value\n", f->name);
            return -EINVAL;
        }
        v = argv[++*i];
    }
    return set_flag(x, f, v);
}

/* 0; 1 when help was asked (printed); -EINVAL (reported). */
static int parse_args(cli *x, int argc, char **argv, const char *help)
{
    bool options = true;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(help, stdout);
            return 1;
        } else if (options && a[0] == '-' && a[1]) {
            if (parse_flag(x, argc, argv, &i) < 0)
                return -EINVAL;
        } else {
            x->pos[x->npos++] = a;
        }
    }
    if (x->cfg.mutants && x->cfg.mutant >= 0) {
        fprintf(stderr, "gauntlet: --mutant: cannot be combined with --mutants\n");
        return -EINVAL;
    }
    if (x->cfg.has_seed && x->cfg.has_seeds) {
        fprintf(stderr, "gauntlet: --seeds: cannot be combined with --seed\n");
        return -EINVAL;
    }
    return 0;
}

/* argv as one shell-quoted line, program name "gauntlet". */
static char *join_argv(int argc, char **argv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fputs("gauntlet", m);
    for (int i = 1; i < argc; i++) {
        char *q = gt__shell_quote(argv[i]);
        fprintf(m, " %s", q ? q : "?");
        free(q);
    }
    fclose(m);
    return buf;
}

/* ---------------------------------------------------------------- commands */

static int no_positional(cli *x)
{
    if (x->npos == 0)
        return 0;
    fprintf(stderr, "gauntlet %s: unexpected argument \"%s\"\n", x->cmd, x->pos[0]);
    return -EINVAL;
}

static int cmd_run(cli *x)
{
    x->cfg.paths = x->pos, x->cfg.npaths = x->npos;
    return gt__cmd_run(&x->cfg);
}

static int cmd_list(cli *x)
{
    x->cfg.paths = x->pos, x->cfg.npaths = x->npos;
    return gt__cmd_list(&x->cfg);
}

static void kinds_text(char *out, size_t cap, unsigned kinds)
{
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < INJ_KIND__COUNT; k++)
        if (kinds & INJ_BIT(k))
            n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "",
                                  inj_kind_name((inj_kind)k));
}

/* text for a Markdown table cell: | escaped, < > as entities. */
static void md_cell(const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '<' || *s == '>')
            fputs(*s == '|' ? "\\|" : *s == '<' ? "&lt;" : "&gt;", stdout);
        else
            putchar(*s);
    }
}

static int cmd_points(cli *x)
{
    if (no_positional(x) < 0)
        return GT_EXIT_USAGE;
    if (svc_register_points() < 0) {
        fprintf(stderr, "gauntlet: out of memory\n");
        return GT_EXIT_INTERNAL;
    }
    const inj_point_def *defs = NULL;
    size_t n = inj_catalog(&defs);
    int wp = 5, wk = 5;
    char kinds[160];
    for (size_t k = 0; k < n; k++) {
        kinds_text(kinds, sizeof kinds, defs[k].kinds);
        wp = (int)strlen(defs[k].pattern) > wp ? (int)strlen(defs[k].pattern) : wp;
        wk = (int)strlen(kinds) > wk ? (int)strlen(kinds) : wk;
    }
    if (x->markdown)
        puts("| point | kinds | meaning |\n|---|---|---|");
    else
        printf("%-*s  %-*s  %s\n", wp, "POINT", wk, "KINDS", "MEANING");
    for (size_t k = 0; k < n; k++) {
        kinds_text(kinds, sizeof kinds, defs[k].kinds);
        if (!x->markdown) {
            printf("%-*s  %-*s  %s\n", wp, defs[k].pattern, wk, kinds, defs[k].meaning);
            continue;
        }
        printf("| `");
        for (const char *p = defs[k].pattern; *p; p++)
            *p == '|' ? fputs("\\|", stdout) : putchar(*p);
        printf("` | %s | ", kinds);
        md_cell(defs[k].meaning);
        puts(" |");
    }
    return GT_EXIT_OK;
}

static int cmd_checks(cli *x)
{
    if (no_positional(x) < 0)
        return GT_EXIT_USAGE;
    static const char *const rows[][3] = {
#define GT__X(id, name, params, text) {name, params, text},
        GT_CHECKS(GT__X)
#undef GT__X
    };
    int w = 0;
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        int n = (int)(strlen(rows[k][0]) + strlen(rows[k][1]));
        w = n > w ? n : w;
    }
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++)
        printf("%s%s%*s  %s\n", rows[k][0], rows[k][1],
               w - (int)(strlen(rows[k][0]) + strlen(rows[k][1])), "", rows[k][2]);
    return GT_EXIT_OK;
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[8192];
    size_t k;
    while (m && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fwrite(chunk, 1, k, m);
    if (m)
        fclose(m);
    int err = ferror(fp);
    fclose(fp);
    if (err || !m) {
        free(buf);
        errno = err ? EIO : ENOMEM;
        return NULL;
    }
    return buf;
}

static const char *member(const cJSON *d, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* The scenario a document names, as a run configuration. */
static int replay_cfg(cli *x, const char *path, const char *text, cJSON *d, char **glob)
{
    const char *kind = member(d, "kind"), *file = member(d, "file"), *name = member(d, "name");
    const char *mode = member(d, "mode");
    char raw[32];
    if (kind && strcmp(kind, "suite") == 0) {
        fprintf(stderr, "gauntlet: %s: a suite result; replay takes one scenario's document\n",
                path);
        return -EINVAL;
    }
    if (!file || !name || !mode || gt_mode_parse(mode) < 0 ||
        gt__json_raw(text, "seed", raw, sizeof raw) < 0 ||
        gt__parse_u64(raw, &x->cfg.seed) < 0) {
        fprintf(stderr, "gauntlet: %s: not a scenario result (needs file, name, seed, mode)\n",
                path);
        return -EINVAL;
    }
    if (!(*glob = gt__glob_escape(name)))
        return -ENOMEM;
    x->cfg.has_seed = true;
    x->cfg.has_mode = true, x->cfg.mode = (gt_mode)gt_mode_parse(mode);
    x->cfg.filter = *glob;
    x->cfg.paths = (const char *const *)&x->pos[1], x->cfg.npaths = 1;
    x->pos[1] = file;
    return 0;
}

static int cmd_replay(cli *x)
{
    if (x->npos != 1) {
        fprintf(stderr, "gauntlet replay: expected one RESULT.json (got %d arguments)\n", x->npos);
        return GT_EXIT_USAGE;
    }
    const char *path = x->pos[0];
    char *text = read_text(path), *glob = NULL;
    if (!text) {
        fprintf(stderr, "gauntlet: %s: %s\n", path, strerror(errno));
        return GT_EXIT_USAGE;
    }
    cJSON *d = cJSON_Parse(text);
    int rc = d ? replay_cfg(x, path, text, d, &glob) : -EINVAL;
    if (!d)
        fprintf(stderr, "gauntlet: %s: not a JSON document\n", path);
    int code = rc == 0 ? gt__cmd_run(&x->cfg) : rc == -ENOMEM ? GT_EXIT_INTERNAL : GT_EXIT_USAGE;
    cJSON_Delete(d);
    free(text);
    free(glob);
    return code;
}

static int cmd_report(cli *x)
{
    x->cfg.paths = x->pos, x->cfg.npaths = x->npos;
    return gt__cmd_report(&x->cfg);
}

static int cmd_new(cli *x)
{
    if (x->npos != 1) {
        fprintf(stderr, "gauntlet new: expected one NAME (got %d arguments)\n", x->npos);
        return GT_EXIT_USAGE;
    }
    return gt__cmd_new(x->pos[0], x->target ? x->target : "pool");
}

static const command commands[] = {
    {"run", C_RUN, cmd_run, usage_run},
    {"list", C_LIST, cmd_list, usage_list},
    {"points", C_POINTS, cmd_points, usage_points},
    {"checks", C_CHECKS, cmd_checks, usage_checks},
    {"replay", C_REPLAY, cmd_replay, usage_replay},
    {"report", C_REPORT, cmd_report, usage_report},
    {"new", C_NEW, cmd_new, usage_new},
};

static const command *find_command(const char *name)
{
    for (size_t k = 0; k < sizeof commands / sizeof *commands; k++)
        if (strcmp(commands[k].name, name) == 0)
            return &commands[k];
    return NULL;
}

/* ---------------------------------------------------------------- main */

static void defaults(gt_run_cfg *c)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *nc = getenv("NO_COLOR");
    c->seed = GT_SEED_DEFAULT;
    c->jobs = cpus < 1 ? 1 : cpus > JOBS_MAX ? JOBS_MAX : (int)cpus;
    c->out = "out";
    c->repeat = 1;
    c->mutant = -1;
    c->tty = isatty(STDOUT_FILENO) == 1;
    c->color = c->tty && !(nc && nc[0]);
}

/* `gauntlet help [command]`, `--help`, `--version`; -1 when not one. */
static int top_level(int argc, char **argv)
{
    const char *a = argv[1];
    if (strcmp(a, "--version") == 0) {
        printf("gauntlet %s\n", GT_VERSION);
        return GT_EXIT_OK;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
        (strcmp(a, "help") == 0 && argc == 2)) {
        fputs(usage_top, stdout);
        return GT_EXIT_OK;
    }
    if (strcmp(a, "help") == 0) {
        const command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "gauntlet: unknown command \"%s\" (see gauntlet --help)\n", argv[2]);
            return GT_EXIT_USAGE;
        }
        fputs(c->help, stdout);
        return GT_EXIT_OK;
    }
    return -1;
}

int gt_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_top, stderr);
        return GT_EXIT_USAGE;
    }
    int code = top_level(argc, argv);
    if (code >= 0)
        return code;
    const command *cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "gauntlet: unknown %s \"%s\" (see gauntlet --help)\n",
                argv[1][0] == '-' ? "flag" : "command", argv[1]);
        return GT_EXIT_USAGE;
    }
    cli x = {.cmd = cmd->name, .bit = cmd->bit};
    defaults(&x.cfg);
    x.pos = calloc((size_t)argc + 1, sizeof *x.pos);
    x.tags = calloc((size_t)argc + 1, sizeof *x.tags);
    x.command = join_argv(argc, argv);
    if (!x.pos || !x.tags || !x.command) {
        fprintf(stderr, "gauntlet: out of memory\n");
        code = GT_EXIT_INTERNAL;
    } else {
        x.cfg.tags = x.tags, x.cfg.command = x.command;
        int rc = parse_args(&x, argc, argv, cmd->help);
        code = rc > 0 ? GT_EXIT_OK : rc < 0 ? GT_EXIT_USAGE : cmd->fn(&x);
    }
    fflush(stdout);
    free(x.pos), free(x.tags), free(x.command);
    return code;
}
