/* Helpers shared by the nn kernels (lib/ops/nn_*.c): argument checks that
 * name the public function, contiguous copies, and a gemm on raw pointers
 * (row-major, float32/float64) that kernels call per sample, from inside
 * lt_parallel_for, where OpenMP OpenBLAS runs single-threaded. */
#ifndef LUTORCH_OPS_NN_UTIL_H
#define LUTORCH_OPS_NN_UTIL_H

#include <cblas.h>
#include <stdbool.h>
#include <string.h>

#include "lutorch/nn.h"
#include "lutorch/parallel.h"

/* t must exist, live on the CPU and be float32/float64. */
static inline int nn_check_float(const char *fn, const char *what, const lt_tensor *t) {
  if (!t) return lt_errorf("%s: %s is missing", fn, what);
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (t->dtype != LT_FLOAT32 && t->dtype != LT_FLOAT64)
    return lt_errorf("%s: %s must be float32 or float64, got %s", fn, what,
                     lt_dtype_name(t->dtype));
  return 0;
}

/* An optional tensor (NULL passes) of dtype dt. */
static inline int nn_check_like(const char *fn, const char *what, const lt_tensor *t,
                                lt_dtype dt) {
  if (!t) return 0;
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (t->dtype != dt)
    return lt_errorf("%s: %s is %s but input is %s", fn, what, lt_dtype_name(t->dtype),
                     lt_dtype_name(dt));
  return 0;
}

static inline int nn_check_index(const char *fn, const char *what, const lt_tensor *t) {
  if (!t) return lt_errorf("%s: %s is missing", fn, what);
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (t->dtype != LT_INT64)
    return lt_errorf("%s: %s must be int64 (a LongTensor), got %s", fn, what,
                     lt_dtype_name(t->dtype));
  return 0;
}

/* t must have exactly the given shape. */
static inline int nn_check_shape(const char *fn, const char *what, const lt_tensor *t, int ndim,
                                 const int64_t *size) {
  if (t->ndim == ndim && !memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim)) return 0;
  char a[96], b[96];
  return lt_errorf("%s: %s has size %s, expected %s", fn, what, lt_shape_str(t->ndim, t->size, a, 96),
                   lt_shape_str(ndim, size, b, 96));
}

static inline bool nn_need(const bool *need, int i) { return !need || need[i]; }

/* A contiguous copy (or t retained); NULL passes through. */
static inline lt_tensor *nn_contig(const lt_tensor *t) { return t ? lt_contiguous(t) : NULL; }

static inline void nn_release(int n, lt_tensor **ts) {
  for (int i = 0; i < n; i++) {
    lt_tensor_release(ts[i]);
    ts[i] = NULL;
  }
}

/* C (m x n) = alpha·op(A)·op(B) + beta·C, row-major, leading dims given. */
static inline void nn_gemm(lt_dtype dt, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
                           double alpha, const void *a, int64_t lda, const void *b, int64_t ldb,
                           double beta, void *c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) { /* BLAS leaves C alone when k = 0: scale it ourselves */
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        if (dt == LT_FLOAT32) {
          float *p = (float *)c + i * ldc + j;
          *p = beta == 0 ? 0 : (float)(*p * beta);
        } else {
          double *p = (double *)c + i * ldc + j;
          *p = beta == 0 ? 0 : *p * beta;
        }
      }
    return;
  }
  enum CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
  if (dt == LT_FLOAT32)
    cblas_sgemm(CblasRowMajor, A, B, (int)m, (int)n, (int)k, (float)alpha, a, (int)lda, b,
                (int)ldb, (float)beta, c, (int)ldc);
  else
    cblas_dgemm(CblasRowMajor, A, B, (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb,
                beta, c, (int)ldc);
}

/* Element i of a float32/float64 buffer as a double, and a store. */
static inline double nn_ld(lt_dtype dt, const void *p, int64_t i) {
  return dt == LT_FLOAT32 ? ((const float *)p)[i] : ((const double *)p)[i];
}
static inline void nn_st(lt_dtype dt, void *p, int64_t i, double v) {
  if (dt == LT_FLOAT32)
    ((float *)p)[i] = (float)v;
  else
    ((double *)p)[i] = v;
}

#endif
