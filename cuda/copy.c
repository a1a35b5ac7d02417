/* Host side of fill and device-to-device copies: operand geometry for the
 * kernels (dims merged where every operand is contiguous across them), a
 * memset or memcpy where the bytes allow it, a kernel otherwise. */
#include <string.h>

#include "internal.h"

void ltk_geom_init(ltk_geom *g, int nops, lt_tensor *const *ops) {
  const lt_tensor *ref = NULL;
  for (int k = 0; k < nops && !ref; k++) ref = ops[k];
  int nd = 0;
  /* size-1 dims carry no offsets: drop them */
  for (int d = 0; ref && d < ref->ndim; d++) {
    if (ref->size[d] == 1) continue;
    g->size[nd] = ref->size[d];
    for (int k = 0; k < nops; k++) g->stride[k][nd] = ops[k] ? ops[k]->stride[d] : 0;
    nd++;
  }
  /* merge dim d into the previous one when every operand steps over the
   * pair as over one dim */
  int out = 0;
  for (int d = 0; d < nd; d++) {
    bool merge = out > 0;
    for (int k = 0; k < nops && merge; k++)
      merge = g->stride[k][out - 1] == g->stride[k][d] * g->size[d];
    if (merge) {
      g->size[out - 1] *= g->size[d];
      for (int k = 0; k < nops; k++) g->stride[k][out - 1] = g->stride[k][d];
    } else {
      g->size[out] = g->size[d];
      for (int k = 0; k < nops; k++) g->stride[k][out] = g->stride[k][d];
      out++;
    }
  }
  g->ndim = out;
  for (int k = nops; k < LTK_MAX_OPS; k++)
    for (int d = 0; d < out; d++) g->stride[k][d] = 0;
}

int lt_cuda_fill_(lt_tensor *t, double v) {
  if (lt_tensor_device(t).type != LT_CUDA) return lt_errorf("fill: expected a CUDA tensor");
  int dev = lt_cuda_dev_of(t);
  int64_t n = lt_tensor_numel(t);
  if (n == 0) return 0;
  if (lt_cuda_use("fill", dev)) return -1;
  union {
    uint64_t bits;
    unsigned char bytes[8];
  } value = {0};
  lt_dtype_store(t->dtype, value.bytes, v);
  int esz = (int)lt_dtype_size(t->dtype);
  cudaStream_t s = lt_cuda_stream(dev);
  cudaError_t err;
  if (lt_tensor_is_contiguous(t)) {
    bool same_bytes = true;
    for (int i = 1; i < esz; i++) same_bytes = same_bytes && value.bytes[i] == value.bytes[0];
    if (same_bytes)
      err = cudaMemsetAsync(lt_tensor_data(t), value.bytes[0], (size_t)n * (size_t)esz, s);
    else
      err = ltk_fill(lt_tensor_data(t), esz, value.bits, n, NULL, s);
  } else {
    ltk_geom g;
    lt_tensor *ops[1] = {t};
    ltk_geom_init(&g, 1, ops);
    err = ltk_fill(lt_tensor_data(t), esz, value.bits, n, &g, s);
  }
  if (err != cudaSuccess) return lt_cuda_fail("fill", "the fill kernel", err);
  return 0;
}

int lt_cuda_copy_(lt_tensor *dst, const lt_tensor *src) {
  char a[64], b[64];
  if (!lt_device_equal(lt_tensor_device(dst), lt_tensor_device(src)) ||
      lt_tensor_device(dst).type != LT_CUDA)
    return lt_errorf("copy: expected two tensors on one GPU, got %s and %s",
                     lt_device_str(lt_tensor_device(dst), a, sizeof a),
                     lt_device_str(lt_tensor_device(src), b, sizeof b));
  if (!lt_tensor_same_shape(dst, src))
    return lt_errorf("copy: sizes %s and %s differ", lt_shape_str(dst->ndim, dst->size, a, 64),
                     lt_shape_str(src->ndim, src->size, b, 64));
  int dev = lt_cuda_dev_of(dst);
  int64_t n = lt_tensor_numel(dst);
  if (n == 0) return 0;
  if (lt_cuda_use("copy", dev)) return -1;
  cudaStream_t s = lt_cuda_stream(dev);
  cudaError_t err;
  if (dst->dtype == src->dtype && lt_tensor_is_contiguous(dst) && lt_tensor_is_contiguous(src)) {
    err = cudaMemcpyAsync(lt_tensor_data(dst), lt_tensor_data(src),
                          (size_t)n * lt_dtype_size(dst->dtype), cudaMemcpyDeviceToDevice, s);
  } else {
    ltk_geom g;
    lt_tensor *ops[2] = {dst, (lt_tensor *)src};
    ltk_geom_init(&g, 2, ops);
    err = ltk_copy(lt_tensor_data(dst), dst->dtype, lt_tensor_data(src), src->dtype, n, &g, s);
  }
  if (err != cudaSuccess) return lt_cuda_fail("copy", "the copy kernel", err);
  return 0;
}

lt_tensor *lt_cuda_deliver(lt_tensor *out, lt_tensor *r) {
  if (!r || !out) return r;
  int rc = lt_tensor_resize(out, r->ndim, r->size);
  if (!rc) rc = lt_copy_(out, r);
  lt_tensor_release(r);
  if (rc) return NULL;
  lt_tensor_bump_version(out);
  lt_tensor_retain(out);
  return out;
}
