/* Sorting along a dimension: sort, topk, kthvalue, median.
 *
 * Each slice along the dimension (the input made contiguous and seen as
 * (outer, n, inner)) is gathered into a buffer of values and positions,
 * merge-sorted (stable: equal values keep their order, so ties resolve to
 * the lower position), and the wanted part is written out. NaN sorts
 * after every number, before them when descending (PyTorch's order).
 * Slices are spread over the thread pool.
 *
 * Device tensors go to the backend's sort (device.h); topk, kthvalue and
 * median of a device tensor are narrows of its sorted result (device_pick
 * below), so everything stays on the device. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/autograd.h"
#include "lutorch/device.h"
#include "lutorch/op.h"
#include "lutorch/parallel.h"
#include "reduce_impl.h"

#define RUN 16 /* insertion-sorted run length before merging */

typedef struct {
  int64_t first, count; /* the part of the sorted slice written out */
  bool desc, median;    /* median: a NaN in the slice is the answer */
} pick;

typedef void (*slice_fn)(const char *x, int64_t stride, int64_t n, const pick *pk, void *vbuf,
                         int64_t *ix, void *tbuf, int64_t *ti, char *yv, int64_t *yi,
                         int64_t ostride);

#define ISNAN_F(x) ((x) != (x))
#define ISNAN_I(x) 0

#define SORT_IMPL(S, T, ISNAN)                                                              \
  static inline bool before_##S(T a, T b, bool desc) {                                      \
    return desc ? (b < a || (ISNAN(a) && !ISNAN(b))) : (a < b || (ISNAN(b) && !ISNAN(a)));  \
  }                                                                                         \
  static void msort_##S(T *v, int64_t *ix, T *tv, int64_t *ti, int64_t n, bool desc) {     \
    for (int64_t lo = 0; lo < n; lo += RUN) {                                               \
      int64_t hi = lo + RUN < n ? lo + RUN : n;                                             \
      for (int64_t i = lo + 1; i < hi; i++) {                                               \
        T key = v[i];                                                                       \
        int64_t ki = ix[i], j = i;                                                          \
        for (; j > lo && before_##S(key, v[j - 1], desc); j--) {                            \
          v[j] = v[j - 1];                                                                  \
          ix[j] = ix[j - 1];                                                                \
        }                                                                                   \
        v[j] = key;                                                                         \
        ix[j] = ki;                                                                         \
      }                                                                                     \
    }                                                                                       \
    T *src = v, *dst = tv;                                                                  \
    int64_t *si = ix, *di = ti;                                                             \
    for (int64_t w = RUN; w < n; w *= 2) {                                                  \
      for (int64_t lo = 0; lo < n; lo += 2 * w) {                                           \
        int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;        \
        int64_t a = lo, b = mid, k = lo;                                                    \
        while (a < mid && b < hi) {                                                         \
          if (before_##S(src[b], src[a], desc)) {                                           \
            dst[k] = src[b];                                                                \
            di[k++] = si[b++];                                                              \
          } else {                                                                          \
            dst[k] = src[a];                                                                \
            di[k++] = si[a++];                                                              \
          }                                                                                 \
        }                                                                                   \
        for (; a < mid; a++, k++) {                                                         \
          dst[k] = src[a];                                                                  \
          di[k] = si[a];                                                                    \
        }                                                                                   \
        for (; b < hi; b++, k++) {                                                          \
          dst[k] = src[b];                                                                  \
          di[k] = si[b];                                                                    \
        }                                                                                   \
      }                                                                                     \
      T *t = src;                                                                           \
      src = dst;                                                                            \
      dst = t;                                                                              \
      int64_t *u = si;                                                                      \
      si = di;                                                                              \
      di = u;                                                                               \
    }                                                                                       \
    if (src != v) {                                                                         \
      memcpy(v, src, sizeof(T) * (size_t)n);                                                \
      memcpy(ix, si, sizeof(int64_t) * (size_t)n);                                          \
    }                                                                                       \
  }                                                                                         \
  static void slice_##S(const char *xp, int64_t stride, int64_t n, const pick *pk,          \
                        void *vbuf, int64_t *ix, void *tbuf, int64_t *ti, char *yvp,        \
                        int64_t *yi, int64_t ostride) {                                     \
    const T *x = (const T *)xp;                                                             \
    T *v = vbuf, *yv = (T *)yvp;                                                            \
    for (int64_t i = 0; i < n; i++) {                                                       \
      v[i] = x[i * stride];                                                                 \
      ix[i] = i;                                                                            \
    }                                                                                       \
    msort_##S(v, ix, tbuf, ti, n, pk->desc);                                                \
    int64_t first = pk->first;                                                              \
    if (pk->median && n > 0 && ISNAN(v[n - 1]))                                             \
      for (first = 0; !ISNAN(v[first]); first++) {                                          \
      }                                                                                     \
    for (int64_t i = 0; i < pk->count; i++) {                                               \
      yv[i * ostride] = v[first + i];                                                       \
      yi[i * ostride] = ix[first + i];                                                      \
    }                                                                                       \
  }

