// Batch and layer normalization on the GPU, with the CPU's formulas
// (lib/ops/nn_norm.c); every statistic accumulates in double.
//
// Batch norm, x seen as (N, C, K): a channel's M = N·K values are split into
// P parts; block (channel, part) folds its part (threads stride along it,
// reading neighbouring k together), warp shuffles and shared memory give
// the block's sum, and a per-channel kernel adds the P partial sums in
// order (deterministic). Training makes two passes, the mean and then the
// squared deviations from it, as the CPU; the backward pass folds Σg and
// Σg(x - mean) at once. An elementwise kernel then applies the per-channel
// affine map (forward) or the gradient formula (backward).
//
// Layer norm: a warp per row (rows of up to 1024 values) or a block of 256
// threads per row; mean, deviations and output in three sweeps of the row.
// The weight and bias gradients are column sums over the rows: blocks of
// 32 columns x 8 row-lanes over P row ranges, then a kernel adding the P
// partial sums of each column in order.
#include "../nn_norm_kernels.h"
#include "index.cuh"

namespace {

using namespace ltk;
typedef long long ll;

constexpr int kRed = 256; // threads of a reduction block

// ---- batch norm ----

// parts per channel: enough blocks to fill the GPU, at least 2048 values each
ll bn_parts(ll N, ll C, ll K, int sms) {
  ll M = N * K, target = 8 * (ll)(sms > 0 ? sms : 32);
  if (C <= 0 || M <= 2048) return 1;
  ll P = (target + C - 1) / C, most = (M + 2047) / 2048;
  if (P > most) P = most;
  if (P > 1024) P = 1024;
  return P < 1 ? 1 : P;
}

// the sum of v over the block (valid in thread 0)
__device__ __forceinline__ double block_sum(double v, double *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
  __syncthreads();
  double t = 0;
  if (threadIdx.x == 0)
    for (int i = 0; i < kRed / 32; i++) t += sh[i];
  return t;
}

// KIND 0: Σx; 1: Σ(x - cen)²; 2: Σg and Σg(x - cen_t). Block (c, q) folds
// values j in [q·chunk, (q+1)·chunk) of channel c, j = n·K + k.
template <typename T, int KIND>
__global__ void __launch_bounds__(kRed) bn_reduce(const T *__restrict__ x, const T *__restrict__ g,
                                                  ll N, ll C, ll K, ll P, ll chunk,
                                                  const double *__restrict__ cen,
                                                  const T *__restrict__ cen_t, double *out1,
                                                  double *out2) {
  __shared__ double sh[2][kRed / 32];
  ll c = blockIdx.x, q = blockIdx.y, M = N * K;
  ll j = q * chunk + threadIdx.x, j1 = q * chunk + chunk < M ? q * chunk + chunk : M;
  double m = KIND == 1 ? cen[c] : KIND == 2 ? (double)cen_t[c] : 0.0;
  double a1 = 0, a2 = 0;
  if (j < j1) {
    ll n = j / K, k = j - n * K;
    for (; j < j1; j += kRed) {
      ll off = (n * C + c) * K + k;
      double v = (double)x[off];
      if (KIND == 0) a1 += v;
      if (KIND == 1) a1 += (v - m) * (v - m);
      if (KIND == 2) {
        double gv = (double)g[off];
        a1 += gv;
        a2 += gv * (v - m);
      }
      k += kRed;
      if (k >= K) {
        n += k / K;
        k %= K;
      }
    }
  }
  a1 = block_sum(a1, sh[0]);
  if (KIND == 2) a2 = block_sum(a2, sh[1]);
  if (threadIdx.x == 0) {
    out1[c * P + q] = a1;
    if (KIND == 2) out2[c * P + q] = a2;
  }
}

__global__ void bn_mean(const double *__restrict__ parts, ll C, ll P, double M, double *mean) {
  for (ll c = blockIdx.x * (ll)blockDim.x + threadIdx.x; c < C; c += (ll)gridDim.x * blockDim.x) {
    double s = 0;
    for (ll q = 0; q < P; q++) s += parts[c * P + q];
    mean[c] = s / M;
  }
}

// the statistics of each channel, the running stats' update, and the
// affine map y = x·scale + shift
template <typename T>
__global__ void bn_stats(const double *__restrict__ parts, ll C, ll P, double M, bool training,
                         const double *__restrict__ mean, T *rm, ll rms, T *rv, ll rvs,
                         double momentum, double eps, const T *__restrict__ w,
                         const T *__restrict__ b, T *save_mean, T *save_invstd, double *scale,
                         double *shift) {
  for (ll c = blockIdx.x * (ll)blockDim.x + threadIdx.x; c < C; c += (ll)gridDim.x * blockDim.x) {
    double mu, is;
    if (training) {
      double ss = 0;
      for (ll q = 0; q < P; q++) ss += parts[c * P + q];
      mu = mean[c];
      is = 1 / sqrt(ss / M + eps);
      if (rm) rm[c * rms] = (T)((1 - momentum) * (double)rm[c * rms] + momentum * mu);
      if (rv) rv[c * rvs] = (T)((1 - momentum) * (double)rv[c * rvs] + momentum * ss / (M - 1));
    } else {
      mu = (double)rm[c * rms];
      is = 1 / sqrt((double)rv[c * rvs] + eps);
    }
    save_mean[c] = (T)mu;
    save_invstd[c] = (T)is;
    double a = is * (w ? (double)w[c] : 1.0);
    scale[c] = a;
    shift[c] = (b ? (double)b[c] : 0.0) - mu * a;
  }
}

template <typename T, typename I>
__global__ void bn_apply(const T *__restrict__ x, T *__restrict__ y, I C, I K, I n,
                         const double *__restrict__ scale, const double *__restrict__ shift) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I c = (i / K) % C;
    y[i] = (T)((double)x[i] * scale[c] + shift[c]);
  }
}

