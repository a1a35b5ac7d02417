/* Linear systems, inverses and determinants through LU (getrf, gesv,
 * getri) and Cholesky (potrf, potrs, potri) factorizations, each raw
 * computation followed by its public, recorded form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lapack_util.h"

/* ---- gesv, inverse ---- */

static int gesv_raw(lt_tensor *b, lt_tensor *a, lt_tensor **x, lt_tensor **lu) {
  const char *fn = "gesv";
  if (lp_check_matrix(fn, a, "A", true) || lp_check_rhs(fn, b, a, "A")) return -1;
  if (lt_device_any1(a)) {
    lt_tensor *o[3];
    if (lp_device(LT_DEV_LAPACK_GESV, fn, a, b, lu ? LT_DEV_LAPACK_LU : 0, o, NULL)) return -1;
    *x = o[0];
    if (lu) *lu = o[1];
    else lt_tensor_release(o[1]);
    return 0;
  }
  int n = (int)a->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1, ld = lp_max1(n), info = 0;
  lt_tensor *ac = lp_tcopy(a), *bc = lp_tcopy(b);
  int *ipiv = malloc(sizeof(int) * (size_t)lp_max1(n));
  int rc = -1;
  if (!ac || !bc || !ipiv) goto done;
  CALL2(a->dtype, gesv, (&n, &k, lp_cm(ac), &ld, ipiv, lp_cm(bc), &ld, &info));
  if (info > 0) {
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
    goto done;
  }
  if (info < 0) {
    lp_fail(fn, info);
    goto done;
  }
  lt_tensor *xs = lp_tcopy(bc);
  if (xs && b->ndim == 1) {
    int64_t n1[1] = {n};
    lt_tensor *v = lt_view(xs, 1, n1);
    lt_tensor_release(xs);
    xs = v;
  }
  lt_tensor *lus = lu && xs ? lp_tcopy(ac) : NULL;
  if (!xs || (lu && !lus)) {
    lt_tensor_release(xs);
    goto done;
  }
  *x = xs;
  if (lu) *lu = lus;
  rc = 0;
done:
  free(ipiv);
  lt_tensor_release(ac);
  lt_tensor_release(bc);
  return rc;
}

static lt_tensor *inverse_raw(lt_tensor *a) {
  const char *fn = "inverse";
  if (lp_check_matrix(fn, a, "the matrix", true)) return NULL;
  if (lt_device_any1(a)) return lp_device1(LT_DEV_LAPACK_INVERSE, fn, a, NULL, 0);
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = lp_max1(n), info = 0, lwork = -1;
  lt_tensor *ac = lp_tcopy(a), *r = NULL;
  int *ipiv = malloc(sizeof(int) * (size_t)lp_max1(n));
  void *w = NULL;
  char q[8];
  if (!ac || !ipiv) goto done;
  if (n == 0) {
    r = lp_tcopy(ac);
    goto done;
  }
  CALL2(dt, getrf, (&n, &n, lp_cm(ac), &ld, ipiv, &info));
  if (info > 0) {
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
    goto done;
  }
  CALL2(dt, getri, (&n, lp_cm(ac), &ld, ipiv, (void *)q, &lwork, &info));
  lwork = (int)lp_first(dt, q);
  if (!(w = lp_work(dt, lwork))) goto done;
  lwork = lp_max1(lwork);
  CALL2(dt, getri, (&n, lp_cm(ac), &ld, ipiv, w, &lwork, &info));
  if (info > 0)
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
  else if (info < 0)
    lp_fail(fn, info);
  else
    r = lp_tcopy(ac);
done:
  free(w);
  free(ipiv);
  lt_tensor_release(ac);
  return r;
}

/* ---- Cholesky ---- */

/* Zero the triangle LAPACK left alone (upper: below the diagonal) of an
 * n x n column-major matrix. */
static void zero_other_triangle(lt_dtype dt, void *p, int n, bool upper) {
  size_t esz = lt_dtype_size(dt);
  for (int j = 0; j < n; j++) {
    char *col = (char *)p + (size_t)j * (size_t)n * esz;
    if (upper)
      memset(col + (size_t)(j + 1) * esz, 0, (size_t)(n - j - 1) * esz);
    else
      memset(col, 0, (size_t)j * esz);
  }
}

