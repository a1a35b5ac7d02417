// Reductions along one dimension and scans, then their launchers.
//
// The input is contiguous and seen as (outer, n, inner), as on the CPU
// (lib/ops/reduce_impl.h); each of the outer*inner outputs folds n
// elements `inner` apart. Two kernels:
//  - rows (inner == 1): a group of TPR threads folds one row (or one part of
//    it): each thread a strided slice, then warp shuffles, then (TPR = 256)
//    the warps' results meet in shared memory. Short rows take a warp each.
//  - cols (inner > 1): a 32 x 16 block; the 32 threads of a row read 32
//    neighbouring outputs' elements (coalesced), the 16 rows split n, and
//    shared memory folds the 16 partial results.
// When there are too few outputs to fill the GPU, n is split into P parts
// and a third kernel combines the P partial states of each output in order.
// A state is an accumulator (double for floats and the float-only kinds,
// int64 for integers and counts, as on the CPU) plus, for max/min, the
// position of the winner: the first on ties, the first NaN if any.
// A finishing kernel turns accumulators into the result dtype (mean's
// division, var's denominator, norm's root, logsumexp's log).
//
// Scans (cumsum, cumprod) run one thread per column when inner > 1 and one
// block per row otherwise (a block scan of 256 elements at a time with a
// running carry), accumulating in double or int64 like the CPU.
#include <type_traits>

#include "index.cuh"

