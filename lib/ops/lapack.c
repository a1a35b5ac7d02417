/* Factorizations and solvers through OpenBLAS's LAPACK: the helpers they
 * share and the op table. The ops are in lapack_solve.c (gesv, inverse,
 * potrf, potrs, potri, det, slogdet, logdet) and lapack_decomp.c (symeig,
 * eig, svd, qr).
 *
 * Debian's OpenBLAS has no LAPACKE, so the Fortran symbols are declared in
 * lapack_util.h (with gfortran's hidden string lengths after the
 * arguments, which the C-implemented routines simply ignore). LAPACK is
 * column-major: a matrix goes in as a contiguous copy of its transpose
 * (whose memory is the matrix in column-major order) and comes back the
 * same way, so the inputs are never modified and the results are
 * contiguous. Each routine gets a small shim picking the s- or d- version
 * by dtype; the buffers are void* so the algorithms are written once.
 *
 * Device (CUDA) matrices pass the same checks, then each raw computation
 * hands them to the backend's lapack hook (lp_device, device.h): the
 * recording for autograd stays here, and the backward formulas, made of
 * lt_ ops, run on the device too. */
#include <stdlib.h>

#include "lapack_util.h"
#include "lutorch/device.h"
#include "lutorch/op.h"

/* ---- checks and layout ---- */

int lp_check_matrix(const char *fn, const lt_tensor *t, const char *name, bool square) {
  char s[128];
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

int lp_check_rhs(const char *fn, const lt_tensor *b, const lt_tensor *a, const char *an) {
  char x[128], y[128];
  if (!lt_device_equal(lt_tensor_device(b), lt_tensor_device(a)))
    return lt_errorf("%s: tensors on different devices: B is on %s, %s on %s", fn,
                     lt_device_str(lt_tensor_device(b), x, sizeof x), an,
                     lt_device_str(lt_tensor_device(a), y, sizeof y));
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

lt_tensor *lp_tcopy(const lt_tensor *t) {
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

int lp_fail(const char *fn, int info) {
  return lt_errorf("%s: LAPACK rejected argument %d (an internal error)", fn, -info);
}

void *lp_work(lt_dtype dt, double n) {
  size_t count = n < 1 ? 1 : (size_t)n;
  void *w = malloc(count * lt_dtype_size(dt));
  if (!w) lt_error("out of memory for a LAPACK work array");
  return w;
}

lt_tensor *lp_empty(const lt_tensor *like) {
  int64_t z[1] = {0};
  return lt_tensor_empty_on(like->dtype, 1, z, lt_tensor_device(like));
}

lt_tensor *lp_scalar(const lt_tensor *like, double v) {
  lt_tensor *s = lt_tensor_scalar(like->dtype, v);
  if (!s || !lt_device_any1(like)) return s;
  lt_tensor *d = lt_tensor_to(s, s->dtype, lt_tensor_device(like));
  lt_tensor_release(s);
  return d;
}

/* ---- device matrices: the backend's lapack hook ---- */

int lp_device(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags, lt_tensor **out,
              double *num) {
  for (int k = 0; k < 3; k++) out[k] = NULL;
  if (lt_device_lapack(op, fn, a, b, flags, out, num) == 0) return 0;
  lp_release_all(3, out);
  return -1;
}

lt_tensor *lp_device1(int op, const char *fn, lt_tensor *a, lt_tensor *b, int flags) {
  lt_tensor *out[3];
  if (lp_device(op, fn, a, b, flags, out, NULL)) return NULL;
  lt_tensor_release(out[1]);
  lt_tensor_release(out[2]);
  return out[0];
}

/* ---- recording for autograd (backward formulas in linalg_grad.c) ---- */

lt_tensor *lp_end_output(lt_node *node, lt_tensor *r, int slot) {
  if (node && r && lt_node_save_output(node, slot, r)) {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

int lp_begin(lt_node **node, const char *name, lt_backward_fn bw, int n, lt_tensor *const *in,
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

int lp_end_outputs(lt_node *node, int rc, int nout, lt_tensor *const *outs, const bool *saved,
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

void lp_release_all(int n, lt_tensor **t) {
  for (int k = 0; k < n; k++) {
    lt_tensor_release(t[k]);
    t[k] = NULL;
  }
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
