/* LSTM and GRU cells for one time step, forward and backward: the matrix
 * products go to BLAS as whole-batch gemms (multithreaded there), the
 * gate nonlinearities and state updates are one fused pointwise pass.
 * The forward returns the activated gates (LSTM) or r, z, n and the
 * hidden-side candidate (GRU) so that backward recomputes nothing.
 *
 * Layouts (row-major, contiguous): x (B, I), h and c (B, H), pre-activations
 * and gates (B, 4H) in blocks i|f|g|o (LSTM) or (B, 3H) r|z|n (GRU). */
/* The gate loops select with ?: on floats; GCC if-converts (and so
 * vectorizes) those only when it may assume comparisons do not trap. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <math.h>
#include <stdio.h>

#include "nn_util.h"

/* float32 gates use a branch-free exp that the compiler vectorizes (libm's
 * expf/tanhf calls were a fifth of the W6 step): exp(x) = 2^n · e^r with
 * |r| ≤ ln2/2 and a degree-6 polynomial for e^r, a few ulp (Cephes'
 * expf polynomial). float64 keeps libm (the reference checks use it). */
static inline float exp_f32(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  float t = x * 1.44269504f + 12582912.0f; /* round(x / ln2) in the low mantissa */
  float n = t - 12582912.0f;
  float r = x - n * 0.693359375f;          /* ln2 split in two for accuracy */
  r = r + n * 2.12194440e-4f;
  float p = 1.0f + r + r * r * (0.500000012f + r * (0.166666655f + r * (4.16657959e-2f +
                  r * (8.33345191e-3f + r * (1.39819995e-3f + r * 1.98756915e-4f)))));
  int32_t e = ((int32_t)n + 127) << 23;
  float two_n;
  memcpy(&two_n, &e, sizeof two_n);
  return p * two_n;
}
static inline float sigm_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }
static inline float tanh_f32(float x) {
  float e = exp_f32(-2.0f * (x < 0 ? -x : x));
  float t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}
static inline double sigm_f64(double v) { return 1 / (1 + exp(-v)); }

/* The row kernels also get an AVX2 clone, picked at load time (ifunc):
 * twice the lanes of the SSE2 baseline the library is built for. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNN_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RNN_CLONES
#endif
static inline double tanh_f64(double v) { return tanh(v); }

/* ---- LSTM pointwise ---- */

typedef struct lstm_pw {
  int64_t H;
  const void *pre, *c, *gh, *gc, *gates, *cout;
  void *h1, *c1, *gates_out, *gpre, *gcprev;
} lstm_pw;

/* one row (a batch element) per call, every pointer restrict: the j loops
 * vectorize */
