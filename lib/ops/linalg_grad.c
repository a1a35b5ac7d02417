/* Backward of the matrix products and the LAPACK factorizations.
 *
 * Products: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC, in whichever product
 * form fits (mm, mv, ger, bmm, matmul); the add- forms add dM = beta·dC and
 * scale the rest by alpha. Broadcast shapes (matmul's batch dims, an M that
 * broadcasts) come back in the broadcast shape: the engine sums them.
 *
 * Factorizations (standard results; F below is 1/(λ_j − λ_i) off the
 * diagonal, 0 on it, so repeated eigen/singular values give inf/NaN):
 *   inverse  Y = A⁻¹:        dA = −Yᵀ dY Yᵀ
 *   gesv     X = A⁻¹B:       dB = A⁻ᵀ dX,  dA = −dB Xᵀ
 *   potrf    A = LLᵀ:        dA = sym(L⁻ᵀ Φ(Lᵀ dL) L⁻¹), Φ = lower triangle, half diagonal
 *   potrs/potri through C = LLᵀ (or UᵀU): dL = tril((dC + dCᵀ) L), dU = triu(U (dC + dCᵀ))
 *   symeig   A = V diag(e) Vᵀ: dA = V (diag(de) + F ∘ skew(Vᵀ dV)) Vᵀ  (symmetric)
 *   svd      A = U diag(s) Vᵀ: Townsend (2016), with F over s²
 *   det      dA = dd · det · A⁻ᵀ;  slogdet, logdet: dA = dl · A⁻ᵀ
 * The gradients of symeig, potrf (and a potrs/potri factor) are those of a
 * symmetric input: check them through a symmetrising function. Every
 * formula is made of recorded lt_ ops, so gradients of gradients work. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "grad_arena.h"
#include "linalg_grad.h"
#include "lutorch/device.h"

/* ---- recording ---- */

int lt__linalg_begin(lt_node **node, const char *name, lt_backward_fn bw, lt_tensor *out, int n,
                     lt_tensor *const *in, double beta, double alpha) {
  if (lt_record_begin(node, name, bw, out, n, in)) return -1;
  if (!*node) return 0;
  (*node)->params[0] = beta;
  (*node)->params[1] = alpha;
  for (int j = 0; j < n; j++)
    if (in[j] && lt_node_save(*node, j, in[j])) {
      lt_record_end(*node, NULL);
      *node = NULL;
      return -1;
    }
  return 0;
}

#define BW(NAME) int lt__bw_##NAME(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define S(k) lt_saved_tensor(n, k)
#define NEED(j) lt_needs_grad(n, j)
#define BETA (n->params[0])
#define ALPHA (n->params[1])

static lt_tensor *neg(ga *a, lt_tensor *x) { return ga_muls(a, x, -1); }
/* x + y, where a NULL x (nothing yet) gives y */
static lt_tensor *acc(ga *a, lt_tensor *x, lt_tensor *y) { return x ? ga_add(a, x, y) : y; }

/* constant n x n masks: eye, Φ's (1 below the diagonal, 1/2 on it),
 * lower and upper triangles (diagonal included); like's dtype, made on the
 * host and moved to like's device */
enum { M_EYE, M_PHI, M_LOWER, M_UPPER };
static lt_tensor *mask(ga *a, const lt_tensor *like, int64_t n, int kind) {
  int64_t size[2] = {n, n};
  lt_dtype dt = like->dtype;
  lt_tensor *m = lt_tensor_zeros(dt, 2, size);
  if (!m) return ga_take(a, NULL);
  char *p = lt_tensor_data(m);
  size_t esz = lt_dtype_size(dt);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < n; j++) {
      double v = i == j ? (kind == M_PHI ? 0.5 : 1)
                 : i > j ? (kind == M_PHI || kind == M_LOWER)
                         : kind == M_UPPER;
      lt_dtype_store(dt, p + (size_t)(i * n + j) * esz, v);
    }
  if (lt_device_any1(like)) {
    lt_tensor *d = lt_tensor_to(m, dt, lt_tensor_device(like));
    lt_tensor_release(m);
    m = d;
  }
  return ga_take(a, m);
}

/* diag(v) for a vector v, as eye * v (differentiable in v) */
static lt_tensor *diag(ga *a, lt_tensor *v) {
  if (ga_bad(a, v, v)) return NULL;
  return ga_mul(a, mask(a, v, v->size[0], M_EYE), ga_unsq(a, v, 0));
}

/* F_ij = 1/(l_j - l_i) off the diagonal, 0 on it (no inf on the diagonal,
 * so its own derivative stays finite) */