// per channel: the weight and bias gradients and the input gradient's
// coefficients gx = a·(g - dm - (x - mu)·dx)
template <typename T>
__global__ void bn_bwd_coef(const double *__restrict__ sg_parts, const double *__restrict__ sgx_parts,
                            ll C, ll P, double M, bool training, const T *__restrict__ w,
                            const T *__restrict__ mean, const T *__restrict__ invstd, T *gw, T *gb,
                            double *a, double *dm, double *dx, double *mu) {
  for (ll c = blockIdx.x * (ll)blockDim.x + threadIdx.x; c < C; c += (ll)gridDim.x * blockDim.x) {
    double sg = 0, sgx = 0;
    for (ll q = 0; q < P; q++) {
      sg += sg_parts[c * P + q];
      sgx += sgx_parts[c * P + q];
    }
    double is = (double)invstd[c];
    if (gw) gw[c] = (T)(sgx * is);
    if (gb) gb[c] = (T)sg;
    a[c] = (w ? (double)w[c] : 1.0) * is;
    dm[c] = training ? sg / M : 0.0;
    dx[c] = training ? sgx * is * is / M : 0.0;
    mu[c] = (double)mean[c];
  }
}

template <typename T, typename I>
__global__ void bn_apply_bwd(const T *__restrict__ x, const T *__restrict__ g, T *__restrict__ gx,
                             I C, I K, I n, const double *__restrict__ a,
                             const double *__restrict__ dm, const double *__restrict__ dx,
                             const double *__restrict__ mu) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I c = (i / K) % C;
    gx[i] = (T)(a[c] * ((double)g[i] - dm[c] - ((double)x[i] - mu[c]) * dx[c]));
  }
}

// ---- layer norm ----

