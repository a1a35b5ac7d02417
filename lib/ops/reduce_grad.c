/* Backward of the reductions, scans and sorts, and their recording.
 *
 * The public functions (reduce.c, reduce_scan.c, sort.c) bracket their
 * computation with lt__grad_begin / lt__grad_end(2); the node keeps
 *   ints[0]  the reduced dim (0-based), or -1 for all elements (also for a
 *            0-dim input, whose one element is the whole reduction)
 *   ints[1]  keepdim;  ints[2] the kind
 *   params[0] p (norm) or 1 = unbiased (var, std); params[1] the number of
 *            elements folded into each output
 *   saved    S_IN the input, S_IDX a copy of the indices, S_OUT the output
 *            (each only where the kind's backward reads it).
 * Every formula is built from recorded lt_ ops (grad_arena.h), so it is
 * differentiable itself (createGraph); the one exception, cumprod's
 * gradient through zeros, refuses createGraph with an error.
 *
 * Conventions (PyTorch's): max/min along a dim send the gradient to the
 * index they return; max/min of all elements (and norm inf) share it evenly
 * among ties; norm and std at 0 have subgradient 0; prod handles zeros
 * exactly (one zero: only it gets a gradient; two or more: none). */
#include <math.h>
#include <string.h>

#include "grad_arena.h"
#include "lutorch/device.h"
#include "lutorch/index.h"
#include "reduce_impl.h"

enum { S_IN = 0, S_IDX = 1, S_OUT = 2 };
#define ALL (n->ints[0] < 0)
#define RDIM (ALL ? LT_ALL_DIMS : (int)n->ints[0]) /* the dim for lt_ reductions */
#define KIND ((rgrad)n->ints[2])
#define NDIM (n->next[0].ndim)
#define SIZE (n->next[0].size)
#define X lt_saved_tensor(n, S_IN)
#define Y lt_saved_tensor(n, S_OUT)
#define IDX lt_saved_tensor(n, S_IDX)
#define BW(NAME) int lt__reduce_bw_##NAME(lt_node *n, lt_tensor *const *g, lt_tensor **gin)

/* ---- scatter into zeros / gather: a private pair of recorded ops ----
 * The gradient of values picked by indices (max along a dim, sort, topk,
 * kthvalue, median) is the output gradient scattered back into zeros;
 * the backward of that scatter is a gather, and the gather's is the
 * scatter again, so gradients of gradients work. */
static lt_tensor *scatter_zeros(lt_tensor *g, int dim, lt_tensor *idx, int ndim,
                                const int64_t *size);
static lt_tensor *gather_at(lt_tensor *x, int dim, lt_tensor *idx);

static int scatter_zeros_bw(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
  gin[0] = gather_at(g[0], (int)n->ints[0], lt_saved_tensor(n, 0));
  return gin[0] ? 0 : -1;
}
static int gather_at_bw(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
  gin[0] = scatter_zeros(g[0], (int)n->ints[0], lt_saved_tensor(n, 0), NDIM, SIZE);
  return gin[0] ? 0 : -1;
}

static lt_tensor *scatter_zeros(lt_tensor *g, int dim, lt_tensor *idx, int ndim,
                                const int64_t *size) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "scatter_grad", scatter_zeros_bw, NULL, 1, &g)) return NULL;
  if (node) {
    node->ints[0] = dim;
    if (lt_node_save(node, 0, idx)) return lt_record_end(node, NULL);
  }
  lt_tensor *z = lt_device_zeros(g, g->dtype, ndim, size);
  if (z && lt_scatter_add_(z, dim, idx, g)) {
    lt_tensor_release(z);
    z = NULL;
  }
  return lt_record_end(node, z);
}

static lt_tensor *gather_at(lt_tensor *x, int dim, lt_tensor *idx) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "gather_grad", gather_at_bw, NULL, 1, &x)) return NULL;
  if (node) {
    node->ints[0] = dim;
    if (lt_node_save(node, 0, idx)) return lt_record_end(node, NULL);
  }
  return lt_record_end(node, lt_gather(NULL, x, dim, idx));
}

/* ---- helpers ---- */

