/* gt_int.h — the harness's private model: a loaded scenario (what the Lua
 * constructors build), the metrics a run samples, and the pieces the CLI,
 * the runner, the loader and the world share (gt__ prefix). Nothing
 * outside harness/ and tests/harness/ includes this file.
 *
 * OWNERSHIP. A gt_file owns its lua_State and every string and array its
 * scenarios point to; they live until gt__file_release. A run never
 * changes a scenario. */
#ifndef GT_INT_H
#define GT_INT_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/gt.h"
#include "inject/inj.h"
#include "reports/rep.h"
#include "runtime/gr.h"
#include "service/svc.h"

/* ---------------------------------------------------------------- model */

typedef enum { GT_TARGET_POOL, GT_TARGET_PIPELINE } gt_target_kind;

/* The dependency a target calls (`dep = { ... }` in pool {} or a stage).
 * One per scenario: every stage that names it shares it. The world picks
 * the endpoint ("dep" in sim; 127.0.0.1:0 in real), and fault points name
 * it `net/dep/...` in both modes. */
typedef struct gt_dep_spec {
    bool on;
    svc_cost cost;              /* dep's work per call */
    int64_t latency;            /* sim link latency, ns */
    svc_client_cfg client;      /* timeout, retries, backoff, breaker, bugs */
    int line;
} gt_dep_spec;

typedef struct gt_target_spec {
    gt_target_kind kind;
    svc_pool_cfg pool;          /* pool: dep pointer left NULL (world sets) */
    svc_pipeline_cfg pipeline;  /* pipeline: .stages points at stages[] */
    svc_stage_cfg stages[SVC_STAGES_MAX];
    bool stage_dep[SVC_STAGES_MAX]; /* this stage calls the dependency */
    bool pool_dep;              /* the pool calls the dependency */
    gt_dep_spec dep;
    svc_front_cfg front;        /* used when load.via == "front"; endpoint
                                   left NULL (world sets "front") */
    int line;
} gt_target_spec;

typedef struct gt_load_spec {
    bool on;
    svc_load_cfg cfg;           /* via left NULL; via_front says */
    bool via_front;
    int64_t start;              /* ns after the run starts (default 0) */
    int line;
} gt_load_spec;

typedef struct gt_fault_spec {
    inj_spec spec;              /* spec.point owned by the file */
    int line;
} gt_fault_spec;

/* The metrics recovery_within can watch. */
#define GT_METRICS(X)                                         \
    X(THROUGHPUT, "throughput", "jobs completed per second") \
    X(LATENCY_P99, "latency_p99", "p99 latency, ns")          \
    X(ERROR_RATE, "error_rate", "failed / answered")          \
    X(LIVE_TASKS, "live_tasks", "tasks alive")

typedef enum {
#define GT__X(id, name, text) GT_METRIC_##id,
    GT_METRICS(GT__X)
#undef GT__X
    GT_METRIC__COUNT
} gt_metric;

/* Phases of a run, on the scenario clock. */
#define GT_PHASES(X)                                                        \
    X(ALL, "all", "the whole run")                                          \
    X(BASELINE, "baseline", "before the first fault")                      \
    X(FAULT, "fault", "while any fault is armed")                          \
    X(RECOVERY, "recovery", "after the last fault cleared, until recovered") \
    X(STEADY, "steady", "after recovery until the end")

typedef enum {
#define GT__X(id, name, text) GT_PHASE_##id,
    GT_PHASES(GT__X)
#undef GT__X
    GT_PHASE__COUNT
} gt_phase;

/* A check as the scenario states it. The X table is in gt.h (GT_CHECKS). */
typedef struct gt_check_spec {
    gt_check_kind kind;
    const char *label;          /* "max_tasks(12)", or the custom name */
    int64_t d;                  /* ns: recovery_within, p99_below,
                                   drains_within, cancel_propagates_within */
    double x;                   /* max_tasks n, bounded_queue n,
                                   error_rate_below x */
    const char *chan;           /* bounded_queue: the queue's name */
    gt_metric metric;           /* recovery_within: default throughput */
    double tolerance;           /* recovery_within: default 0.10 */
    int64_t hold;               /* recovery_within: default 200 ms */
    gt_phase phase;             /* p99_below: default ALL */
    int fn_ref;                 /* check(): Lua registry ref of the fn */
    int line;
} gt_check_spec;

