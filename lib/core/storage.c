/* Reference-counted typed storages. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/alloc.h"
#include "lutorch/tensor.h"

lt_storage *lt_storage_new(lt_dtype dtype, int64_t numel, lt_device dev) {
  if (numel < 0) return lt_error("storage: negative size %lld", (long long)numel);
  if (dev.type != LT_CPU) return lt_error("storage: this build has no CUDA support");
  size_t esz = lt_dtype_size(dtype);
  if ((uint64_t)numel > (uint64_t)INT64_MAX / esz)
    return lt_error("storage: %lld elements overflow the address space", (long long)numel);
  lt_storage *s = malloc(sizeof *s);
  if (!s) return lt_error("out of memory");
  s->nbytes = numel * (int64_t)esz;
  s->data = lt_alloc((size_t)s->nbytes);
  if (!s->data) {
    free(s);
    return NULL;
  }
  s->refcount = 1;
  s->dtype = dtype;
  s->device = dev;
  s->version = 0;
  s->free_fn = NULL;
  s->free_ctx = NULL;
  return s;
}

lt_storage *lt_storage_wrap(lt_dtype dtype, void *data, int64_t nbytes,
                            void (*free_fn)(void *, void *), void *ctx) {
  lt_storage *s = malloc(sizeof *s);
  if (!s) return lt_error("out of memory");
  *s = (lt_storage){.refcount = 1, .data = data, .nbytes = nbytes, .dtype = dtype,
                    .device = {LT_CPU, 0}, .free_fn = free_fn, .free_ctx = ctx};
  return s;
}

void lt_storage_retain(lt_storage *s) { __atomic_add_fetch(&s->refcount, 1, __ATOMIC_RELAXED); }

void lt_storage_release(lt_storage *s) {
  if (!s || __atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
  if (s->free_fn)
    s->free_fn(s->free_ctx, s->data);
  else
    lt_free(s->data, (size_t)s->nbytes);
  free(s);
}

int64_t lt_storage_numel(const lt_storage *s) {
  return s->nbytes / (int64_t)lt_dtype_size(s->dtype);
}

int lt_storage_resize(lt_storage *s, int64_t numel) {
  if (numel < 0) return lt_errorf("resize: negative size %lld", (long long)numel);
  if (s->free_fn) return lt_errorf("resize: cannot resize a storage lutorch does not own");
  size_t esz = lt_dtype_size(s->dtype);
  if ((uint64_t)numel > (uint64_t)INT64_MAX / esz)
    return lt_errorf("resize: %lld elements overflow the address space", (long long)numel);
  int64_t nbytes = numel * (int64_t)esz;
  if (nbytes == s->nbytes) return 0;
  void *data = lt_alloc((size_t)nbytes);
  if (!data) return -1;
  memcpy(data, s->data, (size_t)(nbytes < s->nbytes ? nbytes : s->nbytes));
  lt_free(s->data, (size_t)s->nbytes);
  s->data = data;
  s->nbytes = nbytes;
  return 0;
}