namespace {

using namespace ltk;

typedef long long ll;

template <typename A>
__device__ __forceinline__ A init_acc(int k) {
  if (k == LTK_RK_PROD) return A(1);
  if constexpr (std::is_same<A, double>::value)
    if (k == LTK_RK_ABSMIN) return INFINITY;
  return A(0);
}

template <typename A>
__device__ __forceinline__ bool is_nan(A v) {
  return v != v;
}

// fold the element v at position j into (a, ai)
template <typename T, typename A>
__device__ __forceinline__ void fold(int k, A &a, ll &ai, T v, ll j, double c, double p) {
  switch (k) {
  case LTK_RK_SUM: a += (A)v; break;
  case LTK_RK_PROD: a *= (A)v; break;
  case LTK_RK_COUNT: a += (v != T(0)); break;
  case LTK_RK_MAX:
  case LTK_RK_MIN: {
    A x = (A)v;
    bool better = k == LTK_RK_MAX ? x > a : x < a;
    if (ai < 0 || (!is_nan(a) && (better || is_nan(x)))) {
      a = x;
      ai = j;
    }
    break;
  }
  default:
    if constexpr (std::is_same<A, double>::value) {
      double x = (double)v;
      switch (k) {
      case LTK_RK_SQDEV: a += (x - c) * (x - c); break;
      case LTK_RK_EXPDEV: a += exp(x - (isfinite(c) ? c : 0.0)); break;
      case LTK_RK_ABS: a += fabs(x); break;
      case LTK_RK_SQ: a += x * x; break;
      case LTK_RK_POW: a += pow(fabs(x), p); break;
      case LTK_RK_ABSMAX: if (is_nan(x) || fabs(x) > a) a = is_nan(a) ? a : fabs(x); break;
      case LTK_RK_ABSMIN: if (is_nan(x) || fabs(x) < a) a = is_nan(a) ? a : fabs(x); break;
      }
    }
    break;
  }
}

// (a, ai) = (a, ai) combined with (b, bi): positions decide ties
template <typename A>
__device__ __forceinline__ void combine(int k, A &a, ll &ai, A b, ll bi) {
  switch (k) {
  case LTK_RK_PROD: a *= b; break;
  case LTK_RK_MAX:
  case LTK_RK_MIN: {
    if (bi < 0) break;
    bool take;
    if (ai < 0) take = true;
    else if (is_nan(a)) take = is_nan(b) && bi < ai;
    else if (is_nan(b)) take = true;
    else take = (k == LTK_RK_MAX ? b > a : b < a) || (b == a && bi < ai);
    if (take) {
      a = b;
      ai = bi;
    }
    break;
  }
  case LTK_RK_ABSMAX: a = (is_nan(a) || is_nan(b)) ? (is_nan(a) ? a : b) : (b > a ? b : a); break;
  case LTK_RK_ABSMIN: a = (is_nan(a) || is_nan(b)) ? (is_nan(a) ? a : b) : (b < a ? b : a); break;
  default: a += b; break;
  }
}

template <typename A>
__device__ __forceinline__ void warp_combine(int k, A &a, ll &ai) {
  for (int off = 16; off > 0; off >>= 1) {
    A b = __shfl_down_sync(0xffffffffu, a, off);
    ll bi = __shfl_down_sync(0xffffffffu, ai, off);
    combine(k, a, ai, b, bi);
  }
}

// rows: groups of TPR threads, each group one (row, part); rp = row * P + part
template <typename T, typename A, int TPR>
__global__ void __launch_bounds__(256) reduce_rows(const T *__restrict__ x, ll nparts, ll n, ll P,
                                                   ll chunk, int k, double p,
                                                   const double *__restrict__ cen, A *out,
                                                   ll *out_idx) {
  constexpr int groups = 256 / TPR;
  __shared__ A sa[8];
  __shared__ ll si[8];
  int g = threadIdx.x / TPR, lane = threadIdx.x % TPR;
  for (ll base = (ll)blockIdx.x * groups; base < nparts; base += (ll)gridDim.x * groups) {
    ll rp = base + g;
    A a = init_acc<A>(k);
    ll ai = -1;
    if (rp < nparts) {
      ll row = rp / P, q = rp % P;
      ll j0 = q * chunk, j1 = j0 + chunk < n ? j0 + chunk : n;
      const T *xr = x + row * n;
      double c = cen ? cen[row] : 0.0;
      for (ll j = j0 + lane; j < j1; j += TPR) fold<T, A>(k, a, ai, xr[j], j, c, p);
    }
    warp_combine(k, a, ai);
    if (TPR == 256) {
      int w = threadIdx.x >> 5;
      if ((threadIdx.x & 31) == 0) {
        sa[w] = a;
        si[w] = ai;
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        for (int i = 1; i < 8; i++) combine(k, a, ai, sa[i], si[i]);
        out[rp] = a;
        if (out_idx) out_idx[rp] = ai;
      }
      __syncthreads();
    } else if (lane == 0 && rp < nparts) {
      out[rp] = a;
      if (out_idx) out_idx[rp] = ai;
    }
  }
}

// cols: block (32, 16); output (o, col) part q goes to ((o * inner + col) * P + q)
template <typename T, typename A>
__global__ void __launch_bounds__(512) reduce_cols(const T *__restrict__ x, ll outer, ll n,
                                                   ll inner, ll P, ll chunk, int k, double p,
                                                   const double *__restrict__ cen, A *out,
                                                   ll *out_idx) {
  __shared__ A sa[16][33];
  __shared__ ll si[16][33];
  int tx = threadIdx.x, ty = threadIdx.y;
  ll col = (ll)blockIdx.x * 32 + tx, q = blockIdx.z;
  ll j0 = q * chunk, j1 = j0 + chunk < n ? j0 + chunk : n;
  for (ll o = blockIdx.y; o < outer; o += gridDim.y) {
    A a = init_acc<A>(k);
    ll ai = -1;
    if (col < inner) {
      double c = cen ? cen[o * inner + col] : 0.0;
      for (ll j = j0 + ty; j < j1; j += 16) fold<T, A>(k, a, ai, x[(o * n + j) * inner + col], j, c, p);
    }
    sa[ty][tx] = a;
    si[ty][tx] = ai;
    __syncthreads();
    if (ty == 0 && col < inner) {
      for (int i = 1; i < 16; i++) combine(k, a, ai, sa[i][tx], si[i][tx]);
      ll at = (o * inner + col) * P + q;
      out[at] = a;
      if (out_idx) out_idx[at] = ai;
    }
    __syncthreads();
  }
}

// the P partial states of each output, in order
template <typename A>
__global__ void reduce_parts(const A *__restrict__ parts, const ll *__restrict__ parts_idx,
                             ll nout, ll P, int k, A *out, ll *out_idx) {
  for (ll i = blockIdx.x * (ll)blockDim.x + threadIdx.x; i < nout; i += (ll)gridDim.x * blockDim.x) {
    A a = parts[i * P];
    ll ai = parts_idx ? parts_idx[i * P] : 0;
    for (ll q = 1; q < P; q++) combine(k, a, ai, parts[i * P + q], parts_idx ? parts_idx[i * P + q] : 0);
    out[i] = a;
    if (out_idx) out_idx[i] = ai;
  }
}

__device__ void store_value(char *o, int dt, ll i, double d, ll iv, bool is_int) {
  switch (dt) {
  case LT_FLOAT32: ((float *)o)[i] = is_int ? (float)iv : (float)d; break;
  case LT_FLOAT64: ((double *)o)[i] = is_int ? (double)iv : d; break;
  case LT_INT64: ((ll *)o)[i] = is_int ? iv : (ll)d; break;
  case LT_INT32: ((int32_t *)o)[i] = (int32_t)(is_int ? iv : (ll)d); break;
  case LT_INT16: ((int16_t *)o)[i] = (int16_t)(is_int ? iv : (ll)d); break;
  case LT_INT8: ((int8_t *)o)[i] = (int8_t)(is_int ? iv : (ll)d); break;
  case LT_UINT8: ((uint8_t *)o)[i] = (uint8_t)(is_int ? iv : (ll)d); break;
  default: ((bool *)o)[i] = is_int ? iv != 0 : d != 0; break;
  }
}

// out[i] = the finished value of accumulator i (see ltk_reduce_finish)
__global__ void reduce_finish(const void *acc, bool is_int, const ll *idx, const double *m0,
                              ll nout, int fin, double n, double prm, char *out, int dt) {
  for (ll i = blockIdx.x * (ll)blockDim.x + threadIdx.x; i < nout; i += (ll)gridDim.x * blockDim.x) {
    ll iv = is_int ? ((const ll *)acc)[i] : 0;
    double d = is_int ? (double)iv : ((const double *)acc)[i];
    bool as_int = false;
    switch (fin) {
    case LTK_FIN_RAW: as_int = is_int; break;
    case LTK_FIN_ALL: iv = iv == (ll)n; as_int = true; break;
    case LTK_FIN_ANY: iv = iv > 0; as_int = true; break;
    case LTK_FIN_MEAN: d = d / n; break;
    case LTK_FIN_VAR: d = n > 0 ? d / n : NAN; break; // n: the denominator
    case LTK_FIN_STD: d = n > 0 ? sqrt(d / n) : NAN; break;
    case LTK_FIN_SQRT: d = sqrt(d); break;
    case LTK_FIN_ROOT: d = pow(d, 1.0 / prm); break;
    case LTK_FIN_M0: d = idx[i] < 0 ? -INFINITY : d; break;
    case LTK_FIN_LSE: d = isfinite(m0[i]) ? m0[i] + log(d) : m0[i]; break;
    }
    store_value(out, dt, i, d, iv, as_int);
  }
}

// ---- scans ----

template <typename T, typename A, typename O>
__global__ void scan_cols(const T *__restrict__ x, O *__restrict__ y, ll outer, ll n, ll inner,
                          bool prod) {
  ll total = outer * inner;
  for (ll t = blockIdx.x * (ll)blockDim.x + threadIdx.x; t < total; t += (ll)gridDim.x * blockDim.x) {
    ll o = t / inner, col = t % inner;
    const T *xp = x + o * n * inner + col;
    O *yp = y + o * n * inner + col;
    A acc = prod ? A(1) : A(0);
    for (ll j = 0; j < n; j++) {
      acc = prod ? acc * (A)xp[j * inner] : acc + (A)xp[j * inner];
      yp[j * inner] = (O)acc;
    }
  }
}

// one block (256 threads) per row: 256 elements at a time, a warp-shuffle
// scan within each warp, the 8 warp totals scanned in shared memory, and a
// carry from the previous 256
template <typename T, typename A, typename O>
__global__ void __launch_bounds__(256) scan_rows(const T *__restrict__ x, O *__restrict__ y,
                                                 ll rows, ll n, bool prod) {
  __shared__ A warp_tot[8];
  __shared__ A carry_s;
  int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  for (ll r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *xr = x + r * n;
    O *yr = y + r * n;
    A carry = prod ? A(1) : A(0);
    for (ll base = 0; base < n; base += 256) {
      ll j = base + threadIdx.x;
      A v = j < n ? (A)xr[j] : (prod ? A(1) : A(0));
      for (int off = 1; off < 32; off <<= 1) {
        A u = __shfl_up_sync(0xffffffffu, v, off);
        if (lane >= off) v = prod ? v * u : v + u;
      }
      if (lane == 31) warp_tot[w] = v;
      __syncthreads();
      if (threadIdx.x == 0) {
        A run = carry;
        for (int i = 0; i < 8; i++) {
          A t = warp_tot[i];
          warp_tot[i] = run;
          run = prod ? run * t : run + t;
        }
        carry_s = run;
      }
      __syncthreads();
      A before = warp_tot[w];
      v = prod ? before * v : before + v;
      if (j < n) yr[j] = (O)v;
      carry = carry_s;
      __syncthreads();
    }
  }
}

template <typename T, typename A>
cudaError_t launch_reduce(const void *xv, ll outer, ll n, ll inner, int k, double p,
                          const double *cen, void *accv, ll *idx, void *parts, ll *parts_idx,
                          ll P, int sms, cudaStream_t s) {
  const T *x = (const T *)xv;
  A *acc = (A *)accv;
  ll nout = outer * inner;
  ll chunk = (n + P - 1) / P;
  if (chunk < 1) chunk = 1;
  A *dst = P > 1 ? (A *)parts : acc;
  ll *dst_idx = P > 1 ? parts_idx : idx;
  if (inner == 1) {
    ll nparts = outer * P;
    if (chunk <= 512) {
      ll blocks = (nparts + 7) / 8;
      reduce_rows<T, A, 32><<<(int)(blocks < 65535 * 16 ? blocks : 65535 * 16), 256, 0, s>>>(
          x, nparts, n, P, chunk, k, p, cen, dst, dst_idx);
    } else {
      reduce_rows<T, A, 256><<<(int)(nparts < 65535 * 16 ? nparts : 65535 * 16), 256, 0, s>>>(
          x, nparts, n, P, chunk, k, p, cen, dst, dst_idx);
    }
  } else {
    dim3 grid((unsigned)((inner + 31) / 32), (unsigned)(outer < 65535 ? outer : 65535), (unsigned)P);
    reduce_cols<T, A><<<grid, dim3(32, 16), 0, s>>>(x, outer, n, inner, P, chunk, k, p, cen, dst,
                                                     dst_idx);
  }
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess || P == 1) return e;
  reduce_parts<A><<<grid_for(nout, 1, sms), kThreads, 0, s>>>((const A *)parts, parts_idx, nout, P,
                                                             k, acc, idx);
  return cudaGetLastError();
}

