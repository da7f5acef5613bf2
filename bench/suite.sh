#!/bin/sh
# suite.sh — the harness's figures, one line each like grbench's:
#   bench/suite.sh suite   bench=suite_sim: the shipped scenarios (scenarios/) in
#                          sim mode, virtual vs wall time (target: >= 200x)
#   bench/suite.sh rate    bench=scenario_rate2000: a 10 s, 2000 req/s scenario,
#                          wall time from process start to exit (target: <= 50 ms)
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
*)
    echo "usage: bench/suite.sh suite|rate" >&2
    exit 2
    ;;
esac
