// Index and mask kernels, then their launchers.
//
// gather (read side): out[p] = x[p with p[dim] = idx[p]]. The geometry has
// three operands (out, idx, x with stride 0 along dim), so a thread adds
// idx * (x's stride along dim) to x's offset. Moves raw elements of 1, 2,
// 4 or 8 bytes.
//
// scatter (write side): one thread per line along dim: for k = 0..K-1 it
// writes x[line, idx[line, k]] (=, += or a fill value). Lines never share a
// target element, so no atomics are needed, a repeated index keeps the last
// write and sums add in the CPU's order: GPU and CPU agree exactly (as
// lib/ops/index.c's scatter does it). The cost is that the parallelism is
// the number of lines.
//
// masks: maskedFill writes where the (broadcast) mask is set. maskedSelect,
// maskedCopy and nonzero take pos[], the inclusive prefix sum of the mask
// (a scan), so element i that is selected goes to (or comes from) slot
// pos[i] - 1: every thread knows its slot without a serial walk.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstring>
#include <type_traits>

#include "index.cuh"

namespace {

using namespace ltk;

typedef long long ll;

template <typename W, typename I>
__global__ void gather_k(W *out, const ll *__restrict__ idx, const W *__restrict__ x, Geom<I, 3> g,
                         I n, ll xk) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[3];
    offsets(g, i, off);
    out[off[0]] = x[(ll)off[2] + idx[off[1]] * xk];
  }
}

template <typename T>
__device__ __forceinline__ T add_elem(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) return a || b;
  else if constexpr (std::is_same<T, __half>::value) return __float2half(__half2float(a) + __half2float(b));
  else if constexpr (std::is_same<T, __nv_bfloat16>::value)
    return __float2bfloat16(__bfloat162float(a) + __bfloat162float(b));
  else return (T)(a + b);
}

// op: LT_DEV_COPY, LT_DEV_ADD or LT_DEV_FILL (then src is unused)
template <typename T, typename I>
__global__ void scatter_k(T *x, const ll *__restrict__ idx, const T *__restrict__ src, Geom<I, 3> g,
                          I nlines, ll K, ll ik, ll sk, ll xk, int op, T fill) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < nlines; i += (I)gridDim.x * blockDim.x) {
    I off[3];
    offsets(g, i, off);
    T *xl = x + (ll)off[0];
    const ll *il = idx + (ll)off[1];
    for (ll k = 0; k < K; k++) {
      T *d = xl + il[k * ik] * xk;
      if (op == LT_DEV_FILL) *d = fill;
      else if (op == LT_DEV_ADD) *d = add_elem(*d, src[(ll)off[2] + k * sk]);
      else *d = src[(ll)off[2] + k * sk];
    }
  }
}

template <typename W, typename I>
__global__ void masked_fill_k(W *x, const uint8_t *__restrict__ mask, Geom<I, 2> g, I n, W v) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[2];
    offsets(g, i, off);
    if (mask[off[1]]) x[off[0]] = v;
  }
}

__device__ __forceinline__ bool selected(const ll *pos, ll i) {
  return pos[i] != (i > 0 ? pos[i - 1] : 0);
}

// select (to_x = 0): out[pos[i]-1] = x[off(i)]; copy (to_x = 1): x[off(i)] = src[pos[i]-1]
template <typename W, typename I>
__global__ void masked_move_k(W *x, const ll *__restrict__ pos, W *flat, Geom<I, 1> g, I n,
                              int to_x) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    if (!selected(pos, i)) continue;
    I off[1];
    offsets(g, i, off);
    if (to_x) x[off[0]] = flat[pos[i] - 1];
    else flat[pos[i] - 1] = x[off[0]];
  }
}

struct Shape {
  int ndim;
  ll size[LT_MAX_DIMS];
};

__global__ void nonzero_k(const ll *__restrict__ pos, ll n, Shape s, ll *out) {
  for (ll i = blockIdx.x * (ll)blockDim.x + threadIdx.x; i < n; i += (ll)gridDim.x * blockDim.x) {
    if (!selected(pos, i)) continue;
    ll *o = out + (pos[i] - 1) * s.ndim, rest = i;
    for (int d = s.ndim - 1; d >= 0; d--) {
      o[d] = rest % s.size[d];
      rest /= s.size[d];
    }
  }
}

template <typename W>
cudaError_t gather_w(void *out, const int64_t *idx, const void *x, const ltk_geom &g, int64_t n,
                     int64_t xk, int sms, cudaStream_t s) {
  if (geom_fits_32(g, 3, n))
    gather_k<W, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)out, (const ll *)idx, (const W *)x, geom_from<int32_t, 3>(g), (int32_t)n, xk);
  else
    gather_k<W, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)out, (const ll *)idx, (const W *)x, geom_from<int64_t, 3>(g), n, xk);
  return cudaGetLastError();
}

