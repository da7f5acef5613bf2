/* new_cmd.c — `gauntlet new NAME [--target pool|pipeline]`: writes NAME.lua,
 * a commented starter scenario for that target which passes as written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gt_int.h"

#define TITLE_MAX 200 /* scenario { name } */

/* ---------------------------------------------------------------- templates */

/* Every template is Lua text in which "@TITLE@" stands for the scenario's
 * name (escaped for a Lua string) and "@FILE@" for the path written. Both
 * starters pass as written, in sim mode on any seed and in real mode
 * (tests/harness/test_docs.c runs them). */

static const char head_text[] =
    "-- @FILE@: <one line: what this scenario shows>.\n"
    "--\n"
    "-- <Why it matters: the failure it guards against, the bug it would catch.>\n"
    "--\n";

static const char pool_text[] =
    "-- Written by `gauntlet new` as a starting point, and it passes as it\n"
    "-- stands: a pool of 8 workers serves 500 requests a second, and for one\n"
    "-- second every job takes 40 ms longer (a slow disk, a GC pause). The\n"
    "-- checks say that nothing is lost, leaked or run twice, that the tasks\n"
    "-- and the queue stay bounded, and that throughput is back to normal\n"
    "-- within a second of the fault clearing. Edit each part to state what you\n"
    "-- want to prove: docs/writing-scenarios.md is the tutorial, docs/checks.md\n"
    "-- says what each check catches, `gauntlet points` lists the fault points.\n"
    "--\n"
    "-- Run it: gauntlet run @FILE@\n"
    "return scenario {\n"
    "  name = \"@TITLE@\",  -- unique in a run; reports and --filter use it\n"
    "  tags = { \"pool\", \"delay\" },  -- select with: gauntlet run --tag pool\n"
    "\n"
    "  -- What runs: a pool of workers taking jobs from a bounded queue.\n"
    "  target = pool {\n"
    "    workers = 8,          -- workers always running (default 4)\n"
    "    queue = 64,           -- jobs waiting for a worker (default 64): the backpressure bound\n"
    "    cost = \"2ms\",         -- work per job: a duration, or { fixed = \"1ms\", jitter = \"2ms\" }\n"
    "    job_timeout = \"1s\",   -- a job's deadline from submission (default: none)\n"
    "    -- max_workers = 16,  -- grow up to this many workers when none is idle\n"
    "    -- dep = { timeout = \"50ms\", retries = 2 },  -- call a dependency (net/dep/... points)\n"
    "    -- bugs = { \"unbounded_spawn\" },  -- a known defect: max_tasks(16) then fails\n"
    "  },\n"
    "\n"
    "  -- What drives it: 500 requests a second for 6 s of scenario time (in sim\n"
    "  -- mode, the default, the whole run takes milliseconds).\n"
    "  load = open_loop { rate = 500, duration = \"6s\", timeout = \"2s\" },\n"
    "\n"
    "  -- What goes wrong: from 2 s to 3 s every job waits 40 ms more at the\n"
    "  -- worker. The pool can then do about 190 jobs a second: the queue fills.\n"
    "  faults = {\n"
    "    delay { point = \"svc/pool/exec\", by = \"40ms\", from = \"2s\", to = \"3s\" },\n"
    "  },\n"
    "\n"
    "  -- What must hold. Each check reports what it measured against its bound.\n"
    "  checks = {\n"
    "    no_leaked_tasks(),          -- no task of the pool or the load alive after stop\n"
    "    no_lost_jobs(),             -- every accepted job reached a final state\n"
    "    exactly_once(),             -- no job ran twice, every completed job ran\n"
    "    max_tasks(16),              -- 8 workers and a few helpers: never a task per job\n"
    "    bounded_queue(\"pool\", 64),  -- the queue never held more than its capacity\n"
    "    recovery_within(\"1s\"),      -- throughput back in its baseline band within 1 s\n"
    "    p99_below(\"20ms\", { phase = \"baseline\" }),  -- fast before the fault\n"
    "  },\n"
    "}\n";

