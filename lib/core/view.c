/* View ops: new tensors over the same storage with other geometry.
 * Each public function is a raw view plus, when its input requires grad,
 * a recorded node whose backward sits next to it (at the end of the file). */
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/autograd.h"
#include "lutorch/tensor.h"

static lt_tensor *record(lt_tensor *v, const lt_tensor *t, const char *name, lt_backward_fn bw,
                         const int64_t *ints, int nints) {
  if (!v || !lt_autograd_wants(1, (lt_tensor *const *)&t)) return v;
  return lt_record_view(v, (lt_tensor *)t, name, bw, ints, nints);
}

static lt_tensor *make_view(const lt_tensor *t, int64_t offset, int ndim, const int64_t *size,
                            const int64_t *stride) {
  lt_tensor *v = lt_tensor_from_storage(t->storage, offset, ndim, size, stride);
  return v;
}

static lt_tensor *alias_raw(const lt_tensor *t) {
  return make_view(t, t->offset, t->ndim, t->size, t->stride);
}

/* Strides for viewing t as `size` without copying, or false when the
 * requested shape splits or merges dimensions that are not contiguous with
 * each other. Walks t's dims from the innermost, grouping them into chunks
 * that are contiguous among themselves, and maps the new dims onto chunks. */
static bool view_strides(const lt_tensor *t, int ndim, const int64_t *size, int64_t *stride) {
  int64_t numel = lt_tensor_numel(t);
  if (numel == 0 || t->ndim == 0) {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
      stride[i] = s;
      s *= size[i] ? size[i] : 1;
    }
    return true;
  }
  /* size-1 dims say nothing about the layout (their strides are arbitrary):
   * leave them out, or a chunk test could trust such a stride */
  int64_t osz[LT_MAX_DIMS], ost[LT_MAX_DIMS];
  int on = 0;
  for (int d = 0; d < t->ndim; d++)
    if (t->size[d] != 1) {
      osz[on] = t->size[d];
      ost[on++] = t->stride[d];
    }
  if (on == 0) {
    osz[0] = ost[0] = 1;
    on = 1;
  }
  int newd = ndim - 1;
  int64_t chunk = 1, base_stride = ost[on - 1];
  for (int d = on - 1; d >= 0; d--) {
    chunk *= osz[d];
    /* a chunk ends where dim d-1 is not contiguous with dim d */
    if (d == 0 || ost[d - 1] != osz[d] * ost[d]) {
      int64_t acc = 1;
      while (newd >= 0 && (acc < chunk || size[newd] == 1)) {
        stride[newd] = base_stride * acc;
        acc *= size[newd];
        newd--;
      }
      if (acc != chunk) return false;
      if (d > 0) {
        base_stride = ost[d - 1];
        chunk = 1;
      }
    }
  }
  return newd == -1;
}

/* Resolve one -1 in a requested shape; checks the element count. */
static int infer_size(const char *fn, const lt_tensor *t, int ndim, const int64_t *size,
                      int64_t *out) {
  if (ndim > LT_MAX_DIMS) return lt_errorf("%s: at most %d dimensions", fn, LT_MAX_DIMS);
  int64_t numel = lt_tensor_numel(t), known = 1;
  int infer = -1;
  for (int i = 0; i < ndim; i++) {
    out[i] = size[i];
    if (size[i] == -1) {
      if (infer >= 0) return lt_errorf("%s: only one dimension can be inferred (-1)", fn);
      infer = i;
    } else if (size[i] < 0) {
      return lt_errorf("%s: invalid size %lld", fn, (long long)size[i]);
    } else {
      known *= size[i];
    }
  }
  char a[128], b[128];
  if (infer >= 0) {
    if (known == 0 || numel % known)
      return lt_errorf("%s: shape %s is invalid for input of %lld elements", fn,
                       lt_shape_str(ndim, size, a, sizeof a), (long long)numel);
    out[infer] = numel / known;
  } else if (known != numel) {
    return lt_errorf("%s: cannot view a tensor of size %s (%lld elements) as %s", fn,
                     lt_shape_str(t->ndim, t->size, b, sizeof b), (long long)numel,
                     lt_shape_str(ndim, size, a, sizeof a));
  }
  return 0;
}