#define LSTM_PW(S, T)                                                                  \
  RNN_CLONES static void lstm_fwd_row_##S(int64_t H, const T *restrict pre, const T *restrict c,   \
                               T *restrict gt, T *restrict h1, T *restrict c1) {        \
    for (int64_t j = 0; j < H; j++) {                                                  \
      T i = sigm_##S(pre[j]), f = sigm_##S(pre[H + j]);                                \
      T g = tanh_##S(pre[2 * H + j]), o = sigm_##S(pre[3 * H + j]);                    \
      T cn = f * c[j] + i * g;                                                         \
      gt[j] = i;                                                                       \
      gt[H + j] = f;                                                                   \
      gt[2 * H + j] = g;                                                               \
      gt[3 * H + j] = o;                                                               \
      c1[j] = cn;                                                                      \
      h1[j] = o * tanh_##S(cn);                                                        \
    }                                                                                  \
  }                                                                                    \
  static void lstm_fwd_##S(int64_t b0, int64_t b1, void *vctx) {                       \
    const lstm_pw *p = vctx;                                                           \
    const int64_t H = p->H;                                                            \
    for (int64_t b = b0; b < b1; b++)                                                  \
      lstm_fwd_row_##S(H, (const T *)p->pre + b * 4 * H, (const T *)p->c + b * H,      \
                       (T *)p->gates_out + b * 4 * H, (T *)p->h1 + b * H,              \
                       (T *)p->c1 + b * H);                                            \
  }                                                                                    \
  RNN_CLONES static void lstm_bwd_row_##S(int64_t H, const T *restrict gt, const T *restrict c,    \
                               const T *restrict cn, const T *restrict gh,              \
                               const T *restrict gc, T *restrict gp, T *restrict gcp) { \
    for (int64_t j = 0; j < H; j++) {                                                  \
      T i = gt[j], f = gt[H + j], g = gt[2 * H + j], o = gt[3 * H + j];                \
      T tc = tanh_##S(cn[j]), dh = gh[j];                                              \
      T dc = gc[j] + dh * o * (1 - tc * tc);                                           \
      gp[j] = dc * g * i * (1 - i);                                                    \
      gp[H + j] = dc * c[j] * f * (1 - f);                                             \
      gp[2 * H + j] = dc * i * (1 - g * g);                                            \
      gp[3 * H + j] = dh * tc * o * (1 - o);                                           \
      gcp[j] = dc * f;                                                                 \
    }                                                                                  \
  }                                                                                    \
  static void lstm_bwd_##S(int64_t b0, int64_t b1, void *vctx) {                       \
    const lstm_pw *p = vctx;                                                           \
    const int64_t H = p->H;                                                            \
    for (int64_t b = b0; b < b1; b++)                                                  \
      lstm_bwd_row_##S(H, (const T *)p->gates + b * 4 * H, (const T *)p->c + b * H,    \
                       (const T *)p->cout + b * H, (const T *)p->gh + b * H,           \
                       (const T *)p->gc + b * H, (T *)p->gpre + b * 4 * H,             \
                       (T *)p->gcprev + b * H);                                        \
  }
LSTM_PW(f32, float)
LSTM_PW(f64, double)

/* t must be float of dtype dt with shape (rows, cols). */
static int check2(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt, int64_t rows,
                  int64_t cols) {
  if (nn_check_float(fn, what, t) || nn_check_like(fn, what, t, dt)) return -1;
  int64_t s[2] = {rows, cols};
  return nn_check_shape(fn, what, t, 2, s);
}

static int check1(const char *fn, const char *what, const lt_tensor *t, lt_dtype dt, int64_t n) {
  if (!t) return 0;
  if (nn_check_like(fn, what, t, dt)) return -1;
  return nn_check_shape(fn, what, t, 1, &n);
}

static int pw_check(const char *fn, lt_tensor *pre, lt_tensor *c, int64_t *B, int64_t *H) {
  if (nn_check_float(fn, "c", c)) return -1;
  if (c->ndim != 2) {
    char a[96];
    return lt_errorf("%s: c must be 2-D (batch, hidden), got size %s", fn,
                     lt_shape_str(c->ndim, c->size, a, 96));
  }
  *B = c->size[0];
  *H = c->size[1];
  return check2(fn, "gates", pre, c->dtype, *B, 4 * *H);
}

static int lstm_pointwise_run(lt_tensor *pre, lt_tensor *c, int64_t B, int64_t H, lt_tensor **h1,
                              lt_tensor **c1, lt_tensor **gates) {
  lt_dtype dt = c->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  lt_tensor *pc = nn_contig(pre), *cc = nn_contig(c);
  *h1 = *c1 = *gates = NULL;
  if (!pc || !cc || !(*h1 = lt_tensor_empty(dt, 2, s1)) || !(*c1 = lt_tensor_empty(dt, 2, s1)) ||
      !(*gates = lt_tensor_empty(dt, 2, s4))) {
    lt_tensor *r[5] = {pc, cc, *h1, *c1, *gates};
    nn_release(5, r);
    *h1 = *c1 = *gates = NULL;
    return -1;
  }
  lstm_pw p = {.H = H, .pre = lt_tensor_data(pc), .c = lt_tensor_data(cc),
               .h1 = lt_tensor_data(*h1), .c1 = lt_tensor_data(*c1),
               .gates_out = lt_tensor_data(*gates)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? lstm_fwd_f32 : lstm_fwd_f64, &p);
  lt_tensor_release(pc);
  lt_tensor_release(cc);
  return 0;
}

