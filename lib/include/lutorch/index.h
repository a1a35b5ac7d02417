/* Indexing ops (lib/ops/index.c, index_mask.c) and shape ops (lib/ops/shape.c).
 *
 * Indices are 0-BASED in the C API: index tensors are int64 (int32/16/8 are
 * widened; float, bool and uint8 are rejected) holding 0-based positions,
 * and lt_nonzero returns 0-based coordinates. The Lua binding converts Lua's
 * 1-based LongTensors with lt_index_rebase (idx - 1 in, coordinates + 1
 * out), so both worlds keep their own convention. Error messages always
 * print indices and dimensions 1-based, as the Lua user sees them.
 *
 * Every index is checked before anything is written: a failing in-place op
 * leaves its tensor untouched. Dims are 0-based; negative ones count from
 * the end. Functions returning a tensor return a new reference (NULL on
 * error); `out` may be NULL (allocate) or a tensor to resize and fill
 * (Torch7's result-first form; its dtype is kept, values converted).
 * In-place functions (trailing _) return 0, or -1 with the error set.
 *
 * Autograd: every op but nonzero records when an input requires grad (see
 * lib/ops/index_grad.c and shape.c; docs/autograd.md, "Backward of index and
 * shape ops"). The in-place ones refuse a leaf that requires grad and record
 * on a non-leaf; split/chunk pieces are recorded views. */
#ifndef LUTORCH_INDEX_H
#define LUTORCH_INDEX_H

#include "tensor.h"

/* A new contiguous int64 tensor holding idx + delta (1-based <-> 0-based);
 * rejects non-integer dtypes with an error naming fn. */
lt_tensor *lt_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta);

/* ---- along one dimension, with a 1-D index (Torch7 index/indexCopy/...) ----
 * idx is 0-D or 1-D with k entries; src has x's shape with k in dim. */
lt_tensor *lt_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int lt_index_copy_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int lt_index_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int lt_index_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value);

/* ---- elementwise along one dimension (gather/scatter) ----
 * idx has x's number of dims; gather: out[p] = x[p with p[dim] = idx[p]],
 * idx no larger than x outside dim; scatter: x[p with p[dim] = idx[p]] =
 * src[p], idx no larger than src anywhere and than x outside dim. A
 * position named twice keeps the last write along dim (scatter) or sums
 * (scatterAdd). */
lt_tensor *lt_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int lt_scatter_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int lt_scatter_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value);
int lt_scatter_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);

/* ---- masks (bool or uint8, nonzero = selected) ----
 * maskedFill/maskedCopy: mask broadcasts to x's shape; maskedCopy takes
 * src's elements in order (src needs at least as many as the mask selects).
 * maskedSelect: x and mask broadcast together; the result is 1-D.
 * nonzero: an N x ndim int64 tensor of 0-based coordinates, row-major. */
int lt_masked_fill_(lt_tensor *x, const lt_tensor *mask, double value);
/* The same with the value in a one-element tensor, which gets a gradient
 * (the sum of the masked part of x's) when it requires grad. */
int lt_masked_fill_tensor_(lt_tensor *x, const lt_tensor *mask, lt_tensor *value);
int lt_masked_copy_(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src);
lt_tensor *lt_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask);
lt_tensor *lt_nonzero(lt_tensor *out, const lt_tensor *x);

/* ---- shape ops ----
 * cat: pieces match except in dim; 1-D empty pieces (size 0, Torch7's
 * torch.Tensor()) are skipped; dtypes are promoted. stack: equal shapes,
 * a new dim (0..ndim). */
lt_tensor *lt_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
lt_tensor *lt_stack(lt_tensor *out, int n, lt_tensor *const *xs, int dim);
/* Views of x along dim: pieces of `size` (the last may be shorter), or
 * pieces of ceil(len/n) (so possibly fewer than n; n empty pieces when len
 * is 0). *parts is malloc'd:
 * release each view, then free(*parts). Returns the count, or -1. */
int lt_split(const lt_tensor *x, int64_t size, int dim, lt_tensor ***parts);
int lt_chunk(const lt_tensor *x, int64_t n, int dim, lt_tensor ***parts);
/* Torch7 repeatTensor: x tiled reps[i] times along dim i; n >= x->ndim,
 * x is aligned to the last dims. */
lt_tensor *lt_repeat(const lt_tensor *x, int n, const int64_t *reps);
/* A copy with the order reversed along each of dims[0..n). */
lt_tensor *lt_flip(const lt_tensor *x, int n, const int *dims);
/* A copy rolled by shifts[i] along dims[i]; n == 0 rolls the flattened
 * tensor by shifts[0] (nshifts must then be 1). */
lt_tensor *lt_roll(const lt_tensor *x, int nshifts, const int64_t *shifts, int ndims,
                   const int *dims);

/* Shared by the CPU ops and device backends (cuda/index.c). */
/* idx as int64 (widening int32/16/8; a copy when it shares x's storage);
 * other dtypes are an error naming fn. New reference. */
lt_tensor *lt_index_as_int64(const char *fn, const lt_tensor *idx, const lt_tensor *x);
/* gather/scatter's index shape: x's ndim, no larger than x outside dim d
 * (and than `all`, scatter's source, everywhere). 0 or -1. */
int lt_index_check_elementwise(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                               const lt_tensor *all);

#endif