static lt_tensor *view_raw(const lt_tensor *t, int ndim, const int64_t *size) {
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  if (infer_size("view", t, ndim, size, sz)) return NULL;
  if (!view_strides(t, ndim, sz, st))
    return lt_error("view: the tensor's strides do not allow this view without a copy; "
                    "call :contiguous() first or use reshape");
  return make_view(t, t->offset, ndim, sz, st);
}

static int reshape_backward(struct lt_node *n, lt_tensor *const *g, lt_tensor **gin);

/* A view when the strides allow, else a copy (both recorded) */
lt_tensor *lt_reshape(const lt_tensor *t, int ndim, const int64_t *size) {
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  if (infer_size("reshape", t, ndim, size, sz)) return NULL;
  if (view_strides(t, ndim, sz, st))
    return record(make_view(t, t->offset, ndim, sz, st), t, "reshape", reshape_backward, NULL, 0);
  lt_tensor *c = lt_contiguous(t);
  if (!c) return NULL;
  lt_tensor *v = lt_view(c, ndim, sz);
  lt_tensor_release(c);
  return v;
}

static lt_tensor *narrow_raw(const lt_tensor *t, int dim, int64_t start, int64_t length) {
  int d = lt_wrap_dim("narrow", dim, t->ndim, 0);
  if (d < 0) return NULL;
  if (t->ndim == 0) return lt_error("narrow: cannot narrow a 0-dimensional tensor");
  if (start < 0 || length < 0 || start + length > t->size[d])
    return lt_error("narrow: range [%lld, %lld] out of bounds for dimension %d of size %lld",
                    (long long)start + 1, (long long)(start + length), d + 1,
                    (long long)t->size[d]);
  int64_t size[LT_MAX_DIMS];
  memcpy(size, t->size, sizeof size);
  size[d] = length;
  return make_view(t, t->offset + start * t->stride[d], t->ndim, size, t->stride);
}

static lt_tensor *select_raw(const lt_tensor *t, int dim, int64_t index) {
  if (t->ndim == 0) return lt_error("select: cannot select from a 0-dimensional tensor");
  int d = lt_wrap_dim("select", dim, t->ndim, 0);
  if (d < 0) return NULL;
  if (index < 0 || index >= t->size[d])
    return lt_error("select: index %lld out of range for dimension %d of size %lld",
                    (long long)index + 1, d + 1, (long long)t->size[d]);
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  int n = 0;
  for (int i = 0; i < t->ndim; i++)
    if (i != d) {
      size[n] = t->size[i];
      stride[n++] = t->stride[i];
    }
  return make_view(t, t->offset + index * t->stride[d], n, size, stride);
}

static lt_tensor *transpose_raw(const lt_tensor *t, int d0, int d1) {
  if (t->ndim == 0) return alias_raw(t);
  int a = lt_wrap_dim("transpose", d0, t->ndim, 0), b;
  if (a < 0 || (b = lt_wrap_dim("transpose", d1, t->ndim, 0)) < 0) return NULL;
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  memcpy(size, t->size, sizeof size);
  memcpy(stride, t->stride, sizeof stride);
  size[a] = t->size[b];
  size[b] = t->size[a];
  stride[a] = t->stride[b];
  stride[b] = t->stride[a];
  return make_view(t, t->offset, t->ndim, size, stride);
}

static lt_tensor *permute_raw(const lt_tensor *t, const int *perm) {
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  bool seen[LT_MAX_DIMS] = {0};
  for (int i = 0; i < t->ndim; i++) {
    int p = lt_wrap_dim("permute", perm[i], t->ndim, 0);
    if (p < 0) return NULL;
    if (seen[p]) return lt_error("permute: dimension %d repeated", p + 1);
    seen[p] = true;
    size[i] = t->size[p];
    stride[i] = t->stride[p];
  }
  return make_view(t, t->offset, t->ndim, size, stride);
}

