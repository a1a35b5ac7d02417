/* Reference-counted typed storages. Device storages get their memory from
 * the device's backend (device.h); lib never touches it directly. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/alloc.h"
#include "lutorch/device.h"
#include "lutorch/tensor.h"
#include "freelist.h"

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

/* Every storage struct lives in a block with room for a few elements after
 * it: a small CPU storage (a scalar, a 1-element tensor) keeps its data
 * there, so making one costs no allocation at all. Blocks are recycled
 * through a per-thread free list (as tensor structs are in tensor.c): the
 * GC frees small tensors in bursts, and glibc's malloc/free of them was a
 * sixth of a small op's cost (bench/w3a_smallops.lua). See freelist.h. */
#define INLINE_BYTES 64
typedef struct {
  lt_storage s;
  alignas(64) char data[INLINE_BYTES]; /* 64-byte aligned as lt_alloc's blocks */
} storage_block;

/* up to 4 MiB of spare blocks per thread: a GC cycle's worth of garbage */
#define KEEP_BLOCKS 32768
static _Thread_local lt_freelist spare;

static lt_storage *alloc_block(void) {
  storage_block *b = lt_freelist_pop(&spare);
  if (!b) b = aligned_alloc(64, sizeof *b);
  return b ? &b->s : lt_error("out of memory");
}

static void free_block(lt_storage *s) {
  if (!lt_freelist_push(&spare, s, KEEP_BLOCKS)) free(s);
}

static char *inline_data(lt_storage *s) { return ((storage_block *)s)->data; }

/* data we own and must give back (not the inline area, not foreign memory) */
static void release_data(lt_storage *s) {
  if (s->free_fn)
    s->free_fn(s->free_ctx, s->data);
  else if (s->data != inline_data(s))
    storage_free(s->device, s->data, (size_t)s->nbytes);
}

lt_storage *lt_storage_new(lt_dtype dtype, int64_t numel, lt_device dev) {
  if (numel < 0) return lt_error("storage: negative size %lld", (long long)numel);
  /* named "cuda": the storage is made for t:cuda(), torch.CudaTensor(...) */
  if (dev.type != LT_CPU && lt_device_check("cuda", dev)) return NULL;
  int64_t nbytes;
  if (__builtin_mul_overflow(numel, (int64_t)lt_dtype_size(dtype), &nbytes))
    return lt_error("storage: %lld elements overflow the address space", (long long)numel);
  lt_storage *s = alloc_block();
  if (!s) return NULL;
  s->nbytes = nbytes;
  if (dev.type == LT_CPU && s->nbytes <= INLINE_BYTES) {
    s->data = inline_data(s);
  } else if (!(s->data = storage_alloc(dev, (size_t)s->nbytes))) {
    free_block(s);
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
  lt_storage *s = alloc_block();
  if (!s) return NULL;
  *s = (lt_storage){.refcount = 1, .data = data, .nbytes = nbytes, .dtype = dtype,
                    .device = {LT_CPU, 0}, .free_fn = free_fn, .free_ctx = ctx};
  return s;
}

void lt_storage_retain(lt_storage *s) { __atomic_add_fetch(&s->refcount, 1, __ATOMIC_RELAXED); }

void lt_storage_release(lt_storage *s) {
  if (!s || __atomic_sub_fetch(&s->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
  release_data(s);
  free_block(s);
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
  if (s->data == inline_data(s) && nbytes <= INLINE_BYTES) { /* stays inline */
    s->nbytes = nbytes;
    return 0;
  }
  void *data = s->device.type == LT_CPU && nbytes <= INLINE_BYTES
                   ? inline_data(s) : storage_alloc(s->device, (size_t)nbytes);
  if (!data) return -1;
  size_t keep = (size_t)(nbytes < s->nbytes ? nbytes : s->nbytes);
  if (s->device.type == LT_CPU) {
    memcpy(data, s->data, keep);
  } else if (keep && lt_device_backend(s->device.type)
                         ->copy_d2d(s->device.index, data, s->device.index, s->data, keep)) {
    storage_free(s->device, data, (size_t)nbytes);
    return -1;
  }
  release_data(s);
  s->data = data;
  s->nbytes = nbytes;
  return 0;
}
