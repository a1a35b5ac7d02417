/* Host side of the index and mask ops on the GPU (lib/ops/index.c and
 * index_mask.c hand them here): the same checks and messages as the CPU,
 * indices validated with a min/max reduction before anything is written,
 * then the kernels of kernels/gather.cu. Results are computed into a fresh
 * tensor and copied into a result-first `out`. */
#include <string.h>

#include "internal.h"
#include "lutorch/index.h"
#include "lutorch/reduce.h"

/* every tensor given on x's GPU */
static int same_gpu(const char *fn, const lt_tensor *x, int n, const lt_tensor *const *t) {
  char a[32], b[32];
  lt_device d = lt_tensor_device(x);
  if (d.type != LT_CUDA) return lt_errorf("%s: expected a CUDA tensor", fn);
  for (int i = 0; i < n; i++)
    if (t[i] && !lt_device_equal(lt_tensor_device(t[i]), d))
      return lt_errorf("%s: tensors on different devices: the tensor is on %s, operand %d on %s",
                       fn, lt_device_str(d, a, sizeof a), i + 2,
                       lt_device_str(lt_tensor_device(t[i]), b, sizeof b));
  return lt_cuda_use(fn, d.index);
}

static double read_number(const lt_tensor *t) {
  lt_tensor *c = lt_tensor_to(t, LT_FLOAT64, (lt_device){LT_CPU, 0});
  double v = c ? *(const double *)lt_tensor_data(c) : 0;
  lt_tensor_release(c);
  return v;
}

/* every index in [0, n): its min and max on the GPU; the first bad one (in
 * row-major order, as the CPU reports it) read on the host */
static int check_range(const char *fn, const lt_tensor *ix, int64_t n, int dim) {
  if (lt_tensor_numel(ix) == 0) return 0;
  lt_tensor *lo = NULL, *hi = NULL;
  if (lt_cuda_reduce(LT_RED_MIN, ix, LT_ALL_DIMS, false, 0, &lo, NULL) ||
      lt_cuda_reduce(LT_RED_MAX, ix, LT_ALL_DIMS, false, 0, &hi, NULL)) {
    lt_tensor_release(lo);
    return -1;
  }
  double a = read_number(lo), b = read_number(hi);
  lt_tensor_release(lo);
  lt_tensor_release(hi);
  if (a >= 0 && b < (double)n) return 0;
  lt_tensor *c = lt_tensor_to(ix, LT_INT64, (lt_device){LT_CPU, 0});
  lt_tensor *cc = c ? lt_contiguous(c) : NULL;
  int64_t first = b >= (double)n ? (int64_t)b : (int64_t)a;
  if (cc) {
    const int64_t *v = lt_tensor_data(cc);
    for (int64_t i = 0, m = lt_tensor_numel(cc); i < m; i++)
      if (v[i] < 0 || v[i] >= n) {
        first = v[i];
        break;
      }
  }
  lt_tensor_release(c);
  lt_tensor_release(cc);
  if (n == 0)
    return lt_errorf("%s: index %lld out of range, dimension %d has size 0 (no valid index)", fn,
                     (long long)first + 1, dim + 1);
  return lt_errorf("%s: index %lld out of range, expected 1..%lld (dimension %d of size %lld)", fn,
                   (long long)first + 1, (long long)n, dim + 1, (long long)n);
}

static int check_target(const char *fn, const lt_tensor *x, int dim) {
  if (x->ndim == 0) return lt_errorf("%s: cannot index a 0-dimensional tensor", fn);
  return lt_wrap_dim(fn, dim, x->ndim, 0);
}

/* a geometry-only view (for ltk_geom_init): sizes and strides, no data */
static void geom_view(lt_tensor *v, int ndim, const int64_t *size, const int64_t *stride) {
  memset(v, 0, sizeof *v);
  v->ndim = ndim;
  memcpy(v->size, size, sizeof(int64_t) * (size_t)ndim);
  memcpy(v->stride, stride, sizeof(int64_t) * (size_t)ndim);
}

static int fail(const char *fn, cudaError_t err) {
  return err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the index kernel", err);
}

