/* Reductions: the public functions, their dtype rules and final formulas
 * (mean = sum/n, var from a second pass around the mean, ...), and the op
 * table entries. The folding itself is in reduce_kernels.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/device.h"
#include "lutorch/autograd.h"
#include "lutorch/op.h"
#include "reduce_impl.h"

/* One reduction's outcome: an accumulator per output (+ positions). */
typedef struct {
  rshape s;
  int64_t nout;
  racc *acc;
  int64_t *idx;
  bool is_int;      /* acc holds .i */
  lt_dtype out_dtype;
} rres;

static void rres_free(rres *r) {
  lt_tensor_release(r->s.x);
  free(r->acc);
  free(r->idx);
}

static const char *red_name[] = {"sum",  "prod", "mean", "var", "std", "norm",
                                 "logsumexp", "max", "min", "all", "any", "median"};

/* dtype float-only reductions compute in, and the one they return */
static lt_dtype float_compute(lt_dtype in) {
  return in == LT_FLOAT32 || in == LT_FLOAT64 ? in : in == LT_FLOAT16 || in == LT_BFLOAT16 ? LT_FLOAT32 : LT_FLOAT64;
}
static lt_dtype float_result(lt_dtype in) { return in == LT_FLOAT64 ? LT_FLOAT64 : LT_FLOAT32; }

static int run_pass(const char *fn, rkind k, rres *r, double p, const double *cen) {
  return lt__reduce_run(fn, k, &r->s, p, cen, r->acc, r->idx);
}