int lt_lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                      lt_tensor **gates) {
  int64_t B = 0, H = 0;
  *h_out = *c_out = *gates = NULL;
  if (pw_check("lstm_pointwise", pre, c, &B, &H)) return -1;
  const lt_tensor *dv[2] = {pre, c};
  static const char *const dn[2] = {"gates", "c"};
  if (nn_check_devices("lstm_pointwise", 2, dv, dn)) return -1;
  NN_ON_DEVICE(-1, "lstm_pointwise", pre, lstm_pointwise, pre, c, h_out, c_out, gates);
  return lstm_pointwise_run(pre, c, B, H, h_out, c_out, gates);
}

int lt_lstm_pointwise_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                               lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                               lt_tensor **grad_c_prev) {
  const char *fn = "lstm_pointwise_backward";
  int64_t B = 0, H = 0;
  *grad_pre = NULL;
  if (grad_c_prev) *grad_c_prev = NULL; /* NULL: that gradient is not wanted */
  if (pw_check(fn, gates, c, &B, &H) || check2(fn, "c_out", c_out, c->dtype, B, H) ||
      (grad_h && check2(fn, "gradH", grad_h, c->dtype, B, H)) ||
      (grad_c && check2(fn, "gradC", grad_c, c->dtype, B, H)))
    return -1;
  const lt_tensor *dv[5] = {c, gates, c_out, grad_h, grad_c};
  static const char *const dn[5] = {"c", "gates", "c_out", "gradH", "gradC"};
  if (nn_check_devices(fn, 5, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, c, lstm_pointwise_backward, grad_h, grad_c, c, gates, c_out, grad_pre,
               grad_c_prev);
  lt_dtype dt = c->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  /* a missing gradient is a zero tensor and an unwanted one a scratch
   * tensor, so that the kernel's loops have no branches (they vectorize) */
  lt_tensor *in[5] = {grad_h ? nn_contig(grad_h) : lt_tensor_zeros(dt, 2, s1),
                      grad_c ? nn_contig(grad_c) : lt_tensor_zeros(dt, 2, s1), nn_contig(c),
                      nn_contig(gates), nn_contig(c_out)};
  lt_tensor *gcp = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || !in[4]) goto done;
  if (!(*grad_pre = lt_tensor_empty(dt, 2, s4)) || !(gcp = lt_tensor_empty(dt, 2, s1))) goto done;
  lstm_pw p = {.H = H, .gh = lt_tensor_data(in[0]), .gc = lt_tensor_data(in[1]),
               .c = lt_tensor_data(in[2]), .gates = lt_tensor_data(in[3]),
               .cout = lt_tensor_data(in[4]), .gpre = lt_tensor_data(*grad_pre),
               .gcprev = lt_tensor_data(gcp)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? lstm_bwd_f32 : lstm_bwd_f64, &p);
  if (grad_c_prev) {
    *grad_c_prev = gcp;
    gcp = NULL;
  }
  rc = 0;
done:
  nn_release(5, in);
  lt_tensor_release(gcp);
  if (rc) {
    lt_tensor_release(*grad_pre);
    *grad_pre = NULL;
  }
  return rc;
}

/* ---- shared cell plumbing ---- */

/* Shapes of a cell call: x (B, I), h (B, H), w_ih (G·H, I), w_hh (G·H, H). */
static int cell_check(const char *fn, int G, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                      lt_tensor *w_hh, lt_tensor *b_ih, lt_tensor *b_hh, int64_t *B, int64_t *NI,
                      int64_t *H) {
  char a[96];
  if (nn_check_float(fn, "input", x) || nn_check_float(fn, "hx", h)) return -1;
  if (x->ndim != 2)
    return lt_errorf("%s: input must be 2-D (batch, input size), got size %s", fn,
                     lt_shape_str(x->ndim, x->size, a, 96));
  if (h->ndim != 2)
    return lt_errorf("%s: hx must be 2-D (batch, hidden size), got size %s", fn,
                     lt_shape_str(h->ndim, h->size, a, 96));
  *B = x->size[0];
  *NI = x->size[1];
  *H = h->size[1];
  lt_dtype dt = x->dtype;
  if (nn_check_like(fn, "hx", h, dt) || check2(fn, "hx", h, dt, *B, *H) ||
      check2(fn, "w_ih", w_ih, dt, G * *H, *NI) || check2(fn, "w_hh", w_hh, dt, G * *H, *H) ||
      check1(fn, "b_ih", b_ih, dt, G * *H) || check1(fn, "b_hh", b_hh, dt, G * *H))
    return -1;
  return 0;
}