SORT_IMPL(f32, float, ISNAN_F)
SORT_IMPL(f64, double, ISNAN_F)
SORT_IMPL(i64, int64_t, ISNAN_I)
SORT_IMPL(i32, int32_t, ISNAN_I)
SORT_IMPL(i16, int16_t, ISNAN_I)
SORT_IMPL(i8, int8_t, ISNAN_I)
SORT_IMPL(u8, uint8_t, ISNAN_I)
SORT_IMPL(b8, bool, ISNAN_I)

static const slice_fn slices[8] = {slice_f32, slice_f64, slice_i64, slice_i32,
                                   slice_i16, slice_i8,  slice_u8,  slice_b8};

typedef struct {
  slice_fn fn;
  const char *x;
  char *yv;
  int64_t *yi;
  size_t esz;
  int64_t n, inner, kout; /* kout: size of the output along the dimension */
  pick pk;
  int failed;
} sort_job;

static void sort_tasks(int64_t b, int64_t e, void *vp) {
  sort_job *j = vp;
  size_t n = (size_t)(j->n ? j->n : 1);
  char *vb = malloc(2 * n * j->esz);
  int64_t *ib = malloc(2 * n * sizeof(int64_t));
  if (!vb || !ib) {
    j->failed = 1; /* benign race: every writer stores 1 */
  } else {
    for (int64_t t = b; t < e; t++) {
      int64_t o = t / j->inner, c = t % j->inner;
      const char *x = j->x + (o * j->n * j->inner + c) * (int64_t)j->esz;
      int64_t out = o * j->kout * j->inner + c;
      j->fn(x, j->inner, j->n, &j->pk, vb, ib, vb + n * j->esz, ib + n, j->yv + out * (int64_t)j->esz,
            j->yi + out, j->inner);
    }
  }
  free(vb);
  free(ib);
}

/* Sort every slice of t along dim and write pk's part of it: kout
 * elements per slice into tensors shaped like t with size kout at dim
 * (keepdim false drops it when kout == 1). */
static int sort_slices(const char *fn, const lt_tensor *t, int dim, bool keepdim, int64_t kout,
                       pick pk, lt_tensor **values, lt_tensor **indices) {
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  rshape r;
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  lt_dtype cdt = lt__compute_dtype(t->dtype);
  if (cdt >= 8) return lt_errorf("%s: not defined for %s tensors", fn, lt_dtype_name(t->dtype));
  if (lt__reduce_prepare(fn, t, dim, keepdim, cdt, &r)) return -1;
  int ndim = r.ndim_out;
  int64_t size[LT_MAX_DIMS];
  memcpy(size, r.size_out, sizeof size);
  if (keepdim && dim != LT_ALL_DIMS && t->ndim > 0) size[dim < 0 ? dim + t->ndim : dim] = kout;
  lt_tensor *v = lt_tensor_empty(cdt, ndim, size), *i = lt_tensor_empty(LT_INT64, ndim, size);
  if (!v || !i) goto fail;
  sort_job j = {slices[cdt], lt_tensor_data(r.x), lt_tensor_data(v), lt_tensor_data(i),
                lt_dtype_size(cdt), r.n, r.inner, kout, pk, 0};
  int64_t nslices = r.outer * r.inner, per = r.n > 0 ? r.n : 1;
  if (kout > 0 && nslices > 0)
    lt_parallel_for(nslices, per >= 4096 ? 1 : 4096 / per, sort_tasks, &j);
  if (j.failed) {
    lt_error("%s: out of memory for the sort buffers", fn);
    goto fail;
  }
  lt_tensor_release(r.x);
  if (values) *values = v;
  else lt_tensor_release(v);
  if (indices) *indices = i;
  else lt_tensor_release(i);
  return 0;
fail:
  lt_tensor_release(r.x);
  lt_tensor_release(v);
  lt_tensor_release(i);
  return -1;
}

/* ---- device tensors ---- */

