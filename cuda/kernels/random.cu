// Random fills from lib's counter-based generator, then the launcher.
//
// The same function of (seed, counter) as the CPU (lib/ops/random.c), from
// the same code (lib/include/lutorch/philox.h): Philox4x32-10, element i of
// a fill taking counter offset + i, the same bits to uniform doubles (24
// bits for float32 uniforms, 53 otherwise); and the same Box-Muller and
// inversions. So one seed gives the same numbers on either device;
// transcendental functions (log, cos, tan, exp) may differ from glibc's in
// the last bit of a double, which rounding to float32 almost always hides.
// Products and sums that nvcc would fuse into one FMA are spelled
// __dmul_rn/__dadd_rn: the CPU rounds them separately, and uniform numbers
// then agree exactly.
//
// multinomial (after the fills) follows the CPU the same way: with
// replacement the samples agree exactly; without, its exponential keys go
// through log, so two keys within an ulp of each other may swap.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>

#include "../lapack.h"
#include "index.cuh"
#include "lutorch/philox.h"

namespace {

using namespace ltk;

typedef long long ll;

__device__ __forceinline__ double sat(double x, double lo, double hi) {
  return x <= lo ? lo : x >= hi ? hi : x;
}

// below_d, below_f: the largest double / float under p1 (uniform's cap)
__global__ void random_k(char *out, int dt, ll n, int dist, double p0, double p1, uint64_t lo,
                         uint64_t range, const double *__restrict__ probs, uint64_t seed,
                         uint64_t offset, double below_d, float below_f) {
  const double pi = 3.14159265358979323846;
  for (ll i = blockIdx.x * (ll)blockDim.x + threadIdx.x; i < n; i += (ll)gridDim.x * blockDim.x) {
    uint32_t r[4];
    lt_rng_block(seed, offset + (uint64_t)i, r);
    double v = 0;
    ll iv = 0;
    bool f32 = dt == LT_FLOAT32;
    switch (dist) {
    case LT_DEV_RAND_UNIFORM: {
      double x = __dadd_rn(p0, __dmul_rn(p1 - p0, f32 ? lt_rng_u24(r) : lt_rng_u53(r)));
      if (f32) {
        float xf = (float)x;
        if (xf >= (float)p1 && p0 < p1) xf = below_f;
        x = xf < (float)p0 ? (float)p0 : xf;
      } else if (x >= p1 && p0 < p1) {
        x = below_d;
      }
      v = x;
      break;
    }
    case LT_DEV_RAND_NORMAL:
    case LT_DEV_RAND_LOGNORMAL: {
      double z = sqrt(-2.0 * log(1.0 - lt_rng_u53(r))) * cos(2.0 * pi * lt_rng_u53(r + 2));
      double w = __dadd_rn(p0, __dmul_rn(p1, z));
      v = dist == LT_DEV_RAND_NORMAL ? w : exp(w);
      break;
    }
    case LT_DEV_RAND_EXPONENTIAL: v = -log(1.0 - lt_rng_u53(r)) / p0; break;
    case LT_DEV_RAND_CAUCHY: v = __dadd_rn(p0, __dmul_rn(p1, tan(pi * (lt_rng_u53(r) - 0.5)))); break;
    case LT_DEV_RAND_BERNOULLI: v = lt_rng_u53(r) < p0; break;
    case LT_DEV_RAND_BERNOULLI_T: v = lt_rng_u53(r) < probs[i]; break;
    case LT_DEV_RAND_GEOMETRIC: {
      double k = p0 >= 1 ? 1 : ceil(log(1.0 - lt_rng_u53(r)) / log1p(-p0));
      v = k < 1 ? 1 : k;
      break;
    }
    default: { // LT_DEV_RAND_RANDOM
      uint64_t bits = lt_rng_bits64(r);
      iv = (ll)(lo + (range ? __umul64hi(bits, range) : bits));
      break;
    }
    }
    bool ints = dist == LT_DEV_RAND_RANDOM;
    switch (dt) {
    case LT_FLOAT32: ((float *)out)[i] = ints ? (float)iv : (float)v; break;
    case LT_FLOAT64: ((double *)out)[i] = ints ? (double)iv : v; break;
    case LT_INT64: ((ll *)out)[i] = ints ? iv : (ll)sat(v, -0x1p63, 0x1p63 - 1024); break;
    case LT_INT32: ((int32_t *)out)[i] = ints ? (int32_t)iv : (int32_t)sat(v, INT32_MIN, INT32_MAX); break;
    case LT_INT16: ((int16_t *)out)[i] = ints ? (int16_t)iv : (int16_t)sat(v, INT16_MIN, INT16_MAX); break;
    case LT_INT8: ((int8_t *)out)[i] = ints ? (int8_t)iv : (int8_t)sat(v, INT8_MIN, INT8_MAX); break;
    case LT_UINT8: ((uint8_t *)out)[i] = ints ? (uint8_t)iv : (uint8_t)sat(v, 0, UINT8_MAX); break;
    case LT_BOOL: ((bool *)out)[i] = ints ? iv != 0 : v != 0; break;
    case LT_FLOAT16: ((__half *)out)[i] = __float2half_rn((float)(ints ? (double)iv : v)); break;
    default: ((__nv_bfloat16 *)out)[i] = __float2bfloat16_rn((float)(ints ? (double)iv : v)); break;
    }
  }
}

} // namespace