template <typename T>
cudaError_t scatter_t(void *x, const int64_t *idx, const void *src, const ltk_geom &g,
                      int64_t nlines, int64_t K, int64_t ik, int64_t sk, int64_t xk, int op,
                      uint64_t fill_bits, int sms, cudaStream_t s) {
  T fill;
  memcpy((void *)&fill, &fill_bits, sizeof fill);
  if (geom_fits_32(g, 3, nlines))
    scatter_k<T, int32_t><<<grid_for(nlines, 1, sms), kThreads, 0, s>>>(
        (T *)x, (const ll *)idx, (const T *)src, geom_from<int32_t, 3>(g), (int32_t)nlines, K, ik,
        sk, xk, op, fill);
  else
    scatter_k<T, int64_t><<<grid_for(nlines, 1, sms), kThreads, 0, s>>>(
        (T *)x, (const ll *)idx, (const T *)src, geom_from<int64_t, 3>(g), nlines, K, ik, sk, xk,
        op, fill);
  return cudaGetLastError();
}

template <typename W>
cudaError_t masked_fill_w(void *x, const void *mask, const ltk_geom &g, int64_t n,
                          uint64_t bits, int sms, cudaStream_t s) {
  W v;
  memcpy(&v, &bits, sizeof v);
  if (geom_fits_32(g, 2, n))
    masked_fill_k<W, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)x, (const uint8_t *)mask, geom_from<int32_t, 2>(g), (int32_t)n, v);
  else
    masked_fill_k<W, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)x, (const uint8_t *)mask, geom_from<int64_t, 2>(g), n, v);
  return cudaGetLastError();
}

template <typename W>
cudaError_t masked_move_w(void *x, const int64_t *pos, void *flat, const ltk_geom &g, int64_t n,
                          int to_x, int sms, cudaStream_t s) {
  if (geom_fits_32(g, 1, n))
    masked_move_k<W, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)x, (const ll *)pos, (W *)flat, geom_from<int32_t, 1>(g), (int32_t)n, to_x);
  else
    masked_move_k<W, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)x, (const ll *)pos, (W *)flat, geom_from<int64_t, 1>(g), n, to_x);
  return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ltk_gather(int esz, void *out, const int64_t *idx, const void *x,
                                  const ltk_geom *g, int64_t n, int64_t xk, int sms,
                                  cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  switch (esz) {
  case 1: return gather_w<uint8_t>(out, idx, x, *g, n, xk, sms, s);
  case 2: return gather_w<uint16_t>(out, idx, x, *g, n, xk, sms, s);
  case 4: return gather_w<uint32_t>(out, idx, x, *g, n, xk, sms, s);
  default: return gather_w<uint64_t>(out, idx, x, *g, n, xk, sms, s);
  }
}

extern "C" cudaError_t ltk_scatter(lt_dtype dt, int op, void *x, const int64_t *idx,
                                   const void *src, const ltk_geom *g, int64_t nlines, int64_t K,
                                   int64_t ik, int64_t sk, int64_t xk, uint64_t fill_bits,
                                   int sms, cudaStream_t s) {
  if (nlines <= 0 || K <= 0) return cudaSuccess;
#define SC(T) scatter_t<T>(x, idx, src, *g, nlines, K, ik, sk, xk, op, fill_bits, sms, s)
  switch (dt) {
  case LT_FLOAT32: return SC(float);
  case LT_FLOAT64: return SC(double);
  case LT_INT64: return SC(ll);
  case LT_INT32: return SC(int32_t);
  case LT_INT16: return SC(int16_t);
  case LT_INT8: return SC(int8_t);
  case LT_UINT8: return SC(uint8_t);
  case LT_BOOL: return SC(bool);
  case LT_FLOAT16: return SC(__half);
  default: return SC(__nv_bfloat16);
  }
#undef SC
}

extern "C" cudaError_t ltk_masked_fill(int esz, void *x, const void *mask, const ltk_geom *g,
                                       int64_t n, uint64_t bits, int sms, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  switch (esz) {
  case 1: return masked_fill_w<uint8_t>(x, mask, *g, n, bits, sms, s);
  case 2: return masked_fill_w<uint16_t>(x, mask, *g, n, bits, sms, s);
  case 4: return masked_fill_w<uint32_t>(x, mask, *g, n, bits, sms, s);
  default: return masked_fill_w<uint64_t>(x, mask, *g, n, bits, sms, s);
  }
}

extern "C" cudaError_t ltk_masked_move(int esz, void *x, const int64_t *pos, void *flat,
                                       const ltk_geom *g, int64_t n, int to_x, int sms,
                                       cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  switch (esz) {
  case 1: return masked_move_w<uint8_t>(x, pos, flat, *g, n, to_x, sms, s);
  case 2: return masked_move_w<uint16_t>(x, pos, flat, *g, n, to_x, sms, s);
  case 4: return masked_move_w<uint32_t>(x, pos, flat, *g, n, to_x, sms, s);
  default: return masked_move_w<uint64_t>(x, pos, flat, *g, n, to_x, sms, s);
  }
}

extern "C" cudaError_t ltk_nonzero(const int64_t *pos, int64_t n, int ndim, const int64_t *size,
                                   int64_t *out, int sms, cudaStream_t s) {
  if (n <= 0 || ndim == 0) return cudaSuccess;
  Shape sh;
  sh.ndim = ndim;
  for (int d = 0; d < ndim; d++) sh.size[d] = size[d];
  nonzero_k<<<grid_for(n, 4, sms), kThreads, 0, s>>>((const ll *)pos, n, sh, (ll *)out);
  return cudaGetLastError();
}