static int device_sort(const char *fn, const lt_tensor *t, int dim, bool desc, lt_tensor **v,
                       lt_tensor **i) {
  lt_device dev = lt_tensor_device(t);
  if (lt_device_check(fn, dev)) return -1;
  const lt_device_ops *ops = lt_device_backend(dev.type);
  if (!ops || !ops->sort) return lt_errorf("%s: not available for CUDA tensors yet", fn);
  return ops->sort(t, dim, desc, v, i);
}

/* where(mask, a, b) with lib's elementwise op (it runs on a's device) */
static lt_tensor *pick_where(lt_tensor *mask, lt_tensor *a, lt_tensor *b) {
  return lt_ternary(lt_op_find("where"), NULL, mask, a, b, NULL);
}

/* The device form of sort_slices (dim and pk already checked): the slices
 * sorted by the backend, pk's part narrowed out, shaped as on the CPU.
 * median: a slice with a NaN answers its first NaN, which is what max
 * returns there (reduce.h), so max's result replaces the middle element
 * where it is NaN. The composition is not recorded (the caller records one
 * node). */
static int device_pick(const char *fn, const lt_tensor *t, int dim, bool keepdim, pick pk,
                       lt_tensor **values, lt_tensor **indices) {
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  bool flat = dim == LT_ALL_DIMS || t->ndim == 0;
  int64_t numel = lt_tensor_numel(t);
  int d = flat ? 0 : dim < 0 ? dim + t->ndim : dim;
  lt_tensor *u = flat ? lt_reshape(t, 1, &numel) : (lt_tensor_retain((lt_tensor *)t), (lt_tensor *)t);
  lt_tensor *sv = NULL, *si = NULL, *v = NULL, *i = NULL, *tmp[5] = {0};
  int rc = -1;
  bool grad = lt_set_grad_enabled(false);
  if (!u || device_sort(fn, u, d, pk.desc, &sv, &si)) goto done;
  if (!(v = lt_narrow(sv, d, pk.first, pk.count)) || !(i = lt_narrow(si, d, pk.first, pk.count)))
    goto done;
  if (pk.median && lt_dtype_is_float(sv->dtype) && u->size[d] > 0) {
    /* tmp: max values, max indices, NaN mask, then the picks */
    if (lt_max(u, d, true, &tmp[0], &tmp[1]) ||
        !(tmp[2] = lt_binary(lt_op_find("ne"), NULL, tmp[0], tmp[0], NULL)) ||
        !(tmp[3] = pick_where(tmp[2], tmp[0], v)) || !(tmp[4] = pick_where(tmp[2], tmp[1], i)))
      goto done;
    lt_tensor_release(v);
    lt_tensor_release(i);
    v = tmp[3];
    i = tmp[4];
    tmp[3] = tmp[4] = NULL;
  }
  /* the CPU's result shape */
  int ndim = 0;
  int64_t size[LT_MAX_DIMS];
  if (dim == LT_ALL_DIMS) {
    ndim = keepdim ? t->ndim : 0;
    for (int k = 0; k < ndim; k++) size[k] = 1;
  } else if (t->ndim > 0) {
    for (int k = 0; k < t->ndim; k++)
      if (k != d || keepdim) size[ndim++] = k == d ? pk.count : t->size[k];
  }
  lt_tensor *vc = lt_contiguous(v), *ic = lt_contiguous(i);
  lt_tensor_release(v);
  lt_tensor_release(i);
  v = vc ? lt_reshape(vc, ndim, size) : NULL;
  i = ic ? lt_reshape(ic, ndim, size) : NULL;
  lt_tensor_release(vc);
  lt_tensor_release(ic);
  if (!v || !i) goto done;
  rc = 0;
  if (values) {
    *values = v;
    v = NULL;
  }
  if (indices) {
    *indices = i;
    i = NULL;
  }
done:
  lt_set_grad_enabled(grad);
  lt_tensor_release(u);
  lt_tensor_release(sv);
  lt_tensor_release(si);
  lt_tensor_release(v);
  lt_tensor_release(i);
  for (int k = 0; k < 5; k++) lt_tensor_release(tmp[k]);
  return rc;
}

static bool on_device(const lt_tensor *t) { return t && lt_tensor_device(t).type != LT_CPU; }

/* size of t along dim, or its element count for LT_ALL_DIMS */
static int dim_size(const char *fn, const lt_tensor *t, int dim, int64_t *n) {
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  if (dim == LT_ALL_DIMS) {
    *n = lt_tensor_numel(t);
    return 0;
  }
  if (t->ndim == 0) {
    if (dim != 0 && dim != -1)
      return lt_errorf("%s: dimension %d out of range for a 0-dimensional tensor", fn,
                       dim < 0 ? dim : dim + 1);
    *n = 1;
    return 0;
  }
  int d = lt_wrap_dim(fn, dim, t->ndim, 0);
  if (d < 0) return -1;
  *n = t->size[d];
  return 0;
}

