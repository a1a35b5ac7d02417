/* Copies between tensors of any dtype and layout, fill, contiguous, clone.
 * Copies that involve a device go through its backend (device.h). */
#include <string.h>

#include "lutorch/autograd.h"
#include "lutorch/device.h"
#include "lutorch/iter.h"
#include "lutorch/tensor.h"

/* A second copy of the dtype list: the preprocessor cannot nest one macro
 * inside itself, and conversions need every (dst, src) pair. */
#define SRC_DTYPES(X, TD) \
  X(TD, float)            \
  X(TD, double)           \
  X(TD, int64_t)          \
  X(TD, int32_t)          \
  X(TD, int16_t)          \
  X(TD, int8_t)           \
  X(TD, uint8_t)          \
  X(TD, bool)

#define CONVERT(TD, TS)                                                              \
  static void convert_##TD##_##TS(char **p, const int64_t *s, int64_t n, const void *c) { \
    (void)c;                                                                         \
    if (s[0] == sizeof(TD) && s[1] == sizeof(TS)) {                                  \
      TD *d = (TD *)p[0];                                                            \
      const TS *x = (const TS *)p[1];                                                \
      for (int64_t i = 0; i < n; i++) d[i] = (TD)x[i];                               \
    } else {                                                                         \
      for (int64_t i = 0; i < n; i++)                                                \
        *(TD *)(p[0] + i * s[0]) = (TD) * (const TS *)(p[1] + i * s[1]);             \
    }                                                                                \
  }
#define CONVERT_TO(E, TD, S) SRC_DTYPES(CONVERT, TD)
LT_FOREACH_COMPUTE_DTYPE(CONVERT_TO)

#define ENTRY(TD, TS) convert_##TD##_##TS,
#define ROW(E, TD, S) {SRC_DTYPES(ENTRY, TD)},
static const lt_loop1d convert[8][8] = {LT_FOREACH_COMPUTE_DTYPE(ROW)};

/* float16/bfloat16 on either side: through double, element by element. */
typedef struct {
  lt_dtype dst, src;
} slow_ctx;

static void convert_slow(char **p, const int64_t *s, int64_t n, const void *c) {
  const slow_ctx *k = c;
  for (int64_t i = 0; i < n; i++)
    lt_dtype_store(k->dst, p[0] + i * s[0], lt_dtype_load(k->src, p[1] + i * s[1]));
}

static lt_tensor *expand_source(const lt_tensor *dst, const lt_tensor *src) {
  lt_tensor *s = lt_expand(src, dst->ndim, dst->size);
  if (!s) {
    char a[128], b[128];
    return lt_error("copy: source of size %s cannot be copied into a tensor of size %s",
                    lt_shape_str(src->ndim, src->size, a, 128),
                    lt_shape_str(dst->ndim, dst->size, b, 128));
  }
  return s;
}

static size_t nbytes_of(const lt_tensor *t) {
  return (size_t)lt_tensor_numel(t) * lt_dtype_size(t->dtype);
}

/* both on one device; s already expanded to dst's shape */
static int copy_on_device(lt_tensor *dst, lt_tensor *s, const lt_tensor *src) {
  const lt_device_ops *ops = lt_device_backend(lt_tensor_device(dst).type);
  if (src->storage == dst->storage && src != dst) { /* overlap: read a private copy */
    lt_tensor *c = lt_clone(s);
    if (!c) return -1;
    int rc = ops->copy(dst, c);
    lt_tensor_release(c);
    return rc;
  }
  return ops->copy(dst, s);
}

/* host -> device: the source crosses in its own shape (converted to dst's
 * dtype on the host), the device broadcasts it and writes dst's strides */