typedef struct gt_scenario {
    const char *name;
    const char *description;    /* "" when not given */
    const char *file;           /* the path as given to the loader */
    int line;                   /* where scenario { } was called */
    const char **tags;
    int ntags;
    bool has_seed;
    uint64_t seed;
    bool has_mode;
    gt_mode mode;
    gt_target_spec target;
    gt_load_spec load;
    gt_fault_spec *faults;
    int nfaults;
    gt_check_spec *checks;
    int nchecks;
    int script_ref;             /* LUA_NOREF, or the script function */
    int64_t duration;           /* ns; 0 = the load's duration (or, with a
                                   script, until it returns) */
    int64_t sample;             /* ns; default 10 ms */
    int64_t grace;              /* stop's grace, ns; default 1 s */
} gt_scenario;

/* A scenario file, loaded: its Lua state stays open (scripts and custom
 * checks are Lua functions). */
typedef struct gt_file {
    lua_State *L;
    const char *path;
    gt_scenario *scn;
    int n;
    void *priv;                 /* the loader's (arena, allocator state) */
} gt_file;

/* Limits of the Lua sandbox. */
#define GT_LUA_MEM_MAX ((size_t)64 << 20)       /* bytes per file */
#define GT_LUA_BUDGET 50000000                  /* VM instructions per call */

/* Load a scenario file into a fresh sandbox. root is the suite's root
 * directory: require("lib.x") loads root/lib/x.lua (text only) and nothing
 * outside root. 0 and *out; on a script error, a bad key or value,
 * returns -EINVAL and writes "file:line: message" into err. -ENOMEM. */
int gt__file_load(gt_file **out, const char *path, const char *root, char *err, size_t errlen);
void gt__file_release(gt_file *f);

/* Call the Lua function at registry ref with the value at the top of L's
 * stack as its single argument (popped), under the instruction budget (a
 * script's pcall cannot swallow its end) and the memory cap. On success 0
 * and its first result is left on the stack; on error -EINVAL and
 * "file:line: message" in err, nothing left on the stack. */
int gt__lua_call(gt_file *f, int ref, char *err, size_t errlen);

/* A fault value (made by delay { }, error { }, ...) at stack index idx of
 * f->L, for t:inject: fill *out (strings owned by f). 0, or -EINVAL with
 * "file:line: message" in err. */
int gt__fault_from_lua(gt_file *f, int idx, gt_fault_spec *out, char *err, size_t errlen);
/* The same for a load value (open_loop { }, closed_loop { }), for t:load. */
int gt__load_from_lua(gt_file *f, int idx, gt_load_spec *out, char *err, size_t errlen);

/* Parse a duration: "250us", "50ms", "2s", "1m", "1.5s", "100ns", or a
 * number string of seconds. 0 and *out_ns; -EINVAL. */
int gt__duration_parse(const char *s, int64_t *out_ns);

/* Edit distance suggestion: the candidate closest to word (or NULL when
 * none is close enough to suggest). */
const char *gt__suggest(const char *word, const char *const *cands, size_t n);

/* Is fault fs aimed at a point scenario sc's world has (its target's
 * svc/, chan/, task/spawn/ names, net/dep/... when it has a dep, the
 * front's when its load goes via the front or it has a script), with a
 * kind that point accepts? The loader checks a scenario's own faults; call
 * it for faults a script injects. 0, or -EINVAL and "point: ..." in err
 * (no location: the caller adds it). */
int gt__fault_check(const gt_scenario *sc, const gt_fault_spec *fs, char *err, size_t errlen);

/* ---------------------------------------------------------------- metrics */

