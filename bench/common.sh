# common.sh — what run.sh and compare.sh share: settings from the
# environment, the raw-file printer, raising vm.max_map_count for idle_rss,
# and running one measurement. Sourced from the repo root with RAW set.
#   env: BENCH_BIN (build/bench/grbench)  REPS (5)  BENCHES (all, space-separated)
#        BENCH_ARGS (extra grbench options, e.g. "--clock sim")  BENCH_TIMEOUT (300 s per process)
BENCH_BIN=${BENCH_BIN:-build/bench/grbench}
REPS=${REPS:-5}
PEER="chan_pingpong chan_buffered_spsc chan_buffered_mpmc spawn select2 select2_buf pool pipeline idle_rss cancel_fanout"
ALL="$PEER inj_disarmed inj_armed_elsewhere inj_fire fiu_fail_raw svc_pool_sim svc_pipeline_sim svc_front_real suite_sim scenario_rate2000 report_render"
BENCHES=${BENCHES:-$ALL}
BENCH_ARGS=${BENCH_ARGS:-}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
OUT=build/bench
MAP_MIN=262144
failed=0

[ -x "$BENCH_BIN" ] || { echo "bench: $BENCH_BIN not built (run make)" >&2; exit 1; }
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
        out "# vm.max_map_count is $cur (< $MAP_MIN) and not writable here: the C idle_rss (100k tasks, 2 mappings each) will likely fail"
    fi
}

# run_one LABEL BENCH CMD...: save the result line, or a "# FAILED" line.
run_one() {
    label=$1 b=$2
    shift 2
    if line=$(timeout "$BENCH_TIMEOUT" "$@" 2>"$ERR") && [ "${line#"bench=$b "}" != "$line" ]; then
        out "$line"
    else
        rc=$?
        [ "$rc" -eq 124 ] && echo "timed out after ${BENCH_TIMEOUT}s (hang?)" >> "$ERR"
        out "# FAILED rep=$rep $label bench=$b exit=$rc: $(tr '\n' ' ' < "$ERR")$line"
        failed=$((failed + 1))
    fi
}

# Exit non-zero if any measurement failed.
report_failures() {
    if [ "$failed" -gt 0 ]; then
        echo "# $failed measurement(s) FAILED, see the '# FAILED' lines above and in $RAW" >&2
        exit 1
    fi
}
