/* mutants.c — the mutant matrix of a `gauntlet run --mutants` suite, read
 * from its documents: per known bug, the scenario runs that had it switched
 * on and which of their checks failed because of it (a bug is caught when
 * a check failed that held in the same scenario's run with no bug: a check
 * that fails anyway catches nothing, and a crash or hang is not a check);
 * and the runs with no bug,
 * any of which not passing is a false alarm. Printed for the terminal and
 * rendered as a section of the HTML report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html_int.h"

#define CAUGHT_SHOWN 3  /* terminal: scenarios named per bug */

/* ---------------------------------------------------------------- the matrix */

/* Is entry o the run with no bug whose id is id's first len bytes? */
static bool none_of(const cJSON *o, const char *id, size_t len)
{
    const char *oid = rep__str(o, "id", "");
    return strlen(oid) == len && strncmp(oid, id, len) == 0 &&
           strcmp(rep__str(o, "mutant", ""), "none") == 0;
}

/* The run with no bug of the same scenario, seed and repeat as run i (a
 * run with a bug on: its id is that run's, then "--m<bug>"), or NULL. The
 * matrix plans it just before the scenario's bug runs (a merge keeps that
 * order): looked for backwards from i first, so a suite costs O(n). */
static const cJSON *none_run(const rep_suite *s, int i)
{
    const cJSON *e = s->scn[i].entry;
    const char *id = rep__str(e, "id", ""), *bug = rep__str(e, "mutant", "");
    size_t n = strlen(id), k = strlen(bug) + 3;
    if (n <= k || strncmp(id + n - k, "--m", 3) != 0 || strcmp(id + n - k + 3, bug) != 0)
        return NULL;
    for (int j = i - 1; j >= 0; j--)
        if (none_of(s->scn[j].entry, id, n - k))
            return s->scn[j].entry;
    for (int j = i + 1; j < s->n; j++)
        if (none_of(s->scn[j].entry, id, n - k))
            return s->scn[j].entry;
    return NULL;
}

static bool in_checks(const cJSON *checks, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, checks)
        if (strcmp(rep__str(c, "name", ""), name) == 0)
            return true;
    return false;
}

/* Did check c fail because of run i's bug: it failed in run i and held in
 * the run of the same scenario with no bug (a check that fails anyway
 * catches nothing)? Without that run in the suite, failing is enough. */
static bool caught_by(const rep_suite *s, int i, const cJSON *c)
{
    const cJSON *none = none_run(s, i);
    return !none || !in_checks(rep__get(none, "failed_checks"), rep__str(c, "name", ""));
}

/* Did run i (with a bug on) fail a check because of its bug? */
static bool failed_a_check(const rep_suite *s, int i)
{
    const cJSON *e = s->scn[i].entry;
    if (strcmp(rep__str(e, "verdict", ""), "fail") != 0)
        return false;
    const cJSON *c;
    cJSON_ArrayForEach(c, rep__get(e, "failed_checks"))
        if (caught_by(s, i, c))
            return true;
    return false;
}

int rep_suite_mutants(const rep_suite *s, rep_matrix *m)
{
    memset(m, 0, sizeof *m);
    const cJSON *bugs = rep__get(s->root, "mutants");
    if (!cJSON_IsArray(bugs))
        return -ENOENT;
    m->nbugs = cJSON_GetArraySize(bugs);
    m->bugs = calloc((size_t)m->nbugs + 1, sizeof *m->bugs);
    if (!m->bugs)
        return -ENOMEM;
    int k = 0;
    for (const cJSON *b = bugs->child; b; b = b->next, k++) {
        rep_mutant *row = &m->bugs[k];
        row->bug = rep__str(b, "bug", "?");
        row->about = rep__str(b, "about", "");
        for (int i = 0; i < s->n; i++) {
            const cJSON *e = s->scn[i].entry;
            if (strcmp(rep__str(e, "mutant", ""), row->bug) != 0)
                continue;
            row->runs++;
            row->caught_by += failed_a_check(s, i);
            row->errors += strcmp(rep__str(e, "verdict", ""), "error") == 0;
        }
        m->caught += row->caught_by > 0;
    }
    for (int i = 0; i < s->n; i++) {
        const cJSON *e = s->scn[i].entry;
        if (strcmp(rep__str(e, "mutant", ""), "none") != 0)
            continue;
        m->none_runs++;
        m->false_alarms += strcmp(rep__str(e, "verdict", ""), "pass") != 0;
    }
    return 0;
}

void rep_matrix_release(rep_matrix *m)
{
    free(m->bugs);
    memset(m, 0, sizeof *m);
}

bool rep_matrix_holds(const rep_matrix *m)
{
    return m->caught == m->nbugs && m->false_alarms == 0;
}

/* ---------------------------------------------------------------- terminal */

/* "name: check, check" of a run that caught its bug (the checks that
 * failed because of it). */
static void print_catch(FILE *out, const rep_suite *s, int i)
{
    const cJSON *e = s->scn[i].entry;
    fprintf(out, "%s: ", rep__str(e, "name", "?"));
    int k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, rep__get(e, "failed_checks"))
        if (caught_by(s, i, c))
            fprintf(out, "%s%s", k++ ? ", " : "", rep__str(c, "name", "?"));
}

