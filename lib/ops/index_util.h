/* Private helpers of the index and shape ops (lib/ops/index*.c, shape.c).
 *
 * "Geometry views" are lt_tensor structs on the stack that borrow another
 * tensor's storage with sizes/strides that lt_tensor_from_storage would
 * refuse (a stride of 0 standing for "the index picks the position", or a
 * negative stride for flip). They only feed lt_iter_init, hold no reference
 * and never escape the function that made them. */
#ifndef LUTORCH_OPS_INDEX_UTIL_H
#define LUTORCH_OPS_INDEX_UTIL_H

#include "lutorch/index.h"
#include "lutorch/iter.h"
#include "lutorch/parallel.h"

/* v = t's storage and dtype with the given geometry (offset in elements). */
void ix_geom(lt_tensor *v, const lt_tensor *t, int64_t offset, int ndim, const int64_t *size,
             const int64_t *stride);

/* Run loop over elements [begin, end) of it's iteration order. */
void ix_run_range(const lt_iter *it, lt_loop1d loop, const void *ctx, int64_t begin, int64_t end);
/* lt_iter_run with a grain of our own (for loops that do more than one
 * element's work per element). */
void ix_run_parallel(const lt_iter *it, int64_t grain, lt_loop1d loop, const void *ctx);

/* Chunks for order-preserving two-pass walks (masked select/copy,
 * nonzero): count per chunk, prefix sums, then write per chunk. */
#define IX_MAX_CHUNKS 64
int ix_chunks(int64_t n, int64_t *len);

/* The int64 index tensor an op uses: idx itself (retained) when it is
 * already int64 and does not share x's storage, a widened or private copy
 * otherwise; NULL with "fn: ..." for float, bool and uint8 indices. */
lt_tensor *ix_prepare_index(const char *fn, const lt_tensor *idx, const lt_tensor *x);
/* Every element of idx (int64) in [0, n), else an error naming fn, the
 * first bad value and the valid range, all 1-based; dim is 0-based. */
int ix_check_range(const char *fn, const lt_tensor *idx, int64_t n, int dim);

/* Store v as x's dtype into 8 bytes (for fill kernels). */
void ix_value_bytes(lt_dtype dt, double v, char out[8]);

int ix_check_cpu(const char *fn, const lt_tensor *t);

/* Results: begin_out gives the tensor to compute into, out itself (resized)
 * when it has the dtype and shares no storage with the inputs a, b (b may be
 * NULL), else a fresh one; finish_out copies a fresh one into out when out
 * was given and returns the result (a new reference; r is consumed). */
lt_tensor *ix_begin_out(lt_tensor *out, lt_dtype dt, int ndim, const int64_t *size,
                        const lt_tensor *a, const lt_tensor *b);
lt_tensor *ix_finish_out(lt_tensor *out, lt_tensor *r);

/* ---- the raw ops (index.c, index_mask.c): no autograd recording ----
 * Same contracts as their lt_* forms in lutorch/index.h; index_grad.c wraps
 * them with recording. */
lt_tensor *ix_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int ix_index_copy_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int ix_index_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int ix_index_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value);
lt_tensor *ix_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx);
int ix_scatter_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int ix_scatter_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value);
int ix_scatter_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src);
int ix_masked_fill_(lt_tensor *x, const lt_tensor *mask, double value);
int ix_masked_copy_(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src);
lt_tensor *ix_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask);

#endif