/* A log-linear latency histogram: values in ns, relative error of a
 * percentile under 1/GT_HIST_SUB. */
#define GT_HIST_SUB 16
#define GT_HIST_BUCKETS (64 * GT_HIST_SUB)

typedef struct gt_hist {
    uint64_t n;
    int64_t max;
    uint32_t b[GT_HIST_BUCKETS];
} gt_hist;

void gt__hist_add(gt_hist *h, int64_t v);
void gt__hist_merge(gt_hist *into, const gt_hist *from);
/* The q-quantile (0 < q <= 1), as the upper edge of its bucket clamped to
 * max; 0 when empty. */
int64_t gt__hist_quantile(const gt_hist *h, double q);

/* One series: a value per sample interval (doubles: rates and ratios). */
typedef struct gt_series {
    const double *v;
    size_t n;
    int64_t t0, step;           /* time of v[i] = t0 + (i + 1) * step: the
                                   end of its interval */
} gt_series;

typedef struct gt_recovery {
    bool have_band;             /* the baseline had samples */
    double lo, hi, mean;        /* the band: mean +- tolerance * mean */
    bool recovered;
    int64_t at;                 /* when it entered the band for good */
    int64_t time;               /* at - cleared (>= 0) */
} gt_recovery;

/* Recovery of series s: the band is the mean of samples ending in
 * [t0, baseline_end) +- tolerance x mean (absolute tolerance when the mean
 * is 0); recovery is the first sample end t >= cleared from which every
 * sample stays in the band for at least `hold` and up to `until` (the
 * end of the measured run). Never recovering: recovered false. */
void gt__recovery(const gt_series *s, int64_t baseline_end, int64_t cleared, int64_t until,
                  double tolerance, int64_t hold, gt_recovery *out);

/* ---------------------------------------------------------------- runs */

typedef struct gt_run_opts {
    uint64_t seed;              /* the scenario's seed, already chosen */
    gt_mode mode;
    const char *replay;         /* the command that replays this run */
} gt_run_opts;

/* Run scenario f->scn[i] in this process (the runner calls it in a forked
 * child; tests call it directly) and build its result document
 * (docs/report-format.md). Returns the verdict (>= 0) and *json, the
 * document's text (malloc'd, the caller frees), or -ENOMEM / -EIO when
 * the harness itself failed (no document). */
int gt__run(gt_file *f, int i, const gt_run_opts *o, char **json);

/* The document of a scenario that produced none (crashed, hung, failed to
 * start): verdict error with reason ("killed by SIGSEGV", "hung: no
 * result after 30 s"), and the tail of its output (may be NULL). NULL on
 * ENOMEM. wall_ns is how long it ran. */
char *gt__doc_error(const gt_scenario *sc, const gt_run_opts *o, const char *reason,
                    const char *output, int64_t wall_ns);

/* ---------------------------------------------------------------- runner */

/* What `gauntlet run` (list, replay) was asked; the CLI fills it
 * (docs/cli.md). Strings are borrowed from argv or the caller. */
typedef struct gt_run_cfg {
    const char *const *paths;   /* files or directories; none: "scenarios/" */
    int npaths;
    bool has_seed;              /* --seed given */
    uint64_t seed;              /* the suite seed (GT_SEED_DEFAULT) */
    bool has_seeds;             /* --seeds A..B given */
    uint64_t seeds_lo, seeds_hi;
    bool has_mode;              /* --mode given: overrides scenarios' own */
    gt_mode mode;
    const char *filter;         /* --filter GLOB (fnmatch), or NULL */
    const char *const *tags;    /* --tag: a scenario with any of them */
    int ntags;
    int shard_k, shard_n;       /* --shard K/N; 0/0: no sharding */
    int jobs;                   /* children at once, >= 1 */
    const char *out;            /* the results directory ("out") */
    int64_t timeout;            /* ns per child; 0: 60 s (+ 2 x duration
                                   in real mode) */
    int repeat;                 /* >= 1 */
    bool check_determinism;     /* every run twice, documents compared */
    bool quiet;                 /* no per-scenario lines, no progress */
    bool tty;                   /* stdout is a terminal: progress line */
    bool color;                 /* tty and NO_COLOR unset or empty */
    const char *command;        /* the command line, shell-quoted */
    bool has_out;               /* --out / -o given */
    const char *baseline;       /* --baseline OLD/suite.json, or NULL */
    const char *html, *junit;   /* report: --html F, --junit F, or NULL */
    bool mutants;               /* --mutants: the matrix, every bug in turn */
    int mutant;                 /* --mutant BUG: that svc_bug on; -1: none */
} gt_run_cfg;