static lt_tensor *expand_raw(const lt_tensor *t, int ndim, const int64_t *size) {
  char a[128], b[128];
  if (ndim < t->ndim || ndim > LT_MAX_DIMS)
    return lt_error("expand: cannot expand size %s to %s", lt_shape_str(t->ndim, t->size, a, 128),
                    lt_shape_str(ndim, size, b, 128));
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  int lead = ndim - t->ndim;
  for (int i = 0; i < ndim; i++) {
    int j = i - lead;
    int64_t want = size[i];
    if (j < 0) {
      if (want < 0) return lt_error("expand: size -1 not allowed for a new dimension");
      sz[i] = want;
      st[i] = 0;
    } else if (want == -1 || want == t->size[j]) {
      sz[i] = t->size[j];
      st[i] = t->stride[j];
    } else if (t->size[j] == 1 && want >= 0) {
      sz[i] = want;
      st[i] = 0;
    } else {
      return lt_error("expand: cannot expand size %s to %s (dimension %d is %lld, not 1)",
                      lt_shape_str(t->ndim, t->size, a, 128), lt_shape_str(ndim, size, b, 128),
                      i + 1, (long long)t->size[j]);
    }
  }
  return make_view(t, t->offset, ndim, sz, st);
}

static lt_tensor *squeeze_raw(const lt_tensor *t, int dim) {
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  int n = 0, d = -1;
  if (dim != LT_ALL_DIMS && (d = lt_wrap_dim("squeeze", dim, t->ndim, 0)) < 0) return NULL;
  for (int i = 0; i < t->ndim; i++) {
    bool drop = t->size[i] == 1 && (d < 0 || i == d);
    if (!drop) {
      size[n] = t->size[i];
      stride[n++] = t->stride[i];
    }
  }
  return make_view(t, t->offset, n, size, stride);
}

static lt_tensor *unsqueeze_raw(const lt_tensor *t, int dim) {
  int d = lt_wrap_dim("unsqueeze", dim, t->ndim, 1);
  if (d < 0) return NULL;
  if (t->ndim == LT_MAX_DIMS) return lt_error("unsqueeze: at most %d dimensions", LT_MAX_DIMS);
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  int n = 0;
  for (int i = 0; i <= t->ndim; i++) {
    if (i == d) {
      size[n] = 1;
      stride[n++] = i < t->ndim ? t->stride[i] * t->size[i] : 1;
    }
    if (i < t->ndim) {
      size[n] = t->size[i];
      stride[n++] = t->stride[i];
    }
  }
  return make_view(t, t->offset, n, size, stride);
}

static lt_tensor *unfold_raw(const lt_tensor *t, int dim, int64_t size, int64_t step) {
  int d = t->ndim == 0 ? 0 : lt_wrap_dim("unfold", dim, t->ndim, 0);
  if (d < 0) return NULL;
  int64_t dsize = t->ndim ? t->size[d] : 1, dstride = t->ndim ? t->stride[d] : 1;
  if (size < 0 || size > dsize)
    return lt_error("unfold: window size %lld larger than dimension %d (%lld)", (long long)size,
                    d + 1, (long long)dsize);
  if (step <= 0) return lt_error("unfold: step must be positive, got %lld", (long long)step);
  if (t->ndim == LT_MAX_DIMS) return lt_error("unfold: at most %d dimensions", LT_MAX_DIMS);
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  int n = t->ndim ? t->ndim : 1;
  for (int i = 0; i < t->ndim; i++) {
    sz[i] = t->size[i];
    st[i] = t->stride[i];
  }
  sz[d] = (dsize - size) / step + 1;
  st[d] = step * dstride;
  sz[n] = size;
  st[n] = dstride;
  return make_view(t, t->offset, n + 1, sz, st);
}