static void print_row(FILE *out, const rep_suite *s, const rep_mutant *row, int width)
{
    fprintf(out, "  %-*s  %s", width, row->bug, row->caught_by ? "caught " : "MISSED ");
    if (!row->caught_by) {
        fprintf(out, "%d run%s, no check failed%s\n", row->runs, row->runs == 1 ? "" : "s",
                row->runs == 0 ? " (no selected scenario can switch it on)"
                : row->errors ? " (some ended in an error: not a check)"
                              : "");
        return;
    }
    int shown = 0;
    for (int i = 0; i < s->n && shown < CAUGHT_SHOWN; i++) {
        const cJSON *e = s->scn[i].entry;
        if (strcmp(rep__str(e, "mutant", ""), row->bug) != 0 || !failed_a_check(s, i))
            continue;
        fputs(shown++ ? "; " : "", out);
        print_catch(out, s, i);
    }
    if (row->caught_by > shown)
        fprintf(out, " (+%d more)", row->caught_by - shown);
    fprintf(out, "  [%d of %d runs]\n", row->caught_by, row->runs);
}

void rep_matrix_print(FILE *out, const rep_suite *s, const rep_matrix *m)
{
    int width = (int)strlen("none");
    for (int k = 0; k < m->nbugs; k++)
        if ((int)strlen(m->bugs[k].bug) > width)
            width = (int)strlen(m->bugs[k].bug);
    fprintf(out, "\nmutant matrix: each known bug switched on in every scenario it applies to\n");
    for (int k = 0; k < m->nbugs; k++)
        print_row(out, s, &m->bugs[k], width);
    fprintf(out, "  %-*s  %s%d run%s with no bug, %d not passing\n", width, "none",
            m->false_alarms ? "ALARM  " : "ok     ", m->none_runs, m->none_runs == 1 ? "" : "s",
            m->false_alarms);
    for (int i = 0; i < s->n && m->false_alarms; i++) {
        const cJSON *e = s->scn[i].entry;
        if (strcmp(rep__str(e, "mutant", ""), "none") == 0 &&
            strcmp(rep__str(e, "verdict", ""), "pass") != 0)
            fprintf(out, "    false alarm: %s:%lld: %s (%s)\n", rep__str(e, "file", "?"),
                    (long long)rep__int(e, "line", 0), rep__str(e, "name", "?"),
                    rep__str(e, "verdict", "?"));
    }
    fprintf(out, "mutants: caught %d/%d, false alarms %d\n", m->caught, m->nbugs, m->false_alarms);
}

/* ---------------------------------------------------------------- HTML */

/* The runs of row's bug that failed a check, linked to their sections,
 * with the checks that failed. */
static void html_catches(rep_buf *b, const rep_suite *s, const rep_mutant *row)
{
    int k = 0;
    for (int i = 0; i < s->n; i++) {
        const cJSON *e = s->scn[i].entry;
        if (strcmp(rep__str(e, "mutant", ""), row->bug) != 0 || !failed_a_check(s, i))
            continue;
        rep__put(b, k++ ? "<br>" : "");
        rep__put(b, "<a href=\"#");
        rep__html_anchor(b, &s->scn[i]);
        rep__put(b, "\">");
        rep__esc(b, rep__str(e, "name", "?"));
        rep__put(b, "</a>: <code>");
        int c = 0;
        const cJSON *fc;
        cJSON_ArrayForEach(fc, rep__get(e, "failed_checks"))
        {
            if (!caught_by(s, i, fc))
                continue;
            rep__put(b, c++ ? ", " : "");
            rep__esc(b, rep__str(fc, "name", "?"));
        }
        rep__put(b, "</code>");
    }
}

static void html_row(rep_buf *b, const rep_suite *s, const rep_mutant *row)
{
    rep__put(b, row->caught_by ? "<tr><td><code>" : "<tr class=\"bad\"><td><code>");
    rep__esc(b, row->bug);
    rep__put(b, "</code><td>");
    rep__esc(b, row->about);
    rep__put(b, row->caught_by ? "<td><span class=\"v v-pass\">CAUGHT</span>"
                               : "<td><span class=\"v v-fail\">MISSED</span>");
    rep__printf(b, "<td class=\"n\">%d/%d<td>", row->caught_by, row->runs);
    if (row->caught_by)
        html_catches(b, s, row);
    else
        rep__put(b, row->runs ? "no check failed" : "no selected scenario can switch it on");
    rep__put(b, "\n");
}

void rep__html_mutants(rep_buf *b, const rep_suite *s)
{
    rep_matrix m;
    int rc = rep_suite_mutants(s, &m);
    if (rc == -ENOMEM)
        b->oom = true;
    if (rc < 0)
        return;
    rep__printf(b, "<h2 id=\"mutants\">Mutant matrix</h2>\n<p><strong class=\"%s\">caught %d/%d, "
                   "false alarms %d</strong>. Each known bug of the service was switched on in "
                   "every scenario it applies to; a bug is caught when a check failed that held "
                   "in the same scenario without it. The counts above include the runs with "
                   "a bug on.</p>\n",
                rep_matrix_holds(&m) ? "better" : "worse", m.caught, m.nbugs, m.false_alarms);
    rep__put(b, "<div class=\"tw\"><table class=\"mut\"><thead><tr><th>bug<th>what it does"
                "<th>verdict<th class=\"n\">runs caught<th>caught by (scenario: failed checks)"
                "</thead><tbody>\n");
    for (int k = 0; k < m.nbugs; k++)
        html_row(b, s, &m.bugs[k]);
    rep__printf(b, "<tr%s><td><code>none</code><td>the correct service<td>%s"
                   "<td class=\"n\">%d/%d<td>%s\n",
                m.false_alarms ? " class=\"bad\"" : "",
                m.false_alarms ? "<span class=\"v v-fail\">ALARM</span>"
                               : "<span class=\"v v-pass\">PASS</span>",
                m.none_runs - m.false_alarms, m.none_runs,
                m.false_alarms ? "runs not passing: the false alarms (see Scenarios)"
                               : "every run passed");
    rep__put(b, "</tbody></table></div>\n");
    rep_matrix_release(&m);
}