/* A scenario of a loaded suite: file and index in it. */
typedef struct gt_sel {
    gt_file *f;
    int i;
} gt_sel;

/* The files of a suite, loaded (each in its own Lua state), and their
 * scenarios: all in order (files sorted by path, then in file order), and
 * the selected ones in that same order. */
typedef struct gt_suite {
    gt_file **files;
    int nfiles;
    gt_sel *all;
    int nall;
    gt_sel *sel;
    int nsel;
    bool bad_input;             /* a file failed to load or a name was a
                                   duplicate (reported, the rest loaded) */
} gt_suite;

/* Find the scenario files under paths (a directory: its *.lua files,
 * recursively, skipping directories named lib and dot-entries; a file:
 * itself), sorted by path, and load each with its suite root (docs/cli.md).
 * A file that fails to load or a duplicate scenario name is reported on
 * diag and sets bad_input; the others load. 0; -ENOENT (an unreadable
 * path: reported on diag, nothing loaded); -ENOMEM. On failure *s is
 * left empty. */
int gt__suite_load(gt_suite *s, const char *const *paths, int npaths, FILE *diag);

/* The reports of the run in dir (its suite.json written): index.html and
 * junit.xml there, compared with c->baseline when given. Prints where the
 * HTML report is on out; with c->mutants then the mutant matrix, and
 * *holds says whether it held (every bug caught, no false alarm). 0 or a
 * negated errno (reported on stderr). */
int gt__reports_write(const char *dir, const gt_run_cfg *c, FILE *out, int *holds);

/* The known-bug switches --mutants turns on in sc, one at a time: those of
 * its target's kind, of the dependency's client when it has one, of the
 * front when its load goes through it; less those sc already switches on. */
unsigned gt__bugs_applicable(const gt_scenario *sc);
/* Switch b on in t, where it applies (target, dependency client, front). */
void gt__bug_switch_on(gt_target_spec *t, svc_bug b);

/* `gauntlet new NAME --target T` (new_cmd.c): write NAME.lua, a starter
 * scenario for target "pool" or "pipeline". An exit code. */
int gt__cmd_new(const char *name, const char *target);

/* `gauntlet report` and `gauntlet report merge` (docs/cli.md): paths are
 * the inputs. An exit code. */
int gt__cmd_report(const gt_run_cfg *c);

/* Select by c's filter, tags and shard (into s->sel, in order). Always 0:
 * the arrays were sized by gt__suite_load. */
int gt__suite_select(gt_suite *s, const gt_run_cfg *c);

/* Release the files and arrays; *s is then empty. */
void gt__suite_release(gt_suite *s);

/* A failed check as the runner reports it (owned by its job). */
typedef struct gt_job_check {
    char *name, *measured, *bound, *detail;
} gt_job_check;

#define GT_ID_MAX 160           /* a job id (document file name), with NUL */

/* One run of a selected scenario with one seed: one forked child, or two
 * with check_determinism. The plan fills the first part; the runner the
 * outcome (read back from the document). */
