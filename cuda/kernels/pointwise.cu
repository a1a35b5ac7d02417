// The generic pointwise kernel: every elementwise op of the op table on
// every compute dtype (float32, float64, the integers, bool), with one to
// three operands and a result in the compute dtype or bool; then its
// launcher. The float fast paths of elementwise.cu take the common float
// cases; this kernel takes the rest (integer ops, comparisons, where,
// addcmul, the fused activation backwards ...).
//
// Operands are already converted to the compute dtype T (the host does
// that on the GPU) and expanded to one shape; a number is a scalar operand.
// Integer math follows lib/ops/binary.c: division and modulo by zero give
// 0, remainder takes the divisor's sign, pow by squaring; everything is
// computed in 64 bits and truncated to T, as C's promotions do on the CPU.
#include <type_traits>

#include "ops.cuh"

namespace {

using namespace ltk;

template <typename T>
struct In {
  const T *p;
  T s;
};

template <typename T, typename I>
__device__ __forceinline__ T get(const In<T> &a, I off) {
  return a.p ? a.p[off] : a.s;
}

__device__ __forceinline__ long long ipow64(long long x, long long e) {
  if (e < 0) return x == 1 ? 1 : x == -1 ? (e & 1 ? -1 : 1) : 0;
  long long r = 1;
  while (e) {
    if (e & 1) r *= x;
    x *= x;
    e >>= 1;
  }
  return r;
}

// comparisons and logic: a bool for any T
template <typename T>
__device__ __forceinline__ bool apply_bool(int op, T x, T y) {
  switch (op) {
  case LTK_EQ: return x == y;
  case LTK_NE: return x != y;
  case LTK_LT: return x < y;
  case LTK_LE: return x <= y;
  case LTK_GT: return x > y;
  case LTK_GE: return x >= y;
  case LTK_LAND: return x != T(0) && y != T(0);
  case LTK_LOR: return x != T(0) || y != T(0);
  case LTK_LXOR: return (x == T(0)) != (y == T(0));
  case LTK_LNOT: return x == T(0);
  case LTK_BITAND: return x != T(0) && y != T(0); // bitwise ops on bool tensors
  case LTK_BITOR: return x != T(0) || y != T(0);
  case LTK_BITXOR: return (x == T(0)) != (y == T(0));
  default: return false;
  }
}

template <typename T>
__device__ __forceinline__ T apply_float(int op, T x, T y, T z, double p0, double p1) {
  if (op < LTK_NUNARY) return unary_f(op, x, (T)p0, (T)p1);
  if (op >= LTK_BINARY_BASE && op < LTK_BINARY_BASE + LTK_NBINARY)
    return binary_f(op - LTK_BINARY_BASE, x, y, (T)p0);
  switch (op) {
  case LTK_TANH_GRAD: return x * (T(1) - y * y);
  case LTK_SIGMOID_GRAD: return x * y * (T(1) - y);
  case LTK_RELU_GRAD: return y > T(0) ? x : T(0);
  case LTK_CLAMP_GRAD: return (double)y >= p0 && (double)y <= p1 ? x : T(0);
  case LTK_WHERE: return x != T(0) ? y : z;
  case LTK_LERP: return x + z * (y - x);
  case LTK_ADDCMUL: return x + (T)p0 * y * z;
  case LTK_ADDCDIV: return x + (T)p0 * y / z;
  case LTK_ERF: case LTK_ERFC: case LTK_ERFINV: case LTK_LGAMMA: case LTK_DIGAMMA:
  case LTK_POLYGAMMA: return special_f<T>(op, x, p0);
  default: return x;
  }
}

template <typename T>
__device__ __forceinline__ T apply_int(int op, T x, T y, T z, double p0, double p1) {
  using W = long long;
  W a = (W)x, b = (W)y, c = (W)z;
  switch (op) {
  case LTK_NEG: return (T)(-a);
  case LTK_ABS: return (T)(a < 0 ? -a : a);
  case LTK_SIGN: return (T)(a > 0 ? 1 : a < 0 ? -1 : 0);
  case LTK_RELU: return (T)(a > 0 ? a : 0);
  case LTK_CLAMP: return (double)x < p0 ? (T)p0 : (double)x > p1 ? (T)p1 : x;
  case LTK_BINARY_BASE + LTK_ADD: return (T)(a + (W)(T)p0 * b);
  case LTK_BINARY_BASE + LTK_SUB: return (T)(a - (W)(T)p0 * b);
  case LTK_BINARY_BASE + LTK_MUL: return (T)(a * b);
  case LTK_BINARY_BASE + LTK_DIV: return (T)(b == 0 ? 0 : a / b);
  case LTK_BINARY_BASE + LTK_POW: return (T)ipow64(a, b);
  case LTK_BINARY_BASE + LTK_FMOD: return (T)(b == 0 ? 0 : a % b);
  case LTK_BINARY_BASE + LTK_REMAINDER: {
    if (b == 0) return T(0);
    W r = a % b;
    return (T)(r != 0 && ((r < 0) != (b < 0)) ? r + b : r);
  }
  case LTK_BINARY_BASE + LTK_CMAX: return a > b ? x : y;
  case LTK_BINARY_BASE + LTK_CMIN: return a < b ? x : y;
  case LTK_WHERE: return a != 0 ? y : z;
  case LTK_ADDCMUL: return (T)(a + (W)(T)p0 * b * c);
  // bitwise (lib/ops/binary.c): counts outside [0, bits) shift everything out
  case LTK_BITAND: return (T)(a & b);
  case LTK_BITOR: return (T)(a | b);
  case LTK_BITXOR: return (T)(a ^ b);
  case LTK_LSHIFT: return b < 0 || b >= W(8 * sizeof(T)) ? T(0) : (T)((unsigned long long)a << b);
  case LTK_RSHIFT: return b < 0 || b >= W(8 * sizeof(T)) ? T(a < 0 ? -1 : 0) : (T)(a >> b);
  default: return x; // floor, ceil, round, trunc: integers are whole already
  }
}

template <typename T, typename O>
__device__ __forceinline__ O apply(int op, T x, T y, T z, double p0, double p1) {
  if constexpr (std::is_same<O, bool>::value) {
    if (op == LTK_WHERE) return x != T(0) ? y != T(0) : z != T(0); // where on bool
    return apply_bool<T>(op, x, y);
  } else if constexpr (std::is_floating_point<T>::value) {
    return apply_float<T>(op, x, y, z, p0, p1);
  } else {
    return apply_int<T>(op, x, y, z, p0, p1);
  }
}

template <typename T, typename O>
__global__ void pw_contig(O *__restrict__ o, In<T> a, In<T> b, In<T> c, int64_t n, int op,
                          double p0, double p1) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    o[i] = apply<T, O>(op, get(a, i), get(b, i), get(c, i), p0, p1);
}

