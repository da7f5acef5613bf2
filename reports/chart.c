/* chart.c — a scenario's charts as inline SVG on one shared time axis
 * (throughput, latency, tasks, queue depths), each with the fault windows
 * shaded and labelled and the recovery point marked; long series are
 * downsampled keeping every bucket's min and max; a small script reads
 * values back from the drawn points on hover. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep_int.h"

/* ---------------------------------------------------------------- layout */

/* Every chart is VIEW_W wide in viewBox units and scales to the page's
 * width; text is 10 units high. The plot spans PLOT_L..PLOT_R on the same
 * time axis in every chart; above it sit the fault labels, in rows. */
#define VIEW_W 800
#define PLOT_L 52          /* room for the y labels */
#define PLOT_R 780         /* room for the last x label */
#define PLOT_H 120
#define AXIS_H 18          /* the x labels below the plot */
#define TOP_PAD 8          /* above the plot, besides label rows */
#define ROW_H 12           /* one row of fault labels */
#define ROWS_MAX 6         /* more labels than fit share the last row */
#define CHAR_W 5.6         /* a 10-unit character's width, estimated */
#define LABEL_SEP 8        /* space between two labels of a row */
#define LABEL_BYTES 56     /* a longer label is cut (its rect's title keeps it) */
#define TEXT_DY 10         /* a label's baseline below the plot's top */
#define LABEL_Y(row) (ROW_H * ((row) + 1) - 2) /* a fault label's baseline */
#define XTICKS_MAX 10

/* Downsampling: a series up to RAW_MAX samples is drawn as is, a longer
 * one as BUCKETS buckets of two points (the bucket's min and max, in time
 * order), so a one-sample spike survives. */
#define RAW_MAX 300
#define BUCKETS 150
#define PTS_MAX (RAW_MAX > 2 * BUCKETS ? RAW_MAX : 2 * BUCKETS)

#define WINDOWS_MAX 32     /* fault windows drawn; the caption counts the rest */
#define LINES_MAX 8        /* lines of one chart (queues); the caption counts the rest */
#define VALUE_MAX 1e15     /* values are clamped to [0, VALUE_MAX] */
#define GAP (-1.0)         /* no value here (latency with no request) */
#define NS_PER_S 1e9
#define NS_PER_MS 1e6
#define DEFAULT_STEP_NS 1e7 /* docs/report-format.md: the default step */

/* What the charts of one scenario share: the time axis and the overlays. */
typedef struct win {
    const cJSON *w;        /* the faults.windows entry */
    double from, to;       /* ns, clamped to [0, end]; to = end when never cleared */
    bool forever;          /* to_ns was -1 */
    double lx;             /* its label's left edge */
    int row;               /* its label's row */
} win;

typedef struct scene {
    const cJSON *doc, *series, *rec; /* rec: the recovery object or NULL */
    double *t;             /* t_ns, n samples (owned) */
    int n;
    double end, step;      /* ns: the axis ends at end; step > 0 */
    win w[WINDOWS_MAX];
    int nw, nw_total;      /* drawn, in the document */
    double top;            /* the plot's top (under the label rows) */
} scene;

/* One line of a chart: values on the scene's samples. */
typedef struct line {
    const char *name;      /* borrowed from the document or a literal */
    double *v;             /* n values (owned), GAP where none */
    int n;
    double peak;           /* largest value; -1 when none */
    double cap;            /* a capacity drawn as a dashed line; <= 0: none */
} line;

typedef struct chart {
    const char *title, *unit, *about; /* "Throughput", "jobs/s", for aria-label */
    line ln[LINES_MAX];
    int nln, more;         /* lines, and lines left out */
    bool band;             /* the baseline band band_lo..band_hi */
    double band_lo, band_hi;
    double ymax;           /* the y axis' top: nice, > 0 */
} chart;

typedef struct pt {
    double t, v;
    bool start;            /* the first point after a gap */
} pt;

/* ---------------------------------------------------------------- numbers */

static double clampd(double v, double lo, double hi)
{
    return !isfinite(v) || v < lo ? lo : v > hi ? hi : v;
}

/* A coordinate, rounded to one decimal, without a trailing ".0". */
static void put_c(rep_buf *b, double v)
{
    long t = (long)(clampd(v, 0, VALUE_MAX) * 10 + 0.5);
    if (t % 10)
        rep__printf(b, "%ld.%ld", t / 10, t % 10);
    else
        rep__printf(b, "%ld", t / 10);
}

