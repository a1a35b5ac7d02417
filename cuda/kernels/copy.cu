// Fill and copy/convert kernels, then their launchers.
//
// fill writes a raw bit pattern of 1, 2, 4 or 8 bytes, so one kernel per
// element width serves every dtype. copy moves elements of one width as
// raw bits, and converts between dtypes through a value that is an int64
// for integer sources going to integer destinations (C's wrap-around) and a
// double otherwise, as lib/core/copy.c does on the CPU.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstring>

#include "index.cuh"

namespace {

using namespace ltk;

template <typename W>
__global__ void fill_contig(W *__restrict__ p, int64_t n, W v) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    p[i] = v;
}

template <typename W, typename I>
__global__ void fill_strided(W *__restrict__ p, Geom<I, 1> g, I n, W v) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[1];
    offsets(g, i, off);
    p[off[0]] = v;
  }
}

template <typename W, typename I>
__global__ void copy_strided(W *__restrict__ d, const W *__restrict__ s, Geom<I, 2> g, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[2];
    offsets(g, i, off);
    d[off[0]] = s[off[1]];
  }
}

struct Value {
  double d;
  long long i;
  bool is_int;
};

__device__ __forceinline__ Value load(const char *p, int t) {
  Value v = {0, 0, true};
  switch (t) {
  case LT_FLOAT32: v.d = *(const float *)p; v.is_int = false; break;
  case LT_FLOAT64: v.d = *(const double *)p; v.is_int = false; break;
  case LT_FLOAT16: v.d = __half2float(*(const __half *)p); v.is_int = false; break;
  case LT_BFLOAT16: v.d = __bfloat162float(*(const __nv_bfloat16 *)p); v.is_int = false; break;
  case LT_INT64: v.i = *(const long long *)p; break;
  case LT_INT32: v.i = *(const int32_t *)p; break;
  case LT_INT16: v.i = *(const int16_t *)p; break;
  case LT_INT8: v.i = *(const int8_t *)p; break;
  case LT_UINT8: v.i = *(const uint8_t *)p; break;
  default: v.i = *(const uint8_t *)p != 0; break; // bool
  }
  if (v.is_int) v.d = (double)v.i;
  return v;
}

__device__ __forceinline__ void store(char *p, int t, Value v) {
  long long i = v.is_int ? v.i : (long long)v.d;
  switch (t) {
  case LT_FLOAT32: *(float *)p = (float)v.d; break;
  case LT_FLOAT64: *(double *)p = v.d; break;
  case LT_FLOAT16: *(__half *)p = __float2half_rn((float)v.d); break;
  case LT_BFLOAT16: *(__nv_bfloat16 *)p = __float2bfloat16_rn((float)v.d); break;
  case LT_INT64: *(long long *)p = i; break;
  case LT_INT32: *(int32_t *)p = (int32_t)i; break;
  case LT_INT16: *(int16_t *)p = (int16_t)i; break;
  case LT_INT8: *(int8_t *)p = (int8_t)i; break;
  case LT_UINT8: *(uint8_t *)p = (uint8_t)i; break;
  default: *(uint8_t *)p = v.is_int ? v.i != 0 : v.d != 0; break; // bool
  }
}

template <typename I>
__global__ void convert_strided(char *__restrict__ d, int dt, int dsize, const char *__restrict__ s,
                                int st, int ssize, Geom<I, 2> g, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[2];
    offsets(g, i, off);
    store(d + (int64_t)off[0] * dsize, dt, load(s + (int64_t)off[1] * ssize, st));
  }
}

template <typename W>
cudaError_t launch_fill(void *p, uint64_t bits, int64_t n, const ltk_geom *g, cudaStream_t s) {
  W v;
  memcpy(&v, &bits, sizeof v);
  int sms = 132;
  if (!g) {
    fill_contig<W><<<grid_for(n, 4, sms), kThreads, 0, s>>>((W *)p, n, v);
  } else if (geom_fits_32(*g, 1, n)) {
    fill_strided<W, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)p, geom_from<int32_t, 1>(*g), (int32_t)n, v);
  } else {
    fill_strided<W, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        (W *)p, geom_from<int64_t, 1>(*g), n, v);
  }
  return cudaGetLastError();
}

template <typename W>
cudaError_t launch_copy(void *d, const void *src, int64_t n, const ltk_geom &g, cudaStream_t s) {
  if (geom_fits_32(g, 2, n))
    copy_strided<W, int32_t><<<grid_for(n, 4, 132), kThreads, 0, s>>>(
        (W *)d, (const W *)src, geom_from<int32_t, 2>(g), (int32_t)n);
  else
    copy_strided<W, int64_t><<<grid_for(n, 4, 132), kThreads, 0, s>>>(
        (W *)d, (const W *)src, geom_from<int64_t, 2>(g), n);
  return cudaGetLastError();
}

int dtype_size(lt_dtype t) {
  switch (t) {
  case LT_FLOAT64: case LT_INT64: return 8;
  case LT_FLOAT32: case LT_INT32: return 4;
  case LT_INT16: case LT_FLOAT16: case LT_BFLOAT16: return 2;
  default: return 1;
  }
}

} // namespace

extern "C" cudaError_t ltk_fill(void *p, int elem_size, uint64_t bits, int64_t n,
                                const ltk_geom *g, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  switch (elem_size) {
  case 1: return launch_fill<uint8_t>(p, bits, n, g, s);
  case 2: return launch_fill<uint16_t>(p, bits, n, g, s);
  case 4: return launch_fill<uint32_t>(p, bits, n, g, s);
  default: return launch_fill<uint64_t>(p, bits, n, g, s);
  }
}

extern "C" cudaError_t ltk_copy(void *dst, lt_dtype dt, const void *src, lt_dtype st, int64_t n,
                                const ltk_geom *g, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  if (dt == st) {
    switch (dtype_size(dt)) {
    case 1: return launch_copy<uint8_t>(dst, src, n, *g, s);
    case 2: return launch_copy<uint16_t>(dst, src, n, *g, s);
    case 4: return launch_copy<uint32_t>(dst, src, n, *g, s);
    default: return launch_copy<uint64_t>(dst, src, n, *g, s);
    }
  }
  if (geom_fits_32(*g, 2, n))
    convert_strided<int32_t><<<grid_for(n, 4, 132), kThreads, 0, s>>>(
        (char *)dst, dt, dtype_size(dt), (const char *)src, st, dtype_size(st),
        geom_from<int32_t, 2>(*g), (int32_t)n);
  else
    convert_strided<int64_t><<<grid_for(n, 4, 132), kThreads, 0, s>>>(
        (char *)dst, dt, dtype_size(dt), (const char *)src, st, dtype_size(st),
        geom_from<int64_t, 2>(*g), n);
  return cudaGetLastError();
}
