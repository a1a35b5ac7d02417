/* Factorizations and solvers through OpenBLAS's LAPACK: gesv, inverse,
 * potrf, potrs, potri, symeig, eig, svd, qr, det, slogdet.
 *
 * Debian's OpenBLAS has no LAPACKE, so the Fortran symbols are declared
 * here (with gfortran's hidden string lengths after the arguments, which
 * the C-implemented routines simply ignore). LAPACK is column-major: a
 * matrix goes in as a contiguous copy of its transpose (whose memory is
 * the matrix in column-major order) and comes back the same way, so the
 * inputs are never modified and the results are contiguous. Each routine
 * gets a small shim picking the s- or d- version by dtype; the buffers are
 * void* so the algorithms are written once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg_grad.h"
#include "lutorch/linalg.h"
#include "lutorch/op.h"

#define FL size_t /* a hidden Fortran string length */
#define LAPACK(T, P)                                                                          \
  void P##getrf_(const int *, const int *, T *, const int *, int *, int *);                   \
  void P##getri_(const int *, T *, const int *, const int *, T *, const int *, int *);        \
  void P##gesv_(const int *, const int *, T *, const int *, int *, T *, const int *, int *);  \
  void P##potrf_(const char *, const int *, T *, const int *, int *, FL);                     \
  void P##potrs_(const char *, const int *, const int *, const T *, const int *, T *,        \
                 const int *, int *, FL);                                                     \
  void P##potri_(const char *, const int *, T *, const int *, int *, FL);                     \
  void P##syevd_(const char *, const char *, const int *, T *, const int *, T *, T *,        \
                 const int *, int *, const int *, int *, FL, FL);                             \
  void P##geev_(const char *, const char *, const int *, T *, const int *, T *, T *, T *,    \
                const int *, T *, const int *, T *, const int *, int *, FL, FL);              \
  void P##gesdd_(const char *, const int *, const int *, T *, const int *, T *, T *,         \
                 const int *, T *, const int *, T *, const int *, int *, int *, FL);          \
  void P##geqrf_(const int *, const int *, T *, const int *, T *, T *, const int *, int *);   \
  void P##orgqr_(const int *, const int *, const int *, T *, const int *, const T *, T *,    \
                 const int *, int *);
LAPACK(float, s)
LAPACK(double, d)

