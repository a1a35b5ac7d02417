/* Tensor objects: creation, reference counting and geometry queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/autograd.h"
#include "lutorch/tensor.h"
#include "freelist.h"

static const lt_device cpu = {LT_CPU, 0};

static int check_sizes(const char *fn, int ndim, const int64_t *size, int64_t *numel) {
  if (ndim < 0 || ndim > LT_MAX_DIMS)
    return lt_errorf("%s: %d dimensions requested, at most %d supported", fn, ndim, LT_MAX_DIMS);
  /* the product of the non-zero sizes must fit too: contiguous strides
   * are made from it even when a zero size makes the tensor empty */
  int64_t n = 1, nonzero = 1;
  for (int i = 0; i < ndim; i++) {
    if (size[i] < 0)
      return lt_errorf("%s: size of dimension %d is %lld, expected >= 0", fn, i + 1,
                       (long long)size[i]);
    /* no division: this runs for every op result */
    if (size[i] && __builtin_mul_overflow(nonzero, size[i], &nonzero))
      return lt_errorf("%s: sizes overflow the number of elements", fn);
    n *= size[i];
  }
  *numel = n;
  return 0;
}

/* Tensor structs are recycled through a per-thread free list (freelist.h):
 * up to 8 MiB of them, a GC cycle's worth of small-op garbage. */
#define KEEP_TENSORS 32768
static _Thread_local lt_freelist spare;

static void free_tensor(lt_tensor *t) {
  if (!lt_freelist_push(&spare, t, KEEP_TENSORS)) free(t);
}

static lt_tensor *alloc_tensor(void) {
  lt_tensor *t = lt_freelist_pop(&spare);
  if (!t && !(t = malloc(sizeof *t))) return lt_error("out of memory");
  t->refcount = 1;
  t->ag = NULL;
  return t;
}

static void set_contiguous_strides(lt_tensor *t) {
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    t->stride[i] = s;
    s *= t->size[i] ? t->size[i] : 1;
  }
}

lt_tensor *lt_tensor_empty_on(lt_dtype dtype, int ndim, const int64_t *size, lt_device dev) {
  int64_t numel = 0;
  if (check_sizes("tensor", ndim, size, &numel)) return NULL;
  lt_storage *s = lt_storage_new(dtype, numel, dev);
  if (!s) return NULL;
  lt_tensor *t = alloc_tensor();
  if (!t) {
    lt_storage_release(s);
    return NULL;
  }
  t->storage = s;
  t->offset = 0;
  t->dtype = dtype;
  t->ndim = ndim;
  /* sizes and contiguous strides in one pass (every op result comes here) */
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    t->size[i] = size[i];
    t->stride[i] = stride;
    stride *= size[i] ? size[i] : 1;
  }
  return t;
}

lt_tensor *lt_tensor_empty(lt_dtype dtype, int ndim, const int64_t *size) {
  return lt_tensor_empty_on(dtype, ndim, size, cpu);
}

lt_tensor *lt_tensor_zeros(lt_dtype dtype, int ndim, const int64_t *size) {
  lt_tensor *t = lt_tensor_empty(dtype, ndim, size);
  if (t) memset(t->storage->data, 0, (size_t)t->storage->nbytes);
  return t;
}

lt_tensor *lt_tensor_empty_like(const lt_tensor *t) {
  return lt_tensor_empty_on(t->dtype, t->ndim, t->size, t->storage->device);
}

lt_tensor *lt_tensor_scalar(lt_dtype dtype, double v) {
  lt_tensor *t = lt_tensor_empty(dtype, 0, NULL);
  if (t) lt_dtype_store(dtype, t->storage->data, v);
  return t;
}

/* The furthest element a view reaches must lie inside its storage. */
static int check_fits(const char *fn, const lt_storage *s, int64_t offset, int ndim,
                      const int64_t *size, const int64_t *stride) {
  if (offset < 0) return lt_errorf("%s: negative storage offset %lld", fn, (long long)offset);
  int64_t last = offset;
  for (int i = 0; i < ndim; i++) {
    if (size[i] == 0) return 0;
    if (stride[i] < 0) return lt_errorf("%s: negative stride %lld", fn, (long long)stride[i]);
    if (stride[i] && size[i] - 1 > (INT64_MAX - last) / stride[i])
      return lt_errorf("%s: strides overflow", fn);
    last += (size[i] - 1) * stride[i];
  }
  if (last >= lt_storage_numel(s) && !(ndim > 0 && last == offset && lt_storage_numel(s) == 0))
    return lt_errorf("%s: view needs %lld elements but the storage has %lld", fn,
                     (long long)last + 1, (long long)lt_storage_numel(s));
  return 0;
}

