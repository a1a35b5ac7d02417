/* softmax and log_softmax along one dim, forward and backward.
 *
 * The (contiguous) tensor is seen as (outer, D, inner): a row is D values
 * inner apart. Rows are independent and split over threads. Forward
 * subtracts the row's maximum before exp (stable); backward needs only the
 * output y:  softmax: g' = y·(g - Σ g·y);  log_softmax: g' = g - exp(y)·Σ g. */
#include <math.h>

#include "nn_util.h"

typedef struct sm_ctx {
  int64_t D, inner;
  bool log;
  const void *x, *g; /* g NULL: forward */
  void *y;
} sm_ctx;

#define SOFTMAX(S, T)                                                                \
  static void softmax_##S(int64_t b, int64_t e, void *vctx) {                        \
    const sm_ctx *c = vctx;                                                          \
    const int64_t D = c->D, in = c->inner;                                           \
    for (int64_t r = b; r < e; r++) {                                                \
      int64_t base = (r / in) * D * in + r % in;                                     \
      const T *x = (const T *)c->x + base;                                           \
      T *y = (T *)c->y + base;                                                       \
      if (!c->g) {                                                                   \
        T mx = -INFINITY;                                                            \
        for (int64_t j = 0; j < D; j++)                                              \
          if (x[j * in] > mx || isnan(x[j * in])) mx = x[j * in];                    \
        if (isinf(mx) && mx < 0) mx = 0; /* a row of -inf: keep it -inf / NaN */     \
        double s = 0;                                                                \
        for (int64_t j = 0; j < D; j++) s += exp((double)(x[j * in] - mx));          \
        if (c->log) {                                                                \
          T ls = (T)log(s);                                                          \
          for (int64_t j = 0; j < D; j++) y[j * in] = x[j * in] - mx - ls;           \
        } else {                                                                     \
          for (int64_t j = 0; j < D; j++) y[j * in] = (T)(exp((double)(x[j * in] - mx)) / s); \
        }                                                                            \
      } else { /* x is the forward's output, g the gradient */                       \
        const T *g = (const T *)c->g + base;                                         \
        double s = 0;                                                                \
        if (c->log) {                                                                \
          for (int64_t j = 0; j < D; j++) s += g[j * in];                            \
          for (int64_t j = 0; j < D; j++) y[j * in] = (T)(g[j * in] - exp(x[j * in]) * s); \
        } else {                                                                     \
          for (int64_t j = 0; j < D; j++) s += (double)g[j * in] * x[j * in];        \
          for (int64_t j = 0; j < D; j++) y[j * in] = (T)(x[j * in] * (g[j * in] - s)); \
        }                                                                            \
      }                                                                              \
    }                                                                                \
  }
SOFTMAX(f32, float)
SOFTMAX(f64, double)

/* Forward (g NULL, x the input) or backward (x the output). */
static lt_tensor *run(const char *fn, lt_tensor *x, lt_tensor *g, int dim, bool log) {
  if (nn_check_float(fn, g ? "output" : "input", x)) return NULL;
  if (g) {
    if (nn_check_float(fn, "gradOutput", g) || nn_check_like(fn, "gradOutput", g, x->dtype) ||
        nn_check_shape(fn, "gradOutput", g, x->ndim, x->size))
      return NULL;
  }
  int nd = x->ndim ? x->ndim : 1;
  if (dim < -nd || dim >= nd)
    return lt_error("%s: dimension %d out of range for a %d-dimensional tensor", fn,
                    dim < 0 ? dim : dim + 1, x->ndim);
  const lt_tensor *devs[2] = {x, g};
  static const char *const dev_names[2] = {"output", "gradOutput"};
  if (nn_check_devices(fn, 2, devs, dev_names)) return NULL;
  if (g)
    NN_ON_DEVICE(NULL, fn, x, softmax_backward, log, g, x, dim);
  else
    NN_ON_DEVICE(NULL, fn, x, softmax, log, x, dim);
  if (dim < 0) dim += nd;
  int64_t D = x->ndim ? x->size[dim] : 1, inner = 1, n = lt_tensor_numel(x);
  for (int i = dim + 1; i < x->ndim; i++) inner *= x->size[i];
  lt_tensor *xc = nn_contig(x), *gc = nn_contig(g), *y = NULL;
  if (xc && (gc || !g) && (y = lt_tensor_empty(x->dtype, x->ndim, x->size)) && n > 0) {
    sm_ctx c = {D, inner, log, lt_tensor_data(xc), gc ? lt_tensor_data(gc) : NULL, lt_tensor_data(y)};
    lt_parallel_for(n / D, 1 + LT_GRAIN / (4 * D), x->dtype == LT_FLOAT32 ? softmax_f32 : softmax_f64,
                    &c);
  }
  lt_tensor_release(xc);
  lt_tensor_release(gc);
  return y;
}

lt_tensor *lt_softmax(lt_tensor *input, int dim) { return run("softmax", input, NULL, dim, false); }
lt_tensor *lt_log_softmax(lt_tensor *input, int dim) {
  return run("log_softmax", input, NULL, dim, true);
}
lt_tensor *lt_softmax_backward(lt_tensor *grad_output, lt_tensor *output, int dim) {
  if (!grad_output) return lt_error("softmax_backward: gradOutput is missing");
  return run("softmax_backward", output, grad_output, dim, false);
}
lt_tensor *lt_log_softmax_backward(lt_tensor *grad_output, lt_tensor *output, int dim) {
  if (!grad_output) return lt_error("log_softmax_backward: gradOutput is missing");
  return run("log_softmax_backward", output, grad_output, dim, true);
}