/* ---- recorded public views and their backwards ----
 * The gradient of a view is the gradient put back where the view came
 * from: an inverse view for the bijective ones, the engine's sum for
 * expand, and a strided scatter into zeros for narrow/select/unfold. */

#define BW(NAME) static int NAME##_backward(struct lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define DONE (gin[0] ? 0 : -1)

BW(reshape) { /* view, reshape, squeeze, unsqueeze */
  gin[0] = lt_reshape(g[0], n->next[0].ndim, n->next[0].size);
  return DONE;
}
BW(alias) { /* alias, expand: the engine sums an expanded gradient back */
  lt_tensor_retain(g[0]);
  gin[0] = g[0];
  return 0;
}
BW(transpose) {
  gin[0] = lt_transpose(g[0], (int)n->ints[0], (int)n->ints[1]);
  return DONE;
}
BW(permute) {
  int inv[LT_MAX_DIMS];
  for (int i = 0; i < n->next[0].ndim; i++) inv[n->ints[i]] = i;
  gin[0] = lt_permute(g[0], inv);
  return DONE;
}

/* Where a view sits in a contiguous tensor of its base's shape. */
typedef struct {
  int ndim;
  int64_t offset, size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
} geometry;

static void contiguous_geometry(int ndim, const int64_t *size, geometry *gm) {
  gm->ndim = ndim;
  gm->offset = 0;
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    gm->size[i] = size[i];
    gm->stride[i] = s;
    s *= size[i] ? size[i] : 1;
  }
}

static int take_backward(struct lt_node *n, lt_tensor *const *g, lt_tensor **gin);
static int scatter_backward(struct lt_node *n, lt_tensor *const *g, lt_tensor **gin);

/* src (contiguous-ised) viewed with geometry gm: the inverse of scatter */
static lt_tensor *strided_take(lt_tensor *src, const geometry *gm) {
  struct lt_node *node = NULL;
  if (lt_record_begin_ex(&node, "as_strided", take_backward, NULL, 1, &src, 1, sizeof *gm))
    return NULL;
  if (node) memcpy(node->extra, gm, sizeof *gm);
  lt_tensor *c = lt_contiguous(src), *v = NULL;
  if (c) v = make_view(c, c->offset + gm->offset, gm->ndim, gm->size, gm->stride);
  lt_tensor_release(c);
  return lt_record_end(node, v);
}

/* zeros of size `size` with g added into the view gm (serially: views such
 * as unfold's windows overlap) */
static lt_tensor *strided_scatter(lt_tensor *g, int ndim, const int64_t *size, const geometry *gm) {
  struct lt_node *node = NULL;
  if (lt_record_begin_ex(&node, "as_strided_backward", scatter_backward, NULL, 1, &g, 1,
                         sizeof *gm))
    return NULL;
  if (node) memcpy(node->extra, gm, sizeof *gm);
  lt_tensor *r = lt_device_zeros(g, g->dtype, ndim, size), *v = NULL;
  if (r && (v = make_view(r, gm->offset, gm->ndim, gm->size, gm->stride)) &&
      lt_accumulate_serial_(v, g)) {
    lt_tensor_release(r);
    r = NULL;
  }
  lt_tensor_release(v);
  return lt_record_end(node, r);
}

BW(take) {
  gin[0] = strided_scatter(g[0], n->next[0].ndim, n->next[0].size, n->extra);
  return DONE;
}
BW(scatter) {
  gin[0] = strided_take(g[0], n->extra);
  return DONE;
}