/* r[p] = x[p with p[d] = ig[p]]; ig: int64 data with r's shape, strides igs */
static int gather_run(const char *fn, lt_tensor *r, const lt_tensor *x, int d, const void *ig,
                      const int64_t *igs) {
  int64_t n = lt_tensor_numel(r);
  if (n == 0) return 0;
  int64_t xs[LT_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) xs[i] = i == d ? 0 : x->stride[i];
  lt_tensor gr, gi, gx;
  geom_view(&gr, r->ndim, r->size, r->stride);
  geom_view(&gi, r->ndim, r->size, igs);
  geom_view(&gx, r->ndim, r->size, xs);
  lt_tensor *ops[3] = {&gr, &gi, &gx};
  ltk_geom g;
  ltk_geom_init(&g, 3, ops);
  int dev = lt_cuda_dev_of(x);
  return fail(fn, ltk_gather((int)lt_dtype_size(x->dtype), lt_tensor_data(r), ig, lt_tensor_data(x),
                             &g, n, x->stride[d], lt_cuda_sm_count(dev), lt_cuda_stream(dev)));
}

/* x[p with p[d] = ig[p]] op= src[p] over ig's shape (isz, igs strides) */
static int scatter_run(const char *fn, int op, lt_tensor *x, int d, const int64_t *isz,
                       const void *ig, const int64_t *igs, const lt_tensor *src, double value) {
  int64_t sz[LT_MAX_DIMS], xs[LT_MAX_DIMS], is[LT_MAX_DIMS], ss[LT_MAX_DIMS], nlines = 1;
  int m = 0;
  for (int i = 0; i < x->ndim; i++) {
    if (i == d) continue;
    sz[m] = isz[i];
    xs[m] = x->stride[i];
    is[m] = igs[i];
    ss[m] = src ? src->stride[i] : 0;
    nlines *= sz[m++];
  }
  if (nlines == 0 || isz[d] == 0) return 0;
  lt_tensor gx, gi, gs;
  geom_view(&gx, m, sz, xs);
  geom_view(&gi, m, sz, is);
  geom_view(&gs, m, sz, ss);
  lt_tensor *ops[3] = {&gx, &gi, &gs};
  ltk_geom g;
  ltk_geom_init(&g, 3, ops);
  union {
    uint64_t bits;
    unsigned char bytes[8];
  } v = {0};
  lt_dtype_store(x->dtype, v.bytes, value);
  int dev = lt_cuda_dev_of(x);
  int rc = fail(fn, ltk_scatter(x->dtype, op, lt_tensor_data(x), ig, src ? lt_tensor_data(src) : NULL,
                                &g, nlines, isz[d], igs[d], src ? src->stride[d] : 0, x->stride[d],
                                v.bits, lt_cuda_sm_count(dev), lt_cuda_stream(dev)));
  if (!rc) lt_tensor_bump_version(x);
  return rc;
}

/* the 1-D index as a geometry of x's shape with k entries along d */
static lt_tensor *index_vector(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                               int64_t *size, int64_t *stride) {
  char a[128];
  if (idx->ndim > 1)
    return lt_error("%s: indices must be a 1-D tensor, got size %s", fn,
                    lt_shape_str(idx->ndim, idx->size, a, sizeof a));
  lt_tensor *ix = lt_index_as_int64(fn, idx, x);
  if (!ix) return NULL;
  if (check_range(fn, ix, x->size[d], d)) {
    lt_tensor_release(ix);
    return NULL;
  }
  memcpy(size, x->size, sizeof(int64_t) * LT_MAX_DIMS);
  memset(stride, 0, sizeof(int64_t) * LT_MAX_DIMS);
  size[d] = ix->ndim ? ix->size[0] : 1;
  stride[d] = ix->ndim ? ix->stride[0] : 0;
  return ix;
}

/* src for writing into x: x's dtype, not sharing x's memory */
static lt_tensor *source_for(const lt_tensor *x, const lt_tensor *src) {
  if (src->dtype != x->dtype) return lt_to_dtype(src, x->dtype);
  if (src->storage == x->storage) return lt_clone(src);
  lt_tensor_retain((lt_tensor *)src);
  return (lt_tensor *)src;
}