static lt_tensor *gap_inverse(ga *a, lt_tensor *l) {
  if (ga_bad(a, l, l)) return NULL;
  lt_tensor *eye = mask(a, l, l->size[0], M_EYE);
  lt_tensor *e = ga_sub(a, ga_unsq(a, l, 0), ga_unsq(a, l, 1));
  return ga_div(a, ga_sub(a, ga_scalar(a, l->dtype, 1), eye), ga_add(a, e, eye));
}

static lt_tensor *inv(ga *a, lt_tensor *x) {
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_inverse(x));
}

/* ---- products ---- */

/* gradients of the product operands x, y (inputs j, j+1) of C = x·y */
typedef enum { P_MM, P_MV, P_BMM, P_GER, P_SUMBMM } pkind;
static void product_grads(ga *a, lt_node *n, int j, pkind k, lt_tensor *g, double alpha,
                          lt_tensor **gin) {
  lt_tensor *x = S(j), *y = S(j + 1), *gx = NULL, *gy = NULL;
  switch (k) {
  case P_MM:
    if (NEED(j)) gx = ga_mm(a, g, ga_t(a, y));
    if (NEED(j + 1)) gy = ga_mm(a, ga_t(a, x), g);
    break;
  case P_MV:
    if (NEED(j)) gx = ga_ger(a, g, y);
    if (NEED(j + 1)) gy = ga_mv(a, ga_t(a, x), g);
    break;
  case P_BMM:
    if (NEED(j)) gx = ga_bmm(a, g, ga_t(a, y));
    if (NEED(j + 1)) gy = ga_bmm(a, ga_t(a, x), g);
    break;
  case P_GER:
    if (NEED(j)) gx = ga_mv(a, g, y);
    if (NEED(j + 1)) gy = ga_mv(a, ga_t(a, g), x);
    break;
  case P_SUMBMM: /* C = sum_i x_i y_i: g broadcasts over the batch */
    if (NEED(j)) gx = ga_matmul(a, g, ga_t(a, y));
    if (NEED(j + 1)) gy = ga_matmul(a, ga_t(a, x), g);
    break;
  }
  if (gx) gin[j] = ga_keep(a, ga_muls(a, gx, alpha));
  if (gy) gin[j + 1] = ga_keep(a, ga_muls(a, gy, alpha));
}

static int product_bw(lt_node *n, lt_tensor *const *g, lt_tensor **gin, pkind k, bool add) {
  ga a = {0};
  if (add && NEED(0)) gin[0] = ga_keep(&a, ga_muls(&a, g[0], BETA));
  product_grads(&a, n, add ? 1 : 0, k, g[0], add ? ALPHA : 1, gin);
  return ga_end(&a);
}

BW(mm) { return product_bw(n, g, gin, P_MM, false); }
BW(mv) { return product_bw(n, g, gin, P_MV, false); }
BW(bmm) { return product_bw(n, g, gin, P_BMM, false); }
BW(ger) { return product_bw(n, g, gin, P_GER, false); }
BW(addmm) { return product_bw(n, g, gin, P_MM, true); }
BW(addmv) { return product_bw(n, g, gin, P_MV, true); }
BW(addr) { return product_bw(n, g, gin, P_GER, true); }
BW(baddbmm) { return product_bw(n, g, gin, P_BMM, true); }
BW(addbmm) { return product_bw(n, g, gin, P_SUMBMM, true); }

/* dot of two tensors of one length (any shapes): each gets g times the
 * other, viewed in its own shape */
BW(dot) {
  ga a = {0};
  lt_tensor *x = S(0), *y = S(1);
  if (NEED(0)) gin[0] = ga_keep(&a, ga_mul(&a, g[0], ga_reshape(&a, y, x->ndim, x->size)));
  if (NEED(1)) gin[1] = ga_keep(&a, ga_mul(&a, g[0], ga_reshape(&a, x, y->ndim, y->size)));
  return ga_end(&a);
}

/* matmul: vectors get a dim added (a: in front, b: behind), and the
 * gradient keeps the broadcast batch dims (the engine sums them) */
