/* Host side of reductions along a dimension (or all of them) and of the
 * scans, for lib/ops/reduce.c and reduce_scan.c: the same dtype rules,
 * passes and final formulas as the CPU (reduce.c), with the folding in
 * kernels/reduce_dim.cu and the results left on the GPU. */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "lutorch/reduce.h"

static const char *const names[] = {"sum", "prod", "mean", "var", "std", "norm",
                                    "logsumexp", "max", "min", "all", "any", "median"};

static lt_dtype compute_of(lt_dtype in) {
  return in == LT_FLOAT16 || in == LT_BFLOAT16 ? LT_FLOAT32 : in;
}
static lt_dtype float_compute(lt_dtype in) {
  return in == LT_FLOAT32 || in == LT_FLOAT64 ? in : in == LT_FLOAT16 || in == LT_BFLOAT16 ? LT_FLOAT32 : LT_FLOAT64;
}
static lt_dtype float_result(lt_dtype in) { return in == LT_FLOAT64 ? LT_FLOAT64 : LT_FLOAT32; }
static lt_dtype sum_dtype(lt_dtype in) {
  in = compute_of(in);
  return lt_dtype_is_float(in) ? in : LT_INT64;
}

/* t in the kernels' dtype (float32, float64 or int64 for the compute dtype
 * given), contiguous, seen as (outer, n, inner) around dim */
typedef struct {
  lt_tensor *x;
  int64_t outer, n, inner, nout;
  int ndim_out;
  int64_t size_out[LT_MAX_DIMS];
  lt_device dev;
  int sms;
  cudaStream_t st;
} job;

static int prepare(const char *fn, const lt_tensor *t, int dim, bool keepdim, lt_dtype compute,
                   job *j) {
  memset(j, 0, sizeof *j);
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  int nd = t->ndim;
  j->outer = j->inner = 1;
  if (dim == LT_ALL_DIMS) {
    j->n = lt_tensor_numel(t);
    j->ndim_out = keepdim ? nd : 0;
    for (int i = 0; i < j->ndim_out; i++) j->size_out[i] = 1;
  } else if (nd == 0) {
    if (dim != 0 && dim != -1)
      return lt_errorf("%s: dimension %d out of range for a 0-dimensional tensor", fn,
                       dim < 0 ? dim : dim + 1);
    j->n = 1;
  } else {
    int d = lt_wrap_dim(fn, dim, nd, 0);
    if (d < 0) return -1;
    for (int i = 0; i < d; i++) j->outer *= t->size[i];
    for (int i = d + 1; i < nd; i++) j->inner *= t->size[i];
    j->n = t->size[d];
    for (int i = 0; i < nd; i++)
      if (i != d) j->size_out[j->ndim_out++] = t->size[i];
      else if (keepdim) j->size_out[j->ndim_out++] = 1;
  }
  j->nout = j->outer * j->inner;
  j->dev = lt_tensor_device(t);
  if (lt_cuda_use(fn, j->dev.index)) return -1;
  j->sms = lt_cuda_sm_count(j->dev.index);
  j->st = lt_cuda_stream(j->dev.index);
  lt_dtype kdt = lt_dtype_is_float(compute) ? (compute == LT_FLOAT64 ? LT_FLOAT64 : LT_FLOAT32)
                                            : LT_INT64;
  lt_tensor *c = lt_to_dtype(t, kdt);
  if (!c) return -1;
  j->x = lt_contiguous(c);
  lt_tensor_release(c);
  return j->x ? 0 : -1;
}

static lt_tensor *vec(const job *j, lt_dtype dt, int64_t n) {
  return lt_tensor_empty_on(dt, 1, &n, j->dev);
}

/* one folding pass: *acc (and *idx when asked) new device vectors */
static int pass(const char *fn, const job *j, int kind, bool acc_int, double p,
                const lt_tensor *cen, lt_tensor **acc, lt_tensor **idx) {
  int64_t P = ltk_reduce_splits(j->outer, j->n, j->inner, j->sms);
  lt_tensor *parts = NULL, *parts_idx = NULL;
  *acc = vec(j, acc_int ? LT_INT64 : LT_FLOAT64, j->nout);
  if (idx) *idx = vec(j, LT_INT64, j->nout);
  if (P > 1) {
    parts = vec(j, acc_int ? LT_INT64 : LT_FLOAT64, j->nout * P);
    if (idx) parts_idx = vec(j, LT_INT64, j->nout * P);
  }
  int rc = -1;
  if (*acc && (!idx || *idx) && (P == 1 || (parts && (!idx || parts_idx)))) {
    cudaError_t err = ltk_reduce_dim(
        j->x->dtype, acc_int, lt_tensor_data(j->x), j->outer, j->n, j->inner, kind, p,
        cen ? lt_tensor_data(cen) : NULL, lt_tensor_data(*acc), idx ? lt_tensor_data(*idx) : NULL,
        parts ? lt_tensor_data(parts) : NULL, parts_idx ? lt_tensor_data(parts_idx) : NULL, P,
        j->sms, j->st);
    rc = err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the reduction kernel", err);
  }
  lt_tensor_release(parts);
  lt_tensor_release(parts_idx);
  if (rc) {
    lt_tensor_release(*acc);
    *acc = NULL;
    if (idx) {
      lt_tensor_release(*idx);
      *idx = NULL;
    }
  }
  return rc;
}

