/* Eigen-decompositions (symeig, eig), the SVD and QR, each raw
 * computation followed by its public form (eig and qr are not
 * differentiable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lapack_util.h"

/* LAPACK's info after a driver: 0 is success, a negative one a bad argument
 * (lp_fail), a positive one the routine's own failure, which `failure`
 * describes (a format that may show info with %d; NULL where the routine
 * reports none). Returns 0, or -1 with the error set. */
static int check_info(const char *fn, int info, const char *failure) {
  if (info < 0) return lp_fail(fn, info);
  if (info > 0 && failure) {
    char what[160];
    snprintf(what, sizeof what, failure, info);
    return lt_errorf("%s: %s", fn, what);
  }
  return 0;
}

/* ---- eigenvalues ---- */

static int symeig_raw(lt_tensor *a, bool vectors, bool upper, lt_tensor **e, lt_tensor **v) {
  const char *fn = "symeig";
  if (lp_check_matrix(fn, a, "the matrix", true)) return -1;
  if (lt_device_any1(a)) {
    lt_tensor *o[3];
    int fl = (vectors ? LT_DEV_LAPACK_VECTORS : 0) | (upper ? LT_DEV_LAPACK_UPPER : 0);
    if (lp_device(LT_DEV_LAPACK_SYMEIG, fn, a, NULL, fl, o, NULL)) return -1;
    *e = o[0];
    *v = o[1];
    return 0;
  }
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = lp_max1(n), info = 0, lwork = -1, liwork = -1, iq = 0;
  const char *jobz = vectors ? "V" : "N", *uplo = upper ? "U" : "L";
  int64_t n1[1] = {n};
  lt_tensor *ac = lp_tcopy(a), *w = lt_tensor_empty(dt, 1, n1), *vs = NULL;
  void *wk = NULL;
  int *iwk = NULL, rc = -1;
  char q[8];
  if (!ac || !w) goto done;
  if (n > 0) {
    CALL2(dt, syevd, (jobz, uplo, &n, lp_cm(ac), &ld, lt_tensor_data(w), (void *)q, &lwork, &iq,
                      &liwork, &info, 1, 1));
    lwork = lp_max1((int64_t)lp_first(dt, q));
    liwork = lp_max1(iq);
    if (!(wk = lp_work(dt, lwork)) || !(iwk = malloc(sizeof(int) * (size_t)liwork))) goto done;
    CALL2(dt, syevd, (jobz, uplo, &n, lp_cm(ac), &ld, lt_tensor_data(w), wk, &lwork, iwk, &liwork,
                      &info, 1, 1));
    if (check_info(fn, info, "the algorithm failed to converge (%d off-diagonal elements did "
                             "not converge to zero)"))
      goto done;
  }
  if (!(vs = vectors ? lp_tcopy(ac) : lp_empty(a))) goto done;
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
  if (lp_check_matrix(fn, a, "the matrix", true)) return -1;
  lt_dtype dt = a->dtype;
  int n = (int)a->size[0], ld = lp_max1(n), one = 1, info = 0, lwork = -1, rc = -1;
  const char *jobvr = vectors ? "V" : "N";
  int64_t s2[2] = {2, n}, sv[2] = {n, n};
  /* wr and wi are the rows of a 2 x n buffer: its transpose is e (n x 2) */
  lt_tensor *ac = lp_tcopy(a), *w = lt_tensor_empty(dt, 2, s2);
  lt_tensor *vr = vectors ? lt_tensor_empty(dt, 2, sv) : NULL, *es = NULL, *vs = NULL;
  void *wk = NULL;
  char q[8], dummy[8];
  if (!ac || !w || (vectors && !vr)) goto done;
  if (n > 0) {
    size_t esz = lt_dtype_size(dt);
    char *wr = lt_tensor_data(w), *wi = wr + (size_t)n * esz;
    void *vrp = vectors ? lt_tensor_data(vr) : (void *)dummy;
    int ldvr = vectors ? ld : 1;
    CALL2(dt, geev, ("N", jobvr, &n, lp_cm(ac), &ld, (void *)wr, (void *)wi, (void *)dummy, &one,
                     vrp, &ldvr, (void *)q, &lwork, &info, 1, 1));
    lwork = lp_max1((int64_t)lp_first(dt, q));
    if (!(wk = lp_work(dt, lwork))) goto done;
    CALL2(dt, geev, ("N", jobvr, &n, lp_cm(ac), &ld, (void *)wr, (void *)wi, (void *)dummy, &one,
                     vrp, &ldvr, wk, &lwork, &info, 1, 1));
    if (check_info(fn, info, "the QR algorithm failed to compute all eigenvalues")) goto done;
  }
  if (!(es = lp_tcopy(w))) goto done;
  if (!(vs = vectors ? lp_tcopy(vr) : lp_empty(a))) goto done;
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
  if (lp_check_matrix(fn, a, "the matrix", false)) return -1;
  if (lt_device_any1(a)) {
    lt_tensor *o[3];
    if (lp_device(LT_DEV_LAPACK_SVD, fn, a, NULL, some ? LT_DEV_LAPACK_SOME : 0, o, NULL)) return -1;
    *u = o[0];
    *s = o[1];
    *v = o[2];
    return 0;
  }
  lt_dtype dt = a->dtype;
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n, info = 0, lwork = -1, rc = -1;
  int ucols = some ? k : m, vrows = some ? k : n, lda = lp_max1(m), ldu = lp_max1(m),
      ldvt = lp_max1(vrows);
  int64_t ss[1] = {k}, us[2] = {ucols, m}, vs[2] = {n, vrows};
  /* U comes back column-major (m x ucols); Vᵀ column-major (vrows x n)
   * is V row-major (n x vrows), so it is returned as is. */
  lt_tensor *ac = lp_tcopy(a), *sv = lt_tensor_empty(dt, 1, ss), *uc = lt_tensor_empty(dt, 2, us);
  lt_tensor *vt = lt_tensor_empty(dt, 2, vs), *ur = NULL;
  void *wk = NULL;
  int *iwk = malloc(sizeof(int) * (size_t)lp_max1(8 * (int64_t)k));
  char q[8];
  if (!ac || !sv || !uc || !vt || !iwk) goto done;
  if (k > 0) {
    CALL2(dt, gesdd, (some ? "S" : "A", &m, &n, lp_cm(ac), &lda, lt_tensor_data(sv), lt_tensor_data(uc),
                      &ldu, lt_tensor_data(vt), &ldvt, (void *)q, &lwork, iwk, &info, 1));
    lwork = lp_max1((int64_t)lp_first(dt, q));
    if (!(wk = lp_work(dt, lwork))) goto done;
    CALL2(dt, gesdd, (some ? "S" : "A", &m, &n, lp_cm(ac), &lda, lt_tensor_data(sv), lt_tensor_data(uc),
                      &ldu, lt_tensor_data(vt), &ldvt, wk, &lwork, iwk, &info, 1));
    if (check_info(fn, info, "the algorithm did not converge")) goto done;
  } else { /* an empty matrix: full U and V are identities */
    if (lt_fill_(uc, 0) || lt_fill_(vt, 0)) goto done;
    size_t esz = lt_dtype_size(dt);
    for (int i = 0; i < ucols && i < m; i++)
      lt_dtype_store(dt, (char *)lt_tensor_data(uc) + (size_t)(i * m + i) * esz, 1);
    for (int i = 0; i < vrows && i < n; i++)
      lt_dtype_store(dt, (char *)lt_tensor_data(vt) + (size_t)(i * vrows + i) * esz, 1);
  }
  if (!(ur = lp_tcopy(uc))) goto done;
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
  if (lp_check_matrix(fn, a, "the matrix", false)) return -1;
  if (lt_device_any1(a)) {
    lt_tensor *o[3];
    if (lp_device(LT_DEV_LAPACK_QR, fn, a, NULL, 0, o, NULL)) return -1;
    *q = o[0];
    *r = o[1];
    return 0;
  }
  lt_dtype dt = a->dtype;
  int m = (int)a->size[0], n = (int)a->size[1], k = m < n ? m : n, lda = lp_max1(m), info = 0,
      lwork = -1, rc = -1;
  size_t esz = lt_dtype_size(dt);
  int64_t ts[1] = {k}, rs[2] = {k, n}, qs[2] = {m, k};
  lt_tensor *ac = lp_tcopy(a), *tau = lt_tensor_empty(dt, 1, ts), *rr = lt_tensor_zeros(dt, 2, rs);
  lt_tensor *qc = NULL, *qr = NULL;
  void *wk = NULL;
  char qw[8];
  if (!ac || !tau || !rr) goto done;
  if (k == 0) {
    if (!(qr = lt_tensor_zeros(dt, 2, qs))) goto done;
  } else {
    CALL2(dt, geqrf, (&m, &n, lp_cm(ac), &lda, lt_tensor_data(tau), (void *)qw, &lwork, &info));
    int lw1 = lp_max1((int64_t)lp_first(dt, qw));
    lwork = -1;
    CALL2(dt, orgqr, (&m, &k, &k, lp_cm(ac), &lda, lt_tensor_data(tau), (void *)qw, &lwork, &info));
    int lw2 = lp_max1((int64_t)lp_first(dt, qw));
    lwork = lw1 > lw2 ? lw1 : lw2;
    if (!(wk = lp_work(dt, lwork))) goto done;
    CALL2(dt, geqrf, (&m, &n, lp_cm(ac), &lda, lt_tensor_data(tau), wk, &lwork, &info));
    if (check_info(fn, info, NULL)) goto done;
    /* R: the upper triangle of the first k rows (column j holds R[0..j][j]) */
    char *src = lp_cm(ac), *dst = lt_tensor_data(rr);
    for (int j = 0; j < n; j++)
      for (int i = 0; i <= j && i < k; i++)
        memcpy(dst + ((size_t)i * (size_t)n + (size_t)j) * esz,
               src + ((size_t)j * (size_t)m + (size_t)i) * esz, esz);
    CALL2(dt, orgqr, (&m, &k, &k, lp_cm(ac), &lda, lt_tensor_data(tau), wk, &lwork, &info));
    if (check_info(fn, info, NULL)) goto done;
    /* Q: the first k columns, i.e. the first k rows of the transposed copy */
    if (!(qc = lt_narrow(ac, 0, 0, k)) || !(qr = lp_tcopy(qc))) goto done;
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

/* ---- public forms, recorded for autograd ---- */

/* eigenvalues need the eigenvectors for their gradient: computed (and
 * saved) even when not returned */
int lt_symeig(lt_tensor *a, bool vectors, bool upper, lt_tensor **e, lt_tensor **v) {
  lt_node *node;
  if (lp_begin(&node, "symeig", lt__bw_symeig, 1, &a, 2, -1, 0)) return -1;
  if (!node) return symeig_raw(a, vectors, upper, e, v);
  lt_tensor *out[2] = {NULL, NULL};
  int rc = symeig_raw(a, true, upper, &out[0], &out[1]);
  node->ints[1] = vectors;
  if (!rc && !vectors) rc = lt_node_save(node, 1, out[1]);
  bool saved[2] = {true, vectors}, grads[2] = {true, vectors};
  if (lp_end_outputs(node, rc, 2, out, saved, grads)) {
    lp_release_all(2, out);
    return -1;
  }
  if (!vectors) {
    lt_tensor_release(out[1]);
    if (!(out[1] = lp_empty(a))) {
      lp_release_all(2, out);
      return -1;
    }
  }
  *e = out[0];
  *v = out[1];
  return 0;
}

int lt_svd(lt_tensor *a, bool some, lt_tensor **u, lt_tensor **s, lt_tensor **v) {
  lt_node *node;
  if (lp_begin(&node, "svd", lt__bw_svd, 1, &a, 3, -1, 0)) return -1;
  if (!node) return svd_raw(a, some, u, s, v);
  node->ints[0] = some;
  lt_tensor *out[3] = {NULL, NULL, NULL};
  int rc = svd_raw(a, some, &out[0], &out[1], &out[2]);
  static const bool all[3] = {true, true, true};
  if (lp_end_outputs(node, rc, 3, out, all, all)) {
    lp_release_all(3, out);
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

/* eig of a device matrix: no GPU routine (cuSOLVER's geev is recent and
 * complex-valued), so it runs on the host: the matrix comes over, the
 * results go back (what PyTorch does too). */
static int eig_on_host(lt_tensor *a, bool vectors, lt_tensor **e, lt_tensor **v) {
  if (lp_check_matrix("eig", a, "the matrix", true)) return -1;
  lt_device dev = lt_tensor_device(a), cpu = {LT_CPU, 0};
  lt_tensor *h = lt_tensor_to(a, a->dtype, cpu), *he = NULL, *hv = NULL;
  if (!h || eig_raw(h, vectors, &he, &hv)) {
    lt_tensor_release(h);
    return -1;
  }
  lt_tensor_release(h);
  *e = lt_tensor_to(he, he->dtype, dev);
  *v = *e ? lt_tensor_to(hv, hv->dtype, dev) : NULL;
  lt_tensor_release(he);
  lt_tensor_release(hv);
  if (*v) return 0;
  lt_tensor_release(*e);
  *e = NULL;
  return -1;
}

int lt_eig(lt_tensor *a, bool vectors, lt_tensor **e, lt_tensor **v) {
  if (refuse("eig", a, "for a symmetric matrix use symeig, or call it on x:detach()")) return -1;
  if (lt_device_any1(a)) return eig_on_host(a, vectors, e, v);
  return eig_raw(a, vectors, e, v);
}

int lt_qr(lt_tensor *a, lt_tensor **q, lt_tensor **r) {
  if (refuse("qr", a, "call it on x:detach()")) return -1;
  return qr_raw(a, q, r);
}