/* out (B, n) = x·wᵀ + b1 + b2 (biases may be NULL), or with add (and no
 * biases) out += x·wᵀ: the biases are summed into the first row, copied
 * down, and the gemm adds on. */
static void linear(lt_dtype dt, const lt_tensor *x, const lt_tensor *w, const lt_tensor *b1,
                   const lt_tensor *b2, bool add, lt_tensor *out) {
  int64_t B = x->size[0], K = x->size[1], n = w->size[0];
  size_t row = (size_t)n * lt_dtype_size(dt);
  char *o = lt_tensor_data(out);
  bool bias = !add && (b1 || b2);
  if (bias && B > 0) {
    const void *p1 = b1 ? lt_tensor_data(b1) : NULL, *p2 = b2 ? lt_tensor_data(b2) : NULL;
    for (int64_t j = 0; j < n; j++)
      nn_st(dt, o, j, (p1 ? nn_ld(dt, p1, j) : 0) + (p2 ? nn_ld(dt, p2, j) : 0));
    for (int64_t r = 1; r < B; r++) memcpy(o + (size_t)r * row, o, row);
  }
  nn_gemm(dt, false, true, B, n, K, 1, lt_tensor_data(x), K, lt_tensor_data(w), K,
          (bias || add) ? 1 : 0, o, n);
}

/* column sums of a (B, n) matrix into a new (n) tensor */
static lt_tensor *colsum(lt_dtype dt, const lt_tensor *m) {
  int64_t B = m->size[0], n = m->size[1];
  lt_tensor *s = lt_tensor_zeros(dt, 1, &n);
  if (!s) return NULL;
  if (dt == LT_FLOAT32) {
    const float *p = lt_tensor_data(m);
    float *q = lt_tensor_data(s);
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < n; j++) q[j] += p[r * n + j];
  } else {
    const double *p = lt_tensor_data(m);
    double *q = lt_tensor_data(s);
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < n; j++) q[j] += p[r * n + j];
  }
  return s;
}

/* out (B, k) = g (B, n) · w (n, k) [+ out] */
static lt_tensor *mat_g_w(lt_dtype dt, const lt_tensor *g, const lt_tensor *w) {
  int64_t B = g->size[0], n = g->size[1], k = w->size[1], s[2] = {B, k};
  lt_tensor *o = lt_tensor_empty(dt, 2, s);
  if (o) nn_gemm(dt, false, false, B, k, n, 1, lt_tensor_data(g), n, lt_tensor_data(w), k, 0,
                 lt_tensor_data(o), k);
  return o;
}

/* out (n, k) = g (B, n)ᵀ · x (B, k) */
static lt_tensor *mat_gt_x(lt_dtype dt, const lt_tensor *g, const lt_tensor *x) {
  int64_t B = g->size[0], n = g->size[1], k = x->size[1], s[2] = {n, k};
  lt_tensor *o = lt_tensor_empty(dt, 2, s);
  if (o) nn_gemm(dt, true, false, n, k, B, 1, lt_tensor_data(g), n, lt_tensor_data(x), k, 0,
                 lt_tensor_data(o), k);
  return o;
}

/* ---- LSTM cell ---- */