/* v for people: "0", "0.25", "12.5", "1100", "12.3k", "2M". */
static char *fmt_val(double v, char *out, size_t cap)
{
    static const char *const sfx[] = {"", "k", "M", "G", "T"};
    size_t k = 0;
    v = clampd(v, 0, VALUE_MAX);
    while (v >= 1e4 && k + 1 < REP_NELEM(sfx)) {
        v /= 1e3;
        k++;
    }
    snprintf(out, cap, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    char *dot = strchr(out, '.');
    if (dot) {
        char *e = out + strlen(out);
        while (e > dot && (e[-1] == '0' || e[-1] == '.'))
            *--e = '\0';
    }
    strncat(out, sfx[k], cap - strlen(out) - 1);
    return out;
}

/* The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of
 * ten) not below v; 1 when v is not positive. */
static double nice_ceil(double v)
{
    static const double steps[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    v = clampd(v, 0, VALUE_MAX);
    if (v <= 0)
        return 1;
    double p = pow(10, floor(log10(v)));
    for (size_t i = 0; i < REP_NELEM(steps); i++)
        if (steps[i] * p >= v * (1 - 1e-9))
            return steps[i] * p;
    return 10 * p;
}

/* The x tick step: 1, 2 or 5 times a power of ten ns, at most XTICKS_MAX
 * ticks over end. */
static double tick_step(double end)
{
    double raw = end / XTICKS_MAX, p = 1;
    while (p * 10 <= raw)
        p *= 10;
    return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

static double x_of(const scene *sc, double t)
{
    return PLOT_L + clampd(t, 0, sc->end) / sc->end * (PLOT_R - PLOT_L);
}

static double y_of(const scene *sc, const chart *c, double v)
{
    return sc->top + PLOT_H - clampd(v, 0, c->ymax) / c->ymax * PLOT_H;
}

/* ---------------------------------------------------------------- columns */

/* Up to n values of the array col, times scale, into out: how many the
 * column has (at most n); -1 when col is not an array. A value that is not
 * a finite number counts as 0. */
static int read_col(const cJSON *col, double scale, double *out, int n)
{
    if (!cJSON_IsArray(col))
        return -1;
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, col) {
        if (k == n)
            break;
        out[k++] = cJSON_IsNumber(e) ? clampd(e->valuedouble * scale, 0, VALUE_MAX) : 0;
    }
    return k;
}

/* A new line of c from the columns a (+ b when not NULL) of the object
 * cols, times scale; zeros become gaps when gaps. The line, or NULL when
 * neither column exists, c is full, or memory ran out (b->oom set). */
static line *add_line(rep_buf *b, const scene *sc, chart *c, const char *name, const cJSON *cols,
                      const char *a, const char *bcol, double scale, bool gaps)
{
    const cJSON *ca = rep__get(cols, a), *cb = bcol ? rep__get(cols, bcol) : NULL;
    if (c->nln == LINES_MAX || (!cJSON_IsArray(ca) && !cJSON_IsArray(cb)))
        return NULL;
    double *v = malloc((size_t)sc->n * 2 * sizeof *v);
    if (!v) {
        b->oom = true;
        return NULL;
    }
    int na = read_col(ca, scale, v, sc->n), nb = read_col(cb, scale, v + sc->n, sc->n);
    int n = na < 0 ? nb : nb < 0 ? na : na < nb ? na : nb;
    double peak = -1;
    for (int i = 0; i < n; i++) {
        if (na >= 0 && nb >= 0)
            v[i] = clampd(v[i] + v[sc->n + i], 0, VALUE_MAX);
        else if (na < 0)
            v[i] = v[sc->n + i];
        if (gaps && v[i] <= 0)
            v[i] = GAP;
        if (v[i] > peak)
            peak = v[i];
    }
    c->ln[c->nln] = (line){.name = name, .v = v, .n = n, .peak = peak, .cap = -1};
    return &c->ln[c->nln++];
}

static void chart_free(chart *c)
{
    for (int i = 0; i < c->nln; i++)
        free(c->ln[i].v);
}

/* ---------------------------------------------------------------- downsampling */

/* The points to draw for v[n] on times t: every sample when n <= RAW_MAX,
 * else each bucket's min and max. Gaps are skipped; the point after one
 * starts a new segment. Returns the count (<= PTS_MAX). */
static int reduce(const double *t, const double *v, int n, pt *out)
{
    int k = 0;
    bool gap = true;
    if (n <= RAW_MAX) {
        for (int i = 0; i < n; i++) {
            if (v[i] < 0) {
                gap = true;
                continue;
            }
            out[k++] = (pt){t[i], v[i], gap};
            gap = false;
        }
        return k;
    }
    for (int bk = 0; bk < BUCKETS; bk++) {
        int lo = (int)((int64_t)n * bk / BUCKETS), hi = (int)((int64_t)n * (bk + 1) / BUCKETS);
        int imin = -1, imax = -1;
        for (int i = lo; i < hi; i++) {
            if (v[i] < 0)
                continue;
            if (imin < 0 || v[i] < v[imin])
                imin = i;
            if (imax < 0 || v[i] > v[imax])
                imax = i;
        }
        if (imin < 0) {
            gap = true;
            continue;
        }
        int first = imin < imax ? imin : imax, second = imin < imax ? imax : imin;
        out[k++] = (pt){t[first], v[first], gap};
        if (second != first)
            out[k++] = (pt){t[second], v[second], false};
        gap = false;
    }
    return k;
}

/* ---------------------------------------------------------------- scene */

/* A label's text, cut at LABEL_BYTES on a character boundary:
 * "delay svc/pool/exec", "block svc/pool/exec (never cleared)". */
static void put_label(rep_buf *b, const win *w)
{
    char s[LABEL_BYTES + 8];
    snprintf(s, sizeof s, "%s %s", rep__str(w->w, "kind", "?"), rep__str(w->w, "point", "?"));
    if (strlen(s) > LABEL_BYTES) {
        size_t cut = LABEL_BYTES;
        while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
            cut--;
        strcpy(s + cut, "…");
    }
    rep__esc(b, s);
    if (w->forever)
        rep__put(b, " (never cleared)");
}

/* Place each label left to right in the first row it fits, so labels of
 * overlapping windows stack instead of covering each other. */
static int place_labels(scene *sc)
{
    double row_end[ROWS_MAX];
    int rows = 0;
    for (int i = 0; i < sc->nw; i++) {
        win *w = &sc->w[i];
        size_t len = strlen(rep__str(w->w, "kind", "?")) + strlen(rep__str(w->w, "point", "?")) + 1;
        double wd = (double)(len > LABEL_BYTES ? LABEL_BYTES : len) * CHAR_W + (w->forever ? 16 * CHAR_W : 0);
        w->lx = clampd(x_of(sc, w->from), 0, VIEW_W - wd);
        int r = 0;
        while (r < rows && row_end[r] + LABEL_SEP > w->lx)
            r++;
        if (r == rows && rows < ROWS_MAX)
            rows++;
        else if (r == rows)
            r = rows - 1;
        w->row = r;
        row_end[r] = w->lx + wd;
    }
    return rows;
}

static void scene_windows(scene *sc)
{
    const cJSON *ws = rep__get(rep__get(sc->doc, "faults"), "windows"), *e;
    if (!cJSON_IsArray(ws))
        return;
    cJSON_ArrayForEach(e, ws) {
        if (!cJSON_IsObject(e))
            continue;
        sc->nw_total++;
        if (sc->nw == WINDOWS_MAX)
            continue;
        double to = rep__num(e, "to_ns", -1);
        win *w = &sc->w[sc->nw++];
        w->w = e;
        w->forever = to < 0;
        w->from = clampd(rep__num(e, "from_ns", 0), 0, sc->end);
        w->to = w->forever ? sc->end : clampd(to, w->from, sc->end);
    }
}

/* The time axis from the series (false: nothing to draw, or out of
 * memory, which sets b->oom). */
static bool scene_init(rep_buf *b, scene *sc, const cJSON *doc)
{
    *sc = (scene){.doc = doc, .series = rep__get(doc, "series")};
    const cJSON *tcol = rep__get(sc->series, "t_ns");
    int n = cJSON_IsArray(tcol) ? cJSON_GetArraySize(tcol) : 0;
    if (n <= 0)
        return false;
    if (!(sc->t = malloc((size_t)n * sizeof *sc->t))) {
        b->oom = true;
        return false;
    }
    sc->n = read_col(tcol, 1, sc->t, n);
    sc->end = sc->t[n - 1];
    if (sc->end <= 0)
        sc->end = clampd(rep__num(doc, "virtual_ns", 0), 0, VALUE_MAX);
    double step = rep__num(sc->series, "step_ns", 0);
    if (!isfinite(step) || step <= 0)
        step = n > 1 && sc->t[1] > sc->t[0] ? sc->t[1] - sc->t[0] : sc->t[0] > 0 ? sc->t[0] : DEFAULT_STEP_NS;
    sc->step = step;
    if (sc->end <= 0)
        sc->end = step * n;
    const cJSON *rec = rep__get(doc, "recovery");
    sc->rec = cJSON_IsObject(rec) ? rec : NULL;
    scene_windows(sc);
    sc->top = TOP_PAD + place_labels(sc) * ROW_H;
    return true;
}

/* ---------------------------------------------------------------- caption */

static void put_key(rep_buf *b, const char *cls, const char *name, const char *extra)
{
    rep__printf(b, "<span class=\"c-key\"><i class=\"c-sw %s\"></i>", cls);
    rep__esc(b, name);
    rep__put(b, extra);
    rep__put(b, "</span>\n");
}

/* The title with its unit, a key per line (with its peak), the overlays'
 * keys, and the hover read-out (filled by the script). */
static void put_caption(rep_buf *b, const scene *sc, const chart *c)
{
    char v[32], extra[96];
    rep__printf(b, "<figcaption class=\"c-cap\"><b>%s</b> <span>(%s)</span>\n", c->title, c->unit);
    for (int i = 0; i < c->nln; i++) {
        const line *l = &c->ln[i];
        char cls[16];
        snprintf(cls, sizeof cls, "c-k%d", i % 6 + 1);
        if (l->peak < 0)
            snprintf(extra, sizeof extra, " (no data)");
        else if (l->cap > 0) {
            char cap[32];
            snprintf(extra, sizeof extra, " (max %s, cap %s)", fmt_val(l->peak, v, sizeof v),
                     fmt_val(l->cap, cap, sizeof cap));
        } else
            snprintf(extra, sizeof extra, " (max %s)", fmt_val(l->peak, v, sizeof v));
        put_key(b, cls, l->name, extra);
    }
    if (c->more)
        rep__printf(b, "<span class=\"c-key\">%d more not drawn</span>\n", c->more);
    if (c->band)
        put_key(b, "c-kband", "baseline band", "");
    if (sc->nw)
        put_key(b, "c-kfault", sc->nw_total == 1 ? "fault window" : "fault windows", "");
    if (sc->nw_total > sc->nw)
        rep__printf(b, "<span class=\"c-key\">%d more windows not drawn</span>\n", sc->nw_total - sc->nw);
    if (sc->rec && rep__bool(sc->rec, "recovered", false))
        put_key(b, "c-krec", "recovery", "");
    rep__put(b, "<output class=\"c-read\"></output></figcaption>\n");
}

/* ---------------------------------------------------------------- overlays */

/* The recovery sentence: "recovered +460ms", "not recovered", or "". */
static const char *recovery_text(const scene *sc, char *out, size_t cap)
{
    char t[32];
    out[0] = '\0';
    if (sc->rec && rep__bool(sc->rec, "recovered", false)) {
        int64_t ns = (int64_t)clampd(rep__num(sc->rec, "time_ns", 0), 0, VALUE_MAX);
        snprintf(out, cap, "recovered +%s", ns > 0 ? rep__fmt_ns(ns, t, sizeof t) : "0ms");
    } else if (sc->rec)
        snprintf(out, cap, "not recovered");
    return out;
}

/* The windows' rects (with a title for pointer and screen reader) and
 * their start edges. */
static void put_windows(rep_buf *b, const scene *sc)
{
    char f[32], t[32];
    for (int i = 0; i < sc->nw; i++) {
        const win *w = &sc->w[i];
        double x0 = x_of(sc, w->from), x1 = x_of(sc, w->to);
        rep__put(b, "<rect class=\"c-fault\" x=\"");
        put_c(b, x0 + 1 > PLOT_R ? PLOT_R - 1 : x0);
        rep__printf(b, "\" y=\"%.0f\" width=\"", sc->top);
        put_c(b, x1 - x0 < 1 ? 1 : x1 - x0);
        rep__printf(b, "\" height=\"%d\"><title>", PLOT_H);
        put_label(b, w);
        rep__put(b, ": ");
        rep__esc(b, rep__str(w->w, "detail", ""));
        rep__printf(b, " from %s to %s (line %.0f)</title></rect>\n",
                    rep__fmt_ns((int64_t)w->from, f, sizeof f),
                    w->forever ? "never cleared" : rep__fmt_ns((int64_t)w->to, t, sizeof t),
                    clampd(rep__num(w->w, "line", 0), 0, INT32_MAX));
        rep__put(b, "<path class=\"c-fedge\" d=\"M");
        put_c(b, x0);
        rep__printf(b, ",%dV%.0f\"/>\n", LABEL_Y(w->row) + 2, sc->top + PLOT_H);
    }
}

static void put_overlay_text(rep_buf *b, const scene *sc)
{
    for (int i = 0; i < sc->nw; i++) {
        const win *w = &sc->w[i];
        rep__put(b, "<text class=\"c-flabel\" x=\"");
        put_c(b, w->lx);
        rep__printf(b, "\" y=\"%d\">", LABEL_Y(w->row));
        put_label(b, w);
        rep__put(b, "</text>\n");
    }
    char s[64];
    if (!*recovery_text(sc, s, sizeof s))
        return;
    double at = rep__num(sc->rec, "at_ns", -1);
    if (!rep__bool(sc->rec, "recovered", false) || at < 0) {
        rep__printf(b, "<text class=\"c-norec\" x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n",
                    PLOT_R - 3, sc->top + TEXT_DY, s);
        return;
    }
    double x = x_of(sc, at);
    bool left = x > PLOT_R - (PLOT_R - PLOT_L) / 5;
    rep__put(b, "<path class=\"c-recovery\" d=\"M");
    put_c(b, x);
    rep__printf(b, ",%.0fV%.0f\"/>\n<text class=\"c-rlabel\" x=\"", sc->top, sc->top + PLOT_H);
    put_c(b, left ? x - 4 : x + 4);
    rep__printf(b, "\" y=\"%.0f\"%s>%s</text>\n", sc->top + TEXT_DY,
                left ? " text-anchor=\"end\"" : "", s);
}

/* ---------------------------------------------------------------- axes and lines */

static void put_axes(rep_buf *b, const scene *sc, const chart *c)
{
    char v[32];
    double bottom = sc->top + PLOT_H, tick = tick_step(sc->end);
    rep__printf(b, "<path class=\"c-grid\" d=\"M%d,%.0fH%dM%d,%.0fH%d", PLOT_L, sc->top, PLOT_R,
                PLOT_L, sc->top + PLOT_H / 2, PLOT_R);
    int nticks = (int)(sc->end / tick * (1 + 1e-9)); /* <= XTICKS_MAX */
    for (int k = 1; k <= nticks; k++) {
        rep__put(b, "M");
        put_c(b, x_of(sc, k * tick));
        rep__printf(b, ",%.0fV%.0f", sc->top, bottom);
    }
    rep__printf(b, "\"/>\n<path class=\"c-axis\" d=\"M%d,%.0fV%.0fH%d\"/>\n", PLOT_L, sc->top,
                bottom, PLOT_R);
    rep__put(b, "<g class=\"c-ylab\" text-anchor=\"end\">");
    for (int k = 0; k <= 2; k++)
        rep__printf(b, "<text x=\"%d\" y=\"%.0f\">%s</text>", PLOT_L - 4,
                    bottom - k * PLOT_H / 2 + 3, fmt_val(c->ymax * k / 2, v, sizeof v));
    rep__put(b, "</g>\n<g class=\"c-xlab\" text-anchor=\"middle\">");
    for (int k = 0; k <= nticks; k++) {
        char t[32];
        rep__put(b, "<text x=\"");
        put_c(b, x_of(sc, k * tick));
        if (tick >= NS_PER_MS) /* seconds; below a millisecond, ns or µs */
            snprintf(t, sizeof t, "%.6gs", k * tick / NS_PER_S);
        else
            rep__fmt_ns((int64_t)(k * tick), t, sizeof t);
        rep__printf(b, "\" y=\"%.0f\">%s</text>", bottom + AXIS_H - 5, t);
    }
    rep__put(b, "</g>\n");
}

/* A line as a path: "M" starts each segment; a point between two of the
 * same height is left out (the read-out stays exact: both ends are kept). */
static void put_line(rep_buf *b, const scene *sc, const chart *c, int i, pt *p)
{
    const line *l = &c->ln[i];
    int k = reduce(sc->t, l->v, l->n < sc->n ? l->n : sc->n, p);
    rep__printf(b, "<path class=\"c-line c-s%d\" data-name=\"", i % 6 + 1);
    rep__esc_attr(b, l->name);
    rep__put(b, "\" d=\"");
    for (int j = 0; j < k; j++) {
        double y = y_of(sc, c, p[j].v);
        bool last = j + 1 == k || p[j + 1].start;
        if (!p[j].start && !last && (long)(y_of(sc, c, p[j - 1].v) * 10 + .5) == (long)(y * 10 + .5) &&
            (long)(y_of(sc, c, p[j + 1].v) * 10 + .5) == (long)(y * 10 + .5))
            continue;
        rep__put(b, p[j].start ? "M" : " ");
        put_c(b, x_of(sc, p[j].t));
        rep__put(b, ",");
        put_c(b, y);
        if (p[j].start && last) /* a lone point: a short stub, inside the plot */
            rep__put(b, x_of(sc, p[j].t) > PLOT_R - 3 ? "h-3" : "h3");
    }
    rep__put(b, "\"/>\n");
    if (l->cap <= 0)
        return;
    rep__printf(b, "<path class=\"c-capl c-s%d\" d=\"M%d,", i % 6 + 1, PLOT_L);
    put_c(b, y_of(sc, c, l->cap));
    rep__printf(b, "H%d\"/>\n", PLOT_R);
}

/* Capacity labels at the right end, one per distinct capacity, moved down
 * when two would overlap. */
static void put_cap_labels(rep_buf *b, const scene *sc, const chart *c)
{
    double used[LINES_MAX];
    int nused = 0;
    char v[32];
    for (int i = 0; i < c->nln; i++) {
        const line *l = &c->ln[i];
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= c->ln[j].cap == l->cap;
        if (l->cap <= 0 || seen)
            continue;
        double y = y_of(sc, c, l->cap) - 3;
        if (y < sc->top + TEXT_DY)
            y += ROW_H + 1;
        for (int j = 0; j < nused; j++)
            if (fabs(used[j] - y) < ROW_H)
                y = used[j] + ROW_H;
        used[nused++] = y;
        rep__printf(b, "<text class=\"c-caplabel\" x=\"%d\" y=\"", PLOT_R - 3);
        put_c(b, y);
        rep__put(b, "\" text-anchor=\"end\">");
        for (int j = i, sep = 0; j < c->nln; j++)
            if (c->ln[j].cap == l->cap) {
                rep__put(b, sep++ ? ", " : "");
                rep__esc(b, c->ln[j].name);
            }
        rep__printf(b, " cap %s</text>\n", fmt_val(l->cap, v, sizeof v));
    }
}

/* ---------------------------------------------------------------- a chart */

/* aria-label: what the chart shows, its range and overlays in words. */
static void put_aria(rep_buf *b, const scene *sc, const chart *c)
{
    char v[32], t[32];
    rep__printf(b, " aria-label=\"%s (%s) over %s: %s; peak", c->title, c->unit,
                rep__fmt_ns((int64_t)sc->end, t, sizeof t), c->about);
    for (int i = 0; i < c->nln; i++) {
        rep__put(b, i ? ", " : " ");
        rep__esc_attr(b, c->ln[i].name);
        rep__printf(b, " %s", c->ln[i].peak < 0 ? "none" : fmt_val(c->ln[i].peak, v, sizeof v));
    }
    rep__printf(b, "; %d fault window%s", sc->nw_total, sc->nw_total == 1 ? "" : "s");
    char s[64];
    if (*recovery_text(sc, s, sizeof s))
        rep__printf(b, "; %s", s);
    rep__put(b, "\"");
}

static void chart_draw(rep_buf *b, const scene *sc, chart *c, pt *p)
{
    double top = 0;
    for (int i = 0; i < c->nln; i++) {
        top = c->ln[i].peak > top ? c->ln[i].peak : top;
        top = c->ln[i].cap > top ? c->ln[i].cap : top;
    }
    c->ymax = nice_ceil(c->band && c->band_hi > top ? c->band_hi : top);
    /* the read-out shows "-" farther than this from any drawn point: half
     * a sample (a drawn neighbour is then not the nearest sample), or a
     * bucket when downsampled */
    double gap = (PLOT_R - PLOT_L) * (sc->n > RAW_MAX ? 1.0 / BUCKETS : 0.5 * sc->step / sc->end);
    rep__put(b, "<figure class=\"c-chart\">\n");
    put_caption(b, sc, c);
    rep__printf(b, "<svg class=\"c-svg\" viewBox=\"0 0 %d %.0f\" width=\"100%%\" role=\"img\"",
                VIEW_W, sc->top + PLOT_H + AXIS_H);
    put_aria(b, sc, c);
    rep__printf(b, " data-end=\"%.0f\" data-x0=\"%d\" data-x1=\"%d\" data-top=\"%.0f\" data-h=\"%d\""
                   " data-ymax=\"%.6g\" data-gap=\"",
                sc->end, PLOT_L, PLOT_R, sc->top, PLOT_H, c->ymax);
    put_c(b, gap + 0.2);
    rep__printf(b, "\" data-unit=\"%s\">\n<title>%s (%s)</title>\n", c->unit, c->title, c->unit);
    put_axes(b, sc, c);
    if (c->band) {
        double hi = y_of(sc, c, c->band_hi), lo = y_of(sc, c, c->band_lo);
        rep__printf(b, "<rect class=\"c-band\" x=\"%d\" y=\"", PLOT_L);
        put_c(b, hi);
        rep__printf(b, "\" width=\"%d\" height=\"", PLOT_R - PLOT_L);
        put_c(b, lo - hi);
        rep__put(b, "\"/>\n");
    }
    put_windows(b, sc);
    for (int i = 0; i < c->nln; i++)
        put_line(b, sc, c, i, p);
    put_cap_labels(b, sc, c);
    put_overlay_text(b, sc);
    rep__printf(b, "<path class=\"c-cur\" d=\"M%d,%.0fV%.0f\"/>\n</svg>\n</figure>\n", PLOT_L,
                sc->top, sc->top + PLOT_H);
}

/* ---------------------------------------------------------------- the charts */

static void chart_throughput(rep_buf *b, const scene *sc, chart *c)
{
    *c = (chart){.title = "Throughput", .unit = "jobs/s",
                 .about = "jobs completed, and failed or rejected, per second"};
    double rate = NS_PER_S / sc->step;
    add_line(b, sc, c, "completed", sc->series, "completed", NULL, rate, false);
    add_line(b, sc, c, "failed + rejected", sc->series, "failed", "rejected", rate, false);
    const char *metric = rep__str(sc->rec, "metric", "");
    double lo = rep__num(sc->rec, "band_lo", -1), hi = rep__num(sc->rec, "band_hi", -1);
    if (strcmp(metric, "throughput") == 0 && isfinite(lo) && isfinite(hi) && hi > 0) {
        c->band = true;
        c->band_lo = clampd(lo, 0, VALUE_MAX);
        c->band_hi = clampd(hi, c->band_lo, VALUE_MAX);
    }
}

static void chart_latency(rep_buf *b, const scene *sc, chart *c)
{
    *c = (chart){.title = "Latency", .unit = "ms",
                 .about = "p50 and p99 of the requests answered in each interval, gaps where none was"};
    add_line(b, sc, c, "p50", sc->series, "latency_p50_ns", NULL, 1 / NS_PER_MS, true);
    add_line(b, sc, c, "p99", sc->series, "latency_p99_ns", NULL, 1 / NS_PER_MS, true);
}

static void chart_tasks(rep_buf *b, const scene *sc, chart *c)
{
    *c = (chart){.title = "Tasks", .unit = "tasks", .about = "live and blocked tasks of the target"};
    add_line(b, sc, c, "live", sc->series, "live_tasks", NULL, 1, false);
    add_line(b, sc, c, "blocked", sc->series, "blocked_tasks", NULL, 1, false);
}

/* One line per queue, in document order, with its capacity. */
static void chart_queues(rep_buf *b, const scene *sc, chart *c)
{
    *c = (chart){.title = "Queue depths", .unit = "items",
                 .about = "items waiting in each queue, with its capacity"};
    const cJSON *qs = rep__get(sc->series, "queues"), *q;
    if (!cJSON_IsObject(qs))
        return;
    cJSON_ArrayForEach(q, qs) {
        if (!q->string || !cJSON_IsArray(rep__get(q, "depth")))
            continue;
        if (c->nln == LINES_MAX) {
            c->more++;
            continue;
        }
        line *l = add_line(b, sc, c, q->string, q, "depth", NULL, 1, false);
        if (l) {
            l->cap = clampd(rep__num(q, "cap", -1), 0, VALUE_MAX);
            double peak = rep__num(q, "peak", -1);
            if (isfinite(peak) && peak > l->peak)
                l->peak = clampd(peak, 0, VALUE_MAX);
        }
    }
}

void rep__charts(rep_buf *b, const cJSON *doc)
{
    static void (*const make[])(rep_buf *, const scene *, chart *) = {
        chart_throughput, chart_latency, chart_tasks, chart_queues};
    scene sc;
    if (!scene_init(b, &sc, doc))
        return;
    pt *p = malloc(PTS_MAX * sizeof *p);
    if (!p)
        b->oom = true;
    rep__put(b, "<div class=\"c-charts\">\n");
    for (size_t i = 0; p && i < REP_NELEM(make); i++) {
        chart c;
        make[i](b, &sc, &c);
        if (c.nln)
            chart_draw(b, &sc, &c, p);
        chart_free(&c);
    }
    rep__put(b, "</div>\n");
    free(p);
    free(sc.t);
}

/* ---------------------------------------------------------------- css and script */

/* Only the page's custom properties (html.c) give colours; series differ by
 * dash pattern as well as colour. No hover element is printed. */
const char rep__chart_css[] =
    ".c-charts{margin:.5em 0 1em;overflow-x:auto}\n"
    ".c-chart{margin:0 0 .8em}\n"
    ".c-cap{display:flex;flex-wrap:wrap;align-items:center;gap:.2em 1em;font-size:.85em;"
    "color:var(--muted);margin-bottom:.15em}\n"
    ".c-cap b{color:var(--fg)}\n"
    ".c-key{white-space:nowrap}\n"
    ".c-sw{display:inline-block;width:24px;height:3px;vertical-align:middle;margin-right:.35em;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    ".c-k1{background:var(--s1)}\n"
    ".c-k2{background:repeating-linear-gradient(90deg,var(--s2) 0 6px,transparent 6px 9px)}\n"
    ".c-k3{background:repeating-linear-gradient(90deg,var(--s3) 0 2px,transparent 2px 4px)}\n"
    ".c-k4{background:repeating-linear-gradient(90deg,var(--s4) 0 8px,transparent 8px 11px,"
    "var(--s4) 11px 13px,transparent 13px 16px)}\n"
    ".c-k5{background:repeating-linear-gradient(90deg,var(--s5) 0 12px,transparent 12px 16px)}\n"
    ".c-k6{background:repeating-linear-gradient(90deg,var(--s6) 0 4px,transparent 4px 6px,"
    "var(--s6) 6px 7px,transparent 7px 9px)}\n"
    ".c-kband{height:10px;background:var(--band);outline:1px solid var(--recovery)}\n"
    ".c-kfault{height:10px;background:var(--fault);border-left:2px solid var(--fault-edge)}\n"
    ".c-krec{width:2px;height:12px;background:var(--recovery)}\n"
    ".c-read{margin-left:auto;color:var(--fg);font-variant-numeric:tabular-nums}\n"
    ".c-svg{display:block;width:100%;height:auto;min-width:560px;overflow:hidden}\n"
    ".c-svg text{font-size:10px;fill:var(--muted)}\n"
    ".c-svg path{fill:none;vector-effect:non-scaling-stroke}\n"
    ".c-grid{stroke:var(--grid);stroke-width:1}\n"
    ".c-axis{stroke:var(--border);stroke-width:1}\n"
    ".c-line{stroke-width:1.75;stroke-linejoin:round}\n"
    ".c-s1{stroke:var(--s1)}\n"
    ".c-s2{stroke:var(--s2);stroke-dasharray:6 3}\n"
    ".c-s3{stroke:var(--s3);stroke-dasharray:2 2}\n"
    ".c-s4{stroke:var(--s4);stroke-dasharray:8 3 2 3}\n"
    ".c-s5{stroke:var(--s5);stroke-dasharray:12 4}\n"
    ".c-s6{stroke:var(--s6);stroke-dasharray:4 2 1 2}\n"
    ".c-svg .c-capl{stroke-width:1;stroke-dasharray:2 4}\n"
    ".c-band{fill:var(--band)}\n"
    ".c-fault{fill:var(--fault)}\n"
    ".c-fedge{stroke:var(--fault-edge);stroke-width:1.5}\n"
    ".c-recovery{stroke:var(--recovery);stroke-width:2}\n"
    ".c-svg .c-flabel,.c-svg .c-rlabel,.c-svg .c-caplabel{fill:var(--fg)}\n"
    ".c-svg .c-norec{fill:var(--fail);font-weight:bold}\n"
    ".c-rlabel,.c-norec,.c-caplabel{paint-order:stroke;stroke:var(--bg);stroke-width:3px;"
    "stroke-linejoin:round}\n"
    ".c-cur{stroke:var(--fg);stroke-width:1;visibility:hidden;pointer-events:none}\n"
    ".c-svg.c-on .c-cur{visibility:visible}\n"
    "@media print{.c-cur,.c-read{display:none}.c-charts{overflow:visible}"
    ".c-svg{min-width:0}.c-chart{break-inside:avoid}}\n";

/* Pointer over a chart: a cursor on every chart of the scenario, and each
 * one's values at that time read back from its drawn points (y inverted
 * with data-top, data-h and data-ymax); "-" in a gap. */
const char rep__chart_js[] =
    "(function(){\n"
    "function up(n,c){for(;n&&n.nodeType===1;n=n.parentNode)"
    "if((' '+n.getAttribute('class')+' ').indexOf(' '+c+' ')>=0)return n;return null;}\n"
    "function pts(p){if(p.cPts)return p.cPts;var d=p.getAttribute('d')||'',"
    "re=/(M?)([\\d.]+),([\\d.]+)/g,m,a=[],s=0;"
    "while((m=re.exec(d))){if(m[1])s++;a.push([+m[2],+m[3],s]);}return(p.cPts=a);}\n"
    "function near(a,x,gap){var lo=0,hi=a.length,i;while(lo<hi){i=(lo+hi)>>1;"
    "if(a[i][0]<=x)lo=i+1;else hi=i;}var L=a[lo-1],R=a[lo];"
    "var dl=L?x-L[0]:1/0,dr=R?R[0]-x:1/0,q=dl<=dr?L:R;"
    "return L&&R&&L[2]===R[2]||Math.min(dl,dr)<=gap?q:null;}\n"
    "function num(v){var k=['','k','M','G','T'],i=0;while(v>=1e4&&i<4){v/=1e3;i++;}"
    "var s=v.toFixed(v>=100?0:v>=10?1:2);if(s.indexOf('.')>=0)s=s.replace(/\\.?0+$/,'');"
    "return s+k[i];}\n"
    "function show(g,x){function f(k){return+g.getAttribute('data-'+k);}"
    "var x0=f('x0'),x1=f('x1'),cur=g.querySelector('.c-cur'),"
    "out=g.parentNode.querySelector('.c-read');x=Math.round(x*10)/10;if(x<x0||x>x1){hide(g);return;}"
    "cur.setAttribute('d','M'+x+','+f('top')+'v'+f('h'));g.setAttribute('class','c-svg c-on');"
    "var ls=g.querySelectorAll('.c-line'),r=[],i,q;for(i=0;i<ls.length;i++){"
    "q=near(pts(ls[i]),x,f('gap'));r.push(ls[i].getAttribute('data-name')+' '+"
    "(q?num((f('top')+f('h')-q[1])/f('h')*f('ymax')):'-'));}"
    "if(out)out.textContent=((x-x0)/(x1-x0)*f('end')/1e9).toFixed(3)+'s: '+r.join(', ')+' '+"
    "g.getAttribute('data-unit');}\n"
    "function hide(g){g.setAttribute('class','c-svg');var o=g.parentNode.querySelector('.c-read');"
    "if(o)o.textContent='';}\n"
    "function all(g,fn){var box=up(g,'c-charts'),l=box?box.querySelectorAll('.c-svg'):[g],i;"
    "for(i=0;i<l.length;i++)fn(l[i]);}\n"
    "document.addEventListener('mousemove',function(e){var g=up(e.target,'c-svg'),p,m;"
    "if(!g||!g.getScreenCTM||!(m=g.getScreenCTM()))return;p=g.createSVGPoint();"
    "p.x=e.clientX;p.y=e.clientY;p=p.matrixTransform(m.inverse());"
    "all(g,function(s){show(s,p.x);});});\n"
    "document.addEventListener('mouseout',function(e){var g=up(e.target,'c-svg');"
    "if(g&&up(e.relatedTarget,'c-svg')!==g)all(g,hide);});\n"
    "})();\n";
