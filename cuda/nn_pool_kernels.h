/* Launchers of the 2-D pooling kernels (kernels/nn_pool.cu), called by
 * cuda/nn_pool.c. Every array is contiguous: P planes of H x W in, P planes
 * of OH x OW out; indices are flat h*W + w in an input plane, counted from
 * `base`. Each launcher returns the launch's error code. */
#ifndef LUTORCH_CUDA_NN_POOL_KERNELS_H
#define LUTORCH_CUDA_NN_POOL_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* one pooling's geometry; adaptive windows ignore k, s, p, d */
typedef struct ltk_pool2d {
  int64_t P, H, W, OH, OW;
  int64_t k[2], s[2], p[2], d[2];
  int adaptive;
  int count_include_pad;
  int64_t divisor; /* > 0: divisor_override */
} ltk_pool2d;

/* y, idx = the max of each window (the first maximum, or the first NaN) */
cudaError_t ltk_max_pool2d(lt_dtype dt, const ltk_pool2d *g, const void *x, void *y,
                           int64_t *idx, int64_t base, int sms, cudaStream_t s);
/* forward: y (OH x OW planes) = window means of x; backward: y (H x W
 * planes, every element written) = the gradient of that from x = gradOutput */
cudaError_t ltk_avg_pool2d(lt_dtype dt, const ltk_pool2d *g, const void *x, void *y,
                           int backward, int sms, cudaStream_t s);
/* scatter: dst (P planes of n_out, zeroed by the caller) += src (P planes of
 * n_in) at idx (shape of src); gather: dst (P planes of n_in) = src (P
 * planes of n_out) at idx (shape of dst). An index outside [base, base +
 * n_out) sets *bad (device memory) to 1 and is skipped (gather writes 0). */
cudaError_t ltk_pool_scatter(lt_dtype dt, int gather, const void *src, const int64_t *idx,
                             void *dst, int64_t P, int64_t n_in, int64_t n_out, int64_t base,
                             int *bad, int sms, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
