// The pointwise halves of the LSTM and GRU cells (lib/ops/nn_lstm.c and
// nn_gru.c have the formulas and layouts), then their launchers. The matrix
// products are done by the host (cuda/nn_rnn.c) through lib's ops, i.e.
// cuBLAS.
//
// One thread per (b, j) of the B x H hidden units, in a grid-stride loop:
// consecutive threads take consecutive j, so each of the four (three) gate
// blocks of a row is read coalesced. float32 computes in float with CUDA's
// accurate expf/tanhf, float64 in double.
#include "../nn_rnn_kernels.h"
#include "index.cuh"

namespace {

using namespace ltk;

template <typename T>
__device__ __forceinline__ T sigm(T x) {
  return T(1) / (T(1) + exp(-x));
}

template <typename T>
__global__ void lstm_fwd(int64_t B, int64_t H, const T *__restrict__ pre, const T *__restrict__ c,
                         T *__restrict__ gt, T *__restrict__ h1, T *__restrict__ c1) {
  const int64_t n = B * H;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = k / H, j = k - b * H;
    const T *p = pre + b * 4 * H + j;
    T *g = gt + b * 4 * H + j;
    T i = sigm(p[0]), f = sigm(p[H]), gg = tanh(p[2 * H]), o = sigm(p[3 * H]);
    T cn = f * c[k] + i * gg;
    g[0] = i;
    g[H] = f;
    g[2 * H] = gg;
    g[3 * H] = o;
    c1[k] = cn;
    h1[k] = o * tanh(cn);
  }
}

template <typename T>
__global__ void lstm_bwd(int64_t B, int64_t H, const T *__restrict__ gh, const T *__restrict__ gc,
                         const T *__restrict__ c, const T *__restrict__ gt,
                         const T *__restrict__ cout, T *__restrict__ gp, T *__restrict__ gcp) {
  const int64_t n = B * H;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = k / H, j = k - b * H;
    const T *g = gt + b * 4 * H + j;
    T *q = gp + b * 4 * H + j;
    T i = g[0], f = g[H], gg = g[2 * H], o = g[3 * H];
    T tc = tanh(cout[k]), dh = gh ? gh[k] : T(0);
    T dc = (gc ? gc[k] : T(0)) + dh * o * (T(1) - tc * tc);
    q[0] = dc * gg * i * (T(1) - i);
    q[H] = dc * c[k] * f * (T(1) - f);
    q[2 * H] = dc * i * (T(1) - gg * gg);
    q[3 * H] = dh * tc * o * (T(1) - o);
    if (gcp) gcp[k] = dc * f;
  }
}

template <typename T>
__global__ void gru_fwd(int64_t B, int64_t H, const T *__restrict__ gi, const T *__restrict__ gh,
                        const T *__restrict__ h, T *__restrict__ h1, T *__restrict__ ws) {
  const int64_t n = B * H;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = k / H, j = k - b * H;
    const T *xi = gi + b * 3 * H + j, *hh = gh + b * 3 * H + j;
    T *w = ws + b * 4 * H + j;
    T r = sigm(xi[0] + hh[0]), z = sigm(xi[H] + hh[H]);
    T nn = tanh(xi[2 * H] + r * hh[2 * H]);
    w[0] = r;
    w[H] = z;
    w[2 * H] = nn;
    w[3 * H] = hh[2 * H];
    h1[k] = (T(1) - z) * nn + z * h[k];
  }
}

