#!/bin/sh
# run.sh — run the runtime benchmarks REPS times, rep-major, one process per measurement; raw lines to build/bench/c_raw.txt, then the median per bench.
#   env: BENCH_BIN (build/bench/grbench)  REPS (5)  BENCHES (all, space-separated)
#        BENCH_ARGS (extra grbench options, e.g. "--clock sim")  BENCH_TIMEOUT (300 s per process)
set -eu
cd "$(dirname "$0")/.."
BENCH_BIN=${BENCH_BIN:-build/bench/grbench}
REPS=${REPS:-5}
ALL="chan_pingpong chan_buffered_spsc chan_buffered_mpmc spawn select2 select2_buf pool pipeline idle_rss cancel_fanout"
BENCHES=${BENCHES:-$ALL}
BENCH_ARGS=${BENCH_ARGS:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
OUT=build/bench
RAW=$OUT/c_raw.txt
MAP_MIN=262144

[ -x "$BENCH_BIN" ] || { echo "run.sh: $BENCH_BIN not built (run make)" >&2; exit 1; }
mkdir -p "$OUT"
: > "$RAW"
ERR=$(mktemp)
trap 'rm -f "$ERR"' EXIT

# Print a line and append it to the raw file.
out() { printf '%s\n' "$1"; printf '%s\n' "$1" >> "$RAW"; }

# idle_rss needs 2 mappings per task: raise vm.max_map_count when we may.
raise_map_count() {
    f=/proc/sys/vm/max_map_count
    cur=$(cat "$f" 2>/dev/null || echo 0)
    [ "$cur" -ge "$MAP_MIN" ] && return 0
    if [ -w "$f" ] && echo "$MAP_MIN" > "$f" 2>/dev/null && [ "$(cat "$f")" -ge "$MAP_MIN" ]; then
        out "# raised vm.max_map_count from $cur to $MAP_MIN for idle_rss (2 mappings per task; restore: sysctl -w vm.max_map_count=$cur)"
    else
        out "# vm.max_map_count is $cur (< $MAP_MIN) and not writable here: idle_rss (100k tasks, 2 mappings each) will likely fail"
    fi
}

# One measurement: print and save its line, or a "# FAILED" line.
run_one() {
    b=$1
    if line=$(timeout "$BENCH_TIMEOUT" "$BENCH_BIN" "$b" $BENCH_ARGS 2>"$ERR") &&
        [ "${line#"bench=$b "}" != "$line" ]; then
        out "$line"
    else
        rc=$?
        [ "$rc" -eq 124 ] && echo "timed out after ${BENCH_TIMEOUT}s (hang?)" >> "$ERR"
        out "# FAILED rep=$rep bench=$b exit=$rc: $(tr '\n' ' ' < "$ERR")$line"
        failed=$((failed + 1))
    fi
}

# Median, min, max of ns_per_op and the median of every other numeric field.
summarize() {
    awk -v order="$BENCHES" '
    function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
    function decimals(s) { return index(s, ".") ? length(s) - index(s, ".") : 0 }
    # median of the values of (b, k), formatted with their most decimals
    function median(b, k,   n, i, j, t, v, m, d) {
        n = cnt[b, k]
        for (i = 1; i <= n; i++) v[i] = val[b, k, i] + 0
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        lo = v[1]; hi = v[n]
        m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        d = dec[b, k] + 0
        return sprintf("%." d "f", m)
    }
    /^bench=/ {
        b = substr($1, 7)
        if (!(b in nk)) { nk[b] = NF; for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); key[b, i] = k } }
        reps[b]++
        for (i = 1; i <= NF; i++) {
            k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)
            if (!((b, k) in first)) first[b, k] = v
            if (isnum(v)) { n = ++cnt[b, k]; val[b, k, n] = v; if (decimals(v) > dec[b, k]) dec[b, k] = decimals(v) }
        }
    }
    END {
        nb = split(order, names, " ")
        for (x = 1; x <= nb; x++) {
            b = names[x]
            if (!(b in nk)) { print "bench=" b " impl=c no_result=1"; continue }
            line = ""
            for (i = 1; i <= nk[b]; i++) {
                k = key[b, i]
                v = ((b, k) in cnt && k != "gomaxprocs") ? median(b, k) : first[b, k]
                line = line (i > 1 ? " " : "") k "=" v
            }
            median(b, "ns_per_op")
            d = dec[b, "ns_per_op"] + 0
            fmt = "%s reps=%d min=%." d "f max=%." d "f\n"
            printf(fmt, line, reps[b], lo, hi)
        }
    }' "$RAW"
}

failed=0
out "# $(gcc --version | head -1) | $(nproc) cpus | loadavg: $(cut -d' ' -f1-3 /proc/loadavg) | reps=$REPS | bin=$BENCH_BIN $BENCH_ARGS"
case " $BENCHES " in *" idle_rss "*) raise_map_count ;; esac
rep=1
while [ "$rep" -le "$REPS" ]; do
    for b in $BENCHES; do run_one "$b"; done
    rep=$((rep + 1))
done
out "# end loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# summary: median ns_per_op over the reps (min/max beside it), median of each extra field"
summarize
if [ "$failed" -gt 0 ]; then
    echo "# $failed measurement(s) FAILED, see the '# FAILED' lines above and in $RAW" >&2
    exit 1
fi
