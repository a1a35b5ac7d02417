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

#include "nn_rnn.h"
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

/* The row kernels also get AVX-512 and AVX2 clones, picked at load time (ifunc):
 * four and two times the lanes of the SSE2 baseline the library is built for. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
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

/* n units of one row (a batch element) per call, the four gate blocks H
 * apart; every pointer restrict: the j loops vectorize */
#define LSTM_PW(S, T)                                                                  \
  RNN_CLONES static void lstm_fwd_row_##S(int64_t n, int64_t H, const T *restrict pre,  \
                               const T *restrict c, T *restrict gt, T *restrict h1,     \
                               T *restrict c1) {                                        \
    for (int64_t j = 0; j < n; j++) {                                                  \
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
      lstm_fwd_row_##S(H, H, (const T *)p->pre + b * 4 * H, (const T *)p->c + b * H,   \
                       (T *)p->gates_out + b * 4 * H, (T *)p->h1 + b * H,              \
                       (T *)p->c1 + b * H);                                            \
  }                                                                                    \
  RNN_CLONES static void lstm_bwd_row_##S(int64_t n, int64_t H, const T *restrict gt,  \
                               const T *restrict c, const T *restrict cn,               \
                               const T *restrict gh, const T *restrict gc,              \
                               T *restrict gp, T *restrict gcp) {                       \
    for (int64_t j = 0; j < n; j++) {                                                  \
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
      lstm_bwd_row_##S(H, H, (const T *)p->gates + b * 4 * H, (const T *)p->c + b * H, \
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

/* ---- LSTM cell ----
 * One step is split over the threads by hidden units, in one parallel
 * region for the forward and one for the backward: chunk k owns units
 * [j0, j1) and with them the columns g·H + [j0, j1) of each gate block g,
 * so it runs its share of the products and of the pointwise pass, and
 * (backward) the weight-gradient rows of those columns and its part of
 * the sums over them that give grad h and grad x (added up after the
 * region, in chunk order). The products are small (M = batch) and BLAS's
 * own threads split them poorly (W6: two threads no faster than one);
 * inside our region BLAS runs single-threaded (the OpenMP OpenBLAS), as in
 * nn_conv.c. Weight and bias gradients can be added into the engine's
 * accumulators (lt_grad_accumulator) instead of new tensors: a gemm with
 * beta = 1, no allocation and no separate add per step. */

#define UNITS 16 /* units per block: the split's granularity */
#define COLSUM_TILE 64

/* d1[j] += s[j] and d2[j] += s[j] (either may be NULL) for the column
 * sums s of n columns of a (B, ld) matrix, rows added in order from zero */
#define COLSUM_ADD(S, T)                                                                   \
  static void colsum_add_##S(int64_t B, int64_t n, int64_t ld, const T *src, T *d1, T *d2) { \
    T s[COLSUM_TILE];                                                                      \
    for (int64_t j0 = 0; j0 < n; j0 += COLSUM_TILE) {                                      \
      int64_t w = n - j0 < COLSUM_TILE ? n - j0 : COLSUM_TILE;                             \
      for (int64_t j = 0; j < w; j++) s[j] = 0;                                            \
      for (int64_t r = 0; r < B; r++)                                                      \
        for (int64_t j = 0; j < w; j++) s[j] += src[r * ld + j0 + j];                      \
      for (int64_t j = 0; j < w; j++) {                                                    \
        if (d1) d1[j0 + j] += s[j];                                                        \
        if (d2) d2[j0 + j] += s[j];                                                        \
      }                                                                                    \
    }                                                                                      \
  }
COLSUM_ADD(f32, float)
COLSUM_ADD(f64, double)

typedef struct lstm_cell_ctx {
  lt_dtype dt;
  size_t es;
  int64_t B, NI, H, nchunks;
  const char *x, *h, *c, *wih, *whh, *bih, *bhh; /* forward */
  char *pre, *gates, *h1, *c1;
  const char *gh, *gc, *cout; /* backward (gates, c, x, h, weights as above) */
  char *gpre, *gcp, *gx, *ghp, *gwih, *gwhh, *gb1, *gb2;
  char *part; /* chunks 1.. : their parts of grad h (B, H) then grad x (B, NI) */
  double beta_ih, beta_hh; /* 1: add into gwih / gwhh, 0: overwrite */
} lstm_cell_ctx;

/* chunks for a step of `flops`: at most one per thread (one when already
 * inside a parallel region), each worth a fork (5e5 flops, some µs) */
static int64_t cell_chunks(int64_t H, double flops) {
  int64_t nblk = (H + UNITS - 1) / UNITS, n = lt_in_parallel() ? 1 : lt_get_num_threads();
  if (n > nblk) n = nblk;
  if (n > flops / 5e5) n = (int64_t)(flops / 5e5);
  return n < 1 ? 1 : n;
}

/* chunk k's units [j0, j1): whole blocks, the last one maybe partial */
static void chunk_units(const lstm_cell_ctx *p, int64_t k, int64_t *j0, int64_t *j1) {
  int64_t nblk = (p->H + UNITS - 1) / UNITS;
  *j0 = nblk * k / p->nchunks * UNITS;
  *j1 = nblk * (k + 1) / p->nchunks * UNITS;
  if (*j1 > p->H) *j1 = p->H;
}

/* the gate column blocks of units [j0, j1): one block of 4H columns for all
 * the units, else four of j1 - j0 columns, H apart */
static int gate_blocks(const lstm_cell_ctx *p, int64_t j0, int64_t j1, int64_t *width) {
  bool all = j0 == 0 && j1 == p->H;
  *width = all ? 4 * p->H : j1 - j0;
  return all ? 1 : 4;
}

static void lstm_cell_fwd_units(const lstm_cell_ctx *p, int64_t j0, int64_t j1) {
  const int64_t B = p->B, NI = p->NI, H = p->H, G = 4 * H;
  const size_t es = p->es;
  int64_t w;
  int nb = gate_blocks(p, j0, j1, &w);
  for (int g = 0; g < nb; g++) {
    int64_t col = nb == 1 ? 0 : g * H + j0;
    char *o = p->pre + col * es;
    bool bias = p->bih || p->bhh;
    if (bias) { /* the summed biases in row 0, copied down; the gemms add on */
      for (int64_t j = 0; j < w; j++)
        nn_st(p->dt, o, j, (p->bih ? nn_ld(p->dt, p->bih, col + j) : 0) +
                               (p->bhh ? nn_ld(p->dt, p->bhh, col + j) : 0));
      for (int64_t r = 1; r < B; r++) memcpy(o + (size_t)(r * G) * es, o, (size_t)w * es);
    }
    nn_gemm(p->dt, false, true, B, w, NI, 1, p->x, NI, p->wih + (size_t)(col * NI) * es, NI,
            bias ? 1 : 0, o, G);
    nn_gemm(p->dt, false, true, B, w, H, 1, p->h, H, p->whh + (size_t)(col * H) * es, H, 1, o, G);
  }
  for (int64_t r = 0; r < B; r++) {
    size_t o4 = (size_t)(r * G + j0) * es, o1 = (size_t)(r * H + j0) * es;
    if (p->dt == LT_FLOAT32)
      lstm_fwd_row_f32(j1 - j0, H, (const float *)(p->pre + o4), (const float *)(p->c + o1),
                       (float *)(p->gates + o4), (float *)(p->h1 + o1), (float *)(p->c1 + o1));
    else
      lstm_fwd_row_f64(j1 - j0, H, (const double *)(p->pre + o4), (const double *)(p->c + o1),
                       (double *)(p->gates + o4), (double *)(p->h1 + o1), (double *)(p->c1 + o1));
  }
}

static void lstm_cell_fwd_chunks(int64_t k0, int64_t k1, void *v) {
  const lstm_cell_ctx *p = v;
  for (int64_t k = k0; k < k1; k++) {
    int64_t j0, j1;
    chunk_units(p, k, &j0, &j1);
    lstm_cell_fwd_units(p, j0, j1);
  }
}

/* backward of chunk k: pointwise; then from its own gate columns the
 * weight and bias rows and its part of grad h = gpre·W_hh and grad x =
 * gpre·W_ih (chunk 0 straight into the result, the others into `part`) */
static void lstm_cell_bwd_units(const lstm_cell_ctx *p, int64_t k) {
  const int64_t B = p->B, NI = p->NI, H = p->H, G = 4 * H;
  const size_t es = p->es;
  int64_t j0, j1, w;
  chunk_units(p, k, &j0, &j1);
  for (int64_t r = 0; r < B; r++) {
    size_t o4 = (size_t)(r * G + j0) * es, o1 = (size_t)(r * H + j0) * es;
    if (p->dt == LT_FLOAT32)
      lstm_bwd_row_f32(j1 - j0, H, (const float *)(p->gates + o4), (const float *)(p->c + o1),
                       (const float *)(p->cout + o1), (const float *)(p->gh + o1),
                       (const float *)(p->gc + o1), (float *)(p->gpre + o4),
                       (float *)(p->gcp + o1));
    else
      lstm_bwd_row_f64(j1 - j0, H, (const double *)(p->gates + o4), (const double *)(p->c + o1),
                       (const double *)(p->cout + o1), (const double *)(p->gh + o1),
                       (const double *)(p->gc + o1), (double *)(p->gpre + o4),
                       (double *)(p->gcp + o1));
  }
  char *part = k ? p->part + (size_t)((k - 1) * B * (H + NI)) * es : NULL;
  char *dh = !p->ghp ? NULL : k ? part : p->ghp;
  char *dx = !p->gx ? NULL : k ? part + (size_t)(B * H) * es : p->gx;
  int nb = gate_blocks(p, j0, j1, &w);
  for (int g = 0; g < nb; g++) {
    int64_t col = nb == 1 ? 0 : g * H + j0;
    const char *gp = p->gpre + col * es;
    if (p->gwih)
      nn_gemm(p->dt, true, false, w, NI, B, 1, gp, G, p->x, NI, p->beta_ih,
              p->gwih + (size_t)(col * NI) * es, NI);
    if (p->gwhh)
      nn_gemm(p->dt, true, false, w, H, B, 1, gp, G, p->h, H, p->beta_hh,
              p->gwhh + (size_t)(col * H) * es, H);
    if (p->gb1 || p->gb2) {
      char *d1 = p->gb1 ? p->gb1 + col * es : NULL, *d2 = p->gb2 ? p->gb2 + col * es : NULL;
      if (p->dt == LT_FLOAT32)
        colsum_add_f32(B, w, G, (const float *)gp, (float *)d1, (float *)d2);
      else
        colsum_add_f64(B, w, G, (const double *)gp, (double *)d1, (double *)d2);
    }
    if (dh)
      nn_gemm(p->dt, false, false, B, H, w, 1, gp, G, p->whh + (size_t)(col * H) * es, H,
              g ? 1 : 0, dh, H);
    if (dx)
      nn_gemm(p->dt, false, false, B, NI, w, 1, gp, G, p->wih + (size_t)(col * NI) * es, NI,
              g ? 1 : 0, dx, NI);
  }
}

static void lstm_cell_bwd_chunks(int64_t k0, int64_t k1, void *v) {
  for (int64_t k = k0; k < k1; k++) lstm_cell_bwd_units(v, k);
}

/* dst (n) += src (n) */
static void add_into(lt_dtype dt, char *dst, const char *src, int64_t n) {
  if (dt == LT_FLOAT32) {
    float *d = (float *)dst;
    const float *s = (const float *)src;
    for (int64_t i = 0; i < n; i++) d[i] += s[i];
  } else {
    double *d = (double *)dst;
    const double *s = (const double *)src;
    for (int64_t i = 0; i < n; i++) d[i] += s[i];
  }
}

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
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H};
  lt_tensor *in[7] = {nn_contig(x), nn_contig(h), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(b_ih), nn_contig(b_hh), nn_contig(c)};
  lt_tensor *pre = NULL, *o[3] = {0};
  int rc = -1;
  if (!in[0] || !in[1] || !in[2] || !in[3] || (b_ih && !in[4]) || (b_hh && !in[5]) || !in[6] ||
      !(pre = lt_tensor_empty(dt, 2, s4)) || !(o[0] = lt_tensor_empty(dt, 2, s1)) ||
      !(o[1] = lt_tensor_empty(dt, 2, s1)) || !(o[2] = lt_tensor_empty(dt, 2, s4)))
    goto done;
  lstm_cell_ctx p = {.dt = dt, .es = lt_dtype_size(dt), .B = B, .NI = NI, .H = H,
                     .x = lt_tensor_data(in[0]), .h = lt_tensor_data(in[1]),
                     .wih = lt_tensor_data(in[2]), .whh = lt_tensor_data(in[3]),
                     .bih = in[4] ? lt_tensor_data(in[4]) : NULL,
                     .bhh = in[5] ? lt_tensor_data(in[5]) : NULL, .c = lt_tensor_data(in[6]),
                     .pre = lt_tensor_data(pre), .h1 = lt_tensor_data(o[0]),
                     .c1 = lt_tensor_data(o[1]), .gates = lt_tensor_data(o[2])};
  if (B > 0 && H > 0) {
    p.nchunks = cell_chunks(H, 8.0 * B * H * (NI + H));
    lt_parallel_for(p.nchunks, 1, lstm_cell_fwd_chunks, &p);
  }
  *h_out = o[0];
  *c_out = o[1];
  *gates = o[2];
  o[0] = o[1] = o[2] = NULL;
  rc = 0;
