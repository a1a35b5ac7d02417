#!/bin/bash
# W4 side by side: bench/w4_mlp.lua and the PyTorch peer
# (../shared/bench/peers/pytorch/w4_mlp.py), each with BENCH_THREADS=2 (the
# spec) and 1, interleaved so that drifting load hits both alike; ratios are
# against the better peer configuration.
# usage: bench/run_w4.sh [build-dir]    (default: build-bench; built if missing)
# env:   PY=python-with-torch (default /usr/bin/python3, Debian's torch)
#        PEERS=folder-of-peer-scripts  API="object torch7"  THREADS="2 1"
#        ROUNDS=n: the whole interleaved sequence n times; the table shows
#        each run's median over the rounds (this VM's speed drifts by ±20%
#        between minutes, so one round can mislead)
# Both sides run with OMP_WAIT_POLICY=PASSIVE unless it is set: libgomp's
# default spin-wait makes a 2-thread OpenMP process (ours, or PyTorch's pool)
# 10-30x slower on this shared 2-core machine while other jobs run.
set -u
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
PY=${PY:-/usr/bin/python3}
API=${API:-object torch7}
THREADS=${THREADS:-2 1}
ROUNDS=${ROUNDS:-1}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
RES=$TMP/results   # lines: <who> <figure> <value>
log() { echo "# $*" >&2; }

if [ ! -x "$BUILD/bin/th" ]; then
  log "building $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLUTORCH_CUDA=OFF >/dev/null &&
    cmake --build "$BUILD" -j1 --target th torch_core >/dev/null || { log "build failed"; exit 1; }
fi

# run <who> <cmd...>: keeps the RESULT lines (ours: w4.x=, peer: w4_mlp_x=) as <who> <x> <value>
run() { local who=$1; shift
  log "$who: load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$@" 2>"$TMP/err" | sed -n -e "s/^RESULT w4[a-z0-9_]*\.\([a-z_]*\)=\([^ ]*\).*/$who \1 \2/p" \
    -e "s/^RESULT w4_mlp_\([a-z_]*\)=\([^ ]*\).*/$who \1 \2/p" | tee -a "$RES" | sed 's/^/#   /' >&2
  grep -v '^# epoch' "$TMP/err" | sed 's/^/#   /' >&2; }

for ((r = 1; r <= ROUNDS; r++)); do
  for t in $THREADS; do
    for api in $API; do run "ours.$api.T$t" env BENCH_THREADS=$t "$BUILD/bin/th" "$ROOT/bench/w4_mlp.lua" "$api"; done
    run "peer.T$t" env BENCH_THREADS=$t "$PY" "$PEERS/w4_mlp.py"
  done
done

echo "# $(date -Is) nproc $(nproc), OMP_WAIT_POLICY=$OMP_WAIT_POLICY, $ROUNDS round(s), load at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# peer: $($PY -c 'import torch; print("torch", torch.__version__)' 2>/dev/null) ($PY)"
# the peer prints epoch_time / test_acc / peak_rss, we print s_per_epoch / test_acc / peak_rss_mib
awk '
  function median(key,   k, m, i, j, t, x) {
    m = cnt[key]; if (!m) return ""
    for (i = 1; i <= m; i++) x[i] = val[key, i]
    for (i = 2; i <= m; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
    return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2 }
  { f = $2; sub(/^epoch_time$/, "s_per_epoch", f); sub(/^peak_rss$/, "peak_rss_mib", f)
    val[$1, f, ++cnt[$1, f]] = $3; if (!($1 in seen)) { seen[$1] = 1; who[++n] = $1 } }
  END {
    split("s_per_epoch test_acc peak_rss_mib", fig, " ")
    for (i = 1; i <= n; i++) for (k = 1; k <= 3; k++) v[who[i], fig[k]] = median(who[i] SUBSEP fig[k])
    printf "%-20s %12s %10s %13s\n", "run", "s/epoch", "test acc %", "peak RSS MiB"
    for (i = 1; i <= n; i++) printf "%-20s %12s %10s %13s\n", who[i], v[who[i], fig[1]], v[who[i], fig[2]], v[who[i], fig[3]]
    best = ""   # the tuned peer: its faster configuration
    for (i = 1; i <= n; i++) if (who[i] ~ /^peer/ && v[who[i], fig[1]] != "" && (best == "" || v[who[i], fig[1]] < v[best, fig[1]])) best = who[i]
    if (best == "") exit
    printf "# against %s (%.3f s/epoch, %s %%, %s MiB): time ratio ours/peer (target <= 0.9), RSS ratio (target <= 0.5)\n", best, v[best, fig[1]], v[best, fig[2]], v[best, fig[3]]
    for (i = 1; i <= n; i++) if (who[i] ~ /^ours/ && v[who[i], fig[1]] != "")
      printf "%-20s time %.2f  acc %+.2f  rss %.2f\n", who[i], v[who[i], fig[1]] / v[best, fig[1]], v[who[i], fig[2]] - v[best, fig[2]], v[who[i], fig[3]] / v[best, fig[3]]
  }' "$RES"