template <typename T>
__global__ void gru_bwd(int64_t B, int64_t H, const T *__restrict__ ws, const T *__restrict__ h,
                        const T *__restrict__ g, T *__restrict__ dgi, T *__restrict__ dgh,
                        T *__restrict__ dh) {
  const int64_t n = B * H;
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n;
       k += (int64_t)gridDim.x * blockDim.x) {
    const int64_t b = k / H, j = k - b * H;
    const T *w = ws + b * 4 * H + j;
    T *di = dgi + b * 3 * H + j, *dg = dgh + b * 3 * H + j;
    T r = w[0], z = w[H], nn = w[2 * H], hn = w[3 * H], gk = g[k];
    T dn = gk * (T(1) - z) * (T(1) - nn * nn);
    T dz = gk * (h[k] - nn) * z * (T(1) - z);
    T dr = dn * hn * r * (T(1) - r);
    di[0] = dg[0] = dr;
    di[H] = dg[H] = dz;
    di[2 * H] = dn;
    dg[2 * H] = dn * r;
    dh[k] = gk * z;
  }
}

inline int blocks_for(int64_t B, int64_t H, int sms) { return grid_for(B * H, 1, sms); }

} // namespace

extern "C" cudaError_t ltk_lstm_fwd(lt_dtype dt, int64_t B, int64_t H, const void *pre,
                                    const void *c, void *gates, void *h1, void *c1, int sms,
                                    cudaStream_t s) {
  if (B * H <= 0) return cudaSuccess;
  int nb = blocks_for(B, H, sms);
  if (dt == LT_FLOAT32)
    lstm_fwd<float><<<nb, kThreads, 0, s>>>(B, H, (const float *)pre, (const float *)c,
                                            (float *)gates, (float *)h1, (float *)c1);
  else
    lstm_fwd<double><<<nb, kThreads, 0, s>>>(B, H, (const double *)pre, (const double *)c,
                                             (double *)gates, (double *)h1, (double *)c1);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_lstm_bwd(lt_dtype dt, int64_t B, int64_t H, const void *gh,
                                    const void *gc, const void *c, const void *gates,
                                    const void *cout, void *gpre, void *gcp, int sms,
                                    cudaStream_t s) {
  if (B * H <= 0) return cudaSuccess;
  int nb = blocks_for(B, H, sms);
  if (dt == LT_FLOAT32)
    lstm_bwd<float><<<nb, kThreads, 0, s>>>(B, H, (const float *)gh, (const float *)gc,
                                            (const float *)c, (const float *)gates,
                                            (const float *)cout, (float *)gpre, (float *)gcp);
  else
    lstm_bwd<double><<<nb, kThreads, 0, s>>>(B, H, (const double *)gh, (const double *)gc,
                                             (const double *)c, (const double *)gates,
                                             (const double *)cout, (double *)gpre, (double *)gcp);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_gru_fwd(lt_dtype dt, int64_t B, int64_t H, const void *gi,
                                   const void *gh, const void *h, void *h1, void *ws, int sms,
                                   cudaStream_t s) {
  if (B * H <= 0) return cudaSuccess;
  int nb = blocks_for(B, H, sms);
  if (dt == LT_FLOAT32)
    gru_fwd<float><<<nb, kThreads, 0, s>>>(B, H, (const float *)gi, (const float *)gh,
                                           (const float *)h, (float *)h1, (float *)ws);
  else
    gru_fwd<double><<<nb, kThreads, 0, s>>>(B, H, (const double *)gi, (const double *)gh,
                                            (const double *)h, (double *)h1, (double *)ws);
  return cudaGetLastError();
}

extern "C" cudaError_t ltk_gru_bwd(lt_dtype dt, int64_t B, int64_t H, const void *ws,
                                   const void *h, const void *g, void *dgi, void *dgh, void *dh,
                                   int sms, cudaStream_t s) {
  if (B * H <= 0) return cudaSuccess;
  int nb = blocks_for(B, H, sms);
  if (dt == LT_FLOAT32)
    gru_bwd<float><<<nb, kThreads, 0, s>>>(B, H, (const float *)ws, (const float *)h,
                                           (const float *)g, (float *)dgi, (float *)dgh,
                                           (float *)dh);
  else
    gru_bwd<double><<<nb, kThreads, 0, s>>>(B, H, (const double *)ws, (const double *)h,
                                            (const double *)g, (double *)dgi, (double *)dgh,
                                            (double *)dh);
  return cudaGetLastError();
}