lt_tensor *lt_cuda_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  const lt_tensor *o[2] = {idx, out};
  if (same_gpu("index", x, 2, o)) return NULL;
  int d = check_target("index", x, dim);
  if (d < 0) return NULL;
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  lt_tensor *ix = index_vector("index", x, d, idx, size, stride);
  if (!ix) return NULL;
  lt_tensor *r = lt_tensor_empty_on(x->dtype, x->ndim, size, lt_tensor_device(x));
  if (r && gather_run("index", r, x, d, lt_tensor_data(ix), stride)) {
    lt_tensor_release(r);
    r = NULL;
  }
  lt_tensor_release(ix);
  return lt_cuda_deliver(out, r);
}

int lt_cuda_index_write(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                        const lt_tensor *src, double value) {
  char a[128], b[128];
  const lt_tensor *o[2] = {idx, src};
  if (same_gpu(fn, x, 2, o)) return -1;
  int d = check_target(fn, x, dim);
  if (d < 0) return -1;
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  lt_tensor *ix = index_vector(fn, x, d, idx, size, stride), *s = NULL;
  if (!ix) return -1;
  int rc = -1;
  if (src && (src->ndim != x->ndim || memcmp(src->size, size, sizeof(int64_t) * (size_t)x->ndim))) {
    lt_errorf("%s: source has size %s, expected %s (the tensor's size with %lld in dimension %d)",
              fn, lt_shape_str(src->ndim, src->size, a, sizeof a),
              lt_shape_str(x->ndim, size, b, sizeof b), (long long)size[d], d + 1);
  } else if (!src || (s = source_for(x, src))) {
    rc = scatter_run(fn, op, x, d, size, lt_tensor_data(ix), stride, s, value);
  }
  lt_tensor_release(s);
  lt_tensor_release(ix);
  return rc;
}

/* gather/scatter's index: x's ndim, within x (and src) outside dim */
static lt_tensor *elementwise_index(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                                    const lt_tensor *all) {
  if (lt_index_check_elementwise(fn, x, d, idx, all)) return NULL;
  lt_tensor *ix = lt_index_as_int64(fn, idx, x);
  if (ix && check_range(fn, ix, x->size[d], d)) {
    lt_tensor_release(ix);
    return NULL;
  }
  return ix;
}

lt_tensor *lt_cuda_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  const lt_tensor *o[2] = {idx, out};
  if (same_gpu("gather", x, 2, o)) return NULL;
  int d = check_target("gather", x, dim);
  if (d < 0) return NULL;
  lt_tensor *ix = elementwise_index("gather", x, d, idx, NULL);
  if (!ix) return NULL;
  lt_tensor *r = lt_tensor_empty_on(x->dtype, ix->ndim, ix->size, lt_tensor_device(x));
  if (r && gather_run("gather", r, x, d, lt_tensor_data(ix), ix->stride)) {
    lt_tensor_release(r);
    r = NULL;
  }
  lt_tensor_release(ix);
  return lt_cuda_deliver(out, r);
}

int lt_cuda_scatter(const char *fn, int op, lt_tensor *x, int dim, const lt_tensor *idx,
                    const lt_tensor *src, double value) {
  const lt_tensor *o[2] = {idx, src};
  if (same_gpu(fn, x, 2, o)) return -1;
  int d = check_target(fn, x, dim);
  if (d < 0) return -1;
  lt_tensor *ix = elementwise_index(fn, x, d, idx, src), *s = NULL;
  if (!ix) return -1;
  int rc = -1;
  if (!src || (s = source_for(x, src)))
    rc = scatter_run(fn, op, x, d, ix->size, lt_tensor_data(ix), ix->stride, s, value);
  lt_tensor_release(s);
  lt_tensor_release(ix);
  return rc;
}

lt_tensor *lt_cuda_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta) {
  lt_tensor *ix = lt_index_as_int64(fn, idx, NULL);
  if (!ix) return NULL;
  lt_tensor *d = lt_tensor_scalar(LT_INT64, (double)delta), *r = NULL;
  double one[1] = {1};
  if (d) r = lt_binary(lt_op_find("add"), NULL, ix, d, one);
  lt_tensor_release(d);
  lt_tensor_release(ix);
  return r;
}

