// Index math shared by the strided kernels.
//
// A kernel walks the linear index i of the (merged) shape and turns it into
// one element offset per operand. The geometry is copied into a struct of
// the index type: 32-bit when every offset fits, which makes the divisions
// several times cheaper than 64-bit ones.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include "../internal.h"

namespace ltk {

template <typename I, int NOPS>
struct Geom {
  int ndim;
  I size[LT_MAX_DIMS];
  I stride[NOPS][LT_MAX_DIMS];
};

template <typename I, int NOPS>
inline Geom<I, NOPS> geom_from(const ltk_geom &g) {
  Geom<I, NOPS> r;
  r.ndim = g.ndim;
  for (int d = 0; d < g.ndim; d++) {
    r.size[d] = (I)g.size[d];
    for (int k = 0; k < NOPS; k++) r.stride[k][d] = (I)g.stride[k][d];
  }
  return r;
}

// true when every element offset and the element count fit in int32
inline bool geom_fits_32(const ltk_geom &g, int nops, int64_t n) {
  if (n > INT32_MAX) return false;
  for (int k = 0; k < nops; k++) {
    int64_t last = 0;
    for (int d = 0; d < g.ndim; d++) last += (g.size[d] - 1) * (g.stride[k][d] < 0 ? -g.stride[k][d] : g.stride[k][d]);
    if (last > INT32_MAX) return false;
  }
  return true;
}

template <typename I, int NOPS>
__device__ __forceinline__ void offsets(const Geom<I, NOPS> &g, I i, I (&off)[NOPS]) {
#pragma unroll
  for (int k = 0; k < NOPS; k++) off[k] = 0;
  for (int d = g.ndim - 1; d >= 0; d--) {
    I c = i % g.size[d];
    i /= g.size[d];
#pragma unroll
    for (int k = 0; k < NOPS; k++) off[k] += c * g.stride[k][d];
  }
}

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n items, each thread taking `per` per
// pass. The cap leaves many waves of blocks whatever a kernel's occupancy,
// so the last, partial wave costs little; cap 0 means one pass (no cap).
inline int grid_for(int64_t n, int per, int sms, int64_t cap_per_sm = 64) {
  int64_t want = (n + (int64_t)kThreads * per - 1) / ((int64_t)kThreads * per);
  int64_t cap = cap_per_sm > 0 ? (int64_t)(sms > 0 ? sms : 32) * cap_per_sm : (int64_t)INT32_MAX;
  if (want < 1) want = 1;
  return (int)(want < cap ? want : cap);
}

} // namespace ltk
