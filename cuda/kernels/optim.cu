// Fused optimizer steps: for each kind one elementwise kernel over the
// parameter x, its gradient g and the state buffers b0..b2, in place, then
// the launcher. The bodies are lib/ops/optim.c's, element for element and
// in the same type (float for float32, the scalars rounded to it as there),
// so a GPU trajectory follows the CPU one to rounding (nvcc may contract
// a*b + c into one fma; the CPU build does not).
//
// Each kernel is step_kernel<T, Step>: a grid-stride loop that forms the
// decayed gradient gi = g + weight_decay * x, then runs Step's body.
#include "../optim_kernels.h"
#include "index.cuh"
#include "lutorch/device_nn.h"

namespace {

using namespace ltk;

template <typename T>
__device__ __forceinline__ T sq_root(T v) {
  return sqrt(v); // float: sqrtf, correctly rounded (nvcc's default -prec-sqrt=true)
}

struct Sgd {
  template <typename T>
  __device__ static void run(const lt_sgd_opts &o, T *x, T *b0, T *, T *, int64_t i, T gi) {
    if (!b0) {
      x[i] -= (T)o.lr * gi;
      return;
    }
    const T mom = (T)o.momentum;
    T buf = o.first ? gi : mom * b0[i] + (T)(1 - o.dampening) * gi;
    b0[i] = buf;
    x[i] -= (T)o.lr * (o.nesterov ? gi + mom * buf : buf);
  }
};

struct Adam {
  template <typename T>
  __device__ static void run(const lt_adam_opts &o, T *x, T *b0, T *b1, T *b2, int64_t i, T gi) {
    const T b1c = (T)o.beta1, b2c = (T)o.beta2;
    if (o.decoupled_decay != 0) x[i] *= (T)(1 - o.decoupled_decay);
    T m = b0[i] = b1c * b0[i] + (1 - b1c) * gi;
    T v = b1[i] = b2c * b1[i] + (1 - b2c) * gi * gi;
    if (b2) v = b2[i] = b2[i] > v ? b2[i] : v;
    x[i] -= (T)o.step_size * m / (sq_root(v) / (T)o.vdiv + (T)o.eps);
  }
};

struct Rmsprop {
  template <typename T>
  __device__ static void run(const lt_rmsprop_opts &o, T *x, T *b0, T *b1, T *b2, int64_t i,
                             T gi) {
    const T al = (T)o.alpha;
    T sq = b0[i] = al * b0[i] + (1 - al) * gi * gi;
    T avg;
    if (b1) {
      T ga = b1[i] = al * b1[i] + (1 - al) * gi;
      avg = sq_root(sq - ga * ga) + (T)o.eps;
    } else {
      avg = sq_root(sq) + (T)o.eps;
    }
    if (b2) {
      T buf = b2[i] = (T)o.momentum * b2[i] + gi / avg;
      x[i] -= (T)o.lr * buf;
    } else {
      x[i] -= (T)o.lr * gi / avg;
    }
  }
};

struct Adagrad {
  template <typename T>
  __device__ static void run(const lt_adagrad_opts &o, T *x, T *b0, T *, T *, int64_t i, T gi) {
    T s = b0[i] += gi * gi;
    x[i] -= (T)o.lr * gi / (sq_root(s) + (T)o.eps);
  }
};

struct Adadelta {
  template <typename T>
  __device__ static void run(const lt_adadelta_opts &o, T *x, T *b0, T *b1, T *, int64_t i,
                             T gi) {
    const T rho = (T)o.rho, eps = (T)o.eps;
    T sq = b0[i] = rho * b0[i] + (1 - rho) * gi * gi;
    T delta = sq_root(b1[i] + eps) / sq_root(sq + eps) * gi;
    x[i] -= (T)o.lr * delta;
    b1[i] = rho * b1[i] + (1 - rho) * delta * delta;
  }
};

struct Adamax {
  template <typename T>
  __device__ static void run(const lt_adamax_opts &o, T *x, T *b0, T *b1, T *, int64_t i, T gi) {
    const T b1c = (T)o.beta1;
    T m = b0[i] = b1c * b0[i] + (1 - b1c) * gi;
    T a = (T)o.beta2 * b1[i], c = (gi < 0 ? -gi : gi) + (T)o.eps;
    T u = b1[i] = a > c ? a : c;
    x[i] -= (T)o.step_size * m / u;
  }
};

struct Nag {
  template <typename T>
  __device__ static void run(const lt_nag_opts &o, T *x, T *b0, T *, T *, int64_t i, T gi) {
    const T mom = (T)o.momentum;
    T v = o.first ? T(0) : b0[i];
    T nv = b0[i] = mom * v - (T)o.lr * gi;
    x[i] = x[i] - mom * v + nv;
  }
};

template <typename T, typename Step, typename O>
__global__ void step_kernel(int64_t n, T *x, const T *__restrict__ g, T *b0, T *b1, T *b2, O o) {
  const T wd = (T)o.weight_decay;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    T gi = wd != T(0) ? g[i] + wd * x[i] : g[i];
    Step::run(o, x, b0, b1, b2, i, gi);
  }
}

template <typename Step, typename O>
cudaError_t launch(lt_dtype dt, int64_t n, void *x, const void *g, void *b0, void *b1, void *b2,
                   const void *opts, int sms, cudaStream_t s) {
  const O o = *(const O *)opts;
  int nb = grid_for(n, 1, sms);
  if (dt == LT_FLOAT32)
    step_kernel<float, Step, O><<<nb, kThreads, 0, s>>>(n, (float *)x, (const float *)g,
                                                        (float *)b0, (float *)b1, (float *)b2, o);
  else
    step_kernel<double, Step, O><<<nb, kThreads, 0, s>>>(
        n, (double *)x, (const double *)g, (double *)b0, (double *)b1, (double *)b2, o);
  return cudaGetLastError();
}

} // namespace

extern "C" cudaError_t ltk_optim(int kind, lt_dtype dt, int64_t n, void *x, const void *g,
                                 void *b0, void *b1, void *b2, const void *opts, int sms,
                                 cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  if (dt != LT_FLOAT32 && dt != LT_FLOAT64) return cudaErrorInvalidValue;
  switch (kind) {
  case LT_OPTIM_SGD: return launch<Sgd, lt_sgd_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_ADAM: return launch<Adam, lt_adam_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_RMSPROP:
    return launch<Rmsprop, lt_rmsprop_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_ADAGRAD:
    return launch<Adagrad, lt_adagrad_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_ADADELTA:
    return launch<Adadelta, lt_adadelta_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_ADAMAX:
    return launch<Adamax, lt_adamax_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  case LT_OPTIM_NAG: return launch<Nag, lt_nag_opts>(dt, n, x, g, b0, b1, b2, opts, sms, s);
  default: return cudaErrorInvalidValue;
  }
}
