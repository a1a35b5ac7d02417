/* Helpers shared by the nn kernels (lib/ops/nn_*.c): argument checks that
 * name the public function, contiguous copies, and a gemm on raw pointers
 * (row-major, float32/float64) that kernels call per sample, from inside
 * lt_parallel_for, where OpenMP OpenBLAS runs single-threaded. */
#ifndef LUTORCH_OPS_NN_UTIL_H
#define LUTORCH_OPS_NN_UTIL_H

#include <cblas.h>
#include <stdbool.h>
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/device_nn.h"
#include "lutorch/nn.h"
#include "lutorch/parallel.h"

/* t must exist and be float32/float64 (on any device: see NN_ON_DEVICE). */
static inline int nn_check_float(const char *fn, const char *what, const lt_tensor *t) {
  if (!t) return lt_errorf("%s: %s is missing", fn, what);
  if (t->dtype != LT_FLOAT32 && t->dtype != LT_FLOAT64)
    return lt_errorf("%s: %s must be float32 or float64, got %s", fn, what,
                     lt_dtype_name(t->dtype));
  return 0;
}

/* An optional tensor (NULL passes) of dtype dt. */
static inline int nn_check_like(const char *fn, const char *what, const lt_tensor *t,
                                lt_dtype dt) {
  if (!t) return 0;
  if (t->dtype != dt)
    return lt_errorf("%s: %s is %s but input is %s", fn, what, lt_dtype_name(t->dtype),
                     lt_dtype_name(dt));
  return 0;
}

static inline int nn_check_index(const char *fn, const char *what, const lt_tensor *t) {
  if (!t) return lt_errorf("%s: %s is missing", fn, what);
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

/* Every tensor argument of a kernel (NULL entries pass) must live on the
 * device of ts[0] (the input); names[] are for the message. */
static inline int nn_check_devices(const char *fn, int n, const lt_tensor *const *ts,
                                   const char *const *names) {
  for (int i = 1; i < n; i++)
    if (lt_device_same(fn, names[i], ts[i], ts[0])) return -1;
  return 0;
}

/* After a kernel has checked its arguments (nn_check_devices among them):
 * when `input` lives on a device, hand the call to the backend's `entry`
 * (device_nn.h) and return its result from the calling kernel; `fail` is
 * the kernel's error value. CPU tensors fall through to the CPU code. */
#define NN_ON_DEVICE(fail, fn, input, entry, ...)                              \
  do {                                                                         \
    if (lt_tensor_device(input).type != LT_CPU) {                              \
      const lt_device_nn_ops *nn_dev_ = lt_device_nn(fn, input);               \
      if (!nn_dev_) return fail;                                               \
      if (!nn_dev_->entry) {                                                   \
        lt_error("%s: not available for CUDA tensors yet", fn);                \
        return fail;                                                           \
      }                                                                        \
      return nn_dev_->entry(__VA_ARGS__);                                      \
    }                                                                          \
  } while (0)

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
