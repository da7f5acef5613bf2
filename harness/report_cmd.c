/* report_cmd.c — the reports of a run (index.html, junit.xml) and the
 * `gauntlet report` command: render again, join shards, compare with a
 * baseline. The rendering itself is reports/ (rep.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/gt_int.h"

#define ERRLEN (PATH_MAX + 256)

/* Load the baseline and compare s with it, printing the outcome. The
 * baseline is kept (s's comparison borrows from it): 0 or -errno. */
static int compare(rep_suite *s, const char *path, rep_suite **base, FILE *out)
{
    char err[ERRLEN];
    int rc = rep_suite_load(base, path, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "gauntlet: --baseline: %s\n", err);
        return rc;
    }
    int bad = rep_suite_compare(s, *base);
    if (bad < 0) {
        fprintf(stderr, "gauntlet: out of memory\n");
        return bad;
    }
    fprintf(out, "baseline: %d regression%s against %s\n", bad, bad == 1 ? "" : "s", path);
    return 0;
}

/* Write the HTML and JUnit files of s (either path may be NULL). */
static int render(rep_suite *s, const char *html, const char *junit, FILE *out)
{
    char err[ERRLEN];
    int rc = 0;
    if (junit && (rc = rep_write_junit(s, junit, err, sizeof err)) < 0)
        fprintf(stderr, "gauntlet: %s\n", err);
    if (rc == 0 && html && (rc = rep_write_html(s, html, err, sizeof err)) < 0)
        fprintf(stderr, "gauntlet: %s\n", err);
    if (rc == 0 && junit)
        fprintf(out, "junit:   %s\n", junit);
    if (rc == 0 && html)
        fprintf(out, "report:  %s\n", html);
    return rc;
}

/* The mutant matrix of s, printed last (its final line is the verdict):
 * 1 when it holds, 0 when not, -ENOMEM. */
static int matrix(const rep_suite *s, FILE *out)
{
    rep_matrix m;
    int rc = rep_suite_mutants(s, &m);
    if (rc == 0) {
        rep_matrix_print(out, s, &m);
        rc = rep_matrix_holds(&m);
    } else if (rc == -ENOENT) {
        fprintf(stderr, "gauntlet: suite.json has no mutant matrix\n");
        rc = -EIO;
    }
    rep_matrix_release(&m);
    return rc;
}

/* index.html and junit.xml of s, into dir, compared with baseline; with
 * a matrix the mutant table after them (*holds: whether it holds). */
static int render_into(rep_suite *s, const char *dir, const char *baseline, FILE *out,
                       int *holds)
{
    char html[PATH_MAX], junit[PATH_MAX];
    rep_suite *base = NULL;
    int rc = baseline ? compare(s, baseline, &base, out) : 0;
    snprintf(html, sizeof html, "%s/index.html", dir);
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    if (rc == 0)
        rc = render(s, html, junit, out);
    if (rc == 0 && holds && (rc = matrix(s, out)) >= 0)
        *holds = rc, rc = 0;
    rep_suite_release(base);
    return rc;
}

/* The same for the suite in run directory dir, loaded from there. */
static int render_dir(const char *dir, const char *baseline, FILE *out, int *holds)
{
    char err[ERRLEN];
    rep_suite *s = NULL;
    int rc = rep_suite_load(&s, dir, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "gauntlet: %s\n", err);
    else
        rc = render_into(s, dir, baseline, out, holds);
    rep_suite_release(s);
    return rc;
}

int gt__reports_write(const char *dir, const gt_run_cfg *c, FILE *out, int *holds)
{
    return render_dir(dir, c->baseline, out, c->mutants ? holds : NULL);
}

/* ---------------------------------------------------------------- command */

static int exit_for(int rc)
{
    return rc == 0 ? GT_EXIT_OK : rc == -ENOMEM || rc == -ENOSPC || rc == -EIO
                                      ? GT_EXIT_INTERNAL
                                      : GT_EXIT_USAGE;
}