typedef struct gt_job {
    gt_file *f;
    int i;                      /* the scenario: f->scn[i] */
    uint64_t seed;              /* in JSON always as exact digits (raw
                                   text), read back with gt__json_raw */
    gt_mode mode;
    int64_t timeout;            /* ns per child */
    int rep;                    /* 1..repeat */
    char id[GT_ID_MAX];         /* unique in the run */
    char *replay;               /* the command that replays it */
    /* outcome */
    gt_verdict verdict;
    bool internal;              /* the harness failed (exit 3 or no doc) */
    char *reason;               /* errors: why */
    char *tail;                 /* errors: the last lines of its output */
    gt_job_check *failed;
    int nfailed;
    int64_t virtual_ns, wall_ns;
    bool matrix;                /* a job of --mutants (or --mutant) */
    int mutant;                 /* the svc_bug switched on for it; -1: none */
    char *docs[2];              /* check_determinism: both documents */
    int pending;                /* children not yet finished */
} gt_job;

/* The jobs of a run, in selection order (each scenario x seeds x repeat):
 * seeds, ids, timeouts and replay commands. 0 and *out (release with
 * gt__jobs_release); -E2BIG (over GT_JOBS_MAX jobs); -ENOMEM. */
#define GT_JOBS_MAX 1000000
int gt__plan(gt_job **out, int *n, const gt_suite *s, const gt_run_cfg *c);
void gt__jobs_release(gt_job *jobs, int n);

/* Run the jobs in forked children (at most c->jobs at once, each under
 * its watchdog), write their documents into dir and fill their outcomes,
 * printing a line per job as it ends. 0; -ENOMEM / -EIO (the harness
 * failed; what ran is filled). */
int gt__execute(gt_job *jobs, int n, const gt_run_cfg *c, const char *dir);

/* Write dir/suite.json (atomically). 0 or a negated errno. */
int gt__suite_write(const gt_job *jobs, int n, const gt_run_cfg *c, const char *dir,
                    const char *started_at, int64_t wall_ns);

/* Print the summary, each failure's details and the results path. */
void gt__summary(FILE *out, const gt_job *jobs, int n, const gt_run_cfg *c, const char *dir,
                 int64_t wall_ns);

/* `gauntlet run` and `gauntlet list`: the exit code. */
int gt__cmd_run(const gt_run_cfg *c);
int gt__cmd_list(const gt_run_cfg *c);

/* The per-job line: verdict, name, wall time, seed. */
void gt__job_line(FILE *out, const gt_job *j, const gt_run_cfg *c);

/* ---- text helpers (no allocation unless said) */

/* s lowercased, [a-z0-9-] kept, any other run of bytes as one '_', no
 * leading or trailing '_'; at most cap bytes, NUL-terminated. */
void gt__slug(char *out, size_t cap, const char *s);

/* s for a POSIX shell: as is when it is made of [A-Za-z0-9_./:=@%+,-]
 * only, else in single quotes ('\'' for a quote). malloc'd; NULL. */
char *gt__shell_quote(const char *s);

/* s with * ? [ \ escaped by a backslash (fnmatch matches exactly s).
 * malloc'd; NULL. */
char *gt__glob_escape(const char *s);

/* `gauntlet run FILE --filter 'NAME' --seed SEED --mode MODE`, quoted.
 * malloc'd; NULL. */
char *gt__replay_command(const char *file, const char *name, uint64_t seed, gt_mode mode);

/* The raw text of member key of the top-level object of JSON text json
 * (e.g. a seed's digits, exactly). 0; -ENOENT (no such member);
 * -EINVAL (not a JSON object); -ENAMETOOLONG (over cap - 1 bytes). */
int gt__json_raw(const char *json, const char *key, char *out, size_t cap);

/* Compare two result documents outside their top-level "wall": 0 when
 * identical, 1 when not, with the first differing field's path
 * ("checks[2].measured") in path and both values ("12 vs 13") in values
 * (pcap, vcap > 0); -EINVAL when one does not parse. */
int gt__doc_diff(const char *a, const char *b, char *path, size_t pcap, char *values,
                 size_t vcap);

/* Parse an unsigned decimal (or 0x hex) integer, the whole of s. */
int gt__parse_u64(const char *s, uint64_t *out);

#endif /* GT_INT_H */
