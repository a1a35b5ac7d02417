/* Summing a gradient back to the shape an input was broadcast from: the
 * one place where broadcasting is undone (the engine calls it for every
 * input gradient whose shape differs from its input's). Private on purpose:
 * it needs nothing of the reduction family. Recorded, so it is
 * differentiable: its backward expands the gradient again (and expand's
 * backward is this sum, through the engine). */
#include <string.h>

#include "internal.h"
#include "lutorch/device.h"
#include "lutorch/iter.h"

/* out (a stride-0 expansion of the result) += in, serially: several
 * elements of in land on one element of out. */
#define SUM_LOOP(E, T, S)                                                      \
  static void sum_##S(char **p, const int64_t *s, int64_t n, const void *c) { \
    (void)c;                                                                  \
    if (s[0] == 0) {                                                          \
      T acc = *(T *)p[0];                                                     \
      for (int64_t i = 0; i < n; i++) acc += *(const T *)(p[1] + i * s[1]);   \
      *(T *)p[0] = acc;                                                       \
    } else {                                                                  \
      for (int64_t i = 0; i < n; i++)                                         \
        *(T *)(p[0] + i * s[0]) += *(const T *)(p[1] + i * s[1]);             \
    }                                                                         \
  }
LT_FOREACH_COMPUTE_DTYPE(SUM_LOOP)
#define SUM_ENTRY(E, T, S) [E] = sum_##S,
static const lt_loop1d sum_loops[LT_NDTYPES] = {LT_FOREACH_COMPUTE_DTYPE(SUM_ENTRY)};

static int sum_to_backward(lt_node *node, lt_tensor *const *gout, lt_tensor **gin) {
  gin[0] = lt_expand(gout[0], node->next[0].ndim, node->next[0].size);
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_sum_to_shape(lt_tensor *g, int ndim, const int64_t *size) {
  char a[128], b[128];
  int lead = g->ndim - ndim;
  bool ok = lead >= 0;
  for (int i = 0; ok && i < ndim; i++) ok = size[i] == g->size[lead + i] || size[i] == 1;
  if (!ok)
    return lt_error("sum_to_size: cannot sum a tensor of size %s to size %s",
                    lt_shape_str(g->ndim, g->size, a, 128), lt_shape_str(ndim, size, b, 128));
  if (lead == 0 && !memcmp(size, g->size, sizeof(int64_t) * (size_t)ndim)) {
    lt_tensor_retain(g);
    return g;
  }
  if (!sum_loops[g->dtype])
    return lt_error("sum_to_size: not defined for %s tensors", lt_dtype_name(g->dtype));
  lt_node *node = NULL;
  if (lt_record_begin(&node, "sum_to_size", sum_to_backward, NULL, 1, &g)) return NULL;
  if (lt_device_any1(g)) return lt_record_end(node, lt_device_sum_to(g, ndim, size));
  lt_tensor *r = lt_tensor_zeros(g->dtype, ndim, size), *e = NULL;
  if (r && (e = lt_expand(r, g->ndim, g->size))) {
    lt_tensor *ops[2] = {e, g};
    lt_iter it;
    lt_iter_init(&it, 2, ops);
    lt_iter_run_serial(&it, sum_loops[g->dtype], NULL);
    lt_tensor_release(e);
  } else {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

lt_tensor *lt_zeros_like(const lt_tensor *t) { return lt_tensor_zeros(t->dtype, t->ndim, t->size); }

int lt_accumulate_serial_(lt_tensor *dst, const lt_tensor *src) {
  char a[128], b[128];
  if (lt_device_any(dst, 1, (lt_tensor *[]){(lt_tensor *)src})) return lt_device_accumulate(dst, src);
  if (!lt_tensor_same_shape(dst, src))
    return lt_errorf("accumulate: size %s into size %s", lt_shape_str(src->ndim, src->size, a, 128),
                     lt_shape_str(dst->ndim, dst->size, b, 128));
  lt_tensor *s = lt_to_dtype(src, dst->dtype);
  if (!s) return -1;
  if (!sum_loops[dst->dtype]) {
    lt_tensor_release(s);
    return lt_errorf("accumulate: not defined for %s tensors", lt_dtype_name(dst->dtype));
  }
  lt_tensor *ops[2] = {dst, s};
  lt_iter it;
  lt_iter_init(&it, 2, ops);
  lt_iter_run_serial(&it, sum_loops[dst->dtype], NULL);
  lt_tensor_release(s);
  lt_tensor_bump_version(dst);
  return 0;
}