/* Every input loaded into parts[]: 0 or -errno (reported). */
static int load_all(const gt_run_cfg *c, int first, rep_suite **parts)
{
    char err[ERRLEN];
    for (int i = first; i < c->npaths; i++) {
        int rc = rep_suite_load(&parts[i - first], c->paths[i], err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "gauntlet: %s\n", err);
            return rc;
        }
    }
    return 0;
}

static void release_all(rep_suite **parts, int n)
{
    for (int i = 0; i < n; i++)
        rep_suite_release(parts[i]);
}

/* report merge RUN... -o DIR */
static int merge(const gt_run_cfg *c, rep_suite **parts, int n)
{
    char err[ERRLEN];
    if (!c->has_out) {
        fprintf(stderr, "gauntlet report merge: -o DIR: missing (where to write the suite)\n");
        return -EINVAL;
    }
    rep_suite *m = NULL;
    int rc = rep_suite_merge(&m, parts, n, c->command, err, sizeof err);
    if (rc == 0 && (rc = rep_suite_write(m, c->out, err, sizeof err)) == 0) {
        int pass, fail, error, total;
        rep_suite_counts(m, &pass, &fail, &error, &total);
        printf("merged %d suite%s: %d scenario%s, %d passed, %d failed, %d error%s\n", n,
               n == 1 ? "" : "s", total, total == 1 ? "" : "s", pass, fail, error,
               error == 1 ? "" : "s");
        printf("results: %s/suite.json\n", c->out);
    }
    if (rc < 0)
        fprintf(stderr, "gauntlet: %s\n", err);
    rep_suite_release(m);
    return rc == 0 ? render_dir(c->out, c->baseline, stdout, NULL) : rc;
}

/* report RUN... [--html F] [--junit F] */
static int rerender(const gt_run_cfg *c, rep_suite **parts, int n)
{
    char err[ERRLEN];
    if (!c->html && !c->junit && n > 1) {
        fprintf(stderr, "gauntlet report: several runs: name the outputs with --html and/or "
                        "--junit (or join them with report merge)\n");
        return -EINVAL;
    }
    if (!c->html && !c->junit) /* beside its suite.json, wherever RUN pointed */
        return render_into(parts[0], rep_suite_dir(parts[0]), c->baseline, stdout, NULL);
    rep_suite *s = parts[0], *m = NULL, *base = NULL;
    int rc = 0;
    if (n > 1 && (rc = rep_suite_merge(&m, parts, n, c->command, err, sizeof err)) < 0)
        fprintf(stderr, "gauntlet: %s\n", err);
    s = m ? m : s;
    if (rc == 0 && c->baseline)
        rc = compare(s, c->baseline, &base, stdout);
    if (rc == 0)
        rc = render(s, c->html, c->junit, stdout);
    rep_suite_release(m);
    rep_suite_release(base);
    return rc;
}

int gt__cmd_report(const gt_run_cfg *c)
{
    bool is_merge = c->npaths > 0 && strcmp(c->paths[0], "merge") == 0;
    int first = is_merge ? 1 : 0, n = c->npaths - first;
    if (n < 1) {
        fprintf(stderr, "gauntlet report: expected a run directory or suite.json%s\n",
                is_merge ? " to merge" : "");
        return GT_EXIT_USAGE;
    }
    if (!is_merge && c->has_out) {
        fprintf(stderr, "gauntlet report: -o/--out: only for report merge (use --html, --junit)\n");
        return GT_EXIT_USAGE;
    }
    if (is_merge && (c->html || c->junit)) {
        fprintf(stderr, "gauntlet report merge: --%s: merge writes DIR/index.html and "
                        "DIR/junit.xml\n", c->html ? "html" : "junit");
        return GT_EXIT_USAGE;
    }
    rep_suite **parts = calloc((size_t)n, sizeof *parts);
    int rc = parts ? load_all(c, first, parts) : -ENOMEM;
    if (!parts)
        fprintf(stderr, "gauntlet: out of memory\n");
    if (rc == 0)
        rc = is_merge ? merge(c, parts, n) : rerender(c, parts, n);
    if (parts)
        release_all(parts, n);
    free(parts);
    fflush(stdout);
    return exit_for(rc);
}
