/* View ops: new tensors over the same storage with other geometry.
 * Autograd records them like any op (lib/autograd/views.c). */
#include <string.h>

#include "lutorch/autograd.h"
#include "lutorch/tensor.h"

static lt_tensor *make_view(const lt_tensor *t, int64_t offset, int ndim, const int64_t *size,
                            const int64_t *stride) {
  lt_tensor *v = lt_tensor_from_storage(t->storage, offset, ndim, size, stride);
  return v;
}

lt_tensor *lt_alias(const lt_tensor *t) {
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
  int newd = ndim - 1;
  int64_t chunk = 1, base_stride = t->stride[t->ndim - 1];
  for (int d = t->ndim - 1; d >= 0; d--) {
    chunk *= t->size[d];
    /* a chunk ends where dim d-1 is not contiguous with dim d */
    if (d == 0 || (t->size[d - 1] != 1 && t->stride[d - 1] != t->size[d] * t->stride[d])) {
      int64_t acc = 1;
      while (newd >= 0 && (acc < chunk || size[newd] == 1)) {
        stride[newd] = base_stride * acc;
        acc *= size[newd];
        newd--;
      }
      if (acc != chunk) return false;
      if (d > 0) {
        base_stride = t->stride[d - 1];
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

lt_tensor *lt_view(const lt_tensor *t, int ndim, const int64_t *size) {
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  if (infer_size("view", t, ndim, size, sz)) return NULL;
  if (!view_strides(t, ndim, sz, st))
    return lt_error("view: the tensor's strides do not allow this view without a copy; "
                    "call :contiguous() first or use reshape");
  return make_view(t, t->offset, ndim, sz, st);
}

lt_tensor *lt_reshape(const lt_tensor *t, int ndim, const int64_t *size) {
  int64_t sz[LT_MAX_DIMS], st[LT_MAX_DIMS];
  if (infer_size("reshape", t, ndim, size, sz)) return NULL;
  if (view_strides(t, ndim, sz, st)) return make_view(t, t->offset, ndim, sz, st);
  lt_tensor *c = lt_contiguous(t);
  if (!c) return NULL;
  lt_tensor *v = lt_view(c, ndim, sz);
  lt_tensor_release(c);
  return v;
}

lt_tensor *lt_narrow(const lt_tensor *t, int dim, int64_t start, int64_t length) {
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

lt_tensor *lt_select(const lt_tensor *t, int dim, int64_t index) {
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

lt_tensor *lt_transpose(const lt_tensor *t, int d0, int d1) {
  if (t->ndim == 0) return lt_alias(t);
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

lt_tensor *lt_permute(const lt_tensor *t, const int *perm) {
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

lt_tensor *lt_expand(const lt_tensor *t, int ndim, const int64_t *size) {
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

lt_tensor *lt_squeeze(const lt_tensor *t, int dim) {
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

lt_tensor *lt_unsqueeze(const lt_tensor *t, int dim) {
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

lt_tensor *lt_unfold(const lt_tensor *t, int dim, int64_t size, int64_t step) {
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
