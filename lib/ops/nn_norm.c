/* Batch normalization (statistics per channel over N and the spatial
 * positions) and layer normalization (statistics per row over the last
 * dims), forward and backward.
 *
 * With xhat = (x - mean)·invstd and M values per statistic, the input
 * gradient of a normalization whose statistics came from the batch is
 *   gx = w·invstd·(g - Σg/M - xhat·Σ(g·xhat)/M),
 * and w·invstd·g when they were constants (batch norm in eval mode).
 * Sums accumulate in double. Batch norm runs channels in parallel, layer
 * norm rows. Each public kernel checks its arguments and then hands device
 * tensors to the backend (NN_ON_DEVICE, nn_util.h). */
#include <math.h>
#include <stdlib.h>

#include "nn_util.h"

/* The ends every kernel here shares: the contiguous copies of the inputs are
 * dropped; a forward (rc 0) hands out its two saved statistics and returns y,
 * a backward returns rc; on failure all that was made is released. */
static lt_tensor *norm_forward_end(int rc, lt_tensor *in[3], lt_tensor *y, lt_tensor *m,
                                   lt_tensor *s, lt_tensor **save1, lt_tensor **save2) {
  nn_release(3, in);
  if (rc) {
    lt_tensor *r[3] = {y, m, s};
    nn_release(3, r);
    return NULL;
  }
  *save1 = m;
  *save2 = s;
  return y;
}

static int norm_backward_end(int rc, lt_tensor *in[5], lt_tensor **grad_input,
                             lt_tensor **grad_weight, lt_tensor **grad_bias) {
  nn_release(5, in);
  if (rc) {
    lt_tensor *o[3] = {*grad_input, *grad_weight, *grad_bias};
    nn_release(3, o);
    *grad_input = *grad_weight = *grad_bias = NULL;
  }
  return rc;
}

/* ---- batch norm ---- */

typedef struct bn_ctx {
  int64_t N, C, K;
  bool training;
  double momentum, eps;
  const void *x, *w, *b, *g;
  void *y, *mean, *invstd;
  void *rm, *rv;
  int64_t rms, rvs; /* running stats' strides */
  void *gx, *gw, *gb;
  bool need[3];
} bn_ctx;