BW(matmul) {
  ga a = {0};
  lt_tensor *x = S(0), *y = S(1), *gx = NULL, *gy = NULL, *gr = g[0];
  if (x->ndim == 1 && y->ndim == 1) {
    if (NEED(0)) gx = ga_mul(&a, gr, y);
    if (NEED(1)) gy = ga_mul(&a, gr, x);
  } else if (y->ndim == 1) { /* g: x's shape without its last dim */
    if (NEED(0)) gx = ga_mul(&a, ga_unsq(&a, gr, -1), y);
    if (NEED(1)) gy = ga_matmul(&a, ga_unsq(&a, gr, -2), x);
  } else if (x->ndim == 1) { /* g: y's batch dims and its last */
    if (NEED(0)) gx = ga_matmul(&a, ga_unsq(&a, gr, -2), ga_t(&a, y));
    if (NEED(1)) gy = ga_mul(&a, ga_unsq(&a, x, -1), ga_unsq(&a, gr, -2));
  } else {
    if (NEED(0)) gx = ga_matmul(&a, gr, ga_t(&a, y));
    if (NEED(1)) gy = ga_matmul(&a, ga_t(&a, x), gr);
  }
  gin[0] = ga_keep(&a, gx);
  gin[1] = ga_keep(&a, gy);
  return ga_end(&a);
}

/* ---- LAPACK ---- */

BW(inverse) {
  ga a = {0};
  lt_tensor *yt = ga_t(&a, S(0));
  gin[0] = ga_keep(&a, neg(&a, ga_mm(&a, ga_mm(&a, yt, g[0]), yt)));
  return ga_end(&a);
}

BW(gesv) { /* inputs (b, A) */
  ga a = {0};
  lt_tensor *x = S(0), *at = ga_t(&a, S(1)), *gb = NULL;
  if (!ga_bad(&a, at, g[0])) {
    lt_tensor *sol = NULL;
    if (lt_gesv(g[0], at, &sol, NULL) == 0) gb = ga_take(&a, sol);
    else a.failed = true;
  }
  if (NEED(0)) gin[0] = ga_keep(&a, gb);
  if (NEED(1))
    gin[1] = ga_keep(&a, neg(&a, x->ndim == 1 ? ga_ger(&a, gb, x) : ga_mm(&a, gb, ga_t(&a, x))));
  return ga_end(&a);
}

BW(potrf) {
  ga a = {0};
  bool upper = n->ints[0] != 0;
  lt_tensor *l = upper ? ga_t(&a, S(0)) : S(0), *gl = upper ? ga_t(&a, g[0]) : g[0];
  if (ga_bad(&a, l, gl)) return ga_end(&a);
  lt_tensor *p = ga_mul(&a, ga_mm(&a, ga_t(&a, l), gl), mask(&a, l, l->size[0], M_PHI));
  lt_tensor *li = inv(&a, l);
  lt_tensor *s = ga_mm(&a, ga_mm(&a, ga_t(&a, li), p), li);
  gin[0] = ga_keep(&a, ga_muls(&a, ga_add(&a, s, ga_t(&a, s)), 0.5));
  return ga_end(&a);
}

/* the factor's gradient from dC, C = LLᵀ (lower) or UᵀU (upper) */
static lt_tensor *factor_grad(ga *a, lt_tensor *chol, lt_tensor *gc, bool upper) {
  lt_tensor *s = ga_add(a, gc, ga_t(a, gc));
  if (ga_bad(a, s, chol)) return NULL;
  lt_tensor *m = mask(a, chol, chol->size[0], upper ? M_UPPER : M_LOWER);
  return ga_mul(a, upper ? ga_mm(a, chol, s) : ga_mm(a, s, chol), m);
}

BW(potrs) { /* inputs (b, chol) */
  ga a = {0};
  bool upper = n->ints[0] != 0;
  lt_tensor *x = S(0), *chol = S(1), *gb = NULL;
  if (!ga_bad(&a, chol, g[0])) gb = ga_take(&a, lt_potrs(g[0], chol, upper));
  if (NEED(0)) gin[0] = ga_keep(&a, gb);
  if (NEED(1)) {
    lt_tensor *gc = neg(&a, x->ndim == 1 ? ga_ger(&a, gb, x) : ga_mm(&a, gb, ga_t(&a, x)));
    gin[1] = ga_keep(&a, factor_grad(&a, chol, gc, upper));
  }
  return ga_end(&a);
}

BW(potri) {
  ga a = {0};
  lt_tensor *chol = S(0), *y = S(1);
  lt_tensor *gc = neg(&a, ga_mm(&a, ga_mm(&a, ga_t(&a, y), g[0]), ga_t(&a, y)));
  gin[0] = ga_keep(&a, factor_grad(&a, chol, gc, n->ints[0] != 0));
  return ga_end(&a);
}

