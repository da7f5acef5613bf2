/* test_chart.c — the scenario charts (reports/chart.c) as the HTML report
 * shows them: a real run with a fault, a block never cleared, a run that
 * never recovered, an hour of samples with one spike, degenerate and
 * hostile documents, and an error document. */
#include <cjson/cJSON.h>
#include <math.h>

#include "reports/rep.h"
#include "tests/harness/cliutil.h"

#define ERRLEN 512
#define HOUR_SAMPLES 360000      /* one hour at 10 ms */
#define HOUR_STEP_NS 10000000LL
#define SPIKE_AT 123457          /* the one sample with a huge p99 */
#define SPIKE_NS 2000000000LL    /* 2000 ms */
#define CHARTS_BYTES_MAX 40000   /* all charts of one scenario */
#define RENDER_S_MAX 2.0         /* rep_write_html of the hour, sanitizers included */

/* ---------------------------------------------------------------- helpers */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char *path_in(const char *name)
{
    static char buf[4][PATH_MAX];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

/* The HTML report of the run directory dir (in tmpdir), as text. */
static char *render(const char *dir)
{
    rep_suite *s = NULL;
    char err[ERRLEN] = "";
    int rc = rep_suite_load(&s, path_in(dir), err, sizeof err);
    ck_assert_msg(rc == 0, "load %s: %d %s", dir, rc, err);
    rc = rep_write_html(s, path_in("page.html"), err, sizeof err);
    ck_assert_msg(rc == 0, "rep_write_html: %d %s", rc, err);
    rep_suite_release(s);
    char *page = in_dir("page.html");
    ck_assert_msg(page != NULL, "no page.html");
    return page;
}

/* The k-th <div class="c-charts"> of page, up to its end (malloc'd), or
 * NULL when there is no such div. */
static char *charts_of(const char *page, int k)
{
    const char *p = page;
    for (int i = 0; p && i <= k; i++)
        if ((p = strstr(p, "<div class=\"c-charts\">")) && i < k)
            p++;
    if (!p)
        return NULL;
    const char *end = strstr(p, "</figure>\n</div>");
    end = end ? end + strlen("</figure>\n</div>") : p + strlen(p);
    return strndup(p, (size_t)(end - p));
}

/* run/suite.json naming n documents run/d0.json ... (written by the caller). */
static void put_suite(int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    fprintf(m, "{\"schema_version\":1,\"kind\":\"suite\",\"seed\":1,\"mode\":\"sim\","
               "\"scenarios\":[");
    for (int i = 0; i < n; i++)
        fprintf(m, "%s{\"id\":\"d%d\",\"name\":\"doc %d\",\"file\":\"d.lua\",\"line\":%d,"
                   "\"seed\":1,\"mode\":\"sim\",\"verdict\":\"pass\",\"document\":\"d%d.json\"}",
                i ? "," : "", i, i, i + 1, i);
    fprintf(m, "]}\n");
    fclose(m);
    put("run/suite.json", text);
    free(text);
}

/* run/d<i>.json: a scenario document with the given verdict and fields. */
static void put_doc(int i, const char *verdict, const char *fields)
{
    char name[32], *text;
    snprintf(name, sizeof name, "run/d%d.json", i);
    ck_assert(asprintf(&text, "{\"schema_version\":1,\"kind\":\"scenario\",\"name\":\"doc %d\","
                              "\"file\":\"d.lua\",\"line\":%d,\"seed\":1,\"mode\":\"sim\","
                              "\"verdict\":\"%s\",\"reason\":\"\",%s}\n",
                       i, i + 1, verdict, fields) > 0);
    put(name, text);
    free(text);
}

/* The charts of page hold no "nan" or "inf", in any case. */
static void no_nan_inf(const char *page)
{
    char *c;
    for (int k = 0; (c = charts_of(page, k)); k++) {
        ck_assert_msg(!strcasestr(c, "nan") && !strcasestr(c, "inf"),
                      "nan or inf in charts %d:\n%.3000s", k, c);
        free(c);
    }
}

/* Run one scenario file (absolute path) into tmpdir/out; its page. */
static char *run_and_render(const char *file)
{
    ran r = gt_run(NULL, "run", file, "--out", "out", NULL);
    ck_assert_msg(r.code == 0 || r.code == 1, "run: exit %d\n%s%s", r.code, r.out, r.err);
    release(&r);
    return render("out/latest");
}

/* The only scenario document of tmpdir/out/latest, parsed. */
static cJSON *the_doc(void)
{
    char *suite = in_dir("out/latest/suite.json");
    ck_assert(suite != NULL);
    cJSON *s = cJSON_Parse(suite);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "scenarios"), 0);
    char name[512];
    snprintf(name, sizeof name, "out/latest/%s", cJSON_GetObjectItem(e, "document")->valuestring);
    char *text = in_dir(name);
    ck_assert_msg(text != NULL, "no %s", name);
    cJSON *d = cJSON_Parse(text);
    ck_assert(d != NULL);
    free(text);
    free(suite);
    cJSON_Delete(s);
    return d;
}

