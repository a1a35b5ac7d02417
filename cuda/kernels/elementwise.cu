// Elementwise unary and binary kernels for float32 and float64, then their
// launchers.
//
// Three layouts. Contiguous float32 moves 16 bytes per access (float4), and
// each thread issues kUnroll such loads per operand before it uses any, so
// enough memory traffic is in flight to reach the copy bandwidth.
// Contiguous float64 (or unaligned float32) uses plain grid-stride loops.
// Anything else (transposed, narrowed, broadcast with stride 0) walks the
// linear index through index.cuh's offsets. Either operand may be a scalar
// (a number from Lua) instead of an array.
//
// The op is a run-time code switched on inside the element function: the
// branch is the same for the whole grid, costs a few instructions against a
// memory-bound loop, and keeps the kernel count small. add/sub/mul/div are
// also compiled in as constants for the float4 path, the one a + b takes.
#include "index.cuh"
#include "ops.cuh"

namespace {

using namespace ltk;

constexpr int kUnroll = 4;

// an operand: an array, or the scalar s when p is null
template <typename T>
struct Arg {
  const T *p;
  T s;
};

__device__ __forceinline__ float4 splat(float v) { return make_float4(v, v, v, v); }

__device__ __forceinline__ float4 load4(const Arg<float> &a, int64_t i) {
  return a.p ? reinterpret_cast<const float4 *>(a.p)[i] : splat(a.s);
}

__device__ __forceinline__ float elem(const Arg<float> &a, int64_t i) { return a.p ? a.p[i] : a.s; }

template <typename T>
__device__ __forceinline__ T at(const Arg<T> &a, int64_t i) {
  return a.p ? a.p[i] : a.s;
}

// ---- float32, contiguous, 16-byte accesses ----

__global__ void unary_f4(float *__restrict__ o, Arg<float> a, int64_t n, int op, float p0, float p1) {
  int64_t n4 = n / 4;
  float4 *o4 = reinterpret_cast<float4 *>(o);
  int64_t step = (int64_t)gridDim.x * blockDim.x * kUnroll;
  for (int64_t base = (int64_t)blockIdx.x * blockDim.x * kUnroll + threadIdx.x; base < n4;
       base += step) {
    float4 x[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; u++) {
      int64_t i = base + (int64_t)u * blockDim.x;
      x[u] = i < n4 ? load4(a, i) : splat(0.f);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; u++) {
      int64_t i = base + (int64_t)u * blockDim.x;
      if (i < n4)
        o4[i] = make_float4(unary_f(op, x[u].x, p0, p1), unary_f(op, x[u].y, p0, p1),
                            unary_f(op, x[u].z, p0, p1), unary_f(op, x[u].w, p0, p1));
    }
  }
  if (blockIdx.x == 0)
    for (int64_t i = n4 * 4 + threadIdx.x; i < n; i += blockDim.x) o[i] = unary_f(op, elem(a, i), p0, p1);
}

template <int OP> // OP < 0: the op is the run-time code
__global__ void binary_f4(float *__restrict__ o, Arg<float> a, Arg<float> b, int64_t n, int op,
                          float alpha) {
  const int code = OP >= 0 ? OP : op;
  int64_t n4 = n / 4;
  float4 *o4 = reinterpret_cast<float4 *>(o);
  int64_t step = (int64_t)gridDim.x * blockDim.x * kUnroll;
  for (int64_t base = (int64_t)blockIdx.x * blockDim.x * kUnroll + threadIdx.x; base < n4;
       base += step) {
    float4 x[kUnroll], y[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; u++) {
      int64_t i = base + (int64_t)u * blockDim.x;
      x[u] = i < n4 ? load4(a, i) : splat(0.f);
      y[u] = i < n4 ? load4(b, i) : splat(0.f);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; u++) {
      int64_t i = base + (int64_t)u * blockDim.x;
      if (i < n4)
        o4[i] = make_float4(binary_f(code, x[u].x, y[u].x, alpha), binary_f(code, x[u].y, y[u].y, alpha),
                            binary_f(code, x[u].z, y[u].z, alpha), binary_f(code, x[u].w, y[u].w, alpha));
    }
  }
  if (blockIdx.x == 0)
    for (int64_t i = n4 * 4 + threadIdx.x; i < n; i += blockDim.x)
      o[i] = binary_f(code, elem(a, i), elem(b, i), alpha);
}

// ---- any float type, contiguous ----

template <typename T>
__global__ void unary_contig(T *__restrict__ o, Arg<T> a, int64_t n, int op, T p0, T p1) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    o[i] = unary_f(op, at(a, i), p0, p1);
}

template <typename T>
__global__ void binary_contig(T *__restrict__ o, Arg<T> a, Arg<T> b, int64_t n, int op, T alpha) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    o[i] = binary_f(op, at(a, i), at(b, i), alpha);
}

// ---- any float type, strided or broadcast ----

