/* The registry of device backends (see device.h) and the generic helpers
 * built on it. lib/ reaches device memory only through these pointers.
 *
 * A build with CUDA compiles the backend (cuda/) into this library and
 * defines LUTORCH_HAVE_CUDA for this file, which then registers it on first
 * use: no CUDA call happens until a device is asked for, so `require
 * 'torch'` costs no driver start-up. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/op.h"

static const lt_device_ops *backends[2];

void lt_device_register(lt_device_type type, const lt_device_ops *ops) {
  if (type == LT_CUDA) backends[type] = ops;
}

#ifdef LUTORCH_HAVE_CUDA
void lt_cuda_register(void);
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
#endif

const lt_device_ops *lt_device_backend(lt_device_type type) {
#ifdef LUTORCH_HAVE_CUDA
  pthread_once(&builtin_once, lt_cuda_register);
#endif
  return type == LT_CUDA ? backends[type] : NULL;
}

int lt_device_count(lt_device_type type) {
  if (type == LT_CPU) return 1;
  const lt_device_ops *ops = lt_device_backend(type);
  return ops ? ops->count() : 0;
}

int lt_device_check(const char *fn, lt_device dev) {
  if (dev.type == LT_CPU) return 0;
  if (dev.type != LT_CUDA) return lt_errorf("%s: unknown device type %d", fn, (int)dev.type);
  if (!lt_device_backend(LT_CUDA))
    return lt_errorf("%s: no CUDA device available (this build has no CUDA support)", fn);
  int n = lt_device_count(LT_CUDA);
  if (n == 0) return lt_errorf("%s: no CUDA device available", fn);
  if (dev.index < 0 || dev.index >= n)
    return lt_errorf("%s: CUDA device %d does not exist (%d device%s, numbered from 1)", fn,
                     dev.index + 1, n, n == 1 ? "" : "s");
  return 0;
}

char *lt_device_str(lt_device dev, char *buf, size_t n) {
  if (dev.type == LT_CPU)
    snprintf(buf, n, "cpu");
  else /* 1-based, as the Lua user numbers GPUs */
    snprintf(buf, n, "GPU %d", dev.index + 1);
  return buf;
}

bool lt_device_equal(lt_device a, lt_device b) {
  return a.type == b.type && (a.type == LT_CPU || a.index == b.index);
}

int64_t lt_device_bytes_in_use(void) {
  const lt_device_ops *ops = lt_device_backend(LT_CUDA);
  return ops ? ops->bytes_in_use() : 0;
}

lt_tensor *lt_tensor_to(const lt_tensor *t, lt_dtype dtype, lt_device dev) {
  if (t->dtype == dtype && lt_device_equal(lt_tensor_device(t), dev)) {
    lt_tensor_retain((lt_tensor *)t);
    return (lt_tensor *)t;
  }
  lt_tensor *r = lt_tensor_empty_on(dtype, t->ndim, t->size, dev);
  if (r && lt_copy_(r, t)) {
    lt_tensor_release(r);
    return NULL;
  }
  return r;
}

bool lt_device_any(const lt_tensor *out, int n, lt_tensor *const *in) {
  if (out && lt_tensor_device(out).type != LT_CPU) return true;
  for (int i = 0; i < n; i++)
    if (lt_tensor_device(in[i]).type != LT_CPU) return true;
  return false;
}

/* the backend of the first device operand; NULL + error if none is built */
static const lt_device_ops *backend_for(const char *fn, const lt_tensor *out, int n,
                                        lt_tensor *const *in) {
  lt_device dev = {LT_CPU, 0};
  if (out && lt_tensor_device(out).type != LT_CPU) dev = lt_tensor_device(out);
  for (int i = 0; i < n && dev.type == LT_CPU; i++) dev = lt_tensor_device(in[i]);
  if (dev.type == LT_CPU) return lt_error("%s: expected a device tensor, got CPU tensors", fn);
  if (lt_device_check(fn, dev)) return NULL;
  return lt_device_backend(dev.type);
}

lt_tensor *lt_device_elementwise(const lt_opdef *op, lt_tensor *out, int n,
                                 lt_tensor *const *in, const double *params) {
  const lt_device_ops *ops = backend_for(op->name, out, n, in);
  if (!ops) return NULL;
  return ops->elementwise(op, out, n, in, params);
}

lt_tensor *lt_device_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b) {
  lt_tensor *in[2] = {(lt_tensor *)a, (lt_tensor *)b};
  const lt_device_ops *ops = backend_for("mm", out, 2, in);
  if (!ops) return NULL;
  return ops->mm(out, a, b);
}

int lt_device_reduce_all(const char *name, const lt_tensor *t, double *out) {
  lt_tensor *in[1] = {(lt_tensor *)t};
  const lt_device_ops *ops = backend_for(name, NULL, 1, in);
  if (!ops) return -1;
  return ops->reduce_all(name, t, out);
}