// the sum of v over a group of TPR threads (a warp, or the block of 256),
// valid in every thread of the group; sh: 8 doubles of shared memory
template <int TPR>
__device__ __forceinline__ double group_sum(double v, double *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (TPR == 32) return v;
  __syncthreads(); // sh may still be read from the previous sum
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
  __syncthreads();
  double t = 0;
  for (int i = 0; i < TPR / 32; i++) t += sh[i];
  return t;
}

// rows are group-uniform: a warp (TPR 32) or the whole block (TPR 256)
// skips or takes a row together, so the shuffles and barriers match
template <typename T, int TPR>
__global__ void __launch_bounds__(256) ln_fwd(const T *__restrict__ x, T *__restrict__ y, ll rows,
                                              ll M, const T *__restrict__ w,
                                              const T *__restrict__ b, double eps, T *mean,
                                              T *rstd) {
  __shared__ double sh[8];
  constexpr int G = 256 / TPR;
  int grp = threadIdx.x / TPR, lane = threadIdx.x % TPR;
  for (ll base = (ll)blockIdx.x * G; base < rows; base += (ll)gridDim.x * G) {
    ll r = base + grp;
    if (r >= rows) continue;
    const T *xr = x + r * M;
    T *yr = y + r * M;
    double s = 0;
    for (ll i = lane; i < M; i += TPR) s += (double)xr[i];
    double mu = group_sum<TPR>(s, sh) / (double)M, ss = 0;
    for (ll i = lane; i < M; i += TPR) {
      double d = (double)xr[i] - mu;
      ss += d * d;
    }
    double rs = 1 / sqrt(group_sum<TPR>(ss, sh) / (double)M + eps);
    if (lane == 0) {
      mean[r] = (T)mu;
      rstd[r] = (T)rs;
    }
    for (ll i = lane; i < M; i += TPR) {
      double v = ((double)xr[i] - mu) * rs;
      yr[i] = (T)(v * (w ? (double)w[i] : 1.0) + (b ? (double)b[i] : 0.0));
    }
  }
}

template <typename T, int TPR>
__global__ void __launch_bounds__(256) ln_bwd(const T *__restrict__ x, const T *__restrict__ g,
                                              ll rows, ll M, const T *__restrict__ w,
                                              const T *__restrict__ mean,
                                              const T *__restrict__ rstd, T *__restrict__ gx) {
  __shared__ double sh[8];
  constexpr int G = 256 / TPR;
  int grp = threadIdx.x / TPR, lane = threadIdx.x % TPR;
  for (ll base = (ll)blockIdx.x * G; base < rows; base += (ll)gridDim.x * G) {
    ll r = base + grp;
    if (r >= rows) continue;
    const T *xr = x + r * M, *gr = g + r * M;
    double mu = (double)mean[r], rs = (double)rstd[r], a = 0, bb = 0;
    for (ll i = lane; i < M; i += TPR) {
      double gh = (double)gr[i] * (w ? (double)w[i] : 1.0);
      a += gh;
      bb += gh * ((double)xr[i] - mu) * rs;
    }
    a = group_sum<TPR>(a, sh) / (double)M;
    bb = group_sum<TPR>(bb, sh) / (double)M;
    for (ll i = lane; i < M; i += TPR) {
      double gh = (double)gr[i] * (w ? (double)w[i] : 1.0);
      gx[r * M + i] = (T)(rs * (gh - a - ((double)xr[i] - mu) * rs * bb));
    }
  }
}

// parts of the rows for the column sums: enough blocks, >= 64 rows each
ll ln_parts(ll rows, ll M, int sms) {
  ll target = 4 * (ll)(sms > 0 ? sms : 32), cols = (M + 31) / 32;
  if (cols >= target || rows <= 64) return 1;
  ll P = (target + cols - 1) / cols, most = rows / 64;
  if (P > most) P = most;
  if (P > 1024) P = 1024;
  return P < 1 ? 1 : P;
}

