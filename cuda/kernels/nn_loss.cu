// softmax / log_softmax, the class losses (nll, cross entropy) and the
// pointwise losses (mse, smooth L1, bce, bce with logits), then their
// launchers. The contracts are those of lib/ops/nn_softmax.c and nn_loss.c.
//
// softmax: a row is D values `inner` apart in (outer, D, inner). Three
// layouts: inner == 1 and D <= 1024: one warp per row (lanes stride the
// row, coalesced); inner == 1 and D larger: one block per row; inner > 1
// with many columns: one thread per column (neighbouring threads read
// neighbouring addresses, so the strided rows are still coalesced), else the
// warp/block kernels walk the row with stride `inner`. float32 computes and
// sums in float, float64 in double; max propagates NaN as the CPU does.
//
// Loss reductions: each thread folds a grid-stride slice in double, blocks
// fold with warp shuffles and shared memory into one partial each, and one
// block of a second kernel folds the partials in a fixed order: no atomics
// on the sums, so a result is the same on every run.
#include "../nn_loss_kernels.h"
#include "index.cuh"

namespace {

using namespace ltk;

template <typename T>
struct Acc {
  using type = float;
};
template <>
struct Acc<double> {
  using type = double;
};

template <typename A>
__device__ __forceinline__ A max_nan(A a, A b) {
  if (a != a) return a;
  if (b != b) return b;
  return a > b ? a : b;
}

template <typename A>
__device__ __forceinline__ A warp_sum(A v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename A>
__device__ __forceinline__ A warp_max(A v) {
  for (int o = 16; o > 0; o >>= 1) v = max_nan(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// The whole block's sum (or max); every thread gets it. sh: 32 slots.
template <typename A, bool MAX>
__device__ A block_reduce(A v, A *sh) {
  v = MAX ? warp_max(v) : warp_sum(v);
  int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  __syncthreads(); // the previous call's readers are done with sh
  if (lane == 0) sh[w] = v;
  __syncthreads();
  v = lane < nw ? sh[lane] : (MAX ? A(-INFINITY) : A(0));
  return MAX ? warp_max(v) : warp_sum(v);
}

// ---- softmax ----

// Group kinds: one thread, one warp or the whole block works on a row.
enum { G_THREAD, G_WARP, G_BLOCK };

template <typename A, bool MAX, int G>
__device__ __forceinline__ A group_reduce(A v, A *sh) {
  if constexpr (G == G_THREAD) return v;
  else if constexpr (G == G_WARP) return MAX ? warp_max(v) : warp_sum(v);
  else return block_reduce<A, MAX>(v, sh);
}

// One row, by thread `lane` of a group of `gsize`.
template <typename T, int G>
__device__ __forceinline__ void softmax_row(const T *__restrict__ x, const T *__restrict__ g,
                                            T *__restrict__ y, int64_t D, int64_t in, bool lg,
                                            int lane, int gsize, typename Acc<T>::type *sh) {
  using A = typename Acc<T>::type;
  if (!g) {
    A mx = A(-INFINITY);
    for (int64_t j = lane; j < D; j += gsize) mx = max_nan(mx, (A)x[j * in]);
    mx = group_reduce<A, true, G>(mx, sh);
    if (mx == A(-INFINITY)) mx = 0; // a row of -inf: keep it -inf / NaN, as the CPU
    A s = 0;
    for (int64_t j = lane; j < D; j += gsize) s += exp((A)x[j * in] - mx);
    s = group_reduce<A, false, G>(s, sh);
    if (lg) {
      A ls = log(s);
      for (int64_t j = lane; j < D; j += gsize) y[j * in] = (T)((A)x[j * in] - mx - ls);
    } else {
      for (int64_t j = lane; j < D; j += gsize) y[j * in] = (T)(exp((A)x[j * in] - mx) / s);
    }
  } else { // x is the forward's output: softmax g·y - y·Σg·y; log g - exp(y)·Σg
    A s = 0;
    if (lg)
      for (int64_t j = lane; j < D; j += gsize) s += (A)g[j * in];
    else
      for (int64_t j = lane; j < D; j += gsize) s += (A)g[j * in] * (A)x[j * in];
    s = group_reduce<A, false, G>(s, sh);
    if (lg)
      for (int64_t j = lane; j < D; j += gsize) y[j * in] = (T)((A)g[j * in] - exp((A)x[j * in]) * s);
    else
      for (int64_t j = lane; j < D; j += gsize) y[j * in] = (T)((A)x[j * in] * ((A)g[j * in] - s));
  }
}

// G_WARP: each warp of the block takes rows; G_BLOCK: the block does.
// Every thread of a group walks the same rows, so the reductions line up.
template <typename T, int G>
__global__ void softmax_rows(const T *__restrict__ x, const T *__restrict__ g, T *__restrict__ y,
                             int64_t rows, int64_t D, int64_t in, bool lg) {
  __shared__ typename Acc<T>::type sh[32];
  int64_t group, ngroups;
  int lane, gsize;
  if (G == G_BLOCK) {
    group = blockIdx.x, ngroups = gridDim.x, lane = threadIdx.x, gsize = blockDim.x;
  } else {
    int wpb = blockDim.x >> 5;
    group = (int64_t)blockIdx.x * wpb + (threadIdx.x >> 5), ngroups = (int64_t)gridDim.x * wpb;
    lane = threadIdx.x & 31, gsize = 32;
  }
  for (int64_t r = group; r < rows; r += ngroups) {
    int64_t base = (r / in) * D * in + r % in;
    softmax_row<T, G>(x + base, g ? g + base : nullptr, y + base, D, in, lg, lane, gsize, sh);
  }
}

// One thread per column (outer, inner): neighbouring threads read
// neighbouring addresses at every step along D.
template <typename T>
__global__ void softmax_columns(const T *__restrict__ x, const T *__restrict__ g,
                                T *__restrict__ y, int64_t cols, int64_t D, int64_t in, bool lg) {
  for (int64_t c = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; c < cols;
       c += (int64_t)gridDim.x * blockDim.x) {
    int64_t base = (c / in) * D * in + c % in;
    softmax_row<T, G_THREAD>(x + base, g ? g + base : nullptr, y + base, D, in, lg, 0, 1,
                             nullptr);
  }
}

constexpr int kBlockRowThreads = 512;

template <typename T>
cudaError_t softmax_launch(bool lg, const T *x, const T *g, T *y, int64_t outer, int64_t D,
                           int64_t in, int sms, cudaStream_t s) {
  int64_t rows = outer * in;
  if (rows <= 0 || D <= 0) return cudaSuccess;
  int64_t nsm = sms > 0 ? sms : 32;
  if (in > 1 && (in >= 32 || rows >= 8192)) {
    softmax_columns<T><<<grid_for(rows, 1, sms), kThreads, 0, s>>>(x, g, y, rows, D, in, lg);
  } else if (D <= 1024) {
    int64_t wpb = kThreads / 32, want = (rows + wpb - 1) / wpb, cap = nsm * 32;
    int blocks = (int)(want < cap ? want : cap);
    softmax_rows<T, G_WARP><<<blocks, kThreads, 0, s>>>(x, g, y, rows, D, in, lg);
  } else {
    int64_t cap = nsm * 8;
    int blocks = (int)(rows < cap ? rows : cap);
    softmax_rows<T, G_BLOCK><<<blocks, kBlockRowThreads, 0, s>>>(x, g, y, rows, D, in, lg);
  }
  return cudaGetLastError();
}

// ---- class losses ----

constexpr int kLossThreads = 256;
constexpr int kMaxLossParts = 1024;

// The 0-based class of sample i, or -1 (ignored, or out of range: flagged).
__device__ __forceinline__ int64_t class_of(const int64_t *__restrict__ tg, int64_t i,
                                            const ltk_cls &c, unsigned long long *bad) {
  int64_t t = tg[i];
  if (t == c.ignore) return -1;
  t -= c.base;
  if (t < 0 || t >= c.C) {
    atomicMin(bad, (unsigned long long)i);
    return -1;
  }
  return t;
}

// Fold a thread's (a, b) over the block; thread 0 stores the pair.
__device__ __forceinline__ void store_pair(double a, double b, double *parts) {
  __shared__ double sh[32];
  a = block_reduce<double, false>(a, sh);
  b = block_reduce<double, false>(b, sh);
  if (threadIdx.x == 0) {
    parts[2 * blockIdx.x] = a;
    parts[2 * blockIdx.x + 1] = b;
  }
}

template <typename T>
__global__ void nll_pass1(const T *__restrict__ lp, const int64_t *__restrict__ tg,
                          const T *__restrict__ w, ltk_cls c, bool none, T *__restrict__ out,
                          double *parts, unsigned long long *bad) {
  double sum = 0, wsum = 0;
  int64_t n = c.N * c.K;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t t = class_of(tg, i, c, bad);
    double l = 0, wt = 0;
    if (t >= 0) {
      int64_t s = i / c.K, k = i % c.K;
      wt = w ? (double)w[t] : 1.0;
      l = -wt * (double)lp[(s * c.C + t) * c.K + k];
    }
    if (none) out[i] = (T)l;
    sum += l;
    wsum += wt;
  }
  store_pair(sum, wsum, parts);
}

// One block: the partials in a fixed order. red: 0 none, 1 mean, 2 sum
// (lt_loss_reduction); scale multiplies the sum (pointwise mean: 1/n).
template <typename T>
__global__ void loss_pass2(const double *parts, int P, int red, bool by_weight, double scale,
                           T *out, T *tw) {
  __shared__ double sh[32];
  double a = 0, b = 0;
  for (int p = threadIdx.x; p < P; p += blockDim.x) {
    a += parts[2 * p];
    b += parts[2 * p + 1];
  }
  a = block_reduce<double, false>(a, sh);
  b = block_reduce<double, false>(b, sh);
  if (threadIdx.x == 0) {
    if (red != 0) out[0] = (T)(red == 1 ? (by_weight ? a / b : a * scale) : a);
    if (tw) tw[0] = (T)b;
  }
}

template <typename T>
__global__ void cls_grad(const T *__restrict__ g, const T *__restrict__ tw,
                         const T *__restrict__ lp, const int64_t *__restrict__ tg,
                         const T *__restrict__ w, ltk_cls c, int red, bool fused,
                         T *__restrict__ gi, unsigned long long *bad) {
  using A = typename Acc<T>::type;
  A g0 = 0;
  if (red != 0) g0 = red == 1 ? (A)g[0] / (A)tw[0] : (A)g[0];
  int64_t n = c.N * c.C * c.K;
  for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < n;
       j += (int64_t)gridDim.x * blockDim.x) {
    int64_t k = j % c.K, sc = j / c.K, cls = sc % c.C, s = sc / c.C, i = s * c.K + k;
    int64_t t = class_of(tg, i, c, bad);
    A v = 0;
    if (t >= 0) {
      A a = (w ? (A)w[t] : A(1)) * (red == 0 ? (A)g[i] : g0);
      if (fused) v = a * exp((A)lp[j]);
      if (cls == t) v -= a;
    }
    gi[j] = (T)v;
  }
}

int loss_parts(int64_t n, int sms) {
  int64_t want = (n + kLossThreads - 1) / kLossThreads, cap = (int64_t)(sms > 0 ? sms : 32) * 4;
  if (cap > kMaxLossParts) cap = kMaxLossParts;
  if (want < 1) want = 1;
  return (int)(want < cap ? want : cap);
}

template <typename T>
cudaError_t nll_launch(const T *lp, const int64_t *tg, const T *w, ltk_cls c, int red, T *out,
                       T *tw, double *parts, unsigned long long *bad, int sms, cudaStream_t s) {
  int P = loss_parts(c.N * c.K, sms);
  nll_pass1<T><<<P, kLossThreads, 0, s>>>(lp, tg, w, c, red == 0, out, parts, bad);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  loss_pass2<T><<<1, kLossThreads, 0, s>>>(parts, P, red, true, 1.0, out, tw);
  return cudaGetLastError();
}

template <typename T>
cudaError_t cls_bw_launch(bool fused, const T *g, const T *tw, const T *lp, const int64_t *tg,
                          const T *w, ltk_cls c, int red, T *gi, unsigned long long *bad, int sms,
                          cudaStream_t s) {
  int64_t n = c.N * c.C * c.K;
  if (n <= 0) return cudaSuccess;
  cls_grad<T><<<grid_for(n, 1, sms), kThreads, 0, s>>>(g, tw, lp, tg, w, c, red, fused, gi, bad);
  return cudaGetLastError();
}

// ---- pointwise losses: each element's loss and d loss / d x, in double
// (lib/ops/nn_loss.c's pw_eval) ----

__device__ __forceinline__ double clamp_log(double v) {
  double l = log(v);
  return l < -100 ? -100 : l;
}

__device__ __forceinline__ void pw_eval(int kind, double x, double t, double w, double pw,
                                        double beta, double *l, double *d) {
  switch (kind) {
  case LTK_PW_MSE:
    *l = (x - t) * (x - t);
    *d = 2 * (x - t);
    break;
  case LTK_PW_SMOOTH_L1: {
    double z = x - t, a = fabs(z);
    if (a < beta) {
      *l = 0.5 * z * z / beta;
      *d = z / beta;
    } else {
      *l = a - 0.5 * beta;
      *d = z > 0 ? 1 : z < 0 ? -1 : 0;
    }
    break;
  }
  case LTK_PW_BCE: {
    *l = -w * (t * clamp_log(x) + (1 - t) * clamp_log(1 - x));
    double den = (1 - x) * x;
    *d = w * (x - t) / (den > 1e-12 ? den : 1e-12);
    break;
  }
  default: { // bce with logits: (1-t)·x + l·softplus(-x), l = 1 + (pw-1)·t
    double lw = 1 + (pw - 1) * t, sp = log1p(exp(-fabs(x))) + (x < 0 ? -x : 0);
    *l = w * ((1 - t) * x + lw * sp);
    *d = w * (lw / (1 + exp(-x)) - pw * t);
    break;
  }
  }
}

template <typename T>
__device__ __forceinline__ void pw_at(const ltk_pw &c, const T *x, const T *t, const T *w,
                                      const T *p, int64_t i, double *l, double *d) {
  pw_eval(c.kind, (double)x[i], (double)t[i], w ? (double)w[i % c.wper] : 1.0,
          p ? (double)p[i % c.pper] : 1.0, c.beta, l, d);
}

template <typename T>
__global__ void pw_forward(ltk_pw c, const T *__restrict__ x, const T *__restrict__ t,
                           const T *__restrict__ w, const T *__restrict__ p, T *__restrict__ out,
                           double *parts) {
  bool none = c.red == 0;
  double acc = 0;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < c.n;
       i += (int64_t)gridDim.x * blockDim.x) {
    double l, d;
    pw_at(c, x, t, w, p, i, &l, &d);
    if (none)
      out[i] = (T)l;
    else
      acc += l;
  }
  if (!none) store_pair(acc, 0, parts);
}

template <typename T>
__global__ void pw_backward(ltk_pw c, const T *__restrict__ x, const T *__restrict__ t,
                            const T *__restrict__ w, const T *__restrict__ p,
                            const T *__restrict__ g, T *__restrict__ out) {
  bool none = c.red == 0;
  double g0 = none ? 0 : (double)g[0] * (c.red == 1 ? 1.0 / (double)c.n : 1.0);
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < c.n;
       i += (int64_t)gridDim.x * blockDim.x) {
    double l, d;
    pw_at(c, x, t, w, p, i, &l, &d);
    out[i] = (T)(d * (none ? (double)g[i] : g0));
  }
}