/* out (a new tensor of dtype dt, the result's shape, or 1-D nout when
 * flat) = fin(acc) */
static lt_tensor *finish(const char *fn, const job *j, const lt_tensor *acc, bool acc_int,
                         const lt_tensor *idx, const lt_tensor *m0, int fin, double n, double prm,
                         lt_dtype dt, bool flat) {
  lt_tensor *out = flat ? vec(j, dt, j->nout) : lt_tensor_empty_on(dt, j->ndim_out, j->size_out, j->dev);
  if (!out) return NULL;
  cudaError_t err = ltk_reduce_finish(lt_tensor_data(acc), acc_int, idx ? lt_tensor_data(idx) : NULL,
                                      m0 ? lt_tensor_data(m0) : NULL, j->nout, fin, n, prm,
                                      lt_tensor_data(out), dt, j->sms, j->st);
  if (err != cudaSuccess) {
    lt_cuda_fail(fn, "the reduction kernel", err);
    lt_tensor_release(out);
    return NULL;
  }
  return out;
}

/* two passes around a per-output centre: var/std (mean) and logsumexp (max) */
static lt_tensor *centred(const char *fn, const job *j, int red, double param, lt_dtype odt) {
  lt_tensor *acc = NULL, *idx = NULL, *cen = NULL, *acc2 = NULL, *r = NULL;
  bool lse = red == LT_RED_LOGSUMEXP;
  if (pass(fn, j, lse ? LTK_RK_MAX : LTK_RK_SUM, false, 0, NULL, &acc, lse ? &idx : NULL)) goto done;
  if (!(cen = finish(fn, j, acc, false, idx, NULL, lse ? LTK_FIN_M0 : LTK_FIN_MEAN, (double)j->n,
                     0, LT_FLOAT64, true)))
    goto done;
  if (pass(fn, j, lse ? LTK_RK_EXPDEV : LTK_RK_SQDEV, false, 0, cen, &acc2, NULL)) goto done;
  if (lse) {
    r = finish(fn, j, acc2, false, NULL, cen, LTK_FIN_LSE, 0, 0, odt, false);
  } else {
    double denom = (double)j->n - (param != 0 ? 0 : 1);
    r = finish(fn, j, acc2, false, NULL, NULL, red == LT_RED_STD ? LTK_FIN_STD : LTK_FIN_VAR,
               denom, 0, odt, false);
  }
done:
  lt_tensor_release(acc);
  lt_tensor_release(idx);
  lt_tensor_release(cen);
  lt_tensor_release(acc2);
  return r;
}

