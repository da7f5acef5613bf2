#!/bin/sh
# run.sh — run the runtime benchmarks REPS times, rep-major, one process per measurement; raw lines to build/bench/c_raw.txt, then the median per bench.
#   env: see bench/common.sh
set -eu
cd "$(dirname "$0")/.."
RAW=build/bench/c_raw.txt
NOPOINTS_BIN=${NOPOINTS_BIN:-}
. bench/common.sh

# Median, min, max of ns_per_op and the median of every other numeric field.
summarize() {
    awk -v order="$(echo " $BENCHES " | sed 's/ chan_buffered_spsc / chan_buffered_spsc chan_buffered_spsc_nopoints /')" '
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

# Every grbench process runs on one CPU (BENCH_CPU, default 0; empty: any).
# The vCPUs of this VM are not alike: at a given time one of them runs
# the same binary 1.7x slower than the other, and which one changes. A
# figure compared with another is worthless unless both ran on the same.
BENCH_CPU=${BENCH_CPU-0}
PIN=
[ -n "$BENCH_CPU" ] && command -v taskset >/dev/null && PIN="taskset -c $BENCH_CPU"

# run_paired SVC RAW: the service bench, then at once the raw runtime
# workload it is held to (<= 2x), on the same CPU; the service's line gets
# raw_ns_per_op and x_raw (the ratio of the two), whose median over the
# reps is the figure to judge by: medians of the two benches taken
# separately mix runs from different speeds of the machine.
run_paired() {
    svc=$1 raw=$2
    if line=$(timeout "$BENCH_TIMEOUT" $PIN "$BENCH_BIN" "$svc" $BENCH_ARGS 2>"$ERR") &&
        [ "${line#"bench=$svc "}" != "$line" ] &&
        rline=$(timeout "$BENCH_TIMEOUT" $PIN "$BENCH_BIN" "$raw" $BENCH_ARGS 2>>"$ERR"); then
        ns=$(printf '%s\n' "$line" | sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p')
        rns=$(printf '%s\n' "$rline" | sed -n 's/.* ns_per_op=\([0-9.]*\).*/\1/p')
        out "$line raw_ns_per_op=$rns x_raw=$(awk -v a="$ns" -v b="$rns" 'BEGIN { printf "%.2f", a / b }')"
    else
        out "# FAILED rep=$rep c bench=$svc (paired with $raw) exit=$?: $(tr '\n' ' ' < "$ERR")"
        failed=$((failed + 1))
    fi
}

out "# $(gcc --version | head -1) | $(nproc) cpus | loadavg: $(cut -d' ' -f1-3 /proc/loadavg) | reps=$REPS | bin=$BENCH_BIN $BENCH_ARGS | cpu=${BENCH_CPU:-any}"
case " $BENCHES " in *" idle_rss "*) raise_map_count ;; esac
rep=1
while [ "$rep" -le "$REPS" ]; do
    for b in $BENCHES; do
        case $b in # the harness's figures come from the gauntlet command
        suite_sim) run_one c "$b" bench/suite.sh suite; continue ;;
        scenario_rate2000) run_one c "$b" bench/suite.sh rate; continue ;;
        report_render) run_one c "$b" bench/suite.sh report; continue ;;
        esac
        case $b in # held to the raw runtime workload: measured beside it
        svc_pool_sim) run_paired "$b" pool; continue ;;
        svc_pipeline_sim) run_paired "$b" pipeline; continue ;;
        esac
        run_one c "$b" $PIN "$BENCH_BIN" "$b" $BENCH_ARGS
        # the same with the runtime's fail points compiled out: their cost
        if [ "$b" = chan_buffered_spsc ] && [ -x "$NOPOINTS_BIN" ]; then
            run_one c "${b}_nopoints" $PIN "$NOPOINTS_BIN" "$b" $BENCH_ARGS
        fi
    done
    rep=$((rep + 1))
done
out "# end loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# summary: median ns_per_op over the reps (min/max beside it), median of each extra field"
summarize
report_failures