static int sort_raw(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
            lt_tensor **indices) {
  int64_t n = 0;
  if (dim == LT_ALL_DIMS) return lt_errorf("sort: a dimension is required");
  if (dim_size("sort", t, dim, &n)) return -1;
  pick pk = {0, n, descending, false};
  if (on_device(t)) return device_pick("sort", t, dim, true, pk, values, indices);
  return sort_slices("sort", t, dim, true, n, pk, values, indices);
}

static int topk_raw(const lt_tensor *t, int64_t k, int dim, bool largest, bool sorted,
            lt_tensor **values, lt_tensor **indices) {
  int64_t n = 0;
  (void)sorted;
  if (dim == LT_ALL_DIMS) return lt_errorf("topk: a dimension is required");
  if (dim_size("topk", t, dim, &n)) return -1;
  if (k < 0 || k > n)
    return lt_errorf("topk: k = %lld out of range, the dimension has size %lld", (long long)k,
                     (long long)n);
  pick pk = {0, k, largest, false};
  if (on_device(t)) return device_pick("topk", t, dim, true, pk, values, indices);
  return sort_slices("topk", t, dim, true, k, pk, values, indices);
}

static int kthvalue_raw(const lt_tensor *t, int64_t k, int dim, bool keepdim, lt_tensor **values,
                lt_tensor **indices) {
  int64_t n = 0;
  if (dim_size("kthvalue", t, dim, &n)) return -1;
  if (k < 1 || k > n)
    return lt_errorf("kthvalue: k = %lld out of range, expected 1 <= k <= %lld", (long long)k,
                     (long long)n);
  pick pk = {k - 1, 1, false, false};
  if (on_device(t)) return device_pick("kthvalue", t, dim, keepdim, pk, values, indices);
  return sort_slices("kthvalue", t, dim, keepdim, 1, pk, values, indices);
}

static int median_raw(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values,
              lt_tensor **indices) {
  int64_t n = 0;
  if (dim_size("median", t, dim, &n)) return -1;
  if (n == 0)
    return lt_errorf(dim == LT_ALL_DIMS ? "median: cannot take the median of an empty tensor"
                                        : "median: cannot reduce over an empty dimension");
  pick pk = {(n - 1) / 2, 1, false, true};
  if (on_device(t)) return device_pick("median", t, dim, keepdim, pk, values, indices);
  return sort_slices("median", t, dim, keepdim, 1, pk, values, indices);
}

/* ---- recorded for autograd: the values' gradient is scattered back
 * through the indices (reduce_grad.c) ---- */
#define RECORDED(KIND, DIM, KEEP, CALL)                                    \
  lt_node *node;                                                           \
  if (lt__grad_begin(&node, KIND, t, DIM, KEEP, 0)) return -1;             \
  if (!node) return CALL(values, indices);                                 \
  lt_tensor *v = NULL, *i = NULL;                                          \
  int rc = CALL(&v, &i);                                                   \
  return lt__grad_end2(node, rc, v, i, values, indices);

int lt_sort(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
            lt_tensor **indices) {
#define CALL(V, I) sort_raw(t, dim, descending, V, I)
  RECORDED(RG_SORT, dim, true, CALL)
#undef CALL
}

int lt_topk(const lt_tensor *t, int64_t k, int dim, bool largest, bool sorted,
            lt_tensor **values, lt_tensor **indices) {
#define CALL(V, I) topk_raw(t, k, dim, largest, sorted, V, I)
  RECORDED(RG_TOPK, dim, true, CALL)
#undef CALL
}

int lt_kthvalue(const lt_tensor *t, int64_t k, int dim, bool keepdim, lt_tensor **values,
                lt_tensor **indices) {
#define CALL(V, I) kthvalue_raw(t, k, dim, keepdim, V, I)
  RECORDED(RG_KTHVALUE, dim, keepdim, CALL)
#undef CALL
}

int lt_median(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values,
              lt_tensor **indices) {
#define CALL(V, I) median_raw(t, dim, keepdim, V, I)
  RECORDED(RG_MEDIAN, dim, keepdim, CALL)
#undef CALL
}

/* ---- the op table ---- */
#define SORT_OP(NAME)                                                            \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_OTHER, 0, 0, {0}, lt__reduce_bw_pick};
SORT_OP(sort)
SORT_OP(topk)
SORT_OP(kthvalue)
SORT_OP(median)

const lt_opdef *const lt_ops_sort[] = {&op_sort, &op_topk, &op_kthvalue, &op_median, NULL};
