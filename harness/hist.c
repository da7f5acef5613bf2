/* hist.c — the log-linear latency histogram: GT_HIST_SUB linear sub-buckets
 * per power of two, so a quantile is within 1/GT_HIST_SUB of the truth. */
#include <assert.h>

#include "harness/gt_int.h"

/* LAYOUT. With S = GT_HIST_SUB (a power of two, 2^SUB_BITS):
 *   - values 0 .. S-1 have a bucket each (bucket v), exact; negative
 *     values count as 0;
 *   - a value v >= S with highest set bit e (2^e <= v < 2^(e+1)) falls in
 *     group e - SUB_BITS + 1, sub-bucket (v >> (e - SUB_BITS)) - S: the
 *     group's S buckets split [2^e, 2^(e+1)) into equal widths
 *     w = 2^(e - SUB_BITS).
 * A bucket spans [lo, lo + w) with lo >= S * w, so reporting its upper edge
 * lo + w - 1 for any value in it errs by less than w / (S * w) = 1/S.
 * INT64_MAX lands in bucket (63 - SUB_BITS) * S + S - 1 < GT_HIST_BUCKETS. */
#define SUB_BITS 4
_Static_assert(GT_HIST_SUB == 1 << SUB_BITS, "SUB_BITS must match GT_HIST_SUB");
_Static_assert((63 - SUB_BITS + 1) * GT_HIST_SUB <= GT_HIST_BUCKETS, "too few buckets");

static int bucket_of(int64_t v)
{
    if (v < GT_HIST_SUB)
        return v < 0 ? 0 : (int)v;
    int e = 63 - __builtin_clzll((unsigned long long)v);
    int sub = (int)(v >> (e - SUB_BITS)) - GT_HIST_SUB;
    return (e - SUB_BITS + 1) * GT_HIST_SUB + sub;
}

/* The largest value that falls in bucket i. */
static int64_t bucket_top(int i)
{
    if (i < GT_HIST_SUB)
        return i;
    int e = i / GT_HIST_SUB + SUB_BITS - 1;
    uint64_t w = (uint64_t)1 << (e - SUB_BITS);
    uint64_t lo = (uint64_t)(GT_HIST_SUB + i % GT_HIST_SUB) * w;
    return (int64_t)(lo + w - 1); /* at most INT64_MAX: no overflow */
}

/* Counts saturate instead of wrapping: a full bucket undercounts, and the
 * quantile walk then falls back to max rather than reading garbage. */
static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Add one value (ns). A negative value is recorded as 0 (bucket 0; max
 * starts at 0 in a zeroed histogram). Can't fail. */
void gt__hist_add(gt_hist *h, int64_t v)
{
    int i = bucket_of(v);
    h->b[i] = sat_add(h->b[i], 1);
    h->n++;
    if (v > h->max)
        h->max = v;
}

/* into += from: the same as having added every value of from to into. */
void gt__hist_merge(gt_hist *into, const gt_hist *from)
{
    for (int i = 0; i < GT_HIST_BUCKETS; i++)
        into->b[i] = sat_add(into->b[i], from->b[i]);
    into->n += from->n;
    if (from->max > into->max)
        into->max = from->max;
}

/* The value of rank ceil(q * n) (1-based, clamped to [1, n]): the upper
 * edge of the bucket holding it, clamped to max. 0 when empty. q outside
 * (0, 1] is a programmer error (asserted). */
int64_t gt__hist_quantile(const gt_hist *h, double q)
{
    assert(q > 0 && q <= 1);
    if (h->n == 0)
        return 0;
    double r = q * (double)h->n;
    uint64_t rank = r >= (double)h->n ? h->n : (uint64_t)r;
    if ((double)rank < r) /* ceil, without libm */
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < GT_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            int64_t top = bucket_top(i);
            return top < h->max ? top : h->max;
        }
    }
    return h->max; /* only when a bucket saturated */
}
