/* Reductions, scans and sorting.
 *
 * dim is 0-based (negative counts from the end) or LT_ALL_DIMS for all
 * elements; keepdim keeps the reduced dimension with size 1 (all dims for
 * LT_ALL_DIMS; otherwise that result is 0-dimensional). Every returned
 * tensor is new and contiguous. Indices are 0-based int64.
 *
 * Result dtypes:
 *   sum, prod, cumsum, cumprod: float inputs keep their dtype (float32 sums
 *     accumulate in double); integer and bool inputs give int64.
 *   mean, var, std, norm, logsumexp: float64 stays float64; anything else
 *     (integers, bool, float16) gives float32, computed in double.
 *   max, min, sort, topk, kthvalue, median: values in the input dtype
 *     (float16/bfloat16 give float32).
 *   all, any: bool.  argmax, argmin and all indices: int64.
 * NaN: max/min/argmax/argmin/median pick a NaN when there is one (the
 * first); sort puts NaN after every number (first when descending).
 * Ties: max/min/argmax/argmin take the first position; sort is stable.
 *
 * Autograd: every function returning tensors records when its input
 * requires grad (backward formulas in lib/ops/reduce_grad.c; indices get no
 * gradient). lt_reduce_all returns a double and never records: use the
 * LT_ALL_DIMS tensor form for a differentiable whole-tensor reduction. */
#ifndef LUTORCH_REDUCE_H
#define LUTORCH_REDUCE_H

#include "tensor.h"

lt_tensor *lt_sum(const lt_tensor *t, int dim, bool keepdim);
lt_tensor *lt_prod(const lt_tensor *t, int dim, bool keepdim);
lt_tensor *lt_mean(const lt_tensor *t, int dim, bool keepdim);
/* unbiased: divide by n-1 (NaN when n < 2), else by n */
lt_tensor *lt_var(const lt_tensor *t, int dim, bool keepdim, bool unbiased);
lt_tensor *lt_std(const lt_tensor *t, int dim, bool keepdim, bool unbiased);
/* (sum |x|^p)^(1/p); p = 0 counts non-zeros, p = +-INFINITY is max/min |x| */
lt_tensor *lt_norm(const lt_tensor *t, double p, int dim, bool keepdim);
/* log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the max */
lt_tensor *lt_logsumexp(const lt_tensor *t, int dim, bool keepdim);
lt_tensor *lt_all(const lt_tensor *t, int dim, bool keepdim); /* bool: every x != 0 */
lt_tensor *lt_any(const lt_tensor *t, int dim, bool keepdim); /* bool: some x != 0 */

/* Values and 0-based positions along dim (flat positions for LT_ALL_DIMS).
 * Error on an empty reduction. Returns 0 or -1. */
int lt_max(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values, lt_tensor **indices);
int lt_min(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values, lt_tensor **indices);
lt_tensor *lt_argmax(const lt_tensor *t, int dim, bool keepdim);
lt_tensor *lt_argmin(const lt_tensor *t, int dim, bool keepdim);

/* Cumulative sum / product along dim (same shape as t). */
lt_tensor *lt_cumsum(const lt_tensor *t, int dim);
lt_tensor *lt_cumprod(const lt_tensor *t, int dim);

/* Whole-tensor reductions straight to a double, without rounding a
 * float32 result to float (Torch7's x:sum() returning a number).
 * param: p for LT_RED_NORM; non-zero means biased (divide by n) for
 * LT_RED_VAR / LT_RED_STD. ALL / ANY give 1 or 0. Returns 0 or -1. */
typedef enum lt_reduction {
  LT_RED_SUM,
  LT_RED_PROD,
  LT_RED_MEAN,
  LT_RED_VAR,
  LT_RED_STD,
  LT_RED_NORM,
  LT_RED_LOGSUMEXP,
  LT_RED_MAX,
  LT_RED_MIN,
  LT_RED_ALL,
  LT_RED_ANY,
  LT_RED_MEDIAN
} lt_reduction;
int lt_reduce_all(lt_reduction r, const lt_tensor *t, double param, double *out);

/* Add `by` to every element of an int64 tensor in place (0-based indices
 * to Torch's 1-based ones and back). */
int lt_index_shift_(lt_tensor *idx, int64_t by);

/* ---- sorting (lib/ops/sort.c) ----
 * Values and 0-based int64 positions along dim. */
int lt_sort(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
            lt_tensor **indices);
/* The k largest (largest) or smallest elements along dim, ordered from the
 * most extreme (ties: lower position first); `sorted` is accepted for
 * the API's sake: results are always sorted. */
int lt_topk(const lt_tensor *t, int64_t k, int dim, bool largest, bool sorted,
            lt_tensor **values, lt_tensor **indices);
/* The k-th smallest (k counts from 1) along dim. */
int lt_kthvalue(const lt_tensor *t, int64_t k, int dim, bool keepdim, lt_tensor **values,
                lt_tensor **indices);
/* Lower median along dim (or LT_ALL_DIMS: flat positions); NaN if any. */
int lt_median(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values,
              lt_tensor **indices);

#endif