done:
  nn_release(7, in);
  nn_release(3, o);
  lt_tensor_release(pre);
  return rc;
}

/* lstm_cell_backward's checks before the device hand-over (as lstm_cell's) */
static int lstm_bwd_check(const char *fn, lt_tensor *x, lt_tensor *h, lt_tensor *c,
                          lt_tensor *w_ih, lt_tensor *w_hh, int64_t *B, int64_t *NI, int64_t *H) {
  if (cell_check(fn, 4, x, h, w_ih, w_hh, NULL, NULL, B, NI, H) ||
      check2(fn, "cx", c, x->dtype, *B, *H))
    return -1;
  return 0;
}

/* and after it, on the CPU */
static int lstm_bwd_check_cpu(const char *fn, lt_tensor *grad_h, lt_tensor *grad_c,
                              lt_tensor *x, lt_tensor *gates, lt_tensor *c_out, int64_t B,
                              int64_t H) {
  lt_dtype dt = x->dtype;
  if (check2(fn, "gates", gates, dt, B, 4 * H) || check2(fn, "c_out", c_out, dt, B, H) ||
      (grad_h && check2(fn, "gradH", grad_h, dt, B, H)) ||
      (grad_c && check2(fn, "gradC", grad_c, dt, B, H)))
    return -1;
  return 0;
}

