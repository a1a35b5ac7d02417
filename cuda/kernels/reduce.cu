// Whole-tensor reductions (sum, max, min), then their launcher.
//
// Reduction layout: pass 1 runs a grid of at most kMaxParts blocks; each
// thread folds a grid-stride slice of the input into a register, each warp
// folds its 32 values with shuffles, warp leaders meet in shared memory and
// warp 0 folds those, leaving one partial per block. Pass 2 is the same
// kernel on one block over the partials. Sums of float32 accumulate in
// float32 within a thread (as PyTorch does) and the tree keeps the error
// growth logarithmic across threads; max/min propagate NaN.
#include "index.cuh"

namespace {

using namespace ltk;

constexpr int kReduceThreads = 512;
constexpr int kMaxParts = 1024;

template <typename A>
__device__ __forceinline__ A fold(int op, A x, A y) {
  switch (op) {
  case LTK_SUM: return x + y;
  case LTK_MAX: return (x != x || x > y) ? x : y;
  default: return (x != x || x < y) ? x : y;
  }
}

template <typename A>
__device__ __forceinline__ A identity(int op) {
  if (op == LTK_SUM) return A(0);
  return op == LTK_MAX ? -INFINITY : INFINITY;
}

template <typename T, typename A>
__global__ void reduce_pass(const T *__restrict__ in, int64_t n, A *__restrict__ out, int op) {
  __shared__ A warp_part[kReduceThreads / 32];
  A acc = identity<A>(op);
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    acc = fold(op, acc, (A)in[i]);
  for (int off = 16; off > 0; off >>= 1) acc = fold(op, acc, __shfl_down_sync(0xffffffffu, acc, off));
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_part[warp] = acc;
  __syncthreads();
  if (warp == 0) {
    int nwarps = blockDim.x >> 5;
    acc = lane < nwarps ? warp_part[lane] : identity<A>(op);
    for (int off = 16; off > 0; off >>= 1) acc = fold(op, acc, __shfl_down_sync(0xffffffffu, acc, off));
    if (lane == 0) out[blockIdx.x] = acc;
  }
}

template <typename T, typename A>
cudaError_t reduce_launch(int op, const T *in, int64_t n, A *parts, A *result, int sms,
                          cudaStream_t s) {
  int64_t want = (n + kReduceThreads - 1) / kReduceThreads;
  int cap = (sms > 0 ? sms : 32) * 4;
  if (cap > kMaxParts) cap = kMaxParts;
  int blocks = (int)(want < 1 ? 1 : want < cap ? want : cap);
  reduce_pass<T, A><<<blocks, kReduceThreads, 0, s>>>(in, n, parts, op);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  reduce_pass<A, A><<<1, kReduceThreads, 0, s>>>(parts, blocks, result, op);
  return cudaGetLastError();
}

} // namespace

extern "C" int ltk_reduce_parts(int sms) {
  int cap = (sms > 0 ? sms : 32) * 4;
  return cap > kMaxParts ? kMaxParts : cap;
}

extern "C" cudaError_t ltk_reduce(int op, lt_dtype dt, const void *in, int64_t n, void *partials,
                                  void *result, int sms, cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return reduce_launch<double, double>(op, (const double *)in, n, (double *)partials,
                                         (double *)result, sms, s);
  return reduce_launch<float, float>(op, (const float *)in, n, (float *)partials, (float *)result,
                                     sms, s);
}