int lt_lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                 lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                 lt_tensor **gates) {
  const char *fn = "lstm_cell";
  int64_t B = 0, NI = 0, H = 0;
  *h_out = *c_out = *gates = NULL;
  if (cell_check(fn, 4, x, h, w_ih, w_hh, b_ih, b_hh, &B, &NI, &H) ||
      check2(fn, "cx", c, x->dtype, B, H))
    return -1;
  const lt_tensor *dv[7] = {x, h, c, w_ih, w_hh, b_ih, b_hh};
  static const char *const dn[7] = {"input", "hx", "cx", "w_ih", "w_hh", "b_ih", "b_hh"};
  if (nn_check_devices(fn, 7, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, lstm_cell, x, h, c, w_ih, w_hh, b_ih, b_hh, h_out, c_out, gates);
  lt_dtype dt = x->dtype;
  int64_t s4[2] = {B, 4 * H};
  lt_tensor *in[6] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(b_ih), nn_contig(b_hh)};
  lt_tensor *pre = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || (b_ih && !in[4]) || (b_hh && !in[5]) ||
      !(pre = lt_tensor_empty(dt, 2, s4)))
    goto done;
  linear(dt, in[0], in[2], in[4], in[5], false, pre);
  linear(dt, in[1], in[3], NULL, NULL, true, pre);
  rc = lstm_pointwise_run(pre, c, B, H, h_out, c_out, gates);
done:
  nn_release(6, in);
  lt_tensor_release(pre);
  return rc;
}

int lt_lstm_cell_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                          lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                          lt_tensor *c_out, const bool *need, lt_tensor **grad_x,
                          lt_tensor **grad_h_prev, lt_tensor **grad_c_prev,
                          lt_tensor **grad_w_ih, lt_tensor **grad_w_hh, lt_tensor **grad_b) {
  const char *fn = "lstm_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (cell_check(fn, 4, x, h, w_ih, w_hh, NULL, NULL, &B, &NI, &H) ||
      check2(fn, "cx", c, x->dtype, B, H))
    return -1;
  const lt_tensor *dv[8] = {x, h, c, w_ih, w_hh, gates, c_out, grad_h};
  static const char *const dn[8] = {"input", "hx", "cx", "w_ih", "w_hh", "gates", "c_out", "gradH"};
  if (nn_check_devices(fn, 8, dv, dn) || lt_device_same(fn, "gradC", grad_c, x)) return -1;
  NN_ON_DEVICE(-1, fn, x, lstm_cell_backward, grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out,
               need, grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b);
  lt_dtype dt = x->dtype;
  lt_tensor *gpre = NULL, *gcp = NULL;
  if (lt_lstm_pointwise_backward(grad_h, grad_c, c, gates, c_out, &gpre,
                                 nn_need(need, 2) ? &gcp : NULL)) {
    /* rename the pointwise errors after this function */
    char msg[512];
    snprintf(msg, sizeof msg, "%s", lt_last_error());
    const char *rest = strchr(msg, ':');
    return lt_errorf("%s%s", fn, rest ? rest : ": failed");
  }
  lt_tensor *in[4] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh)};
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3]) goto done;
  *grad_c_prev = gcp;
  gcp = NULL;
  if (nn_need(need, 0) && !(*grad_x = mat_g_w(dt, gpre, in[2]))) goto done;
  if (nn_need(need, 1) && !(*grad_h_prev = mat_g_w(dt, gpre, in[3]))) goto done;
  if (nn_need(need, 3) && !(*grad_w_ih = mat_gt_x(dt, gpre, in[0]))) goto done;
  if (nn_need(need, 4) && !(*grad_w_hh = mat_gt_x(dt, gpre, in[1]))) goto done;
  if (nn_need(need, 5) && !(*grad_b = colsum(dt, gpre))) goto done;
  rc = 0;
done:
  nn_release(4, in);
  lt_tensor_release(gpre);
  lt_tensor_release(gcp);
  if (rc)
    for (int i = 0; i < 6; i++) {
      lt_tensor_release(*outs[i]);
      *outs[i] = NULL;
    }
  return rc;
}

/* ---- GRU cell ---- */

typedef struct gru_pw {
  int64_t H;
  const void *gi, *gh, *h, *ws, *g;
  void *h1, *wso, *dgi, *dgh, *dh;
} gru_pw;

