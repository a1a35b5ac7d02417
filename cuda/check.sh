#!/usr/bin/env bash
# cuda/check.sh: the one prepared GPU check. Run from anywhere:
#
#   bash cuda/check.sh
#
# 1. finds the tools: luajit, busted, pkg-config, OpenBLAS, cJSON, zlib,
#    libpng and libjpeg from the system, or, when any is missing (the bare GPU machine has no
#    network), unpacks the Debian packages in ./.debs into a private prefix
#    (docs/cuda.md lists them and how to fetch them);
# 2. configures and builds with CUDA (-DLUTORCH_CUDA=ON) in build-gpu/;
# 3. stops with exit 0 if no GPU is visible (after saying so);
# 4. runs the GPU specs (test/spec/cuda_*_spec.lua: every op family and nn
#    kernel GPU vs CPU, gradients on the GPU), then the whole ctest suite for
#    information;
# 5. benchmarks lutorch and PyTorch on the same GPU (cuda/bench.lua,
#    cuda/bench_torch.py: matrix products, a + b, reductions along a dim, an
#    MLP training step, the W4 and W5 training steps) and prints the table
#    last (ms: lower is better).
# CHECK_SKIP_SUITE=1 skips step 4's ctest run (CHECK_SUITE_R=regex runs only
# the matching tests), CHECK_SKIP_BENCH=1 step 5.
# Logs go to $OUT when it is set (the GPU machine's tool), else build-gpu/logs.
# Exit status: non-zero when the build or the GPU spec fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-$ROOT/build-gpu}
LOG=${OUT:-$BUILD/logs}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$BUILD" "$LOG"
T0=$SECONDS
say() { echo "== [$((SECONDS - T0))s] $*"; }
IMG_LIBS=()
ORIG_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} # python3 (PyTorch) runs with the system's libraries

# ---- 1. tools ---------------------------------------------------------------
missing=
for tool in luajit busted pkg-config; do
  command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -z "$missing" ] && ! pkg-config --exists luajit openblas libcjson zlib libpng libjpeg 2>/dev/null; then
  missing="$missing (luajit|openblas|libcjson|zlib|libpng|libjpeg).pc"
