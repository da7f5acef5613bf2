/* rep.h — reports: what people read. Loads the harness's result documents
 * (suite.json and the scenario documents it names), renders them as one
 * self-contained HTML file and as JUnit XML, joins the suites of shards,
 * and compares a suite with a baseline. It knows documents only, nothing
 * of the runtime or the harness: docs/report-format.md is its contract.
 *
 * Conventions: functions that can fail return 0 or a negated errno and,
 * where a message helps, write it into the caller's err[errlen] ("path:
 * what went wrong"). Every file is written atomically (rep_write_atomic). */
#ifndef GAUNTLET_REP_H
#define GAUNTLET_REP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The newest document schema this code reads (and the harness writes). */
#define REP_SCHEMA_VERSION 1

/* A suite: its suite document and each scenario document, in run order.
 * Opaque; made by rep_suite_load or rep_suite_merge, freed by
 * rep_suite_release. */
typedef struct rep_suite rep_suite;

/* Load path: a run directory (its suite.json) or a suite.json file.
 * 0, or -ENOENT / -EACCES / ... when the suite document cannot be read,
 * -EINVAL when it is not a suite document (bad JSON, wrong kind, a
 * schema_version newer than REP_SCHEMA_VERSION, a missing field), with
 * err saying which field. A scenario document that is missing or unreadable
 * does not fail the load: that scenario is shown from its suite.json entry
 * with the problem stated. *out is NULL on failure. */
int rep_suite_load(rep_suite **out, const char *path, char *err, size_t errlen);

/* Join suites (the shards of one `--shard K/N` run) into one, in the
 * unsharded order (by file, then line, stable). -EINVAL when they cannot be
 * one suite: different schema versions, seeds or modes, a scenario id in
 * two of them, or the same shard twice; err names the files. The parts are
 * not changed and may be released afterwards. command is recorded as the
 * merged suite's command (NULL: "gauntlet report merge"). */
int rep_suite_merge(rep_suite **out, rep_suite *const *parts, int n, const char *command,
                    char *err, size_t errlen);

void rep_suite_release(rep_suite *s);

/* The directory of a loaded suite's suite.json ("out/latest" for both
 * "out/latest" and "out/latest/suite.json"); NULL for a merge. */
const char *rep_suite_dir(const rep_suite *s);

/* Counts by verdict (any pointer may be NULL). */
void rep_suite_counts(const rep_suite *s, int *pass, int *fail, int *error, int *total);

/* Write the suite into dir (made if missing): suite.json and a byte-exact
 * copy of each scenario document that is not already there. For a merged
 * suite this is `report merge -o DIR`. */
int rep_suite_write(const rep_suite *s, const char *dir, char *err, size_t errlen);

/* ---------------------------------------------------------------- baseline */

/* One scenario compared with the baseline's scenario of the same id. */
typedef struct rep_delta {
    bool have_old, have_new; /* the value exists in that run */
    int64_t old_v, new_v;    /* ns or a count; -1 for "never" (recovery) */
    bool worse, better;      /* beyond the thresholds of docs/report-format.md */
} rep_delta;

typedef struct rep_cmp {
    const char *id, *name;        /* borrowed from the documents */
    const char *old_verdict;      /* NULL: not in the baseline (new) */
    const char *new_verdict;      /* NULL: only in the baseline (gone) */
    rep_delta recovery_ns;        /* recovery.time_ns; -1 when not recovered */
    rep_delta p99_ns;             /* summary.latency.p99_ns */
    rep_delta peak_tasks;         /* summary.tasks.peak */
    bool regression;              /* verdict got worse, or any delta worse */
    bool improvement;             /* verdict got better, or a delta better, none worse */
} rep_cmp;

/* Compare s with base, keeping the result in s (rendered by
 * rep_write_html; base must outlive s's use of it). Scenarios are matched
 * by id: s's order first, then those only in base. Returns the number of
 * regressions, or -ENOMEM. */
int rep_suite_compare(rep_suite *s, const rep_suite *base);

/* The comparison made by rep_suite_compare: *n entries (0 and NULL when
 * none was made). */
const rep_cmp *rep_suite_comparison(const rep_suite *s, int *n);

/* ---------------------------------------------------------------- mutants */

/* One known bug of a --mutants suite (suite.json "mutants"). */
typedef struct rep_mutant {
    const char *bug, *about;   /* borrowed from the suite document */
    int runs;                  /* scenario runs with it switched on */
    int caught_by;             /* of them, runs that failed a check */
    int errors;                /* of them, runs that ended in an error */
} rep_mutant;

typedef struct rep_matrix {
    rep_mutant *bugs;          /* nbugs, in the suite's order */
    int nbugs;
    int caught;                /* bugs with caught_by > 0 */
    int none_runs;             /* runs with no bug on */
    int false_alarms;          /* of them, runs that did not pass */
} rep_matrix;

/* The matrix of s: 0; -ENOENT when s is not a --mutants suite; -ENOMEM.
 * Release with rep_matrix_release (also after a failure). */
int rep_suite_mutants(const rep_suite *s, rep_matrix *m);
void rep_matrix_release(rep_matrix *m);
/* Every bug caught and no false alarm. */
bool rep_matrix_holds(const rep_matrix *m);
/* The catch table, one line per bug, ending with exactly
 * "mutants: caught K/N, false alarms F". */
void rep_matrix_print(FILE *out, const rep_suite *s, const rep_matrix *m);

/* ---------------------------------------------------------------- output */

/* The HTML report: one self-contained file (docs/report-format.md,
 * "HTML report"). Links to the scenario documents are relative to path's
 * directory when it is the suite's own. */
int rep_write_html(const rep_suite *s, const char *path, char *err, size_t errlen);

/* JUnit XML: a <testsuite> per scenario file, a <testcase> per scenario. */
int rep_write_junit(const rep_suite *s, const char *path, char *err, size_t errlen);

/* Write len bytes of data to path atomically: a temp file in path's
 * directory, mode 0644, fsynced, renamed over path. On failure path is
 * untouched and the temp file removed: -ENOMEM or the failing call's
 * errno (-ENOENT for a missing directory, -EISDIR, -ENOSPC, ...). */
int rep_write_atomic(const char *path, const char *data, size_t len);

/* Make directory path and its missing parents (mkdir -p): 0 when it
 * exists afterwards, -ENAMETOOLONG or the failing mkdir's errno. */
int rep_make_dirs(const char *path);

#endif