/* ---------------------------------------------------------------- real runs */

/* A shipped scenario with one delay window that recovers: four charts,
 * each with the window's rect, its label and the recovery marker. */
START_TEST(shipped_fault_is_on_every_chart)
{
    char file[PATH_MAX];
    ck_assert_msg(realpath("scenarios/pool/slow_workers.lua", file) != NULL,
                  "no scenarios/ (run from the repo root)");
    fresh_dir();
    char *page = run_and_render(file);
    cJSON *doc = the_doc();
    const cJSON *rec = cJSON_GetObjectItem(doc, "recovery");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(rec, "recovered")));
    double ms = cJSON_GetObjectItem(rec, "time_ns")->valuedouble / 1e6;
    ck_assert_msg(ms > 0 && ms < 1000, "recovery in %g ms", ms);
    char label[64];
    snprintf(label, sizeof label, ">recovered +%gms</text>", ms);

    char *c = charts_of(page, 0);
    ck_assert_msg(c != NULL, "no charts on the page");
    ck_assert_int_eq(count(c, "<svg "), 4);
    ck_assert_int_eq(count(c, "role=\"img\""), 4);
    ck_assert_int_eq(count(c, "<title>"), 4 + 4); /* the svg's and the window rect's */
    ck_assert_int_eq(count(c, "<rect class=\"c-fault\""), 4);
    ck_assert_int_eq(count(c, ">delay svc/pool/exec</text>"), 4);
    ck_assert_int_eq(count(c, "class=\"c-recovery\""), 4);
    ck_assert_int_eq(count(c, label), 4);
    ck_assert_int_eq(count(c, "class=\"c-band\""), 1); /* throughput only */
    for (const char *t = c; (t = strstr(t, "<svg ")); t++) {
        const char *gt = strchr(t, '>');
        ck_assert_msg(memmem(t, (size_t)(gt - t), "aria-label=\"", 12), "an svg without aria-label");
    }
    HAS(c, ">Throughput</b> <span>(jobs/s)");
    HAS(c, ">Latency</b> <span>(ms)");
    HAS(c, ">Tasks</b> <span>(tasks)");
    HAS(c, ">Queue depths</b> <span>(items)");
    HAS(c, "pool cap 64</text>");
    HAS(c, ">4s</text>"); /* x ticks in seconds, every second of 8 */
    free(c);
    ck_assert_ptr_null(charts_of(page, 1));
    no_nan_inf(page);
    cJSON_Delete(doc);
    free(page);
    done_dir();
}
END_TEST