#define BN(S, T)                                                                             \
  static void bn_fwd_##S(int64_t c0, int64_t c1, void *vctx) {                               \
    const bn_ctx *c = vctx;                                                                  \
    const int64_t N = c->N, C = c->C, K = c->K;                                              \
    const T *x = c->x;                                                                       \
    T *y = c->y, *mean = c->mean, *inv = c->invstd, *rm = c->rm, *rv = c->rv;                \
    for (int64_t ch = c0; ch < c1; ch++) {                                                   \
      double mu, is;                                                                         \
      if (c->training) {                                                                     \
        double s = 0, ss = 0;                                                                \
        for (int64_t n = 0; n < N; n++) {                                                    \
          const T *p = x + (n * C + ch) * K;                                                 \
          for (int64_t k = 0; k < K; k++) s += p[k];                                         \
        }                                                                                    \
        mu = s / (double)(N * K);                                                            \
        for (int64_t n = 0; n < N; n++) {                                                    \
          const T *p = x + (n * C + ch) * K;                                                 \
          for (int64_t k = 0; k < K; k++) ss += (p[k] - mu) * (p[k] - mu);                   \
        }                                                                                    \
        double var = ss / (double)(N * K);                                                   \
        is = 1 / sqrt(var + c->eps);                                                         \
        if (rm) rm[ch * c->rms] = (T)((1 - c->momentum) * rm[ch * c->rms] + c->momentum * mu); \
        if (rv)                                                                              \
          rv[ch * c->rvs] = (T)((1 - c->momentum) * rv[ch * c->rvs] +                        \
                                c->momentum * ss / (double)(N * K - 1));                     \
      } else {                                                                               \
        mu = rm[ch * c->rms];                                                                \
        is = 1 / sqrt(rv[ch * c->rvs] + c->eps);                                             \
      }                                                                                      \
      mean[ch] = (T)mu;                                                                      \
      inv[ch] = (T)is;                                                                       \
      double a = is * (c->w ? ((const T *)c->w)[ch] : 1);                                    \
      double b = (c->b ? ((const T *)c->b)[ch] : 0) - mu * a;                                \
      for (int64_t n = 0; n < N; n++) {                                                      \
        const T *p = x + (n * C + ch) * K;                                                   \
        T *q = y + (n * C + ch) * K;                                                         \
        for (int64_t k = 0; k < K; k++) q[k] = (T)(p[k] * a + b);                            \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
  static void bn_bwd_##S(int64_t c0, int64_t c1, void *vctx) {                               \
    const bn_ctx *c = vctx;                                                                  \
    const int64_t N = c->N, C = c->C, K = c->K;                                              \
    const T *x = c->x, *g = c->g, *mean = c->mean, *inv = c->invstd;                         \
    for (int64_t ch = c0; ch < c1; ch++) {                                                   \
      double mu = mean[ch], is = inv[ch], sg = 0, sgx = 0;                                   \
      for (int64_t n = 0; n < N; n++) {                                                      \
        const T *p = x + (n * C + ch) * K, *q = g + (n * C + ch) * K;                        \
        for (int64_t k = 0; k < K; k++) {                                                    \
          sg += q[k];                                                                        \
          sgx += q[k] * (p[k] - mu);                                                         \
        }                                                                                    \
      }                                                                                      \
      if (c->need[1]) ((T *)c->gw)[ch] = (T)(sgx * is);                                      \
      if (c->need[2]) ((T *)c->gb)[ch] = (T)sg;                                              \
      if (!c->need[0]) continue;                                                             \
      double w = c->w ? ((const T *)c->w)[ch] : 1, M = (double)(N * K);                      \
      double a = w * is, dm = c->training ? sg / M : 0;                                      \
      double dx = c->training ? sgx * is * is / M : 0; /* per unit of (x - mu) */            \
      for (int64_t n = 0; n < N; n++) {                                                      \
        const T *p = x + (n * C + ch) * K, *q = g + (n * C + ch) * K;                        \
        T *o = (T *)c->gx + (n * C + ch) * K;                                                \
        for (int64_t k = 0; k < K; k++) o[k] = (T)(a * (q[k] - dm - (p[k] - mu) * dx));      \
      }                                                                                      \
    }                                                                                        \
  }
BN(f32, float)
BN(f64, double)

static int bn_shape(const char *fn, const lt_tensor *x, int64_t *N, int64_t *C, int64_t *K) {
  if (x->ndim < 2) {
    char a[96];
    return lt_errorf("%s: expected an input of at least 2 dimensions (N, C, ...), got size %s",
                     fn, lt_shape_str(x->ndim, x->size, a, 96));
  }
  *N = x->size[0];
  *C = x->size[1];
  *K = 1;
  for (int i = 2; i < x->ndim; i++) *K *= x->size[i];
  return 0;
}

static int per_channel(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt,
                       int64_t C) {
  if (!t) return 0;
  if (nn_check_like(fn, what, t, dt)) return -1;
  if (t->ndim != 1 || t->size[0] != C) {
    char a[96];
    return lt_errorf("%s: %s has size %s, expected %lld (one per channel)", fn, what,
                     lt_shape_str(t->ndim, t->size, a, 96), (long long)C);
  }
  return 0;
}

lt_tensor *lt_batch_norm(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                         lt_tensor *running_mean, lt_tensor *running_var, bool training,
                         double momentum, double eps, lt_tensor **save_mean,
                         lt_tensor **save_invstd) {
  const char *fn = "batch_norm";
  int64_t N = 0, C = 0, K = 0;
  *save_mean = *save_invstd = NULL;
  if (nn_check_float(fn, "input", input) || bn_shape(fn, input, &N, &C, &K)) return NULL;
  lt_dtype dt = input->dtype;
  if (per_channel(fn, "weight", weight, dt, C) || per_channel(fn, "bias", bias, dt, C) ||
      per_channel(fn, "running_mean", running_mean, dt, C) ||
      per_channel(fn, "running_var", running_var, dt, C))
    return NULL;
  if (!training && (!running_mean || !running_var))
    return lt_error("%s: evaluation mode needs running_mean and running_var", fn);
  if (training && N * K < 2)
    return lt_error("%s: expected more than 1 value per channel when training, got input of "
                    "%lld x %lld", fn, (long long)N, (long long)C);
  if (eps < 0) return lt_error("%s: eps must be non-negative, got %g", fn, eps);
  const lt_tensor *dv[5] = {input, weight, bias, running_mean, running_var};
  const char *const dn[5] = {"input", "weight", "bias", "running_mean", "running_var"};
  if (nn_check_devices(fn, 5, dv, dn)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, batch_norm, input, weight, bias, running_mean, running_var,
               training, momentum, eps, save_mean, save_invstd);
  lt_tensor *x = nn_contig(input), *w = nn_contig(weight), *b = nn_contig(bias);
  lt_tensor *y = NULL, *m = NULL, *s = NULL;
  int rc = -1;
  if (!x || (weight && !w) || (bias && !b) || !(y = lt_tensor_empty(dt, input->ndim, input->size)) ||
      !(m = lt_tensor_empty(dt, 1, &C)) || !(s = lt_tensor_empty(dt, 1, &C)))
    goto done;
  bn_ctx c = {.N = N, .C = C, .K = K, .training = training, .momentum = momentum, .eps = eps,
              .x = lt_tensor_data(x), .w = w ? lt_tensor_data(w) : NULL,
              .b = b ? lt_tensor_data(b) : NULL, .y = lt_tensor_data(y), .mean = lt_tensor_data(m),
              .invstd = lt_tensor_data(s),
              .rm = running_mean ? lt_tensor_data(running_mean) : NULL,
              .rv = running_var ? lt_tensor_data(running_var) : NULL,
              .rms = running_mean ? running_mean->stride[0] : 0,
              .rvs = running_var ? running_var->stride[0] : 0};
  lt_parallel_for(C, 1 + LT_GRAIN / (N * K + 1), dt == LT_FLOAT32 ? bn_fwd_f32 : bn_fwd_f64, &c);
  if (training && running_mean) lt_tensor_bump_version(running_mean);
  if (training && running_var) lt_tensor_bump_version(running_var);
  rc = 0;
done:
  return norm_forward_end(rc, (lt_tensor *[3]){x, w, b}, y, m, s, save_mean, save_invstd);
}

int lt_batch_norm_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                           lt_tensor *save_mean, lt_tensor *save_invstd, bool training,
                           const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                           lt_tensor **grad_bias) {
  const char *fn = "batch_norm_backward";
  int64_t N = 0, C = 0, K = 0;
  *grad_input = *grad_weight = *grad_bias = NULL;
  if (nn_check_float(fn, "input", input) || bn_shape(fn, input, &N, &C, &K)) return -1;
  lt_dtype dt = input->dtype;
  if (nn_check_float(fn, "gradOutput", grad_output) ||
      nn_check_like(fn, "gradOutput", grad_output, dt) ||
      nn_check_shape(fn, "gradOutput", grad_output, input->ndim, input->size) ||
      per_channel(fn, "weight", weight, dt, C))
    return -1;
  if (!save_mean || !save_invstd)
    return lt_errorf("%s: save_mean and save_invstd (from the forward) are needed", fn);
  if (per_channel(fn, "save_mean", save_mean, dt, C) ||
      per_channel(fn, "save_invstd", save_invstd, dt, C))
    return -1;
  const lt_tensor *dv[5] = {input, grad_output, weight, save_mean, save_invstd};
  const char *const dn[5] = {"input", "gradOutput", "weight", "save_mean", "save_invstd"};
  if (nn_check_devices(fn, 5, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, input, batch_norm_backward, grad_output, input, weight, save_mean,
               save_invstd, training, need, grad_input, grad_weight, grad_bias);
  bn_ctx c = {.N = N, .C = C, .K = K, .training = training};
  for (int i = 0; i < 3; i++) c.need[i] = nn_need(need, i);
  lt_tensor *x = nn_contig(input), *g = nn_contig(grad_output), *w = nn_contig(weight);
  lt_tensor *m = nn_contig(save_mean), *s = nn_contig(save_invstd);
  int rc = -1;
  if (!x || !g || (weight && !w) || !m || !s) goto done;
  if (c.need[0] && !(*grad_input = lt_tensor_empty(dt, input->ndim, input->size))) goto done;
  if (c.need[1] && !(*grad_weight = lt_tensor_empty(dt, 1, &C))) goto done;
  if (c.need[2] && !(*grad_bias = lt_tensor_empty(dt, 1, &C))) goto done;
  c.x = lt_tensor_data(x);
  c.g = lt_tensor_data(g);
  c.w = w ? lt_tensor_data(w) : NULL;
  c.mean = lt_tensor_data(m);
  c.invstd = lt_tensor_data(s);
  c.gx = *grad_input ? lt_tensor_data(*grad_input) : NULL;
  c.gw = *grad_weight ? lt_tensor_data(*grad_weight) : NULL;
  c.gb = *grad_bias ? lt_tensor_data(*grad_bias) : NULL;
  lt_parallel_for(C, 1 + LT_GRAIN / (N * K + 1), dt == LT_FLOAT32 ? bn_bwd_f32 : bn_bwd_f64, &c);
  rc = 0;
done:
  return norm_backward_end(rc, (lt_tensor *[5]){x, g, w, m, s}, grad_input, grad_weight, grad_bias);
}

/* ---- layer norm ---- */

typedef struct ln_ctx {
  int64_t M; /* values per row */
  double eps;
  const void *x, *w, *b, *g;
  void *y, *mean, *rstd, *gx;
} ln_ctx;

#define LN(S, T)                                                                      \
  static void ln_fwd_##S(int64_t r0, int64_t r1, void *vctx) {                        \
    const ln_ctx *c = vctx;                                                           \
    const int64_t M = c->M;                                                           \
    const T *w = c->w, *b = c->b;                                                     \
    for (int64_t r = r0; r < r1; r++) {                                               \
      const T *x = (const T *)c->x + r * M;                                           \
      T *y = (T *)c->y + r * M;                                                       \
      double s = 0, ss = 0;                                                           \
      for (int64_t i = 0; i < M; i++) s += x[i];                                      \
      double mu = s / (double)M;                                                      \
      for (int64_t i = 0; i < M; i++) ss += (x[i] - mu) * (x[i] - mu);                \
      double rs = 1 / sqrt(ss / (double)M + c->eps);                                  \
      ((T *)c->mean)[r] = (T)mu;                                                      \
      ((T *)c->rstd)[r] = (T)rs;                                                      \
      for (int64_t i = 0; i < M; i++) {                                               \
        double v = (x[i] - mu) * rs;                                                  \
        y[i] = (T)(v * (w ? w[i] : 1) + (b ? b[i] : 0));                              \
      }                                                                               \
    }                                                                                 \
  }                                                                                   \
  static void ln_bwd_##S(int64_t r0, int64_t r1, void *vctx) {                        \
    const ln_ctx *c = vctx;                                                           \
    const int64_t M = c->M;                                                           \
    const T *w = c->w;                                                                \
    for (int64_t r = r0; r < r1; r++) {                                               \
      const T *x = (const T *)c->x + r * M, *g = (const T *)c->g + r * M;             \
      T *o = (T *)c->gx + r * M;                                                      \
      double mu = ((const T *)c->mean)[r], rs = ((const T *)c->rstd)[r], a = 0, bb = 0; \
      for (int64_t i = 0; i < M; i++) {                                               \
        double gh = g[i] * (w ? w[i] : 1);                                            \
        a += gh;                                                                      \
        bb += gh * (x[i] - mu) * rs;                                                  \
      }                                                                               \
      a /= (double)M;                                                                 \
      bb /= (double)M;                                                                \
      for (int64_t i = 0; i < M; i++) {                                               \
        double gh = g[i] * (w ? w[i] : 1);                                            \
        o[i] = (T)(rs * (gh - a - (x[i] - mu) * rs * bb));                            \
      }                                                                               \
    }                                                                                 \
  }
