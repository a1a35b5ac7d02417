/* The LAPACK entry (lapack.c, cuSOLVER) and multinomial (random.c) of the
 * CUDA backend, and the launchers of their kernels (kernels/lapack.cu,
 * kernels/random.cu). Contracts of the entries: device.h. */
#ifndef LUTORCH_CUDA_LAPACK_H
#define LUTORCH_CUDA_LAPACK_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

int lt_cuda_lapack(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out,
                   double *num);
lt_tensor *lt_cuda_multinomial(const lt_tensor *probs, int64_t n, bool replacement,
                               struct lt_generator *g);

/* ---- kernels/lapack.cu: column-major matrices of dt (float32/float64) ---- */
/* p (rows x cols, leading dimension ld) = the identity's first rows/cols */
cudaError_t ltk_la_eye(lt_dtype dt, void *p, int64_t rows, int64_t cols, int64_t ld,
                       cudaStream_t s);
/* n x n p: the triangle that is not `upper`'s zeroed (mirror 0) or made
 * the transpose of the other one (mirror 1) */
cudaError_t ltk_la_triangle(lt_dtype dt, void *p, int64_t n, int upper, int mirror,
                            cudaStream_t s);
/* dst (row-major k x n) = the upper triangle of the first k rows of src
 * (column-major m x n, leading dimension m), zeros below */
cudaError_t ltk_la_take_r(lt_dtype dt, const void *src, int64_t m, int64_t n, int64_t k,
                          void *dst, cudaStream_t s);

/* ---- kernels/random.cu: multinomial, p a contiguous rows x k float64 ---- */
/* One thread per row, in the CPU's order: info[row*5 + 0..4] = first bad
 * category (or -1), its value, non-zero count, sum, last non-zero
 * category; cdf (rows x k, or NULL) the running sums. */
cudaError_t ltk_multinomial_scan(const double *p, int64_t rows, int64_t k, double *cdf,
                                 double *info, int sms, cudaStream_t s);
/* With replacement: out[row*n + j] from counter offset + row*n + j by
 * inverting the row's cdf (sum and last non-zero from info). */
cudaError_t ltk_multinomial_draw(const double *cdf, const double *info, int64_t rows, int64_t k,
                                 int64_t n, int64_t *out, uint64_t seed, uint64_t offset, int sms,
                                 cudaStream_t s);
/* Without: keys[row*k + i] = -log(1 - u) / p (inf for p = 0), u from
 * counter offset + row*k + i (Efraimidis-Spirakis, as on the CPU). */
cudaError_t ltk_multinomial_keys(const double *p, int64_t count, double *keys, uint64_t seed,
                                 uint64_t offset, int sms, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
