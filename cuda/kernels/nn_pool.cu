// 2-D pooling on the GPU, with the CPU's rules (lib/ops/nn_pool.c):
//  - forward (max, average, adaptive of both): one thread per output
//    element, reading its window; max keeps the first maximum in row-major
//    order and the first NaN wins; averages sum in double.
//  - average backward: one thread per input element gathers from the
//    outputs whose windows hold it (no atomics), in the CPU's order.
//  - max backward and unpooling scatter by the saved indices with
//    atomicAdd: the entry is not told the window geometry, so two windows
//    that share a maximum can only be told apart by their indices. Where
//    windows do not overlap no two threads meet on an element.
//  - unpooling backward gathers by the indices.
// Index math runs in int when every offset fits, else in long long.
#include "../nn_pool_kernels.h"
#include "index.cuh"

namespace {

using namespace ltk;
typedef long long ll;

template <typename I>
struct G {
  I P, H, W, OH, OW;
  I k0, k1, s0, s1, p0, p1, d0, d1;
  bool adaptive, cip;
  ll divisor;
};

template <typename I>
G<I> geom_of(const ltk_pool2d &g) {
  G<I> r;
  r.P = (I)g.P, r.H = (I)g.H, r.W = (I)g.W, r.OH = (I)g.OH, r.OW = (I)g.OW;
  r.k0 = (I)g.k[0], r.k1 = (I)g.k[1], r.s0 = (I)g.s[0], r.s1 = (I)g.s[1];
  r.p0 = (I)g.p[0], r.p1 = (I)g.p[1], r.d0 = (I)g.d[0], r.d1 = (I)g.d[1];
  r.adaptive = g.adaptive != 0;
  r.cip = g.count_include_pad != 0;
  r.divisor = g.divisor;
  return r;
}

// adaptive windows: floor(o·I/O) .. ceil((o+1)·I/O), products in long long
template <typename I>
__device__ __forceinline__ void adaptive_range(I o, I in, I out, I &a, I &b) {
  a = (I)((ll)o * in / out);
  b = (I)(((ll)(o + 1) * in + out - 1) / out);
}

// the clipped window of output (oh, ow) and its divisor (avg_window on the CPU)
template <typename I>
__device__ __forceinline__ double avg_window(const G<I> &g, I oh, I ow, I &h0, I &h1, I &w0,
                                             I &w1) {
  if (g.adaptive) {
    adaptive_range(oh, g.H, g.OH, h0, h1);
    adaptive_range(ow, g.W, g.OW, w0, w1);
    return (double)((ll)(h1 - h0) * (w1 - w0));
  }
  I hs = oh * g.s0 - g.p0, ws = ow * g.s1 - g.p1;
  I he = min(hs + g.k0, g.H + g.p0), we = min(ws + g.k1, g.W + g.p1);
  ll padded = (ll)(he - hs) * (we - ws);
  h0 = max(hs, (I)0), w0 = max(ws, (I)0);
  h1 = min(he, g.H), w1 = min(we, g.W);
  return g.divisor > 0 ? (double)g.divisor
         : g.cip      ? (double)padded
                      : (double)((ll)(h1 - h0) * (w1 - w0));
}

template <typename T, typename I>
__global__ void max_pool_fwd(const T *__restrict__ x, T *__restrict__ y, ll *__restrict__ idx,
                             G<I> g, ll base, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I ow = i % g.OW, t = i / g.OW, oh = t % g.OH, pl = t / g.OH;
    const T *xp = x + (ll)pl * g.H * g.W;
    // taps: rows h0 + a·dh for a < ka, columns w0 + b·dw for b < kb
    I h0, w0, ka, kb, dh, dw;
    if (g.adaptive) {
      I h1, w1;
      adaptive_range(oh, g.H, g.OH, h0, h1);
      adaptive_range(ow, g.W, g.OW, w0, w1);
      ka = h1 - h0, kb = w1 - w0, dh = 1, dw = 1;
    } else {
      h0 = oh * g.s0 - g.p0, w0 = ow * g.s1 - g.p1;
      ka = g.k0, kb = g.k1, dh = g.d0, dw = g.d1;
    }
    T best = -INFINITY;
    I bi = 0;
    bool any = false, nan = false;
    for (I a = 0; a < ka && !nan; a++) {
      I h = h0 + a * dh;
      if (h < 0 || h >= g.H) continue;
      for (I b = 0; b < kb; b++) {
        I w = w0 + b * dw;
        if (w < 0 || w >= g.W) continue;
        T v = xp[h * g.W + w];
        if (!any || v > best || v != v) {
          best = v;
          bi = h * g.W + w;
          any = true;
          if (v != v) {
            nan = true;
            break;
          }
        }
      }
    }
    y[i] = best;
    idx[i] = (ll)bi + base;
  }
}