static const char pipeline_text[] =
    "-- Written by `gauntlet new` as a starting point, and it passes as it\n"
    "-- stands: a three-stage pipeline serves 16 clients, and for one second\n"
    "-- its middle stage takes 20 ms longer per job (a slow lookup). The checks\n"
    "-- say that nothing is lost, leaked or run twice, that nothing panics or\n"
    "-- deadlocks, that the stage's queue stays bounded, that throughput\n"
    "-- recovers within a second, and that shutdown drains promptly. Edit each\n"
    "-- part to state what you want to prove: docs/writing-scenarios.md is the\n"
    "-- tutorial, docs/checks.md says what each check catches, `gauntlet\n"
    "-- points` lists the fault points.\n"
    "--\n"
    "-- Run it: gauntlet run @FILE@\n"
    "return scenario {\n"
    "  name = \"@TITLE@\",  -- unique in a run; reports and --filter use it\n"
    "  tags = { \"pipeline\", \"delay\" },  -- select with: gauntlet run --tag pipeline\n"
    "\n"
    "  -- What runs: stages joined by bounded channels; a job passes each in turn.\n"
    "  target = pipeline {\n"
    "    stages = {  -- name (names its queue and its point), workers, cap (its\n"
    "                -- input channel's capacity), cost (work per job)\n"
    "      { name = \"parse\", workers = 2, cap = 16, cost = \"200us\" },\n"
    "      { name = \"enrich\", workers = 4, cap = 16, cost = \"1ms\" },\n"
    "      { name = \"store\", workers = 2, cap = 8, cost = \"500us\" },\n"
    "    },\n"
    "    job_timeout = \"1s\",  -- a job's deadline from submission (default: none)\n"
    "    -- bugs = { \"leak_on_cancel\" },  -- a known defect: no_leaked_tasks() then fails\n"
    "  },\n"
    "\n"
    "  -- What drives it: 16 clients, each sending a request, waiting for its\n"
    "  -- answer, pausing 5 ms, for 6 s of scenario time (milliseconds in sim mode).\n"
    "  -- A client gives up on a request after 50 ms: while the fault lasts some\n"
    "  -- do, and the pipeline must then cancel the job without leaving a task.\n"
    "  load = closed_loop { clients = 16, think = \"5ms\", duration = \"6s\", timeout = \"50ms\" },\n"
    "\n"
    "  -- What goes wrong: from 2 s to 3 s the enrich stage takes 20 ms more per job.\n"
    "  faults = {\n"
    "    delay { point = \"svc/pipeline/enrich/process\", by = \"20ms\", from = \"2s\", to = \"3s\" },\n"
    "  },\n"
    "\n"
    "  -- What must hold. Each check reports what it measured against its bound.\n"
    "  checks = {\n"
    "    no_leaked_tasks(),             -- no task alive after stop\n"
    "    no_lost_jobs(),                -- every accepted job reached a final state\n"
    "    exactly_once(),                -- no job ran twice, every completed job ran\n"
    "    no_panics(),                   -- no send on a closed channel, no double close\n"
    "    no_deadlock(),                 -- no stage left waiting on another for good\n"
    "    bounded_queue(\"enrich\", 16),   -- the slow stage's queue held at most its cap\n"
    "    recovery_within(\"1s\"),         -- throughput back in its baseline band within 1 s\n"
    "    drains_within(\"500ms\"),        -- stop finished the work in flight, cancelling none\n"
    "  },\n"
    "}\n";

/* ---------------------------------------------------------------- names */

/* The path to write: name, plus ".lua" unless it ends so. malloc'd. */
static char *path_of(const char *name)
{
    size_t n = strlen(name);
    bool has = n > 4 && strcmp(name + n - 4, ".lua") == 0;
    char *p = malloc(n + 5);
    if (p)
        snprintf(p, n + 5, "%s%s", name, has ? "" : ".lua");
    return p;
}

/* The scenario's name, from the file's: its base name without ".lua",
 * '_' as a blank, escaped for a Lua "string". False when it is empty,
 * too long, or the path holds a control character (err says which). */
static bool title_of(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 127)
            return snprintf(err, errlen, "the name holds a control character"), false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base) - 4, k = 0; /* path ends in ".lua" */
    if (n == 0)
        return snprintf(err, errlen, "\"%s\": the file needs a name before .lua", path), false;
    if (n > TITLE_MAX)
        return snprintf(err, errlen, "\"%s\": a scenario name is at most %d characters", base,
                        TITLE_MAX), false;
    for (size_t i = 0; i < n && k + 3 < cap; i++) {
        if (base[i] == '"' || base[i] == '\\')
            out[k++] = '\\';
        out[k++] = base[i] == '_' ? ' ' : base[i];
    }
    out[k] = '\0';
    return true;
}

