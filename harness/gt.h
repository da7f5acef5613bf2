/* gt.h — the harness: the `gauntlet` command (CLI, Lua scenarios, the forked
 * runner, metrics and checks). Its users touch the CLI and the Lua API
 * (docs/cli.md, docs/lua-api.md); this header is what other C code (the
 * reports, the tests, main) may rely on.
 *
 * Errors: >= 0 on success, a negated errno on failure; functions that read
 * user input also write a message into a caller buffer (err, errlen). */
#ifndef GT_H
#define GT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GT_VERSION "0.1.0"
/* The result document's schema (docs/report-format.md). */
#define GT_SCHEMA_VERSION 1

/* Exit codes of the CLI. */
#define GT_EXIT_OK 0       /* every check held */
#define GT_EXIT_FAIL 1     /* a check failed, or a scenario crashed or hung */
#define GT_EXIT_USAGE 2    /* bad input: flag, path, script error */
#define GT_EXIT_INTERNAL 3 /* the harness itself failed */

/* The suite seed when --seed is not given. */
#define GT_SEED_DEFAULT UINT64_C(0x6761756e746c6574) /* "gauntlet" */

typedef enum { GT_MODE_SIM, GT_MODE_REAL } gt_mode;
const char *gt_mode_name(gt_mode m); /* "sim", "real" */
int gt_mode_parse(const char *s);    /* the mode or -EINVAL */

/* A scenario's verdict: every check held / some check failed / it could
 * not be judged (script error at run time, crash, hang, harness error). */
#define GT_VERDICTS(X) X(PASS, "pass") X(FAIL, "fail") X(ERROR, "error")

typedef enum {
#define GT__X(id, name) GT_VERDICT_##id,
    GT_VERDICTS(GT__X)
#undef GT__X
} gt_verdict;

const char *gt_verdict_name(gt_verdict v);

/* The checks a scenario can state: id, Lua name, parameters, meaning. */
#define GT_CHECKS(X)                                                                         \
    X(NO_LEAKED_TASKS, "no_leaked_tasks", "()",                                            \
      "no task of the target or its load is alive after stop")                             \
    X(NO_LOST_JOBS, "no_lost_jobs", "()", "every accepted job reached a final state")      \
    X(EXACTLY_ONCE, "exactly_once", "()",                                                  \
      "no job executed twice, and every completed job executed")                           \
    X(MAX_TASKS, "max_tasks", "(n)", "live tasks never exceeded n")                        \
    X(BOUNDED_QUEUE, "bounded_queue", "(queue, n)",                                        \
      "the named queue of the target never held more than n jobs")                         \
    X(RECOVERY_WITHIN, "recovery_within", "(d, { metric?, tolerance?, hold? })",           \
      "after the last fault cleared, the metric was back in its baseline band within d")   \
    X(P99_BELOW, "p99_below", "(d, { phase? })", "p99 request latency stayed below d")     \
    X(ERROR_RATE_BELOW, "error_rate_below", "(x)", "failed / answered requests below x")   \
    X(DRAINS_WITHIN, "drains_within", "(d)",                                               \
      "stop drained every job and ended every task within d, without cancelling")          \
    X(CANCEL_PROPAGATES_WITHIN, "cancel_propagates_within", "(d)",                         \
      "once stop cancelled what was left, every task of the target exited within d")       \
    X(NO_DEADLOCK, "no_deadlock", "()", "the run never had every task blocked for good")   \
    X(NO_PANICS, "no_panics", "()",                                                        \
      "no send on a closed channel, double close, negative WaitGroup, ...")               \
    X(CUSTOM, "check", "(name, function(run) ... end)",                                    \
      "a Lua predicate over the run: true passes; false, nil or an error fails")

typedef enum {
#define GT__X(id, name, params, text) GT_CHECK_##id,
    GT_CHECKS(GT__X)
#undef GT__X
    GT_CHECK__COUNT
} gt_check_kind;

const char *gt_check_name(gt_check_kind k);

/* The seed of scenario `name` in a suite run with suite_seed: adding or
 * renaming another scenario never changes it. Never 0. */
uint64_t gt_seed_derive(uint64_t suite_seed, const char *name);

/* The CLI: `gauntlet <command> ...` (gauntlet --help). Returns the exit
 * code. */
int gt_main(int argc, char **argv);

#endif /* GT_H */