// block (32, 8): 32 neighbouring columns, 8 lanes over rows [q·chunk, ..)
template <typename T>
__global__ void __launch_bounds__(256) ln_params(const T *__restrict__ x, const T *__restrict__ g,
                                                 ll rows, ll M, const T *__restrict__ mean,
                                                 const T *__restrict__ rstd, ll chunk,
                                                 double *pw, double *pb) {
  __shared__ double sw[8][33], sb[8][33];
  int tx = threadIdx.x, ty = threadIdx.y;
  ll col = (ll)blockIdx.x * 32 + tx, q = blockIdx.y;
  ll r0 = q * chunk, r1 = r0 + chunk < rows ? r0 + chunk : rows;
  double aw = 0, ab = 0;
  if (col < M)
    for (ll r = r0 + ty; r < r1; r += 8) {
      double gv = (double)g[r * M + col];
      aw += gv * ((double)x[r * M + col] - (double)mean[r]) * (double)rstd[r];
      ab += gv;
    }
  sw[ty][tx] = aw;
  sb[ty][tx] = ab;
  __syncthreads();
  if (ty == 0 && col < M) {
    for (int i = 1; i < 8; i++) {
      aw += sw[i][tx];
      ab += sb[i][tx];
    }
    pw[q * M + col] = aw;
    pb[q * M + col] = ab;
  }
}

template <typename T>
__global__ void ln_params_sum(const double *__restrict__ pw, const double *__restrict__ pb, ll M,
                              ll P, T *gw, T *gb) {
  for (ll i = blockIdx.x * (ll)blockDim.x + threadIdx.x; i < M; i += (ll)gridDim.x * blockDim.x) {
    double sw = 0, sb = 0;
    for (ll q = 0; q < P; q++) {
      sw += pw[q * M + i];
      sb += pb[q * M + i];
    }
    if (gw) gw[i] = (T)sw;
    if (gb) gb[i] = (T)sb;
  }
}

// ---- launchers ----