LN(f32, float)
LN(f64, double)

static int ln_shape(const char *fn, const lt_tensor *x, int nd, int64_t *rows, int64_t *M) {
  if (nd < 1 || nd > x->ndim) {
    char a[96];
    return lt_errorf("%s: cannot normalize over the last %d dimensions of an input of size %s",
                     fn, nd, lt_shape_str(x->ndim, x->size, a, 96));
  }
  *M = 1;
  for (int i = x->ndim - nd; i < x->ndim; i++) *M *= x->size[i];
  *rows = *M ? lt_tensor_numel(x) / *M : 0;
  return 0;
}

static int ln_affine(const char *fn, const char *what, const lt_tensor *t, const lt_tensor *x,
                     int nd) {
  if (!t) return 0;
  if (nn_check_like(fn, what, t, x->dtype)) return -1;
  return nn_check_shape(fn, what, t, nd, x->size + x->ndim - nd);
}

lt_tensor *lt_layer_norm(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                         lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd) {
  const char *fn = "layer_norm";
  int64_t rows = 0, M = 0;
  *mean = *rstd = NULL;
  if (nn_check_float(fn, "input", input) || ln_shape(fn, input, normalized_ndim, &rows, &M) ||
      ln_affine(fn, "weight", weight, input, normalized_ndim) ||
      ln_affine(fn, "bias", bias, input, normalized_ndim))
    return NULL;
  if (eps < 0) return lt_error("%s: eps must be non-negative, got %g", fn, eps);
  const lt_tensor *dv[3] = {input, weight, bias};
  const char *const dn[3] = {"input", "weight", "bias"};
  if (nn_check_devices(fn, 3, dv, dn)) return NULL;
  NN_ON_DEVICE(NULL, fn, input, layer_norm, input, normalized_ndim, weight, bias, eps, mean, rstd);
  lt_dtype dt = input->dtype;
  int lead = input->ndim - normalized_ndim;
  lt_tensor *x = nn_contig(input), *w = nn_contig(weight), *b = nn_contig(bias);
  lt_tensor *y = NULL, *m = NULL, *s = NULL;
  int rc = -1;
  if (!x || (weight && !w) || (bias && !b) || !(y = lt_tensor_empty(dt, input->ndim, input->size)) ||
      !(m = lt_tensor_empty(dt, lead, input->size)) || !(s = lt_tensor_empty(dt, lead, input->size)))
    goto done;
  ln_ctx c = {M, eps, lt_tensor_data(x), w ? lt_tensor_data(w) : NULL,
              b ? lt_tensor_data(b) : NULL, NULL, lt_tensor_data(y), lt_tensor_data(m),
              lt_tensor_data(s), NULL};
  lt_parallel_for(rows, 1 + LT_GRAIN / (M + 1), dt == LT_FLOAT32 ? ln_fwd_f32 : ln_fwd_f64, &c);
  rc = 0;
done:
  return norm_forward_end(rc, (lt_tensor *[3]){x, w, b}, y, m, s, mean, rstd);
}