/* ---- masks ---- */

static int check_mask(const char *fn, const lt_tensor *mask) {
  if (mask->dtype != LT_BOOL && mask->dtype != LT_UINT8)
    return lt_errorf("%s: mask must be a BoolTensor or ByteTensor, got a %s tensor", fn,
                     lt_dtype_name(mask->dtype));
  return 0;
}

/* mask expanded to x's shape (a private copy when it shares x's memory) */
static lt_tensor *mask_for(const char *fn, const lt_tensor *mask, const lt_tensor *x) {
  char a[128], b[128];
  if (check_mask(fn, mask)) return NULL;
  int n;
  int64_t shape[LT_MAX_DIMS];
  if (mask->ndim > x->ndim ||
      lt_broadcast_shape(fn, mask->ndim, mask->size, x->ndim, x->size, &n, shape) ||
      memcmp(shape, x->size, sizeof(int64_t) * (size_t)x->ndim))
    return lt_error("%s: mask of size %s does not broadcast to the tensor's size %s", fn,
                    lt_shape_str(mask->ndim, mask->size, a, sizeof a),
                    lt_shape_str(x->ndim, x->size, b, sizeof b));
  lt_tensor *m = lt_expand(mask, x->ndim, x->size);
  if (m && m->storage == x->storage) {
    lt_tensor *c = lt_clone(m);
    lt_tensor_release(m);
    m = c;
  }
  return m;
}

int lt_cuda_masked_fill(lt_tensor *x, const lt_tensor *mask, double value) {
  const lt_tensor *o[1] = {mask};
  if (same_gpu("maskedFill", x, 1, o)) return -1;
  lt_tensor *m = mask_for("maskedFill", mask, x);
  if (!m) return -1;
  int64_t n = lt_tensor_numel(x);
  lt_tensor *ops[2] = {x, m};
  ltk_geom g;
  ltk_geom_init(&g, 2, ops);
  union {
    uint64_t bits;
    unsigned char bytes[8];
  } v = {0};
  lt_dtype_store(x->dtype, v.bytes, value);
  int dev = lt_cuda_dev_of(x);
  int rc = fail("maskedFill", ltk_masked_fill((int)lt_dtype_size(x->dtype), lt_tensor_data(x),
                                              lt_tensor_data(m), &g, n, v.bits,
                                              lt_cuda_sm_count(dev), lt_cuda_stream(dev)));
  lt_tensor_release(m);
  if (!rc) lt_tensor_bump_version(x);
  return rc;
}

/* pos = the inclusive running count of the set elements of m (row-major);
 * *total = its last value */
static lt_tensor *positions(const char *fn, const lt_tensor *m, int64_t *total) {
  int64_t n = lt_tensor_numel(m);
  *total = 0;
  lt_tensor *flags = lt_tensor_empty_on(LT_INT64, m->ndim, m->size, lt_tensor_device(m));
  lt_tensor *pos = flags ? lt_tensor_empty_on(LT_INT64, m->ndim, m->size, lt_tensor_device(m)) : NULL;
  if (!pos || lt_copy_(flags, m)) goto fail;
  if (n > 0) {
    int dev = lt_cuda_dev_of(m);
    cudaStream_t s = lt_cuda_stream(dev);
    if (fail(fn, ltk_scan(LT_INT64, lt_tensor_data(flags), lt_tensor_data(pos), 1, n, 1, 0,
                          lt_cuda_sm_count(dev), s)))
      goto fail;
    cudaError_t err = cudaMemcpyAsync(total, (const int64_t *)lt_tensor_data(pos) + (n - 1),
                                      sizeof *total, cudaMemcpyDeviceToHost, s);
    if (err == cudaSuccess) err = cudaStreamSynchronize(s);
    if (fail(fn, err)) goto fail;
  }
  lt_tensor_release(flags);
  return pos;
fail:
  lt_tensor_release(flags);
  lt_tensor_release(pos);
  return NULL;
}

