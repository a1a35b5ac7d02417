// The float math of the elementwise ops, shared by the float fast paths
// (elementwise.cu) and the generic pointwise kernel (pointwise.cu), so one
// op computes the same on every path. Semantics follow lib/ops/unary.c and
// binary.c (NaN-propagating cmax/cmin, Python-style remainder).
#pragma once

#include "index.cuh"

// digamma and polygamma: the CPU's code itself (lib/ops/special_impl.h), in
// double for float32 too, so both devices give the same results
#define LT_SF_FN static __device__ inline
#define LT_SF_TABLE const
#include "../../lib/ops/special_impl.h"

namespace ltk {

// the special functions of the generic kernel (codes in ../internal.h)
template <typename T>
__device__ __forceinline__ T special_f(int op, T x, double p0) {
  constexpr bool f32 = sizeof(T) == sizeof(float);
  switch (op) {
  case LTK_ERF: return erf(x);
  case LTK_ERFC: return erfc(x);
  case LTK_ERFINV: return f32 ? (T)erfinvf((float)x) : (T)erfinv((double)x);
  case LTK_LGAMMA: return f32 ? (T)lgammaf((float)x) : (T)lgamma((double)x);
  case LTK_DIGAMMA: return (T)lt_sf_digamma_impl((double)x);
  case LTK_POLYGAMMA: return (T)lt_sf_polygamma_impl(p0, (double)x);
  default: return x;
  }
}

template <typename T>
__device__ __forceinline__ T unary_f(int op, T x, T p0, T p1) {
  switch (op) {
  case LTK_NEG: return -x;
  case LTK_ABS: return fabs(x);
  case LTK_SIGN: return x > T(0) ? T(1) : x < T(0) ? T(-1) : T(0);
  case LTK_RELU: return x > T(0) ? x : T(0);
  case LTK_FLOOR: return floor(x);
  case LTK_CEIL: return ceil(x);
  case LTK_ROUND: return round(x);
  case LTK_TRUNC: return trunc(x);
  case LTK_EXP: return exp(x);
  case LTK_LOG: return log(x);
  case LTK_LOG1P: return log1p(x);
  case LTK_EXPM1: return expm1(x);
  case LTK_SQRT: return sqrt(x);
  case LTK_RSQRT: return T(1) / sqrt(x);
  case LTK_SIN: return sin(x);
  case LTK_COS: return cos(x);
  case LTK_TAN: return tan(x);
  case LTK_ASIN: return asin(x);
  case LTK_ACOS: return acos(x);
  case LTK_ATAN: return atan(x);
  case LTK_SINH: return sinh(x);
  case LTK_COSH: return cosh(x);
  case LTK_TANH: return tanh(x);
  case LTK_SIGMOID: return T(1) / (T(1) + exp(-x));
  case LTK_CLAMP: return x < p0 ? p0 : x > p1 ? p1 : x;
  default: return x;
  }
}

template <typename T>
__device__ __forceinline__ T binary_f(int op, T x, T y, T alpha) {
  switch (op) {
  case LTK_ADD: return x + alpha * y;
  case LTK_SUB: return x - alpha * y;
  case LTK_MUL: return x * y;
  case LTK_DIV: return x / y;
  case LTK_POW: return pow(x, y);
  case LTK_FMOD: return fmod(x, y);
  case LTK_REMAINDER: {
    T r = fmod(x, y);
    return (r != T(0) && ((r < T(0)) != (y < T(0)))) ? r + y : r;
  }
  case LTK_CMAX: return (x != x || x > y) ? x : y; // NaN propagates
  case LTK_CMIN: return (x != x || x < y) ? x : y;
  case LTK_ATAN2: return atan2(x, y);
  default: return x;
  }
}

} // namespace ltk
