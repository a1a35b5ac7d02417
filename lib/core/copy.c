/* Copies between tensors of any dtype and layout, fill, contiguous, clone. */
#include <string.h>

#include "lutorch/autograd.h"
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

int lt_copy_(lt_tensor *dst, const lt_tensor *src) {
  if (lt_tensor_device(dst).type != LT_CPU || lt_tensor_device(src).type != LT_CPU)
    return lt_errorf("copy: this build has no CUDA support");
  lt_tensor *s = lt_expand(src, dst->ndim, dst->size);
  if (!s) {
    char a[128], b[128];
    return lt_errorf("copy: source of size %s cannot be copied into a tensor of size %s",
                     lt_shape_str(src->ndim, src->size, a, 128),
                     lt_shape_str(dst->ndim, dst->size, b, 128));
  }
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
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("fill: this build has no CUDA support");
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