int lt_cuda_masked_copy(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src) {
  const char *fn = "maskedCopy";
  const lt_tensor *o[2] = {mask, src};
  if (same_gpu(fn, x, 2, o)) return -1;
  lt_tensor *m = mask_for(fn, mask, x), *pos = NULL, *s = NULL, *sc = NULL;
  int rc = -1;
  int64_t total = 0;
  if (!m || !(pos = positions(fn, m, &total))) goto done;
  if (total > lt_tensor_numel(src)) {
    lt_errorf("%s: the mask selects %lld elements but the source has only %lld", fn,
              (long long)total, (long long)lt_tensor_numel(src));
    goto done;
  }
  if (!(s = source_for(x, src)) || !(sc = lt_contiguous(s))) goto done;
  lt_tensor *ops[1] = {x};
  ltk_geom g;
  ltk_geom_init(&g, 1, ops);
  int dev = lt_cuda_dev_of(x);
  rc = fail(fn, ltk_masked_move((int)lt_dtype_size(x->dtype), lt_tensor_data(x), lt_tensor_data(pos),
                                lt_tensor_data(sc), &g, lt_tensor_numel(x), 1,
                                lt_cuda_sm_count(dev), lt_cuda_stream(dev)));
  if (!rc) lt_tensor_bump_version(x);
done:
  lt_tensor_release(m);
  lt_tensor_release(pos);
  lt_tensor_release(s);
  lt_tensor_release(sc);
  return rc;
}

lt_tensor *lt_cuda_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask) {
  const char *fn = "maskedSelect";
  char a[128], b[128];
  const lt_tensor *o[2] = {mask, out};
  if (same_gpu(fn, x, 2, o) || check_mask(fn, mask)) return NULL;
  int nd;
  int64_t shape[LT_MAX_DIMS];
  if (lt_broadcast_shape(fn, mask->ndim, mask->size, x->ndim, x->size, &nd, shape))
    return lt_error("%s: mask of size %s does not broadcast with the tensor's size %s", fn,
                    lt_shape_str(mask->ndim, mask->size, a, sizeof a),
                    lt_shape_str(x->ndim, x->size, b, sizeof b));
  lt_tensor *xe = lt_expand(x, nd, shape), *me = xe ? lt_expand(mask, nd, shape) : NULL;
  lt_tensor *pos = NULL, *r = NULL;
  int64_t total = 0;
  if (me && (pos = positions(fn, me, &total)) &&
      (r = lt_tensor_empty_on(x->dtype, 1, &total, lt_tensor_device(x)))) {
    lt_tensor *ops[1] = {xe};
    ltk_geom g;
    ltk_geom_init(&g, 1, ops);
    int dev = lt_cuda_dev_of(x);
    if (total > 0 &&
        fail(fn, ltk_masked_move((int)lt_dtype_size(x->dtype), lt_tensor_data(xe), lt_tensor_data(pos),
                                 lt_tensor_data(r), &g, lt_tensor_numel(xe), 0,
                                 lt_cuda_sm_count(dev), lt_cuda_stream(dev)))) {
      lt_tensor_release(r);
      r = NULL;
    }
  }
  lt_tensor_release(xe);
  lt_tensor_release(me);
  lt_tensor_release(pos);
  return lt_cuda_deliver(out, r);
}

lt_tensor *lt_cuda_nonzero(lt_tensor *out, const lt_tensor *x) {
  const char *fn = "nonzero";
  const lt_tensor *o[1] = {out};
  if (same_gpu(fn, x, 1, o)) return NULL;
  lt_tensor *xb = lt_to_dtype(x, LT_BOOL), *pos = NULL, *r = NULL;
  int64_t total = 0;
  if (xb && (pos = positions(fn, xb, &total))) {
    int64_t size[2] = {total, x->ndim};
    if ((r = lt_tensor_empty_on(LT_INT64, 2, size, lt_tensor_device(x))) && total > 0) {
      int dev = lt_cuda_dev_of(x);
      if (fail(fn, ltk_nonzero(lt_tensor_data(pos), lt_tensor_numel(x), x->ndim, x->size,
                               lt_tensor_data(r), lt_cuda_sm_count(dev), lt_cuda_stream(dev)))) {
        lt_tensor_release(r);
        r = NULL;
      }
    }
  }
  lt_tensor_release(xb);
  lt_tensor_release(pos);
  return lt_cuda_deliver(out, r);
}