template <typename T, typename I>
__global__ void avg_pool_fwd(const T *__restrict__ x, T *__restrict__ y, G<I> g, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I ow = i % g.OW, t = i / g.OW, oh = t % g.OH, pl = t / g.OH;
    const T *xp = x + (ll)pl * g.H * g.W;
    I h0, h1, w0, w1;
    double div = avg_window(g, oh, ow, h0, h1, w0, w1), s = 0;
    for (I h = h0; h < h1; h++)
      for (I w = w0; w < w1; w++) s += (double)xp[h * g.W + w];
    y[i] = (T)(s / div);
  }
}

// one input element (pl, h, w): the outputs whose windows hold it, in the
// CPU's order (row-major over outputs), each adding (T)(g / div)
template <typename T, typename I>
__global__ void avg_pool_bwd(const T *__restrict__ go, T *__restrict__ gi, G<I> g, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I w = i % g.W, t = i / g.W, h = t % g.H, pl = t / g.H;
    const T *gp = go + (ll)pl * g.OH * g.OW;
    I oh0, oh1, ow0, ow1; // candidate outputs [oh0, oh1) x [ow0, ow1)
    if (g.adaptive) {
      oh0 = (I)((ll)h * g.OH / g.H), oh1 = (I)(((ll)(h + 1) * g.OH + g.H - 1) / g.H);
      ow0 = (I)((ll)w * g.OW / g.W), ow1 = (I)(((ll)(w + 1) * g.OW + g.W - 1) / g.W);
    } else { // o·s - p <= h < o·s - p + k
      I lo = h + g.p0 - g.k0 + 1;
      oh0 = lo <= 0 ? 0 : (lo + g.s0 - 1) / g.s0, oh1 = (h + g.p0) / g.s0 + 1;
      lo = w + g.p1 - g.k1 + 1;
      ow0 = lo <= 0 ? 0 : (lo + g.s1 - 1) / g.s1, ow1 = (w + g.p1) / g.s1 + 1;
    }
    oh1 = min(oh1, g.OH), ow1 = min(ow1, g.OW);
    T acc = 0;
    for (I oh = oh0; oh < oh1; oh++)
      for (I ow = ow0; ow < ow1; ow++) {
        I h0, h1, w0, w1;
        double div = avg_window(g, oh, ow, h0, h1, w0, w1);
        if (h < h0 || h >= h1 || w < w0 || w >= w1) continue;
        acc += (T)((double)gp[oh * g.OW + ow] / div);
      }
    gi[i] = acc;
  }
}

template <typename T, typename I>
__global__ void scatter_idx(const T *__restrict__ src, const ll *__restrict__ idx,
                            T *__restrict__ dst, I n_in, I n_out, ll base, I n, bool gather,
                            int *bad) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I pl = i / n_in;
    ll k = idx[i] - base;
    bool ok = k >= 0 && k < (ll)n_out;
    if (!ok) *bad = 1;
    if (gather)
      dst[i] = ok ? src[(ll)pl * n_out + k] : T(0);
    else if (ok)
      atomicAdd(dst + (ll)pl * n_out + k, src[i]);
  }
}

template <typename T, typename I>
cudaError_t launch_max(const ltk_pool2d &g, const void *x, void *y, int64_t *idx, ll base,
                       int sms, cudaStream_t s) {
  I n = (I)(g.P * g.OH * g.OW);
  max_pool_fwd<T, I><<<grid_for(n, 1, sms), kThreads, 0, s>>>((const T *)x, (T *)y, (ll *)idx,
                                                               geom_of<I>(g), base, n);
  return cudaGetLastError();
}