/* The directory path is in must exist: 0, or an exit code (reported). */
static int dir_ok(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return GT_EXIT_OK;
    char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
    if (!dir)
        return fprintf(stderr, "gauntlet new: out of memory\n"), GT_EXIT_INTERNAL;
    struct stat st;
    int rc = GT_EXIT_OK;
    if (stat(dir, &st) != 0 && errno == ENOENT) {
        char *q = gt__shell_quote(dir);
        fprintf(stderr, "gauntlet new: %s: no such directory (make it first: mkdir -p %s)\n", dir,
                q ? q : dir);
        free(q);
        rc = GT_EXIT_USAGE;
    } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "gauntlet new: %s: not a directory\n", dir);
        rc = GT_EXIT_USAGE;
    }
    free(dir);
    return rc;
}

/* ---------------------------------------------------------------- writing */

/* tmpl onto fp, "@TITLE@" and "@FILE@" replaced. */
static void emit(FILE *fp, const char *tmpl, const char *title, const char *path)
{
    for (const char *p = tmpl; *p;) {
        const char *at = strchr(p, '@');
        if (!at) {
            fputs(p, fp);
            return;
        }
        fwrite(p, 1, (size_t)(at - p), fp);
        if (strncmp(at, "@TITLE@", 7) == 0)
            fputs(title, fp), p = at + 7;
        else if (strncmp(at, "@FILE@", 6) == 0)
            fputs(path, fp), p = at + 6;
        else
            fputc('@', fp), p = at + 1;
    }
}

/* Create path (never over an existing file) holding the starter: an exit
 * code, the problem reported. A file that could not be written in full is
 * removed. */
static int write_new(const char *path, const char *body, const char *title)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 && errno == EEXIST)
        return fprintf(stderr, "gauntlet new: %s already exists (not overwritten)\n", path),
               GT_EXIT_USAGE;
    if (fd < 0)
        return fprintf(stderr, "gauntlet new: %s: %s\n", path, strerror(errno)), GT_EXIT_USAGE;
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        close(fd);
        unlink(path);
        return fprintf(stderr, "gauntlet new: %s: %s\n", path, strerror(errno)), GT_EXIT_INTERNAL;
    }
    emit(fp, head_text, title, path);
    emit(fp, body, title, path);
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad) {
        int e = errno;
        unlink(path);
        return fprintf(stderr, "gauntlet new: %s: cannot write: %s\n", path, strerror(e)),
               GT_EXIT_INTERNAL;
    }
    return GT_EXIT_OK;
}

int gt__cmd_new(const char *name, const char *target)
{
    const char *body = strcmp(target, "pool") == 0       ? pool_text
                       : strcmp(target, "pipeline") == 0 ? pipeline_text
                                                         : NULL;
    if (!body)
        return fprintf(stderr, "gauntlet new: --target: expected pool or pipeline (got \"%s\")\n",
                       target), GT_EXIT_USAGE;
    if (!*name)
        return fprintf(stderr, "gauntlet new: NAME: expected a file name (got \"\")\n"),
               GT_EXIT_USAGE;
    char *path = path_of(name), title[2 * TITLE_MAX + 8], err[300];
    if (!path)
        return fprintf(stderr, "gauntlet new: out of memory\n"), GT_EXIT_INTERNAL;
    int rc = title_of(path, title, sizeof title, err, sizeof err) ? dir_ok(path) : -1;
    if (rc < 0)
        fprintf(stderr, "gauntlet new: %s\n", err), rc = GT_EXIT_USAGE;
    if (rc == GT_EXIT_OK)
        rc = write_new(path, body, title);
    if (rc == GT_EXIT_OK) {
        char *q = gt__shell_quote(path);
        printf("wrote %s: a %s scenario that passes as written; edit it to say what you mean\n"
               "run it: gauntlet run %s\n", path, target, q ? q : path);
        free(q);
    }
    free(path);
    return rc;
}