template <typename T, typename O, typename I>
__global__ void pw_strided(O *o, In<T> a, In<T> b, In<T> c, Geom<I, 4> g, I n, int op, double p0,
                           double p1) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    I off[4];
    offsets(g, i, off);
    o[off[0]] = apply<T, O>(op, get(a, off[1]), get(b, off[2]), get(c, off[3]), p0, p1);
  }
}

template <typename T>
In<T> operand(int k, int nin, const ltk_operand *in) {
  if (k >= nin) return In<T>{nullptr, T(0)};
  return In<T>{(const T *)in[k].ptr, (T)in[k].scalar};
}

template <typename T, typename O>
cudaError_t launch(int op, void *out, int nin, const ltk_operand *in, int64_t n, const ltk_geom *g,
                   const double *prm, int sms, cudaStream_t s) {
  In<T> a = operand<T>(0, nin, in), b = operand<T>(1, nin, in), c = operand<T>(2, nin, in);
  int blocks = grid_for(n, 4, sms);
  if (!g) {
    pw_contig<T, O><<<blocks, kThreads, 0, s>>>((O *)out, a, b, c, n, op, prm[0], prm[1]);
  } else if (geom_fits_32(*g, 4, n)) {
    pw_strided<T, O, int32_t><<<blocks, kThreads, 0, s>>>(
        (O *)out, a, b, c, geom_from<int32_t, 4>(*g), (int32_t)n, op, prm[0], prm[1]);
  } else {
    pw_strided<T, O, int64_t><<<blocks, kThreads, 0, s>>>(
        (O *)out, a, b, c, geom_from<int64_t, 4>(*g), n, op, prm[0], prm[1]);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t launch_t(int op, int bool_out, void *out, int nin, const ltk_operand *in, int64_t n,
                     const ltk_geom *g, const double *prm, int sms, cudaStream_t s) {
  if (bool_out && !std::is_same<T, bool>::value)
    return launch<T, bool>(op, out, nin, in, n, g, prm, sms, s);
  return launch<T, T>(op, out, nin, in, n, g, prm, sms, s);
}

} // namespace

extern "C" cudaError_t ltk_pointwise(int op, lt_dtype ct, int bool_out, void *out, int nin,
                                     const ltk_operand *in, int64_t n, const ltk_geom *g,
                                     const double *prm, int sms, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  switch (ct) {
  case LT_FLOAT32: return launch_t<float>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_FLOAT64: return launch_t<double>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_INT64: return launch_t<long long>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_INT32: return launch_t<int32_t>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_INT16: return launch_t<int16_t>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_INT8: return launch_t<int8_t>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_UINT8: return launch_t<uint8_t>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  case LT_BOOL: return launch_t<bool>(op, bool_out, out, nin, in, n, g, prm, sms, s);
  default: return cudaErrorInvalidValue;
  }
}