/* Call the s- or d- routine with the same (void * data) arguments. */
#define CALL2(dt, name, ...) \
  do { if ((dt) == LT_FLOAT32) s##name##_ __VA_ARGS__; else d##name##_ __VA_ARGS__; } while (0)

static int max1(int64_t v) { return v > 1 ? (int)v : 1; }

/* ---- checks and layout ---- */

static int check_matrix(const char *fn, const lt_tensor *t, const char *name, bool square) {
  char s[128];
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (t->dtype != LT_FLOAT32 && t->dtype != LT_FLOAT64)
    return lt_errorf("%s: %s must be float32 or float64, got %s", fn, name, lt_dtype_name(t->dtype));
  if (t->ndim != 2)
    return lt_errorf("%s: %s must be 2-dimensional, got %d dimension%s", fn, name, t->ndim,
                     t->ndim == 1 ? "" : "s");
  if (square && t->size[0] != t->size[1])
    return lt_errorf("%s: %s must be a square matrix, got %s", fn, name,
                     lt_shape_str(2, t->size, s, sizeof s));
  if (t->size[0] > 46340 || t->size[1] > 46340) /* n*n must fit LAPACK's int */
    return lt_errorf("%s: %s is too large for LAPACK (%s)", fn, name, lt_shape_str(2, t->size, s, sizeof s));
  return 0;
}

/* B (n or n x k) against the n x n matrix a. */
static int check_rhs(const char *fn, const lt_tensor *b, const lt_tensor *a, const char *an) {
  char x[128], y[128];
  if (lt_tensor_device(b).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (b->dtype != a->dtype)
    return lt_errorf("%s: B is %s but %s is %s", fn, lt_dtype_name(b->dtype), an,
                     lt_dtype_name(a->dtype));
  if (b->ndim != 1 && b->ndim != 2)
    return lt_errorf("%s: B must be 1- or 2-dimensional, got %d dimensions", fn, b->ndim);
  if (b->size[0] != a->size[0])
    return lt_errorf("%s: size mismatch, B is %s, %s is %s", fn,
                     lt_shape_str(b->ndim, b->size, x, sizeof x), an,
                     lt_shape_str(a->ndim, a->size, y, sizeof y));
  if (b->ndim == 2 && b->size[1] > 46340) return lt_errorf("%s: B is too large for LAPACK", fn);
  return 0;
}

/* A contiguous copy of tᵀ (t 1-D counts as a column): the column-major
 * form of t going in, the row-major form of a LAPACK result coming out. */
static lt_tensor *tcopy(const lt_tensor *t) {
  lt_tensor *v = t->ndim == 1 ? lt_unsqueeze(t, 1) : lt_alias(t);
  if (!v) return NULL;
  int64_t size[2] = {v->size[1], v->size[0]};
  lt_tensor *tr = lt_transpose(v, 0, 1), *c = lt_tensor_empty(t->dtype, 2, size);
  if (!tr || !c || lt_copy_(c, tr)) {
    lt_tensor_release(c);
    c = NULL;
  }
  lt_tensor_release(tr);
  lt_tensor_release(v);
  return c;
}

/* Column-major data of a tcopy result. */
static void *cm(lt_tensor *t) { return lt_tensor_data(t); }

static int lapack_fail(const char *fn, int info) {
  return lt_errorf("%s: LAPACK rejected argument %d (an internal error)", fn, -info);
}

/* A LAPACK work array of n elements of dt (at least one). */
static void *work(lt_dtype dt, double n) {
  size_t count = n < 1 ? 1 : (size_t)n;
  void *w = malloc(count * lt_dtype_size(dt));
  if (!w) lt_error("out of memory for a LAPACK work array");
  return w;
}

static double first(lt_dtype dt, const void *p) { return lt_dtype_load(dt, p); }

/* ---- gesv, inverse ---- */

static int gesv_raw(lt_tensor *b, lt_tensor *a, lt_tensor **x, lt_tensor **lu) {
  const char *fn = "gesv";
  if (check_matrix(fn, a, "A", true) || check_rhs(fn, b, a, "A")) return -1;
  int n = (int)a->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1, ld = max1(n), info = 0;
  lt_tensor *ac = tcopy(a), *bc = tcopy(b);
  int *ipiv = malloc(sizeof(int) * (size_t)max1(n));
  int rc = -1;
  if (!ac || !bc || !ipiv) goto done;
  CALL2(a->dtype, gesv, (&n, &k, cm(ac), &ld, ipiv, cm(bc), &ld, &info));
  if (info > 0) {
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
    goto done;
  }
  if (info < 0) {
    lapack_fail(fn, info);
    goto done;
  }
  lt_tensor *xs = tcopy(bc);
  if (xs && b->ndim == 1) {
    int64_t n1[1] = {n};
    lt_tensor *v = lt_view(xs, 1, n1);
    lt_tensor_release(xs);
    xs = v;
  }
  lt_tensor *lus = lu && xs ? tcopy(ac) : NULL;
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
  if (check_matrix(fn, a, "the matrix", true)) return NULL;
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = max1(n), info = 0, lwork = -1;
  lt_tensor *ac = tcopy(a), *r = NULL;
  int *ipiv = malloc(sizeof(int) * (size_t)max1(n));
  void *w = NULL;
  char q[8];
  if (!ac || !ipiv) goto done;
  if (n == 0) {
    r = tcopy(ac);
    goto done;
  }
  CALL2(dt, getrf, (&n, &n, cm(ac), &ld, ipiv, &info));
  if (info > 0) {
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
    goto done;
  }
  CALL2(dt, getri, (&n, cm(ac), &ld, ipiv, (void *)q, &lwork, &info));
  lwork = (int)first(dt, q);
  if (!(w = work(dt, lwork))) goto done;
  lwork = max1(lwork);
  CALL2(dt, getri, (&n, cm(ac), &ld, ipiv, w, &lwork, &info));
  if (info > 0)
    lt_errorf("%s: matrix is singular (U(%d,%d) is zero)", fn, info, info);
  else if (info < 0)
    lapack_fail(fn, info);
  else
    r = tcopy(ac);
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
  if (check_matrix(fn, a, "the matrix", true)) return NULL;
  int n = (int)a->size[0], ld = max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *ac = tcopy(a);
  if (!ac) return NULL;
  CALL2(a->dtype, potrf, (uplo, &n, cm(ac), &ld, &info, 1));
  if (info != 0) {
    if (info > 0)
      lt_errorf("%s: matrix is not positive definite (the leading minor of order %d is not "
                "positive)", fn, info);
    else
      lapack_fail(fn, info);
    lt_tensor_release(ac);
    return NULL;
  }
  zero_other_triangle(a->dtype, cm(ac), n, upper);
  lt_tensor *r = tcopy(ac);
  lt_tensor_release(ac);
  return r;
}

static lt_tensor *potrs_raw(lt_tensor *b, lt_tensor *chol, bool upper) {
  const char *fn = "potrs";
  if (check_matrix(fn, chol, "the Cholesky factor", true) || check_rhs(fn, b, chol, "the factor"))
    return NULL;
  int n = (int)chol->size[0], k = b->ndim == 2 ? (int)b->size[1] : 1, ld = max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *cc = tcopy(chol), *bc = tcopy(b), *r = NULL;
  if (cc && bc) {
    CALL2(b->dtype, potrs, (uplo, &n, &k, cm(cc), &ld, cm(bc), &ld, &info, 1));
    if (info < 0)
      lapack_fail(fn, info);
    else
      r = tcopy(bc);
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
  if (check_matrix(fn, chol, "the Cholesky factor", true)) return NULL;
  lt_dtype dt = chol->dtype;
  int n = (int)chol->size[0], ld = max1(n), info = 0;
  const char *uplo = upper ? "U" : "L";
  lt_tensor *cc = tcopy(chol);
  if (!cc) return NULL;
  CALL2(dt, potri, (uplo, &n, cm(cc), &ld, &info, 1));
  if (info != 0) {
    if (info > 0)
      lt_errorf("%s: matrix is singular (element (%d,%d) of the factor is zero)", fn, info, info);
    else
      lapack_fail(fn, info);
    lt_tensor_release(cc);
    return NULL;
  }
  /* LAPACK filled one triangle: mirror it into the other */
  size_t esz = lt_dtype_size(dt);
  char *p = cm(cc);
  for (int j = 0; j < n; j++)
    for (int i = j + 1; i < n; i++) { /* (i, j) below the diagonal, (j, i) above */
      char *lo = p + ((size_t)j * (size_t)n + (size_t)i) * esz;
      char *up = p + ((size_t)i * (size_t)n + (size_t)j) * esz;
      if (upper)
        memcpy(lo, up, esz);
      else
        memcpy(up, lo, esz);
    }
  lt_tensor *r = tcopy(cc);
  lt_tensor_release(cc);
  return r;
}

/* ---- eigenvalues ---- */

static lt_tensor *empty_result(lt_dtype dt) {
  int64_t z[1] = {0};
  return lt_tensor_empty(dt, 1, z);
}

static int symeig_raw(lt_tensor *a, bool vectors, bool upper, lt_tensor **e, lt_tensor **v) {
  const char *fn = "symeig";
  if (check_matrix(fn, a, "the matrix", true)) return -1;
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = max1(n), info = 0, lwork = -1, liwork = -1, iq = 0;
  const char *jobz = vectors ? "V" : "N", *uplo = upper ? "U" : "L";
  int64_t n1[1] = {n};
  lt_tensor *ac = tcopy(a), *w = lt_tensor_empty(dt, 1, n1), *vs = NULL;
  void *wk = NULL;
  int *iwk = NULL, rc = -1;
  char q[8];
  if (!ac || !w) goto done;
  if (n > 0) {
    CALL2(dt, syevd, (jobz, uplo, &n, cm(ac), &ld, lt_tensor_data(w), (void *)q, &lwork, &iq,
                      &liwork, &info, 1, 1));
    lwork = max1((int64_t)first(dt, q));
    liwork = max1(iq);
    if (!(wk = work(dt, lwork)) || !(iwk = malloc(sizeof(int) * (size_t)liwork))) goto done;
    CALL2(dt, syevd, (jobz, uplo, &n, cm(ac), &ld, lt_tensor_data(w), wk, &lwork, iwk, &liwork,
                      &info, 1, 1));
    if (info > 0) {
      lt_errorf("%s: the algorithm failed to converge (%d off-diagonal elements did not "
                "converge to zero)", fn, info);
      goto done;
    }
    if (info < 0) {
      lapack_fail(fn, info);
      goto done;
    }
  }
  if (!(vs = vectors ? tcopy(ac) : empty_result(dt))) goto done;
  *e = w;
  *v = vs;
  w = NULL;
  rc = 0;
done:
  free(wk);
  free(iwk);
  lt_tensor_release(ac);
  lt_tensor_release(w);
  return rc;
}

static int eig_raw(lt_tensor *a, bool vectors, lt_tensor **e, lt_tensor **v) {
  const char *fn = "eig";
  if (check_matrix(fn, a, "the matrix", true)) return -1;
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = max1(n), one = 1, info = 0, lwork = -1, rc = -1;
  const char *jobvr = vectors ? "V" : "N";
  int64_t s2[2] = {2, n}, sv[2] = {n, n};
  /* wr and wi are the rows of a 2 x n buffer: its transpose is e (n x 2) */
  lt_tensor *ac = tcopy(a), *w = lt_tensor_empty(dt, 2, s2);
  lt_tensor *vr = vectors ? lt_tensor_empty(dt, 2, sv) : NULL, *es = NULL, *vs = NULL;
  void *wk = NULL;
  char q[8], dummy[8];
  if (!ac || !w || (vectors && !vr)) goto done;
  if (n > 0) {
    size_t esz = lt_dtype_size(dt);
    char *wr = lt_tensor_data(w), *wi = wr + (size_t)n * esz;
    void *vrp = vectors ? lt_tensor_data(vr) : (void *)dummy;
    int ldvr = vectors ? ld : 1;
    CALL2(dt, geev, ("N", jobvr, &n, cm(ac), &ld, (void *)wr, (void *)wi, (void *)dummy, &one,
                     vrp, &ldvr, (void *)q, &lwork, &info, 1, 1));
    lwork = max1((int64_t)first(dt, q));
    if (!(wk = work(dt, lwork))) goto done;
    CALL2(dt, geev, ("N", jobvr, &n, cm(ac), &ld, (void *)wr, (void *)wi, (void *)dummy, &one,
                     vrp, &ldvr, wk, &lwork, &info, 1, 1));
    if (info > 0) {
      lt_errorf("%s: the QR algorithm failed to compute all eigenvalues", fn);
      goto done;
    }
    if (info < 0) {
      lapack_fail(fn, info);
      goto done;
    }
  }
  if (!(es = tcopy(w))) goto done;
  if (!(vs = vectors ? tcopy(vr) : empty_result(dt))) goto done;
  *e = es;
  *v = vs;
  es = NULL;
  rc = 0;
done:
  free(wk);
  lt_tensor_release(es);
  lt_tensor_release(ac);
  lt_tensor_release(w);
  lt_tensor_release(vr);
  return rc;
}

/* ---- svd, qr ---- */

static int svd_raw(lt_tensor *a, bool some, lt_tensor **u, lt_tensor **s, lt_tensor **v) {
  const char *fn = "svd";
  if (check_matrix(fn, a, "the matrix", false)) return -1;
  lt_dtype dt = a->dtype;
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n, info = 0, lwork = -1, rc = -1;
  int ucols = some ? k : m, vrows = some ? k : n, lda = max1(m), ldu = max1(m),
      ldvt = max1(vrows);
  int64_t ss[1] = {k}, us[2] = {ucols, m}, vs[2] = {n, vrows};
  /* U comes back column-major (m x ucols); Vᵀ column-major (vrows x n)
   * is V row-major (n x vrows), so it is returned as is. */
  lt_tensor *ac = tcopy(a), *sv = lt_tensor_empty(dt, 1, ss), *uc = lt_tensor_empty(dt, 2, us);
  lt_tensor *vt = lt_tensor_empty(dt, 2, vs), *ur = NULL;
  void *wk = NULL;
  int *iwk = malloc(sizeof(int) * (size_t)max1(8 * (int64_t)k));
  char q[8];
  if (!ac || !sv || !uc || !vt || !iwk) goto done;
  if (k > 0) {
    CALL2(dt, gesdd, (some ? "S" : "A", &m, &n, cm(ac), &lda, lt_tensor_data(sv), lt_tensor_data(uc),
                      &ldu, lt_tensor_data(vt), &ldvt, (void *)q, &lwork, iwk, &info, 1));
    lwork = max1((int64_t)first(dt, q));
    if (!(wk = work(dt, lwork))) goto done;
    CALL2(dt, gesdd, (some ? "S" : "A", &m, &n, cm(ac), &lda, lt_tensor_data(sv), lt_tensor_data(uc),
                      &ldu, lt_tensor_data(vt), &ldvt, wk, &lwork, iwk, &info, 1));
    if (info > 0) {
      lt_errorf("%s: the algorithm did not converge", fn);
      goto done;
    }
    if (info < 0) {
      lapack_fail(fn, info);
      goto done;
    }
  } else { /* an empty matrix: full U and V are identities */
    if (lt_fill_(uc, 0) || lt_fill_(vt, 0)) goto done;
    size_t esz = lt_dtype_size(dt);
    for (int i = 0; i < ucols && i < m; i++)
      lt_dtype_store(dt, (char *)lt_tensor_data(uc) + (size_t)(i * m + i) * esz, 1);
    for (int i = 0; i < vrows && i < n; i++)
      lt_dtype_store(dt, (char *)lt_tensor_data(vt) + (size_t)(i * vrows + i) * esz, 1);
  }
  if (!(ur = tcopy(uc))) goto done;
  *u = ur;
  *s = sv;
  *v = vt;
  sv = vt = NULL;
  rc = 0;
done:
  free(wk);
  free(iwk);
  lt_tensor_release(ac);
  lt_tensor_release(uc);
  lt_tensor_release(sv);
  lt_tensor_release(vt);
  return rc;
}

static int qr_raw(lt_tensor *a, lt_tensor **q, lt_tensor **r) {
  const char *fn = "qr";
  if (check_matrix(fn, a, "the matrix", false)) return -1;
  lt_dtype dt = a->dtype;
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n, lda = max1(m), info = 0,
      lwork = -1, rc = -1;
  size_t esz = lt_dtype_size(dt);
  int64_t ts[1] = {k}, rs[2] = {k, n}, qs[2] = {m, k};
  lt_tensor *ac = tcopy(a), *tau = lt_tensor_empty(dt, 1, ts), *rr = lt_tensor_zeros(dt, 2, rs);
  lt_tensor *qc = NULL, *qr = NULL;
  void *wk = NULL;
  char qw[8];
  if (!ac || !tau || !rr) goto done;
  if (k == 0) {
    if (!(qr = lt_tensor_zeros(dt, 2, qs))) goto done;
  } else {
    CALL2(dt, geqrf, (&m, &n, cm(ac), &lda, lt_tensor_data(tau), (void *)qw, &lwork, &info));
    int lw1 = max1((int64_t)first(dt, qw));
    lwork = -1;
    CALL2(dt, orgqr, (&m, &k, &k, cm(ac), &lda, lt_tensor_data(tau), (void *)qw, &lwork, &info));
    int lw2 = max1((int64_t)first(dt, qw));
    lwork = lw1 > lw2 ? lw1 : lw2;
    if (!(wk = work(dt, lwork))) goto done;
    CALL2(dt, geqrf, (&m, &n, cm(ac), &lda, lt_tensor_data(tau), wk, &lwork, &info));
    if (info < 0) {
      lapack_fail(fn, info);
      goto done;
    }
    /* R: the upper triangle of the first k rows (column j holds R[0..j][j]) */
    char *src = cm(ac), *dst = lt_tensor_data(rr);
    for (int j = 0; j < n; j++)
      for (int i = 0; i <= j && i < k; i++)
        memcpy(dst + ((size_t)i * (size_t)n + (size_t)j) * esz,
               src + ((size_t)j * (size_t)m + (size_t)i) * esz, esz);
    CALL2(dt, orgqr, (&m, &k, &k, cm(ac), &lda, lt_tensor_data(tau), wk, &lwork, &info));
    if (info < 0) {
      lapack_fail(fn, info);
      goto done;
    }
    /* Q: the first k columns, i.e. the first k rows of the transposed copy */
    if (!(qc = lt_narrow(ac, 0, 0, k)) || !(qr = tcopy(qc))) goto done;
  }
  *q = qr;
  *r = rr;
  qr = rr = NULL;
  rc = 0;
done:
  free(wk);
  lt_tensor_release(ac);
  lt_tensor_release(tau);
  lt_tensor_release(qc);
  lt_tensor_release(qr);
  lt_tensor_release(rr);
  return rc;
}

/* ---- determinants ---- */

static int slogdet(const char *fn, lt_tensor *a, double *sign, double *logabsdet) {
  if (check_matrix(fn, a, "the matrix", true)) return -1;
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = max1(n), info = 0;
  lt_tensor *ac = tcopy(a);
  int *ipiv = malloc(sizeof(int) * (size_t)max1(n));
  if (!ac || !ipiv) {
    free(ipiv);
    lt_tensor_release(ac);
    return -1;
  }
  double sg = 1, la = 0;
  if (n > 0) CALL2(dt, getrf, (&n, &n, cm(ac), &ld, ipiv, &info));
  if (info < 0) {
    free(ipiv);
    lt_tensor_release(ac);
    return lapack_fail(fn, info);
  }
  size_t esz = lt_dtype_size(dt);
  for (int i = 0; i < n; i++) {
    double d = lt_dtype_load(dt, (char *)cm(ac) + ((size_t)i * (size_t)n + (size_t)i) * esz);
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

/* ---- recorded for autograd (backward formulas in linalg_grad.c) ---- */

/* finish a one-output op whose output is saved in `slot` */
static lt_tensor *end_saving_output(lt_node *node, lt_tensor *r, int slot) {
  if (node && r && lt_node_save_output(node, slot, r)) {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

/* begin recording, saving input `save_in` (>= 0) in slot save_slot */
static int begin(lt_node **node, const char *name, lt_backward_fn bw, int n, lt_tensor *const *in,
                 int nout, int save_in, int save_slot) {
  if (lt_record_begin_ex(node, name, bw, NULL, n, in, nout, 0)) return -1;
  if (*node && save_in >= 0 && lt_node_save(*node, save_slot, in[save_in])) {
    lt_tensor *none[1] = {NULL};
    lt_record_end_n(*node, 0, none);
    *node = NULL;
    return -1;
  }
  return 0;
}

/* finish a several-output op: outs[k] saved in slot k as output k where
 * saved[k]; grads[k] says which outputs carry a gradient */
static int end_outputs(lt_node *node, int rc, int nout, lt_tensor *const *outs, const bool *saved,
                       const bool *grads) {
  lt_tensor *att[3] = {NULL, NULL, NULL};
  if (!node) return rc;
  for (int k = 0; k < nout && !rc; k++)
    if (saved[k]) {
      if (lt_node_save_output(node, k, outs[k])) rc = -1;
      else node->saved[k].output_nr = k; /* the engine rebuilds output k for createGraph */
    }
  for (int k = 0; k < nout; k++) att[k] = grads[k] && !rc ? outs[k] : NULL;
  int r2 = lt_record_end_n(node, rc ? 0 : nout, att);
  return rc ? rc : r2;
}

static void release_all(int n, lt_tensor **t) {
  for (int k = 0; k < n; k++) {
    lt_tensor_release(t[k]);
    t[k] = NULL;
  }
}

int lt_gesv(lt_tensor *b, lt_tensor *a, lt_tensor **x, lt_tensor **lu) {
  lt_node *node;
  lt_tensor *in[2] = {b, a}, *out[2] = {NULL, NULL};
  if (begin(&node, "gesv", lt__bw_gesv, 2, in, 2, 1, 1)) return -1;
  if (!node) return gesv_raw(b, a, x, lu);
  int rc = gesv_raw(b, a, &out[0], lu ? &out[1] : NULL);
  static const bool saved[2] = {true, false}, grads[2] = {true, false};
  if (end_outputs(node, rc, 2, out, saved, grads)) {
    release_all(2, out);
    return -1;
  }
  *x = out[0];
  if (lu) *lu = out[1];
  return 0;
}

lt_tensor *lt_inverse(lt_tensor *a) {
  lt_node *node;
  if (begin(&node, "inverse", lt__bw_inverse, 1, &a, 1, -1, 0)) return NULL;
  return end_saving_output(node, inverse_raw(a), 0);
}

lt_tensor *lt_potrf(lt_tensor *a, bool upper) {
  lt_node *node;
  if (begin(&node, "potrf", lt__bw_potrf, 1, &a, 1, -1, 0)) return NULL;
  if (node) node->ints[0] = upper;
  return end_saving_output(node, potrf_raw(a, upper), 0);
}

lt_tensor *lt_potrs(lt_tensor *b, lt_tensor *chol, bool upper) {
  lt_node *node;
  lt_tensor *in[2] = {b, chol};
  if (begin(&node, "potrs", lt__bw_potrs, 2, in, 1, 1, 1)) return NULL;
  if (node) node->ints[0] = upper;
  return end_saving_output(node, potrs_raw(b, chol, upper), 0);
}

lt_tensor *lt_potri(lt_tensor *chol, bool upper) {
  lt_node *node;
  if (begin(&node, "potri", lt__bw_potri, 1, &chol, 1, 0, 0)) return NULL;
  if (node) node->ints[0] = upper;
  return end_saving_output(node, potri_raw(chol, upper), 1);
}

/* eigenvalues need the eigenvectors for their gradient: computed (and
 * saved) even when not returned */
int lt_symeig(lt_tensor *a, bool vectors, bool upper, lt_tensor **e, lt_tensor **v) {
  lt_node *node;
  if (begin(&node, "symeig", lt__bw_symeig, 1, &a, 2, -1, 0)) return -1;
  if (!node) return symeig_raw(a, vectors, upper, e, v);
  lt_tensor *out[2] = {NULL, NULL};
  int rc = symeig_raw(a, true, upper, &out[0], &out[1]);
  node->ints[1] = vectors;
  if (!rc && !vectors) rc = lt_node_save(node, 1, out[1]);
  bool saved[2] = {true, vectors}, grads[2] = {true, vectors};
  if (end_outputs(node, rc, 2, out, saved, grads)) {
    release_all(2, out);
    return -1;
  }
  if (!vectors) {
    lt_tensor_release(out[1]);
    if (!(out[1] = empty_result(a->dtype))) {
      release_all(2, out);
      return -1;
    }
  }
  *e = out[0];
  *v = out[1];
  return 0;
}

int lt_svd(lt_tensor *a, bool some, lt_tensor **u, lt_tensor **s, lt_tensor **v) {
  lt_node *node;
  if (begin(&node, "svd", lt__bw_svd, 1, &a, 3, -1, 0)) return -1;
  if (!node) return svd_raw(a, some, u, s, v);
  node->ints[0] = some;
  lt_tensor *out[3] = {NULL, NULL, NULL};
  int rc = svd_raw(a, some, &out[0], &out[1], &out[2]);
  static const bool all[3] = {true, true, true};
  if (end_outputs(node, rc, 3, out, all, all)) {
    release_all(3, out);
    return -1;
  }
  *u = out[0];
  *s = out[1];
  *v = out[2];
  return 0;
}

/* not differentiable here: refuse rather than return results without history */
static int refuse(const char *fn, lt_tensor *a, const char *instead) {
  if (!lt_autograd_wants(1, &a)) return 0;
  return lt_errorf("%s: not differentiable (its input requires grad); %s", fn, instead);
}

int lt_eig(lt_tensor *a, bool vectors, lt_tensor **e, lt_tensor **v) {
  if (refuse("eig", a, "for a symmetric matrix use symeig, or call it on x:detach()")) return -1;
  return eig_raw(a, vectors, e, v);
}

int lt_qr(lt_tensor *a, lt_tensor **q, lt_tensor **r) {
  if (refuse("qr", a, "call it on x:detach()")) return -1;
  return qr_raw(a, q, r);
}

lt_tensor *lt_det_tensor(lt_tensor *a) {
  lt_node *node;
  if (begin(&node, "det", lt__bw_det, 1, &a, 1, 0, 0)) return NULL;
  double d;
  return end_saving_output(node, lt_det(a, &d) ? NULL : lt_tensor_scalar(a->dtype, d), 1);
}

int lt_slogdet_tensor(lt_tensor *a, lt_tensor **sign, lt_tensor **logabsdet) {
  lt_node *node;
  if (begin(&node, "slogdet", lt__bw_slogdet, 1, &a, 2, 0, 0)) return -1;
  double sg, la;
  lt_tensor *out[2] = {NULL, NULL};
  int rc = lt_slogdet(a, &sg, &la);
  if (!rc && (!(out[0] = lt_tensor_scalar(a->dtype, sg)) || !(out[1] = lt_tensor_scalar(a->dtype, la))))
    rc = -1;
  static const bool saved[2] = {false, false}, grads[2] = {false, true};
  if (end_outputs(node, rc, 2, out, saved, grads)) {
    release_all(2, out);
    return -1;
  }
  *sign = out[0];
  *logabsdet = out[1];
  return 0;
}

lt_tensor *lt_logdet(lt_tensor *a) {
  lt_node *node;
  if (begin(&node, "logdet", lt__bw_logdet, 1, &a, 1, 0, 0)) return NULL;
  double sg, la;
  lt_tensor *r = NULL;
  if (slogdet("logdet", a, &sg, &la) == 0)
    r = lt_tensor_scalar(a->dtype, sg < 0 ? NAN : sg == 0 ? -INFINITY : la);
  return lt_record_end(node, r);
}

/* ---- op table ---- */
#define OTHER(id, nm, BW, FLAGS) \
  static const lt_opdef op_##id = {.name = nm, .kind = LT_KIND_OTHER, .flags = FLAGS, .backward = BW};
OTHER(gesv, "gesv", lt__bw_gesv, 0)
OTHER(inverse, "inverse", lt__bw_inverse, 0)
OTHER(potrf, "potrf", lt__bw_potrf, 0)
OTHER(potrs, "potrs", lt__bw_potrs, 0)
OTHER(potri, "potri", lt__bw_potri, 0)
OTHER(symeig, "symeig", lt__bw_symeig, 0)
OTHER(eig, "eig", NULL, LT_OPF_NONDIFF)
OTHER(svd, "svd", lt__bw_svd, 0)
OTHER(qr, "qr", NULL, LT_OPF_NONDIFF)
OTHER(det, "det", lt__bw_det, 0)
OTHER(slogdet, "slogdet", lt__bw_slogdet, 0)
OTHER(logdet, "logdet", lt__bw_logdet, 0)

const lt_opdef *const lt_ops_lapack[] = {&op_gesv, &op_inverse, &op_potrf, &op_potrs,
                                         &op_potri, &op_symeig,  &op_eig,   &op_svd,
                                         &op_qr,   &op_det,     &op_slogdet, &op_logdet, NULL};
