/* Private to the reduce family (reduce.c, reduce_kernels.c, reduce_scan.c,
 * sort.c): the reduction engine and the shape preparation they share.
 *
 * Every reduction sees its input as a contiguous block of shape
 * (outer, n, inner) and reduces the middle dimension: each of the
 * outer*inner outputs folds n elements that sit `inner` apart. When
 * inner == 1 the folded elements are contiguous (a row, unrolled with
 * several accumulators); otherwise a block of neighbouring outputs is
 * updated row by row, so memory is read in order and the inner loop runs
 * over contiguous columns the compiler vectorises. */
#ifndef LUTORCH_OPS_REDUCE_IMPL_H
#define LUTORCH_OPS_REDUCE_IMPL_H

#include "lutorch/reduce.h"

/* What one pass folds. Accumulators are double for float inputs and for
 * the float-only kinds, int64 for integer/bool inputs of SUM/PROD/MAX/MIN
 * and always int64 for COUNT. */
typedef enum rkind {
  RK_SUM,    /* a + x */
  RK_PROD,   /* a * x */
  RK_COUNT,  /* a + (x != 0) */
  RK_MAX,    /* largest, first index wins ties, NaN wins */
  RK_MIN,
  RK_SQDEV,  /* a + (x - c)^2, c per output (float inputs only) */
  RK_EXPDEV, /* a + exp(x - c) */
  RK_ABS,    /* a + |x| */
  RK_SQ,     /* a + x^2 */
  RK_POW,    /* a + |x|^p */
  RK_ABSMAX, /* max |x|, NaN wins */
  RK_ABSMIN, /* min |x|, NaN wins */
  RK_NKINDS
} rkind;

typedef union racc {
  double d;
  int64_t i;
} racc;

/* A contiguous input seen as (outer, n, inner), and the result shape. */
typedef struct rshape {
  lt_tensor *x; /* contiguous, in the compute dtype (owned) */
  int64_t outer, n, inner;
  int ndim_out;
  int64_t size_out[LT_MAX_DIMS];
} rshape;

/* Convert t to `compute` (contiguous) and split it around dim (0-based,
 * negative from the end, or LT_ALL_DIMS). Checks device and dim, errors
 * name fn. Release r->x after. */
int lt__reduce_prepare(const char *fn, const lt_tensor *t, int dim, bool keepdim,
                       lt_dtype compute, rshape *r);

/* Whether kind k on compute dtype dt accumulates in double. */
bool lt__reduce_acc_is_double(rkind k, lt_dtype dt);

/* Fold r's middle dimension with kind k into acc[outer*inner] (and idx
 * for MAX/MIN: 0-based position along the dimension, -1 when n == 0).
 * cen: per-output centres for SQDEV/EXPDEV; p: the power of RK_POW.
 * Returns -1 (error set) for a kind/dtype without a kernel or no memory. */
int lt__reduce_run(const char *fn, rkind k, const rshape *r, double p, const double *cen,
                   racc *acc, int64_t *idx);

/* Store n accumulators (their .i when is_int, else .d) into contiguous
 * memory of compute dtype dt, converting. */
void lt__store_acc(lt_dtype dt, void *dst, const racc *src, bool is_int, int64_t n);

/* The result dtype rules (see reduce.h). */
lt_dtype lt__compute_dtype(lt_dtype in);   /* float16/bfloat16 -> float32, else same */
lt_dtype lt__sum_dtype(lt_dtype in);       /* floats keep, integers/bool -> int64 */

#endif