/* t (an output-shaped tensor) with the reduced dims put back as size 1, so
 * it broadcasts against the input */
static lt_tensor *unreduce(ga *a, lt_node *n, lt_tensor *t) {
  if (ga_bad(a, t, t)) return NULL;
  if (ALL) {
    if (NDIM == 0 || t->ndim == NDIM) return t;
    int64_t ones[LT_MAX_DIMS];
    for (int i = 0; i < NDIM; i++) ones[i] = 1;
    return ga_reshape(a, t, NDIM, ones);
  }
  return n->ints[1] ? t : ga_unsq(a, t, (int)n->ints[0]);
}

static lt_tensor *zero_of(ga *a, const lt_tensor *like) { return ga_scalar(a, like->dtype, 0); }

/* the sum along the dim of v, minus the cumulative sum, plus v: each
 * position gets the sum of itself and everything after it */
static lt_tensor *reverse_cumsum(ga *a, lt_node *n, lt_tensor *v) {
  if (ga_bad(a, v, v)) return NULL;
  if (ALL) return v;
  lt_tensor *c = ga_take(a, lt_cumsum(v, (int)n->ints[0]));
  return ga_add(a, ga_sub(a, ga_sum(a, v, (int)n->ints[0]), c), v);
}

/* ---- the backward functions ---- */

BW(sum) {
  ga a = {0};
  gin[0] = ga_keep(&a, ga_expand(&a, unreduce(&a, n, g[0]), NDIM, SIZE));
  return ga_end(&a);
}

BW(mean) {
  ga a = {0};
  lt_tensor *u = ga_muls(&a, unreduce(&a, n, g[0]), 1.0 / n->params[1]);
  gin[0] = ga_keep(&a, ga_expand(&a, u, NDIM, SIZE));
  return ga_end(&a);
}

/* d prod / d x_i = product of the others: prod(x)/x_i without zeros; with
 * one zero only that element gets the product of the rest; with more none.
 * Written so that it is also right to differentiate again: the values
 * that are 0 because of a zero elsewhere are products with that zero (zval,
 * the sum of the zero elements: 0, but with derivative 1 in each). */
BW(prod) {
  ga a = {0};
  lt_tensor *x = X, *zero = zero_of(&a, x);
  lt_tensor *z = ga_eqs(&a, x, 0);
  lt_tensor *x1 = ga_where(&a, z, ga_scalar(&a, x->dtype, 1), x); /* zeros -> 1 */
  lt_tensor *p = ga_bad(&a, x1, x1) ? NULL : ga_take(&a, lt_prod(x1, RDIM, true));
  lt_tensor *cnt = ga_sum(&a, z, RDIM);
  lt_tensor *zval = ga_sum(&a, ga_where(&a, z, x, zero), RDIM);
  lt_tensor *c1 = ga_eqs(&a, cnt, 1), *q = ga_div(&a, p, x1);
  lt_tensor *at_zero = ga_where(&a, c1, p, ga_where(&a, ga_eqs(&a, cnt, 2),
                                                      ga_mul(&a, p, ga_sub(&a, zval, x)), zero));
  lt_tensor *elsewhere = ga_where(&a, ga_eqs(&a, cnt, 0), q,
                                  ga_where(&a, c1, ga_mul(&a, q, zval), zero));
  lt_tensor *d = ga_where(&a, z, at_zero, elsewhere);
  gin[0] = ga_keep(&a, ga_mul(&a, unreduce(&a, n, g[0]), d));
  return ga_end(&a);
}

/* max/min along a dim: the gradient goes to the returned index; over all
 * elements (ALL) it is shared evenly among the elements equal to the result */
BW(extreme) {
  ga a = {0};
  if (!g[0]) return 0;
  if (ALL) {
    lt_tensor *x = X, *mask = ga_bin(&a, "eq", x, unreduce(&a, n, Y));
    lt_tensor *cnt = ga_sum(&a, mask, LT_ALL_DIMS);
    lt_tensor *share = ga_div(&a, unreduce(&a, n, g[0]), cnt);
    gin[0] = ga_keep(&a, ga_where(&a, mask, share, zero_of(&a, g[0])));
  } else {
    lt_tensor *u = unreduce(&a, n, g[0]), *iu = unreduce(&a, n, IDX);
    lt_tensor *r = ga_bad(&a, u, iu) ? NULL
                                     : ga_take(&a, scatter_zeros(u, (int)n->ints[0], iu, NDIM, SIZE));
    gin[0] = ga_keep(&a, r);
  }
  return ga_end(&a);
}

