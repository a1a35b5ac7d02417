#!/bin/bash
# W3a in instructions: deterministic where wall-clock timings on a shared
# machine are not. Runs 20 000 iterations of x = torch.add(torch.cmul(x, y), y)
# on 1-element float32 tensors under valgrind's callgrind, subtracts a run
# that only loads torch and makes x, y, and divides by the op count.
# usage: bench/w3a_callgrind.sh [build-dir]      (default: build-bench)
# env:   CG_OUT=file keeps the profile of the op run (callgrind_annotate file)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-bench}")
ITERS=20000
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/base.lua" <<'LUA'
require 'torch'
local x, y = torch.Tensor({0.3}), torch.Tensor({0.5})
for _ = 1, tonumber(arg[1]) do end
LUA
cat >"$TMP/ops.lua" <<'LUA'
require 'torch'
local x, y = torch.Tensor({0.3}), torch.Tensor({0.5})
for _ = 1, tonumber(arg[1]) do x = torch.add(torch.cmul(x, y), y) end
assert(math.abs(x[1] - 1) < 1e-6, 'x converges to 1')
LUA
refs() { valgrind --tool=callgrind --callgrind-out-file="$TMP/$1.out" "$BUILD/bin/th" "$TMP/$1.lua" $ITERS 2>&1 |
  sed -n 's/.*I *refs: *//p' | tr -d ,; }
base=$(refs base); ops=$(refs ops)
echo "RESULT w3a_smallop_instructions=$(( (ops - base) / (2 * ITERS) )) instr/op   # callgrind, $ITERS iterations"
if [ -n "${CG_OUT:-}" ]; then cp "$TMP/ops.out" "$CG_OUT"; echo "# profile: callgrind_annotate $CG_OUT" >&2; fi