int lt_layer_norm_backward(lt_tensor *grad_output, lt_tensor *input, int normalized_ndim,
                           lt_tensor *weight, lt_tensor *mean, lt_tensor *rstd, const bool *need,
                           lt_tensor **grad_input, lt_tensor **grad_weight,
                           lt_tensor **grad_bias) {
  const char *fn = "layer_norm_backward";
  int64_t rows = 0, M = 0;
  *grad_input = *grad_weight = *grad_bias = NULL;
  if (nn_check_float(fn, "input", input) || ln_shape(fn, input, normalized_ndim, &rows, &M) ||
      nn_check_float(fn, "gradOutput", grad_output) ||
      nn_check_like(fn, "gradOutput", grad_output, input->dtype) ||
      nn_check_shape(fn, "gradOutput", grad_output, input->ndim, input->size) ||
      ln_affine(fn, "weight", weight, input, normalized_ndim))
    return -1;
  int lead = input->ndim - normalized_ndim;
  if (!mean || !rstd) return lt_errorf("%s: mean and rstd (from the forward) are needed", fn);
  if (nn_check_like(fn, "mean", mean, input->dtype) || nn_check_like(fn, "rstd", rstd, input->dtype) ||
      nn_check_shape(fn, "mean", mean, lead, input->size) ||
      nn_check_shape(fn, "rstd", rstd, lead, input->size))
    return -1;
  const lt_tensor *dv[5] = {input, grad_output, weight, mean, rstd};
  const char *const dn[5] = {"input", "gradOutput", "weight", "mean", "rstd"};
  if (nn_check_devices(fn, 5, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, input, layer_norm_backward, grad_output, input, normalized_ndim, weight,
               mean, rstd, need, grad_input, grad_weight, grad_bias);
  lt_dtype dt = input->dtype;
  lt_tensor *x = nn_contig(input), *g = nn_contig(grad_output), *w = nn_contig(weight);
  lt_tensor *m = nn_contig(mean), *s = nn_contig(rstd);
  int rc = -1;
  if (!x || !g || (weight && !w) || !m || !s) goto done;
  ln_ctx c = {M, 0, lt_tensor_data(x), w ? lt_tensor_data(w) : NULL, NULL, lt_tensor_data(g),
              NULL, lt_tensor_data(m), lt_tensor_data(s), NULL};
  if (nn_need(need, 0)) {
    if (!(*grad_input = lt_tensor_empty(dt, input->ndim, input->size))) goto done;
    c.gx = lt_tensor_data(*grad_input);
    lt_parallel_for(rows, 1 + LT_GRAIN / (M + 1), dt == LT_FLOAT32 ? ln_bwd_f32 : ln_bwd_f64, &c);
  }
  const int64_t *ns = input->size + lead;
  bool gw = nn_need(need, 1), gb = nn_need(need, 2);
  if ((gw && !(*grad_weight = lt_tensor_empty(dt, normalized_ndim, ns))) ||
      (gb && !(*grad_bias = lt_tensor_empty(dt, normalized_ndim, ns))))
    goto done;
  if (gw || gb) { /* column sums over rows, in double */
    double *acc = calloc((size_t)(2 * M + 1), sizeof(double));
    if (!acc) {
      lt_errorf("%s: out of memory", fn);
      goto done;
    }
    for (int64_t r = 0; r < rows; r++) {
      double mu = nn_ld(dt, c.mean, r), rs = nn_ld(dt, c.rstd, r);
      for (int64_t i = 0; i < M; i++) {
        double gv = nn_ld(dt, c.g, r * M + i);
        acc[i] += gv * (nn_ld(dt, c.x, r * M + i) - mu) * rs;
        acc[M + i] += gv;
      }
    }
    for (int64_t i = 0; i < M; i++) {
      if (gw) nn_st(dt, lt_tensor_data(*grad_weight), i, acc[i]);
      if (gb) nn_st(dt, lt_tensor_data(*grad_bias), i, acc[M + i]);
    }
    free(acc);
  }
  rc = 0;
done:
  return norm_backward_end(rc, (lt_tensor *[5]){x, g, w, m, s}, grad_input, grad_weight, grad_bias);
}
