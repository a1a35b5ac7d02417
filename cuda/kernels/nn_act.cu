// The nn activations (gelu, elu/selu, leaky_relu, hardtanh/relu6,
// softplus) and their backward g·f'(x), as in lib/ops/nn_act.c, then the
// launcher. Contiguous arrays; one kernel instance per activation and
// direction so the loop body is straight-line code. float32 computes in
// float with the parameters converted to float, as the CPU loops do.
#include "../nn_loss_kernels.h"
#include "index.cuh"
#include "lutorch/device_nn.h"

namespace {

using namespace ltk;

template <typename T, int K>
__device__ __forceinline__ T act_f(T x, T p0, T p1, T p2) {
  if constexpr (K == LT_NN_GELU) return x * T(0.5) * (T(1) + erf(x * T(M_SQRT1_2)));
  else if constexpr (K == LT_NN_ELU) return x > T(0) ? p1 * x : p1 * p0 * expm1(x * p2);
  else if constexpr (K == LT_NN_LEAKY_RELU) return x > T(0) ? x : x * p0;
  else if constexpr (K == LT_NN_HARDTANH) return x < p0 ? p0 : x > p1 ? p1 : x;
  else return x * p0 > p1 ? x : log1p(exp(x * p0)) / p0; // softplus
}

// g·f'(x)
template <typename T, int K>
__device__ __forceinline__ T act_b(T g, T x, T p0, T p1, T p2) {
  if constexpr (K == LT_NN_GELU)
    return g * (T(0.5) * (T(1) + erf(x * T(M_SQRT1_2))) +
                x * exp(T(-0.5) * x * x) * T(0.5 * M_2_SQRTPI * M_SQRT1_2));
  else if constexpr (K == LT_NN_ELU) return x > T(0) ? g * p1 : g * p1 * p0 * p2 * exp(x * p2);
  else if constexpr (K == LT_NN_LEAKY_RELU) return x > T(0) ? g : g * p0;
  else if constexpr (K == LT_NN_HARDTANH) return x > p0 && x < p1 ? g : T(0);
  else return x * p0 > p1 ? g : g / (T(1) + exp(-x * p0));
}

template <typename T, int K>
__global__ void act_kernel(const T *__restrict__ g, const T *__restrict__ x, T *__restrict__ y,
                           int64_t n, T p0, T p1, T p2) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    y[i] = g ? act_b<T, K>(g[i], x[i], p0, p1, p2) : act_f<T, K>(x[i], p0, p1, p2);
}

template <typename T>
cudaError_t act_launch(int kind, const T *g, const T *x, T *y, int64_t n, const double *prm,
                       int sms, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  T p0 = (T)prm[0], p1 = (T)prm[1], p2 = (T)prm[2];
  int b = grid_for(n, 1, sms);
  switch (kind) {
  case LT_NN_GELU: act_kernel<T, LT_NN_GELU><<<b, kThreads, 0, s>>>(g, x, y, n, p0, p1, p2); break;
  case LT_NN_ELU: act_kernel<T, LT_NN_ELU><<<b, kThreads, 0, s>>>(g, x, y, n, p0, p1, p2); break;
  case LT_NN_LEAKY_RELU:
    act_kernel<T, LT_NN_LEAKY_RELU><<<b, kThreads, 0, s>>>(g, x, y, n, p0, p1, p2);
    break;
  case LT_NN_HARDTANH:
    act_kernel<T, LT_NN_HARDTANH><<<b, kThreads, 0, s>>>(g, x, y, n, p0, p1, p2);
    break;
  case LT_NN_SOFTPLUS:
    act_kernel<T, LT_NN_SOFTPLUS><<<b, kThreads, 0, s>>>(g, x, y, n, p0, p1, p2);
    break;
  default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ltk_activation(int kind, lt_dtype dt, const void *g, const void *x, void *y,
                                      int64_t n, const double *prm, int sms, cudaStream_t s) {
  if (dt == LT_FLOAT64)
    return act_launch<double>(kind, (const double *)g, (const double *)x, (double *)y, n, prm, sms,
                              s);
  return act_launch<float>(kind, (const float *)g, (const float *)x, (float *)y, n, prm, sms, s);
}