static lt_tensor *potrf_raw(lt_tensor *a, bool upper) {
  const char *fn = "potrf";
  if (lp_check_matrix(fn, a, "the matrix", true)) return NULL;
  if (lt_device_any1(a))
    return lp_device1(LT_DEV_LAPACK_POTRF, fn, a, NULL, upper ? LT_DEV_LAPACK_UPPER : 0);
  int n = (int)a->size[0], ld = lp_max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *ac = lp_tcopy(a);
  if (!ac) return NULL;
  CALL2(a->dtype, potrf, (uplo, &n, lp_cm(ac), &ld, &info, 1));
  if (info != 0) {
    if (info > 0)
      lt_errorf("%s: matrix is not positive definite (the leading minor of order %d is not "
                "positive)", fn, info);
    else
      lp_fail(fn, info);
    lt_tensor_release(ac);
    return NULL;
  }
  zero_other_triangle(a->dtype, lp_cm(ac), n, upper);
  lt_tensor *r = lp_tcopy(ac);
  lt_tensor_release(ac);
  return r;
}

static lt_tensor *potrs_raw(lt_tensor *b, lt_tensor *chol, bool upper) {
  const char *fn = "potrs";
  if (lp_check_matrix(fn, chol, "the Cholesky factor", true) || lp_check_rhs(fn, b, chol, "the factor"))
    return NULL;
  if (lt_device_any1(chol))
    return lp_device1(LT_DEV_LAPACK_POTRS, fn, chol, b, upper ? LT_DEV_LAPACK_UPPER : 0);
  int n = (int)chol->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1, ld = lp_max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *cc = lp_tcopy(chol), *bc = lp_tcopy(b), *r = NULL;
  if (cc && bc) {
    CALL2(b->dtype, potrs, (uplo, &n, &k, lp_cm(cc), &ld, lp_cm(bc), &ld, &info, 1));
    if (info < 0)
      lp_fail(fn, info);
    else
      r = lp_tcopy(bc);
  }
  if (r && b->ndim == 1) {
    int64_t n1[1] = {n};
    lt_tensor *v = lt_view(r, 1, n1);
    lt_tensor_release(r);
    r = v;
  }
  lt_tensor_release(cc);
  lt_tensor_release(bc);
  return r;
}

static lt_tensor *potri_raw(lt_tensor *chol, bool upper) {
  const char *fn = "potri";
  if (lp_check_matrix(fn, chol, "the Cholesky factor", true)) return NULL;
  if (lt_device_any1(chol))
    return lp_device1(LT_DEV_LAPACK_POTRI, fn, chol, NULL, upper ? LT_DEV_LAPACK_UPPER : 0);
  lt_dtype dt = chol->dtype;
  int n = (int)chol->size[0], ld = lp_max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *cc = lp_tcopy(chol);
  if (!cc) return NULL;
  CALL2(dt, potri, (uplo, &n, lp_cm(cc), &ld, &info, 1));
  if (info != 0) {
    if (info > 0)
      lt_errorf("%s: matrix is singular (element (%d,%d) of the factor is zero)", fn, info, info);
    else
      lp_fail(fn, info);
    lt_tensor_release(cc);
    return NULL;
  }
  /* LAPACK filled one triangle: mirror it into the other */
  size_t esz = lt_dtype_size(dt);
  char *p = lp_cm(cc);
  for (int j = 0; j < n; j++)
    for (int i = j + 1; i < n; i++) { /* (i, j) below the diagonal, (j, i) above */
      char *lo = p + ((size_t)j * (size_t)n + (size_t)i) * esz;
      char *up = p + ((size_t)i * (size_t)n + (size_t)j) * esz;
      if (upper)
        memcpy(lo, up, esz);
      else
        memcpy(up, lo, esz);
    }
  lt_tensor *r = lp_tcopy(cc);
  lt_tensor_release(cc);
  return r;
}

/* ---- determinants ---- */

static int slogdet(const char *fn, lt_tensor *a, double *sign, double *logabsdet) {
  if (lp_check_matrix(fn, a, "the matrix", true)) return -1;
  if (lt_device_any1(a)) {
    lt_tensor *o[3];
    double num[2];
    if (lp_device(LT_DEV_LAPACK_SLOGDET, fn, a, NULL, 0, o, num)) return -1;
    lp_release_all(3, o);
    *sign = num[0];
    *logabsdet = num[1];
    return 0;
  }
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = lp_max1(n), info = 0;
  lt_tensor *ac = lp_tcopy(a);
  int *ipiv = malloc(sizeof(int) * (size_t)lp_max1(n));
  if (!ac || !ipiv) {
    free(ipiv);
    lt_tensor_release(ac);
    return -1;
  }
  double sg = 1, la = 0;
  if (n > 0) CALL2(dt, getrf, (&n, &n, lp_cm(ac), &ld, ipiv, &info));
  if (info < 0) {
    free(ipiv);
    lt_tensor_release(ac);
    return lp_fail(fn, info);
  }
  size_t esz = lt_dtype_size(dt);
  for (int i = 0; i < n; i++) {
    double d = lt_dtype_load(dt, (char *)lp_cm(ac) + ((size_t)i * (size_t)n + (size_t)i) * esz);
    if (ipiv[i] != i + 1) sg = -sg;
    if (d < 0) sg = -sg;
    if (d == 0) sg = 0;
    la += log(fabs(d));
  }
  *sign = sg;
  *logabsdet = la;
  free(ipiv);
  lt_tensor_release(ac);
  return 0;
}

