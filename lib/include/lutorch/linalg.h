/* Linear algebra: matrix products through CBLAS (lib/ops/linalg.c) and
 * factorizations / solvers through LAPACK (lib/ops/lapack.c).
 *
 * Products accept float32 and float64 (BLAS) and the integer dtypes (a plain
 * C loop). All operands must share one dtype. Transposed views go to BLAS
 * without a copy; other layouts are copied first.
 *
 * The `out` argument: NULL allocates the result; otherwise out is resized to
 * the result's shape (Torch7's result-first form) and filled. For the add*
 * ops out may be M itself (in place: x:addmm(...)), then M must already have
 * the result's shape. out must have the inputs' dtype. Every function
 * returns a new reference (out retained when given), or NULL with an error.
 *
 * The factorizations take 2-D float32/float64 matrices and return new,
 * contiguous tensors; they never modify their inputs.
 *
 * Autograd: every function returning tensors records when an input
 * requires grad (backward formulas in lib/ops/linalg_grad.c; conventions in
 * docs/autograd.md, "Backward of reductions and linear algebra"). The
 * number-returning lt_dot, lt_det, lt_slogdet cannot carry a graph: use
 * their _tensor forms. eig and qr are not differentiable (an error when an
 * input requires grad). */
#ifndef LUTORCH_LINALG_H
#define LUTORCH_LINALG_H

#include "tensor.h"

/* ---- products (linalg.c) ---- */
/* out = a·b; a is m x k, b is k x n */
lt_tensor *lt_mm(lt_tensor *out, lt_tensor *a, lt_tensor *b);
/* out = beta·m + alpha·a·b; m broadcasts to m x n (exact when out == m) */
lt_tensor *lt_addmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                    lt_tensor *b);
/* out = a·x; a is m x k, x has k elements */
lt_tensor *lt_mv(lt_tensor *out, lt_tensor *a, lt_tensor *x);
lt_tensor *lt_addmv(lt_tensor *out, double beta, lt_tensor *v, double alpha, lt_tensor *a,
                    lt_tensor *x);
/* outer product out = x yᵀ, and out = beta·m + alpha·x yᵀ */
lt_tensor *lt_ger(lt_tensor *out, lt_tensor *x, lt_tensor *y);
lt_tensor *lt_addr(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *x,
                   lt_tensor *y);
/* batched: a is b x m x k, b is b x k x n */
lt_tensor *lt_bmm(lt_tensor *out, lt_tensor *a, lt_tensor *b);
lt_tensor *lt_baddbmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                      lt_tensor *b);
/* out (m x n) = beta·m + alpha·Σ_i a[i]·b[i] */
lt_tensor *lt_addbmm(lt_tensor *out, double beta, lt_tensor *m, double alpha, lt_tensor *a,
                     lt_tensor *b);
/* dot product of two vectors of one length (any layout) into *result */
int lt_dot(lt_tensor *a, lt_tensor *b, double *result);
/* the same as a 0-dim tensor, which carries the autograd graph */
lt_tensor *lt_dot_tensor(lt_tensor *a, lt_tensor *b);
/* PyTorch's matmul: 1-D·1-D is a 0-dim tensor, 1-D operands get a dim
 * added and removed again, leading (batch) dims broadcast. */
lt_tensor *lt_matmul(lt_tensor *out, lt_tensor *a, lt_tensor *b);

/* ---- LAPACK (lapack.c) ---- */
/* Solve a·x = b (b is n or n x k). *x and *lu (the packed LU factors of a,
 * may be NULL if not wanted) are new tensors. */
int lt_gesv(lt_tensor *b, lt_tensor *a, lt_tensor **x, lt_tensor **lu);
lt_tensor *lt_inverse(lt_tensor *a);
/* Cholesky: upper gives U with a = UᵀU, else L with a = LLᵀ. */
lt_tensor *lt_potrf(lt_tensor *a, bool upper);
/* Solve a·x = b given the Cholesky factor of a. */
lt_tensor *lt_potrs(lt_tensor *b, lt_tensor *chol, bool upper);
/* Inverse of a from its Cholesky factor (full symmetric result). */
lt_tensor *lt_potri(lt_tensor *chol, bool upper);
/* Symmetric eigen-decomposition, reading the upper (or lower) triangle.
 * *e ascending; *v (columns are eigenvectors) is an empty tensor when
 * vectors is false. */
int lt_symeig(lt_tensor *a, bool vectors, bool upper, lt_tensor **e, lt_tensor **v);
/* General eigenvalues: *e is n x 2 (real, imaginary parts); *v as LAPACK's
 * geev gives them (a complex pair takes two columns: real, imaginary part)
 * or an empty tensor when vectors is false. */
int lt_eig(lt_tensor *a, bool vectors, lt_tensor **e, lt_tensor **v);
/* a = U diag(S) Vᵀ; some: U is m x k and V n x k (k = min(m, n)), else
 * U is m x m and V n x n. S descending. */
int lt_svd(lt_tensor *a, bool some, lt_tensor **u, lt_tensor **s, lt_tensor **v);
/* a = Q R, Q m x k with orthonormal columns, R k x n upper triangular. */
int lt_qr(lt_tensor *a, lt_tensor **q, lt_tensor **r);
/* determinant, and log|det| with its sign (-1, 0, 1) */
int lt_det(lt_tensor *a, double *det);
int lt_slogdet(lt_tensor *a, double *sign, double *logabsdet);
/* the same as 0-dim tensors (differentiable; sign is not); logdet is
 * log(det): NaN for a negative determinant, -inf for a singular matrix */
lt_tensor *lt_det_tensor(lt_tensor *a);
int lt_slogdet_tensor(lt_tensor *a, lt_tensor **sign, lt_tensor **logabsdet);
lt_tensor *lt_logdet(lt_tensor *a);

#endif