template <typename T, typename I>
cudaError_t launch_avg(const ltk_pool2d &g, const void *x, void *y, bool backward, int sms,
                       cudaStream_t s) {
  if (backward) {
    I n = (I)(g.P * g.H * g.W);
    avg_pool_bwd<T, I><<<grid_for(n, 1, sms), kThreads, 0, s>>>((const T *)x, (T *)y,
                                                                 geom_of<I>(g), n);
  } else {
    I n = (I)(g.P * g.OH * g.OW);
    avg_pool_fwd<T, I><<<grid_for(n, 1, sms), kThreads, 0, s>>>((const T *)x, (T *)y,
                                                                 geom_of<I>(g), n);
  }
  return cudaGetLastError();
}

// every offset of a pooling fits in int
bool fits_int(const ltk_pool2d &g) {
  ll a = g.P * g.H * g.W, b = g.P * g.OH * g.OW;
  ll span = (g.H + 2 * g.p[0] + g.k[0] * g.d[0]) * (g.W + 2 * g.p[1] + g.k[1] * g.d[1]);
  return a < INT32_MAX && b < INT32_MAX && span < INT32_MAX && g.OH * g.s[0] < INT32_MAX / 2 &&
         g.OW * g.s[1] < INT32_MAX / 2;
}

} // namespace

extern "C" cudaError_t ltk_max_pool2d(lt_dtype dt, const ltk_pool2d *g, const void *x, void *y,
                                      int64_t *idx, int64_t base, int sms, cudaStream_t s) {
  if (g->P * g->OH * g->OW == 0) return cudaSuccess;
  bool i32 = fits_int(*g);
  if (dt == LT_FLOAT32)
    return i32 ? launch_max<float, int>(*g, x, y, idx, base, sms, s)
               : launch_max<float, ll>(*g, x, y, idx, base, sms, s);
  if (dt == LT_FLOAT64)
    return i32 ? launch_max<double, int>(*g, x, y, idx, base, sms, s)
               : launch_max<double, ll>(*g, x, y, idx, base, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t ltk_avg_pool2d(lt_dtype dt, const ltk_pool2d *g, const void *x, void *y,
                                      int backward, int sms, cudaStream_t s) {
  if (g->P * g->OH * g->OW == 0 || g->P * g->H * g->W == 0) return cudaSuccess;
  bool i32 = fits_int(*g), b = backward != 0;
  if (dt == LT_FLOAT32)
    return i32 ? launch_avg<float, int>(*g, x, y, b, sms, s) : launch_avg<float, ll>(*g, x, y, b, sms, s);
  if (dt == LT_FLOAT64)
    return i32 ? launch_avg<double, int>(*g, x, y, b, sms, s) : launch_avg<double, ll>(*g, x, y, b, sms, s);
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t ltk_pool_scatter(lt_dtype dt, int gather, const void *src,
                                        const int64_t *idx, void *dst, int64_t P, int64_t n_in,
                                        int64_t n_out, int64_t base, int *bad, int sms,
                                        cudaStream_t s) {
  ll n = P * n_in;
  if (n == 0) return cudaSuccess;
  bool i32 = n < INT32_MAX && P * n_out < INT32_MAX, gt = gather != 0;
  int blocks = grid_for(n, 1, sms);
  const ll *ix = (const ll *)idx;
  if (dt == LT_FLOAT32) {
    if (i32)
      scatter_idx<float, int><<<blocks, kThreads, 0, s>>>((const float *)src, ix, (float *)dst,
                                                          (int)n_in, (int)n_out, base, (int)n, gt, bad);
    else
      scatter_idx<float, ll><<<blocks, kThreads, 0, s>>>((const float *)src, ix, (float *)dst,
                                                         n_in, n_out, base, n, gt, bad);
  } else if (dt == LT_FLOAT64) {
    if (i32)
      scatter_idx<double, int><<<blocks, kThreads, 0, s>>>((const double *)src, ix, (double *)dst,
                                                           (int)n_in, (int)n_out, base, (int)n, gt, bad);
    else
      scatter_idx<double, ll><<<blocks, kThreads, 0, s>>>((const double *)src, ix, (double *)dst,
                                                          n_in, n_out, base, n, gt, bad);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}
