/* registry.c — reading the task registry: task snapshots, blocked-on
 * text, the one-line task report, leak/deadlock dumps. */
#include <inttypes.h>

#include "runtime/gr_int.h"

static void fill(const gr__task *t, gr_task_info *ti)
{
    ti->id = t->id;
    ti->parent = t->parent;
    memcpy(ti->name, t->name, sizeof ti->name);
    ti->file = t->file;
    ti->line = t->line;
    ti->state = t->state;
    ti->wait = t->state == GR_TASK_BLOCKED ? t->wait : GR_WAIT_NONE;
    snprintf(ti->wait_obj, sizeof ti->wait_obj, "%s",
             t->state == GR_TASK_BLOCKED && t->wait_obj ? t->wait_obj : "");
    ti->wait_n = t->wait_n;
    ti->created = t->created;
    ti->blocked_since = t->blocked_since;
}

size_t gr_sched_tasks(const gr_sched *s, uint64_t since_id, gr_task_info *out, size_t max)
{
    size_t n = 0;
    for (const gr__task *t = s->tasks_head; t; t = t->next) {
        if (t->id <= since_id)
            continue;
        if (n < max)
            fill(t, &out[n]);
        n++;
    }
    return n;
}

int gr_task_blocked_on(const gr_task_info *ti, char *buf, size_t len)
{
    if (ti->state != GR_TASK_BLOCKED)
        return snprintf(buf, len, "%s", gr_task_state_name(ti->state));
    if (ti->wait == GR_WAIT_SELECT)
        return snprintf(buf, len, "select(%d)", ti->wait_n);
    if (ti->wait == GR_WAIT_FAULT_BLOCK || ti->wait == GR_WAIT_FAULT_FULL)
        return snprintf(buf, len, "%s %s", gr_wait_name(ti->wait), ti->wait_obj);
    if (ti->wait_obj[0])
        return snprintf(buf, len, "%s \"%s\"", gr_wait_name(ti->wait), ti->wait_obj);
    return snprintf(buf, len, "%s", gr_wait_name(ti->wait));
}

/* "250ns", "12us", "1.5ms", "2s", "3m20s": short, for reports. */
static int fmt_dur(char *buf, size_t len, int64_t ns)
{
    if (ns < GR_US(1))
        return snprintf(buf, len, "%" PRId64 "ns", ns);
    if (ns < GR_MS(1))
        return snprintf(buf, len, "%.3gus", (double)ns / 1e3);
    if (ns < GR_S(1))
        return snprintf(buf, len, "%.3gms", (double)ns / 1e6);
    if (ns < GR_S(60))
        return snprintf(buf, len, "%.3gs", (double)ns / 1e9);
    return snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", ns / GR_S(60), ns % GR_S(60) / GR_S(1));
}

int gr_task_format(const gr_task_info *ti, int64_t now, char *buf, size_t len)
{
    char on[2 * GR_NAME_MAX + 32], dur[32] = "";
    gr_task_blocked_on(ti, on, sizeof on);
    if (ti->state == GR_TASK_BLOCKED) {
        dur[0] = ' ';
        dur[1] = 'f';
        dur[2] = 'o';
        dur[3] = 'r';
        dur[4] = ' ';
        fmt_dur(dur + 5, sizeof dur - 5, now - ti->blocked_since);
    }
    return snprintf(buf, len, "task %" PRIu64 " \"%s\" spawned at %s:%d by task %" PRIu64
                    ", %s%s%s", ti->id, ti->name, ti->file, ti->line, ti->parent,
                    ti->state == GR_TASK_BLOCKED ? "blocked on " : "", on, dur);
}

size_t gr_sched_dump(const gr_sched *s, uint64_t since_id, FILE *f)
{
    size_t n = gr_sched_tasks(s, since_id, NULL, 0);
    char now[32], line[512];
    fmt_dur(now, sizeof now, s->now);
    fprintf(f, "%zu task%s alive at %s:\n", n, n == 1 ? "" : "s", now);
    for (const gr__task *t = s->tasks_head; t; t = t->next) {
        if (t->id <= since_id)
            continue;
        gr_task_info ti;
        fill(t, &ti);
        gr_task_format(&ti, s->now, line, sizeof line);
        fprintf(f, "  %s\n", line);
    }
    gr__tickers_dump(s, f);
    return n;
}
