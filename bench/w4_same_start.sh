#!/bin/bash
# W4 from one start: the PyTorch peer's initial weights and first-epoch
# order are handed to ours, and both train one epoch on one thread. Same
# arithmetic gives the same losses until float rounding differences grow
# (to the 6th digit for ~100 steps here); the test accuracies after the
# epoch then differ by noise only. This separates "learns differently" from
# "was dealt other random numbers" when comparing W4 accuracies.
# usage: bench/w4_same_start.sh [build-dir]   env: PY=/usr/bin/python3
set -eu
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
PEERS=${PEERS:-/work/shared/bench/peers/pytorch}
PY=${PY:-/usr/bin/python3}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
"$PY" "$ROOT/bench/w4_same_start.py" "$TMP" "$PEERS" > "$TMP/peer"
for api in object torch7; do "$BUILD/bin/th" "$ROOT/bench/w4_same_start.lua" "$TMP" $api > "$TMP/$api"; done
printf '%-10s %10s %12s %12s\n' "" peer ours.object ours.torch7
paste -d' ' "$TMP/peer" "$TMP/object" "$TMP/torch7" | awk '
  $1 == "step" { printf "%-10s %10s %12s %12s\n", "step " $2, $3, $6, $9 }
  $1 == "acc"  { printf "%-10s %10s %12s %12s\n", "test acc %", $2, $4, $6 }'