template <typename T>
cudaError_t bn_forward(const T *x, T *y, ll N, ll C, ll K, const T *w, const T *b, T *rm, ll rms,
                       T *rv, ll rvs, bool training, double momentum, double eps, T *save_mean,
                       T *save_invstd, double *ws, int sms, cudaStream_t s) {
  ll M = N * K, P = bn_parts(N, C, K, sms), chunk = M > 0 ? (M + P - 1) / P : 1;
  double *parts = ws, *mean = ws + 2 * C * P, *scale = mean + C, *shift = scale + C;
  dim3 grid((unsigned)C, (unsigned)P);
  if (training) {
    bn_reduce<T, 0><<<grid, kRed, 0, s>>>(x, nullptr, N, C, K, P, chunk, nullptr, nullptr, parts,
                                          nullptr);
    bn_mean<<<grid_for(C, 1, sms), kThreads, 0, s>>>(parts, C, P, (double)M, mean);
    bn_reduce<T, 1><<<grid, kRed, 0, s>>>(x, nullptr, N, C, K, P, chunk, mean, nullptr, parts,
                                          nullptr);
  }
  bn_stats<T><<<grid_for(C, 1, sms), kThreads, 0, s>>>(parts, C, P, (double)M, training, mean, rm,
                                                       rms, rv, rvs, momentum, eps, w, b,
                                                       save_mean, save_invstd, scale, shift);
  ll n = M * C;
  if (n > 0) {
    if (n < INT32_MAX)
      bn_apply<T, int><<<grid_for(n, 1, sms), kThreads, 0, s>>>(x, y, (int)C, (int)K, (int)n,
                                                                scale, shift);
    else
      bn_apply<T, ll><<<grid_for(n, 1, sms), kThreads, 0, s>>>(x, y, C, K, n, scale, shift);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t bn_backward(const T *x, const T *g, ll N, ll C, ll K, const T *w, const T *mean,
                        const T *invstd, bool training, T *gx, T *gw, T *gb, double *ws, int sms,
                        cudaStream_t s) {
  ll M = N * K, P = bn_parts(N, C, K, sms), chunk = M > 0 ? (M + P - 1) / P : 1;
  double *sg = ws, *sgx = ws + C * P, *a = ws + 2 * C * P, *dm = a + C, *dx = dm + C, *mu = dx + C;
  dim3 grid((unsigned)C, (unsigned)P);
  bn_reduce<T, 2><<<grid, kRed, 0, s>>>(x, g, N, C, K, P, chunk, nullptr, mean, sg, sgx);
  bn_bwd_coef<T><<<grid_for(C, 1, sms), kThreads, 0, s>>>(sg, sgx, C, P, (double)M, training, w,
                                                          mean, invstd, gw, gb, a, dm, dx, mu);
  ll n = M * C;
  if (gx && n > 0) {
    if (n < INT32_MAX)
      bn_apply_bwd<T, int><<<grid_for(n, 1, sms), kThreads, 0, s>>>(x, g, gx, (int)C, (int)K,
                                                                    (int)n, a, dm, dx, mu);
    else
      bn_apply_bwd<T, ll><<<grid_for(n, 1, sms), kThreads, 0, s>>>(x, g, gx, C, K, n, a, dm, dx,
                                                                   mu);
  }
  return cudaGetLastError();
}

// blocks for a kernel taking `per_block` rows per block
int row_blocks(ll rows, int per_block, int sms) {
  ll want = (rows + per_block - 1) / per_block, cap = 32 * (ll)(sms > 0 ? sms : 32);
  return (int)(want < cap ? (want < 1 ? 1 : want) : cap);
}

template <typename T>
cudaError_t ln_forward(const T *x, T *y, ll rows, ll M, const T *w, const T *b, double eps,
                       T *mean, T *rstd, int sms, cudaStream_t s) {
  if (M <= 1024)
    ln_fwd<T, 32><<<row_blocks(rows, 8, sms), 256, 0, s>>>(x, y, rows, M, w, b, eps, mean, rstd);
  else
    ln_fwd<T, 256><<<row_blocks(rows, 1, sms), 256, 0, s>>>(x, y, rows, M, w, b, eps, mean, rstd);
  return cudaGetLastError();
}

template <typename T>
cudaError_t ln_backward(const T *x, const T *g, ll rows, ll M, const T *w, const T *mean,
                        const T *rstd, T *gx, int sms, cudaStream_t s) {
  if (M <= 1024)
    ln_bwd<T, 32><<<row_blocks(rows, 8, sms), 256, 0, s>>>(x, g, rows, M, w, mean, rstd, gx);
  else
    ln_bwd<T, 256><<<row_blocks(rows, 1, sms), 256, 0, s>>>(x, g, rows, M, w, mean, rstd, gx);
  return cudaGetLastError();
}

template <typename T>
cudaError_t ln_param_grads(const T *x, const T *g, ll rows, ll M, const T *mean, const T *rstd,
                           T *gw, T *gb, double *ws, int sms, cudaStream_t s) {
  ll P = ln_parts(rows, M, sms), chunk = rows > 0 ? (rows + P - 1) / P : 1;
  dim3 grid((unsigned)((M + 31) / 32), (unsigned)P);
  ln_params<T><<<grid, dim3(32, 8), 0, s>>>(x, g, rows, M, mean, rstd, chunk, ws, ws + P * M);
  ln_params_sum<T><<<grid_for(M, 1, sms), kThreads, 0, s>>>(ws, ws + P * M, M, P, gw, gb);
  return cudaGetLastError();
}

} // namespace

extern "C" int64_t ltk_bn_workspace(int64_t N, int64_t C, int64_t K, int sms) {
  return 2 * C * bn_parts(N, C, K, sms) + 4 * C;
}

extern "C" cudaError_t ltk_batch_norm(lt_dtype dt, const void *x, void *y, int64_t N, int64_t C,
                                      int64_t K, const void *w, const void *b, void *rm,
                                      int64_t rms, void *rv, int64_t rvs, int training,
                                      double momentum, double eps, void *save_mean,
                                      void *save_invstd, double *ws, int sms, cudaStream_t s) {
  if (C <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    return bn_forward<float>((const float *)x, (float *)y, N, C, K, (const float *)w,
                             (const float *)b, (float *)rm, rms, (float *)rv, rvs, training != 0,
                             momentum, eps, (float *)save_mean, (float *)save_invstd, ws, sms, s);
  if (dt == LT_FLOAT64)
    return bn_forward<double>((const double *)x, (double *)y, N, C, K, (const double *)w,
                              (const double *)b, (double *)rm, rms, (double *)rv, rvs,
                              training != 0, momentum, eps, (double *)save_mean,
                              (double *)save_invstd, ws, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t ltk_batch_norm_backward(lt_dtype dt, const void *x, const void *g,
                                               int64_t N, int64_t C, int64_t K, const void *w,
                                               const void *mean, const void *invstd, int training,
                                               void *gx, void *gw, void *gb, double *ws, int sms,
                                               cudaStream_t s) {
  if (C <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    return bn_backward<float>((const float *)x, (const float *)g, N, C, K, (const float *)w,
                              (const float *)mean, (const float *)invstd, training != 0,
                              (float *)gx, (float *)gw, (float *)gb, ws, sms, s);
  if (dt == LT_FLOAT64)
    return bn_backward<double>((const double *)x, (const double *)g, N, C, K, (const double *)w,
                               (const double *)mean, (const double *)invstd, training != 0,
                               (double *)gx, (double *)gw, (double *)gb, ws, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t ltk_layer_norm(lt_dtype dt, const void *x, void *y, int64_t rows,
                                      int64_t M, const void *w, const void *b, double eps,
                                      void *mean, void *rstd, int sms, cudaStream_t s) {
  if (rows <= 0 || M <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    return ln_forward<float>((const float *)x, (float *)y, rows, M, (const float *)w,
                             (const float *)b, eps, (float *)mean, (float *)rstd, sms, s);
  if (dt == LT_FLOAT64)
    return ln_forward<double>((const double *)x, (double *)y, rows, M, (const double *)w,
                              (const double *)b, eps, (double *)mean, (double *)rstd, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t ltk_layer_norm_backward_input(lt_dtype dt, const void *x, const void *g,
                                                     int64_t rows, int64_t M, const void *w,
                                                     const void *mean, const void *rstd,
                                                     void *gx, int sms, cudaStream_t s) {
  if (rows <= 0 || M <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    return ln_backward<float>((const float *)x, (const float *)g, rows, M, (const float *)w,
                              (const float *)mean, (const float *)rstd, (float *)gx, sms, s);
  if (dt == LT_FLOAT64)
    return ln_backward<double>((const double *)x, (const double *)g, rows, M, (const double *)w,
                               (const double *)mean, (const double *)rstd, (double *)gx, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" int64_t ltk_ln_param_workspace(int64_t rows, int64_t M, int sms) {
  return 2 * M * ln_parts(rows, M, sms);
}

extern "C" cudaError_t ltk_layer_norm_backward_params(lt_dtype dt, const void *x, const void *g,
                                                      int64_t rows, int64_t M, const void *mean,
                                                      const void *rstd, void *gw, void *gb,
                                                      double *ws, int sms, cudaStream_t s) {
  if (M <= 0) return cudaSuccess;
  if (dt == LT_FLOAT32)
    return ln_param_grads<float>((const float *)x, (const float *)g, rows, M, (const float *)mean,
                                 (const float *)rstd, (float *)gw, (float *)gb, ws, sms, s);
  if (dt == LT_FLOAT64)
    return ln_param_grads<double>((const double *)x, (const double *)g, rows, M,
                                  (const double *)mean, (const double *)rstd, (double *)gw,
                                  (double *)gb, ws, sms, s);
  return cudaErrorInvalidValue;
}