extern "C" cudaError_t ltk_random(lt_dtype dt, void *out, int64_t n, int dist, double p0,
                                  double p1, uint64_t lo, uint64_t range, const double *probs,
                                  uint64_t seed, uint64_t offset, int sms, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  random_k<<<grid_for(n, 4, sms), kThreads, 0, s>>>((char *)out, (int)dt, n, dist, p0, p1, lo,
                                                     range, probs, seed, offset,
                                                     nextafter(p1, -INFINITY),
                                                     nextafterf((float)p1, -INFINITY));
  return cudaGetLastError();
}

// ---- multinomial (cuda/random.c), the CPU's algorithms (lib/ops/random.c) ----

namespace {

using namespace ltk;

// One thread per row walks it in order, so sums and running sums are the
// CPU's to the last bit (a parallel scan would round differently and move
// samples that fall on a boundary).
__global__ void multi_scan_k(const double *__restrict__ p, ll rows, ll k, double *cdf,
                             double *info) {
  for (ll row = blockIdx.x * (ll)blockDim.x + threadIdx.x; row < rows;
       row += (ll)gridDim.x * blockDim.x) {
    const double *pr = p + row * k;
    double s = 0, bad = -1, badv = 0, nz = 0, last = 0;
    for (ll i = 0; i < k; i++) {
      double x = pr[i];
      if (bad < 0 && !(x >= 0 && isfinite(x))) {
        bad = (double)i;
        badv = x;
      }
      s += x;
      if (x > 0) {
        nz += 1;
        last = (double)i;
      }
      if (cdf) cdf[row * k + i] = s;
    }
    double *o = info + row * 5;
    o[0] = bad;
    o[1] = badv;
    o[2] = nz;
    o[3] = s;
    o[4] = last;
  }
}

__global__ void multi_draw_k(const double *__restrict__ cdf, const double *__restrict__ info,
                             ll rows, ll k, ll n, ll *out, uint64_t seed, uint64_t offset) {
  ll total = rows * n;
  for (ll e = blockIdx.x * (ll)blockDim.x + threadIdx.x; e < total; e += (ll)gridDim.x * blockDim.x) {
    ll row = e / n;
    const double *c = cdf + row * k;
    uint32_t r[4];
    lt_rng_block(seed, offset + (uint64_t)e, r);
    double u = __dmul_rn(lt_rng_u53(r), info[row * 5 + 3]);
    ll lo = 0, hi = k - 1, last = (ll)info[row * 5 + 4]; // first i with cdf[i] > u
    while (lo < hi) {
      ll mid = lo + (hi - lo) / 2;
      if (c[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out[e] = lo > last ? last : lo;
  }
}

__global__ void multi_keys_k(const double *__restrict__ p, ll count, double *keys, uint64_t seed,
                             uint64_t offset) {
  for (ll e = blockIdx.x * (ll)blockDim.x + threadIdx.x; e < count; e += (ll)gridDim.x * blockDim.x) {
    uint32_t r[4];
    lt_rng_block(seed, offset + (uint64_t)e, r);
    double x = p[e];
    keys[e] = x > 0 ? -log(1.0 - lt_rng_u53(r)) / x : INFINITY;
  }
}

} // namespace

extern "C" cudaError_t ltk_multinomial_scan(const double *p, int64_t rows, int64_t k, double *cdf,
                                            double *info, int sms, cudaStream_t s) {
  if (rows <= 0) return cudaSuccess;
  // few threads, each with a long serial loop: small blocks spread them over the SMs
  int threads = 64, blocks = (int)((rows + threads - 1) / threads);
  multi_scan_k<<<blocks, threads, 0, s>>>(p, rows, k, cdf, info);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_multinomial_draw(const double *cdf, const double *info, int64_t rows,
                                            int64_t k, int64_t n, int64_t *out, uint64_t seed,
                                            uint64_t offset, int sms, cudaStream_t s) {
  if (rows <= 0 || n <= 0) return cudaSuccess;
  multi_draw_k<<<grid_for(rows * n, 1, sms), kThreads, 0, s>>>(cdf, info, rows, k, n, (ll *)out,
                                                              seed, offset);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_multinomial_keys(const double *p, int64_t count, double *keys,
                                            uint64_t seed, uint64_t offset, int sms,
                                            cudaStream_t s) {
  if (count <= 0) return cudaSuccess;
  multi_keys_k<<<grid_for(count, 1, sms), kThreads, 0, s>>>(p, count, keys, seed, offset);
  return cudaGetLastError();
}