/* Reduce t with r into res (accumulators finalised to result values). */
static int reduce(lt_reduction red, const lt_tensor *t, int dim, bool keepdim, double param,
                  rres *res) {
  const char *fn = red_name[red];
  memset(res, 0, sizeof *res);
  bool floaty = red == LT_RED_MEAN || red == LT_RED_VAR || red == LT_RED_STD ||
                red == LT_RED_NORM || red == LT_RED_LOGSUMEXP;
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  lt_dtype compute = floaty ? float_compute(t->dtype) : lt__compute_dtype(t->dtype);
  if (compute >= 8) return lt_errorf("%s: not defined for %s tensors", fn, lt_dtype_name(t->dtype));
  if (lt__reduce_prepare(fn, t, dim, keepdim, compute, &res->s)) return -1;
  rshape *s = &res->s;
  res->nout = s->outer * s->inner;
  size_t m = (size_t)(res->nout ? res->nout : 1);
  res->acc = malloc(m * sizeof(racc));
  bool need_idx = red == LT_RED_MAX || red == LT_RED_MIN || red == LT_RED_LOGSUMEXP;
  if (need_idx) res->idx = malloc(m * sizeof(int64_t));
  if (!res->acc || (need_idx && !res->idx)) {
    rres_free(res);
    return lt_errorf("%s: out of memory", fn);
  }
  if ((red == LT_RED_MAX || red == LT_RED_MIN) && s->n == 0 && res->nout > 0) {
    rres_free(res);
    if (dim == LT_ALL_DIMS) return lt_errorf("%s: cannot reduce an empty tensor", fn);
    return lt_errorf("%s: cannot reduce over an empty dimension (dimension %d has size 0)", fn,
                     (dim < 0 ? dim + t->ndim : dim) + 1);
  }
  int64_t n = s->n, nout = res->nout;
  racc *a = res->acc;
  int rc = 0;
  res->out_dtype = floaty ? float_result(t->dtype) : compute;
  switch (red) {
  case LT_RED_SUM:
  case LT_RED_PROD:
    rc = run_pass(fn, red == LT_RED_SUM ? RK_SUM : RK_PROD, res, 0, NULL);
    res->is_int = !lt__reduce_acc_is_double(RK_SUM, compute);
    res->out_dtype = lt__sum_dtype(t->dtype);
    break;
  case LT_RED_MAX:
  case LT_RED_MIN:
    rc = run_pass(fn, red == LT_RED_MAX ? RK_MAX : RK_MIN, res, 0, NULL);
    res->is_int = !lt_dtype_is_float(compute);
    break;
  case LT_RED_ALL:
  case LT_RED_ANY:
    rc = run_pass(fn, RK_COUNT, res, 0, NULL);
    for (int64_t i = 0; i < nout && !rc; i++)
      a[i].i = red == LT_RED_ALL ? a[i].i == n : a[i].i > 0;
    res->is_int = true;
    res->out_dtype = LT_BOOL;
    break;
  case LT_RED_MEAN:
    rc = run_pass(fn, RK_SUM, res, 0, NULL);
    for (int64_t i = 0; i < nout && !rc; i++) a[i].d /= (double)n;
    break;
  case LT_RED_VAR:
  case LT_RED_STD: {
    /* two passes: the mean, then squared deviations from it (stable) */
    double *mean = malloc(m * sizeof(double));
    if (!mean) {
      rc = lt_errorf("%s: out of memory", fn);
      break;
    }
    rc = run_pass(fn, RK_SUM, res, 0, NULL);
    for (int64_t i = 0; i < nout; i++) mean[i] = a[i].d / (double)n;
    if (!rc) rc = run_pass(fn, RK_SQDEV, res, 0, mean);
    free(mean);
    double denom = (double)n - (param != 0 ? 0 : 1);
    for (int64_t i = 0; i < nout && !rc; i++) {
      double v = denom > 0 ? a[i].d / denom : NAN;
      a[i].d = red == LT_RED_STD ? sqrt(v) : v;
    }
    break;
  }
  case LT_RED_NORM: {
    double p = param;
    if (isnan(p)) {
      rc = lt_errorf("norm: p must be a number, got nan");
      break;
    }
    rkind k = p == 0 ? RK_COUNT : p == 1 ? RK_ABS : p == 2 ? RK_SQ : p == INFINITY ? RK_ABSMAX
            : p == -INFINITY ? RK_ABSMIN : RK_POW;
    rc = run_pass(fn, k, res, p, NULL);
    for (int64_t i = 0; i < nout && !rc; i++) {
      if (k == RK_COUNT) a[i].d = (double)a[i].i;
      else if (k == RK_SQ) a[i].d = sqrt(a[i].d);
      else if (k == RK_POW) a[i].d = pow(a[i].d, 1.0 / p);
    }
    if (k == RK_ABSMIN && n == 0)
      for (int64_t i = 0; i < nout; i++) a[i].d = INFINITY;
    break;
  }
  case LT_RED_LOGSUMEXP: {
    /* m + log(sum(exp(x - m))): no overflow; m = +-inf or NaN is the answer */
    double *m0 = malloc(m * sizeof(double));
    if (!m0) {
      rc = lt_errorf("%s: out of memory", fn);
      break;
    }
    rc = run_pass(fn, RK_MAX, res, 0, NULL);
    for (int64_t i = 0; i < nout; i++) m0[i] = res->idx[i] < 0 ? -INFINITY : a[i].d;
    double *cen = malloc(m * sizeof(double));
    if (!cen) {
      free(m0);
      rc = lt_errorf("%s: out of memory", fn);
      break;
    }
    for (int64_t i = 0; i < nout; i++) cen[i] = isfinite(m0[i]) ? m0[i] : 0;
    if (!rc) rc = run_pass(fn, RK_EXPDEV, res, 0, cen);
    for (int64_t i = 0; i < nout && !rc; i++)
      a[i].d = isfinite(m0[i]) ? m0[i] + log(a[i].d) : m0[i];
    free(m0);
    free(cen);
    free(res->idx);
    res->idx = NULL;
    break;
  }
  default:
    rc = lt_errorf("reduce: unknown reduction %d", (int)red);
  }
  if (rc) rres_free(res);
  return rc;
}

static lt_tensor *result_tensor(rres *r) {
  lt_tensor *out = lt_tensor_empty(r->out_dtype, r->s.ndim_out, r->s.size_out);
  if (out) lt__store_acc(r->out_dtype, lt_tensor_data(out), r->acc, r->is_int, r->nout);
  return out;
}

static lt_tensor *index_tensor(rres *r) {
  lt_tensor *out = lt_tensor_empty(LT_INT64, r->s.ndim_out, r->s.size_out);
  if (out && r->nout) memcpy(lt_tensor_data(out), r->idx, sizeof(int64_t) * (size_t)r->nout);
  return out;
}

static lt_tensor *reduce_tensor(lt_reduction red, const lt_tensor *t, int dim, bool keepdim,
                                double param) {
  if (lt_device_any1(t)) return lt_device_reduce(red, t, dim, keepdim, param);
  rres r;
  if (reduce(red, t, dim, keepdim, param, &r)) return NULL;
  lt_tensor *out = result_tensor(&r);
  rres_free(&r);
  return out;
}