lt_tensor *lt_tensor_from_storage(lt_storage *s, int64_t offset, int ndim, const int64_t *size,
                                  const int64_t *stride) {
  int64_t numel = 0;
  if (check_sizes("tensor", ndim, size, &numel)) return NULL;
  lt_tensor *t = alloc_tensor();
  if (!t) return NULL;
  t->storage = s;
  t->offset = offset;
  t->dtype = s->dtype;
  t->ndim = ndim;
  if (ndim) memcpy(t->size, size, sizeof(int64_t) * (size_t)ndim);
  if (stride)
    memcpy(t->stride, stride, sizeof(int64_t) * (size_t)ndim);
  else
    set_contiguous_strides(t);
  if (numel > 0 && check_fits("tensor", s, offset, ndim, t->size, t->stride)) {
    free_tensor(t);
    return NULL;
  }
  lt_storage_retain(s);
  return t;
}

void lt_tensor_retain(lt_tensor *t) { __atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED); }

void lt_tensor_release(lt_tensor *t) {
  if (!t || __atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
  if (t->ag) lt_autograd_meta_free(t->ag);
  lt_storage_release(t->storage);
  free_tensor(t);
}

int64_t lt_tensor_numel(const lt_tensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->size[i];
  return n;
}

bool lt_tensor_is_contiguous(const lt_tensor *t) {
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->size[i] == 0) return true;
    if (t->size[i] != 1 && t->stride[i] != s) return false;
    s *= t->size[i];
  }
  return true;
}

bool lt_tensor_same_shape(const lt_tensor *a, const lt_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->size[i] != b->size[i]) return false;
  return true;
}

void *lt_tensor_data(const lt_tensor *t) {
  return (char *)t->storage->data + t->offset * (int64_t)lt_dtype_size(t->dtype);
}

lt_device lt_tensor_device(const lt_tensor *t) { return t->storage->device; }

char *lt_shape_str(int ndim, const int64_t *size, char *buf, size_t n) {
  if (ndim == 0) {
    snprintf(buf, n, "[]");
    return buf;
  }
  size_t used = 0;
  buf[0] = 0;
  for (int i = 0; i < ndim && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, i ? "x%lld" : "%lld", (long long)size[i]);
  return buf;
}

void lt_tensor_bump_version(lt_tensor *t) {
  __atomic_add_fetch(&t->storage->version, 1, __ATOMIC_RELAXED);
}

int lt_tensor_resize(lt_tensor *t, int ndim, const int64_t *size) {
  int64_t numel = 0;
  if (check_sizes("resize", ndim, size, &numel)) return -1;
  bool same = ndim == t->ndim;
  for (int i = 0; same && i < ndim; i++) same = size[i] == t->size[i];
  if (same) return 0; /* keep the geometry (a transposed result stays a view) */
  int64_t need = t->offset + numel;
  if (need > lt_storage_numel(t->storage)) {
    if (t->storage->refcount > 1 || t->storage->free_fn) {
      /* shared or foreign: give t a fresh storage rather than grow others' */
      lt_storage *s = lt_storage_new(t->dtype, numel, t->storage->device);
      if (!s) return -1;
      lt_storage_release(t->storage);
      t->storage = s;
      t->offset = 0;
    } else if (lt_storage_resize(t->storage, need)) {
      return -1;
    }
  }
  t->ndim = ndim;
  if (ndim) memcpy(t->size, size, sizeof(int64_t) * (size_t)ndim);
  set_contiguous_strides(t);
  return 0;
}

void lt_tensor_set(lt_tensor *t, const lt_tensor *src) {
  lt_storage_retain(src->storage);
  lt_storage_release(t->storage);
  t->storage = src->storage;
  t->offset = src->offset;
  t->dtype = src->dtype;
  t->ndim = src->ndim;
  memcpy(t->size, src->size, sizeof t->size);
  memcpy(t->stride, src->stride, sizeof t->stride);
}

int lt_wrap_dim(const char *fn, int dim, int ndim, int extra) {
  int n = ndim + extra;
  int d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= (n ? n : 1))
    return lt_errorf("%s: dimension %d out of range for a %d-dimensional tensor", fn,
                     dim < 0 ? dim : dim + 1, ndim);
  return d;
}