/* A block never cleared: shaded to the end, labelled so, no recovery. */
START_TEST(never_cleared_block)
{
    fresh_dir();
    put("f.lua", "return scenario {\n"
                 "  name = 'forever block',\n"
                 "  target = pool { workers = 4, queue = 16, cost = '1ms' },\n"
                 "  load = open_loop { rate = 200, duration = '2s' },\n"
                 "  faults = { block { point = 'svc/pool/exec', p = 0.05, from = '1s' } },\n"
                 "  checks = { no_lost_jobs() },\n"
                 "}\n");
    char *page = run_and_render(path_in("f.lua"));
    char *c = charts_of(page, 0);
    ck_assert_msg(c != NULL, "no charts on the page");
    int charts = count(c, "<svg ");
    ck_assert_int_ge(charts, 3);
    ck_assert_int_eq(count(c, "<rect class=\"c-fault\""), charts);
    ck_assert_int_eq(count(c, ">block svc/pool/exec (never cleared)</text>"), charts);
    ck_assert_ptr_null(strstr(c, "c-recovery"));
    ck_assert_ptr_null(strstr(c, "recovered"));
    /* the rect reaches the plot's right end */
    const char *r = strstr(c, "<rect class=\"c-fault\" x=\"");
    double x = 0, w = 0, x1 = 0;
    ck_assert_int_eq(sscanf(r, "<rect class=\"c-fault\" x=\"%lf\" y=\"%*d\" width=\"%lf\"", &x, &w), 2);
    ck_assert_int_eq(sscanf(strstr(c, "data-x1=\""), "data-x1=\"%lf\"", &x1), 1);
    ck_assert_msg(fabs(x + w - x1) < 0.2, "the window ends at %g, the plot at %g", x + w, x1);
    free(c);
    no_nan_inf(page);
    free(page);
    done_dir();
}
END_TEST

/* ---------------------------------------------------------------- crafted documents */

#define SERIES_20                                                                             \
    "\"step_ns\":100000000,\"t_ns\":[100000000,200000000,300000000,400000000,500000000,"       \
    "600000000,700000000,800000000,900000000,1000000000],\"completed\":[5,5,5,0,0,0,1,2,5,5]," \
    "\"failed\":[0,0,0,1,1,1,0,0,0,0],\"rejected\":[0,0,0,0,0,0,0,0,0,0],"                   \
    "\"live_tasks\":[4,4,4,4,4,4,4,4,4,4],\"blocked_tasks\":[0,0,0,4,4,4,0,0,0,0],"           \
    "\"latency_p50_ns\":[1e6,1e6,1e6,0,0,0,3e6,2e6,1e6,1e6],"                                 \
    "\"latency_p99_ns\":[2e6,2e6,2e6,0,0,0,9e6,4e6,2e6,2e6],\"queues\":{}"

/* recovered false: "not recovered" at the end, no recovery line; no
 * queues: no queue chart. */
START_TEST(not_recovered)
{
    fresh_dir();
    put_suite(1);
    put_doc(0, "pass", "\"end_ns\":1000000000,\"virtual_ns\":1000000000,"
               "\"faults\":{\"windows\":[{\"point\":\"svc/pool/exec\",\"kind\":\"error\","
               "\"detail\":\"EIO\",\"from_ns\":300000000,\"to_ns\":600000000,\"line\":3}]},"
               "\"recovery\":{\"metric\":\"throughput\",\"cleared_ns\":600000000,"
               "\"recovered\":false,\"band_lo\":40,\"band_hi\":60},"
               "\"series\":{" SERIES_20 "}");
    char *page = render("run");
    char *c = charts_of(page, 0);
    ck_assert_msg(c != NULL, "no charts on the page");
    ck_assert_int_eq(count(c, "<svg "), 3);
    ck_assert_int_eq(count(c, ">not recovered</text>"), 3);
    ck_assert_ptr_null(strstr(c, "c-recovery"));
    ck_assert_ptr_null(strstr(c, "Queue depths"));
    ck_assert_int_eq(count(c, ">error svc/pool/exec</text>"), 3);
    HAS(c, "completed (max 50)"); /* 5 per 100 ms */
    HAS(c, "p99 (max 9)"); /* the latency gap splits its lines: two segments each */
    const char *p99 = strstr(c, "data-name=\"p99\" d=\"");
    ck_assert_ptr_nonnull(p99);
    const char *end = strchr(p99 + 19, '"');
    int segs = 0;
    for (const char *q = p99 + 19; q < end; q++)
        segs += *q == 'M';
    ck_assert_int_eq(segs, 2);
    free(c);
    no_nan_inf(page);
    free(page);
    done_dir();
}
END_TEST

