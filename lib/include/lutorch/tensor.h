/* Storages and tensors.
 *
 * A storage is a reference-counted, typed block of memory. A tensor is a
 * view of a storage: an element offset plus sizes and strides (in elements).
 * Tensors are reference-counted too, so that autograd nodes can hold them.
 * Every function that returns a tensor returns a new reference (release it
 * with lt_tensor_release); NULL means failure with lt_last_error() set.
 * Dimensions are 0-based in C; the Lua binding converts from 1-based. */
#ifndef LUTORCH_TENSOR_H
#define LUTORCH_TENSOR_H

#include "dtype.h"
#include "error.h"

#define LT_MAX_DIMS 16

typedef struct lt_storage {
  long refcount;     /* atomic */
  void *data;
  int64_t nbytes;
  lt_dtype dtype;
  lt_device device;
  uint32_t version;  /* bumped by in-place writes; autograd checks it */
  /* Memory not allocated by lutorch (a mapped file, a Lua string) is
   * released through free_fn; NULL means lutorch's allocator owns it. */
  void (*free_fn)(void *ctx, void *data);
  void *free_ctx;
} lt_storage;

struct lt_autograd_meta;

typedef struct lt_tensor {
  long refcount; /* atomic */
  lt_storage *storage;
  int64_t offset; /* in elements */
  lt_dtype dtype;
  int ndim;
  int64_t size[LT_MAX_DIMS];
  int64_t stride[LT_MAX_DIMS];
  struct lt_autograd_meta *ag; /* NULL unless autograd is involved */
} lt_tensor;

/* ---- storages ---- */
lt_storage *lt_storage_new(lt_dtype dtype, int64_t numel, lt_device dev);
lt_storage *lt_storage_wrap(lt_dtype dtype, void *data, int64_t nbytes,
                            void (*free_fn)(void *, void *), void *ctx);
void lt_storage_retain(lt_storage *s);
void lt_storage_release(lt_storage *s);
int64_t lt_storage_numel(const lt_storage *s);
/* Grow or shrink in place (Torch7's resize of a storage). */
int lt_storage_resize(lt_storage *s, int64_t numel);

/* ---- tensor creation ---- */
lt_tensor *lt_tensor_empty(lt_dtype dtype, int ndim, const int64_t *size);
lt_tensor *lt_tensor_empty_on(lt_dtype dtype, int ndim, const int64_t *size, lt_device dev);
lt_tensor *lt_tensor_zeros(lt_dtype dtype, int ndim, const int64_t *size);
lt_tensor *lt_tensor_empty_like(const lt_tensor *t);
lt_tensor *lt_tensor_scalar(lt_dtype dtype, double v); /* 0-dim */
/* A view of storage s (retained) with the given geometry; checked against
 * the storage's size. stride may be NULL (contiguous). */
lt_tensor *lt_tensor_from_storage(lt_storage *s, int64_t offset, int ndim,
                                  const int64_t *size, const int64_t *stride);
void lt_tensor_retain(lt_tensor *t);
void lt_tensor_release(lt_tensor *t);

/* ---- geometry ---- */
int64_t lt_tensor_numel(const lt_tensor *t);
bool lt_tensor_is_contiguous(const lt_tensor *t);
bool lt_tensor_same_shape(const lt_tensor *a, const lt_tensor *b);
void *lt_tensor_data(const lt_tensor *t); /* pointer to element 0 */
lt_device lt_tensor_device(const lt_tensor *t);
/* "2x3" (or "[]" for 0-dim); into buf of n bytes; returns buf. */
char *lt_shape_str(int ndim, const int64_t *size, char *buf, size_t n);
/* Bump the storage version: call after writing into t in place. */
void lt_tensor_bump_version(lt_tensor *t);

/* Reshape t itself (Torch7's resize): keeps the storage when it is big
 * enough, else grows it. Contents are unspecified after a grow. */
int lt_tensor_resize(lt_tensor *t, int ndim, const int64_t *size);
/* Make t a view sharing src's storage and geometry (Torch7's :set). */
void lt_tensor_set(lt_tensor *t, const lt_tensor *src);

/* ---- views (share storage; dims are 0-based, negative counts from end) ---- */
lt_tensor *lt_view(const lt_tensor *t, int ndim, const int64_t *size); /* one size may be -1 */
lt_tensor *lt_reshape(const lt_tensor *t, int ndim, const int64_t *size); /* view or copy */
lt_tensor *lt_narrow(const lt_tensor *t, int dim, int64_t start, int64_t length);
lt_tensor *lt_select(const lt_tensor *t, int dim, int64_t index);
lt_tensor *lt_transpose(const lt_tensor *t, int d0, int d1);
lt_tensor *lt_permute(const lt_tensor *t, const int *perm);
lt_tensor *lt_expand(const lt_tensor *t, int ndim, const int64_t *size);
lt_tensor *lt_squeeze(const lt_tensor *t, int dim); /* dim < 0 - all size-1 dims when dim == LT_ALL_DIMS */
lt_tensor *lt_unsqueeze(const lt_tensor *t, int dim);
lt_tensor *lt_unfold(const lt_tensor *t, int dim, int64_t size, int64_t step);
lt_tensor *lt_alias(const lt_tensor *t); /* same view, new tensor object */

#define LT_ALL_DIMS (-1000)

/* ---- copies and conversion ---- */
lt_tensor *lt_contiguous(const lt_tensor *t); /* t itself (retained) if already */
lt_tensor *lt_clone(const lt_tensor *t);
lt_tensor *lt_to_dtype(const lt_tensor *t, lt_dtype dtype); /* t (retained) if same */
/* dst = src, converting dtype and broadcasting src to dst's shape. */
int lt_copy_(lt_tensor *dst, const lt_tensor *src);
int lt_fill_(lt_tensor *t, double v);

/* Normalise a possibly negative dim for a tensor of ndim dims; -1 and an
 * error naming fn on failure. `extra` allows ndim+extra (for unsqueeze). */
int lt_wrap_dim(const char *fn, int dim, int ndim, int extra);

#endif