template <typename T, typename I>
__global__ void unary_strided(T *o, Arg<T> a, Geom<I, 2> g, I n, int op, T p0, T p1) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[2];
    offsets(g, i, off);
    o[off[0]] = unary_f(op, at(a, off[1]), p0, p1);
  }
}

template <typename T, typename I>
__global__ void binary_strided(T *o, Arg<T> a, Arg<T> b, Geom<I, 3> g, I n, int op, T alpha) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[3];
    offsets(g, i, off);
    o[off[0]] = binary_f(op, at(a, off[1]), at(b, off[2]), alpha);
  }
}

// ---- launchers ----

template <typename T>
Arg<T> arg(ltk_operand x) {
  return Arg<T>{(const T *)x.ptr, (T)x.scalar};
}

bool aligned16(const void *p) { return ((uintptr_t)p & 15) == 0; }

template <typename T>
cudaError_t unary_launch(int op, T *o, ltk_operand a, int64_t n, const ltk_geom *g,
                         const double *prm, int sms, cudaStream_t s) {
  T p0 = (T)prm[0], p1 = (T)prm[1];
  if (!g) {
    unary_contig<T><<<grid_for(n, 4, sms), kThreads, 0, s>>>(o, arg<T>(a), n, op, p0, p1);
  } else if (geom_fits_32(*g, 2, n)) {
    unary_strided<T, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        o, arg<T>(a), geom_from<int32_t, 2>(*g), (int32_t)n, op, p0, p1);
  } else {
    unary_strided<T, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        o, arg<T>(a), geom_from<int64_t, 2>(*g), n, op, p0, p1);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t binary_launch(int op, T *o, ltk_operand a, ltk_operand b, int64_t n,
                          const ltk_geom *g, double alpha, int sms, cudaStream_t s) {
  if (!g) {
    binary_contig<T><<<grid_for(n, 4, sms), kThreads, 0, s>>>(o, arg<T>(a), arg<T>(b), n, op,
                                                                (T)alpha);
  } else if (geom_fits_32(*g, 3, n)) {
    binary_strided<T, int32_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        o, arg<T>(a), arg<T>(b), geom_from<int32_t, 3>(*g), (int32_t)n, op, (T)alpha);
  } else {
    binary_strided<T, int64_t><<<grid_for(n, 4, sms), kThreads, 0, s>>>(
        o, arg<T>(a), arg<T>(b), geom_from<int64_t, 3>(*g), n, op, (T)alpha);
  }
  return cudaGetLastError();
}

template <int OP>
void binary_f4_launch(float *o, ltk_operand a, ltk_operand b, int64_t n, int op, float alpha,
                      int sms, cudaStream_t s) {
  // one pass: a block per 256 x kUnroll float4s, no grid-stride tail
  binary_f4<OP><<<grid_for(n / 4 + 1, kUnroll, sms, 0), kThreads, 0, s>>>(
      o, arg<float>(a), arg<float>(b), n, op, alpha);
}

} // namespace

extern "C" cudaError_t ltk_unary(int op, lt_dtype dt, void *out, ltk_operand a, int64_t n,
                                 const ltk_geom *g, const double *prm, int sms, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  if (dt == LT_FLOAT64) return unary_launch<double>(op, (double *)out, a, n, g, prm, sms, s);
  if (!g && aligned16(out) && (!a.ptr || aligned16(a.ptr))) {
    unary_f4<<<grid_for(n / 4 + 1, kUnroll, sms, 0), kThreads, 0, s>>>(
        (float *)out, arg<float>(a), n, op, (float)prm[0], (float)prm[1]);
    return cudaGetLastError();
  }
  return unary_launch<float>(op, (float *)out, a, n, g, prm, sms, s);
}

extern "C" cudaError_t ltk_binary(int op, lt_dtype dt, void *out, ltk_operand a, ltk_operand b,
                                  int64_t n, const ltk_geom *g, double alpha, int sms,
                                  cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  if (dt == LT_FLOAT64) return binary_launch<double>(op, (double *)out, a, b, n, g, alpha, sms, s);
  if (!g && aligned16(out) && (!a.ptr || aligned16(a.ptr)) && (!b.ptr || aligned16(b.ptr))) {
    float al = (float)alpha;
    switch (op) {
    case LTK_ADD: binary_f4_launch<LTK_ADD>((float *)out, a, b, n, op, al, sms, s); break;
    case LTK_SUB: binary_f4_launch<LTK_SUB>((float *)out, a, b, n, op, al, sms, s); break;
    case LTK_MUL: binary_f4_launch<LTK_MUL>((float *)out, a, b, n, op, al, sms, s); break;
    case LTK_DIV: binary_f4_launch<LTK_DIV>((float *)out, a, b, n, op, al, sms, s); break;
    default: binary_f4_launch<-1>((float *)out, a, b, n, op, al, sms, s); break;
    }
    return cudaGetLastError();
  }
  return binary_launch<float>(op, (float *)out, a, b, n, g, alpha, sms, s);
}
