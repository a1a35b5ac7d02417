/* Argument checks of the matrix products (lutorch/linalg_check.h), used by
 * linalg.c and by device backends. */
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/iter.h"
#include "lutorch/linalg_check.h"

int lt_product_mismatch(const char *fn, const char *na, const lt_tensor *a, const char *nb,
                        const lt_tensor *b) {
  char x[128], y[128];
  return lt_errorf("%s: size mismatch, %s is %s, %s is %s", fn, na,
                   lt_shape_str(a->ndim, a->size, x, sizeof x), nb,
                   lt_shape_str(b->ndim, b->size, y, sizeof y));
}

static int check_dim(const char *fn, const lt_tensor *t, int nd, const char *name) {
  if (t->ndim == nd) return 0;
  return lt_errorf("%s: %s must be %d-dimensional, got %d dimension%s", fn, name, nd, t->ndim,
                   t->ndim == 1 ? "" : "s");
}

int lt_product_check(int kind, const char *fn, lt_product_inputs_fn inputs, const lt_tensor *out,
                     lt_tensor *m, lt_tensor *a, lt_tensor *b, int64_t size[3]) {
  /* the names of a and b in messages, and their ranks (matmul: any >= 1) */
  static const struct {
    const char *na, *nb;
    int ra, rb;
  } kinds[] = {[LT_DEV_MM] = {"m1", "m2", 2, 2},         [LT_DEV_MV] = {"matrix", "vector", 2, 1},
               [LT_DEV_R] = {"vec1", "vec2", 1, 1},       [LT_DEV_BMM] = {"batch1", "batch2", 3, 3},
               [LT_DEV_ADDBMM] = {"batch1", "batch2", 3, 3}, [LT_DEV_MATMUL] = {"a", "b", 0, 0}};
  if (kind < LT_DEV_MM || kind > LT_DEV_MATMUL)
    return lt_errorf("%s: unknown product kind %d", fn, kind);
  const char *na = kinds[kind].na, *nb = kinds[kind].nb;
  lt_tensor *t[3] = {m, a, b};
  const char *names[3] = {"M", na, nb};
  if (inputs(fn, out, 3, t, names)) return -1;
  if (kind == LT_DEV_MATMUL && (a->ndim == 0 || b->ndim == 0))
    return lt_errorf("%s: both arguments must be at least 1-dimensional, got %d and %d dimensions",
                     fn, a->ndim, b->ndim);
  if (kind != LT_DEV_MATMUL &&
      (check_dim(fn, a, kinds[kind].ra, na) || check_dim(fn, b, kinds[kind].rb, nb)))
    return -1;
  /* a's last dim meets b's first matrix dim (a vector's only one) */
  int64_t ka = a->size[a->ndim - 1], kb = b->size[b->ndim == 1 ? 0 : b->ndim - 2];
  bool batch = kind == LT_DEV_BMM || kind == LT_DEV_ADDBMM;
  if (kind != LT_DEV_R && (ka != kb || (batch && a->size[0] != b->size[0])))
    return lt_product_mismatch(fn, na, a, nb, b);
  switch (kind) {
  case LT_DEV_MV:
    if (m && m->ndim > 1) {
      char s[128];
      return lt_errorf("%s: M must be a vector, got size %s", fn,
                       lt_shape_str(m->ndim, m->size, s, sizeof s));
    }
    size[0] = a->size[0];
    return 1;
  case LT_DEV_BMM:
    memcpy(size, a->size, 2 * sizeof(int64_t));
    size[2] = b->size[2];
    return 3;
  case LT_DEV_ADDBMM:
    size[0] = a->size[1];
    size[1] = b->size[2];
    return 2;
  case LT_DEV_MATMUL: return 0;
  default: /* mm, addr */
    size[0] = a->size[0];
    size[1] = b->size[b->ndim - 1];
    return 2;
  }
}

int lt_product_check_m(const char *fn, const lt_tensor *out, const lt_tensor *m, int nd,
                       const int64_t *size) {
  char x[128], y[128];
  if (!m) return 0;
  if (out == m) {
    if (m->ndim == nd && !memcmp(m->size, size, sizeof(int64_t) * (size_t)nd)) return 0;
    return lt_errorf("%s: size mismatch, in-place M is %s but the product is %s", fn,
                     lt_shape_str(m->ndim, m->size, x, sizeof x), lt_shape_str(nd, size, y, sizeof y));
  }
  bool fits = m->ndim <= nd; /* NumPy rules, M not growing the result */
  for (int i = 0; fits && i < m->ndim; i++) {
    int64_t s = m->size[m->ndim - 1 - i];
    fits = s == 1 || s == size[nd - 1 - i];
  }
  if (fits) return 0;
  return lt_errorf("%s: size mismatch, M is %s but the product is %s", fn,
                   lt_shape_str(m->ndim, m->size, x, sizeof x), lt_shape_str(nd, size, y, sizeof y));
}

int lt_matmul_operands(const char *fn, lt_tensor *a, lt_tensor *b, lt_tensor **ea,
                       lt_tensor **eb, int *nd, int64_t *size) {
  bool va = a->ndim == 1, vb = b->ndim == 1;
  lt_tensor *a2 = va ? lt_unsqueeze(a, 0) : (lt_tensor_retain(a), a);
  lt_tensor *b2 = vb ? lt_unsqueeze(b, 1) : (lt_tensor_retain(b), b);
  int nb, rc = -1;
  int64_t shape[LT_MAX_DIMS], sa[LT_MAX_DIMS], sb[LT_MAX_DIMS];
  *ea = *eb = NULL;
  if (!a2 || !b2 ||
      lt_broadcast_shape(fn, a2->ndim - 2, a2->size, b2->ndim - 2, b2->size, &nb, shape))
    goto done;
  if (nb + 2 > LT_MAX_DIMS) {
    lt_error("%s: too many dimensions", fn);
    goto done;
  }
  memcpy(sa, shape, sizeof(int64_t) * (size_t)nb);
  memcpy(sb, shape, sizeof(int64_t) * (size_t)nb);
  sa[nb] = a2->size[a2->ndim - 2];
  sa[nb + 1] = sb[nb] = a2->size[a2->ndim - 1];
  sb[nb + 1] = b2->size[b2->ndim - 1];
  if (!(*ea = lt_expand(a2, nb + 2, sa)) || !(*eb = lt_expand(b2, nb + 2, sb))) goto done;
  memcpy(size, shape, sizeof(int64_t) * (size_t)nb);
  *nd = nb;
  if (!va) size[(*nd)++] = sa[nb];
  if (!vb) size[(*nd)++] = sb[nb + 1];
  rc = 0;
done:
  if (rc) {
    lt_tensor_release(*ea);
    *ea = NULL;
  }
  lt_tensor_release(a2);
  lt_tensor_release(b2);
  return rc;
}
