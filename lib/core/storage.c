/* Reference-counted typed storages. Device storages get their memory from
 * the device's backend (device.h); lib never touches it directly. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/alloc.h"
#include "lutorch/device.h"
#include "lutorch/tensor.h"

static void *storage_alloc(lt_device dev, size_t nbytes) {
  if (dev.type == LT_CPU) return lt_alloc(nbytes);
  return lt_device_backend(dev.type)->alloc(dev.index, nbytes);
}

static void storage_free(lt_device dev, void *p, size_t nbytes) {
  if (dev.type == LT_CPU)
    lt_free(p, nbytes);
  else
    lt_device_backend(dev.type)->free(dev.index, p, nbytes);
}

lt_storage *lt_storage_new(lt_dtype dtype, int64_t numel, lt_device dev) {
  if (numel < 0) return lt_error("storage: negative size %lld", (long long)numel);
  /* named "cuda": the storage is made for t:cuda(), torch.CudaTensor(...) */
  if (lt_device_check("cuda", dev)) return NULL;
  size_t esz = lt_dtype_size(dtype);
  if ((uint64_t)numel > (uint64_t)INT64_MAX / esz)
    return lt_error("storage: %lld elements overflow the address space", (long long)numel);
  lt_storage *s = malloc(sizeof *s);
  if (!s) return lt_error("out of memory");
  s->nbytes = numel * (int64_t)esz;
  s->data = storage_alloc(dev, (size_t)s->nbytes);
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
    storage_free(s->device, s->data, (size_t)s->nbytes);
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
  void *data = storage_alloc(s->device, (size_t)nbytes);
  if (!data) return -1;
  size_t keep = (size_t)(nbytes < s->nbytes ? nbytes : s->nbytes);
  if (s->device.type == LT_CPU) {
    memcpy(data, s->data, keep);
  } else if (keep && lt_device_backend(s->device.type)
                         ->copy_d2d(s->device.index, data, s->device.index, s->data, keep)) {
    storage_free(s->device, data, (size_t)nbytes);
    return -1;
  }
  storage_free(s->device, s->data, (size_t)s->nbytes);
  s->data = data;
  s->nbytes = nbytes;
  return 0;
}