/* Write run/d0.json: an hour at 10 ms, every column noisy, two queues,
 * two windows, and one p99 sample of 2000 ms. */
static void put_hour(void)
{
    put_suite(1);
    FILE *f = fopen(path_in("run/d0.json"), "w");
    ck_assert(f != NULL);
    fprintf(f, "{\"schema_version\":1,\"kind\":\"scenario\",\"name\":\"hour\",\"verdict\":\"pass\","
               "\"end_ns\":%lld,\"virtual_ns\":%lld,\"faults\":{\"windows\":["
               "{\"point\":\"svc/pool/exec\",\"kind\":\"delay\",\"detail\":\"by 40ms\","
               "\"from_ns\":600000000000,\"to_ns\":1200000000000,\"line\":3},"
               "{\"point\":\"net/dep/read\",\"kind\":\"drop\",\"detail\":\"p=0.1\","
               "\"from_ns\":900000000000,\"to_ns\":-1,\"line\":4}]},"
               "\"recovery\":null,\"series\":{\"step_ns\":%lld",
            HOUR_SAMPLES * HOUR_STEP_NS, HOUR_SAMPLES * HOUR_STEP_NS, HOUR_STEP_NS);
    static const char *const cols[] = {"t_ns", "completed", "failed", "rejected", "live_tasks",
                                       "blocked_tasks", "latency_p50_ns", "latency_p99_ns"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
        fprintf(f, ",\"%s\":[", cols[c]);
        for (long i = 0; i < HOUR_SAMPLES; i++) {
            long long v = c == 0   ? (i + 1) * HOUR_STEP_NS
                          : c == 7 ? (i == SPIKE_AT ? SPIKE_NS : (1 + i * 7919 % 13) * 1000000LL)
                          : c == 6 ? (1 + i % 5) * 100000LL
                                   : (long long)((i * 2654435761u) % (5 + c * 3));
            fprintf(f, i ? ",%lld" : "%lld", v);
        }
        fputc(']', f);
    }
    fprintf(f, ",\"queues\":{");
    for (int q = 0; q < 2; q++) {
        fprintf(f, "%s\"q%d\":{\"cap\":64,\"peak\":63,\"depth\":[", q ? "," : "", q);
        for (long i = 0; i < HOUR_SAMPLES; i++)
            fprintf(f, i ? ",%ld" : "%ld", (i * 40503 + q * 17) % 64);
        fputs("]}", f);
    }
    fputs("}}}\n", f);
    ck_assert_int_eq(fclose(f), 0);
}