int lt_cuda_reduce(int red, const lt_tensor *t, int dim, bool keepdim, double param,
                   lt_tensor **values, lt_tensor **indices) {
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  if (red < 0 || red > LT_RED_MEDIAN) return lt_errorf("reduce: unknown reduction %d", red);
  const char *fn = names[red];
  if (red == LT_RED_MEDIAN) return lt_median(t, dim, keepdim, values, indices); /* sort.c: on the sort */
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  bool floaty = red == LT_RED_MEAN || red == LT_RED_VAR || red == LT_RED_STD ||
                red == LT_RED_NORM || red == LT_RED_LOGSUMEXP;
  lt_dtype compute = floaty ? float_compute(t->dtype) : compute_of(t->dtype);
  if (compute >= 8) return lt_errorf("%s: not defined for %s tensors", fn, lt_dtype_name(t->dtype));
  if (red == LT_RED_NORM && isnan(param)) return lt_errorf("norm: p must be a number, got nan");
  job j;
  if (prepare(fn, t, dim, keepdim, compute, &j)) return -1;
  lt_tensor *acc = NULL, *idx = NULL, *v = NULL;
  int rc = -1;
  bool is_int = !lt_dtype_is_float(compute);
  switch (red) {
  case LT_RED_SUM:
  case LT_RED_PROD:
    if (!pass(fn, &j, red == LT_RED_SUM ? LTK_RK_SUM : LTK_RK_PROD, is_int, 0, NULL, &acc, NULL))
      v = finish(fn, &j, acc, is_int, NULL, NULL, LTK_FIN_RAW, 0, 0, sum_dtype(t->dtype), false);
    break;
  case LT_RED_MAX:
  case LT_RED_MIN:
    if (j.n == 0 && j.nout > 0) {
      if (dim == LT_ALL_DIMS) lt_errorf("%s: cannot reduce an empty tensor", fn);
      else lt_errorf("%s: cannot reduce over an empty dimension (dimension %d has size 0)", fn,
                     (dim < 0 ? dim + t->ndim : dim) + 1);
      break;
    }
    if (!pass(fn, &j, red == LT_RED_MAX ? LTK_RK_MAX : LTK_RK_MIN, is_int, 0, NULL, &acc, &idx))
      v = finish(fn, &j, acc, is_int, NULL, NULL, LTK_FIN_RAW, 0, 0, compute, false);
    if (v && indices) { /* the positions, in the result's shape */
      lt_tensor *i = lt_view(idx, j.ndim_out, j.size_out);
      if (!i) break;
      *indices = i;
    }
    break;
  case LT_RED_ALL:
  case LT_RED_ANY:
    if (!pass(fn, &j, LTK_RK_COUNT, true, 0, NULL, &acc, NULL))
      v = finish(fn, &j, acc, true, NULL, NULL, red == LT_RED_ALL ? LTK_FIN_ALL : LTK_FIN_ANY,
                 (double)j.n, 0, LT_BOOL, false);
    break;
  case LT_RED_MEAN:
    if (!pass(fn, &j, LTK_RK_SUM, false, 0, NULL, &acc, NULL))
      v = finish(fn, &j, acc, false, NULL, NULL, LTK_FIN_MEAN, (double)j.n, 0,
                 float_result(t->dtype), false);
    break;
  case LT_RED_VAR:
  case LT_RED_STD:
  case LT_RED_LOGSUMEXP:
    v = centred(fn, &j, red, param, float_result(t->dtype));
    break;
  case LT_RED_NORM: {
    double p = param;
    int k = p == 0 ? LTK_RK_COUNT : p == 1 ? LTK_RK_ABS : p == 2 ? LTK_RK_SQ : p == INFINITY ? LTK_RK_ABSMAX
          : p == -INFINITY ? LTK_RK_ABSMIN : LTK_RK_POW;
    int fin = k == LTK_RK_SQ ? LTK_FIN_SQRT : k == LTK_RK_POW ? LTK_FIN_ROOT : LTK_FIN_RAW;
    if (!pass(fn, &j, k, k == LTK_RK_COUNT, p, NULL, &acc, NULL))
      v = finish(fn, &j, acc, k == LTK_RK_COUNT, NULL, NULL, fin, 0, p, float_result(t->dtype), false);
    break;
  }
  default: lt_errorf("%s: not implemented for CUDA tensors yet", fn);
  }
  if (v && (!indices || *indices || (red != LT_RED_MAX && red != LT_RED_MIN))) {
    rc = 0;
    if (values) *values = v;
    else lt_tensor_release(v);
  } else {
    lt_tensor_release(v);
  }
  lt_tensor_release(acc);
  lt_tensor_release(idx);
  lt_tensor_release(j.x);
  return rc;
}

lt_tensor *lt_cuda_scan(const char *fn, int prod, const lt_tensor *t, int dim) {
  if (dim == LT_ALL_DIMS) return lt_error("%s: a dimension is required", fn);
  if (!t) return lt_error("%s: expected a tensor, got NULL", fn);
  job j;
  if (prepare(fn, t, dim, true, compute_of(t->dtype), &j)) return NULL;
  lt_dtype odt = sum_dtype(t->dtype);
  lt_tensor *y = lt_tensor_empty_on(j.x->dtype, t->ndim, t->size, j.dev);
  if (y) {
    cudaError_t err = ltk_scan(j.x->dtype, lt_tensor_data(j.x), lt_tensor_data(y), j.outer, j.n,
                               j.inner, prod, j.sms, j.st);
    if (err != cudaSuccess) {
      lt_cuda_fail(fn, "the scan kernel", err);
      lt_tensor_release(y);
      y = NULL;
    }
  }
  lt_tensor_release(j.x);
  if (y && y->dtype != odt) { /* int64 scans of narrower integers stay int64 */
    lt_tensor *c = lt_to_dtype(y, odt);
    lt_tensor_release(y);
    y = c;
  }
  return y;
}
