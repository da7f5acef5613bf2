/* recovery.c — when a sampled metric came back into its baseline band after
 * the last fault cleared (what recovery_within judges). */
#include <assert.h>

#include "harness/gt_int.h"

/* The end of sample i's interval. */
static int64_t sample_end(const gt_series *s, size_t i)
{
    return s->t0 + (int64_t)(i + 1) * s->step;
}

/* The baseline's mean into out (have_band, mean, lo, hi); false when no
 * sample ended before baseline_end. */
static bool band_of(const gt_series *s, int64_t baseline_end, double tolerance,
                    gt_recovery *out)
{
    double sum = 0;
    size_t k = 0;
    while (k < s->n && sample_end(s, k) < baseline_end)
        sum += s->v[k++];
    if (k == 0)
        return false;
    double mean = sum / (double)k;
    double half = mean == 0 ? tolerance : tolerance * (mean < 0 ? -mean : mean);
    out->have_band = true;
    out->mean = mean;
    out->lo = mean - half;
    out->hi = mean + half;
    return true;
}

/* Inclusive at both edges; a NaN is never in the band. */
static bool in_band(const gt_recovery *r, double v)
{
    return v >= r->lo && v <= r->hi;
}

/* EDGE CASES, as decided here:
 *   - Sample i stands for its interval's end t_i = t0 + (i + 1) * step
 *     and is taken as the metric's value at t_i.
 *   - Baseline: the samples with t_i < baseline_end. The interval ending
 *     exactly when the first fault arms is left out: it holds that instant,
 *     and what the fault did at it (a job failing as the fault armed made
 *     the error rate's baseline a tiny non-zero mean whose relative band
 *     excluded 0: "never recovered"). None: have_band false, recovered
 *     false, and the band fields 0.
 *   - Band: mean +- tolerance x |mean|, inclusive; with a mean of exactly
 *     0, mean +- tolerance (absolute). A NaN sample is never in band (a
 *     NaN in the baseline leaves no sample in band at all).
 *   - Considered: samples with cleared <= t_i <= until; earlier ones do
 *     not count (an in-band run under way at cleared starts at the first
 *     sample ending at or after cleared), later ones are not looked at.
 *   - Recovered at t_s, the end of the first in-band sample of a run of
 *     in-band samples s..e with t_e - t_s >= hold: the first such run.
 *     Its length is measured between sample ends, so a run that reaches
 *     until counts only if its own samples span hold (the time between
 *     its last sample and until is not counted: nothing was seen there).
 *     A later excursion, after the run has held, does not undo it.
 *   - hold 0: the first in-band sample recovers. time = at - cleared >= 0;
 *     at and time are 0 when not recovered.
 * One pass over the series: O(n), no allocation, can't fail. */
void gt__recovery(const gt_series *s, int64_t baseline_end, int64_t cleared, int64_t until,
                  double tolerance, int64_t hold, gt_recovery *out)
{
    assert(s->n == 0 || s->step > 0);
    assert(tolerance >= 0 && hold >= 0);
    *out = (gt_recovery){0};
    if (!band_of(s, baseline_end, tolerance, out))
        return;
    bool in_run = false;
    int64_t start = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t t = sample_end(s, i);
        if (t < cleared)
            continue;
        if (t > until)
            break;
        if (!in_band(out, s->v[i])) {
            in_run = false;
            continue;
        }
        if (!in_run) {
            in_run = true;
            start = t;
        }
        if (t - start >= hold) {
            out->recovered = true;
            out->at = start;
            out->time = start - cleared;
            return;
        }
    }
}