static int copy_to_device(lt_tensor *dst, lt_tensor *s, const lt_tensor *src) {
  lt_device dev = lt_tensor_device(dst);
  const lt_device_ops *ops = lt_device_backend(dev.type);
  if (s->dtype == dst->dtype && lt_tensor_is_contiguous(s) && lt_tensor_is_contiguous(dst))
    return ops->copy_h2d(dev.index, lt_tensor_data(dst), lt_tensor_data(s), nbytes_of(dst));
  lt_tensor *h = lt_tensor_empty(dst->dtype, src->ndim, src->size);
  if (!h) return -1;
  lt_tensor *d = NULL, *e = NULL;
  int rc = -1;
  if (lt_copy_(h, src)) goto done;
  if (!(d = lt_tensor_empty_on(dst->dtype, src->ndim, src->size, dev))) goto done;
  if (ops->copy_h2d(dev.index, lt_tensor_data(d), lt_tensor_data(h), nbytes_of(d))) goto done;
  if (!(e = expand_source(dst, d))) goto done;
  rc = ops->copy(dst, e);
done:
  lt_tensor_release(e);
  lt_tensor_release(d);
  lt_tensor_release(h);
  return rc;
}

/* device -> host: a contiguous device copy crosses, the CPU converts */
static int copy_to_host(lt_tensor *dst, lt_tensor *s, const lt_tensor *src) {
  lt_device dev = lt_tensor_device(src);
  const lt_device_ops *ops = lt_device_backend(dev.type);
  if (s->dtype == dst->dtype && lt_tensor_is_contiguous(s) && lt_tensor_is_contiguous(dst))
    return ops->copy_d2h(dev.index, lt_tensor_data(dst), lt_tensor_data(s), nbytes_of(dst));
  lt_tensor *c = lt_contiguous(src), *h = NULL;
  int rc = -1;
  if (!c) return -1;
  if (!(h = lt_tensor_empty(src->dtype, src->ndim, src->size))) goto done;
  if (ops->copy_d2h(dev.index, lt_tensor_data(h), lt_tensor_data(c), nbytes_of(h))) goto done;
  rc = lt_copy_(dst, h);
done:
  lt_tensor_release(h);
  lt_tensor_release(c);
  return rc;
}

/* device A -> device B: contiguous bytes cross, device B does the rest */
static int copy_across_devices(lt_tensor *dst, const lt_tensor *src) {
  lt_device dd = lt_tensor_device(dst), sd = lt_tensor_device(src);
  const lt_device_ops *ops = lt_device_backend(dd.type);
  lt_tensor *c = lt_contiguous(src), *d = NULL, *e = NULL;
  int rc = -1;
  if (!c) return -1;
  if (!(d = lt_tensor_empty_on(src->dtype, src->ndim, src->size, dd))) goto done;
  if (ops->copy_d2d(dd.index, lt_tensor_data(d), sd.index, lt_tensor_data(c), nbytes_of(d)))
    goto done;
  if (!(e = expand_source(dst, d))) goto done;
  rc = ops->copy(dst, e);
done:
  lt_tensor_release(e);
  lt_tensor_release(d);
  lt_tensor_release(c);
  return rc;
}

static int copy_device(lt_tensor *dst, const lt_tensor *src) {
  lt_device dd = lt_tensor_device(dst), sd = lt_tensor_device(src);
  if (lt_device_check("copy", dd) || lt_device_check("copy", sd)) return -1;
  lt_tensor *s = expand_source(dst, src);
  if (!s) return -1;
  int rc = 0;
  if (lt_tensor_numel(dst) == 0)
    rc = 0;
  else if (lt_device_equal(dd, sd))
    rc = copy_on_device(dst, s, src);
  else if (sd.type == LT_CPU)
    rc = copy_to_device(dst, s, src);
  else if (dd.type == LT_CPU)
    rc = copy_to_host(dst, s, src);
  else
    rc = copy_across_devices(dst, src);
  lt_tensor_release(s);
  if (rc == 0) lt_tensor_bump_version(dst);
  return rc;
}