int lt_slogdet(lt_tensor *a, double *sign, double *logabsdet) {
  return slogdet("slogdet", a, sign, logabsdet);
}

int lt_det(lt_tensor *a, double *det) {
  double sign, la;
  if (slogdet("det", a, &sign, &la)) return -1;
  *det = sign == 0 ? 0.0 : sign * exp(la);
  return 0;
}

/* ---- public forms, recorded for autograd ---- */

int lt_gesv(lt_tensor *b, lt_tensor *a, lt_tensor **x, lt_tensor **lu) {
  lt_node *node;
  lt_tensor *in[2] = {b, a}, *out[2] = {NULL, NULL};
  if (lp_begin(&node, "gesv", lt__bw_gesv, 2, in, 2, 1, 1)) return -1;
  if (!node) return gesv_raw(b, a, x, lu);
  int rc = gesv_raw(b, a, &out[0], lu ? &out[1] : NULL);
  static const bool saved[2] = {true, false}, grads[2] = {true, false};
  if (lp_end_outputs(node, rc, 2, out, saved, grads)) {
    lp_release_all(2, out);
    return -1;
  }
  *x = out[0];
  if (lu) *lu = out[1];
  return 0;
}

lt_tensor *lt_inverse(lt_tensor *a) {
  lt_node *node;
  if (lp_begin(&node, "inverse", lt__bw_inverse, 1, &a, 1, -1, 0)) return NULL;
  return lp_end_output(node, inverse_raw(a), 0);
}

lt_tensor *lt_potrf(lt_tensor *a, bool upper) {
  lt_node *node;
  if (lp_begin(&node, "potrf", lt__bw_potrf, 1, &a, 1, -1, 0)) return NULL;
  if (node) node->ints[0] = upper;
  return lp_end_output(node, potrf_raw(a, upper), 0);
}

lt_tensor *lt_potrs(lt_tensor *b, lt_tensor *chol, bool upper) {
  lt_node *node;
  lt_tensor *in[2] = {b, chol};
  if (lp_begin(&node, "potrs", lt__bw_potrs, 2, in, 1, 1, 1)) return NULL;
  if (node) node->ints[0] = upper;
  return lp_end_output(node, potrs_raw(b, chol, upper), 0);
}

lt_tensor *lt_potri(lt_tensor *chol, bool upper) {
  lt_node *node;
  if (lp_begin(&node, "potri", lt__bw_potri, 1, &chol, 1, 0, 0)) return NULL;
  if (node) node->ints[0] = upper;
  return lp_end_output(node, potri_raw(chol, upper), 1);
}

lt_tensor *lt_det_tensor(lt_tensor *a) {
  lt_node *node;
  if (lp_begin(&node, "det", lt__bw_det, 1, &a, 1, 0, 0)) return NULL;
  double d;
  return lp_end_output(node, lt_det(a, &d) ? NULL : lp_scalar(a, d), 1);
}

int lt_slogdet_tensor(lt_tensor *a, lt_tensor **sign, lt_tensor **logabsdet) {
  lt_node *node;
  if (lp_begin(&node, "slogdet", lt__bw_slogdet, 1, &a, 2, 0, 0)) return -1;
  double sg, la;
  lt_tensor *out[2] = {NULL, NULL};
  int rc = lt_slogdet(a, &sg, &la);
  if (!rc && (!(out[0] = lp_scalar(a, sg)) || !(out[1] = lp_scalar(a, la))))
    rc = -1;
  static const bool saved[2] = {false, false}, grads[2] = {false, true};
  if (lp_end_outputs(node, rc, 2, out, saved, grads)) {
    lp_release_all(2, out);
    return -1;
  }
  *sign = out[0];
  *logabsdet = out[1];
  return 0;
}

lt_tensor *lt_logdet(lt_tensor *a) {
  lt_node *node;
  if (lp_begin(&node, "logdet", lt__bw_logdet, 1, &a, 1, 0, 0)) return NULL;
  double sg, la;
  lt_tensor *r = NULL;
  if (slogdet("logdet", a, &sg, &la) == 0)
    r = lp_scalar(a, sg < 0 ? NAN : sg == 0 ? -INFINITY : la);
  return lt_record_end(node, r);
}

