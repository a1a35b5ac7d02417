/* Private to reduce_grad.c and linalg_grad.c: an arena for backward
 * formulas longer than lt_fx allows (an SVD backward has ~40 intermediates).
 *
 * Every helper takes the arena first, returns a tensor the arena owns (or
 * NULL, which marks the arena failed and makes every later helper return
 * NULL at once), so a formula reads as nested calls and cleanup is one
 * ga_end. The ops are the public lt_ ones: they record when grad mode is
 * on (a backward under createGraph), so formulas built here are
 * differentiable themselves. */
#ifndef LUTORCH_OPS_GRAD_ARENA_H
#define LUTORCH_OPS_GRAD_ARENA_H

#include "../autograd/formula.h"
#include "lutorch/autograd.h"
#include "lutorch/linalg.h"
#include "lutorch/reduce.h"

#define GA_MAX 64

typedef struct ga {
  lt_tensor *t[GA_MAX];
  int n;
  bool failed;
} ga;

static inline lt_tensor *ga_take(ga *a, lt_tensor *t) {
  if (!t) {
    a->failed = true;
    return NULL;
  }
  if (a->n == GA_MAX) {
    lt_tensor_release(t);
    a->failed = true;
    return lt_error("backward: formula has more than %d intermediates", GA_MAX);
  }
  return a->t[a->n++] = t;
}

/* true when the arena already failed or an argument is missing */
static inline bool ga_bad(ga *a, const lt_tensor *x, const lt_tensor *y) {
  if (a->failed || !x || !y) a->failed = true;
  return a->failed;
}

/* a result handed out as a gradient: a new reference */
static inline lt_tensor *ga_keep(ga *a, lt_tensor *t) {
  (void)a;
  if (t) lt_tensor_retain(t);
  return t;
}

static inline int ga_end(ga *a) {
  for (int i = 0; i < a->n; i++) lt_tensor_release(a->t[i]);
  a->n = 0;
  return a->failed ? -1 : 0;
}

/* ---- elementwise (by op name, through the table) ---- */
static inline lt_tensor *ga_bin(ga *a, const char *name, lt_tensor *x, lt_tensor *y) {
  static const double one[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  if (ga_bad(a, x, y)) return NULL;
  return ga_take(a, lt_binary(lt_op_cached(name), NULL, x, y, one));
}
static inline lt_tensor *ga_un(ga *a, const char *name, lt_tensor *x) {
  static const double one[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_unary(lt_op_cached(name), NULL, x, one));
}
static inline lt_tensor *ga_where(ga *a, lt_tensor *m, lt_tensor *x, lt_tensor *y) {
  static const double one[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  if (ga_bad(a, m, x) || ga_bad(a, y, y)) return NULL;
  return ga_take(a, lt_ternary(lt_op_cached("where"), NULL, m, x, y, one));
}
static inline lt_tensor *ga_scalar(ga *a, lt_dtype dt, double v) {
  return ga_take(a, lt_tensor_scalar(dt, v));
}
static inline lt_tensor *ga_add(ga *a, lt_tensor *x, lt_tensor *y) { return ga_bin(a, "add", x, y); }
static inline lt_tensor *ga_sub(ga *a, lt_tensor *x, lt_tensor *y) { return ga_bin(a, "sub", x, y); }
static inline lt_tensor *ga_mul(ga *a, lt_tensor *x, lt_tensor *y) { return ga_bin(a, "mul", x, y); }
static inline lt_tensor *ga_div(ga *a, lt_tensor *x, lt_tensor *y) { return ga_bin(a, "div", x, y); }
/* x * s (x itself, borrowed, when s == 1) */
static inline lt_tensor *ga_muls(ga *a, lt_tensor *x, double s) {
  if (ga_bad(a, x, x)) return NULL;
  return s == 1 ? x : ga_mul(a, x, ga_scalar(a, x->dtype, s));
}
static inline lt_tensor *ga_eqs(ga *a, lt_tensor *x, double s) { /* bool x == s */
  if (ga_bad(a, x, x)) return NULL;
  return ga_bin(a, "eq", x, ga_scalar(a, x->dtype, s));
}

/* ---- shapes ---- */
static inline lt_tensor *ga_unsq(ga *a, lt_tensor *x, int dim) {
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_unsqueeze(x, dim < 0 ? dim + x->ndim + 1 : dim));
}
/* the last two dims swapped (1-D and 0-D: x itself, borrowed) */
static inline lt_tensor *ga_t(ga *a, lt_tensor *x) {
  if (ga_bad(a, x, x)) return NULL;
  return x->ndim < 2 ? x : ga_take(a, lt_transpose(x, x->ndim - 2, x->ndim - 1));
}
static inline lt_tensor *ga_expand(ga *a, lt_tensor *x, int nd, const int64_t *size) {
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_expand(x, nd, size));
}
static inline lt_tensor *ga_reshape(ga *a, lt_tensor *x, int nd, const int64_t *size) {
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_reshape(x, nd, size));
}

/* ---- reductions (keepdim) and products ---- */
static inline lt_tensor *ga_sum(ga *a, lt_tensor *x, int dim) {
  if (ga_bad(a, x, x)) return NULL;
  return ga_take(a, lt_sum(x, dim, true));
}
/* the products all take (out, x, y); out is NULL here: a new result */
typedef lt_tensor *(*ga_product_fn)(lt_tensor *out, lt_tensor *x, lt_tensor *y);
static inline lt_tensor *ga_product(ga *a, ga_product_fn f, lt_tensor *x, lt_tensor *y) {
  if (ga_bad(a, x, y)) return NULL;
  return ga_take(a, f(NULL, x, y));
}
static inline lt_tensor *ga_mm(ga *a, lt_tensor *x, lt_tensor *y) { return ga_product(a, lt_mm, x, y); }
static inline lt_tensor *ga_mv(ga *a, lt_tensor *x, lt_tensor *y) { return ga_product(a, lt_mv, x, y); }
static inline lt_tensor *ga_ger(ga *a, lt_tensor *x, lt_tensor *y) { return ga_product(a, lt_ger, x, y); }
static inline lt_tensor *ga_bmm(ga *a, lt_tensor *x, lt_tensor *y) { return ga_product(a, lt_bmm, x, y); }
static inline lt_tensor *ga_matmul(ga *a, lt_tensor *x, lt_tensor *y) {
  return ga_product(a, lt_matmul, x, y);
}

#endif
