#!/bin/sh
# compare.sh — build the Go peer, run C / Go P=1 / Go P=2 interleaved REPS times, and print a median table side by side.
#   env: GO_PEER_DIR (<repo>/../shared/bench/go); the rest in bench/common.sh
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
GO_PEER_DIR=${GO_PEER_DIR:-$ROOT/../shared/bench/go}
# The Go peer has the WORKLOADS.md shapes only (not the inject benches).
BENCHES=${BENCHES:-"chan_pingpong chan_buffered_spsc chan_buffered_mpmc spawn select2 select2_buf pool pipeline idle_rss cancel_fanout"}
RAW=build/bench/compare_raw.txt
GOBIN=$ROOT/build/bench/gobench
[ -d "$GO_PEER_DIR" ] || { echo "compare.sh: Go peer not found at $GO_PEER_DIR (set GO_PEER_DIR)" >&2; exit 1; }
. bench/common.sh
mkdir -p "$OUT/go/cache" "$OUT/go/path"

# Build the peer with its caches under build/, offline, whoever runs this.
build_peer() {
    (cd "$GO_PEER_DIR" &&
        GOCACHE=$ROOT/$OUT/go/cache GOPATH=$ROOT/$OUT/go/path GOENV=off GOPROXY=off \
            GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on go build -o "$GOBIN" .)
}

# Markdown table: per bench the median of C, Go P=1, Go P=2 and go(P=1)/c.
table() {
    awk -v order="$BENCHES" '
    function med(id, f,   n, i, j, t, v) {
        n = cnt[id, f]
        if (n == 0) return ""
        for (i = 1; i <= n; i++) v[i] = val[id, f, i]
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function cell(x, f) { return x == "" ? "FAIL" : sprintf(f == "kb_per_g" ? "%.3f" : "%.1f", x) }
    function row(b, unit, f,   c, g1, g2, r) {
        c = med("c " b, f); g1 = med("go1 " b, f); g2 = med("go2 " b, f)
        r = (c == "" || g1 == "" || c == 0) ? "-" : sprintf("%.2f", g1 / c)
        printf "| %s | %s | %s | %s | %s | %s |\n", b, unit, cell(c, f), cell(g1, f), cell(g2, f), r
    }
    BEGIN {
        u["chan_pingpong"] = "ns/round trip"; u["chan_buffered_spsc"] = "ns/item"
        u["chan_buffered_mpmc"] = "ns/item"; u["spawn"] = "ns/task"
        u["select2"] = "ns/received item"; u["select2_buf"] = "ns/received item"
        u["pool"] = "ns/job"; u["pipeline"] = "ns/item"
        u["idle_rss"] = "ns/task (spawn until all running)"; u["cancel_fanout"] = "ns/task"
    }
    /^bench=/ {
        split("", kv)
        for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); kv[k] = substr($i, length(k) + 2) }
        id = (kv["impl"] == "c" ? "c" : "go" kv["gomaxprocs"]) " " kv["bench"]
        for (k in kv) if (k == "ns_per_op" || k == "kb_per_g") val[id, k, ++cnt[id, k]] = kv[k] + 0
    }
    END {
        print "| bench | unit | c median | go P=1 median | go P=2 median | go(P=1)/c |"
        print "|---|---|---|---|---|---|"
        nb = split(order, names, " ")
        for (x = 1; x <= nb; x++) {
            b = names[x]
            row(b, (b in u) ? u[b] : "ns/op", "ns_per_op")
            if (b == "idle_rss") row(b, "KB/task (RSS)", "kb_per_g")
        }
    }' "$RAW"
}

build_peer
out "# $(gcc --version | head -1) | $(go version) | $(nproc) cpus | loadavg: $(cut -d' ' -f1-3 /proc/loadavg) | reps=$REPS"
case " $BENCHES " in *" idle_rss "*) raise_map_count ;; esac
rep=1
while [ "$rep" -le "$REPS" ]; do
    for b in $BENCHES; do
        run_one c "$b" "$BENCH_BIN" "$b" $BENCH_ARGS
        run_one go-P1 "$b" env GOMAXPROCS=1 "$GOBIN" "$b"
        run_one go-P2 "$b" env GOMAXPROCS=2 "$GOBIN" "$b"
    done
    rep=$((rep + 1))
done
out "# end loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "# medians of $REPS interleaved reps (raw: $RAW); go(P=1)/c > 1 means C is faster (or smaller)"
table
report_failures