#define GRU_PW(S, T)                                                                       \
  static void gru_fwd_##S(int64_t b0, int64_t b1, void *vctx) {                            \
    const gru_pw *p = vctx;                                                                \
    const int64_t H = p->H;                                                                \
    for (int64_t b = b0; b < b1; b++) {                                                    \
      const T *gi = (const T *)p->gi + b * 3 * H, *gh = (const T *)p->gh + b * 3 * H;      \
      const T *h = (const T *)p->h + b * H;                                                \
      T *ws = (T *)p->wso + b * 4 * H, *h1 = (T *)p->h1 + b * H;                           \
      for (int64_t j = 0; j < H; j++) {                                                    \
        T r = sigm_##S(gi[j] + gh[j]), z = sigm_##S(gi[H + j] + gh[H + j]);                \
        T n = tanh_##S(gi[2 * H + j] + r * gh[2 * H + j]);                                 \
        ws[j] = r;                                                                         \
        ws[H + j] = z;                                                                     \
        ws[2 * H + j] = n;                                                                 \
        ws[3 * H + j] = gh[2 * H + j];                                                     \
        h1[j] = (1 - z) * n + z * h[j];                                                    \
      }                                                                                    \
    }                                                                                      \
  }                                                                                        \
  static void gru_bwd_##S(int64_t b0, int64_t b1, void *vctx) {                            \
    const gru_pw *p = vctx;                                                                \
    const int64_t H = p->H;                                                                \
    for (int64_t b = b0; b < b1; b++) {                                                    \
      const T *ws = (const T *)p->ws + b * 4 * H, *h = (const T *)p->h + b * H;            \
      const T *g = (const T *)p->g + b * H;                                                \
      T *dgi = (T *)p->dgi + b * 3 * H, *dgh = (T *)p->dgh + b * 3 * H;                    \
      T *dh = (T *)p->dh + b * H;                                                          \
      for (int64_t j = 0; j < H; j++) {                                                    \
        T r = ws[j], z = ws[H + j], n = ws[2 * H + j], hn = ws[3 * H + j];                 \
        T dn = g[j] * (1 - z) * (1 - n * n);                                               \
        T dz = g[j] * (h[j] - n) * z * (1 - z);                                            \
        T dr = dn * hn * r * (1 - r);                                                      \
        dgi[j] = dgh[j] = dr;                                                              \
        dgi[H + j] = dgh[H + j] = dz;                                                      \
        dgi[2 * H + j] = dn;                                                               \
        dgh[2 * H + j] = dn * r;                                                           \
        dh[j] = g[j] * z;                                                                  \
      }                                                                                    \
    }                                                                                      \
  }
GRU_PW(f32, float)
GRU_PW(f64, double)

