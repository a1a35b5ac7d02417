/* Shape ops on the GPU (lib/ops/shape.c hands cat, stack and flip here;
 * repeatTensor and roll run lib's own code, which is made of device-aware
 * views and copies). cat copies each piece into its slice of the result
 * (the strided copy kernel converts dtypes); flip is one copy whose source
 * geometry starts at the last element of each flipped dim and steps
 * backwards. Checks and messages are the CPU's. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool legacy_empty(const lt_tensor *t) { return t->ndim == 1 && t->size[0] == 0; }

lt_tensor *lt_cuda_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  char a[128], b[128];
  if (n <= 0) return lt_error("cat: expected at least one tensor");
  lt_device dev = {LT_CPU, 0};
  for (int i = 0; i < n; i++) {
    lt_device d = lt_tensor_device(xs[i]);
    if (i == 0) dev = d;
    else if (!lt_device_equal(d, dev))
      return lt_error("cat: tensors on different devices: piece 1 is on %s, piece %d on %s",
                      lt_device_str(dev, a, sizeof a), i + 1, lt_device_str(d, b, sizeof b));
  }
  if (out && !lt_device_equal(lt_tensor_device(out), dev))
    return lt_error("cat: tensors on different devices: the result is on %s, the pieces on %s",
                    lt_device_str(lt_tensor_device(out), a, sizeof a), lt_device_str(dev, b, sizeof b));
  int first = -1;
  lt_dtype dt = xs[0]->dtype;
  for (int i = 0; i < n; i++)
    if (!legacy_empty(xs[i]) && first < 0) first = i;
  if (first < 0) { /* only empty pieces: an empty result */
    int64_t zero = 0;
    for (int i = 1; i < n; i++) dt = lt_dtype_promote(dt, xs[i]->dtype);
    return lt_cuda_deliver(out, lt_tensor_empty_on(dt, 1, &zero, dev));
  }
  const lt_tensor *ref = xs[first];
  if (ref->ndim == 0)
    return lt_error("cat: piece %d is 0-dimensional; cat needs tensors with at least one dimension",
                    first + 1);
  int d = lt_wrap_dim("cat", dim, ref->ndim, 0);
  if (d < 0) return NULL;
  int64_t size[LT_MAX_DIMS];
  memcpy(size, ref->size, sizeof size);
  size[d] = 0;
  dt = ref->dtype;
  for (int k = first; k < n; k++) {
    const lt_tensor *t = xs[k];
    if (legacy_empty(t)) continue;
    bool same = t->ndim == ref->ndim;
    for (int i = 0; same && i < t->ndim; i++) same = i == d || t->size[i] == ref->size[i];
    if (!same)
      return lt_error("cat: piece %d has size %s and piece %d has size %s; they must match except "
                      "in dimension %d (the cat dimension)",
                      first + 1, lt_shape_str(ref->ndim, ref->size, a, sizeof a), k + 1,
                      lt_shape_str(t->ndim, t->size, b, sizeof b), d + 1);
    size[d] += t->size[d];
    dt = lt_dtype_promote(dt, t->dtype);
  }
  lt_tensor *r = lt_tensor_empty_on(dt, ref->ndim, size, dev);
  int64_t at = 0;
  for (int k = first; k < n && r; k++) {
    const lt_tensor *t = xs[k];
    if (legacy_empty(t)) continue;
    lt_tensor *dst = lt_narrow(r, d, at, t->size[d]);
    if (!dst || lt_copy_(dst, t)) {
      lt_tensor_release(r);
      r = NULL;
    }
    lt_tensor_release(dst);
    at += t->size[d];
  }
  return lt_cuda_deliver(out, r);
}

lt_tensor *lt_cuda_flip(const lt_tensor *x, int n, const int *dims) {
  bool flip[LT_MAX_DIMS] = {0};
  for (int i = 0; i < n; i++) {
    int d = lt_wrap_dim("flip", dims[i], x->ndim, 0);
    if (d < 0) return NULL;
    if (flip[d]) return lt_error("flip: dimension %d given twice", d + 1);
    flip[d] = true;
  }
  lt_tensor *r = lt_tensor_empty_on(x->dtype, x->ndim, x->size, lt_tensor_device(x));
  int64_t numel = r ? lt_tensor_numel(r) : 0;
  if (!r || numel == 0) return r;
  int64_t offset = 0;
  lt_tensor src = *x; /* a geometry for ltk_geom_init: negative strides */
  for (int i = 0; i < x->ndim; i++)
    if (flip[i]) {
      offset += (x->size[i] - 1) * x->stride[i];
      src.stride[i] = -x->stride[i];
    }
  lt_tensor *ops[2] = {r, &src};
  ltk_geom g;
  ltk_geom_init(&g, 2, ops);
  int dev = lt_cuda_dev_of(x);
  if (lt_cuda_use("flip", dev)) goto fail;
  const char *base = (const char *)lt_tensor_data(x) + offset * (int64_t)lt_dtype_size(x->dtype);
  cudaError_t err = ltk_copy(lt_tensor_data(r), r->dtype, base, x->dtype, numel, &g,
                             lt_cuda_stream(dev));
  if (err == cudaSuccess) return r;
  lt_cuda_fail("flip", "the copy kernel", err);
fail:
  lt_tensor_release(r);
  return NULL;
}