/* a reduction recorded for autograd (reduce_grad.c) */
static lt_tensor *recorded(rgrad kind, lt_reduction red, const lt_tensor *t, int dim,
                           bool keepdim, double param, double grad_param) {
  lt_node *node;
  if (lt__grad_begin(&node, kind, t, dim, keepdim, grad_param)) return NULL;
  return lt__grad_end(node, reduce_tensor(red, t, dim, keepdim, param));
}

lt_tensor *lt_sum(const lt_tensor *t, int dim, bool keepdim) {
  return recorded(RG_SUM, LT_RED_SUM, t, dim, keepdim, 0, 0);
}
lt_tensor *lt_prod(const lt_tensor *t, int dim, bool keepdim) {
  return recorded(RG_PROD, LT_RED_PROD, t, dim, keepdim, 0, 0);
}
lt_tensor *lt_mean(const lt_tensor *t, int dim, bool keepdim) {
  return recorded(RG_MEAN, LT_RED_MEAN, t, dim, keepdim, 0, 0);
}
lt_tensor *lt_var(const lt_tensor *t, int dim, bool keepdim, bool unbiased) {
  return recorded(RG_VAR, LT_RED_VAR, t, dim, keepdim, unbiased ? 0 : 1, unbiased);
}
lt_tensor *lt_std(const lt_tensor *t, int dim, bool keepdim, bool unbiased) {
  return recorded(RG_STD, LT_RED_STD, t, dim, keepdim, unbiased ? 0 : 1, unbiased);
}
lt_tensor *lt_norm(const lt_tensor *t, double p, int dim, bool keepdim) {
  return recorded(RG_NORM, LT_RED_NORM, t, dim, keepdim, p, p);
}
lt_tensor *lt_logsumexp(const lt_tensor *t, int dim, bool keepdim) {
  return recorded(RG_LOGSUMEXP, LT_RED_LOGSUMEXP, t, dim, keepdim, 0, 0);
}
lt_tensor *lt_all(const lt_tensor *t, int dim, bool keepdim) {
  return reduce_tensor(LT_RED_ALL, t, dim, keepdim, 0);
}
lt_tensor *lt_any(const lt_tensor *t, int dim, bool keepdim) {
  return reduce_tensor(LT_RED_ANY, t, dim, keepdim, 0);
}

static int extreme(lt_reduction red, const lt_tensor *t, int dim, bool keepdim,
                   lt_tensor **values, lt_tensor **indices) {
  if (lt_device_any1(t)) return lt_device_reduce2(red, t, dim, keepdim, values, indices);
  rres r;
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  if (reduce(red, t, dim, keepdim, 0, &r)) return -1;
  lt_tensor *v = values ? result_tensor(&r) : NULL, *i = indices ? index_tensor(&r) : NULL;
  rres_free(&r);
  if ((values && !v) || (indices && !i)) {
    lt_tensor_release(v);
    lt_tensor_release(i);
    return -1;
  }
  if (values) *values = v;
  if (indices) *indices = i;
  return 0;
}

/* max/min recorded: the values get a gradient, the indices none */
static int extreme_recorded(rgrad kind, lt_reduction red, const lt_tensor *t, int dim,
                            bool keepdim, lt_tensor **values, lt_tensor **indices) {
  lt_node *node;
  if (lt__grad_begin(&node, kind, t, dim, keepdim, 0)) return -1;
  if (!node) return extreme(red, t, dim, keepdim, values, indices);
  lt_tensor *v = NULL, *i = NULL;
  int rc = extreme(red, t, dim, keepdim, &v, &i);
  return lt__grad_end2(node, rc, v, i, values, indices);
}

int lt_max(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values, lt_tensor **indices) {
  return extreme_recorded(RG_MAX, LT_RED_MAX, t, dim, keepdim, values, indices);
}
int lt_min(const lt_tensor *t, int dim, bool keepdim, lt_tensor **values, lt_tensor **indices) {
  return extreme_recorded(RG_MIN, LT_RED_MIN, t, dim, keepdim, values, indices);
}