BW(narrow) {
  geometry gm;
  int d = (int)n->ints[0];
  contiguous_geometry(n->next[0].ndim, n->next[0].size, &gm);
  gm.offset = n->ints[1] * gm.stride[d];
  gm.size[d] = n->ints[2];
  gin[0] = strided_scatter(g[0], n->next[0].ndim, n->next[0].size, &gm);
  return DONE;
}
BW(select) {
  geometry gm;
  int d = (int)n->ints[0];
  contiguous_geometry(n->next[0].ndim, n->next[0].size, &gm);
  gm.offset = n->ints[1] * gm.stride[d];
  for (int i = d; i + 1 < gm.ndim; i++) {
    gm.size[i] = gm.size[i + 1];
    gm.stride[i] = gm.stride[i + 1];
  }
  gm.ndim--;
  gin[0] = strided_scatter(g[0], n->next[0].ndim, n->next[0].size, &gm);
  return DONE;
}
BW(unfold) {
  geometry gm;
  int d = (int)n->ints[0], nd = n->next[0].ndim;
  contiguous_geometry(nd, n->next[0].size, &gm);
  int64_t dsize = nd ? gm.size[d] : 1, dstride = nd ? gm.stride[d] : 1;
  int64_t size = n->ints[1], step = n->ints[2];
  gm.ndim = (nd ? nd : 1) + 1;
  gm.size[d] = (dsize - size) / step + 1;
  gm.stride[d] = step * dstride;
  gm.size[gm.ndim - 1] = size;
  gm.stride[gm.ndim - 1] = dstride;
  gin[0] = strided_scatter(g[0], nd, n->next[0].size, &gm);
  return DONE;
}

lt_tensor *lt_alias(const lt_tensor *t) {
  return record(alias_raw(t), t, "alias", alias_backward, NULL, 0);
}
lt_tensor *lt_view(const lt_tensor *t, int ndim, const int64_t *size) {
  return record(view_raw(t, ndim, size), t, "view", reshape_backward, NULL, 0);
}
lt_tensor *lt_narrow(const lt_tensor *t, int dim, int64_t start, int64_t length) {
  lt_tensor *v = narrow_raw(t, dim, start, length);
  int64_t ints[3] = {v ? lt_wrap_dim("narrow", dim, t->ndim, 0) : 0, start, length};
  return record(v, t, "narrow", narrow_backward, ints, 3);
}
lt_tensor *lt_select(const lt_tensor *t, int dim, int64_t index) {
  lt_tensor *v = select_raw(t, dim, index);
  int64_t ints[2] = {v ? lt_wrap_dim("select", dim, t->ndim, 0) : 0, index};
  return record(v, t, "select", select_backward, ints, 2);
}
lt_tensor *lt_transpose(const lt_tensor *t, int d0, int d1) {
  lt_tensor *v = transpose_raw(t, d0, d1);
  if (!v || t->ndim == 0) return record(v, t, "transpose", alias_backward, NULL, 0);
  int64_t ints[2] = {lt_wrap_dim("transpose", d0, t->ndim, 0),
                     lt_wrap_dim("transpose", d1, t->ndim, 0)};
  return record(v, t, "transpose", transpose_backward, ints, 2);
}
lt_tensor *lt_permute(const lt_tensor *t, const int *perm) {
  lt_tensor *v = permute_raw(t, perm);
  int64_t ints[LT_MAX_DIMS];
  for (int i = 0; v && i < t->ndim; i++) ints[i] = lt_wrap_dim("permute", perm[i], t->ndim, 0);
  return record(v, t, "permute", permute_backward, ints, t->ndim);
}
lt_tensor *lt_expand(const lt_tensor *t, int ndim, const int64_t *size) {
  return record(expand_raw(t, ndim, size), t, "expand", alias_backward, NULL, 0);
}
lt_tensor *lt_squeeze(const lt_tensor *t, int dim) {
  return record(squeeze_raw(t, dim), t, "squeeze", reshape_backward, NULL, 0);
}
lt_tensor *lt_unsqueeze(const lt_tensor *t, int dim) {
  return record(unsqueeze_raw(t, dim), t, "unsqueeze", reshape_backward, NULL, 0);
}
lt_tensor *lt_unfold(const lt_tensor *t, int dim, int64_t size, int64_t step) {
  lt_tensor *v = unfold_raw(t, dim, size, step);
  int64_t ints[3] = {v && t->ndim ? lt_wrap_dim("unfold", dim, t->ndim, 0) : 0, size, step};
  return record(v, t, "unfold", unfold_backward, ints, 3);
}