/* 360,000 samples: small charts, quickly, and the spike survives. */
START_TEST(an_hour_keeps_its_spike)
{
    fresh_dir();
    put_hour();
    rep_suite *s = NULL;
    char err[ERRLEN] = "";
    ck_assert_msg(rep_suite_load(&s, path_in("run"), err, sizeof err) == 0, "%s", err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_msg(rep_write_html(s, path_in("page.html"), err, sizeof err) == 0, "%s", err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep_suite_release(s);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(took < RENDER_S_MAX, "rendering took %.3f s", took);

    char *page = in_dir("page.html");
    char *c = charts_of(page, 0);
    ck_assert_msg(c != NULL, "no charts on the page");
    ck_assert_msg(strlen(c) < CHARTS_BYTES_MAX, "the charts are %zu bytes", strlen(c));
    ck_assert_int_eq(count(c, "<svg "), 4);
    HAS(c, "p99 (max 2000)");   /* the legend's peak: exact */
    HAS(c, ">2000</text>");     /* and the y axis' top */
    HAS(c, ">delay svc/pool/exec</text>");
    HAS(c, ">drop net/dep/read (never cleared)</text>");
    HAS(c, "q0, q1 cap 64</text>");
    HAS(c, ">3000s</text>");    /* 1-2-5 ticks: every 500 s */
    ck_assert_int_eq(count(c, "<rect class=\"c-fault\""), 8);
    /* the spike's point sits on the plot's top */
    double top = 0;
    ck_assert_int_eq(sscanf(strstr(c, "data-top=\""), "data-top=\"%lf\"", &top), 1);
    const char *lat = strstr(c, "data-name=\"p99\" d=\"");
    ck_assert_ptr_nonnull(lat);
    char at_top[32];
    snprintf(at_top, sizeof at_top, ",%g ", top);
    const char *end = strchr(lat + 19, '"');
    const char *hit = strstr(lat, at_top);
    ck_assert_msg(hit && hit < end, "no point of p99 at y=%g", top);
    free(c);
    no_nan_inf(page);
    free(page);
    done_dir();
}
END_TEST

/* Documents at the edges: each renders without nan/inf or a crash (the
 * sanitizer build runs this too); those without samples draw nothing. */
START_TEST(degenerate_documents)
{
    static const char *const docs[] = {
        /* no series at all; series without t_ns; t_ns empty */
        "\"virtual_ns\":0",
        "\"series\":{\"step_ns\":10000000,\"completed\":[1,2]}",
        "\"series\":{\"step_ns\":10000000,\"t_ns\":[],\"completed\":[]}",
        /* one sample */
        "\"series\":{\"step_ns\":10000000,\"t_ns\":[10000000],\"completed\":[3],"
        "\"latency_p50_ns\":[0],\"latency_p99_ns\":[0],\"live_tasks\":[1],\"blocked_tasks\":[0],"
        "\"queues\":{\"q\":{\"cap\":0,\"peak\":0,\"depth\":[0]}}}",
        /* all zeros, times included, and a zero band */
        "\"virtual_ns\":0,\"recovery\":{\"metric\":\"throughput\",\"recovered\":true,"
        "\"band_lo\":0,\"band_hi\":0,\"at_ns\":0,\"time_ns\":0},"
        "\"faults\":{\"windows\":[{\"point\":\"p\",\"kind\":\"delay\",\"from_ns\":0,\"to_ns\":0}]},"
        "\"series\":{\"step_ns\":0,\"t_ns\":[0,0,0,0],\"completed\":[0,0,0,0],\"failed\":[0,0,0,0],"
        "\"latency_p99_ns\":[0,0,0,0],\"live_tasks\":[0,0,0,0],\"queues\":{\"q\":{\"depth\":[0,0,0,0]}}}",
        /* columns of different lengths */
        "\"series\":{\"step_ns\":10000000,\"t_ns\":[10000000,20000000,30000000,40000000,50000000],"
        "\"completed\":[1],\"failed\":[1,2,3,4,5,6,7,8],\"rejected\":[],\"latency_p99_ns\":[5e6,6e6],"
        "\"live_tasks\":[1,2,3,4,5,6,7,8,9],\"queues\":{\"q\":{\"cap\":4,\"depth\":[1,2]}}}",
        /* step 0, times not increasing, values out of range or not numbers */
        "\"virtual_ns\":-5,\"recovery\":{\"recovered\":true,\"at_ns\":1e300,\"time_ns\":1e300},"
        "\"faults\":{\"windows\":[{\"from_ns\":1e18,\"to_ns\":-5,\"line\":1e300},"
        "{\"from_ns\":-7,\"to_ns\":3,\"line\":-1},7]},"
        "\"series\":{\"step_ns\":0,\"t_ns\":[30,20,1e999,-1e999,\"x\",null],"
        "\"completed\":[1e300,-5,1e999,\"x\",null,{}],\"failed\":\"no\","
        "\"latency_p50_ns\":[1e308,1e308],\"latency_p99_ns\":[-1e999,1],"
        "\"live_tasks\":[1e15,1e16],\"blocked_tasks\":7,\"queues\":[1,2]}",
        /* series of the wrong type */
        "\"series\":[1,2,3]",
    };
    int n = (int)(sizeof docs / sizeof *docs);
    fresh_dir();
    put_suite(n);
    for (int i = 0; i < n; i++)
        put_doc(i, "pass", docs[i]);
    char *page = render("run");
    no_nan_inf(page);
    int drawn = count(page, "<div class=\"c-charts\">");
    ck_assert_int_eq(drawn, 4); /* one sample, zeros, lengths, out of range */
    ck_assert_int_eq(count(page, "<svg "), count(page, "role=\"img\""));
    free(page);
    done_dir();
}
END_TEST

/* Names from the document are escaped: a queue "<q>", a point with '"'. */
START_TEST(hostile_names_are_escaped)
{
    fresh_dir();
    put_suite(1);
    put_doc(0, "pass", "\"faults\":{\"windows\":[{\"point\":\"svc/\\\"x\\\"<img src=y>\",\"kind\":\"a&b\","
               "\"detail\":\"</title><script>\",\"from_ns\":0,\"to_ns\":-1,\"line\":1}]},"
               "\"series\":{\"step_ns\":10000000,\"t_ns\":[10000000,20000000],"
               "\"live_tasks\":[1,2],\"queues\":{\"<q>\":{\"cap\":2,\"peak\":1,\"depth\":[0,1]},"
               "\"a\\\"b\":{\"cap\":3,\"depth\":[1,1]}}}");
    char *page = render("run");
    char *c = charts_of(page, 0);
    ck_assert_msg(c != NULL, "no charts on the page");
    HAS(c, ">a&amp;b svc/&quot;x&quot;&lt;img src=y&gt; (never cleared)</text>");
    HAS(c, "&lt;/title&gt;&lt;script&gt;");
    HAS(c, "data-name=\"&lt;q&gt;\"");
    HAS(c, "data-name=\"a&quot;b\"");
    HAS(c, "&lt;q&gt; (max 1, cap 2)");
    ck_assert_ptr_null(strstr(page, "<img src=y>"));
    ck_assert_ptr_null(strstr(page, "<q>"));
    ck_assert_ptr_null(strstr(page, "</title><script>"));
    ck_assert_ptr_null(strstr(c, "\"x\""));
    free(c);
    free(page);
    done_dir();
}
END_TEST

/* An error document (no series) draws no chart at all. */
START_TEST(error_document_has_no_chart)
{
    fresh_dir();
    put_suite(1);
    put_doc(0, "error", "\"virtual_ns\":0,\"checks\":[],\"output\":\"boom\",\"series\":null");
    char *page = render("run");
    ck_assert_ptr_null(strstr(page, "<div class=\"c-charts\">"));
    ck_assert_msg(strstr(page, "<svg") == NULL, "an <svg on the error document's page");
    free(page);
    done_dir();
}
END_TEST

Suite *suite_reports_chart(void)
{
    Suite *s = suite_create("reports_chart");
    TCase *t = tcase_create("chart");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, shipped_fault_is_on_every_chart);
    tcase_add_test(t, never_cleared_block);
    tcase_add_test(t, not_recovered);
    tcase_add_test(t, an_hour_keeps_its_spike);
    tcase_add_test(t, degenerate_documents);
    tcase_add_test(t, hostile_names_are_escaped);
    tcase_add_test(t, error_document_has_no_chart);
    suite_add_tcase(s, t);
    return s;
}
