#!/bin/bash
# Builds lutorch (Release), runs our benchmarks and the PyTorch peers
# (BENCH_THREADS=2 and 1) and the C ceilings in one run, then prints a table.
# usage: bench/run.sh [build-dir]      (default: build-bench)
# env:   PY=python-with-torch  PEERS=folder-of-peer-scripts  ONLY="w1 w2 w3a w7"
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
ONLY=${ONLY:-w1 w2 w3a w7}
if [ -z "${PY:-}" ]; then
  if python3 -c 'import torch' 2>/dev/null; then PY=python3; else PY=/usr/bin/python3; fi
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
RES=$TMP/results   # lines: <who> <figure> <value> <unit>
log() { echo "# $*" >&2; }

log "building $BUILD (Release)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLUTORCH_CUDA=OFF >/dev/null &&
  cmake --build "$BUILD" -j1 --target th torch_core >/dev/null || { log "build failed"; exit 1; }
gcc -O3 -march=native -fopenmp "$PEERS/w8_stream.c" -o "$TMP/w8_stream" &&
gcc -O3 -march=native "$PEERS/w8_sgemm.c" -o "$TMP/w8_sgemm" $(pkg-config --cflags --libs openblas) ||
  { log "ceilings did not build"; exit 1; }

# runs a command, keeps its RESULT lines tagged with who ran
run() { local who=$1; shift
  log "$who: $* (load $(cut -d' ' -f1 /proc/loadavg))"
  "$@" 2>"$TMP/err" | sed -n "s/^RESULT \([^=]*\)=\([^ ]*\) \([^ ]*\).*/$who \1 \2 \3/p" >>"$RES"
  [ -s "$TMP/err" ] && sed 's/^/#   /' "$TMP/err" >&2; }

declare -A PEER=([w1]=w1_gemm.py [w2]=w2_elementwise.py [w3a]=w3_smallops.py [w7]=w7_startup.py)
declare -A OURS=([w1]=w1_gemm.lua [w2]=w2_elementwise.lua [w3a]=w3a_smallops.lua [w7]=w7_startup.lua)
for w in $ONLY; do   # interleaved, so that drifting load hits both sides alike
  run ours "$BUILD/bin/th" "$ROOT/bench/${OURS[$w]}"
  run peer2 env BENCH_THREADS=2 "$PY" "$PEERS/${PEER[$w]}"
  [ "$w" != w7 ] && run peer1 env BENCH_THREADS=1 "$PY" "$PEERS/${PEER[$w]}"
done
run ceiling env OMP_NUM_THREADS=2 "$TMP/w8_stream"
run ceiling "$TMP/w8_sgemm"

echo "# $(date -Is) $(hostname) nproc $(nproc), load at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# peer: $($PY -c 'import torch; print("torch", torch.__version__)' 2>/dev/null) ($PY)"
echo "# speedup: ours vs the better peer configuration, >1 = ours faster; ceiling: ours / C ceiling"
awk '
  { v[$1, $2] = $3; unit[$2] = $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
  function num(x) { return x == "" ? "-" : x }
  END {
    printf "%-24s %-8s %9s %9s %9s %8s %9s %6s\n", "figure", "unit", "ours", "peer T=2", "peer T=1", "speedup", "ceiling", "ceil%"
    for (i = 1; i <= n; i++) {
      f = order[i]; if (f ~ /^w8_/) continue
      u = unit[f]; lower = (u ~ /^(ms|ns\/op|us\/op|MiB|s\/epoch|ms\/step)$/)
      o = v["ours", f]; p2 = v["peer2", f]; p1 = v["peer1", f]
      best = p2; if (p1 != "" && (best == "" || (lower ? p1 < best : p1 > best))) best = p1
      sp = (o != "" && best != "" && o > 0 && best > 0) ? sprintf("%.2f", lower ? best / o : o / best) : "-"
      c = ""; if (f ~ /^w1_gemm_n/) { c = v["ceiling", "w8_openblas_sgemm_" substr(f, 9)] }
      else if (f ~ /^w2_/) c = v["ceiling", "w8_stream_triad"]
      cp = (c != "" && o != "") ? sprintf("%.0f%%", 100 * o / c) : "-"
      printf "%-24s %-8s %9s %9s %9s %8s %9s %6s\n", f, u, num(o), num(p2), num(p1), sp, num(c), cp
    }
    for (i = 1; i <= n; i++) if (order[i] ~ /^w8_/) printf "%-24s %-8s %9s   (C ceiling)\n", order[i], unit[order[i]], v["ceiling", order[i]]
  }' "$RES"
