#!/bin/sh
# suite.sh — the harness's figures, one line each like grbench's:
#   bench/suite.sh suite   bench=suite_sim: the shipped scenarios (scenarios/) in
#                          sim mode, virtual vs wall time (target: >= 200x)
#   bench/suite.sh rate    bench=scenario_rate2000: a 10 s, 2000 req/s scenario,
#                          wall time from process start to exit (target: <= 50 ms)
#   bench/suite.sh report  bench=report_render: gauntlet report on a run of 198
#                          scenario documents (22 scenarios x --seeds 1..9): HTML
#                          and JUnit written, wall time and the HTML's size
#                          (issue target: 200 scenarios open fast, < 5 MB)
# env: GAUNTLET_BIN (build/gauntlet)
set -eu
cd "$(dirname "$0")/.."
BIN=${GAUNTLET_BIN:-build/gauntlet}
OUTD=$(mktemp -d)
trap 'rm -rf "$OUTD"' EXIT
now() { date +%s%N; }
# virtual_ns summed over the suite's scenarios, from suite.json
# (the suite's own field comes before the scenarios' own)
virtual_ns() { grep -m1 '"virtual_ns"' "$OUTD"/latest/suite.json | tr -dc 0-9; }
case "${1:-}" in
suite)
    t0=$(now)
    "$BIN" run scenarios/ --quiet --out "$OUTD" >/dev/null
    t1=$(now)
    n=$(ls "$OUTD"/latest/ | grep -c '\.json$')
    n=$((n - 1)) # suite.json
    v=$(virtual_ns)
    awk -v n="$n" -v v="$v" -v w="$((t1 - t0))" 'BEGIN {
        printf "bench=suite_sim impl=c scenarios=%d virtual_s=%.3f wall_s=%.3f compression=%.0f ns_per_op=%.0f\n",
               n, v / 1e9, w / 1e9, v / w, w / n }'
    ;;
rate)
    t0=$(now)
    "$BIN" run bench/scenarios/rate2000.lua --quiet --jobs 1 --out "$OUTD" >/dev/null
    t1=$(now)
    v=$(virtual_ns)
    awk -v v="$v" -v w="$((t1 - t0))" 'BEGIN {
        printf "bench=scenario_rate2000 impl=c virtual_s=%.3f wall_ms=%.1f compression=%.0f ns_per_op=%.0f\n",
               v / 1e9, w / 1e6, v / w, w }'
    ;;
report)
    "$BIN" run scenarios/ --seeds 1..9 --quiet --out "$OUTD" >/dev/null
    n=$(ls "$OUTD"/latest/ | grep -c '\.json$')
    n=$((n - 1)) # suite.json
    t0=$(now)
    "$BIN" report "$OUTD"/latest >/dev/null
    t1=$(now)
    bytes=$(wc -c <"$OUTD"/latest/index.html)
    awk -v n="$n" -v b="$bytes" -v w="$((t1 - t0))" 'BEGIN {
        printf "bench=report_render impl=c scenarios=%d html_bytes=%d wall_ms=%.1f ns_per_op=%.0f\n",
               n, b, w / 1e6, w / n }'
    ;;
*)
    echo "usage: bench/suite.sh suite|rate|report" >&2
    exit 2
    ;;
esac
