#!/bin/bash
# W6 side by side: bench/w6_lstm.lua (ours, BENCH_THREADS=2 and 1) and the
# PyTorch peer w6_lstm.py (BENCH_THREADS=2 and 1), interleaved so that load
# drifts hit both alike; prints each figure, the load average, and the
# ratio of our best to the peer's best (< 1: ours faster).
# usage: bench/run_w6.sh [build-dir] [rounds]   (default build-rnn, 1 round)
# env:   PY=python-with-torch (default /usr/bin/python3)  PEERS=folder-of-peer-scripts
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-rnn}")
ROUNDS=${2:-1}
PY=${PY:-/usr/bin/python3}
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
TH="$BUILD/bin/th"
[ -x "$TH" ] || { echo "no $TH: build first (cmake --build $BUILD)" >&2; exit 1; }
RES=$(mktemp); trap 'rm -f "$RES"' EXIT

# run <who> <cmd...>: keep "who figure value" for each RESULT line
run() { local who=$1; shift
  echo "# $who: $* (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  "$@" | sed -n "s/^RESULT \([^=]*\)=\([^ ]*\) .*/$who \1 \2/p" >>"$RES"; }

for _ in $(seq "$ROUNDS"); do
  for t in 2 1; do
    run "ours$t" env BENCH_THREADS=$t "$TH" "$ROOT/bench/w6_lstm.lua"
    run "peer$t" env BENCH_THREADS=$t "$PY" "$PEERS/w6_lstm.py"
  done
done

echo "# $(date -Is) $(hostname) nproc $(nproc), load at end $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  BEGIN { map["w6a_lstm_fused"] = "w6.fused_ms"; map["w6b_lstmcell_loop"] = "w6.loop_ms" }
  { f = ($2 in map) ? map[$2] : $2
    k = $1 SUBSEP f
    if (!(k in v) || $3 < v[k]) v[k] = $3 }   # several rounds: keep the best median
  END {
    printf "%-12s %9s %9s %9s %9s %12s\n", "ms/step", "ours T=2", "ours T=1", "peer T=2", "peer T=1", "ours/peer"
    split("w6.fused_ms w6.loop_ms", fs, " ")
    for (i = 1; i <= 2; i++) {
      f = fs[i]; o2 = v["ours2", f]; o1 = v["ours1", f]; p2 = v["peer2", f]; p1 = v["peer1", f]
      o = (o1 != "" && (o2 == "" || o1 < o2)) ? o1 : o2
      p = (p1 != "" && (p2 == "" || p1 < p2)) ? p1 : p2
      printf "%-12s %9s %9s %9s %9s %12s\n", f, o2, o1, p2, p1, (o != "" && p > 0) ? sprintf("%.2f", o / p) : "-"
    }
  }' "$RES"
