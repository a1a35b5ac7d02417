/* Devices other than the CPU.
 *
 * lib/ never includes a CUDA header. A backend (cuda/) fills one
 * lt_device_ops, a struct of function pointers, and registers it when its
 * library is loaded; storages, copies, fills and the elementwise dispatcher
 * reach device memory only through it. Without a registered backend every
 * device request fails with "this build has no CUDA support", and with one
 * but no GPU with "no CUDA device available".
 *
 * Device indices are 0-based in C (cutorch's 1-based ones are converted by
 * the binding). Functions return 0 / a pointer on success, -1 / NULL with an
 * lt error set on failure, as everywhere in lib/. */
#ifndef LUTORCH_DEVICE_H
#define LUTORCH_DEVICE_H

#include "tensor.h"

struct lt_opdef;

typedef struct lt_device_memstats {
  int64_t allocated;      /* bytes in blocks handed out (rounded sizes) */
  int64_t reserved;       /* allocated + cached, i.e. what the device gave us */
  int64_t peak_allocated; /* high-water mark of allocated since the last reset */
  int64_t cached;         /* freed blocks kept for reuse */
  int64_t device_allocs;  /* calls into the device's own allocator */
  int64_t device_frees;
  int64_t cache_hits;     /* allocations served from the cache */
  int64_t oom_retries;    /* out-of-memory answered by emptying the cache */
  int64_t ooms;           /* out-of-memory errors raised */
} lt_device_memstats;

typedef struct lt_device_ops {
  const char *name; /* "cuda" */
  /* devices present; 0 when there are none or the driver fails */
  int (*count)(void);
  int (*current)(void);
  int (*set_current)(int dev);
  int (*synchronize)(int dev); /* dev < 0: every device */

  /* memory: sizes in bytes; free takes the size alloc was given */
  void *(*alloc)(int dev, size_t nbytes);
  void (*free)(int dev, void *p, size_t nbytes);
  int (*copy_h2d)(int dev, void *dst, const void *src, size_t nbytes);
  int (*copy_d2h)(int dev, void *dst, const void *src, size_t nbytes);
  int (*copy_d2d)(int dst_dev, void *dst, int src_dev, const void *src, size_t nbytes);
  int (*memstats)(int dev, lt_device_memstats *out);
  int (*meminfo)(int dev, int64_t *free_bytes, int64_t *total_bytes);
  void (*empty_cache)(void);
  void (*reset_peak)(int dev);
  int64_t (*bytes_in_use)(void); /* allocated, all devices together */

  /* tensor kernels: both operands on the same device */
  int (*fill)(lt_tensor *t, double v);
  int (*copy)(lt_tensor *dst, const lt_tensor *src); /* same shape, any dtypes */
  lt_tensor *(*elementwise)(const struct lt_opdef *op, lt_tensor *out, int n,
                            lt_tensor *const *in, const double *params);
  int (*reduce_all)(const char *name, const lt_tensor *t, double *out); /* sum max min */
  lt_tensor *(*mm)(lt_tensor *out, const lt_tensor *a, const lt_tensor *b);
  int (*uniform)(lt_tensor *t, double lo, double hi);

  /* settings by name: "tf32" (0/1), "seed" */
  int (*set_option)(const char *name, double v);
  int (*get_option)(const char *name, double *v);

  /* events for timing: new (NULL + error), record on the current stream,
   * wait, milliseconds between two recorded events, free */
  void *(*event_new)(void);
  int (*event_record)(void *e);
  int (*event_synchronize)(void *e);
  int (*event_elapsed)(void *start, void *end, double *ms);
  void (*event_free)(void *e);
} lt_device_ops;

/* Called by a backend when it is loaded (a constructor). */
void lt_device_register(lt_device_type type, const lt_device_ops *ops);
/* The backend of a device type, or NULL (no support compiled in). */
const lt_device_ops *lt_device_backend(lt_device_type type);
/* Number of devices of a type: 0 without a backend or a device. */
int lt_device_count(lt_device_type type);
/* 0 if dev can hold memory; else -1 and an error naming fn, e.g.
 * "cuda: no CUDA device available". */
int lt_device_check(const char *fn, lt_device dev);
/* "cpu" or "GPU 1" (1-based, as Lua users number GPUs) into buf; returns buf. */
char *lt_device_str(lt_device dev, char *buf, size_t n);
bool lt_device_equal(lt_device a, lt_device b);

/* Bytes that live tensors hold on all devices (for the GC's accounting). */
int64_t lt_device_bytes_in_use(void);

/* t converted to dtype and moved to dev: t itself (retained) when it is
 * already there, else a new contiguous tensor. */
lt_tensor *lt_tensor_to(const lt_tensor *t, lt_dtype dtype, lt_device dev);

/* The elementwise dispatcher's hook: runs op on device tensors (any of
 * out/in on a device; CPU 0-dim tensors act as scalars). Same contract as
 * lt_unary/lt_binary/lt_ternary. */
lt_tensor *lt_device_elementwise(const struct lt_opdef *op, lt_tensor *out, int n,
                                 lt_tensor *const *in, const double *params);
/* True when out or any input lives on a device (the hook must run). */
bool lt_device_any(const lt_tensor *out, int n, lt_tensor *const *in);

/* Matrix product and whole-tensor reductions on a device tensor. */
lt_tensor *lt_device_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b);
int lt_device_reduce_all(const char *name, const lt_tensor *t, double *out);

#endif