static lt_tensor *arg_extreme(const char *fn, lt_reduction red, const lt_tensor *t, int dim,
                              bool keepdim) {
  lt_tensor *i = NULL;
  if (extreme(red, t, dim, keepdim, NULL, &i)) {
    /* name argmax/argmin in the message, not max/min */
    const char *msg = lt_last_error();
    size_t skip = strlen(red_name[red]);
    if (strncmp(msg, red_name[red], skip) == 0) {
      char buf[512];
      snprintf(buf, sizeof buf, "%s%s", fn, msg + skip);
      lt_error("%s", buf);
    }
    return NULL;
  }
  return i;
}

lt_tensor *lt_argmax(const lt_tensor *t, int dim, bool keepdim) {
  return arg_extreme("argmax", LT_RED_MAX, t, dim, keepdim);
}
lt_tensor *lt_argmin(const lt_tensor *t, int dim, bool keepdim) {
  return arg_extreme("argmin", LT_RED_MIN, t, dim, keepdim);
}

int lt_reduce_all(lt_reduction red, const lt_tensor *t, double param, double *out) {
  if (lt_device_any1(t)) return lt_device_reduce_number(red, t, param, out);
  if (red == LT_RED_MEDIAN) {
    lt_tensor *v = NULL;
    if (lt_median(t, LT_ALL_DIMS, false, &v, NULL)) return -1;
    *out = lt_dtype_load(v->dtype, lt_tensor_data(v));
    lt_tensor_release(v);
    return 0;
  }
  if ((unsigned)red > LT_RED_MEDIAN) return lt_errorf("reduce: unknown reduction %d", (int)red);
  rres r;
  if (reduce(red, t, LT_ALL_DIMS, false, param, &r)) return -1;
  *out = r.is_int ? (double)r.acc[0].i : r.acc[0].d;
  rres_free(&r);
  return 0;
}

/* ---- index shift ---- */

static void shift_loop(char **p, const int64_t *s, int64_t n, const void *ctx) {
  int64_t by = *(const int64_t *)ctx;
  for (int64_t i = 0; i < n; i++) *(int64_t *)(p[0] + i * s[0]) += by;
}

int lt_index_shift_(lt_tensor *idx, int64_t by) {
  if (lt_device_any1(idx)) return lt_device_index_shift(idx, by);
  if (!idx || idx->dtype != LT_INT64)
    return lt_errorf("index_shift: expected an int64 tensor, got %s",
                     idx ? lt_dtype_name(idx->dtype) : "NULL");
  if (lt_tensor_device(idx).type != LT_CPU) return lt_errorf("index_shift: this build has no CUDA support");
  lt_iter it;
  lt_iter_init(&it, 1, &idx);
  lt_iter_run(&it, shift_loop, &by);
  lt_tensor_bump_version(idx);
  return 0;
}

/* ---- the op table ---- */
/* backward: the kind's formula in reduce_grad.c (NULL: not differentiable) */
#define REDUCE_OP(NAME, FLAGS, KIND) \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_OTHER, FLAGS, 0, {0}, KIND};
#define BW(NAME) lt__reduce_bw_##NAME
REDUCE_OP(sum, 0, BW(sum))
REDUCE_OP(prod, 0, BW(prod))
REDUCE_OP(mean, LT_OPF_FLOAT, BW(mean))
REDUCE_OP(max, 0, BW(extreme))
REDUCE_OP(min, 0, BW(extreme))
REDUCE_OP(argmax, LT_OPF_NONDIFF, NULL)
REDUCE_OP(argmin, LT_OPF_NONDIFF, NULL)
REDUCE_OP(std, LT_OPF_FLOAT, BW(varstd))
REDUCE_OP(var, LT_OPF_FLOAT, BW(varstd))
REDUCE_OP(norm, LT_OPF_FLOAT, BW(norm))
REDUCE_OP(cumsum, 0, BW(cumsum))
REDUCE_OP(cumprod, 0, BW(cumprod))
REDUCE_OP(logsumexp, LT_OPF_FLOAT, BW(logsumexp))
REDUCE_OP(all, LT_OPF_NONDIFF | LT_OPF_BOOL_OUT, NULL)
REDUCE_OP(any, LT_OPF_NONDIFF | LT_OPF_BOOL_OUT, NULL)

const lt_opdef *const lt_ops_reduce[] = {
    &op_sum, &op_prod,   &op_mean, &op_max,    &op_min,       &op_argmax, &op_argmin, &op_std,
    &op_var, &op_norm,   &op_cumsum, &op_cumprod, &op_logsumexp, &op_all,  &op_any,    NULL};