fi
if [ -n "$missing" ] || [ "${CHECK_USE_DEBS:-0}" = 1 ]; then
  say "missing:${missing:- nothing (forced)}; unpacking ./.debs"
  ls .debs/*.deb >/dev/null 2>&1 || { echo "check.sh: no .debs folder with the packages (see docs/cuda.md)"; exit 1; }
  R=/tmp/lutorch-root
  rm -rf "$R"
  mkdir -p "$R"
  for f in .debs/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$f" "$R"
    else # no dpkg: a .deb is an ar archive holding data.tar.*
      (d=$(mktemp -d) && cd "$d" && ar x "$ROOT/$f" && tar -xf data.tar.* -C "$R" && rm -rf "$d")
    fi
  done
  # absolute links (libz.so -> /lib/...) point into the prefix instead
  find "$R" -type l | while read -r l; do
    t=$(readlink "$l")
    case $t in /*) if [ -e "$R$t" ]; then ln -sfn "$R$t" "$l"; fi ;; esac
  done
  ML=$R/usr/lib/x86_64-linux-gnu
  # the .pc files say /usr: point them into the prefix
  sed -i -e "s|^prefix=/usr|prefix=$R/usr|" -e "s|=/usr/|=$R/usr/|" \
    "$ML"/pkgconfig/*.pc "$ML"/openblas-openmp/pkgconfig/*.pc
  # busted's script starts with '#!/usr/bin/env lua': a wrapper of the same
  # name (found by PATH and by CMake's find_program) runs it with luajit,
  # its modules appended to whatever paths the caller (ctest) sets
  mv "$R/usr/bin/busted" "$R/usr/lib/busted-runner"
  {
    echo '#!/bin/sh'
    echo "export LUA_PATH=\"\${LUA_PATH:-;;};$R/usr/share/lua/5.1/?.lua;$R/usr/share/lua/5.1/?/init.lua\""
    echo "export LUA_CPATH=\"\${LUA_CPATH:-;;};$ML/lua/5.1/?.so\""
    echo "exec luajit $R/usr/lib/busted-runner \"\$@\""
  } > "$R/usr/bin/busted"
  chmod +x "$R/usr/bin/busted"
  export PATH="$R/usr/bin:$PATH"
  export PKG_CONFIG_LIBDIR="$ML/pkgconfig:$ML/openblas-openmp/pkgconfig"
  export CMAKE_PREFIX_PATH="$R/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export LD_LIBRARY_PATH="$ML:$ML/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # headers and library of one libjpeg: the image's own libjpeg (another
  # ABI) must not pair with our jpeglib.h ("Wrong JPEG library version")
  # (jconfig.h, which says the ABI version, sits in the multiarch folder)
  IMG_LIBS=(-DJPEG_INCLUDE_DIR="$R/usr/include" -DJPEG_LIBRARY="$ML/libjpeg.so"
            -DPNG_PNG_INCLUDE_DIR="$R/usr/include" -DPNG_LIBRARY="$ML/libpng16.so"
            -DCMAKE_C_FLAGS="-I$R/usr/include/x86_64-linux-gnu")
fi
say "tools: $(command -v luajit) $(command -v busted) $(command -v pkg-config)"

# ---- 2. build -----------------------------------------------------------------
NVCC=$(command -v nvcc || true)
if [ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ]; then NVCC=/usr/local/cuda/bin/nvcc; fi
if [ -z "$NVCC" ]; then echo "check.sh: nvcc not found"; exit 1; fi
GEN=()
if command -v ninja >/dev/null && [ ! -f "$BUILD/CMakeCache.txt" ]; then GEN=(-G Ninja); fi
say "configure ($NVCC)"
cmake -S . -B "$BUILD" "${GEN[@]}" "${IMG_LIBS[@]}" -DCMAKE_BUILD_TYPE=Release -DLUTORCH_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$NVCC" > "$LOG/configure.log" 2>&1 || { tail -30 "$LOG/configure.log"; echo "check.sh: configure failed"; exit 1; }
grep -E "lutorch:" "$LOG/configure.log" || true
say "build (-j$JOBS)"
cmake --build "$BUILD" -j "$JOBS" > "$LOG/build.log" 2>&1 || { grep -E -A3 "error" "$LOG/build.log" | head -60; echo "check.sh: the build failed (see build.log)"; exit 1; }
grep -E "warning: " "$LOG/build.log" | sort -u | head -20 || true
say "built"

# ---- 3. a GPU? ----------------------------------------------------------------
if command -v nvidia-smi >/dev/null; then nvidia-smi -L 2>&1 | tee "$LOG/gpu.txt" || true; fi
if ! "$BUILD/bin/th" -e "require 'torch.cuda'; os.exit(torch.cuda.isAvailable() and 0 or 3)"; then
  say "no GPU found: lutorch built with CUDA; GPU spec and benchmarks skipped"
  exit 0
fi
"$BUILD/bin/th" -e "require 'torch.cuda'; print('lutorch sees ' .. torch.cuda.deviceCount() .. ' GPU(s)')"

# ---- 4. GPU spec ----------------------------------------------------------------
say "GPU spec"
spec_rc=0
LUA_PATH="$ROOT/lua/?.lua;$ROOT/lua/?/init.lua;$ROOT/test/spec/?.lua;;" \
  LUA_CPATH="$BUILD/lua/?.so;;" LUTORCH_TH="$BUILD/bin/th" LUTORCH_SOURCE="$ROOT" \
  timeout 300 busted --lua=luajit -o TAP test/spec/cuda_*_spec.lua test/spec/amp_spec.lua \
  > "$LOG/cuda_spec.tap" 2>&1 || spec_rc=$?
grep -v -E "^ok " "$LOG/cuda_spec.tap" | head -80 || true
say "GPU spec: $(grep -c '^ok' "$LOG/cuda_spec.tap" || true) ok, $(grep -c '^not ok' "$LOG/cuda_spec.tap" || true) not ok (busted exit $spec_rc)"
if [ "${CHECK_SKIP_SUITE:-0}" != 1 ]; then
  say "whole ctest suite (for information)"
  timeout 150 ctest --test-dir "$BUILD" -j 8 --timeout 60 --output-on-failure \
    ${CHECK_SUITE_R:+-R "$CHECK_SUITE_R"} > "$LOG/ctest.log" 2>&1 || true
  grep -E "tests passed|\*\*\*|Timeout" "$LOG/ctest.log" || true
fi
if [ "${CHECK_SKIP_BENCH:-0}" = 1 ]; then
  say "benchmarks skipped (CHECK_SKIP_BENCH=1)"
  exit "$spec_rc"
fi

# ---- 5. benchmarks ----------------------------------------------------------------
say "benchmarks: lutorch"
timeout 120 "$BUILD/bin/th" cuda/bench.lua > "$LOG/bench_lutorch.txt" 2>&1 || true
cat "$LOG/bench_lutorch.txt"
say "benchmarks: PyTorch"
LD_LIBRARY_PATH=$ORIG_LD_LIBRARY_PATH timeout 150 python3 cuda/bench_torch.py > "$LOG/bench_torch.txt" 2>&1 || true
grep -v -i warn "$LOG/bench_torch.txt" || true
say "done"
echo
echo "GPU spec: $(grep -c '^ok' "$LOG/cuda_spec.tap" || true) ok, $(grep -c '^not ok' "$LOG/cuda_spec.tap" || true) not ok (busted exit $spec_rc)"
LD_LIBRARY_PATH=$ORIG_LD_LIBRARY_PATH python3 cuda/bench_table.py "$LOG/bench_lutorch.txt" "$LOG/bench_torch.txt" | tee "$LOG/table.txt"
exit "$spec_rc"