BW(logsumexp) {
  ga a = {0};
  lt_tensor *e = ga_un(&a, "exp", ga_sub(&a, X, unreduce(&a, n, Y)));
  gin[0] = ga_keep(&a, ga_mul(&a, unreduce(&a, n, g[0]), e));
  return ga_end(&a);
}

/* var: g * 2 (x - mean) / (N - unbiased); std: g / std * (x - mean) / (N -
 * unbiased), 0 where std = 0 (PyTorch). One element, unbiased: the result
 * is NaN and so is its gradient. */
BW(varstd) {
  ga a = {0};
  lt_tensor *x = X;
  double denom = n->params[1] - (n->params[0] != 0 ? 1 : 0);
  lt_tensor *m = ga_bad(&a, x, x) ? NULL : ga_take(&a, lt_mean(x, RDIM, true));
  lt_tensor *dev = ga_sub(&a, x, m), *u = unreduce(&a, n, g[0]), *scale;
  if (KIND == RG_VAR) {
    scale = ga_muls(&a, u, denom > 0 ? 2 / denom : NAN);
  } else {
    lt_tensor *y = unreduce(&a, n, Y);
    lt_tensor *q = ga_where(&a, ga_eqs(&a, y, 0), zero_of(&a, u), ga_div(&a, u, y));
    scale = ga_muls(&a, q, denom > 0 ? 1 / denom : NAN);
  }
  gin[0] = ga_keep(&a, ga_mul(&a, scale, dev));
  return ga_end(&a);
}

/* norm: p = 1: g sign(x); p = 2: g x / y; p = +-inf: g sign(x) shared among
 * the |x| equal to y; else g sign(x) |x|^(p-1) / y^(p-1); 0 where y = 0,
 * and p = 0 (a count) has no gradient */
BW(norm) {
  ga a = {0};
  double p = n->params[0];
  if (p == 0) return 0;
  lt_tensor *x = X, *u = unreduce(&a, n, g[0]), *sx = ga_un(&a, "sign", x), *r = NULL;
  if (p == 1) {
    r = ga_mul(&a, u, sx);
  } else if (isinf(p)) {
    lt_tensor *mask = ga_bin(&a, "eq", ga_un(&a, "abs", x), unreduce(&a, n, Y));
    lt_tensor *cnt = ga_sum(&a, mask, RDIM);
    lt_tensor *share = ga_mul(&a, ga_div(&a, u, cnt), sx);
    r = ga_where(&a, mask, share, zero_of(&a, u));
  } else {
    lt_tensor *y = unreduce(&a, n, Y), *zero = zero_of(&a, u);
    lt_tensor *ypow = p == 2 ? y : ga_bin(&a, "pow", y, ga_scalar(&a, y->dtype, p - 1));
    lt_tensor *scale = ga_where(&a, ga_eqs(&a, y, 0), zero, ga_div(&a, u, ypow));
    lt_tensor *xpow = p == 2 ? x
                             : ga_mul(&a, sx, ga_bin(&a, "pow", ga_un(&a, "abs", x),
                                                     ga_scalar(&a, x->dtype, p - 1)));
    r = ga_mul(&a, scale, xpow);
  }
  gin[0] = ga_keep(&a, r);
  return ga_end(&a);
}

BW(cumsum) {
  ga a = {0};
  gin[0] = ga_keep(&a, reverse_cumsum(&a, n, g[0]));
  return ga_end(&a);
}

/* cumprod with zeros in x: for each slice, with z the first zero,
 * positions k < z get sum_{k<=i<z} g_i y_i / x_k, position z gets
 * sum_{i>=z} g_i prod_{j<=i, j!=z} x_j, later positions nothing. A plain
 * kernel in double (not differentiable: createGraph refuses it). */