template <typename T>
cudaError_t pw_launch(ltk_pw c, const T *x, const T *t, const T *w, const T *p, const T *g, T *out,
                      double *parts, int sms, cudaStream_t s) {
  if (g) {
    if (c.n <= 0) return cudaSuccess;
    pw_backward<T><<<grid_for(c.n, 1, sms), kThreads, 0, s>>>(c, x, t, w, p, g, out);
    return cudaGetLastError();
  }
  if (c.red == 0) {
    if (c.n <= 0) return cudaSuccess;
    pw_forward<T><<<grid_for(c.n, 1, sms), kThreads, 0, s>>>(c, x, t, w, p, out, parts);
    return cudaGetLastError();
  }
  int P = loss_parts(c.n, sms);
  pw_forward<T><<<P, kLossThreads, 0, s>>>(c, x, t, w, p, out, parts);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  // an empty mean is 0/0 = NaN, as on the CPU
  loss_pass2<T><<<1, kLossThreads, 0, s>>>(parts, P, c.red, false, 1.0 / (double)c.n, out,
                                           nullptr);
  return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ltk_softmax(lt_dtype dt, int lg, const void *x, const void *g, void *y,
                                   int64_t outer, int64_t D, int64_t inner, int sms,
                                   cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return softmax_launch<double>(lg != 0, (const double *)x, (const double *)g, (double *)y, outer,
                                  D, inner, sms, s);
  return softmax_launch<float>(lg != 0, (const float *)x, (const float *)g, (float *)y, outer, D,
                               inner, sms, s);
}

extern "C" int ltk_loss_parts(int64_t n, int sms) { return loss_parts(n, sms); }

extern "C" cudaError_t ltk_nll_forward(lt_dtype dt, const void *lp, const int64_t *tg,
                                       const void *w, ltk_cls c, int red, void *out, void *tw,
                                       double *parts, unsigned long long *bad, int sms,
                                       cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return nll_launch<double>((const double *)lp, tg, (const double *)w, c, red, (double *)out,
                              (double *)tw, parts, bad, sms, s);
  return nll_launch<float>((const float *)lp, tg, (const float *)w, c, red, (float *)out,
                           (float *)tw, parts, bad, sms, s);
}

extern "C" cudaError_t ltk_cls_backward(lt_dtype dt, int fused, const void *g, const void *tw,
                                        const void *lp, const int64_t *tg, const void *w,
                                        ltk_cls c, int red, void *gi, unsigned long long *bad,
                                        int sms, cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return cls_bw_launch<double>(fused != 0, (const double *)g, (const double *)tw,
                                 (const double *)lp, tg, (const double *)w, c, red, (double *)gi,
                                 bad, sms, s);
  return cls_bw_launch<float>(fused != 0, (const float *)g, (const float *)tw, (const float *)lp,
                              tg, (const float *)w, c, red, (float *)gi, bad, sms, s);
}

extern "C" cudaError_t ltk_pw_loss(lt_dtype dt, ltk_pw c, const void *x, const void *t,
                                   const void *w, const void *pw, const void *g, void *out,
                                   double *parts, int sms, cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return pw_launch<double>(c, (const double *)x, (const double *)t, (const double *)w,
                             (const double *)pw, (const double *)g, (double *)out, parts, sms, s);
  return pw_launch<float>(c, (const float *)x, (const float *)t, (const float *)w,
                          (const float *)pw, (const float *)g, (float *)out, parts, sms, s);
}