int lt_copy_(lt_tensor *dst, const lt_tensor *src) {
  if ((dst->ag || src->ag) && !lt_autograd_copying) return lt_autograd_copy_(dst, src, lt_copy_);
  if (lt_tensor_device(dst).type != LT_CPU || lt_tensor_device(src).type != LT_CPU)
    return copy_device(dst, src);
  lt_tensor *s = expand_source(dst, src);
  if (!s) return -1;
  /* a source sharing memory with dst is read from a private copy first */
  if (src->storage == dst->storage && src != dst) {
    lt_tensor *c = lt_clone(s);
    lt_tensor_release(s);
    if (!c) return -1;
    s = c;
  }
  lt_tensor *ops[2] = {dst, s};
  lt_iter it;
  lt_iter_init(&it, 2, ops);
  if (dst->dtype < 8 && s->dtype < 8) {
    lt_iter_run(&it, convert[dst->dtype][s->dtype], NULL);
  } else {
    slow_ctx k = {dst->dtype, s->dtype};
    lt_iter_run(&it, convert_slow, &k);
  }
  lt_tensor_release(s);
  lt_tensor_bump_version(dst);
  return 0;
}

#define FILL(E, T, S)                                                           \
  static void fill_##S(char **p, const int64_t *s, int64_t n, const void *c) {  \
    T v = *(const T *)c;                                                        \
    if (s[0] == sizeof(T)) {                                                    \
      T *d = (T *)p[0];                                                         \
      for (int64_t i = 0; i < n; i++) d[i] = v;                                 \
    } else {                                                                    \
      for (int64_t i = 0; i < n; i++) *(T *)(p[0] + i * s[0]) = v;              \
    }                                                                           \
  }
LT_FOREACH_COMPUTE_DTYPE(FILL)

static void fill_u16(char **p, const int64_t *s, int64_t n, const void *c) {
  uint16_t v = *(const uint16_t *)c;
  for (int64_t i = 0; i < n; i++) *(uint16_t *)(p[0] + i * s[0]) = v;
}

#define FILL_ENTRY(E, T, S) [E] = fill_##S,
static const lt_loop1d fill[LT_NDTYPES] = {
    LT_FOREACH_COMPUTE_DTYPE(FILL_ENTRY)[LT_FLOAT16] = fill_u16, [LT_BFLOAT16] = fill_u16};

int lt_fill_(lt_tensor *t, double v) {
  if (t->ag && lt_autograd_inplace_unrecorded(t, "fill")) return -1;
  lt_device dev = lt_tensor_device(t);
  if (dev.type != LT_CPU) {
    if (lt_device_check("fill", dev)) return -1;
    if (lt_tensor_numel(t) && lt_device_backend(dev.type)->fill(t, v)) return -1;
    lt_tensor_bump_version(t);
    return 0;
  }
  union {
    double d;
    char bytes[8];
  } value;
  lt_dtype_store(t->dtype, value.bytes, v);
  lt_iter it;
  lt_iter_init(&it, 1, &t);
  lt_iter_run(&it, fill[t->dtype], value.bytes);
  lt_tensor_bump_version(t);
  return 0;
}

lt_tensor *lt_clone(const lt_tensor *t) {
  lt_tensor *c = lt_tensor_empty_like(t);
  if (!c) return NULL;
  if (lt_copy_(c, t)) {
    lt_tensor_release(c);
    return NULL;
  }
  return c;
}

lt_tensor *lt_contiguous(const lt_tensor *t) {
  if (lt_tensor_is_contiguous(t)) {
    lt_tensor_retain((lt_tensor *)t);
    return (lt_tensor *)t;
  }
  return lt_clone(t);
}

lt_tensor *lt_to_dtype(const lt_tensor *t, lt_dtype dtype) {
  if (t->dtype == dtype) {
    lt_tensor_retain((lt_tensor *)t);
    return (lt_tensor *)t;
  }
  lt_tensor *c = lt_tensor_empty_on(dtype, t->ndim, t->size, lt_tensor_device(t));
  if (c && lt_copy_(c, t)) {
    lt_tensor_release(c);
    return NULL;
  }
  return c;
}
