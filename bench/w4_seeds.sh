#!/bin/bash
# W4 accuracy over seeds: one seed's test accuracy after 5 epochs moves by
# about ±0.4 points with the initial weights and the shuffling order, so a
# single run cannot say whether two implementations learn alike. This trains
# ours (bench/w4_mlp.lua, the Torch7 loop) and the PyTorch peer (unchanged,
# its seeds replaced through bench/w4_seeded_peer.py) with BENCH_SEED = 0..N-1
# and prints every accuracy, then the mean and standard deviation of each.
# usage: bench/w4_seeds.sh [build-dir]   env: SEEDS=5 PY=/usr/bin/python3
set -u
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
PY=${PY:-/usr/bin/python3}
SEEDS=${SEEDS:-5}
[ -x "$BUILD/bin/th" ] || { echo "# no $BUILD/bin/th: build it first (see bench/run_w4.sh)" >&2; exit 1; }

TMP=$(mktemp); trap 'rm -f "$TMP"' EXIT
acc() { sed -n 's/^RESULT w4[a-z0-9_]*[._]test_acc=\([0-9.]*\).*/\1/p'; }
printf '%-6s %10s %10s\n' seed ours peer
for ((s = 0; s < SEEDS; s++)); do
  ours=$(BENCH_SEED=$s BENCH_THREADS=2 "$BUILD/bin/th" "$ROOT/bench/w4_mlp.lua" torch7 2>/dev/null | acc)
  peer=$(cd "$PEERS" && BENCH_SEED=$s BENCH_THREADS=1 "$PY" "$ROOT/bench/w4_seeded_peer.py" w4_mlp.py 2>/dev/null | acc)
  printf '%-6s %10s %10s\n' "$s" "${ours:-?}" "${peer:-?}" | tee -a "$TMP"
done
awk '$2 != "?" && $3 != "?" { n++; for (i = 2; i <= 3; i++) { s[i] += $i; q[i] += $i * $i } }
  END { if (!n) exit 1
        for (i = 2; i <= 3; i++) { m[i] = s[i] / n; sd[i] = n > 1 ? sqrt((q[i] - n * m[i] ^ 2) / (n - 1)) : 0 }
        printf "%-6s %10.2f %10.2f\n", "mean", m[2], m[3]
        printf "%-6s %10.2f %10.2f\n", "sd", sd[2], sd[3]
        printf "# %d seeds: ours - peer = %+.2f points (standard error of the difference %.2f)\n", n, m[2] - m[3], sqrt(sd[2] ^ 2 / n + sd[3] ^ 2 / n) }' "$TMP"
