#!/bin/bash
# W5 (CNN on Fashion-MNIST) side by side with the PyTorch peer: ours and the
# peer with BENCH_THREADS=2 and 1, alternating, ROUNDS times, then the median
# of each configuration's ms/step (each run's figure is itself the median of
# steps 21..220) and the load average seen. The machine is shared: compare
# figures from one run of this script only.
# usage: bench/run_w5.sh [build-dir]     (default: build-bench)
# env:   ROUNDS=3  FULL=1 (one full epoch each, for the accuracy after 1 epoch)
#        W5_GC=1 (ours: collectgarbage() each step, see bench/w5_cnn.lua)
#        PY=python-with-torch  PEERS=folder-of-peer-scripts
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
ROUNDS=${ROUNDS:-3}
FULL=${FULL:-0}
if [ -z "${PY:-}" ]; then
  if python3 -c 'import torch' 2>/dev/null; then PY=python3; else PY=/usr/bin/python3; fi
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
log() { echo "# $*" >&2; }

log "building $BUILD (Release)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLUTORCH_CUDA=OFF >/dev/null &&
  cmake --build "$BUILD" -j1 --target th torch_core >/dev/null || { log "build failed"; exit 1; }

if [ "$FULL" = 1 ]; then OURS_ARG=epoch; CAP=100000; else OURS_ARG=220; CAP=1; fi
# one run: appends "<config> <ms/step> <acc or -> <load>" to $TMP/res
run() { local cfg=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  "$@" >"$TMP/out" 2>"$TMP/err" || { log "$cfg failed:"; sed 's/^/#   /' "$TMP/err" >&2; return; }
  local ms acc
  ms=$(sed -n 's/^RESULT \(w5.ms_per_step\|w5_cnn_step\)=\([0-9.]*\).*/\2/p' "$TMP/out")
  acc=$(sed -n 's/^RESULT \(w5.test_acc_1epoch\|w5_cnn_test_acc\)=\([0-9.]*\).*/\2/p' "$TMP/out")
  echo "$cfg ${ms:-nan} ${acc:--} $load" >>"$TMP/res"
  log "$cfg: ${ms:-?} ms/step, acc ${acc:--} (load $load)"
}

for r in $(seq "$ROUNDS"); do   # alternating, so that drifting load hits every side alike
  run ours2 env BENCH_THREADS=2 "$BUILD/bin/th" "$ROOT/bench/w5_cnn.lua" $OURS_ARG
  run peer2 env BENCH_THREADS=2 W5_CAP_S=$CAP "$PY" "$PEERS/w5_cnn.py"
  run ours1 env BENCH_THREADS=1 "$BUILD/bin/th" "$ROOT/bench/w5_cnn.lua" $OURS_ARG
  run peer1 env BENCH_THREADS=1 W5_CAP_S=$CAP "$PY" "$PEERS/w5_cnn.py"
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
echo "W5 ms/step, median of $ROUNDS alternating runs (each: median of steps 21..220)"
printf '%-6s %10s %8s %s\n' config ms/step acc1ep loads
for cfg in ours2 ours1 peer2 peer1; do
  m=$(awk -v c=$cfg '$1 == c {print $2}' "$TMP/res" | median)
  acc=$(awk -v c=$cfg '$1 == c && $3 != "-" {print $3}' "$TMP/res" | median)
  loads=$(awk -v c=$cfg '$1 == c {printf "%s ", $4}' "$TMP/res")
  printf '%-6s %10s %8s %s\n' "$cfg" "$m" "$acc" "$loads"
  echo "RESULT w5.$cfg.ms_per_step=$m ms"
done
best() { for c in "$@"; do awk -v c=$c '$1 == c {print $2}' "$TMP/res" | median; done | sort -g | head -1; }
o=$(best ours2 ours1); p=$(best peer2 peer1)
echo "RESULT w5.ratio_vs_best_peer=$(awk -v o="$o" -v p="$p" 'BEGIN {printf "%.2f", o / p}') x   # ours $o ms vs peer $p ms (best configuration each)"