static lt_tensor *cumprod_grad_zeros(lt_tensor *x, lt_tensor *g, int dim) {
  rshape rx, rg;
  if (lt__reduce_prepare("cumprod", x, dim, true, LT_FLOAT64, &rx)) return NULL;
  if (lt__reduce_prepare("cumprod", g, dim, true, LT_FLOAT64, &rg)) {
    lt_tensor_release(rx.x);
    return NULL;
  }
  lt_tensor *out = lt_tensor_empty(LT_FLOAT64, x->ndim, x->size);
  if (out) {
    const double *xs = lt_tensor_data(rx.x), *gs = lt_tensor_data(rg.x);
    double *o = lt_tensor_data(out);
    int64_t len = rx.n, st = rx.inner;
    for (int64_t b = 0; b < rx.outer; b++)
      for (int64_t c = 0; c < rx.inner; c++) {
        int64_t base = b * len * st + c;
        const double *xv = xs + base, *gv = gs + base;
        double *ov = o + base;
        int64_t z = 0;
        while (z < len && xv[z * st] != 0) z++;
        double ybefore = 1, suffix = 0; /* prod x_0..x_{z-1} */
        for (int64_t i = 0; i < z; i++) ybefore *= xv[i * st];
        /* k < z: suffix sums of g_i y_i over i < z, from the end */
        double y = ybefore;
        for (int64_t k = z - 1; k >= 0; k--) {
          suffix += gv[k * st] * y;
          ov[k * st] = suffix / xv[k * st];
          y /= xv[k * st];
        }
        if (z < len) {
          double q = ybefore, acc = gv[z * st] * q;
          for (int64_t i = z + 1; i < len; i++) {
            q *= xv[i * st];
            acc += gv[i * st] * q;
          }
          ov[z * st] = acc;
          for (int64_t i = z + 1; i < len; i++) ov[i * st] = 0;
        }
      }
  }
  lt_tensor_release(rx.x);
  lt_tensor_release(rg.x);
  return out;
}

BW(cumprod) {
  ga a = {0};
  lt_tensor *x = X;
  if (ALL) return (gin[0] = ga_keep(&a, g[0])) ? 0 : -1;
  double nonzero = 0;
  if (lt_reduce_all(LT_RED_ALL, x, 0, &nonzero)) return -1;
  if (nonzero == 0) {
    if (lt_grad_enabled())
      return lt_errorf("cumprod: gradients of gradients through an input with zeros are not "
                       "supported");
    gin[0] = cumprod_grad_zeros(x, g[0], (int)n->ints[0]);
    return gin[0] ? 0 : -1;
  }
  /* no zeros: sum_{i>=k} g_i y_i / x_k */
  gin[0] = ga_keep(&a, ga_div(&a, reverse_cumsum(&a, n, ga_mul(&a, g[0], Y)), x));
  return ga_end(&a);
}

/* sort, topk, kthvalue, median: scatter the values' gradient back through
 * the indices (flat positions for median/kthvalue over all elements) */
BW(pick) {
  ga a = {0};
  if (!g[0]) return 0;
  if (NDIM == 0) return (gin[0] = ga_keep(&a, g[0])) ? 0 : -1;
  lt_tensor *r;
  if (ALL) {
    int64_t one = 1, numel = 1;
    for (int i = 0; i < NDIM; i++) numel *= SIZE[i];
    lt_tensor *g1 = ga_reshape(&a, g[0], 1, &one), *i1 = ga_reshape(&a, IDX, 1, &one);
    lt_tensor *flat = ga_bad(&a, g1, i1) ? NULL : ga_take(&a, scatter_zeros(g1, 0, i1, 1, &numel));
    r = ga_reshape(&a, flat, NDIM, SIZE);
  } else {
    lt_tensor *u = unreduce(&a, n, g[0]), *iu = unreduce(&a, n, IDX);
    r = ga_bad(&a, u, iu) ? NULL : ga_take(&a, scatter_zeros(u, (int)n->ints[0], iu, NDIM, SIZE));
  }
  gin[0] = ga_keep(&a, r);
  return ga_end(&a);
}

