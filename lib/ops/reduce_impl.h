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

#include "lutorch/op.h"
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

/* ---- autograd (reduce_grad.c) ----
 * Each public reduction is wrapped as
 *   lt_node *node; if (lt__grad_begin(&node, RG_SUM, t, dim, keepdim, 0)) return NULL;
 *   out = ...compute...;
 *   return lt__grad_end(node, out);          (values + indices: lt__grad_end2)
 * begin records nothing (node NULL) unless t requires grad and grad mode is
 * on; it saves what the kind's backward reads. */
typedef enum rgrad {
  RG_SUM, RG_PROD, RG_MEAN, RG_VAR, RG_STD, RG_NORM, RG_LOGSUMEXP,
  RG_MAX, RG_MIN, RG_CUMSUM, RG_CUMPROD, RG_SORT, RG_TOPK, RG_KTHVALUE, RG_MEDIAN,
  RG_NKINDS
} rgrad;
/* param: p for RG_NORM; 1 = unbiased for RG_VAR/RG_STD */
int lt__grad_begin(struct lt_node **node, rgrad kind, const lt_tensor *t, int dim, bool keepdim,
                   double param);
lt_tensor *lt__grad_end(struct lt_node *node, lt_tensor *out);
/* Ops with values and indices: rc is the computation's status, v and i its
 * results (both computed). The values get the gradient, the indices none
 * (saved as a private copy: the binding shifts the returned ones to
 * 1-based in place). Hands v and i to *values / *indices (or releases
 * those not asked for); returns 0, or -1 with everything released. */
int lt__grad_end2(struct lt_node *node, int rc, lt_tensor *v, lt_tensor *i, lt_tensor **values,
                  lt_tensor **indices);
/* The backward functions (the op tables point at them). */
#define LT__REDUCE_BW(NAME) \
  int lt__reduce_bw_##NAME(struct lt_node *n, lt_tensor *const *g, lt_tensor **gin);
LT__REDUCE_BW(sum)
LT__REDUCE_BW(prod)
LT__REDUCE_BW(mean)
LT__REDUCE_BW(varstd)
LT__REDUCE_BW(norm)
LT__REDUCE_BW(logsumexp)
LT__REDUCE_BW(extreme)
LT__REDUCE_BW(cumsum)
LT__REDUCE_BW(cumprod)
LT__REDUCE_BW(pick)

#endif
