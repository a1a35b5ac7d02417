// The small matrix kernels around cuSOLVER's factorizations (cuda/lapack.c):
// an identity to solve against, the triangle a factorization leaves alone,
// R out of geqrf's packed result. Every matrix here is column-major, as
// cuSOLVER's; one thread per element, grid-stride.
#include "../lapack.h"
#include "index.cuh"

namespace {

using namespace ltk;

typedef long long ll;

template <typename T>
__global__ void eye_k(T *p, ll rows, ll cols, ll ld) {
  ll total = rows * cols;
  for (ll e = blockIdx.x * (ll)blockDim.x + threadIdx.x; e < total; e += (ll)gridDim.x * blockDim.x) {
    ll j = e / rows, i = e - j * rows; // consecutive threads walk a column
    p[j * ld + i] = i == j ? T(1) : T(0);
  }
}

// (i, j) in the other triangle: below the diagonal when upper, above else
template <typename T>
__global__ void triangle_k(T *p, ll n, bool upper, bool mirror) {
  ll total = n * n;
  for (ll e = blockIdx.x * (ll)blockDim.x + threadIdx.x; e < total; e += (ll)gridDim.x * blockDim.x) {
    ll j = e / n, i = e - j * n;
    bool other = upper ? i > j : i < j;
    if (other) p[j * n + i] = mirror ? p[i * n + j] : T(0); // (j, i) is in the kept triangle
  }
}

template <typename T>
__global__ void take_r_k(const T *src, ll m, ll n, ll k, T *dst) {
  ll total = k * n;
  for (ll e = blockIdx.x * (ll)blockDim.x + threadIdx.x; e < total; e += (ll)gridDim.x * blockDim.x) {
    ll i = e / n, j = e - i * n; // dst row-major: coalesced writes
    dst[e] = i <= j ? src[j * m + i] : T(0);
  }
}

int blocks(ll n) { return grid_for(n, 1, 0); }

} // namespace

extern "C" cudaError_t ltk_la_eye(lt_dtype dt, void *p, int64_t rows, int64_t cols, int64_t ld,
                                  cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32) eye_k<float><<<blocks(rows * cols), kThreads, 0, s>>>((float *)p, rows, cols, ld);
  else eye_k<double><<<blocks(rows * cols), kThreads, 0, s>>>((double *)p, rows, cols, ld);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_la_triangle(lt_dtype dt, void *p, int64_t n, int upper, int mirror,
                                       cudaStream_t s) {
  if (n <= 1) return cudaSuccess;
  if (dt == LT_FLOAT32)
    triangle_k<float><<<blocks(n * n), kThreads, 0, s>>>((float *)p, n, upper != 0, mirror != 0);
  else
    triangle_k<double><<<blocks(n * n), kThreads, 0, s>>>((double *)p, n, upper != 0, mirror != 0);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_la_take_r(lt_dtype dt, const void *src, int64_t m, int64_t n, int64_t k,
                                     void *dst, cudaStream_t s) {
  if (k <= 0 || n <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    take_r_k<float><<<blocks(k * n), kThreads, 0, s>>>((const float *)src, m, n, k, (float *)dst);
  else
    take_r_k<double><<<blocks(k * n), kThreads, 0, s>>>((const double *)src, m, n, k, (double *)dst);
  return cudaGetLastError();
}
