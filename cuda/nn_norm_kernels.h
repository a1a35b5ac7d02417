/* Launchers of the normalization kernels (kernels/nn_norm.cu), called by
 * cuda/nn_norm.c. Arrays are contiguous and of the dtype dt (float32 or
 * float64) unless said otherwise; statistics accumulate in double. Each
 * launcher returns the launch's error code. */
#ifndef LUTORCH_CUDA_NN_NORM_KERNELS_H
#define LUTORCH_CUDA_NN_NORM_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- batch norm over x (N, C, K) ----
 * ws: device scratch of ltk_bn_workspace(...) doubles. */
int64_t ltk_bn_workspace(int64_t N, int64_t C, int64_t K, int sms);
/* training: batch statistics (two passes), running stats (strided, may be
 * NULL) updated in place with the unbiased variance; else the running
 * stats are used. w, b may be NULL. */
cudaError_t ltk_batch_norm(lt_dtype dt, const void *x, void *y, int64_t N, int64_t C, int64_t K,
                           const void *w, const void *b, void *rm, int64_t rms, void *rv,
                           int64_t rvs, int training, double momentum, double eps,
                           void *save_mean, void *save_invstd, double *ws, int sms,
                           cudaStream_t s);
/* gx, gw, gb: NULL when not wanted */
cudaError_t ltk_batch_norm_backward(lt_dtype dt, const void *x, const void *g, int64_t N,
                                    int64_t C, int64_t K, const void *w, const void *mean,
                                    const void *invstd, int training, void *gx, void *gw,
                                    void *gb, double *ws, int sms, cudaStream_t s);

/* ---- layer norm over rows of M values ---- */
cudaError_t ltk_layer_norm(lt_dtype dt, const void *x, void *y, int64_t rows, int64_t M,
                           const void *w, const void *b, double eps, void *mean, void *rstd,
                           int sms, cudaStream_t s);
cudaError_t ltk_layer_norm_backward_input(lt_dtype dt, const void *x, const void *g,
                                          int64_t rows, int64_t M, const void *w,
                                          const void *mean, const void *rstd, void *gx, int sms,
                                          cudaStream_t s);
/* gw, gb (M each, either may be NULL): column sums over the rows; ws:
 * ltk_ln_param_workspace(...) doubles */
int64_t ltk_ln_param_workspace(int64_t rows, int64_t M, int sms);
cudaError_t ltk_layer_norm_backward_params(lt_dtype dt, const void *x, const void *g,
                                           int64_t rows, int64_t M, const void *mean,
                                           const void *rstd, void *gw, void *gb, double *ws,
                                           int sms, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