int lt_gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *b_ih,
                lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws) {
  const char *fn = "gru_cell";
  int64_t B = 0, NI = 0, H = 0;
  *h_out = *ws = NULL;
  if (cell_check(fn, 3, x, h, w_ih, w_hh, b_ih, b_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[6] = {x, h, w_ih, w_hh, b_ih, b_hh};
  static const char *const dn[6] = {"input", "hx", "w_ih", "w_hh", "b_ih", "b_hh"};
  if (nn_check_devices(fn, 6, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, gru_cell, x, h, w_ih, w_hh, b_ih, b_hh, h_out, ws);
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s3[2] = {B, 3 * H}, s4[2] = {B, 4 * H};
  lt_tensor *in[6] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(b_ih), nn_contig(b_hh)};
  lt_tensor *gi = NULL, *gh = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || (b_ih && !in[4]) || (b_hh && !in[5]) ||
      !(gi = lt_tensor_empty(dt, 2, s3)) || !(gh = lt_tensor_empty(dt, 2, s3)) ||
      !(*h_out = lt_tensor_empty(dt, 2, s1)) || !(*ws = lt_tensor_empty(dt, 2, s4)))
    goto done;
  linear(dt, in[0], in[2], in[4], NULL, false, gi);
  linear(dt, in[1], in[3], in[5], NULL, false, gh);
  gru_pw p = {.H = H, .gi = lt_tensor_data(gi), .gh = lt_tensor_data(gh), .h = lt_tensor_data(in[1]),
              .h1 = lt_tensor_data(*h_out), .wso = lt_tensor_data(*ws)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? gru_fwd_f32 : gru_fwd_f64, &p);
  rc = 0;
done:
  nn_release(6, in);
  lt_tensor_release(gi);
  lt_tensor_release(gh);
  if (rc) {
    lt_tensor *o[2] = {*h_out, *ws};
    nn_release(2, o);
    *h_out = *ws = NULL;
  }
  return rc;
}

int lt_gru_cell_backward(lt_tensor *grad_h, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                         lt_tensor *w_hh, lt_tensor *ws, const bool *need, lt_tensor **grad_x,
                         lt_tensor **grad_h_prev, lt_tensor **grad_w_ih, lt_tensor **grad_w_hh,
                         lt_tensor **grad_b_ih, lt_tensor **grad_b_hh) {
  const char *fn = "gru_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (cell_check(fn, 3, x, h, w_ih, w_hh, NULL, NULL, &B, &NI, &H) ||
      check2(fn, "gradH", grad_h, x->dtype, B, H) || check2(fn, "workspace", ws, x->dtype, B, 4 * H))
    return -1;
  const lt_tensor *dv[6] = {x, h, w_ih, w_hh, ws, grad_h};
  static const char *const dn[6] = {"input", "hx", "w_ih", "w_hh", "workspace", "gradH"};
  if (nn_check_devices(fn, 6, dv, dn)) return -1;
  NN_ON_DEVICE(-1, fn, x, gru_cell_backward, grad_h, x, h, w_ih, w_hh, ws, need, grad_x,
               grad_h_prev, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh);
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s3[2] = {B, 3 * H};
  lt_tensor *in[5] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh), nn_contig(ws)};
  lt_tensor *g = nn_contig(grad_h), *dgi = NULL, *dgh = NULL, *dh = NULL;
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || !in[4] || !g || !(dgi = lt_tensor_empty(dt, 2, s3)) ||
      !(dgh = lt_tensor_empty(dt, 2, s3)) || !(dh = lt_tensor_empty(dt, 2, s1)))
    goto done;
  gru_pw p = {.H = H, .ws = lt_tensor_data(in[4]), .h = lt_tensor_data(in[1]), .g = lt_tensor_data(g),
              .dgi = lt_tensor_data(dgi), .dgh = lt_tensor_data(dgh), .dh = lt_tensor_data(dh)};
  lt_parallel_for(B, 1 + LT_GRAIN / (8 * H + 1), dt == LT_FLOAT32 ? gru_bwd_f32 : gru_bwd_f64, &p);
  if (nn_need(need, 0) && !(*grad_x = mat_g_w(dt, dgi, in[2]))) goto done;
  if (nn_need(need, 1)) { /* dh + dgh·W_hh */
    nn_gemm(dt, false, false, B, H, 3 * H, 1, lt_tensor_data(dgh), 3 * H, lt_tensor_data(in[3]), H,
            1, lt_tensor_data(dh), H);
    *grad_h_prev = dh;
    dh = NULL;
  }
  if (nn_need(need, 2) && !(*grad_w_ih = mat_gt_x(dt, dgi, in[0]))) goto done;
  if (nn_need(need, 3) && !(*grad_w_hh = mat_gt_x(dt, dgh, in[1]))) goto done;
  if (nn_need(need, 4) && !(*grad_b_ih = colsum(dt, dgi))) goto done;
  if (nn_need(need, 5) && !(*grad_b_hh = colsum(dt, dgh))) goto done;
  rc = 0;
done:
  nn_release(5, in);
  lt_tensor *t[4] = {g, dgi, dgh, dh};
  nn_release(4, t);
  if (rc)
    for (int i = 0; i < 6; i++) {
      lt_tensor_release(*outs[i]);
      *outs[i] = NULL;
    }
  return rc;
}