template <typename T, typename A, typename O>
cudaError_t launch_scan(const void *x, void *y, ll outer, ll n, ll inner, bool prod, int sms,
                        cudaStream_t s) {
  if (inner > 1 || n == 1) {
    scan_cols<T, A, O><<<grid_for(outer * inner, 1, sms), kThreads, 0, s>>>(
        (const T *)x, (O *)y, outer, n, inner, prod);
  } else {
    ll blocks = outer < 65535 * 16 ? outer : 65535 * 16;
    scan_rows<T, A, O><<<(int)blocks, 256, 0, s>>>((const T *)x, (O *)y, outer, n, prod);
  }
  return cudaGetLastError();
}

} // namespace

extern "C" int64_t ltk_reduce_splits(int64_t outer, int64_t n, int64_t inner, int sms) {
  ll target = 4 * (ll)(sms > 0 ? sms : 32);
  ll blocks = inner == 1 ? outer : ((inner + 31) / 32) * outer;
  if (blocks >= target || n < 2048) return 1;
  ll P = (target + blocks - 1) / blocks, most = n / 1024;
  if (P > most) P = most;
  if (P > 1024) P = 1024;
  return P < 1 ? 1 : P;
}

extern "C" cudaError_t ltk_reduce_dim(lt_dtype dt, int acc_int, const void *x, int64_t outer,
                                      int64_t n, int64_t inner, int kind, double p,
                                      const double *cen, void *acc, int64_t *idx, void *parts,
                                      int64_t *parts_idx, int64_t P, int sms, cudaStream_t s) {
  if (outer * inner == 0) return cudaSuccess;
  ll *ix = (ll *)idx, *pix = (ll *)parts_idx;
  switch (dt) {
  case LT_FLOAT32:
    return acc_int ? launch_reduce<float, ll>(x, outer, n, inner, kind, p, cen, acc, ix, parts, pix, P, sms, s)
                   : launch_reduce<float, double>(x, outer, n, inner, kind, p, cen, acc, ix, parts, pix, P, sms, s);
  case LT_FLOAT64:
    return acc_int ? launch_reduce<double, ll>(x, outer, n, inner, kind, p, cen, acc, ix, parts, pix, P, sms, s)
                   : launch_reduce<double, double>(x, outer, n, inner, kind, p, cen, acc, ix, parts, pix, P, sms, s);
  case LT_INT64:
    return launch_reduce<ll, ll>(x, outer, n, inner, kind, p, cen, acc, ix, parts, pix, P, sms, s);
  default: return cudaErrorInvalidValue;
  }
}

extern "C" cudaError_t ltk_reduce_finish(const void *acc, int acc_int, const int64_t *idx,
                                         const double *m0, int64_t nout, int fin, double n,
                                         double prm, void *out, lt_dtype dt, int sms,
                                         cudaStream_t s) {
  if (nout <= 0) return cudaSuccess;
  reduce_finish<<<grid_for(nout, 1, sms), kThreads, 0, s>>>(acc, acc_int != 0, (const ll *)idx, m0,
                                                           nout, fin, n, prm, (char *)out, (int)dt);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_scan(lt_dtype dt, const void *x, void *y, int64_t outer, int64_t n,
                                int64_t inner, int prod, int sms, cudaStream_t s) {
  if (outer * n * inner == 0) return cudaSuccess;
  switch (dt) {
  case LT_FLOAT32: return launch_scan<float, double, float>(x, y, outer, n, inner, prod, sms, s);
  case LT_FLOAT64: return launch_scan<double, double, double>(x, y, outer, n, inner, prod, sms, s);
  case LT_INT64: return launch_scan<ll, ll, ll>(x, y, outer, n, inner, prod, sms, s);
  default: return cudaErrorInvalidValue;
  }
}