/* The CPU backward (shapes checked). need[i]: return output i as a new
 * tensor; acc (NULL, or per w_ih, w_hh, b_ih, b_hh a tensor or NULL): add
 * that gradient into it. */
static int lstm_cell_bwd_cpu(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                             lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                             lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                             int64_t B, int64_t NI, int64_t H, lt_tensor **const *outs) {
  lt_dtype dt = x->dtype;
  int64_t s1[2] = {B, H}, s4[2] = {B, 4 * H}, sx[2] = {B, NI}, sih[2] = {4 * H, NI},
          shh[2] = {4 * H, H}, sb = 4 * H;
  lt_tensor *a[4] = {acc ? acc[0] : NULL, acc ? acc[1] : NULL, acc ? acc[2] : NULL,
                     acc ? acc[3] : NULL};
  /* a missing gradient is a zero tensor and an unwanted one a scratch
   * tensor, so that the pointwise loops have no branches (they vectorize) */
  lt_tensor *in[9] = {nn_contig(x), nn_contig(h), nn_contig(c), nn_contig(w_ih), nn_contig(w_hh),
                      nn_contig(gates), nn_contig(c_out),
                      grad_h ? nn_contig(grad_h) : lt_tensor_zeros(dt, 2, s1),
                      grad_c ? nn_contig(grad_c) : lt_tensor_zeros(dt, 2, s1)};
  lt_tensor *gpre = NULL, *part = NULL, *o[6] = {0}; /* o: gx, ghp, gcp, gwih, gwhh, gb */
  int rc = -1;
  for (int i = 0; i < 9; i++)
    if (!in[i]) goto done;
  if (!(gpre = lt_tensor_empty(dt, 2, s4)) || !(o[2] = lt_tensor_empty(dt, 2, s1)) ||
      (nn_need(need, 0) && !(o[0] = lt_tensor_empty(dt, 2, sx))) ||
      (nn_need(need, 1) && !(o[1] = lt_tensor_empty(dt, 2, s1))) ||
      (nn_need(need, 3) && !(o[3] = lt_tensor_empty(dt, 2, sih))) ||
      (nn_need(need, 4) && !(o[4] = lt_tensor_empty(dt, 2, shh))) ||
      (nn_need(need, 5) && !(o[5] = lt_tensor_zeros(dt, 1, &sb))))
    goto done;
#define DATA(t) ((t) ? (char *)lt_tensor_data(t) : NULL)
  lstm_cell_ctx p = {.dt = dt, .es = lt_dtype_size(dt), .B = B, .NI = NI, .H = H,
                     .x = DATA(in[0]), .h = DATA(in[1]), .c = DATA(in[2]), .wih = DATA(in[3]),
                     .whh = DATA(in[4]), .gates = DATA(in[5]), .cout = DATA(in[6]),
                     .gh = DATA(in[7]), .gc = DATA(in[8]), .gpre = DATA(gpre), .gcp = DATA(o[2]),
                     .gx = DATA(o[0]), .ghp = DATA(o[1]), .gwih = DATA(a[0] ? a[0] : o[3]),
                     .gwhh = DATA(a[1] ? a[1] : o[4]), .beta_ih = a[0] ? 1 : 0,
                     .beta_hh = a[1] ? 1 : 0, .gb1 = DATA(a[2]), .gb2 = DATA(a[3])};
  if (o[5]) { /* the new bias gradient takes a free destination */
    if (!p.gb1) p.gb1 = DATA(o[5]);
    else p.gb2 = DATA(o[5]);
  }
#undef DATA
  if (B > 0 && H > 0) {
    p.nchunks = cell_chunks(H, 8.0 * B * H * (NI + H) * (p.ghp || p.gx ? 2 : 1));
    if ((p.ghp || p.gx) && p.nchunks > 1) {
      int64_t ps = (p.nchunks - 1) * B * (H + NI);
      if (!(part = lt_tensor_empty(dt, 1, &ps))) goto done;
      p.part = lt_tensor_data(part);
    }
    lt_parallel_for(p.nchunks, 1, lstm_cell_bwd_chunks, &p);
    for (int64_t k = 1; k < p.nchunks; k++) {
      const char *pk = p.part + (size_t)((k - 1) * B * (H + NI)) * p.es;
      if (p.ghp) add_into(dt, p.ghp, pk, B * H);
      if (p.gx) add_into(dt, p.gx, pk + (size_t)(B * H) * p.es, B * NI);
    }
  } else { /* an empty batch: the weight gradients are sums over nothing */
    if ((o[3] && lt_fill_(o[3], 0)) || (o[4] && lt_fill_(o[4], 0))) goto done;
  }
  if (!nn_need(need, 2)) {
    lt_tensor_release(o[2]);
    o[2] = NULL;
  }
  for (int i = 0; i < 6; i++) {
    *outs[i] = o[i];
    o[i] = NULL;
  }
  rc = 0;
done:
  nn_release(9, in);
  nn_release(6, o);
  lt_tensor_release(gpre);
  lt_tensor_release(part);
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
  if (lstm_bwd_check(fn, x, h, c, w_ih, w_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[8] = {x, h, c, w_ih, w_hh, gates, c_out, grad_h};
  static const char *const dn[8] = {"input", "hx", "cx", "w_ih", "w_hh", "gates", "c_out", "gradH"};
  if (nn_check_devices(fn, 8, dv, dn) || lt_device_same(fn, "gradC", grad_c, x)) return -1;
  NN_ON_DEVICE(-1, fn, x, lstm_cell_backward, grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out,
               need, grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b);
  if (lstm_bwd_check_cpu(fn, grad_h, grad_c, x, gates, c_out, B, H)) return -1;
  return lstm_cell_bwd_cpu(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, NULL, B, NI, H,
                           outs);
}

int lt_lstm_cell_backward_acc(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                              lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                              lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                              lt_tensor **grad_x, lt_tensor **grad_h_prev,
                              lt_tensor **grad_c_prev, lt_tensor **grad_w_ih,
                              lt_tensor **grad_w_hh, lt_tensor **grad_b) {
  const char *fn = "lstm_cell_backward";
  int64_t B = 0, NI = 0, H = 0;
  bool any = false;
  for (int k = 0; k < 4; k++) any |= acc && acc[k];
  if (any && x && lt_tensor_device(x).type != LT_CPU)
    return lt_errorf("%s: accumulators are for CPU tensors only", fn);
  if (!any)
    return lt_lstm_cell_backward(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, grad_x,
                                 grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b);
  lt_tensor **outs[6] = {grad_x, grad_h_prev, grad_c_prev, grad_w_ih, grad_w_hh, grad_b};
  for (int i = 0; i < 6; i++) *outs[i] = NULL;
  if (lstm_bwd_check(fn, x, h, c, w_ih, w_hh, &B, &NI, &H)) return -1;
  const lt_tensor *dv[8] = {x, h, c, w_ih, w_hh, gates, c_out, grad_h};
  static const char *const dn[8] = {"input", "hx", "cx", "w_ih", "w_hh", "gates", "c_out", "gradH"};
  if (nn_check_devices(fn, 8, dv, dn) || lt_device_same(fn, "gradC", grad_c, x) ||
      lstm_bwd_check_cpu(fn, grad_h, grad_c, x, gates, c_out, B, H))
    return -1;
  const int64_t cols[4] = {NI, H, 0, 0}; /* 0: a bias, 1-D */
  for (int k = 0; k < 4; k++) { /* a destination: the contiguous gradient of its parameter */
    const lt_tensor *d = acc[k];
    int64_t s[2] = {4 * H, cols[k]};
    if (d && (d->dtype != x->dtype || lt_tensor_device(d).type != LT_CPU ||
              !lt_tensor_is_contiguous(d) || nn_check_shape(fn, "accumulator", d, cols[k] ? 2 : 1, s)))
      return lt_errorf("%s: accumulator %d must be a contiguous CPU %s tensor of its parameter's "
                       "size", fn, k + 1, lt_dtype_name(x->dtype));
  }
  return lstm_cell_bwd_cpu(grad_h, grad_c, x, h, c, w_ih, w_hh, gates, c_out, need, acc, B, NI, H,
                           outs);
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