BW(symeig) {
  ga a = {0};
  lt_tensor *e = S(0), *v = S(1), *inner = NULL;
  if (g[1] && n->ints[1] == 0)
    return lt_errorf("symeig: internal error, a gradient for eigenvectors that were not returned");
  if (!g[1] && n->ints[1] == 0 && lt_grad_enabled())
    return lt_errorf("symeig: gradients of gradients need the eigenvectors: call symeig(A, 'V')");
  if (g[0]) inner = diag(&a, g[0]);
  if (g[1]) {
    lt_tensor *m = ga_mm(&a, ga_t(&a, v), g[1]);
    lt_tensor *skew = ga_muls(&a, ga_sub(&a, m, ga_t(&a, m)), 0.5);
    inner = acc(&a, inner, ga_mul(&a, gap_inverse(&a, e), skew));
  }
  if (inner) gin[0] = ga_keep(&a, ga_mm(&a, ga_mm(&a, v, inner), ga_t(&a, v)));
  return ga_end(&a);
}

BW(svd) {
  ga a = {0};
  lt_tensor *u = S(0), *s = S(1), *v = S(2), *gu = g[0], *gs = g[1], *gv = g[2];
  int64_t m = n->next[0].size[0], nn = n->next[0].size[1], k = m < nn ? m : nn;
  if (!gu && !gs && !gv) return 0;
  if (n->ints[0] == 0 && m != nn && (gu || gv))
    return lt_errorf("svd: the gradient of U or V of a full SVD ('A') of a non-square matrix is "
                     "not defined; use the reduced SVD ('S')");
  if (n->ints[0] == 0 && m != nn) { /* full SVD, only S used: its U, V columns up to k */
    u = ga_take(&a, lt_narrow(u, 1, 0, k));
    v = ga_take(&a, lt_narrow(v, 1, 0, k));
  }
  lt_tensor *sinv = ga_div(&a, ga_scalar(&a, s->dtype, 1), s);
  lt_tensor *f = (gu || gv) ? gap_inverse(&a, ga_mul(&a, s, s)) : NULL;
  lt_tensor *inner = gs ? diag(&a, gs) : NULL, *extra = NULL;
  if (gu) {
    lt_tensor *utgu = ga_mm(&a, ga_t(&a, u), gu);
    lt_tensor *j = ga_mul(&a, f, ga_sub(&a, utgu, ga_t(&a, utgu)));
    inner = acc(&a, inner, ga_mul(&a, j, ga_unsq(&a, s, 0)));
    if (m > k) {
      lt_tensor *perp = ga_sub(&a, gu, ga_mm(&a, u, utgu));
      extra = ga_mm(&a, ga_mul(&a, perp, ga_unsq(&a, sinv, 0)), ga_t(&a, v));
    }
  }
  if (gv) {
    lt_tensor *vtgv = ga_mm(&a, ga_t(&a, v), gv);
    lt_tensor *kk = ga_mul(&a, f, ga_sub(&a, vtgv, ga_t(&a, vtgv)));
    inner = acc(&a, inner, ga_mul(&a, ga_unsq(&a, s, 1), kk));
    if (nn > k) {
      lt_tensor *perp = ga_sub(&a, gv, ga_mm(&a, v, vtgv));
      extra = acc(&a, extra, ga_mm(&a, ga_mul(&a, u, ga_unsq(&a, sinv, 0)), ga_t(&a, perp)));
    }
  }
  lt_tensor *r = ga_mm(&a, ga_mm(&a, u, inner), ga_t(&a, v));
  gin[0] = ga_keep(&a, extra ? ga_add(&a, r, extra) : r);
  return ga_end(&a);
}

/* A⁻ᵀ for the determinant family; a singular matrix is an error here */
static lt_tensor *inv_t(ga *a, const char *fn, lt_tensor *x) {
  if (ga_bad(a, x, x)) return NULL;
  lt_tensor *i = lt_inverse(x);
  if (!i) {
    char why[256];
    snprintf(why, sizeof why, "%s", lt_last_error());
    a->failed = true;
    return lt_error("%s: backward through a singular matrix is not supported (%s)", fn, why);
  }
  return ga_t(a, ga_take(a, i));
}

BW(det) {
  ga a = {0};
  lt_tensor *it = inv_t(&a, "det", S(0));
  gin[0] = ga_keep(&a, ga_mul(&a, ga_mul(&a, g[0], S(1)), it));
  return ga_end(&a);
}

BW(slogdet) { /* outputs (sign, log|det|): only the second has a gradient */
  ga a = {0};
  if (!g[1]) return 0;
  gin[0] = ga_keep(&a, ga_mul(&a, g[1], inv_t(&a, "slogdet", S(0))));
  return ga_end(&a);
}

BW(logdet) {
  ga a = {0};
  gin[0] = ga_keep(&a, ga_mul(&a, g[0], inv_t(&a, "logdet", S(0))));
  return ga_end(&a);
}