#define F(NAME) lt__reduce_bw_##NAME
static const lt_backward_fn backward_of[RG_NKINDS] = {
    [RG_SUM] = F(sum),       [RG_PROD] = F(prod),       [RG_MEAN] = F(mean),
    [RG_VAR] = F(varstd),    [RG_STD] = F(varstd),      [RG_NORM] = F(norm),
    [RG_LOGSUMEXP] = F(logsumexp), [RG_MAX] = F(extreme), [RG_MIN] = F(extreme),
    [RG_CUMSUM] = F(cumsum), [RG_CUMPROD] = F(cumprod), [RG_SORT] = F(pick),
    [RG_TOPK] = F(pick),     [RG_KTHVALUE] = F(pick),   [RG_MEDIAN] = F(pick)};

static const char *const rg_name[RG_NKINDS] = {
    "sum", "prod", "mean", "var", "std", "norm", "logsumexp", "max", "min",
    "cumsum", "cumprod", "sort", "topk", "kthvalue", "median"};

/* ---- recording ---- */

static bool saves_input(rgrad k, bool all) {
  return k == RG_PROD || k == RG_VAR || k == RG_STD || k == RG_NORM || k == RG_LOGSUMEXP ||
         k == RG_CUMPROD || ((k == RG_MAX || k == RG_MIN) && all);
}

static bool saves_output(rgrad k) {
  return k == RG_STD || k == RG_NORM || k == RG_LOGSUMEXP || k == RG_CUMPROD;
}

int lt__grad_begin(lt_node **node, rgrad kind, const lt_tensor *t, int dim, bool keepdim,
                   double param) {
  *node = NULL;
  lt_tensor *in = (lt_tensor *)t;
  if (!t || !lt_autograd_wants(1, &in)) return 0;
  bool two = kind == RG_MAX || kind == RG_MIN || kind >= RG_SORT;
  if (lt_record_begin_ex(node, rg_name[kind], backward_of[kind], NULL, 1, &in,
                         two ? 2 : 1, 0))
    return -1;
  lt_node *n = *node;
  if (!n) return 0;
  bool all = dim == LT_ALL_DIMS || t->ndim == 0;
  int d = all ? -1 : dim < 0 ? dim + t->ndim : dim;
  if (!all && (d < 0 || d >= t->ndim)) d = 0; /* the op fails on it and drops the node */
  n->ints[0] = d;
  n->ints[1] = keepdim;
  n->ints[2] = kind;
  n->params[0] = param;
  n->params[1] = all ? (double)lt_tensor_numel(t) : (double)t->size[d];
  if (saves_input(kind, all) && lt_node_save(n, S_IN, in)) {
    lt_record_end(n, NULL);
    *node = NULL;
    return -1;
  }
  return 0;
}

lt_tensor *lt__grad_end(lt_node *node, lt_tensor *out) {
  if (node && out && saves_output((rgrad)node->ints[2]) && lt_node_save_output(node, S_OUT, out)) {
    lt_tensor_release(out);
    out = NULL;
  }
  return lt_record_end(node, out);
}

int lt__grad_end2(lt_node *node, int rc, lt_tensor *v, lt_tensor *i, lt_tensor **values,
                  lt_tensor **indices) {
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  lt_tensor *none[2] = {NULL, NULL};
  if (node && !rc && v && i) {
    rgrad k = (rgrad)node->ints[2];
    if ((k == RG_MAX || k == RG_MIN) && node->ints[0] < 0) {
      rc = lt_node_save_output(node, S_OUT, v);
    } else {
      lt_tensor *copy = lt_clone(i);
      rc = copy ? lt_node_save(node, S_IDX, copy) : -1;
      lt_tensor_release(copy);
    }
    lt_tensor *outs[2] = {v, NULL};
    if (!rc) rc = lt_record_end_n(node, 2, outs);
    else lt_record_end_n(node, 0, none);
  } else if (node) {
    lt_record_end_n(node, 0, none);
    if (!rc && (!v || !i)) rc = -1;
  }
  if (rc) {
    lt_tensor_release(v);
    lt_tensor_release(i);
    return -1;
  }
  if (values) *values = v;
  else lt_tensor_release(v);
  if (indices) *indices = i;
  else lt_tensor_release(i);
  return 0;
}
