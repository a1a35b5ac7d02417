/* Scans: cumsum and cumprod along one dimension. The input is made
 * contiguous and seen as (outer, n, inner) like the reductions; a task
 * owns a block of neighbouring columns of one outer slice and walks the n
 * rows in order with one running accumulator per column (double for
 * floats, int64 for integers), so reads and writes are sequential. */
#include <math.h>

#include "lutorch/device.h"
#include "lutorch/autograd.h"
#include "lutorch/parallel.h"
#include "reduce_impl.h"

#define COLBLOCK 256

typedef void (*scan_fn)(const char *x, char *y, int64_t rows, int64_t cols, int64_t ld);

#define SCAN_KERNEL(NAME, T, O, A, ID, OP)                                            \
  static void NAME(const char *xp, char *yp, int64_t rows, int64_t cols, int64_t ld) {  \
    const T *x = (const T *)xp;                                                       \
    O *y = (O *)yp;                                                                   \
    A acc[COLBLOCK];                                                                  \
    for (int64_t j = 0; j < cols; j++) acc[j] = ID;                                   \
    for (int64_t r = 0; r < rows; r++)                                                \
      for (int64_t j = 0; j < cols; j++) {                                            \
        acc[j] = acc[j] OP (A)x[r * ld + j];                                          \
        y[r * ld + j] = (O)acc[j];                                                    \
      }                                                                               \
  }

#define SCANS(K, ID, OP)                                 \
  SCAN_KERNEL(K##_f32, float, float, double, ID, OP)     \
  SCAN_KERNEL(K##_f64, double, double, double, ID, OP)   \
  SCAN_KERNEL(K##_i64, int64_t, int64_t, int64_t, ID, OP) \
  SCAN_KERNEL(K##_i32, int32_t, int64_t, int64_t, ID, OP) \
  SCAN_KERNEL(K##_i16, int16_t, int64_t, int64_t, ID, OP) \
  SCAN_KERNEL(K##_i8, int8_t, int64_t, int64_t, ID, OP)   \
  SCAN_KERNEL(K##_u8, uint8_t, int64_t, int64_t, ID, OP)  \
  SCAN_KERNEL(K##_b8, bool, int64_t, int64_t, ID, OP)
SCANS(csum, 0, +)
SCANS(cprod, 1, *)

#define ROW(K) {K##_f32, K##_f64, K##_i64, K##_i32, K##_i16, K##_i8, K##_u8, K##_b8}
static const scan_fn scans[2][8] = {ROW(csum), ROW(cprod)};

typedef struct {
  scan_fn fn;
  const char *x;
  char *y;
  size_t xsz, ysz;
  int64_t n, inner, nblocks;
} scan_job;

static void scan_tasks(int64_t b, int64_t e, void *vp) {
  const scan_job *j = vp;
  for (int64_t t = b; t < e; t++) {
    int64_t o = t / j->nblocks, j0 = (t % j->nblocks) * COLBLOCK;
    int64_t cols = j->inner - j0 < COLBLOCK ? j->inner - j0 : COLBLOCK;
    int64_t off = o * j->n * j->inner + j0;
    j->fn(j->x + off * (int64_t)j->xsz, j->y + off * (int64_t)j->ysz, j->n, cols, j->inner);
  }
}

static lt_tensor *scan(const char *fn, int which, const lt_tensor *t, int dim) {
  if (lt_device_any1(t)) return lt_device_scan(fn, which, t, dim);
  if (dim == LT_ALL_DIMS) return lt_error("%s: a dimension is required", fn);
  rshape r;
  if (!t) return lt_error("%s: expected a tensor, got NULL", fn);
  if (lt__reduce_prepare(fn, t, dim, true, lt__compute_dtype(t->dtype), &r)) return NULL;
  lt_dtype odt = lt__sum_dtype(t->dtype);
  lt_tensor *y = lt_tensor_empty(odt, t->ndim, t->size);
  if (!y) {
    lt_tensor_release(r.x);
    return NULL;
  }
  scan_job j = {scans[which][r.x->dtype], lt_tensor_data(r.x), lt_tensor_data(y),
                lt_dtype_size(r.x->dtype), lt_dtype_size(odt), r.n, r.inner,
                (r.inner + COLBLOCK - 1) / COLBLOCK};
  int64_t per_task = r.n * (r.inner < COLBLOCK ? r.inner : COLBLOCK);
  if (per_task > 0)
    lt_parallel_for(r.outer * j.nblocks, per_task >= LT_GRAIN ? 1 : LT_GRAIN / per_task,
                    scan_tasks, &j);
  lt_tensor_release(r.x);
  return y;
}

/* recorded for autograd (reduce_grad.c) */
lt_tensor *lt_cumsum(const lt_tensor *t, int dim) {
  lt_node *node;
  if (lt__grad_begin(&node, RG_CUMSUM, t, dim, true, 0)) return NULL;
  return lt__grad_end(node, scan("cumsum", 0, t, dim));
}
lt_tensor *lt_cumprod(const lt_tensor *t, int dim) {
  lt_node *node;
  if (lt__grad_begin(&node, RG_CUMPROD, t, dim, true, 0)) return NULL;
  return lt__grad_end(node, scan("cumprod", 1, t, dim));
}
